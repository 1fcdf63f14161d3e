//! The App's callbacks for the panels, made once when the App is created. A yew `Callback`
//! compares equal only to itself, so panels given the same callbacks on every render compare
//! their props by what they show and render again only when that changed.

use super::{App, Dialog, Msg};
use crate::sim::ids::SubtaskId;
use crate::ui::actions::{Action, ConfigField};
use crate::ui::scenarios::Tab;
use yew::html::Scope;
use yew::Callback;

pub(super) struct Callbacks {
    pub action: Callback<Action>,
    pub select_task: Callback<Option<SubtaskId>>,
    pub close_inspector: Callback<()>,
    pub scrub: Callback<u64>,
    pub jump: Callback<u64>,
    pub toggle_description: Callback<()>,
    pub outage_ms: Callback<String>,
    pub slow_factor: Callback<String>,
    pub slow_ms: Callback<String>,
    pub config: Callback<(ConfigField, String)>,
    pub expand_checkpoint: Callback<u64>,
    pub show_in_animation: Callback<u64>,
    pub show_all_history: Callback<bool>,
    pub tab: Callback<Tab>,
    pub close_help: Callback<()>,
    pub open_help: Callback<()>,
    pub copy_link: Callback<()>,
    pub export: Callback<()>,
    pub import: Callback<()>,
    #[cfg(feature = "whatif-ui")]
    open_whatif: Callback<()>,
    #[cfg(feature = "whatif-ui")]
    pub whatif: Callback<crate::ui::whatif_model::WhatIfInput>,
    pub import_flink: Callback<()>,
}

impl Callbacks {
    pub(super) fn new(link: &Scope<App>) -> Self {
        Callbacks {
            action: link.callback(Msg::Action),
            select_task: link.callback(Msg::SelectTask),
            close_inspector: link.callback(|()| Msg::SelectTask(None)),
            scrub: link.callback(Msg::Scrub),
            jump: link.callback(Msg::JumpTo),
            toggle_description: link.callback(|()| Msg::ToggleDescription),
            outage_ms: link.callback(Msg::OutageMs),
            slow_factor: link.callback(Msg::SlowFactor),
            slow_ms: link.callback(Msg::SlowMs),
            config: link.callback(|(f, v)| Msg::Config(f, v)),
            expand_checkpoint: link.callback(Msg::ExpandCheckpoint),
            show_in_animation: link.callback(Msg::ShowInAnimation),
            show_all_history: link.callback(Msg::ShowAllHistory),
            tab: link.callback(Msg::Tab),
            close_help: link.callback(|()| Msg::Help(false)),
            open_help: link.callback(|()| Msg::Help(true)),
            copy_link: link.callback(|()| Msg::CopyLink),
            export: link.callback(|()| Msg::Dialog(Some(Dialog::Export))),
            import: link.callback(|()| Msg::Dialog(Some(Dialog::Import))),
            #[cfg(feature = "whatif-ui")]
            open_whatif: link.callback(|()| Msg::OpenWhatIf),
            #[cfg(feature = "whatif-ui")]
            whatif: link.callback(Msg::WhatIf),
            import_flink: link.callback(|()| Msg::Dialog(Some(Dialog::ImportFlink))),
        }
    }
}

impl Callbacks {
    /// The What-if button's callback: none without the `whatif-ui` feature (no button then).
    pub fn open_whatif(&self) -> Option<Callback<()>> {
        #[cfg(feature = "whatif-ui")]
        return Some(self.open_whatif.clone());
        #[cfg(not(feature = "whatif-ui"))]
        None
    }
}
