//! The "Import from Flink" dialog: the saved bodies of a job's REST endpoints (dropped, picked
//! with a file input, or pasted) become the current run through the runner's own import
//! (`barrierscope-sim import`). It shows the files taken, then the job's calibration and the
//! warnings (missing endpoints lower the calibration; they are not errors). Bad input is one
//! error banner naming the file and the field, and the current run is kept. The state is
//! [`FlinkImport`](crate::ui::flink_import::FlinkImport) (plain, tested natively); files are
//! read with `Blob.text()`.

use super::*;
use crate::ui::flink_import::{check_size, Outcome, SAVE_SCRIPT};
use wasm_bindgen_futures::JsFuture;
use web_sys::{DragEvent, File, FileList};

pub enum FlinkMsg {
    /// Files picked or dropped: each is read, then arrives as `Read`.
    Files(Vec<File>),
    Read(String, Result<String, String>),
    Remove(String),
    Paste(String),
    Import,
}

/// The files of a list (taken at once: an input's list empties when its value is reset).
fn files_of(list: FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Reads every file (as UTF-8 text) and sends each to `done` with its name.
fn read_files(files: Vec<File>, done: Callback<(String, Result<String, String>)>) {
    for file in files {
        let name = file.name();
        if let Err(e) = check_size(&name, file.size() as usize) {
            done.emit((name, Err(e)));
            continue;
        }
        let done = done.clone();
        let text = JsFuture::from(file.text());
        yew::platform::spawn_local(async move {
            let read = match text.await {
                Ok(v) => v.as_string().ok_or_else(|| format!("{name}: not text")),
                Err(_) => Err(format!("{name}: the browser could not read the file")),
            };
            done.emit((name, read));
        });
    }
}

impl App {
    pub(super) fn on_flink(&mut self, ctx: &Context<Self>, m: FlinkMsg) -> bool {
        match m {
            FlinkMsg::Files(files) => {
                let done = ctx
                    .link()
                    .callback(|(name, read)| Msg::Flink(FlinkMsg::Read(name, read)));
                read_files(files, done);
                return false;
            }
            FlinkMsg::Read(name, read) => {
                if let Err(e) = read.and_then(|text| self.flink.add_file(name, text)) {
                    self.error = Some(format!("Import from Flink: {e}"));
                }
                self.flink.outcome = None;
            }
            FlinkMsg::Remove(name) => {
                self.flink.remove_file(&name);
                self.flink.outcome = None;
            }
            FlinkMsg::Paste(text) => {
                self.flink.paste = text;
                if self.flink.outcome.is_none() {
                    return false;
                }
                self.flink.outcome = None;
            }
            FlinkMsg::Import => self.import_flink(),
        }
        true
    }

    /// Imports the job and opens it, or says why not and keeps the current run.
    fn import_flink(&mut self) {
        let rejected =
            |e: String| format!("Import from Flink rejected (the current run is kept): {e}");
        let imported = match self.flink.import() {
            Ok(i) => i,
            Err(e) => {
                self.error = Some(rejected(e));
                return;
            }
        };
        match build(&imported.scenario) {
            Ok(run) => {
                self.pause();
                let outcome = Outcome::of(&imported);
                let s = imported.scenario;
                let key = scenarios::key_of(&s);
                self.install(key, s, run);
                self.error = None;
                self.notice = Some(outcome.notice());
                self.flink.outcome = Some(outcome);
                self.update_hash();
            }
            Err(e) => self.error = Some(rejected(e)),
        }
    }

    pub(super) fn view_flink_dialog(&self, link: &Scope<App>) -> Html {
        let f = &self.flink;
        let on_files = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            // The same file picked again is a change too (the value is reset once they are taken).
            let files = input.files();
            let files = files.map(files_of);
            input.set_value("");
            files.map(|f| Msg::Flink(FlinkMsg::Files(f)))
        });
        let on_drop = link.batch_callback(|e: DragEvent| {
            e.prevent_default();
            e.data_transfer()
                .and_then(|d| d.files())
                .map(|l| Msg::Flink(FlinkMsg::Files(files_of(l))))
        });
        let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());
        let on_paste = link.callback(|e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            Msg::Flink(FlinkMsg::Paste(t.value()))
        });
        let file = |i: &crate::import::Input| {
            let name = i.name.clone();
            let remove = link.callback(move |_| Msg::Flink(FlinkMsg::Remove(name.clone())));
            html! {
                <li>
                    <span class="name">{ i.name.clone() }</span>
                    <span class="muted">{ format!(" {}", crate::ui::format::bytes(i.text.len() as u64)) }</span>
                    <button class="dismiss" onclick={remove} title="Leave this file out" aria-label={format!("Leave out {}", i.name)}>{ "×" }</button>
                </li>
            }
        };
        html! {
            <div data-testid="import-flink-dialog">
                <h2>{ "Import from Flink" }</h2>
                <p class="muted">{ "The saved bodies of a job's REST endpoints (GET /jobs/:id, /plan, /checkpoints/config, /checkpoints, checkpoint details, vertex metrics), recognised by their content, as " }<code>{ "barrierscope-sim import" }</code>{ " reads them. The job opens calibrated to them; what is missing is guessed and said." }</p>
                <details class="flink-save" data-testid="import-flink-save">
                    <summary>{ "How to save them (curl and jq, against the JobManager's REST port)" }</summary>
                    <pre>{ SAVE_SCRIPT }</pre>
                </details>
                <div class="drop-zone" data-testid="import-flink-drop" ondragover={on_drag_over} ondrop={on_drop}>
                    <label>
                        <span>{ "Drop the files here, or pick them: " }</span>
                        <input data-testid="import-flink-files" type="file" multiple=true accept=".json,application/json" onchange={on_files} aria-label="Flink REST files" />
                    </label>
                    if !f.files.is_empty() {
                        <ul class="flink-files" data-testid="import-flink-file-list">{ for f.files.iter().map(file) }</ul>
                    }
                </div>
                <textarea data-testid="import-flink-paste" rows="4" oninput={on_paste} value={f.paste.clone()}
                    placeholder="…or paste one or more bodies: { \"jid\": …, \"vertices\": [ … ] } { \"plan\": … }" aria-label="Flink REST bodies to import" />
                if let Some(o) = &f.outcome {
                    <div class="flink-outcome">
                        <p><strong>{ o.notice() }</strong></p>
                        if !o.warnings.is_empty() {
                            <ul class="flink-warnings" data-testid="import-flink-warnings">
                                { for o.warnings.iter().map(|w| html! { <li>{ w.clone() }</li> }) }
                            </ul>
                        }
                        <details open=true>
                            <summary>{ format!("Calibration ({} fields)", o.calibration.len()) }</summary>
                            <ol class="flink-calibration" data-testid="import-flink-calibration">
                                { for o.calibration.iter().map(|c| html! { <li>{ c.clone() }</li> }) }
                            </ol>
                        </details>
                    </div>
                }
                <div class="dialog-buttons">
                    <button class="primary" data-testid="import-flink-go" onclick={link.callback(|_| Msg::Flink(FlinkMsg::Import))}>{ "Import job" }</button>
                    <button onclick={link.callback(|_| Msg::Dialog(None))}>{ if f.outcome.is_some() { "Close" } else { "Cancel" } }</button>
                </div>
            </div>
        }
    }
}
