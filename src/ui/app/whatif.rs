//! The What-if panel's side of the App: the variants' form, their runs in Web Workers (the page's
//! own wasm module loaded again by `static/whatif-worker.js`, at most 2 at a time, the rest
//! queued), their results and guided answers, and opening a variant in the animation at the
//! moment that explains it, with the user's run kept to come back to.

use super::*;
use crate::sweep::whatif::VariantResult;
use crate::sweep::Variant;
use crate::ui::whatif_model::{self as m, Slot, VariantForm, WhatIfInput};
use std::collections::VecDeque;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

type OnMessage = Closure<dyn FnMut(MessageEvent)>;

struct WorkerSlot {
    worker: Worker,
    _on_message: OnMessage,
    _on_error: OnMessage,
    /// The variant it runs.
    busy: Option<usize>,
}

impl Drop for WorkerSlot {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The panel's state.
pub struct WhatIf {
    pub open: bool,
    pub forms: Rc<Vec<VariantForm>>,
    pub until: String,
    pub slots: Rc<Vec<Slot>>,
    /// The forms of the last run, as they were when it started (the table's settings).
    pub ran: Rc<Vec<VariantForm>>,
    pub answers: Option<Rc<[String; 3]>>,
    pub error: Option<String>,
    /// The last run's variants and the scenario they vary.
    variants: Vec<Variant>,
    base: Option<Rc<Scenario>>,
    base_json: Rc<str>,
    until_ms: u64,
    /// Each run's number: a late answer of an older run is dropped.
    generation: u32,
    workers: Vec<WorkerSlot>,
    queue: VecDeque<usize>,
    started_ms: f64,
    pub wall_ms: Option<f64>,
}

impl Default for WhatIf {
    fn default() -> Self {
        WhatIf {
            open: false,
            forms: Rc::new(vec![VariantForm::default()]),
            until: "10 min".into(),
            slots: Rc::new(Vec::new()),
            ran: Rc::new(Vec::new()),
            answers: None,
            error: None,
            variants: Vec::new(),
            base: None,
            base_json: "".into(),
            until_ms: 0,
            generation: 0,
            workers: Vec::new(),
            queue: VecDeque::new(),
            started_ms: 0.0,
            wall_ms: None,
        }
    }
}

impl WhatIf {
    pub fn running(&self) -> bool {
        !self.workers.is_empty()
    }

