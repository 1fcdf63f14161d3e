//! The App component: owns the run and the UI state, and routes every message. Its jobs live
//! in submodules: [`playback`] (the one animation loop, which exists only while playing),
//! [`hash`] (the share link in the URL), [`forms`] (settings, faults, scenario, seed), [`keys`]
//! (shortcuts) and [`dialogs`] (top bar, banners, Export / Import). Every user action reaches
//! the simulation only as an input recorded on the run's timeline.

mod dialogs;
mod forms;
mod hash;
mod keys;
mod msg;
mod playback;

pub use msg::{Action, ConfigField, Dialog, Msg, UiState};

use super::layout::Layout;
use super::narration::{self, Memo, Script};
use super::panic::{self, PanicContext};
use super::run::{Frame, Goal, Run};
use super::scenarios::Tab;
use super::scenarios::{self, SHIPPED};
use super::share::{ScenarioRef, ShareLink};
use super::view_log_help::{log_lines, HelpOverlay, LogPanel};
use super::view_tabs::{TabPanel, Tabs};
use super::{view_graph, view_panels, view_stats, view_timeline};
use crate::sim::ids::SimTime;
use crate::sim::invariants::ExactlyOnceFigures;
use crate::sim::scenario::{
    CheckpointingMode, CheckpointingSpec, Fault, FaultSpec, Intervention, Scenario, Scheduled,
    SnapshotPhase,
};
use crate::sim::stats::CheckpointStatus;
use crate::sim::Simulation;
use gloo_events::{EventListener, EventListenerOptions};
use gloo_render::{request_animation_frame, AnimationFrame};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent};
use yew::html::Scope;
use yew::prelude::*;

/// Speed is 10^speed_log × real time; the slider goes from 0.01× to 100×.
pub const SPEED_LOG_MIN: f64 = -2.0;
pub const SPEED_LOG_MAX: f64 = 2.0;
const SPEED_LOG_DEFAULT: f64 = -0.6;
/// The checkpoint close-up: checkpoint activity (a pending checkpoint) plays this many times
/// slower, for at most this much real time per checkpoint, so a long checkpoint does not crawl.
use super::scenarios::{CLOSEUP_BUDGET_MS as SLOWMO_BUDGET_MS, CLOSEUP_FACTOR as SLOWMO_FACTOR};
/// Wall-clock time one animation frame may spend simulating before it shows what it has.
const FRAME_BUDGET_MS: f64 = 14.0;
/// A longer gap between frames (a stalled tab) is not made up for.
const MAX_FRAME_GAP_MS: f64 = 100.0;

type ResizeCallback =
    wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array, web_sys::ResizeObserver)>;

pub struct App {
    run: Run,
    layout: Rc<Layout>,
    /// The shipped scenario on screen, unchanged (None: imported or from a link's JSON).
    scenario_key: Option<&'static str>,
    base: Rc<Scenario>,
    ui: UiState,
    last_ts: Option<f64>,
    /// The checkpoint slow motion is following, and the real time spent on it (ms).
    slowmo_spent: (u64, f64),
    frame: Option<AnimationFrame>,
    error: Option<String>,
    notice: Option<String>,
    show_help: bool,
    dialog: Option<Dialog>,
    import_text: String,
    last_hash: String,
    eo_cache: RefCell<Option<(u64, usize, f64, ExactlyOnceFigures)>>,
    /// The story the narration follows: the scenario it was recorded from (seed aside) and
    /// its script (None: no steps).
    script: Option<(Rc<Scenario>, Option<Rc<Script>>)>,
    /// What the narration has seen of the run on screen.
    narration_memo: RefCell<Memo>,
    /// What undoes the last fork: the timeline and frame before it.
    undo: Option<(Vec<(SimTime, crate::sim::Input)>, super::run::Frame)>,
    graph_ref: NodeRef,
    select_ref: NodeRef,
    /// Watches the graph area's size (window resizes, the description opening): the layout
    /// follows it. Disconnected when the app goes away.
    resize_observer: Option<(web_sys::ResizeObserver, ResizeCallback)>,
    /// Width / height of the graph area, as last measured.
    aspect: Option<f64>,
    _listeners: Vec<EventListener>,
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn current_hash() -> String {
    window().location().hash().unwrap_or_default()
}

/// A fresh run of a scenario; only fails for a scenario that does not validate.
fn build(scenario: &Scenario) -> Result<Run, String> {
    Simulation::new(scenario.clone())
        .map(Run::new)
        .map_err(|e| e.to_string())
}

fn default_scenario() -> (Option<&'static str>, Scenario) {
    match scenarios::default_shipped().map(|s| (s.key, s.parse())) {
        Some((key, Ok(s))) => (Some(key), s),
        _ => (None, fallback_scenario()),
    }
}

/// Used only if no shipped scenario parses (a broken build): a two-operator job.
fn fallback_scenario() -> Scenario {
    Scenario::from_json(
        r#"{"name":"fallback","duration_ms":10000,"job":{"operators":[
        {"name":"source","kind":"source","parallelism":1},{"name":"sink","kind":"sink","parallelism":1}],
        "edges":[{"from":"source","to":"sink"}]},"checkpointing":{"interval_ms":1000}}"#,
    )
    .expect("the fallback scenario is valid")
}

