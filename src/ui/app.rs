//! The App component: owns the run, the playback state and the one animation loop (a
//! `requestAnimationFrame` handle that exists only while playing; dropping it stops the loop,
//! so a paused app does no work). Keyboard shortcuts, auto-pause when the tab is hidden, the
//! share link in the URL hash, and every user action, which reaches the simulation only as an
//! input recorded on the run's timeline.

use super::layout::Layout;
use super::panic::{self, PanicContext};
use super::run::{Goal, Run};
use super::scenarios::{self, SHIPPED};
use super::share::{ScenarioRef, ShareLink};
use super::{view_graph, view_panels, view_stats, view_timeline};
use crate::sim::ids::{SimTime, SubtaskId};
use crate::sim::invariants::ExactlyOnceFigures;
use crate::sim::scenario::{CheckpointingMode, CheckpointingSpec, Fault, FaultSpec, Scenario};
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
/// Slow motion: checkpoint activity (a pending checkpoint) plays this many times slower...
const SLOWMO_FACTOR: f64 = 20.0;
/// ...for at most this much real time per checkpoint, so a long checkpoint does not crawl.
const SLOWMO_BUDGET_MS: f64 = 5000.0;
/// Wall-clock time one animation frame may spend simulating before it shows what it has.
const FRAME_BUDGET_MS: f64 = 14.0;
/// A longer gap between frames (a stalled tab) is not made up for.
const MAX_FRAME_GAP_MS: f64 = 100.0;

/// A checkpoint setting of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigField {
    Interval,
    Mode,
    Timeout,
    MinPause,
    MaxConcurrent,
    TolerableFailed,
    Unaligned,
    AlignedTimeout,
    NumRetained,
}

/// A fault or manual action from a button.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Kill(String),
    Slow(String),
    DropAck(String),
    Decline(String),
    StorageOutage,
    CoordinatorFailover,
    TriggerCheckpoint,
    TriggerSavepoint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Export,
    Import,
}

pub enum Msg {
    Frame(f64),
    /// The graph area changed size (width / height): lay the graph out for it.
    Resize,
    TogglePlay,
    Pause,
    Step,
    StepBack,
    Speed(f64),
    Reset,
    Seed(String),
    PickScenario(String),
    Config(ConfigField, String),
    SelectTask(Option<SubtaskId>),
    SelectCheckpoint(u64),
    JumpTo(u64),
    Action(Action),
    Scrub(u64),
    Hidden,
    Key(KeyboardEvent),
    Help(bool),
    ShowAllHistory(bool),
    Dialog(Option<Dialog>),
    ImportText(String),
    DoImport,
    DismissError,
    HashChanged,
    CopyLink,
    Download,
    SlowFactor(String),
    SlowMs(String),
    OutageMs(String),
    ToggleDescription,
    SlowMo(bool),
}

