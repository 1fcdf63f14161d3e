//! The App component: owns the run and the UI state, and lays out the panels. Its jobs live
//! in submodules: [`route`] (what each message does), [`callbacks`] (the panels' callbacks,
//! made once), [`playback`] (the one animation loop, which exists only while playing),
//! [`hash`] (the share link in the URL), [`forms`] (settings, faults, scenario, seed), [`keys`]
//! (shortcuts), [`dialogs`] (top bar, banners, Export / Import), [`flink`] (Import from Flink)
//! and [`whatif`] (the What-if panel's Web Workers). Every user action reaches
//! the simulation only as an input recorded on the run's timeline.

mod callbacks;
mod dialogs;
mod fetch;
#[cfg(feature = "flink-import-ui")]
mod flink;
mod forms;
mod hash;
mod keys;
mod msg;
mod playback;
mod route;
mod throttled;
#[cfg(feature = "whatif-ui")]
mod whatif;

pub use msg::{Action, ConfigField, Dialog, Msg, UiState};

use super::bundle_model::BundleScan;
use super::graph_model::{draws_runs, GraphScene};
use super::inspector_model::InspectorView;
use super::layout::{Layout, Screen};
use super::narration::{self, Memo, Script};
use super::panel_model::{log_lines, newest_event, newest_notable_event};
use super::panel_model::{CoordinatorView, ExactlyOnceView};
use super::panic::{self, PanicContext};
use super::run::{Frame, Goal, Run};
use super::scenarios::Tab;
use super::scenarios::{self, SHIPPED};
use super::share::{ScenarioRef, ShareLink};
use super::stats_model::StatsView;
use super::timeline_model::TimelineView;
use super::vertex_model::VerticesView;
use super::view_graph::{GraphProps, Legend};
use super::view_log_help::{HelpProps, LogProps};
use super::view_pane::pane;
use super::view_panels::{CoordinatorProps, ExactlyOnceProps, InspectorProps, SettingsProps};
use super::view_stats::{CheckpointsProps, CountsProps};
use super::view_story::{LatestEventProps, ShareProps, StoryProps, ToolbarProps};
use super::view_tabs::{tab_panel, TabsProps};
use super::view_timeline::TimelineProps;
use super::view_vertices::VerticesProps;
use crate::sim::graph::ExecutionGraph;
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
use throttled::Throttled;
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
/// Wall-clock time one animation frame may spend simulating before it shows what it has, at
/// most; less a margin that grows while frames come late (see `playback`).
const FRAME_BUDGET_MS: f64 = 14.0;
/// A longer gap between frames (a stalled tab) is not made up for.
const MAX_FRAME_GAP_MS: f64 = 100.0;

type ResizeCallback =
    wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array, web_sys::ResizeObserver)>;