impl App {
    /// Keeps the expanded checkpoint's finished row (with its per-subtask details) once the run
    /// shows it finished.
    fn keep_finished_checkpoint(&mut self) {
        let Some(id) = self.ui.selected_checkpoint else {
            return;
        };
        let Some(e) = self
            .run
            .sim()
            .stats()
            .get(crate::sim::ids::CheckpointId(id))
        else {
            return;
        };
        let kept_finished = self
            .ui
            .finished_checkpoint
            .as_ref()
            .is_some_and(|f| f.id == e.id && f.status != CheckpointStatus::InProgress);
        if e.status != CheckpointStatus::InProgress && e.subtasks.is_some() && !kept_finished {
            self.ui.finished_checkpoint = Some(Rc::new(e.clone()));
        }
    }

    /// Records the story's own run for the narration, when the scenario (seed aside) changed:
    /// a shipped scenario's story is its file with the file's seed.
    fn record_script(&mut self) {
        let story = match self
            .scenario_key
            .and_then(scenarios::find)
            .map(|s| s.parse())
        {
            Some(Ok(s)) => s,
            _ => (*self.base).clone(),
        };
        let same = |a: &Scenario, b: &Scenario| {
            let mut a = a.clone();
            a.seed = b.seed;
            a == *b
        };
        if let Some((s, _)) = &self.script {
            if same(s, &story) {
                return;
            }
        }
        let script = Script::record(&story).map(Rc::new);
        self.script = Some((Rc::new(story), script));
        self.narration_memo.replace(Memo::default());
    }

    /// Where the narration is in the run on screen.
    fn narration(&self) -> Option<(Rc<Script>, narration::Narration)> {
        let script = self.script.as_ref()?.1.clone()?;
        let mut memo = self.narration_memo.borrow_mut();
        let n = narration::follow(&script, &mut memo, self.run.sim(), self.run.timeline());
        Some((script, n))
    }

    fn install(&mut self, key: Option<&'static str>, scenario: Scenario, run: Run) {
        self.layout = Rc::new(Layout::new(run.sim().graph(), self.aspect));
        self.scenario_key = key;
        self.base = Rc::new(scenario);
        self.run = run;
        self.ui.selected_task = None;
        self.ui.selected_checkpoint = None;
        self.ui.finished_checkpoint = None;
        self.ui.form_gen += 1;
        // The lesson's description is whole at the start of a run (a link into the middle of a
        // run opens on the animation).
        self.ui.show_description = self.run.sim().now() == SimTime(0);
        self.ui.tab = scenarios::lesson_tab(key);
        let pace = scenarios::pace(&self.base);
        self.ui.speed_log = pace.speed_log;
        self.ui.slowmo = pace.closeup;
        self.undo = None;
        self.eo_cache.replace(None);
        self.record_script();
    }

    fn exactly_once(&self) -> ExactlyOnceFigures {
        let sim = self.run.sim();
        let key = (sim.events_processed(), sim.inputs().len());
        let t = now_ms();
        if let Some((ev, k, at, figures)) = *self.eo_cache.borrow() {
            // While playing a big job, the oracle's pipeline scan runs at most 5 times a second.
            let fresh = (ev, k) == key;
            let throttled = self.ui.playing && t - at < 200.0 && self.layout.aggregated;
            if fresh || throttled {
                return figures;
            }
        }
        let figures = sim.exactly_once();
        self.eo_cache.replace(Some((key.0, key.1, t, figures)));
        figures
    }
}

