//! The panels beside the graph: the CheckpointCoordinator, the subtask inspector with its fault
//! buttons, the checkpoint settings form and the exactly-once panel. Yew function components
//! whose props are small view models ([`super::panel_model`], [`super::inspector_model`]) and
//! `Callback`s: they know nothing of the App or its messages and render again only when what
//! they show changed.

use super::actions::{Action, ConfigField};
use super::format::fixed;
use super::inspector_model::InspectorView;
use super::panel_model::{CoordinatorView, ExactlyOnceView};
use super::view_html::{button, p_c, span_c};
use super::view_pane::pane_view;
use crate::sim::scenario::{CheckpointingMode, CheckpointingSpec};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(PartialEq)]
pub struct CoordinatorProps {
    pub view: CoordinatorView,
}

/// The CheckpointCoordinator: pending checkpoints, the completed store, the failure counter,
/// the next trigger and the storage.
pub fn coordinator(props: &CoordinatorProps) -> Html {
    let c = &props.view;
    let counter = c.failures_in_a_row;
    let storage_until = c.storage_down_until_ms;
    let now_ms = c.now_us / 1000;
    html! {
        <div class={classes!("coordinator", (!c.alive).then_some("down"))} data-testid="coordinator">
            <div class="coord-head">
                <span class="coord-title" title="The CheckpointCoordinator, running in the JobManager">{ "CheckpointCoordinator" }</span>
                <span class={classes!("badge", if c.alive { "ok" } else { "failed" })} data-testid="coordinator-status"
                    title={ if c.alive { "The JobManager is up" } else { "The JobManager is down (failover): its pending checkpoints are lost; a new one takes over after the restart delay" } }>
                    { if c.alive { "UP" } else { "DOWN" } }</span>
                <span class={classes!("badge", match c.job_status { "RUNNING" => "ok", "FAILED" => "failed", _ => "warn" })}
                    data-testid="job-status" title="The job's status">{ format!("job {}", c.job_status) }</span>
                if c.restarts > 0 { <span class="muted" data-testid="restarts" title="Failovers (restarts) so far">{ format!("↻{}", c.restarts) }</span> }
                if let Some(b) = c.backoff {
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
                    { match storage_until { Some(u) => format!("storage DOWN until {u} ms"), None => "storage UP".into() } }</span>
            </div>
            <div class="coord-row timers">
                <span class="coord-item timer" data-testid="next-trigger" data-at={c.next_trigger_us.map(|t| (t / 1000).to_string()).unwrap_or_default()}
                    title={match (c.next_trigger_us, c.interval_ms) { (Some(t), Some(i)) => format!("The periodic timer fires next at {} ms (fixed rate: previous trigger + interval {i} ms; min pause and max concurrent checkpoints can hold the trigger back).", t / 1000), _ => "No periodic trigger is scheduled (checkpointing off, or the job is not running).".to_string() }}>
                    { match c.next_trigger_us { Some(t) => format!("next trigger in {} ms", (t / 1000).saturating_sub(now_ms)), None => "no trigger scheduled".into() } }
                    if let Some(f) = c.trigger_fraction() { { timer_bar(f) } }
                </span>
                <span class={classes!("coord-item", "failures", (counter > 0).then_some("warn"))} data-testid="failure-counter"
                    title={format!("CheckpointFailureManager: checkpoints failed in a row (continuousFailureCounter), against execution.checkpointing.tolerable-failed-checkpoints = {}. The job fails over when the counter goes above it; a completed checkpoint resets it. Not the same as the Failed count, which counts every failed checkpoint.", c.tolerable_failed)}>
                    { format!("failed in a row {counter} (tolerable {})", c.tolerable_failed) }</span>
                <span class="spacer" />
                <span class="coord-item" title="The checkpointing mode and barrier handling in force">
                    { format!("{} · {}", c.mode, c.handling()) }</span>
            </div>
            <div class="coord-row">
                <span class="coord-label" title="PendingCheckpoint: triggered, collecting acknowledgements">{ "Pending" }</span>
                if c.pending.is_empty() { { span_c("muted", "none".into()) } }
                { for c.pending.iter().map(|p| {
                    let (n, m) = (p.acknowledged, p.subtasks);
                    let w = if m == 0 { 0.0 } else { 60.0 * n as f64 / m as f64 };
                    let state = if p.finalizing { " · writing metadata" } else { "" };
                    let age_ms = p.age_ms;
                    let title = format!("{} {} triggered at {} ms: {n} of {m} subtasks acknowledged{state}. It completes when every subtask has acknowledged and the metadata is written; it fails on a decline, a task failure or the timeout: the lower bar is its age, {age_ms} of {} ms.",
                        if p.savepoint { "Savepoint" } else { "Checkpoint" }, p.id, p.trigger_ms, c.timeout_ms);
                    let age = (age_ms as f64 / c.timeout_ms.max(1) as f64).clamp(0.0, 1.0);
                    html! {
                        <span class={classes!("chip", "pending", p.savepoint.then_some("savepoint"), p.finalizing.then_some("finalizing"))}
                            data-testid={format!("pending-{}", p.id)} data-acknowledged={n.to_string()} data-subtasks={m.to_string()} title={title}>
                            { span_c("chip-id", format!("{}{}", if p.savepoint { "SP " } else { "#" }, p.id).into()) }
                            <svg class="ackbar" width="60" height="12" viewBox="0 0 60 12" aria-hidden="true">
                                <rect class="ackbar-bg" x="0" y="0" width="60" height="5" rx="2.5" />
                                <rect class="ackbar-fill" x="0" y="0" width={fixed(w, 1)} height="5" rx="2.5" />
                                <rect class="agebar-bg" x="0" y="7" width="60" height="5" rx="2.5" />
                                <rect class={classes!("agebar-fill", (age > 0.75).then_some("late"))} data-testid={format!("pending-age-{}", p.id)} x="0" y="7" width={fixed(60.0 * age, 1)} height="5" rx="2.5" />
                            </svg>
                            { span_c("chip-n", format!("{n}/{m} acked").into()) }
                            { span_c("chip-age", format!("{age_ms}/{} ms", c.timeout_ms).into()) }
                        </span>
                    }
                }) }
                <span class="coord-label gap" title={format!("CompletedCheckpointStore: keeps the latest num_retained = {} completed checkpoints; restores use the newest", c.num_retained)}>{ "Completed store" }</span>
                if c.retained.is_empty() { <span class="muted" data-testid="retained">{ "empty" }</span> } else {
                    <span data-testid="retained" data-ids={c.retained.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",")}>
                    { for c.retained.iter().map(|id| html! {
                        <span class="chip completed" title={format!("Completed checkpoint {id}, retained in the store")}>{ format!("#{id}") }</span>
                    }) }
                    </span>
                }
                if let Some(sp) = c.latest_savepoint {
                    <span class="chip savepoint done" title="The latest completed savepoint">{ format!("SP #{sp}") }</span>
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
            <rect class="timerbar-fill" x="0" y="0" width={fixed(40.0 * fraction.clamp(0.0, 1.0), 1)} height="6" rx="3" />
        </svg>
    }
}

#[derive(PartialEq)]
pub struct InspectorProps {
    pub view: InspectorView,
    /// The slow-down fault's factor and duration, as the fields show them.
    pub slow_factor: f64,
    pub slow_ms: u64,
    pub on_close: Callback<()>,
    pub on_action: Callback<Action>,
    pub on_slow_factor: Callback<String>,
    pub on_slow_ms: Callback<String>,
}

fn input_value(e: Event) -> String {
    let i: HtmlInputElement = e.target_unchecked_into();
    i.value()
}

/// The inspector of the selected subtask, with its fault buttons.
pub fn inspector(props: &InspectorProps) -> Html {
    let v = &props.view;
    let name = v.name.clone();
    let act = |a: fn(String) -> Action| {
        let n = name.clone();
        props.on_action.reform(move |_: MouseEvent| a(n.clone()))
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    let on_factor = props.on_slow_factor.reform(input_value);
    let on_slow_ms = props.on_slow_ms.reform(input_value);
    html! {
        <div class="inspector" data-testid="inspector" role="dialog" aria-label={format!("Subtask {name}")}>
            <div class="inspector-head">
                <strong>{ name.clone() }</strong>
                <span class={classes!("badge", format!("state-{}", v.state))} data-testid="inspector-state">{ v.state.to_ascii_uppercase() }</span>
                { span_c("muted", format!("attempt {}", v.attempt).into()) }
                { button(Some("dismiss"), None, Some("Close (Esc)"), Some("Close"), close, "×") }
            </div>
            <div class="fault-buttons" role="group" aria-label={format!("Faults for {name}")}>
                { button(Some("danger"), Some("fault-kill"), Some("The subtask's process dies: the checkpoint scheduler stops and pending checkpoints abort with CHECKPOINT_COORDINATOR_SUSPEND (not counted); its region fails over and restores from the latest completed checkpoint"), None, act(Action::Kill), "Kill") }
                { button(None, Some("fault-slow"), Some("Process records this many times slower for a while: its input channels fill up and upstream is backpressured, delaying aligned barriers"), None, act(Action::Slow), "Slow down") }
                <label class="inline" title="Slow-down factor">{ "×" }<input class="tiny" type="number" min="1" step="1" value={super::format::number(props.slow_factor)} onchange={on_factor} aria-label="Slow-down factor" /></label>
                <label class="inline" title="Slow-down duration">{ "for" }<input class="tiny" type="number" min="1" value={props.slow_ms.to_string()} onchange={on_slow_ms} aria-label="Slow-down duration (ms)" />{ "ms" }</label>
                { button(None, Some("fault-drop-ack"), Some("The next acknowledgement this subtask sends is lost: the checkpoint stays pending until it expires (CHECKPOINT_EXPIRED)"), None, act(Action::DropAck), "Lose next ack") }
                { button(None, Some("fault-snapshot-sync"), Some("The next snapshot throws in snapshotState (the synchronous part): in Flink that fails the task, so the job restarts from the latest completed checkpoint and the pending checkpoint aborts with CHECKPOINT_COORDINATOR_SUSPEND"), None, act(Action::FailSnapshotSync), "Fail next snapshot (sync)") }
                { button(None, Some("fault-snapshot-async"), Some("The next snapshot throws while its state is written (the asynchronous part): the subtask declines with CHECKPOINT_ASYNC_EXCEPTION, which counts toward tolerable failed checkpoints"), None, act(Action::FailSnapshotAsync), "Fail next snapshot (async)") }
            </div>
            { p_c("explain", v.explain.clone().into()) }
            <dl class="kv">
                { for v.facts.iter().map(|f| html! { <><dt>{ f.label }</dt><dd data-testid={f.testid}>{ f.value.clone() }</dd></> }) }
            </dl>
            if !v.inputs.is_empty() {
                <table class="inputs" data-testid="inspector-inputs">
                    <thead><tr><th>{ "Input channel" }</th><th>{ "Barrier" }</th><th>{ "Queued" }</th><th>{ "Status" }</th></tr></thead>
                    <tbody>
                    { for v.inputs.iter().map(|r| html! {
                        <tr class={classes!(r.blocked.then_some("blocked"))}>
                            <td>{ r.from.clone() }</td>
                            <td>{ r.barrier }</td>
                            <td class="num">{ r.queued.clone() }</td>
                            <td>{ r.status }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
            if let Some((id, line)) = &v.last_snapshot {
                <div class="last-snapshot" data-testid="inspector-last-snapshot">
                    <h4>{ format!("Last snapshot: checkpoint {id}") }</h4>
                    <span>{ line.clone() }</span>
                </div>
            }
        </div>
    }
}

#[derive(PartialEq)]
pub struct SettingsProps {
    /// The checkpoint settings in force.
    pub config: CheckpointingSpec,
    /// Bumped when the form must show the settings afresh (after a rejection or a new run).
    pub form_gen: u64,
    /// A field changed: which one, and its text (`true` / `false` for a checkbox).
    pub on_change: Callback<(ConfigField, String)>,
}

/// The checkpoint settings, applied live through the simulation's validation.
pub fn settings(props: &SettingsProps) -> Html {
    let c = &props.config;
    let field = |f: ConfigField| {
        props.on_change.reform(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let v = if i.type_() == "checkbox" {
                i.checked().to_string()
            } else {
                i.value()
            };
            (f, v)
        })
    };
    let on_mode = props.on_change.reform(|e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        (ConfigField::Mode, s.value())
    });
    let num = |label: &'static str,
               hint: &'static str,
               testid: &'static str,
               value: String,
               f: ConfigField,
               min: &'static str| {
        html! {
            <label class="setting" title={hint}>
                { span_c("label", label.into()) }
                <input data-testid={testid} type="number" min={min} step="1" value={value} onchange={field(f)} aria-label={label} />
            </label>
        }
    };
    html! {
        <section class="panel settings" aria-label="Checkpoint settings" key={format!("settings-{}", props.form_gen)}>
            <h2>{ "Checkpoint settings" }{ span_c("muted", " · applied live, validated as Flink does".into()) }</h2>
            <div class="settings-grid">
                <label class="setting" title="execution.checkpointing.interval: empty turns periodic checkpointing off; Flink rejects intervals under 10 ms">
                    { span_c("label", "Interval (ms)".into()) }
                    <input data-testid="config-interval" type="number" min="10" step="1" placeholder="off"
                        value={c.interval_ms.map(|v| v.to_string()).unwrap_or_default()} onchange={field(ConfigField::Interval)} aria-label="Interval (ms)" />
                </label>
                <label class="setting" title="execution.checkpointing.mode">
                    { span_c("label", "Mode".into()) }
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
                    { span_c("label", "Unaligned checkpoints".into()) }
                </label>
                { num("Aligned timeout (ms)", "execution.checkpointing.aligned-checkpoint-timeout: with unaligned enabled, start aligned and switch to unaligned after this long (0: unaligned at once)", "config-aligned-timeout", c.aligned_timeout_ms.to_string(), ConfigField::AlignedTimeout, "0") }
                { num("Retained", "execution.checkpointing.num-retained: completed checkpoints kept in the store", "config-num-retained", c.num_retained.to_string(), ConfigField::NumRetained, "1") }
            </div>
        </section>
    }
}

#[derive(PartialEq)]
pub struct ExactlyOnceProps {
    pub view: ExactlyOnceView,
}

/// The sink's committed output against what the sources read, with the oracle's verdict.
pub fn exactly_once(props: &ExactlyOnceProps) -> Html {
    let v = &props.view;
    let eo = v.figures;
    let verdict = if v.ok() { "ok" } else { "bad" };
    let why = match v.mode {
        CheckpointingMode::ExactlyOnce => "EXACTLY_ONCE never duplicates: barriers are aligned (or, unaligned, the overtaken in-flight data is part of the snapshot), so a snapshot holds exactly the records before its barrier. The sink pre-commits a transaction per checkpoint and commits it only on notifyCheckpointComplete; after a failover the sources rewind to the checkpoint's offsets and uncommitted transactions are dropped, so replayed records replace what was lost instead of repeating what was committed.",
        CheckpointingMode::AtLeastOnce => "AT_LEAST_ONCE can duplicate: a subtask does not block the inputs that delivered a barrier, so records after the barrier on a fast input are processed (and reach the sink's transaction) before the snapshot. After a failover the sources rewind to the checkpoint's offsets and replay those records again: duplicates, never losses.",
    };
    html! {
        <section class={classes!("panel", "exactly-once", verdict)} data-testid="exactly-once"
            data-duplicates={eo.duplicates.to_string()} data-lost={eo.lost.to_string()} aria-label="Exactly-once">
            <h2>{ "Exactly-once" }{ span_c("muted", format!(" · {}", v.mode.name()).into()) }</h2>
            <div class="eo-figures">
                <div class="figure" title="Sum of the source subtasks' current offsets: records read (after a restore, the offsets rewind)">
                    { span_c("v", v.read.to_string().into()) }{ span_c("k", "read by sources".into()) }</div>
                <div class="figure" title="Records committed by the two-phase-commit sinks to the external system (visible to read_committed consumers)">
                    <span class="v" data-testid="committed-records">{ v.committed.to_string() }</span>{ span_c("k", "committed by sinks".into()) }</div>
                <div class={classes!("figure", (eo.duplicates > 0).then_some("bad"))} title="The oracle: records committed more than once">
                    <span class="v" data-testid="duplicates">{ eo.duplicates.to_string() }</span>{ span_c("k", "duplicates".into()) }</div>
                <div class={classes!("figure", (eo.lost > 0).then_some("bad"))} title="The oracle: records a fully committed checkpoint's offsets cover that were neither committed nor still in the pipeline">
                    <span class="v" data-testid="lost">{ eo.lost.to_string() }</span>{ span_c("k", "lost".into()) }</div>
            </div>
            if v.has_sink {
                <div class="recent-output" title="The last records committed to the external system: (source subtask:sequence number) in transaction">
                    { span_c("muted", "Latest committed: ".into()) }
                    { if v.recent.is_empty() { "nothing yet".to_string() } else { v.recent.join(" · ") } }
                </div>
            }
            { p_c("why", why.into()) }
        </section>
    }
}

pane_view!(CoordinatorProps, coordinator);
pane_view!(InspectorProps, inspector);
pane_view!(SettingsProps, settings);
pane_view!(ExactlyOnceProps, exactly_once);