pub struct App {
    run: Run,
    /// The run's execution graph (shared with the Graph component; new with each layout).
    graph: Rc<ExecutionGraph>,
    layout: Rc<Layout>,
    /// The panels' callbacks, made once.
    cb: callbacks::Callbacks,
    /// The shipped scenario on screen, unchanged (None: imported or from a link's JSON).
    scenario_key: Option<&'static str>,
    base: Rc<Scenario>,
    ui: UiState,
    last_ts: Option<f64>,
    /// Frame pacing: the margin late frames added (see `playback`).
    pacing: playback::Pacing,
    /// The checkpoint slow motion is following, and the real time spent on it (ms).
    slowmo_spent: (u64, f64),
    frame: Option<AnimationFrame>,
    error: Option<String>,
    notice: Option<String>,
    show_help: bool,
    dialog: Option<Dialog>,
    import_text: String,
    /// The "Import from Flink" dialog's files, pasted bodies and last outcome.
    #[cfg(feature = "flink-import-ui")]
    flink: crate::ui::flink_import::FlinkImport,
    last_hash: String,
    eo_cache: Throttled<ExactlyOnceFigures>,
    /// The bundles of an aggregated graph, as last counted (a slice of channels per frame
    /// while playing).
    bundle_scan: RefCell<BundleScan>,
    /// The story the narration follows: the scenario it was recorded from (seed aside) and
    /// its script (None: no steps).
    script: Option<(Rc<Scenario>, Option<Rc<Script>>)>,
    /// What the narration has seen of the run on screen.
    narration_memo: RefCell<Memo>,
    /// What undoes the last fork: the timeline and frame before it.
    undo: Option<(Vec<(SimTime, crate::sim::Input)>, super::run::Frame)>,
    graph_ref: NodeRef,
    select_ref: NodeRef,
    /// The scenario picked while its file is being fetched: the picker shows it until the
    /// file arrives (then it runs) or does not (then the picker goes back to the one on screen).
    picking: Option<&'static str>,
    /// Watches the graph area's size (window resizes, the description opening): the layout
    /// follows it. Disconnected when the app goes away.
    resize_observer: Option<(web_sys::ResizeObserver, ResizeCallback)>,
    /// The What-if panel.
    #[cfg(feature = "whatif-ui")]
    whatif: whatif::WhatIf,
    #[cfg(feature = "whatif-ui")]
    /// The user's run while a What-if variant is on screen: its shipped key, scenario and run.
    whatif_back: Option<(Option<&'static str>, Rc<Scenario>, Run)>,
    /// The graph area's size, as last measured.
    screen: Option<Screen>,
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

    /// Puts a run on screen; returns the one it replaces.
    fn install(&mut self, key: Option<&'static str>, scenario: Scenario, run: Run) -> Run {
        self.graph = Rc::new(run.sim().graph().clone());
        self.layout = Rc::new(Layout::new(&self.graph, self.screen));
        self.scenario_key = key;
        self.picking = None;
        self.base = Rc::new(scenario);
        let old = std::mem::replace(&mut self.run, run);
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
        self.forget_figures();
        self.record_script();
        old
    }

    /// Forgets the figures computed for the run on screen (another run replaces it).
    fn forget_figures(&self) {
        self.eo_cache.clear();
        self.bundle_scan.borrow_mut().clear();
    }

    /// The oracle's verdict; while playing a big job, its pipeline scan runs at most 5 times a
    /// second.
    fn exactly_once(&self) -> ExactlyOnceFigures {
        let sim = self.run.sim();
        let every = (self.ui.playing && self.layout.aggregated).then_some(200.0);
        self.eo_cache
            .get(sim, now_ms(), every, || sim.exactly_once())
    }

    /// The graph's scene; while playing, an aggregated graph's bundles are recounted a slice
    /// of channels per frame (a production-size job has over 100,000 channels to count).
    fn graph_scene(&self) -> GraphScene {
        let sim = self.run.sim();
        let texts = !draws_runs(&self.layout);
        if !self.layout.aggregated {
            return GraphScene::drawn(sim, None, texts);
        }
        let b = self.bundle_scan.borrow_mut().get(sim, self.ui.playing);
        GraphScene::drawn(sim, Some(b), texts)
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
        let graph = Rc::new(run.sim().graph().clone());
        let layout = Rc::new(Layout::new(&graph, None));
        let mut app = App {
            run,
            graph,
            layout,
            cb: callbacks::Callbacks::new(ctx.link()),
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
            pacing: playback::Pacing::default(),
            slowmo_spent: (0, 0.0),
            frame: None,
            error: None,
            notice: None,
            show_help: false,
            dialog: None,
            import_text: String::new(),
            #[cfg(feature = "flink-import-ui")]
            flink: Default::default(),
            last_hash: String::new(),
            eo_cache: Throttled::new(),
            bundle_scan: RefCell::new(BundleScan::default()),
            script: None,
            narration_memo: RefCell::new(Memo::default()),
            undo: None,
            graph_ref: NodeRef::default(),
            select_ref: NodeRef::default(),
            picking: None,
            resize_observer: None,
            #[cfg(feature = "whatif-ui")]
            whatif: whatif::WhatIf::default(),
            #[cfg(feature = "whatif-ui")]
            whatif_back: None,
            screen: None,
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
            if app.load_hash(ctx.link(), &hash, true) {
                app.update_hash();
            }
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
        // The picker shows the scenario on screen (or the one picked while it is fetched), not
        // a choice whose fetch failed; an imported scenario is none of the shipped ones: no choice.
        if let Some(sel) = self.select_ref.cast::<HtmlSelectElement>() {
            match self.picking.or(self.scenario_key) {
                Some(k) if sel.value() != k => sel.set_value(k),
                None if sel.selected_index() != -1 => sel.set_selected_index(-1),
                _ => {}
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
        let (ui, cb) = (&self.ui, &self.cb);
        let tab = ui.tab;
        let later_inputs = self
            .run
            .timeline()
            .len()
            .saturating_sub(self.run.frame().inputs);
        let stats = StatsView::of(
            sim,
            ui.show_all_history,
            ui.selected_checkpoint,
            ui.finished_checkpoint.as_ref(),
        );
        html! {
            <main id="app" data-testid="app" class="app">
                { self.view_topbar(link) }
                { self.view_banners(link) }
                { pane(Rc::new(StoryProps { name: sim.scenario().name.clone(), description: sim.scenario().description.clone(),
                    show_description: ui.show_description, imported: self.scenario_key.is_none(),
                    narration: self.narration(), latest: newest_notable_event(sim),
                    on_toggle_description: cb.toggle_description.clone(), on_jump: cb.jump.clone(),
                    children: pane(Rc::new(ShareProps { on_share: cb.copy_link.clone(), on_export: cb.export.clone(), on_import: cb.import.clone(), on_import_flink: cb.import_flink.clone(), on_help: cb.open_help.clone(), on_whatif: cb.open_whatif() })) })) }
                <div class="workspace">
                    <section class="stage" aria-label="Job graph">
                        { pane(Rc::new(ToolbarProps { storage_down: sim.is_storage_down(), outage_ms: ui.outage_ms, later_inputs,
                            on_action: cb.action.clone(), on_outage_ms: cb.outage_ms.clone() })) }
                        { pane(Rc::new(CoordinatorProps { view: CoordinatorView::of(sim) })) }
                        <div class="graph-wrap">
                            <div class="graph-area" ref={self.graph_ref.clone()}>
                                { pane(Rc::new(GraphProps { scene: self.graph_scene(), graph: self.graph.clone(), layout: self.layout.clone(),
                                    selected: ui.selected_task, on_select: cb.select_task.clone(), on_action: cb.action.clone() })) }
                                { pane(Rc::new(Legend)) }
                            </div>
                        </div>
                        { pane(Rc::new(TimelineProps { view: TimelineView::of(&self.run, ui.selected_checkpoint), on_scrub: cb.scrub.clone() })) }
                    </section>
                    <aside class="sidebar" aria-label="Checkpoint statistics and settings">
                        if let Some(view) = ui.selected_task.and_then(|t| InspectorView::of(sim, t)) {
                            { pane(Rc::new(InspectorProps { view, slow_factor: ui.slow_factor, slow_ms: ui.slow_ms,
                                on_close: cb.close_inspector.clone(), on_action: cb.action.clone(),
                                on_slow_factor: cb.slow_factor.clone(), on_slow_ms: cb.slow_ms.clone() })) }
                        }
                        { pane(Rc::new(CountsProps { counts: sim.stats().counts })) }
                        { pane(Rc::new(LatestEventProps { event: newest_event(sim) })) }
                        { pane(Rc::new(TabsProps { active: tab, on_select: cb.tab.clone() })) }
                        <div class="tab-body">
                            { tab_panel(Tab::Checkpoints, tab, pane(Rc::new(CheckpointsProps { view: stats, on_expand: cb.expand_checkpoint.clone(),
                                on_show: cb.show_in_animation.clone(), on_show_all: cb.show_all_history.clone() }))) }
                            { tab_panel(Tab::ExactlyOnce, tab, pane(Rc::new(ExactlyOnceProps { view: ExactlyOnceView::of(sim, self.exactly_once()) }))) }
                            // Computed only while shown: it reads every channel.
                            { tab_panel(Tab::Vertices, tab, if tab == Tab::Vertices { pane(Rc::new(VerticesProps { view: VerticesView::of(sim) })) } else { Html::default() }) }
                            { tab_panel(Tab::Settings, tab, pane(Rc::new(SettingsProps { config: sim.coordinator().config.clone(), form_gen: ui.form_gen, on_change: cb.config.clone() }))) }
                            { tab_panel(Tab::Log, tab, pane(Rc::new(LogProps { lines: log_lines(sim) }))) }
                        </div>
                    </aside>
                </div>
                if self.show_help { { pane(Rc::new(HelpProps { on_close: cb.close_help.clone() })) } }
                if let Some(d) = self.dialog { { self.view_dialog(d, link) } }
                { self.whatif_view(cb) }
            </main>
        }
    }
}

/// Without the `whatif-ui` feature (`--no-default-features`; docs/what-if.md) there is no panel,
/// no "Back to your run" and nothing for Esc to hide.
#[cfg(not(feature = "whatif-ui"))]
impl App {
    fn whatif_view(&self, _cb: &callbacks::Callbacks) -> Html {
        Html::default()
    }

    fn whatif_back_button(&self, _link: &Scope<Self>) -> Html {
        Html::default()
    }

    fn hide_whatif(&mut self) -> bool {
        false
    }
}
