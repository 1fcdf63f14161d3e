//! The top bar, the banners (error, notice, invariant) and the Export /
//! Import dialogs (Import from Flink is in `flink`).

use super::*;
use crate::ui::view_html::{button, p_c, span_c};

/// A click's callback that sends `msg`.
#[inline(never)]
fn send(link: &Scope<App>, msg: fn() -> Msg) -> Callback<MouseEvent> {
    link.callback(move |_: MouseEvent| msg())
}

/// The picker's choices, lessons or benchmarks.
fn options(benchmarks: bool, selected: &str) -> Html {
    html! {
        { for SHIPPED.iter().filter(|s| scenarios::is_benchmark(s.key) == benchmarks).map(|s| html! {
            <option value={s.key} selected={s.key == selected}>{ s.name }</option>
        }) }
    }
}

impl App {
    pub(super) fn view_topbar(&self, link: &Scope<App>) -> Html {
        let sim = self.run.sim();
        let playing = self.ui.playing;
        let key = self.scenario_key.unwrap_or("");
        let on_pick = link.callback(|e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            Msg::PickScenario(s.value())
        });
        let on_seed = link.callback(|e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            Msg::Seed(i.value())
        });
        let on_speed = link.callback(|e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            Msg::Speed(crate::ui::format::parse_number(&i.value()).unwrap_or(SPEED_LOG_DEFAULT))
        });
        let now = sim.now();
        let sub_ms = now.0 % 1000;
        html! {
            <header class="topbar">
                <h1 class="brand" title="BarrierScope: Apache Flink's checkpointing, simulated and animated">{ "BarrierScope" }</h1>
                <label class="field scenario-field" title="Scenario: each one teaches one thing">
                    <select data-testid="scenario-select" onchange={on_pick} aria-label="Scenario" ref={self.select_ref.clone()}
                        title={ if self.scenario_key.is_none() { format!("Imported scenario “{}” (not one of the shipped ones)", sim.scenario().name) } else { "Scenario: each one teaches one thing".to_string() } }>
                        <optgroup label="Lessons">{ options(false, key) }</optgroup>
                        <optgroup label="Benchmarks (2 h runs, up to 256 subtasks)">{ options(true, key) }</optgroup>
                    </select>
                </label>
                <label class="field seed-field" key={format!("seed-{}", self.ui.form_gen)}>
                    { span_c("label", "Seed".into()) }
                    <input data-testid="seed" type="number" min="0" step="1" value={sim.scenario().seed.to_string()} onchange={on_seed} aria-label="Seed" />
                </label>
                <div class="transport" role="group" aria-label="Playback">
                    <button data-testid="play-pause" class={classes!("primary", playing.then_some("playing"))}
                        onclick={link.callback(|_| Msg::TogglePlay)}
                        title="Play / pause (Space)" aria-pressed={playing.to_string()}>
                        { if playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                    { button(None, Some("step-back"), Some("Back one event (←)"), Some("Back one event"), send(link, || Msg::StepBack), "◀|") }
                    { button(None, Some("step"), Some("Process the next event (→)"), Some("Step one event"), send(link, || Msg::Step), "|▶") }
                    { button(None, Some("step-checkpoint-back"), Some("Back to the previous checkpoint event: a trigger, a barrier reaching a subtask, an ack, a completion or an abort ([)"), Some("Back to the previous checkpoint event"), send(link, || Msg::StepBackCheckpoint), "◀◀ cp") }
                    { button(None, Some("step-checkpoint"), Some("On to the next checkpoint event: a trigger, a barrier reaching a subtask, an ack, a completion or an abort (])"), Some("On to the next checkpoint event"), send(link, || Msg::StepCheckpoint), "cp ▶▶") }
                    { button(None, Some("reset"), Some("Reset: restart this scenario from 0 ms with this seed, dropping injected faults and settings"), Some("Reset"), send(link, || Msg::Reset), "⟲") }
                </div>
                <label class="field speed-field" title="Speed: simulated time against real time, on a log scale from 0.01× to 100× (+ / -)">
                    <input data-testid="speed" type="range" min={crate::ui::format::number(SPEED_LOG_MIN)} max={crate::ui::format::number(SPEED_LOG_MAX)} step="0.05"
                        value={crate::ui::format::fixed(self.ui.speed_log, 2)} oninput={on_speed} aria-label="Speed (log scale)" />
                    { span_c("speed-value", crate::ui::format::speed(self.speed()).into()) }
                </label>
                <label class={classes!("field", "slowmo-field", (self.ui.playing && self.ui.slowmo_active).then_some("active"))}
                    title={format!("Checkpoint close-up: while a checkpoint is pending, play {SLOWMO_FACTOR}× slower (at most {} s of real time per checkpoint), so that barriers and acks can be followed. It changes the playback only, never the simulation.", crate::ui::format::number(SLOWMO_BUDGET_MS / 1000.0))}>
                    <input data-testid="slowmo" type="checkbox" checked={self.ui.slowmo}
                        onchange={link.callback(|e: Event| { let i: HtmlInputElement = e.target_unchecked_into(); Msg::SlowMo(i.checked()) })} />
                    { span_c("label", (if self.ui.playing && self.ui.slowmo_active { format!("close-up {}", crate::ui::format::speed(self.speed() / SLOWMO_FACTOR)) } else { "close-up".to_string() }).into()) }
                </label>
                <div class="clock" title="Simulated time on screen">
                    { span_c("label", "t =".into()) }
                    <span data-testid="sim-time" data-us={now.0.to_string()}>{ now.as_ms().to_string() }</span>
                    { span_c("unit", (if sub_ms == 0 { " ms".to_string() } else { format!(".{sub_ms:03} ms") }).into()) }
                    if self.ui.lagging {
                        <span class="lag" title="This frame could not simulate all the way to the wanted time; the simulation runs slower than the chosen speed">{ "⚠ catching up" }</span>
                    }
                </div>

            </header>
        }
    }

    pub(super) fn view_banners(&self, link: &Scope<App>) -> Html {
        let violations = &self.run.sim().invariants().violations;
        html! {
            <>
                if let Some(e) = &self.error {
                    <div class="banner error" data-testid="error" role="alert">
                        { span_c("msg", e.clone().into()) }
                        { button(Some("dismiss"), None, Some("Dismiss"), Some("Dismiss"), send(link, || Msg::DismissError), "×") }
                    </div>
                }
                if !violations.is_empty() {
                    <div class="banner invariant" data-testid="invariant-violations" role="alert">
                        <strong>{ "Invariant violated: " }</strong>
                        <span>{ violations.last().cloned().unwrap_or_default() }</span>
                        { span_c("muted", format!(" ({} in all)", self.run.sim().invariants().violation_count).into()) }
                    </div>
                }
                if let (None, Some(n)) = (&self.error, &self.notice) {
                    <div class="banner notice" data-testid="notice" role="status">
                        { span_c("msg", n.clone().into()) }
                        { self.whatif_back_button(link) }
                        if self.undo.is_some() {
                            { button(None, Some("undo-fork"), Some("Bring back the old run with its later inputs"), None, send(link, || Msg::UndoFork), "Undo") }
                        }
                        { button(Some("dismiss"), None, Some("Dismiss"), Some("Dismiss"), send(link, || Msg::DismissError), "×") }
                    </div>
                }
            </>
        }
    }

    pub(super) fn view_dialog(&self, d: Dialog, link: &Scope<App>) -> Html {
        let close = link.callback(|_| Msg::Dialog(None));
        let body = match d {
            Dialog::Export => {
                let json = self.run.sim().scenario().to_json();
                html! {
                    <>
                        <h2>{ "Export the scenario" }</h2>
                        { p_c("muted", "The scenario file as loaded (with the current seed). Injected faults and live settings are in the share link, not here.".into()) }
                        <textarea data-testid="export-json" readonly=true rows="18" value={json} aria-label="Scenario JSON" />
                        <div class="dialog-buttons">
                            { button(None, Some("download"), None, None, send(link, || Msg::Download), "Download .json") }
                            { button(None, None, None, None, close.clone(), "Close") }
                        </div>
                    </>
                }
            }
            #[cfg(feature = "flink-import-ui")]
            Dialog::ImportFlink => self.view_flink_dialog(link),
            #[cfg(not(feature = "flink-import-ui"))]
            Dialog::ImportFlink => Html::default(),
            Dialog::Import => {
                let on_input = link.callback(|e: InputEvent| {
                    let t: HtmlTextAreaElement = e.target_unchecked_into();
                    Msg::ImportText(t.value())
                });
                html! {
                    <>
                        <h2>{ "Import a scenario" }</h2>
                        { p_c("muted", "Paste a scenario file. It is validated with Flink's rules before anything changes; if it is rejected, the current run is kept.".into()) }
                        <textarea data-testid="import-json" rows="18" oninput={on_input} placeholder="{ \"name\": …, \"duration_ms\": …, \"job\": { … } }" aria-label="Scenario JSON to import" />
                        <div class="dialog-buttons">
                            { button(Some("primary"), Some("import-load"), None, None, send(link, || Msg::DoImport), "Load scenario") }
                            { button(None, None, None, None, close.clone(), "Cancel") }
                        </div>
                    </>
                }
            }
        };
        html! {
            <div class="overlay" onclick={close.clone()}>
                <div class="dialog" role="dialog" aria-modal="true" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                    { body }
                </div>
            </div>
        }
    }
}

/// Offers `text` as a file download (a Blob URL; nothing leaves the machine).
pub(super) fn download_json(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(doc) = window().document() {
        if let Ok(a) = doc.create_element("a") {
            let _ = a.set_attribute("href", &url);
            let _ = a.set_attribute("download", name);
            if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
                a.click();
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