impl App {
    /// Handles one message; returns whether to render.
    fn route(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => return self.on_frame(ctx, ts),
            Msg::Resize => {
                let Some(el) = self.graph_ref.cast::<web_sys::Element>() else {
                    return false;
                };
                let (w, h) = (el.client_width() as f64, el.client_height() as f64);
                if w < 50.0 || h < 50.0 {
                    return false;
                }
                // Quantised, so that the same window size always gives the same layout.
                let aspect = (w / (h - 26.0).max(40.0) * 50.0).round() / 50.0;
                if self.aspect == Some(aspect) {
                    return false;
                }
                self.aspect = Some(aspect);
                self.layout = Rc::new(Layout::new(self.run.sim().graph(), self.aspect));
            }
            Msg::TogglePlay => {
                if self.ui.playing {
                    self.pause();
                } else {
                    self.notice = None;
                    // The description is whole at the start; playing gives the graph its room.
                    self.ui.show_description = false;
                    self.play(ctx);
                }
            }
            Msg::Pause | Msg::Hidden => {
                if !self.ui.playing {
                    return false;
                }
                self.pause();
            }
            Msg::Step => {
                self.notice = None;
                self.ui.show_description = false;
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.step().map(|_| ());
                self.report(r);
                self.update_hash();
            }
            Msg::StepCheckpoint | Msg::StepBackCheckpoint => {
                self.notice = None;
                self.ui.show_description = false;
                if self.ui.playing {
                    self.pause();
                }
                let r = if matches!(msg, Msg::StepCheckpoint) {
                    self.run.step_checkpoint()
                } else {
                    self.run.step_back_checkpoint()
                };
                match r {
                    Ok(true) => {}
                    Ok(false) => {
                        self.notice = Some("No checkpoint event that way.".into());
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
                self.update_hash();
            }
            Msg::UndoFork => self.undo_fork(),
            Msg::Tab(t) => self.ui.tab = t,
            Msg::StepBack => {
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.step_back();
                self.report(r);
                self.update_hash();
            }
            Msg::Speed(v) => {
                if !v.is_finite() {
                    return false;
                }
                self.ui.speed_log = v.clamp(SPEED_LOG_MIN, SPEED_LOG_MAX);
            }
            Msg::Reset => {
                let seed = self.run.sim().scenario().seed;
                self.restart_with_seed(seed);
                self.error = None;
                self.notice = None;
            }
            Msg::Seed(v) => match v.trim().parse::<u64>() {
                Ok(seed) => {
                    self.error = None;
                    self.restart_with_seed(seed)
                }
                Err(_) => {
                    self.error = Some(format!(
                        "seed: `{}` is not a whole number from 0 to 18446744073709551615",
                        v.trim()
                    ));
                    self.ui.form_gen += 1;
                }
            },
            Msg::PickScenario(key) => self.select_scenario(&key),
            Msg::Config(field, value) => self.apply_config(field, value),
            Msg::SelectTask(t) => self.ui.selected_task = t,
            Msg::ExpandCheckpoint(id) => {
                if self.ui.selected_checkpoint == Some(id) {
                    self.ui.selected_checkpoint = None;
                } else {
                    self.ui.selected_checkpoint = Some(id);
                    self.ui.finished_checkpoint = None;
                    self.keep_finished_checkpoint();
                }
            }
            Msg::ShowInAnimation(id) => {
                self.ui.selected_checkpoint = Some(id);
                self.keep_finished_checkpoint();
                let trigger = self
                    .run
                    .sim()
                    .stats()
                    .get(crate::sim::ids::CheckpointId(id))
                    .map(|e| e.trigger_timestamp);
                if let Some(t) = trigger {
                    if self.ui.playing {
                        self.pause();
                    }
                    let r = self.run.seek(Goal::at(t));
                    self.report(r);
                    self.update_hash();
                }
            }
            Msg::JumpTo(ms) => {
                if self.ui.playing {
                    self.pause();
                }
                let furthest = self.run.furthest().now.as_ms();
                if ms > furthest {
                    let r = self
                        .run
                        .play_to(SimTime::from_ms(ms), &mut || false)
                        .map(|_| ());
                    self.report(r);
                } else {
                    let r = self.run.seek_ms(ms);
                    self.report(r);
                }
                self.update_hash();
            }
            Msg::Scrub(ms) => {
                self.notice = None;
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.seek_ms(ms);
                self.report(r);
                self.update_hash();
            }
            Msg::Action(a) => {
                self.act(a);
            }
            Msg::Key(e) => return self.on_key(ctx, e),
            Msg::Help(v) => self.show_help = v,
            Msg::ShowAllHistory(v) => self.ui.show_all_history = v,
            Msg::Dialog(d) => {
                self.dialog = d;
                if d == Some(Dialog::Import) {
                    self.import_text.clear();
                }
            }
            Msg::ImportText(t) => {
                self.import_text = t;
                return false;
            }
            Msg::DoImport => match Scenario::from_json(&self.import_text) {
                Ok(s) => match build(&s) {
                    Ok(run) => {
                        self.pause();
                        let key = scenarios::key_of(&s);
                        self.install(key, s, run);
                        self.dialog = None;
                        self.error = None;
                        self.notice = Some("Scenario imported.".into());
                        self.update_hash();
                    }
                    Err(e) => self.error = Some(format!("Import rejected: {e}")),
                },
                Err(e) => {
                    self.error = Some(format!("Import rejected (the current run is kept): {e}"))
                }
            },
            Msg::DismissError => {
                self.error = None;
                self.notice = None;
            }
            Msg::HashChanged => {
                let hash = current_hash();
                if hash.trim_start_matches('#') == self.last_hash {
                    return false;
                }
                if self.ui.playing {
                    self.pause();
                }
                self.error = None;
                self.load_hash(&hash, false);
                self.update_hash();
            }
            Msg::CopyLink => {
                self.update_hash();
                let href = window().location().href().unwrap_or_default();
                let clip = window().navigator().clipboard();
                let _ = clip.write_text(&href);
                self.notice =
                    Some("Share link copied: it reproduces this run and this frame.".into());
            }
            Msg::Download => {
                dialogs::download_json(
                    &format!("{}.json", self.scenario_key.unwrap_or("scenario")),
                    &self.run.sim().scenario().to_json(),
                );
            }
            Msg::SlowFactor(v) => match v.trim().parse::<f64>() {
                Ok(f) if f.is_finite() && f > 0.0 => self.ui.slow_factor = f,
                _ => {
                    self.error = Some(format!(
                        "slow-down factor: `{}` is not a number > 0",
                        v.trim()
                    ))
                }
            },
            Msg::SlowMs(v) => match v.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => self.ui.slow_ms = ms,
                _ => {
                    self.error = Some(format!(
                        "slow-down duration: `{}` is not a whole number of ms > 0",
                        v.trim()
                    ))
                }
            },
            Msg::OutageMs(v) => match v.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => self.ui.outage_ms = ms,
                _ => {
                    self.error = Some(format!(
                        "outage duration: `{}` is not a whole number of ms > 0",
                        v.trim()
                    ))
                }
            },
            Msg::ToggleDescription => self.ui.show_description = !self.ui.show_description,
            Msg::SlowMo(v) => self.ui.slowmo = v,
        }
        true
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (key, scenario) = default_scenario();
        let run = build(&scenario).unwrap_or_else(|_| {
            Run::new(Simulation::new(fallback_scenario()).expect("fallback is valid"))
        });
        let mut listeners = Vec::new();
        let win = window();
        let doc = win.document().expect("a document");
        listeners.push(keys::key_listener(ctx.link().clone(), &win));
        {
            let link = ctx.link().clone();
            let d = doc.clone();
            listeners.push(EventListener::new(&doc, "visibilitychange", move |_| {
                if d.hidden() {
                    link.send_message(Msg::Hidden);
                }
            }));
        }
        {
            let link = ctx.link().clone();
            listeners.push(EventListener::new(&win, "hashchange", move |_| {
                link.send_message(Msg::HashChanged)
            }));
        }
        let layout = Rc::new(Layout::new(run.sim().graph(), None));
        let mut app = App {
            run,
            layout,
            scenario_key: key,
            base: Rc::new(scenario),
            ui: UiState {
                playing: false,
                speed_log: SPEED_LOG_DEFAULT,
                slowmo: true,
                slowmo_active: false,
                lagging: false,
                selected_task: None,
                selected_checkpoint: None,
                finished_checkpoint: None,
                show_all_history: false,
                slow_factor: 10.0,
                slow_ms: 3000,
                outage_ms: 3000,
                form_gen: 0,
                show_description: true,
                tab: scenarios::lesson_tab(key),
            },
            last_ts: None,
            slowmo_spent: (0, 0.0),
            frame: None,
            error: None,
            notice: None,
            show_help: false,
            dialog: None,
            import_text: String::new(),
            last_hash: String::new(),
            eo_cache: RefCell::new(None),
            script: None,
            narration_memo: RefCell::new(Memo::default()),
            undo: None,
            graph_ref: NodeRef::default(),
            select_ref: NodeRef::default(),
            resize_observer: None,
            aspect: None,
            _listeners: listeners,
        };
        app.record_script();
        let pace = scenarios::pace(&app.base);
        app.ui.speed_log = pace.speed_log;
        app.ui.slowmo = pace.closeup;
        let hash = current_hash();
        if hash.trim_start_matches('#').is_empty() {
            app.update_hash();
        } else {
            app.load_hash(&hash, true);
            app.update_hash();
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        let render = self.route(ctx, msg);
        if render {
            self.keep_finished_checkpoint();
        }
        render
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        // An imported scenario is none of the shipped ones: the picker shows no choice.
        if self.scenario_key.is_none() {
            if let Some(sel) = self.select_ref.cast::<HtmlSelectElement>() {
                if sel.selected_index() != -1 {
                    sel.set_selected_index(-1);
                }
            }
        }
        if first_render {
            ctx.link().send_message(Msg::Resize);
            if let Some(el) = self.graph_ref.cast::<web_sys::Element>() {
                let link = ctx.link().clone();
                let cb = ResizeCallback::new(move |_, _| link.send_message(Msg::Resize));
                if let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
                    obs.observe(&el);
                    self.resize_observer = Some((obs, cb));
                }
            }
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        if let Some((obs, _)) = self.resize_observer.take() {
            obs.disconnect();
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let sim = self.run.sim();
        let eo = self.exactly_once();
        let tab = self.ui.tab;
        html! {
            <main id="app" data-testid="app" class="app">
                { self.view_topbar(link) }
                { self.view_banners(link) }
                { view_panels::story(sim, &self.ui, link, self.view_share(link), self.scenario_key.is_none(), self.narration()) }
                <div class="workspace">
                    <section class="stage" aria-label="Job graph">
                        { view_panels::toolbar(sim, &self.ui, link, self.run.timeline().len().saturating_sub(self.run.frame().inputs)) }
                        { view_panels::coordinator(sim) }
                        <div class="graph-wrap">
                            <div class="graph-area" ref={self.graph_ref.clone()}>
                                { view_graph::graph(sim, &self.layout, &self.ui, link) }
                                { view_graph::legend() }
                            </div>
                        </div>
                        { view_timeline::timeline(&self.run, &self.ui, link) }
                    </section>
                    <aside class="sidebar" aria-label="Checkpoint statistics and settings">
                        { view_panels::inspector(sim, &self.ui, link) }
                        <view_stats::CountsView counts={sim.stats().counts} />
                        <view_panels::LatestEvent event={view_panels::newest_event(sim)} />
                        <Tabs active={tab} on_select={link.callback(Msg::Tab)} />
                        <div class="tab-body">
                            <TabPanel tab={Tab::Checkpoints} active={tab}>{ view_stats::checkpoints(sim, &self.ui, link) }</TabPanel>
                            <TabPanel tab={Tab::ExactlyOnce} active={tab}>{ view_panels::exactly_once(sim, eo) }</TabPanel>
                            <TabPanel tab={Tab::Settings} active={tab}>{ view_panels::settings(sim, &self.ui, link) }</TabPanel>
                            <TabPanel tab={Tab::Log} active={tab}><LogPanel lines={log_lines(sim)} /></TabPanel>
                        </div>
                    </aside>
                </div>
                if self.show_help { <HelpOverlay on_close={link.callback(|()| Msg::Help(false))} /> }
                if let Some(d) = self.dialog { { self.view_dialog(d, link) } }
            </main>
        }
    }
}
