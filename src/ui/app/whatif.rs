//! The What-if panel's side of the App: the variants' form, their runs in Web Workers (started
//! by `static/whatif-pool.js`, at most 2 at a time, the rest queued, each loading the page's own
//! wasm module; one callback per finished variant), their results and guided answers, and
//! opening a variant in the animation at the moment that explains it, with the user's run kept
//! to come back to.

use super::callbacks::Callbacks;
use super::*;
use crate::sweep::fields::PanelVariant;
use crate::sweep::whatif::VariantResult;
use crate::ui::view_whatif::{whatif_panel, WhatIfProps};
use crate::ui::whatif_model::{self as m, Slot, VariantForm, WhatIfInput};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// Called by static/whatif-pool.js as each variant ends: its index and the worker's answer.
type Done = Closure<dyn FnMut(u32, String)>;

#[wasm_bindgen]
extern "C" {
    /// static/whatif-pool.js: runs `variants` (each its values, one per line) of the scenario
    /// file `base` to `until` ms in at most `n` Web Workers, calling `done` as each ends.
    #[wasm_bindgen(catch, js_namespace = window, js_name = barrierscopeWhatIf)]
    fn run_in_workers(
        base: &str,
        variants: js_sys::Array,
        until: f64,
        n: u32,
        done: &Done,
    ) -> Result<(), JsValue>;
}

/// The panel's state.
pub struct WhatIf {
    pub open: bool,
    pub forms: Rc<Vec<VariantForm>>,
    /// The form as markup: made again when variants come or go.
    pub form: AttrValue,
    pub until: String,
    pub slots: Rc<Vec<Slot>>,
    /// The forms of the last run, as they were when it started (the table's settings).
    pub ran: Rc<Vec<VariantForm>>,
    /// The results as the panel shows them (markup), remade as they change.
    pub results: Option<AttrValue>,
    pub error: Option<String>,
    /// The last run's variants and the scenario they vary.
    variants: Vec<PanelVariant>,
    base: Option<Rc<Scenario>>,
    until_ms: u64,
    /// Each run's number: a late answer of an older run is dropped.
    generation: u32,
    /// Workers of the last run.
    workers: usize,
    done: Option<Done>,
    started_ms: f64,
    pub wall_ms: Option<f64>,
}

impl Default for WhatIf {
    fn default() -> Self {
        let forms = vec![VariantForm::default()];
        WhatIf {
            open: false,
            form: crate::ui::whatif_html::form(&forms).into(),
            forms: Rc::new(forms),
            until: "10 min".into(),
            slots: Rc::new(Vec::new()),
            ran: Rc::new(Vec::new()),
            results: None,
            error: None,
            variants: Vec::new(),
            base: None,
            until_ms: 0,
            generation: 0,
            workers: 0,
            done: None,
            started_ms: 0.0,
            wall_ms: None,
        }
    }
}

impl WhatIf {
    pub fn running(&self) -> bool {
        self.slots
            .iter()
            .any(|s| matches!(s, Slot::Queued | Slot::Running))
    }

    pub fn status(&self) -> String {
        let done = self.slots.iter().filter(|s| !s.pending()).count();
        match (self.slots.len(), self.wall_ms) {
            (0, _) => String::new(),
            (n, Some(ms)) => format!(
                "{n} variants of {} in {:.1} s",
                crate::sweep::output::duration(Some(self.until_ms)),
                ms / 1000.0
            ),
            (n, None) => format!(
                "{done} of {n} done, {} worker{}",
                self.workers,
                if self.workers == 1 { "" } else { "s" }
            ),
        }
    }
}

impl App {
    /// The panel, when open.
    pub(super) fn whatif_view(&self, cb: &Callbacks) -> Html {
        if !self.whatif.open {
            return Html::default();
        }
        whatif_panel(&WhatIfProps {
            full: self.whatif.forms.len() >= m::MAX_VARIANTS,
            form: self.whatif.form.clone(),
            until: self.whatif.until.clone(),
            results: self.whatif.results.clone(),
            error: self.whatif.error.clone(),
            status: self.whatif.status(),
            wall_ms: self.whatif.wall_ms,
            running: self.whatif.running(),
            on: cb.whatif.clone(),
        })
    }

