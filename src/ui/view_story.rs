//! The story above the graph and the global actions: the scenario's description and the
//! narration step the run has reached (steps follow the run's events, see
//! [`super::narration`]), the toolbar of manual triggers and environment faults, and the latest
//! event. Yew function components with `Properties` and `Callback`s: they know nothing of the
//! App or its messages and render again only when their props change. All user text (scenario
//! names, descriptions, narration) is rendered as text.

use super::actions::Action;
use super::narration::{Narration, Script};
use super::panel_model::LogLine;
use super::view_html::{button, span_c};
use super::view_pane::{pane, pane_view};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(PartialEq)]
pub struct StoryProps {
    pub name: String,
    pub description: String,
    pub show_description: bool,
    /// Imported or opened from a link's JSON: not one of the shipped scenarios.
    pub imported: bool,
    /// The story's script and where the narration is in the run (None: no steps).
    pub narration: Option<(Rc<Script>, Narration)>,
    /// The run's newest notable event (ms, text), see [`NarrationProps::latest`].
    pub latest: Option<(u64, String)>,
    pub on_toggle_description: Callback<()>,
    pub on_jump: Callback<u64>,
    /// The share buttons (see [`ShareButtons`]), drawn at the end of the head row.
    pub children: Html,
}

/// The scenario's name, narration and description (hook `scenario-description`).
pub fn story(props: &StoryProps) -> Html {
    let toggle = props.on_toggle_description.reform(|_: MouseEvent| ());
    let shown = props.show_description;
    html! {
        <section class="story" aria-label="Scenario">
            <div class="story-head">
                <button class="link title" onclick={toggle.clone()} aria-expanded={shown.to_string()}
                    title="Show or hide the scenario's description">
                    <span class="scenario-name" data-testid="scenario-name">{ props.name.clone() }</span>
                    if props.imported { <span class="imported" title="Imported or opened from a link: not one of the shipped scenarios">{ " (imported)" }</span> }
                    { span_c("muted", (if shown { " ▾" } else { " ▸" }).into()) }
                </button>
                if let Some((script, n)) = &props.narration {
                    { pane(Rc::new(NarrationProps { script: script.clone(), narration: n.clone(), on_jump: props.on_jump.clone(),
                        latest: props.latest.clone() })) }
                } else {
                    <span class="spacer" />
                }
                { props.children.clone() }
            </div>
            if !props.description.is_empty() {
                <p class={classes!("description", shown.then_some("expanded"))} data-testid="scenario-description"
                    onclick={toggle} title="Click to show all / less">{ props.description.clone() }</p>
            }
        </section>
    }
}

#[derive(PartialEq)]
pub struct NarrationProps {
    pub script: Rc<Script>,
    pub narration: Narration,
    /// Jump (or play) to a simulated time in ms: the previous / next step.
    pub on_jump: Callback<u64>,
    /// The run's newest fault, failover, restore, abort or decline (ms, text), said instead of
    /// an older step once off script.
    pub latest: Option<(u64, String)>,
}

/// The narration line (hook `narration`, with `data-step` and `data-off-script`): a function
/// component that renders again only when the step or the off-script note changes.
pub fn narration_line(props: &NarrationProps) -> Html {
    let (script, n) = (&props.script, &props.narration);
    let steps = &script.steps;
    let count = match n.reached {
        Some(i) => format!("{}/{}", i + 1, steps.len()),
        None => format!("0/{}", steps.len()),
    };
    let step_text = match n.reached {
        Some(i) => steps[i].text.clone(),
        None => "Press Play (Space) to start.".to_string(),
    };
    // Off script, a step older than the run's newest event would explain what no longer
    // happens: the newest event is said instead (the step stays in the tooltip).
    let now_text = match (&n.off_script, &props.latest) {
        (Some(_), Some((at, text))) if n.reached_at.is_none_or(|t| t.as_ms() < *at) => {
            Some(format!("Now, at {at} ms: {text}."))
        }
        _ => None,
    };
    let text = now_text.clone().unwrap_or_else(|| step_text.clone());
    let prev = n.prev_at.map(|t| t.as_ms());
    let next = n.next_at.map(|t| t.as_ms().max(1));
    // The whole line as a tooltip: two lines show (a narrow window cuts the rest with "…").
    let mut full = n
        .off_script
        .as_ref()
        .map(|why| format!("Off script: {why}. "))
        .unwrap_or_default();
    full.push_str(&text);
    if n.story_over {
        full.push_str(&format!(" — The story ended at {} ms.", script.end.as_ms()));
    }
    if now_text.is_some() {
        full.push_str(&format!(" (The story's step here: {step_text})"));
    }
    html! {
        <div class={classes!("narration", n.off_script.is_some().then_some("off-script"))} data-testid="narration"
            data-step={n.reached.map(|i| (i + 1).to_string()).unwrap_or_else(|| "0".into())}
            data-off-script={n.off_script.is_some().to_string()} aria-live="polite">
            <button class="small" disabled={prev.is_none()} title="Previous narration step" aria-label="Previous narration step"
                onclick={props.on_jump.reform(move |_: MouseEvent| prev.unwrap_or(0))}>{ "‹" }</button>
            { span_c("step-count", count.into()) }
            <button class="small" disabled={next.is_none()} title="Next narration step (plays to it)" aria-label="Next narration step"
                onclick={props.on_jump.reform(move |_: MouseEvent| next.unwrap_or(0))}>{ "›" }</button>
            <span class="step-text" title={full}>
                if let Some(why) = &n.off_script {
                    <strong class="off-script-note" data-testid="off-script" title="The steps follow the run's events; those that do not happen in this run are not narrated">
                        { format!("Off script: {why}. ") }</strong>
                }
                { text }
                if n.story_over {
                    <span class="story-over" data-testid="story-over">{ format!(" — The story ended at {} ms; free play: the job runs on until you pause.", script.end.as_ms()) }</span>
                }
            </span>
        </div>
    }
}