    pub fn status(&self) -> String {
        let done = self
            .slots
            .iter()
            .filter(|s| matches!(s, Slot::Done(_) | Slot::Failed(_)))
            .count();
        match (self.slots.len(), self.wall_ms) {
            (0, _) => String::new(),
            (n, Some(ms)) => format!(
                "{n} variants of {} in {:.1} s",
                crate::sweep::output::duration(Some(self.until_ms)),
                ms / 1000.0
            ),
            (n, None) => format!(
                "{done} of {n} done, {} worker{}",
                self.workers.len(),
                if self.workers.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The wasm-bindgen file names the page was loaded with and the worker script's URL (set by
/// static/loader.js as `window.barrierscopeAssets`).
fn assets() -> Option<(JsValue, JsValue, String)> {
    let a = js_sys::Reflect::get(&window(), &JsValue::from_str("barrierscopeAssets")).ok()?;
    let get = |k: &str| js_sys::Reflect::get(&a, &JsValue::from_str(k)).ok();
    Some((get("js")?, get("wasm")?, get("worker")?.as_string()?))
}

/// How many workers: at most 2, and one core left to the page.
fn worker_count(jobs: usize) -> usize {
    let cores = window().navigator().hardware_concurrency() as usize;
    cores.saturating_sub(1).clamp(1, 2).min(jobs)
}

impl App {
    pub(super) fn whatif(&mut self, ctx: &Context<Self>, input: WhatIfInput) {
        let w = &mut self.whatif;
        match input {
            WhatIfInput::Edit(i, k, v) => {
                if let Some(f) = Rc::make_mut(&mut w.forms).get_mut(i) {
                    if let Some(slot) = f.values.get_mut(k) {
                        *slot = v;
                    }
                }
            }
            WhatIfInput::Add(preset) => {
                if w.forms.len() < m::MAX_VARIANTS {
                    let f = match preset.and_then(|k| m::PRESETS.get(k)) {
                        Some((_, _, field, value)) => {
                            VariantForm::preset(self.run.sim().scenario(), *field, value)
                        }
                        None => VariantForm::default(),
                    };
                    Rc::make_mut(&mut w.forms).push(f);
                }
            }
            WhatIfInput::Remove(i) => {
                if i < w.forms.len() {
                    Rc::make_mut(&mut w.forms).remove(i);
                }
            }
            WhatIfInput::Until(t) => w.until = t,
            WhatIfInput::Run => self.whatif_run(ctx),
            WhatIfInput::Open(i) => self.whatif_open_variant(i),
            WhatIfInput::Close => w.open = false,
        }
    }

    fn whatif_run(&mut self, ctx: &Context<Self>) {
        let scenario = Rc::new(self.run.sim().scenario().clone());
        let json: Rc<str> = scenario.to_json().into();
        let w = &mut self.whatif;
        w.error = None;
        let checked = m::validate(&json, &w.forms)
            .and_then(|v| Ok((v, m::until_ms(&w.until, scenario.duration_ms)?)));
        let (variants, until_ms) = match checked {
            Ok(x) => x,
            Err(e) => {
                w.error = Some(e);
                return;
            }
        };
        let Some((js, wasm, url)) = assets() else {
            w.error = Some("What if needs the page's loader (window.barrierscopeAssets)".into());
            return;
        };
        w.workers.clear();
        w.generation = w.generation.wrapping_add(1);
        w.slots = Rc::new(vec![Slot::Queued; variants.len()]);
        w.answers = None;
        w.queue = (0..variants.len()).collect();
        w.ran = w.forms.clone();
        w.variants = variants;
        w.base = Some(scenario);
        w.base_json = json;
        w.until_ms = until_ms;
        w.started_ms = now_ms();
        w.wall_ms = None;
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Module);
        for k in 0..worker_count(w.queue.len()) {
            let worker = match Worker::new_with_options(&url, &opts) {
                Ok(x) => x,
                Err(e) => {
                    w.error = Some(format!("What if: cannot start a Web Worker: {e:?}"));
                    w.workers.clear();
                    return;
                }
            };
            let generation = w.generation;
            let link = ctx.link().clone();
            let on_message = OnMessage::new(move |e: MessageEvent| {
                let data = e.data();
                let get = |key: &str| js_sys::Reflect::get(&data, &JsValue::from_str(key)).ok();
                let id = get("id").and_then(|v| v.as_f64()).unwrap_or(-1.0);
                let out = get("out").and_then(|v| v.as_string()).unwrap_or_default();
                link.send_message(Msg::WhatIfDone(generation, k, id as usize, out));
            });
            let link = ctx.link().clone();
            let on_error = OnMessage::new(move |_: MessageEvent| {
                link.send_message(Msg::WhatIfDone(
                    generation,
                    k,
                    usize::MAX,
                    r#"{"error":"the worker failed to start or crashed"}"#.into(),
                ));
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            w.workers.push(WorkerSlot {
                worker,
                _on_message: on_message,
                _on_error: on_error,
                busy: None,
            });
            let _ = (&js, &wasm);
        }
        for k in 0..self.whatif.workers.len() {
            self.whatif_dispatch(k, &js, &wasm);
        }
    }

    /// Gives worker `k` the next queued variant.
    fn whatif_dispatch(&mut self, k: usize, js: &JsValue, wasm: &JsValue) {
        let w = &mut self.whatif;
        let Some(i) = w.queue.pop_front() else {
            return;
        };
        let msg = js_sys::Object::new();
        let sets = w
            .ran
            .get(i)
            .map(|f| f.sets().join("\n"))
            .unwrap_or_default();
        for (key, v) in [
            ("js", js.clone()),
            ("wasm", wasm.clone()),
            ("id", JsValue::from_f64(i as f64)),
            ("base", JsValue::from_str(&w.base_json)),
            ("sets", JsValue::from_str(&sets)),
            ("until", JsValue::from_f64(w.until_ms as f64)),
        ] {
            let _ = js_sys::Reflect::set(&msg, &JsValue::from_str(key), &v);
        }
        if let Some(slot) = w.workers.get_mut(k) {
            slot.busy = Some(i);
            Rc::make_mut(&mut w.slots)[i] = Slot::Running;
            if slot.worker.post_message(&msg).is_err() {
                Rc::make_mut(&mut w.slots)[i] = Slot::Failed("could not post to the worker".into());
            }
        }
    }

    /// A worker's answer: `id` is the variant (`usize::MAX`: the worker itself failed).
    pub(super) fn whatif_done(&mut self, generation: u32, k: usize, id: usize, out: String) {
        let w = &mut self.whatif;
        if generation != w.generation || k >= w.workers.len() {
            return;
        }
        let i = if id == usize::MAX {
            match w.workers[k].busy {
                Some(i) => i,
                None => return,
            }
        } else {
            id
        };
        w.workers[k].busy = None;
        let slot = match VariantResult::from_json(&out) {
            Ok(mut r) => {
                if let Some(f) = w.ran.get(i) {
                    r.row = m::with_labels(r.row, f);
                }
                Slot::Done(Rc::new(r))
            }
            Err(e) => Slot::Failed(e),
        };
        if let Some(s) = Rc::make_mut(&mut w.slots).get_mut(i) {
            *s = slot;
        }
        if id == usize::MAX {
            // A worker that failed takes no more variants; the others finish the queue.
            let failed = w.workers.remove(k);
            drop(failed);
            if w.workers.is_empty() {
                for q in w.queue.drain(..) {
                    Rc::make_mut(&mut w.slots)[q] = Slot::Failed("no worker left".into());
                }
            }
        } else if let Some((js, wasm, _)) = assets() {
            self.whatif_dispatch(k, &js, &wasm);
        }
        let w = &mut self.whatif;
        if w.workers.iter().all(|s| s.busy.is_none()) {
            w.workers.clear();
            w.wall_ms = Some(now_ms() - w.started_ms);
        }
        self.whatif_answers();
    }

    fn whatif_answers(&mut self) {
        let w = &mut self.whatif;
        let Some(base) = &w.base else { return };
        let done: Vec<(&crate::sweep::VariantRow, &Variant)> = w
            .slots
            .iter()
            .zip(&w.variants)
            .filter_map(|(s, v)| match s {
                Slot::Done(r) => Some((&r.row, v)),
                _ => None,
            })
            .collect();
        w.answers = (!done.is_empty()).then(|| Rc::new(m::answers(&done, base)));
    }

    /// Opens variant `i` as the run on screen at its moment; the user's run is kept (the first
    /// one replaced) for "Back to your run".
    fn whatif_open_variant(&mut self, i: usize) {
        let (Some(Slot::Done(r)), Some(v)) =
            (self.whatif.slots.get(i), self.whatif.variants.get(i))
        else {
            return;
        };
        let r = r.clone();
        let mut s = v.scenario.clone();
        let label = crate::sweep::answers::label(&r.row);
        s.name = format!(
            "{} · what if {}",
            s.name,
            if r.row.labels.is_empty() {
                "as now".into()
            } else {
                label
            }
        );
        let run = match build(&s) {
            Ok(run) => run,
            Err(e) => {
                self.whatif.error = Some(format!("{}: {e}", m::name(i)));
                return;
            }
        };
        self.pause();
        let back = (self.scenario_key, self.base.clone());
        let old = self.install(None, s, run);
        if self.whatif_back.is_none() {
            self.whatif_back = Some((back.0, back.1, old));
        }
        self.whatif.open = false;
        self.ui.show_description = false;
        self.ui.tab = Tab::Checkpoints;
        let at = r.moment.as_ref().map(|m| m.at_ms).unwrap_or(0);
        let played = self
            .run
            .play_to(SimTime::from_ms(at), &mut || false)
            .map(|_| ());
        self.report(played);
        if let Some(id) = r.moment.as_ref().and_then(|m| m.checkpoint) {
            self.ui.selected_checkpoint = Some(id);
            self.keep_finished_checkpoint();
        }
        self.notice = Some(match &r.moment {
            Some(mo) => format!(
                "{} opened at {}: {}.",
                m::name(i),
                crate::sweep::output::duration(Some(mo.at_ms)),
                mo.what
            ),
            None => format!("{} opened.", m::name(i)),
        });
        self.update_hash();
    }

    /// Back to the run the user had before opening a variant.
    pub(super) fn whatif_back(&mut self) {
        if let Some((key, base, run)) = self.whatif_back.take() {
            self.pause();
            let now = run.sim().now();
            let _ = self.install(key, (*base).clone(), run);
            self.ui.show_description = now == SimTime(0);
            self.notice = Some("Back to your run.".into());
            self.update_hash();
        }
    }
}