    /// "Back to your run", while a variant is on screen.
    pub(super) fn whatif_back_button(&self, link: &Scope<Self>) -> Html {
        if self.whatif_back.is_none() {
            return Html::default();
        }
        html! {
            <button data-testid="whatif-back" onclick={link.callback(|_| Msg::WhatIfBack)} title="Put your own run back on screen">{ "Back to your run" }</button>
        }
    }

    /// Esc hides the panel (its workers go on); whether it was open.
    pub(super) fn hide_whatif(&mut self) -> bool {
        std::mem::take(&mut self.whatif.open)
    }

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
                    w.form = crate::ui::whatif_html::form(&w.forms).into();
                }
            }
            WhatIfInput::Remove(i) => {
                if i < w.forms.len() {
                    Rc::make_mut(&mut w.forms).remove(i);
                    w.form = crate::ui::whatif_html::form(&w.forms).into();
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
        let w = &mut self.whatif;
        w.error = None;
        let checked = m::validate(&scenario, &w.forms)
            .and_then(|v| Ok((v, m::until_ms(&w.until, scenario.duration_ms)?)));
        let (variants, until_ms) = match checked {
            Ok(x) => x,
            Err(e) => {
                w.error = Some(e);
                return;
            }
        };
        w.generation = w.generation.wrapping_add(1);
        let generation = w.generation;
        let link = ctx.link().clone();
        let done = Done::new(move |i: u32, out: String| {
            link.send_message(Msg::WhatIfDone(generation, i as usize, out));
        });
        // One core is left to the page: at most 2 workers.
        let cores = window().navigator().hardware_concurrency() as usize;
        w.workers = cores.saturating_sub(1).clamp(1, 2).min(variants.len());
        let list: js_sys::Array = w
            .forms
            .iter()
            .map(|f| JsValue::from_str(&f.values.join("\n")))
            .collect();
        let json = scenario.to_json();
        if let Err(e) = run_in_workers(&json, list, until_ms as f64, w.workers as u32, &done) {
            w.error = Some(format!("What if: cannot start the Web Workers: {e:?}"));
            return;
        }
        w.done = Some(done);
        w.slots = Rc::new(
            (0..variants.len())
                .map(|i| {
                    if i < w.workers {
                        Slot::Running
                    } else {
                        Slot::Queued
                    }
                })
                .collect(),
        );
        w.ran = w.forms.clone();
        w.variants = variants;
        w.base = Some(scenario);
        w.until_ms = until_ms;
        w.started_ms = now_ms();
        w.wall_ms = None;
        self.whatif_answers();
    }

    /// A worker's answer for variant `i` (the workers take the queue in order: the next queued
    /// one starts).
    pub(super) fn whatif_done(&mut self, generation: u32, i: usize, out: String) {
        let w = &mut self.whatif;
        if generation != w.generation || i >= w.slots.len() {
            return;
        }
        let slot = match VariantResult::decode(&out) {
            Ok(mut r) => {
                if let Some(f) = w.ran.get(i) {
                    r.row = m::with_labels(r.row, f);
                }
                Slot::Done(Rc::new(r))
            }
            Err(e) => Slot::Failed(e),
        };
        let slots = Rc::make_mut(&mut w.slots);
        slots[i] = slot;
        if let Some(next) = slots.iter_mut().find(|s| matches!(s, Slot::Queued)) {
            *next = Slot::Running;
        }
        if !w.running() {
            w.wall_ms = Some(now_ms() - w.started_ms);
        }
        self.whatif_answers();
    }

    fn whatif_answers(&mut self) {
        let w = &mut self.whatif;
        let Some(base) = &w.base else { return };
        let done: Vec<(&crate::sweep::VariantRow, &PanelVariant)> = w
            .slots
            .iter()
            .zip(&w.variants)
            .filter_map(|(s, v)| match s {
                Slot::Done(r) => Some((&r.row, v)),
                _ => None,
            })
            .collect();
        let answers = (!done.is_empty()).then(|| m::answers(&done, base));
        let html = crate::ui::whatif_html::results(&w.slots, &w.ran, answers.as_ref());
        w.results = Some(html.into());
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