#[derive(PartialEq)]
pub struct ShareProps {
    /// Copy a link that reproduces this run and this frame.
    pub on_share: Callback<()>,
    pub on_export: Callback<()>,
    pub on_import: Callback<()>,
    /// Open the "Import from Flink" dialog.
    pub on_import_flink: Callback<()>,
    /// Show the keyboard shortcuts.
    pub on_help: Callback<()>,
    /// Open the What-if panel (none: no panel in this build, see the `whatif-ui` feature).
    pub on_whatif: Option<Callback<()>>,
}

/// The share buttons: Share (a link to this frame), Export, Import, Import from Flink (with the
/// `flink-import-ui` feature) and the keyboard help.
pub fn share_buttons(props: &ShareProps) -> Html {
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <div class="share" role="group" aria-label="Share">
            { button(None, Some("share"), Some("Copy a link that reproduces this run and this frame"), None, click(&props.on_share), "Share") }
            { button(None, Some("export"), Some("Export the scenario as JSON"), None, click(&props.on_export), "Export") }
            { button(None, Some("import"), Some("Import a scenario from JSON"), None, click(&props.on_import), "Import") }
            if let Some(on_whatif) = &props.on_whatif {
                { button(None, Some("whatif"), Some("What if: run variants of this job side by side (unaligned checkpoints, timeouts, interval, failures)"), None, click(on_whatif), "What if") }
            }
            if cfg!(feature = "flink-import-ui") {
                { button(None, Some("import-flink"), Some("Import a running Flink job from the saved bodies of its REST endpoints"), None, click(&props.on_import_flink), "Import from Flink") }
            }
            { button(None, Some("help"), Some("Keyboard shortcuts (?)"), None, click(&props.on_help), "?") }
        </div>
    }
}

#[derive(PartialEq)]
pub struct ToolbarProps {
    pub storage_down: bool,
    pub outage_ms: u64,
    /// Inputs of the run after the frame on screen (rewound), which an input here would drop.
    pub later_inputs: usize,
    pub on_action: Callback<Action>,
    /// The outage duration field changed (its text).
    pub on_outage_ms: Callback<String>,
}

/// The global actions: manual triggers and the environment faults.
pub fn toolbar(props: &ToolbarProps) -> Html {
    let on_outage = props.on_outage_ms.reform(|e: Event| {
        let i: HtmlInputElement = e.target_unchecked_into();
        i.value()
    });
    let act = |a: Action| props.on_action.reform(move |_: MouseEvent| a.clone());
    let later_inputs = props.later_inputs;
    html! {
        <div class="toolbar" data-testid="toolbar" role="group" aria-label="Faults and manual triggers">
            { button(None, Some("trigger-checkpoint"), Some("Trigger a checkpoint now, as POST /jobs/:jobid/checkpoints does (c)"), None, act(Action::TriggerCheckpoint), "Trigger checkpoint") }
            { button(None, Some("trigger-savepoint"), Some("Trigger a savepoint: always aligned, never subsumed, no commit notification (s)"), None, act(Action::TriggerSavepoint), "Trigger savepoint") }
            <span class="sep" />
            { button(Some("danger"), Some("fault-storage-outage"), Some("Checkpoint storage becomes unreachable: uploads fail (CHECKPOINT_ASYNC_EXCEPTION) and metadata writes fail (FINALIZE_CHECKPOINT_FAILURE)"), None,
                act(Action::StorageOutage), if props.storage_down { "Storage down…" } else { "Storage outage" }) }
            <label class="inline" title="How long the storage outage lasts">
                <input class="tiny" type="number" min="1" value={props.outage_ms.to_string()} onchange={on_outage} aria-label="Outage duration (ms)" />{ " ms" }
            </label>
            { button(Some("danger"), Some("fault-coordinator-failover"), Some("The JobManager dies: pending checkpoints are lost; completed checkpoints and the ID counter survive in HA storage; the job restarts from the latest completed checkpoint"), None, act(Action::CoordinatorFailover), "JobManager failover") }
            if later_inputs > 0 {
                <span class="fork-warning" data-testid="fork-warning" data-dropped={later_inputs.to_string()}
                    title="You are rewound: the run went on from here with inputs you made later. An input here forks the run and drops them (you can undo).">
                    { format!("⚠ rewound: an input here drops {later_inputs} later input{}", if later_inputs == 1 { "" } else { "s" }) }</span>
            } else {
                { span_c("hint", "Click a subtask or a channel for faults.".into()) }
            }
        </div>
    }
}

#[derive(PartialEq)]
pub struct LatestEventProps {
    /// The newest log line that is not a narration step; None before any event.
    pub event: Option<LogLine>,
}

/// The newest line of the log (not a narration step), always in view: several outcomes are
/// explained there first.
pub fn latest_event(props: &LatestEventProps) -> Html {
    html! {
        <div class="latest-event" data-testid="latest-event" title="The newest event of the run (the Log tab has them all)">
            { span_c("muted", "Latest event: ".into()) }
            { match &props.event {
                Some(l) => html! { <>{ span_c("at", format!("{} ms ", l.at_ms).into()) }<span class={classes!("latest-text", l.kind)}>{ l.text.clone() }</span></> },
                None => html! { "none yet" },
            } }
        </div>
    }
}

pane_view!(StoryProps, story);
pane_view!(NarrationProps, narration_line);
pane_view!(ShareProps, share_buttons);
pane_view!(ToolbarProps, toolbar);
pane_view!(LatestEventProps, latest_event);
