//! The App's messages and the UI state the views read besides the simulation.

use crate::sim::ids::SubtaskId;
use crate::sim::stats::CheckpointStatsEntry;
use std::rc::Rc;
use web_sys::KeyboardEvent;

pub use super::super::actions::{Action, ConfigField};
use super::super::scenarios::Tab;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Export,
    Import,
    ImportFlink,
}

pub enum Msg {
    Frame(f64),
    /// The graph area changed size (width / height): lay the graph out for it.
    Resize,
    TogglePlay,
    Pause,
    Step,
    StepBack,
    /// To the next checkpoint event (trigger, barrier at a subtask, ack, completion, abort).
    StepCheckpoint,
    /// Back to the previous checkpoint event.
    StepBackCheckpoint,
    /// Show a tab of the sidebar.
    Tab(Tab),
    /// Undo the last fork (an input applied while rewound that dropped later inputs).
    UndoFork,
    Speed(f64),
    Reset,
    Seed(String),
    PickScenario(String),
    /// A shipped scenario's file fetched (or why not), and what asked for it.
    ScenarioFetched(
        &'static str,
        Result<String, String>,
        super::fetch::AfterFetch,
    ),
    Config(ConfigField, String),
    SelectTask(Option<SubtaskId>),
    /// A history row clicked: expand it in place (or fold it).
    ExpandCheckpoint(u64),
    /// Jump the animation to a checkpoint's trigger time (its row stays expanded).
    ShowInAnimation(u64),
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
    /// The "Import from Flink" dialog.
    #[cfg(feature = "flink-import-ui")]
    Flink(super::flink::FlinkMsg),
    DismissError,
    HashChanged,
    CopyLink,
    Download,
    SlowFactor(String),
    SlowMs(String),
    OutageMs(String),
    ToggleDescription,
    SlowMo(bool),
    /// Open the What-if panel.
    #[cfg(feature = "whatif-ui")]
    OpenWhatIf,
    #[cfg(feature = "whatif-ui")]
    WhatIf(crate::ui::whatif_model::WhatIfInput),
    /// A What-if worker's answer: the run's number, the variant and its text.
    #[cfg(feature = "whatif-ui")]
    WhatIfDone(u32, usize, String),
    /// Back to the user's run from a What-if variant.
    #[cfg(feature = "whatif-ui")]
    WhatIfBack,
}

/// What the views need besides the simulation.
pub struct UiState {
    pub playing: bool,
    pub speed_log: f64,
    /// Play checkpoint activity slower (see [`SLOWMO_FACTOR`](super::SLOWMO_FACTOR)).
    pub slowmo: bool,
    /// Slow motion is on right now.
    pub slowmo_active: bool,
    pub lagging: bool,
    pub selected_task: Option<SubtaskId>,
    /// The expanded history row.
    pub selected_checkpoint: Option<u64>,
    /// The expanded checkpoint as the run last saw it finished, with its per-subtask details:
    /// its row keeps them after "show in animation" jumps back to its trigger time.
    pub finished_checkpoint: Option<Rc<CheckpointStatsEntry>>,
    pub show_all_history: bool,
    pub slow_factor: f64,
    pub slow_ms: u64,
    pub outage_ms: u64,
    pub form_gen: u64,
    pub show_description: bool,
    /// The sidebar's tab on screen.
    pub tab: Tab,
}