/// What the views need besides the simulation.
pub struct UiState {
    pub playing: bool,
    pub speed_log: f64,
    /// Play checkpoint activity slower (see [`SLOWMO_FACTOR`]).
    pub slowmo: bool,
    /// Slow motion is on right now.
    pub slowmo_active: bool,
    pub lagging: bool,
    pub selected_task: Option<SubtaskId>,
    pub selected_checkpoint: Option<u64>,
    pub show_all_history: bool,
    pub slow_factor: f64,
    pub slow_ms: u64,
    pub outage_ms: u64,
    pub form_gen: u64,
    pub show_description: bool,
}

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
    fn install(&mut self, key: Option<&'static str>, scenario: Scenario, run: Run) {
        self.layout = Rc::new(Layout::new(run.sim().graph(), self.aspect));
        self.scenario_key = key;
        self.base = Rc::new(scenario);
        self.run = run;
        self.ui.selected_task = None;
        self.ui.selected_checkpoint = None;
        self.ui.form_gen += 1;
        self.eo_cache.replace(None);
    }

    /// Loads a share link; on failure keeps (or installs) the default scenario and says why.
    fn load_hash(&mut self, hash: &str) {
        let link = match ShareLink::from_hash(hash) {
            Ok(l) => l,
            Err(e) => {
                self.error = Some(format!("This URL is not a valid BarrierScope share link: {e}. Showing the default scenario."));
                let (key, s) = default_scenario();
                if let Ok(run) = build(&s) {
                    self.install(key, s, run);
                }
                return;
            }
        };
        let (key, mut scenario) = match &link.scenario {
            ScenarioRef::Shipped(k) => match scenarios::find(k).map(|s| (s.key, s.parse())) {
                Some((key, Ok(s))) => (Some(key), s),
                Some((_, Err(e))) => {
                    self.error = Some(format!("The shared scenario `{k}` does not load: {e}"));
                    return;
                }
                None => {
                    self.error = Some(format!(
                        "This share link names a scenario `{k}` that this version does not ship. Showing the default scenario."
                    ));
                    let (key, s) = default_scenario();
                    if let Ok(run) = build(&s) {
                        self.install(key, s, run);
                    }
                    return;
                }
            },
            ScenarioRef::Inline(s) => (None, (**s).clone()),
        };
        scenario.seed = link.seed;
        let key = key.filter(|_| true);
        let sim = match Simulation::new(scenario.clone()) {
            Ok(s) => s,
            Err(e) => {
                self.error = Some(format!("The shared scenario does not load: {e}"));
                return;
            }
        };
        let mut goal = Goal::frame(link.frame);
        if link.frame.events == u64::MAX {
            goal.events = None; // a link without `ev`: every event up to `t`
        }
        goal.t = goal.t.min(sim.end_time());
        match Run::replay(sim, link.inputs, goal) {
            Ok(run) => {
                self.install(key, scenario, run);
                self.last_hash = hash.trim_start_matches('#').to_string();
            }
            Err(e) => {
                self.error = Some(format!("This share link cannot be replayed: {e}"));
            }
        }
    }

    fn share_link(&self) -> ShareLink {
        let sim = self.run.sim();
        let scenario = match self.scenario_key {
            Some(k) => ScenarioRef::Shipped(k.to_string()),
            None => ScenarioRef::Inline(Box::new((*self.base).clone())),
        };
        ShareLink {
            scenario,
            seed: sim.scenario().seed,
            inputs: self.run.timeline().to_vec(),
            frame: self.run.frame(),
        }
    }

    /// Puts the share link of the shown frame in the address bar (without a history entry).
    fn update_hash(&mut self) {
        let hash = self.share_link().to_hash();
        panic::set_context(PanicContext {
            scenario: self.run.sim().scenario().name.clone(),
            seed: self.run.sim().scenario().seed,
            hash: hash.clone(),
        });
        if hash == self.last_hash {
            return;
        }
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("#{hash}")),
            );
        }
        self.last_hash = hash;
    }

    fn play(&mut self, ctx: &Context<Self>) {
        if self.run.sim().now() >= self.run.sim().end_time() {
            return;
        }
        self.ui.playing = true;
        self.last_ts = None;
        self.request_frame(ctx);
    }

    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    fn pause(&mut self) {
        self.ui.playing = false;
        self.frame = None; // dropping the handle cancels the pending frame: no work while paused
        self.last_ts = None;
        self.ui.lagging = false;
        // Paused frames sit on whole milliseconds, so the slider and links reproduce them.
        let now = self.run.sim().now();
        let ceil = SimTime(now.0.div_ceil(1000) * 1000).min(self.run.sim().end_time().max(now));
        if ceil > now {
            let r = self.run.play_to(ceil, &mut || false).map(|_| ());
            self.report(r);
        }
        self.update_hash();
    }

    fn report<E: std::fmt::Display>(&mut self, r: Result<(), E>) {
        if let Err(e) = r {
            self.error = Some(e.to_string());
        }
    }

    fn speed(&self) -> f64 {
        10f64.powf(self.ui.speed_log)
    }

    /// The slow-motion divisor for the next `dt` ms of real time: while a checkpoint is
    /// pending, barriers, alignment and acks play [`SLOWMO_FACTOR`] times slower, for at most
    /// [`SLOWMO_BUDGET_MS`] of real time per checkpoint. Only the playback speed changes, never
    /// the simulation.
    fn slowmo(&mut self, dt: f64) -> f64 {
        let newest = self
            .run
            .sim()
            .coordinator()
            .pending
            .keys()
            .next_back()
            .map(|id| id.0);
        let active = match newest {
            Some(id) if self.ui.slowmo => {
                if self.slowmo_spent.0 != id {
                    self.slowmo_spent = (id, 0.0);
                }
                self.slowmo_spent.1 += dt;
                self.slowmo_spent.1 <= SLOWMO_BUDGET_MS
            }
            _ => false,
        };
        self.ui.slowmo_active = active;
        if active {
            SLOWMO_FACTOR
        } else {
            1.0
        }
    }

    fn on_frame(&mut self, ctx: &Context<Self>, ts: f64) -> bool {
        if !self.ui.playing {
            return false;
        }
        let dt = match self.last_ts {
            Some(last) => (ts - last).clamp(0.0, MAX_FRAME_GAP_MS),
            None => 0.0,
        };
        self.last_ts = Some(ts);
        let speed = self.speed() / self.slowmo(dt);
        let sim_us = (dt * speed * 1000.0).round() as u64;
        let target = SimTime(self.run.sim().now().0.saturating_add(sim_us));
        let start = now_ms();
        let r = self
            .run
            .play_to(target, &mut || now_ms() - start > FRAME_BUDGET_MS);
        match r {
            Ok(reached) => self.ui.lagging = !reached,
            Err(e) => {
                self.error = Some(e.to_string());
                self.pause();
                return true;
            }
        }
        if self.run.sim().now() >= self.run.sim().end_time() {
            self.pause();
            self.notice =
                Some("The scenario reached its end (duration_ms). Scrub back or reset.".into());
        } else {
            self.request_frame(ctx);
        }
        true
    }

    fn apply_config(&mut self, field: ConfigField, value: String) {
        let mut c: CheckpointingSpec = self.run.sim().coordinator().config.clone();
        let v = value.trim();
        let num = |name: &str| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: `{v}` is not a whole number of milliseconds"))
        };
        let num32 = |name: &str| -> Result<u32, String> {
            v.parse::<u32>()
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        let parsed: Result<(), String> = (|| {
            match field {
                ConfigField::Interval => {
                    c.interval_ms = if v.is_empty() || v.eq_ignore_ascii_case("off") {
                        None
                    } else {
                        Some(num("checkpointing.interval_ms")?)
                    }
                }
                ConfigField::Mode => {
                    c.mode = match v {
                        "EXACTLY_ONCE" => CheckpointingMode::ExactlyOnce,
                        "AT_LEAST_ONCE" => CheckpointingMode::AtLeastOnce,
                        _ => return Err(format!("checkpointing.mode: unknown mode `{v}`")),
                    }
                }
                ConfigField::Timeout => c.timeout_ms = num("checkpointing.timeout_ms")?,
                ConfigField::MinPause => c.min_pause_ms = num("checkpointing.min_pause_ms")?,
                ConfigField::MaxConcurrent => {
                    c.max_concurrent = num32("checkpointing.max_concurrent")?
                }
                ConfigField::TolerableFailed => {
                    c.tolerable_failed = num32("checkpointing.tolerable_failed")?
                }
                ConfigField::Unaligned => c.unaligned = v == "true",
                ConfigField::AlignedTimeout => {
                    c.aligned_timeout_ms = num("checkpointing.aligned_timeout_ms")?
                }
                ConfigField::NumRetained => c.num_retained = num32("checkpointing.num_retained")?,
            }
            Ok(())
        })();
        let result = parsed.and_then(|_| {
            if c == self.run.sim().coordinator().config {
                return Ok(());
            }
            self.run.configure(c).map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => {
                self.error = None;
                self.update_hash();
            }
            Err(e) => {
                self.error = Some(format!("Setting rejected: {e}"));
                // Re-create the form so that it shows the configuration in force again.
                self.ui.form_gen += 1;
            }
        }
    }

    fn act(&mut self, action: Action) {
        let at_ms = self.run.sim().now().as_ms();
        let fault = match action {
            Action::Kill(task) => Fault::Kill { task },
            Action::Slow(task) => Fault::Slow {
                task,
                factor: self.ui.slow_factor,
                duration_ms: self.ui.slow_ms,
            },
            Action::DropAck(task) => Fault::DropAck { task },
            Action::Decline(task) => Fault::SnapshotFailure {
                task,
                phase: crate::sim::scenario::SnapshotPhase::Async,
            },
            Action::StorageOutage => Fault::StorageOutage {
                duration_ms: self.ui.outage_ms,
            },
            Action::CoordinatorFailover => Fault::CoordinatorFailover,
            Action::TriggerCheckpoint => Fault::TriggerCheckpoint,
            Action::TriggerSavepoint => Fault::TriggerSavepoint,
        };
        let label = fault.label();
        match self.run.inject(FaultSpec { at_ms, fault }) {
            Ok(()) => {
                self.notice = Some(format!(
                    "Injected {label} at {} ms (recorded in the run; it replays from the link).",
                    self.run.sim().now().as_ms()
                ));
                self.update_hash();
            }
            Err(e) => self.error = Some(format!("Fault rejected: {e}")),
        }
    }

    fn select_scenario(&mut self, key: &str) {
        self.pause();
        match scenarios::find(key).map(|s| (s.key, s.parse())) {
            Some((key, Ok(s))) => match build(&s) {
                Ok(run) => {
                    self.install(Some(key), s, run);
                    self.error = None;
                    self.notice = None;
                    self.update_hash();
                }
                Err(e) => self.error = Some(e),
            },
            Some((_, Err(e))) => self.error = Some(format!("Scenario `{key}` does not load: {e}")),
            None => self.error = Some(format!("No scenario `{key}`")),
        }
    }

    fn restart_with_seed(&mut self, seed: u64) {
        self.pause();
        let mut s = (*self.base).clone();
        s.seed = seed;
        match build(&s) {
            Ok(run) => {
                let key = self.scenario_key;
                self.install(key, s, run);
                self.update_hash();
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn on_key(&mut self, ctx: &Context<Self>, e: KeyboardEvent) -> bool {
        let key = e.key();
        match key.as_str() {
            " " => {
                ctx.link().send_message(Msg::TogglePlay);
                false
            }
            "ArrowRight" | "l" => {
                ctx.link().send_message(Msg::Step);
                false
            }
            "ArrowLeft" | "h" => {
                ctx.link().send_message(Msg::StepBack);
                false
            }
            "+" | "=" => {
                ctx.link()
                    .send_message(Msg::Speed((self.ui.speed_log + 0.25).min(SPEED_LOG_MAX)));
                false
            }
            "-" | "_" => {
                ctx.link()
                    .send_message(Msg::Speed((self.ui.speed_log - 0.25).max(SPEED_LOG_MIN)));
                false
            }
            "Home" => {
                ctx.link().send_message(Msg::Scrub(0));
                false
            }
            "End" => {
                let ms = self.run.furthest().now.as_ms();
                ctx.link().send_message(Msg::Scrub(ms));
                false
            }
            "c" => {
                ctx.link()
                    .send_message(Msg::Action(Action::TriggerCheckpoint));
                false
            }
            "s" => {
                ctx.link()
                    .send_message(Msg::Action(Action::TriggerSavepoint));
                false
            }
            "?" => {
                self.show_help = !self.show_help;
                true
            }
            "Escape" => {
                let changed =
                    self.show_help || self.dialog.is_some() || self.ui.selected_task.is_some();
                self.show_help = false;
                self.dialog = None;
                self.ui.selected_task = None;
                changed
            }
            _ => false,
        }
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
        {
            let link = ctx.link().clone();
            let opts = EventListenerOptions::enable_prevent_default();
            listeners.push(EventListener::new_with_options(
                &win,
                "keydown",
                opts,
                move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let tag = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .map(|el| {
                            let kind = el.get_attribute("type").unwrap_or_default();
                            (el.tag_name().to_ascii_lowercase(), kind)
                        })
                        .unwrap_or_default();
                    let key = e.key();
                    let typing = matches!(tag.0.as_str(), "textarea" | "select")
                        || (tag.0 == "input"
                            && !matches!(tag.1.as_str(), "range" | "checkbox" | "button"));
                    if typing && key != "Escape" {
                        return;
                    }
                    // A focused range input keeps its own arrow keys.
                    if tag.1 == "range" && key.starts_with("Arrow") {
                        return;
                    }
                    if matches!(
                        key.as_str(),
                        " " | "ArrowRight" | "ArrowLeft" | "Home" | "End"
                    ) {
                        e.prevent_default();
                    }
                    link.send_message(Msg::Key(e.clone()));
                },
            ));
        }
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
                show_all_history: false,
                slow_factor: 10.0,
                slow_ms: 3000,
                outage_ms: 3000,
                form_gen: 0,
                show_description: false,
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
            graph_ref: NodeRef::default(),
            select_ref: NodeRef::default(),
            resize_observer: None,
            aspect: None,
            _listeners: listeners,
        };
        let hash = current_hash();
        if hash.trim_start_matches('#').is_empty() {
            app.update_hash();
        } else {
            app.load_hash(&hash);
            app.update_hash();
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
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
                if self.ui.playing {
                    self.pause();
                }
                let r = self.run.step().map(|_| ());
                self.report(r);
                self.update_hash();
            }
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
            Msg::SelectCheckpoint(id) => {
                self.ui.selected_checkpoint = Some(id);
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
                self.load_hash(&hash);
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
                download_json(
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
        html! {
            <main id="app" data-testid="app" class="app">
                { self.view_topbar(link) }
                { self.view_banners(link) }
                { view_panels::story(sim, &self.ui, link, self.view_share(link), self.scenario_key.is_none()) }
                <div class="workspace">
                    <section class="stage" aria-label="Job graph">
                        { view_panels::toolbar(sim, &self.ui, link) }
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
                        { view_stats::checkpoints(sim, &self.ui, link) }
                        { view_panels::settings(sim, &self.ui, link) }
                        { view_panels::exactly_once(sim, eo) }
                        { view_panels::log(sim) }
                    </aside>
                </div>
                if self.show_help { { view_panels::help(link) } }
                if let Some(d) = self.dialog { { self.view_dialog(d, link) } }
            </main>
        }
    }
}

impl App {
    fn view_topbar(&self, link: &Scope<App>) -> Html {
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
            Msg::Speed(i.value().parse().unwrap_or(SPEED_LOG_DEFAULT))
        });
        let now = sim.now();
        let sub_ms = now.0 % 1000;
        html! {
            <header class="topbar">
                <h1 class="brand" title="BarrierScope: Apache Flink's checkpointing, simulated and animated">{ "BarrierScope" }</h1>
                <label class="field scenario-field" title="Scenario: each one teaches one thing">
                    <select data-testid="scenario-select" onchange={on_pick} aria-label="Scenario" ref={self.select_ref.clone()}
                        title={ if self.scenario_key.is_none() { format!("Imported scenario “{}” (not one of the shipped ones)", sim.scenario().name) } else { "Scenario: each one teaches one thing".to_string() } }>
                        { for SHIPPED.iter().map(|s| {
                            let name = s.parse().map(|p| p.name).unwrap_or_else(|_| format!("{} (invalid)", s.key));
                            html! { <option value={s.key} selected={s.key == key}>{ name }</option> }
                        }) }
                    </select>
                </label>
                <label class="field seed-field" key={format!("seed-{}", self.ui.form_gen)}>
                    <span class="label">{ "Seed" }</span>
                    <input data-testid="seed" type="number" min="0" step="1" value={sim.scenario().seed.to_string()} onchange={on_seed} aria-label="Seed" />
                </label>
                <div class="transport" role="group" aria-label="Playback">
                    <button data-testid="play-pause" class={classes!("primary", playing.then_some("playing"))}
                        onclick={link.callback(|_| Msg::TogglePlay)}
                        title="Play / pause (Space)" aria-pressed={playing.to_string()}>
                        { if playing { "❚❚ Pause" } else { "▶ Play" } }
                    </button>
                    <button data-testid="step-back" onclick={link.callback(|_| Msg::StepBack)} title="Back one event (←)" aria-label="Back one event">{ "◀|" }</button>
                    <button data-testid="step" onclick={link.callback(|_| Msg::Step)} title="Process the next event (→)" aria-label="Step one event">{ "|▶" }</button>
                    <button data-testid="reset" onclick={link.callback(|_| Msg::Reset)} title="Reset: restart this scenario from 0 ms with this seed, dropping injected faults and settings" aria-label="Reset">{ "⟲" }</button>
                </div>
                <label class="field speed-field" title="Speed: simulated time against real time, on a log scale from 0.01× to 100× (+ / -)">
                    <input data-testid="speed" type="range" min={SPEED_LOG_MIN.to_string()} max={SPEED_LOG_MAX.to_string()} step="0.05"
                        value={format!("{:.2}", self.ui.speed_log)} oninput={on_speed} aria-label="Speed (log scale)" />
                    <span class="speed-value">{ super::format::speed(self.speed()) }</span>
                </label>
                <label class={classes!("field", "slowmo-field", (self.ui.playing && self.ui.slowmo_active).then_some("active"))}
                    title={format!("Slow motion: while a checkpoint is pending, play {SLOWMO_FACTOR}× slower (at most {} s of real time per checkpoint), so that barriers and acks can be followed. It changes the playback only, never the simulation.", SLOWMO_BUDGET_MS / 1000.0)}>
                    <input data-testid="slowmo" type="checkbox" checked={self.ui.slowmo}
                        onchange={link.callback(|e: Event| { let i: HtmlInputElement = e.target_unchecked_into(); Msg::SlowMo(i.checked()) })} />
                    <span class="label">{ if self.ui.playing && self.ui.slowmo_active { format!("slow-mo {}", super::format::speed(self.speed() / SLOWMO_FACTOR)) } else { "slow-mo".to_string() } }</span>
                </label>
                <div class="clock" title="Simulated time on screen">
                    <span class="label">{ "t =" }</span>
                    <span data-testid="sim-time" data-us={now.0.to_string()}>{ now.as_ms().to_string() }</span>
                    <span class="unit">{ if sub_ms == 0 { " ms".to_string() } else { format!(".{sub_ms:03} ms") } }</span>
                    if self.ui.lagging {
                        <span class="lag" title="This frame could not simulate all the way to the wanted time; the simulation runs slower than the chosen speed">{ "⚠ catching up" }</span>
                    }
                </div>

            </header>
        }
    }

    fn view_share(&self, link: &Scope<App>) -> Html {
        html! {
            <div class="share" role="group" aria-label="Share">
                    <button data-testid="share" onclick={link.callback(|_| Msg::CopyLink)} title="Copy a link that reproduces this run and this frame">{ "Share" }</button>
                    <button data-testid="export" onclick={link.callback(|_| Msg::Dialog(Some(Dialog::Export)))} title="Export the scenario as JSON">{ "Export" }</button>
                    <button data-testid="import" onclick={link.callback(|_| Msg::Dialog(Some(Dialog::Import)))} title="Import a scenario from JSON">{ "Import" }</button>
                    <button data-testid="help" onclick={link.callback(|_| Msg::Help(true))} title="Keyboard shortcuts (?)">{ "?" }</button>
                </div>
        }
    }

    fn view_banners(&self, link: &Scope<App>) -> Html {
        let violations = &self.run.sim().invariants().violations;
        html! {
            <>
                if let Some(e) = &self.error {
                    <div class="banner error" data-testid="error" role="alert">
                        <span class="msg">{ e.clone() }</span>
                        <button class="dismiss" onclick={link.callback(|_| Msg::DismissError)} title="Dismiss" aria-label="Dismiss">{ "×" }</button>
                    </div>
                }
                if !violations.is_empty() {
                    <div class="banner invariant" data-testid="invariant-violations" role="alert">
                        <strong>{ "Invariant violated: " }</strong>
                        <span>{ violations.last().cloned().unwrap_or_default() }</span>
                        <span class="muted">{ format!(" ({} in all)", self.run.sim().invariants().violation_count) }</span>
                    </div>
                }
                if let (None, Some(n)) = (&self.error, &self.notice) {
                    <div class="banner notice" data-testid="notice" role="status">
                        <span class="msg">{ n.clone() }</span>
                        <button class="dismiss" onclick={link.callback(|_| Msg::DismissError)} title="Dismiss" aria-label="Dismiss">{ "×" }</button>
                    </div>
                }
            </>
        }
    }

    fn view_dialog(&self, d: Dialog, link: &Scope<App>) -> Html {
        let close = link.callback(|_| Msg::Dialog(None));
        let body = match d {
            Dialog::Export => {
                let json = self.run.sim().scenario().to_json();
                html! {
                    <>
                        <h2>{ "Export the scenario" }</h2>
                        <p class="muted">{ "The scenario file as loaded (with the current seed). Injected faults and live settings are in the share link, not here." }</p>
                        <textarea data-testid="export-json" readonly=true rows="18" value={json} aria-label="Scenario JSON" />
                        <div class="dialog-buttons">
                            <button onclick={link.callback(|_| Msg::Download)} data-testid="download">{ "Download .json" }</button>
                            <button onclick={close.clone()}>{ "Close" }</button>
                        </div>
                    </>
                }
            }
            Dialog::Import => {
                let on_input = link.callback(|e: InputEvent| {
                    let t: HtmlTextAreaElement = e.target_unchecked_into();
                    Msg::ImportText(t.value())
                });
                html! {
                    <>
                        <h2>{ "Import a scenario" }</h2>
                        <p class="muted">{ "Paste a scenario file. It is validated with Flink's rules before anything changes; if it is rejected, the current run is kept." }</p>
                        <textarea data-testid="import-json" rows="18" oninput={on_input} placeholder="{ \"name\": …, \"duration_ms\": …, \"job\": { … } }" aria-label="Scenario JSON to import" />
                        <div class="dialog-buttons">
                            <button class="primary" data-testid="import-load" onclick={link.callback(|_| Msg::DoImport)}>{ "Load scenario" }</button>
                            <button onclick={close.clone()}>{ "Cancel" }</button>
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
fn download_json(name: &str, text: &str) {
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
