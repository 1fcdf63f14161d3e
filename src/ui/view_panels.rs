//! The panels around the graph: the scenario's story (description and narration), the global
//! fault buttons, the coordinator, the subtask inspector with its fault buttons, the checkpoint
//! settings form, the exactly-once panel, the log and the keyboard help. All user text
//! (scenario names, descriptions, narration) is rendered as text.

use super::app::{Action, App, ConfigField, Msg, UiState};
use super::format::{bytes, dur_us};
use super::narration::{Narration, Script};
use super::view_graph::task_view;
use crate::sim::ids::InputIndex;
use crate::sim::invariants::ExactlyOnceFigures;
use crate::sim::scenario::{CheckpointingMode, OperatorKind, SnapshotPhase};
use crate::sim::snapshot::OperatorState;
use crate::sim::task::SnapshotStage;
use crate::sim::{LogKind, Simulation};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

/// The scenario's description and the narration step the run has reached (steps follow the
/// run's events, see [`super::narration`]); says when the run has left the script.
pub fn story(
    sim: &Simulation,
    ui: &UiState,
    link: &Scope<App>,
    share: Html,
    imported: bool,
    narration: Option<(Rc<Script>, Narration)>,
) -> Html {
    let sc = sim.scenario();
    html! {
        <section class="story" aria-label="Scenario">
            <div class="story-head">
                <button class="link title" onclick={link.callback(|_| Msg::ToggleDescription)} aria-expanded={ui.show_description.to_string()}
                    title="Show or hide the scenario's description">
                    <span class="scenario-name" data-testid="scenario-name">{ sc.name.clone() }</span>
                    if imported { <span class="imported" title="Imported or opened from a link: not one of the shipped scenarios">{ " (imported)" }</span> }
                    <span class="muted">{ if ui.show_description { " ▾" } else { " ▸" } }</span>
                </button>
                if let Some((script, n)) = narration {
                    <NarrationLine script={script} narration={n} on_jump={link.callback(Msg::JumpTo)}
                        latest={newest_notable_event(sim)} />
                } else {
                    <span class="spacer" />
                }
                { share }
            </div>
            if !sc.description.is_empty() {
                <p class={classes!("description", ui.show_description.then_some("expanded"))} data-testid="scenario-description"
                    onclick={link.callback(|_| Msg::ToggleDescription)} title="Click to show all / less">{ sc.description.clone() }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
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
#[function_component(NarrationLine)]
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
    html! {
        <div class={classes!("narration", n.off_script.is_some().then_some("off-script"))} data-testid="narration"
            data-step={n.reached.map(|i| (i + 1).to_string()).unwrap_or_else(|| "0".into())}
            data-off-script={n.off_script.is_some().to_string()} aria-live="polite">
            <button class="small" disabled={prev.is_none()} title="Previous narration step" aria-label="Previous narration step"
                onclick={props.on_jump.reform(move |_: MouseEvent| prev.unwrap_or(0))}>{ "‹" }</button>
            <span class="step-count">{ count }</span>
            <button class="small" disabled={next.is_none()} title="Next narration step (plays to it)" aria-label="Next narration step"
                onclick={props.on_jump.reform(move |_: MouseEvent| next.unwrap_or(0))}>{ "›" }</button>
            <span class="step-text" title={if now_text.is_some() { format!("The story's step here: {step_text}") } else { String::new() }}>
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

/// The global actions: manual triggers and the environment faults.
/// `later_inputs`: inputs of the run after the frame on screen (rewound), which an input here
/// would drop.
pub fn toolbar(sim: &Simulation, ui: &UiState, link: &Scope<App>, later_inputs: usize) -> Html {
    let on_outage = link.callback(|e: Event| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Msg::OutageMs(i.value())
    });
    let down = sim.is_storage_down();
    html! {
        <div class="toolbar" data-testid="toolbar" role="group" aria-label="Faults and manual triggers">
            <button data-testid="trigger-checkpoint" onclick={link.callback(|_| Msg::Action(Action::TriggerCheckpoint))}
                title="Trigger a checkpoint now, as POST /jobs/:jobid/checkpoints does (c)">{ "Trigger checkpoint" }</button>
            <button data-testid="trigger-savepoint" onclick={link.callback(|_| Msg::Action(Action::TriggerSavepoint))}
                title="Trigger a savepoint: always aligned, never subsumed, no commit notification (s)">{ "Trigger savepoint" }</button>
            <span class="sep" />
            <button data-testid="fault-storage-outage" class="danger" onclick={link.callback(|_| Msg::Action(Action::StorageOutage))}
                title="Checkpoint storage becomes unreachable: uploads fail (CHECKPOINT_ASYNC_EXCEPTION) and metadata writes fail (FINALIZE_CHECKPOINT_FAILURE)">
                { if down { "Storage down…" } else { "Storage outage" } }</button>
            <label class="inline" title="How long the storage outage lasts">
                <input class="tiny" type="number" min="1" value={ui.outage_ms.to_string()} onchange={on_outage} aria-label="Outage duration (ms)" />{ " ms" }
            </label>
            <button data-testid="fault-coordinator-failover" class="danger" onclick={link.callback(|_| Msg::Action(Action::CoordinatorFailover))}
                title="The JobManager dies: pending checkpoints are lost; completed checkpoints and the ID counter survive in HA storage; the job restarts from the latest completed checkpoint">{ "JobManager failover" }</button>
            if later_inputs > 0 {
                <span class="fork-warning" data-testid="fork-warning" data-dropped={later_inputs.to_string()}
                    title="You are rewound: the run went on from here with inputs you made later. An input here forks the run and drops them (you can undo).">
                    { format!("⚠ rewound: an input here drops {later_inputs} later input{}", if later_inputs == 1 { "" } else { "s" }) }</span>
            } else {
                <span class="hint">{ "Click a subtask or a channel for faults." }</span>
            }
        </div>
    }
}

/// The CheckpointCoordinator: pending checkpoints, the completed store, the failure counter,
/// the next trigger and the storage.
pub fn coordinator(sim: &Simulation) -> Html {
    let c = sim.coordinator();
    let cfg = &c.config;
    let job = sim.job();
    let pending: Vec<_> = c.pending.values().collect();
    let retained = c.store.retained_ids();
    let counter = c.failure_manager.continuous_failure_counter;
    let storage_until = sim.storage_down_until();
    html! {
        <div class={classes!("coordinator", (!c.alive).then_some("down"))} data-testid="coordinator">
            <div class="coord-head">
                <span class="coord-title" title="The CheckpointCoordinator, running in the JobManager">{ "CheckpointCoordinator" }</span>
                <span class={classes!("badge", if c.alive { "ok" } else { "failed" })} data-testid="coordinator-status"
                    title={ if c.alive { "The JobManager is up" } else { "The JobManager is down (failover): its pending checkpoints are lost; a new one takes over after the restart delay" } }>
                    { if c.alive { "UP" } else { "DOWN" } }</span>
                <span class={classes!("badge", match job.status.name() { "RUNNING" => "ok", "FAILED" => "failed", _ => "warn" })}
                    data-testid="job-status" title="The job's status">{ format!("job {}", job.status.name()) }</span>
                if job.restart_count() > 0 { <span class="muted" data-testid="restarts" title="Failovers (restarts) so far">{ format!("↻{}", job.restart_count()) }</span> }
                if let Some(b) = super::model::restart_backoff(sim) {
                    <span class="coord-item timer restart-timer" data-testid="restart-backoff"
                        title={format!("Restart backoff (exponential-delay restart strategy): the failed subtasks are redeployed at {} ms, {} ms after the failure at {} ms.", b.due.as_ms(), b.delay_ms, b.failed_at.as_ms())}>
                        { format!("restart in {} ms", b.remaining_ms) }
                        { timer_bar(b.fraction) }
                    </span>
                }
                <span class="spacer" />
                <span class={classes!("storage", if storage_until.is_some() { "down" } else { "up" })} data-testid="storage"
                    data-status={ if storage_until.is_some() { "down" } else { "up" } }
                    title="Checkpoint storage (a DFS such as S3): snapshots upload to it and the coordinator writes each checkpoint's metadata there">
                    { match storage_until { Some(u) => format!("storage DOWN until {} ms", u.as_ms()), None => "storage UP".into() } }</span>
            </div>
            <div class="coord-row timers">
                <span class="coord-item timer" data-testid="next-trigger" data-at={c.next_trigger_at.map(|t| t.as_ms().to_string()).unwrap_or_default()}
                    title={match (c.next_trigger_at, cfg.interval_ms) { (Some(t), Some(i)) => format!("The periodic timer fires next at {} ms (fixed rate: previous trigger + interval {i} ms; min pause and max concurrent checkpoints can hold the trigger back).", t.as_ms()), _ => "No periodic trigger is scheduled (checkpointing off, or the job is not running).".to_string() }}>
                    { match c.next_trigger_at { Some(t) => format!("next trigger in {} ms", t.as_ms().saturating_sub(sim.now().as_ms())), None => "no trigger scheduled".into() } }
                    if let (Some(t), Some(i)) = (c.next_trigger_at, cfg.interval_ms) {
                        { timer_bar(1.0 - (t.0.saturating_sub(sim.now().0) as f64 / (i.max(1) * 1000) as f64).clamp(0.0, 1.0)) }
                    }
                </span>
                <span class={classes!("coord-item", "failures", (counter > 0).then_some("warn"))} data-testid="failure-counter"
                    title={format!("CheckpointFailureManager: checkpoints failed in a row (continuousFailureCounter), against execution.checkpointing.tolerable-failed-checkpoints = {}. The job fails over when the counter goes above it; a completed checkpoint resets it. Not the same as the Failed count, which counts every failed checkpoint.", cfg.tolerable_failed)}>
                    { format!("failed in a row {counter} (tolerable {})", cfg.tolerable_failed) }</span>
                <span class="spacer" />
                <span class="coord-item" title="The checkpointing mode and barrier handling in force">
                    { format!("{} · {}", cfg.mode.name(), if cfg.unaligned { if cfg.aligned_timeout_ms > 0 { "aligned, then unaligned" } else { "unaligned" } } else { "aligned" }) }</span>
            </div>
            <div class="coord-row">
                <span class="coord-label" title="PendingCheckpoint: triggered, collecting acknowledgements">{ "Pending" }</span>
                if pending.is_empty() { <span class="muted">{ "none" }</span> }
                { for pending.iter().map(|p| {
                    let (n, m) = (p.num_acknowledged(), p.num_subtasks());
                    let w = if m == 0 { 0.0 } else { 60.0 * n as f64 / m as f64 };
                    let state = if p.is_finalizing() { " · writing metadata" } else { "" };
                    let age_ms = sim.now().since(p.trigger_time).as_ms();
                    let title = format!("{} {} triggered at {} ms: {n} of {m} subtasks acknowledged{state}. It completes when every subtask has acknowledged and the metadata is written; it fails on a decline, a task failure or the timeout: the lower bar is its age, {age_ms} of {} ms.",
                        if p.savepoint { "Savepoint" } else { "Checkpoint" }, p.id, p.trigger_time.as_ms(), cfg.timeout_ms);
                    let age = (age_ms as f64 / cfg.timeout_ms.max(1) as f64).clamp(0.0, 1.0);
                    html! {
                        <span class={classes!("chip", "pending", p.savepoint.then_some("savepoint"), p.is_finalizing().then_some("finalizing"))}
                            data-testid={format!("pending-{}", p.id)} data-acknowledged={n.to_string()} data-subtasks={m.to_string()} title={title}>
                            <span class="chip-id">{ format!("{}{}", if p.savepoint { "SP " } else { "#" }, p.id) }</span>
                            <svg class="ackbar" width="60" height="12" viewBox="0 0 60 12" aria-hidden="true">
                                <rect class="ackbar-bg" x="0" y="0" width="60" height="5" rx="2.5" />
                                <rect class="ackbar-fill" x="0" y="0" width={format!("{w:.1}")} height="5" rx="2.5" />
                                <rect class="agebar-bg" x="0" y="7" width="60" height="5" rx="2.5" />
                                <rect class={classes!("agebar-fill", (age > 0.75).then_some("late"))} data-testid={format!("pending-age-{}", p.id)} x="0" y="7" width={format!("{:.1}", 60.0 * age)} height="5" rx="2.5" />
                            </svg>
                            <span class="chip-n">{ format!("{n}/{m} acked") }</span>
                            <span class="chip-age">{ format!("{age_ms}/{} ms", cfg.timeout_ms) }</span>
                        </span>
                    }
                }) }
                <span class="coord-label gap" title={format!("CompletedCheckpointStore: keeps the latest num_retained = {} completed checkpoints; restores use the newest", cfg.num_retained)}>{ "Completed store" }</span>
                if retained.is_empty() { <span class="muted" data-testid="retained">{ "empty" }</span> } else {
                    <span data-testid="retained" data-ids={retained.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(",")}>
                    { for retained.iter().map(|id| html! {
                        <span class="chip completed" title={format!("Completed checkpoint {id}, retained in the store")}>{ format!("#{id}") }</span>
                    }) }
                    </span>
                }
                if let Some(sp) = sim.latest_savepoint() {
                    <span class="chip savepoint done" title="The latest completed savepoint">{ format!("SP #{}", sp.id) }</span>
                }
            </div>
        </div>
    }
}

/// A small filling bar for a timer (0: just started, 1: due).
fn timer_bar(fraction: f64) -> Html {
    html! {
        <svg class="timerbar" width="40" height="6" viewBox="0 0 40 6" aria-hidden="true">
            <rect class="timerbar-bg" x="0" y="0" width="40" height="6" rx="3" />
            <rect class="timerbar-fill" x="0" y="0" width={format!("{:.1}", 40.0 * fraction.clamp(0.0, 1.0))} height="6" rx="3" />
        </svg>
    }
}

/// The inspector of the selected subtask, with its fault buttons.
pub fn inspector(sim: &Simulation, ui: &UiState, link: &Scope<App>) -> Html {
    let Some(t) = ui.selected_task else {
        return html! {};
    };
    let g = sim.graph();
    let Some(info) = g.subtasks.get(t.idx()) else {
        return html! {};
    };
    let task = &sim.tasks()[t.idx()];
    let op = g.operator_of(t);
    let v = task_view(sim, t);
    let name = info.name.clone();
    let record_bytes = sim.scenario().network.record_bytes;
    let state_line = match &task.state {
        OperatorState::Source { offset } => {
            html! { <><dt>{ "Source offset" }</dt><dd data-testid="inspector-offset">{ format!("{offset} (the next record to read; restored from a checkpoint, it rewinds)") }</dd></> }
        }
        OperatorState::Keyed { count, .. } => {
            html! { <><dt>{ "Keyed state" }</dt><dd data-testid="inspector-state-size">{ format!("{count} keys · {}", bytes(task.state.size_bytes(op.state_bytes_per_key, record_bytes))) }</dd></> }
        }
        OperatorState::Sink { open, pending } => html! { <>
            <dt>{ "Open transaction" }</dt><dd>{ format!("{} records (not visible downstream until committed)", open.len()) }</dd>
            <dt>{ "Pre-committed" }</dt><dd data-testid="inspector-pending-txns">{ if pending.is_empty() { "none".to_string() } else {
                pending.iter().map(|(id, r)| format!("txn {id}: {} rec", r.len())).collect::<Vec<_>>().join(" · ") } }</dd>
            <dt>{ "Committed" }</dt><dd>{ sim.external().committed_up_to.get(&t).map(|c| format!("up to txn {c}")).unwrap_or_else(|| "nothing yet".into()) }</dd>
        </> },
        OperatorState::Map => html! { <><dt>{ "State" }</dt><dd>{ "stateless" }</dd></> },
    };
    let alignment = match task.alignment() {
        Some(a) => {
            let mode = if task.barriers.is_unaligned() {
                "unaligned"
            } else if sim.mode() == CheckpointingMode::AtLeastOnce {
                "at-least-once (not blocking)"
            } else {
                "aligned"
            };
            html! { <>
                <dt>{ "Alignment" }</dt>
                <dd>{ format!("checkpoint {} · {mode} · first barrier at {} ms · {}/{} barriers", a.id, a.first_barrier_at.as_ms(), a.received.count(), a.received.participants()) }</dd>
            </> }
        }
        None => html! { <><dt>{ "Alignment" }</dt><dd>{ "not aligning" }</dd></> },
    };
    let inputs = &info.inputs;
    let select_none = link.callback(|_| Msg::SelectTask(None));
    let act = |a: fn(String) -> Action| {
        let n = name.clone();
        link.callback(move |_| Msg::Action(a(n.clone())))
    };
    let on_factor = link.callback(|e: Event| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Msg::SlowFactor(i.value())
    });
    let on_slow_ms = link.callback(|e: Event| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Msg::SlowMs(i.value())
    });
    html! {
        <div class="inspector" data-testid="inspector" role="dialog" aria-label={format!("Subtask {name}")}>
            <div class="inspector-head">
                <strong>{ name.clone() }</strong>
                <span class={classes!("badge", format!("state-{}", v.state))} data-testid="inspector-state">{ v.state.to_uppercase() }</span>
                <span class="muted">{ format!("attempt {}", task.attempt.0) }</span>
                <button class="dismiss" onclick={select_none} title="Close (Esc)" aria-label="Close">{ "×" }</button>
            </div>
            <div class="fault-buttons" role="group" aria-label={format!("Faults for {name}")}>
                <button class="danger" data-testid="fault-kill" onclick={act(Action::Kill)}
                    title="The subtask's process dies: the checkpoint scheduler stops and pending checkpoints abort with CHECKPOINT_COORDINATOR_SUSPEND (not counted); its region fails over and restores from the latest completed checkpoint">{ "Kill" }</button>
                <button data-testid="fault-slow" onclick={act(Action::Slow)}
                    title="Process records this many times slower for a while: its input channels fill up and upstream is backpressured, delaying aligned barriers">{ "Slow down" }</button>
                <label class="inline" title="Slow-down factor">{ "×" }<input class="tiny" type="number" min="1" step="1" value={ui.slow_factor.to_string()} onchange={on_factor} aria-label="Slow-down factor" /></label>
                <label class="inline" title="Slow-down duration">{ "for" }<input class="tiny" type="number" min="1" value={ui.slow_ms.to_string()} onchange={on_slow_ms} aria-label="Slow-down duration (ms)" />{ "ms" }</label>
                <button data-testid="fault-drop-ack" onclick={act(Action::DropAck)}
                    title="The next acknowledgement this subtask sends is lost: the checkpoint stays pending until it expires (CHECKPOINT_EXPIRED)">{ "Lose next ack" }</button>
                <button data-testid="fault-snapshot-sync" onclick={act(Action::FailSnapshotSync)}
                    title="The next snapshot throws in snapshotState (the synchronous part): in Flink that fails the task, so the job restarts from the latest completed checkpoint and the pending checkpoint aborts with CHECKPOINT_COORDINATOR_SUSPEND">{ "Fail next snapshot (sync)" }</button>
                <button data-testid="fault-snapshot-async" onclick={act(Action::FailSnapshotAsync)}
                    title="The next snapshot throws while its state is written (the asynchronous part): the subtask declines with CHECKPOINT_ASYNC_EXCEPTION, which counts toward tolerable failed checkpoints">{ "Fail next snapshot (async)" }</button>
            </div>
            <p class="explain">{ v.explain.clone() }</p>
            <dl class="kv">
                { state_line }
                <dt>{ "Records" }</dt><dd>{ format!("in {} · out {} · waiting output {}", task.records_in, task.records_out, task.pending_output.len()) }</dd>
                <dt>{ "Backpressure" }</dt><dd>{ if task.backpressured { "backpressured: an output channel is full" } else { "no" } }</dd>
                if task.slow_milli != 1000 { <dt>{ "Slowed" }</dt><dd>{ format!("{}× slower", task.slow_milli as f64 / 1000.0) }</dd> }
                if task.drop_next_ack { <dt>{ "Armed" }</dt><dd>{ "the next acknowledgement will be lost" }</dd> }
                if let Some(phase) = task.fail_next_snapshot { <dt>{ "Armed" }</dt><dd>{ match phase {
                    SnapshotPhase::Sync => "the next snapshot fails in snapshotState (a task failure)",
                    SnapshotPhase::Async => "the next snapshot fails while its state is written (CHECKPOINT_ASYNC_EXCEPTION)",
                } }</dd> }
                { alignment }
                if !task.in_progress.is_empty() {
                    <dt>{ "Snapshots" }</dt>
                    <dd>{ task.in_progress.iter().map(|p| format!("{}: {}", p.id,
                        if matches!(p.phase, SnapshotStage::Sync { .. }) { "sync".to_string() } else if !p.is_uploaded() { "async upload".to_string() } else { format!("awaiting {} inputs' channel state", p.awaiting.count()) }))
                        .collect::<Vec<_>>().join(" · ") }</dd>
                }
            </dl>
            if !inputs.is_empty() {
                <table class="inputs" data-testid="inspector-inputs">
                    <thead><tr><th>{ "Input channel" }</th><th>{ "Barrier" }</th><th>{ "Queued" }</th><th>{ "Status" }</th></tr></thead>
                    <tbody>
                    { for inputs.iter().enumerate().map(|(i, c)| {
                        let ch = &sim.channels()[c.idx()];
                        let from = &g.subtasks[g.channels[c.idx()].from.idx()].name;
                        let got = task.alignment().map(|a| a.received.contains(InputIndex(i as u32)));
                        html! {
                            <tr class={classes!(ch.blocked.then_some("blocked"))}>
                                <td>{ format!("from {from}") }</td>
                                <td>{ match got { Some(true) => "received", Some(false) => "waiting", None => "—" } }</td>
                                <td class="num">{ format!("{}/{}", ch.records, ch.capacity) }</td>
                                <td>{ if ch.blocked { "BLOCKED" } else if ch.is_full() { "full" } else { "open" } }</td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
            }
            if let Some((id, m)) = &task.last_snapshot {
                <div class="last-snapshot" data-testid="inspector-last-snapshot">
                    <h4>{ format!("Last snapshot: checkpoint {id}") }</h4>
                    <span>{ format!("sync {} · async {} · alignment {} · start delay {} · {} · state {} · persisted {}",
                        dur_us(m.sync_duration.0), dur_us(m.async_duration.0), dur_us(m.alignment_duration.0), dur_us(m.start_delay.0),
                        if m.unaligned_checkpoint { "unaligned" } else { "aligned" }, bytes(m.state_size), bytes(m.persisted_data)) }</span>
                </div>
            }
        </div>
    }
}

/// The checkpoint settings, applied live through the simulation's validation.
pub fn settings(sim: &Simulation, ui: &UiState, link: &Scope<App>) -> Html {
    let c = &sim.coordinator().config;
    let field = |f: ConfigField| {
        link.callback(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let v = if i.type_() == "checkbox" {
                i.checked().to_string()
            } else {
                i.value()
            };
            Msg::Config(f, v)
        })
    };
    let on_mode = link.callback(|e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Msg::Config(ConfigField::Mode, s.value())
    });
    let num = |label: &'static str,
               hint: &'static str,
               testid: &'static str,
               value: String,
               f: ConfigField,
               min: &'static str| {
        html! {
            <label class="setting" title={hint}>
                <span class="label">{ label }</span>
                <input data-testid={testid} type="number" min={min} step="1" value={value} onchange={field(f)} aria-label={label} />
            </label>
        }
    };
    html! {
        <section class="panel settings" aria-label="Checkpoint settings" key={format!("settings-{}", ui.form_gen)}>
            <h2>{ "Checkpoint settings" }<span class="muted">{ " · applied live, validated as Flink does" }</span></h2>
            <div class="settings-grid">
                <label class="setting" title="execution.checkpointing.interval: empty turns periodic checkpointing off; Flink rejects intervals under 10 ms">
                    <span class="label">{ "Interval (ms)" }</span>
                    <input data-testid="config-interval" type="number" min="10" step="1" placeholder="off"
                        value={c.interval_ms.map(|v| v.to_string()).unwrap_or_default()} onchange={field(ConfigField::Interval)} aria-label="Interval (ms)" />
                </label>
                <label class="setting" title="execution.checkpointing.mode">
                    <span class="label">{ "Mode" }</span>
                    <select data-testid="config-mode" onchange={on_mode} aria-label="Mode">
                        <option value="EXACTLY_ONCE" selected={c.mode == CheckpointingMode::ExactlyOnce}>{ "EXACTLY_ONCE" }</option>
                        <option value="AT_LEAST_ONCE" selected={c.mode == CheckpointingMode::AtLeastOnce}>{ "AT_LEAST_ONCE" }</option>
                    </select>
                </label>
                { num("Timeout (ms)", "execution.checkpointing.timeout: a pending checkpoint older than this expires (CHECKPOINT_EXPIRED)", "config-timeout", c.timeout_ms.to_string(), ConfigField::Timeout, "1") }
                { num("Min pause (ms)", "execution.checkpointing.min-pause: least time between the end of one checkpoint and the next trigger", "config-min-pause", c.min_pause_ms.to_string(), ConfigField::MinPause, "0") }
                { num("Max concurrent", "execution.checkpointing.max-concurrent-checkpoints", "config-max-concurrent", c.max_concurrent.to_string(), ConfigField::MaxConcurrent, "1") }
                { num("Tolerable failed", "execution.checkpointing.tolerable-failed-checkpoints: the job fails over when more checkpoints than this fail in a row", "config-tolerable-failed", c.tolerable_failed.to_string(), ConfigField::TolerableFailed, "0") }
                <label class="setting check" title="execution.checkpointing.unaligned.enabled: barriers overtake in-flight data, which is persisted; needs EXACTLY_ONCE and max concurrent 1">
                    <input data-testid="config-unaligned" type="checkbox" checked={c.unaligned} onchange={field(ConfigField::Unaligned)} aria-label="Unaligned checkpoints" />
                    <span class="label">{ "Unaligned checkpoints" }</span>
                </label>
                { num("Aligned timeout (ms)", "execution.checkpointing.aligned-checkpoint-timeout: with unaligned enabled, start aligned and switch to unaligned after this long (0: unaligned at once)", "config-aligned-timeout", c.aligned_timeout_ms.to_string(), ConfigField::AlignedTimeout, "0") }
                { num("Retained", "execution.checkpointing.num-retained: completed checkpoints kept in the store", "config-num-retained", c.num_retained.to_string(), ConfigField::NumRetained, "1") }
            </div>
        </section>
    }
}

/// The sink's committed output against what the sources read, with the oracle's verdict.
pub fn exactly_once(sim: &Simulation, eo: ExactlyOnceFigures) -> Html {
    let g = sim.graph();
    let read: u64 = g
        .sources
        .iter()
        .map(|s| match sim.tasks()[s.idx()].state {
            OperatorState::Source { offset } => offset,
            _ => 0,
        })
        .sum();
    let ext = sim.external();
    let mode = sim.mode();
    let has_sink = g.operators.iter().any(|o| o.kind == OperatorKind::Sink);
    let verdict = if eo.duplicates == 0 && eo.lost == 0 {
        "ok"
    } else {
        "bad"
    };
    let why = match mode {
        CheckpointingMode::ExactlyOnce => "EXACTLY_ONCE never duplicates: barriers are aligned (or, unaligned, the overtaken in-flight data is part of the snapshot), so a snapshot holds exactly the records before its barrier. The sink pre-commits a transaction per checkpoint and commits it only on notifyCheckpointComplete; after a failover the sources rewind to the checkpoint's offsets and uncommitted transactions are dropped, so replayed records replace what was lost instead of repeating what was committed.",
        CheckpointingMode::AtLeastOnce => "AT_LEAST_ONCE can duplicate: a subtask does not block the inputs that delivered a barrier, so records after the barrier on a fast input are processed (and reach the sink's transaction) before the snapshot. After a failover the sources rewind to the checkpoint's offsets and replay those records again: duplicates, never losses.",
    };
    html! {
        <section class={classes!("panel", "exactly-once", verdict)} data-testid="exactly-once"
            data-duplicates={eo.duplicates.to_string()} data-lost={eo.lost.to_string()} aria-label="Exactly-once">
            <h2>{ "Exactly-once" }<span class="muted">{ format!(" · {}", mode.name()) }</span></h2>
            <div class="eo-figures">
                <div class="figure" title="Sum of the source subtasks' current offsets: records read (after a restore, the offsets rewind)">
                    <span class="v">{ read.to_string() }</span><span class="k">{ "read by sources" }</span></div>
                <div class="figure" title="Records committed by the two-phase-commit sinks to the external system (visible to read_committed consumers)">
                    <span class="v" data-testid="committed-records">{ ext.committed_records.to_string() }</span><span class="k">{ "committed by sinks" }</span></div>
                <div class={classes!("figure", (eo.duplicates > 0).then_some("bad"))} title="The oracle: records committed more than once">
                    <span class="v" data-testid="duplicates">{ eo.duplicates.to_string() }</span><span class="k">{ "duplicates" }</span></div>
                <div class={classes!("figure", (eo.lost > 0).then_some("bad"))} title="The oracle: records a fully committed checkpoint's offsets cover that were neither committed nor still in the pipeline">
                    <span class="v" data-testid="lost">{ eo.lost.to_string() }</span><span class="k">{ "lost" }</span></div>
            </div>
            if has_sink {
                <div class="recent-output" title="The last records committed to the external system: (source subtask:sequence number) in transaction">
                    <span class="muted">{ "Latest committed: " }</span>
                    { if ext.recent.is_empty() { "nothing yet".to_string() } else {
                        ext.recent.iter().rev().take(10).map(|(_, txn, r)| format!("{}:{} (txn {txn})", r.src, r.seq)).collect::<Vec<_>>().join(" · ") } }
                </div>
            }
            <p class="why">{ why }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct LatestEventProps {
    /// The newest log line's time (ms), kind (a CSS class) and text; None before any event.
    pub event: Option<(u64, String, String)>,
}

/// The newest line of the log (not a narration step), always in view: several outcomes are
/// explained there first. A function component: it renders again only when the line changes.
#[function_component(LatestEvent)]
pub fn latest_event(props: &LatestEventProps) -> Html {
    html! {
        <div class="latest-event" data-testid="latest-event" title="The newest event of the run (the Log tab has them all)">
            <span class="muted">{ "Latest event: " }</span>
            { match &props.event {
                Some((at, kind, text)) => html! { <><span class="at">{ format!("{at} ms ") }</span><span class={classes!("latest-text", kind.clone())}>{ text.clone() }</span></> },
                None => html! { "none yet" },
            } }
        </div>
    }
}

/// The newest fault, failover, restore, abort or decline of the run (ms, text): what an off-script
/// narration says instead of a step that no longer applies.
pub fn newest_notable_event(sim: &Simulation) -> Option<(u64, String)> {
    sim.log_entries()
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                LogKind::Fault
                    | LogKind::Failover
                    | LogKind::Restore
                    | LogKind::Abort
                    | LogKind::Decline
            )
        })
        .map(|e| (e.at.as_ms(), e.text.clone()))
}

/// The newest log line that is not a narration step, for [`LatestEvent`].
pub fn newest_event(sim: &Simulation) -> Option<(u64, String, String)> {
    sim.log_entries()
        .iter()
        .rev()
        .find(|e| e.kind != LogKind::Step)
        .map(|e| {
            (
                e.at.as_ms(),
                format!("{:?}", e.kind).to_lowercase(),
                e.text.clone(),
            )
        })
}
