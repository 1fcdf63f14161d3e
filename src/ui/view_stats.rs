//! Checkpoint statistics as Flink's web UI shows them on the Checkpoints tab, with the names of
//! its REST API: overview counts, latest completed / failed / savepoint / restore, the history
//! table (newest first; clicking a row jumps to that checkpoint's trigger time), the summary
//! (min / avg / max) and the per-subtask details of the selected checkpoint.

use super::app::{App, Msg, UiState};
use super::format::{bytes, dur_us};
use crate::sim::ids::{CheckpointId, SimTime};
use crate::sim::stats::{CheckpointStatsEntry, CheckpointStatus, StatsSummary};
use crate::sim::Simulation;
use yew::html::Scope;
use yew::prelude::*;

/// Rows rendered before "show all", in a box that scrolls after about ten (Flink's
/// `web.checkpoints.history` default is 10 rows; a few more stay reachable here).
pub const HISTORY_ROWS: usize = 30;

fn status_class(s: CheckpointStatus) -> &'static str {
    match s {
        CheckpointStatus::InProgress => "in-progress",
        CheckpointStatus::Completed => "completed",
        CheckpointStatus::Failed => "failed",
    }
}

fn badge(s: CheckpointStatus) -> Html {
    html! { <span class={classes!("badge", status_class(s))}>{ s.name() }</span> }
}

fn ms_opt(t: Option<SimTime>) -> String {
    t.map(|t| format!("{} ms", t.as_ms()))
        .unwrap_or_else(|| "n/a".into())
}

pub fn checkpoints(sim: &Simulation, ui: &UiState, link: &Scope<App>) -> Html {
    let stats = sim.stats();
    let c = stats.counts;
    let count = |label: &'static str,
                 testid: &'static str,
                 v: u64,
                 cls: &'static str,
                 title: &'static str| {
        html! {
            <div class={classes!("count", cls)} title={title}>
                <span class="count-value" data-testid={testid}>{ v.to_string() }</span>
                <span class="count-label">{ label }</span>
            </div>
        }
    };
    let history = stats.history();
    let shown: Vec<&CheckpointStatsEntry> = if ui.show_all_history {
        history.iter().rev().collect()
    } else {
        history.iter().rev().take(HISTORY_ROWS).collect()
    };
    html! {
        <section class="panel checkpoints" data-testid="checkpoints" aria-label="Checkpoints">
            <h2>{ "Checkpoints" }<span class="muted">{ " · as Flink's web UI shows them" }</span></h2>
            <div class="counts">
                { count("Triggered", "count-total", c.total, "total", "counts.total: checkpoints triggered (including savepoints)") }
                { count("In progress", "count-in-progress", c.in_progress, "in-progress", "counts.in_progress: pending checkpoints") }
                { count("Completed", "count-completed", c.completed, "completed", "counts.completed") }
                { count("Failed", "count-failed", c.failed, "failed", "counts.failed: aborted checkpoints (any reason)") }
                { count("Restored", "count-restored", c.restored, "restored", "counts.restored: restores from a checkpoint after a failover") }
            </div>
            { latest(sim) }
            <div class="table-scroll history-scroll">
            <table class="history" data-testid="history">
                <thead>
                    <tr>
                        <th title="id">{ "ID" }</th>
                        <th title="status">{ "Status" }</th>
                        <th title="Acknowledged: num_acknowledged_subtasks / num_subtasks">{ "Acked" }</th>
                        <th title="Trigger time: trigger_timestamp (ms)">{ "Trigger" }</th>
                        <th title="Latest acknowledgement: latest_ack_timestamp (ms)">{ "Ack" }</th>
                        <th title="End to end duration: end_to_end_duration (ms)">{ "E2E" }</th>
                        <th title="Checkpointed data size: state_size">{ "Size" }</th>
                        <th title="Persisted in-flight data (unaligned checkpoints): persisted_data">{ "Persisted" }</th>
                    </tr>
                </thead>
                <tbody>
                    if shown.is_empty() {
                        <tr class="empty"><td colspan="8">{ if sim.coordinator().config.interval_ms.is_none() {
                            "Checkpointing is off (no interval): trigger one by hand or set an interval." } else {
                            "No checkpoint triggered yet: the first comes after a random delay between min pause and the interval." } }</td></tr>
                    }
                    { for shown.iter().map(|e| history_row(e, ui, link)) }
                </tbody>
            </table>
            </div>
            if history.len() > HISTORY_ROWS {
                <button class="link" onclick={ let all = ui.show_all_history; link.callback(move |_| Msg::ShowAllHistory(!all)) }>
                    { if ui.show_all_history { format!("Show the latest {HISTORY_ROWS} only") } else { format!("Show all {} checkpoints", history.len()) } }
                </button>
            }
            { details(sim, ui) }
            { summary(sim) }
        </section>
    }
}

fn history_row(e: &CheckpointStatsEntry, ui: &UiState, link: &Scope<App>) -> Html {
    let id = e.id.0;
    let selected = ui.selected_checkpoint == Some(id);
    let title = match (e.status, e.failure_reason) {
        (CheckpointStatus::Failed, Some(r)) => format!("Checkpoint {id} FAILED: {} — {} Click to jump to its trigger time.", r.name(), r.explain()),
        (CheckpointStatus::InProgress, _) => format!("Checkpoint {id} is pending: {} of {} subtasks have acknowledged. Click to jump to its trigger time.", e.num_acknowledged_subtasks, e.num_subtasks),
        _ => format!("Checkpoint {id} COMPLETED: every subtask acknowledged and its metadata is written. Click to jump to its trigger time."),
    };
    html! {
        <tr class={classes!("row", status_class(e.status), selected.then_some("selected"))}
            data-testid={format!("checkpoint-row-{id}")} data-status={e.status.name()}
            onclick={link.callback(move |_| Msg::SelectCheckpoint(id))} title={title}>
            <td class="num">{ id.to_string() }{ if e.is_savepoint { " SP" } else { "" } }</td>
            <td>{ badge(e.status) }
                <span class={classes!("type", e.checkpoint_type().to_lowercase())} title={format!("checkpoint_type: {}", e.checkpoint_type())}>
                    { match e.checkpoint_type() { "UNALIGNED_CHECKPOINT" => " unaligned", "SAVEPOINT" => " savepoint", _ => "" } }</span>
                if let Some(r) = e.failure_reason { <div class="reason" title={r.explain()}>{ r.name() }</div> }
            </td>
            <td class="num">{ format!("{}/{}", e.num_acknowledged_subtasks, e.num_subtasks) }</td>
            <td class="num">{ e.trigger_timestamp.as_ms().to_string() }</td>
            <td class="num">{ e.latest_ack_timestamp.map(|t| t.as_ms().to_string()).unwrap_or_else(|| "n/a".into()) }</td>
            <td class="num">{ format!("{} ms", e.end_to_end_duration_us() / 1000) }</td>
            <td class="num">{ bytes(e.state_size) }</td>
            <td class="num">{ bytes(e.persisted_data) }</td>
        </tr>
    }
}

fn latest(sim: &Simulation) -> Html {
    let stats = sim.stats();
    let get = |id: Option<CheckpointId>| id.and_then(|i| stats.get(i));
    let completed = get(stats.latest_completed);
    let failed = get(stats.latest_failed);
    let savepoint = get(stats.latest_savepoint);
    html! {
        <dl class="latest" data-testid="latest">
            <dt>{ "Latest completed" }</dt>
            <dd data-testid="latest-completed">{ match completed {
                Some(e) => format!("#{} · completed {} · {} ms end to end · {}", e.id, ms_opt(e.completion_timestamp), e.end_to_end_duration_us() / 1000, bytes(e.state_size)),
                None => stats.latest_completed.map(|i| format!("#{i}")).unwrap_or_else(|| "none".into()),
            } }</dd>
            <dt>{ "Latest failed" }</dt>
            <dd data-testid="latest-failed">{ match failed {
                Some(e) => html! { <>
                    { format!("#{} · failed {} · ", e.id, ms_opt(e.failure_timestamp)) }
                    if let Some(r) = e.failure_reason { <span class="reason" title={r.explain()}>{ r.name() }</span>
                        <span class="explain">{ format!(" — {}", r.explain()) }</span> }
                </> },
                None => html! { { stats.latest_failed.map(|i| format!("#{i}")).unwrap_or_else(|| "none".into()) } },
            } }</dd>
            <dt>{ "Latest savepoint" }</dt>
            <dd>{ match savepoint {
                Some(e) => format!("#{} · completed {}", e.id, ms_opt(e.completion_timestamp)),
                None => stats.latest_savepoint.map(|i| format!("#{i}")).unwrap_or_else(|| "none".into()),
            } }</dd>
            <dt>{ "Latest restore" }</dt>
            <dd data-testid="latest-restored">{ match stats.latest_restored {
                Some(r) => format!("from #{} at {} ms{}", r.id, r.restore_timestamp.as_ms(), if r.is_savepoint { " (savepoint)" } else { "" }),
                None => "none".into(),
            } }</dd>
        </dl>
    }
}

fn details(sim: &Simulation, ui: &UiState) -> Html {
    let Some(id) = ui.selected_checkpoint else {
        return html! { <p class="hint">{ "Click a row for the per-subtask details of that checkpoint; the animation jumps to its trigger time." }</p> };
    };
    let Some(e) = sim.stats().get(CheckpointId(id)) else {
        return html! { <p class="hint">{ format!("Checkpoint {id} has not been triggered at this point of the run.") }</p> };
    };
    let g = sim.graph();
    let Some(subs) = &e.subtasks else {
        return html! { <p class="hint">{ format!("Per-subtask details of checkpoint {id} were dropped here (only the latest {} checkpoints keep them); click its row to jump to its trigger time, where they are.", sim.stats().detail_limit()) }</p> };
    };
    let na = || html! { <td class="num na">{ "n/a" }</td> };
    html! {
        <div class="details" data-testid="checkpoint-details">
            <h3>{ format!("Checkpoint {id} · per subtask") }
                <span class="muted">{ format!(" · triggered {} ms · {}", e.trigger_timestamp.as_ms(), e.checkpoint_type()) }</span></h3>
            if let Some(r) = e.failure_reason {
                <p class="failure">{ badge(e.status) }<span class="reason">{ format!(" {}", r.name()) }</span><span class="explain">{ format!(" — {}", r.explain()) }</span></p>
            }
            <div class="table-scroll">
            <table class="subtask-details">
                <thead><tr>
                    <th>{ "Subtask" }</th>
                    <th title="ack_timestamp">{ "Ack" }</th>
                    <th title="end_to_end_duration: ack time - trigger time">{ "End to end" }</th>
                    <th title="sync_duration">{ "Sync" }</th>
                    <th title="async_duration">{ "Async" }</th>
                    <th title="alignment_duration: first to last barrier">{ "Alignment" }</th>
                    <th title="start_delay: trigger time to the first barrier">{ "Start delay" }</th>
                    <th title="unaligned_checkpoint">{ "Unaligned" }</th>
                    <th title="state_size">{ "State" }</th>
                    <th title="persisted_data">{ "Persisted" }</th>
                </tr></thead>
                <tbody>
                { for subs.iter().enumerate().map(|(i, s)| {
                    let name = g.subtasks.get(i).map(|t| t.name.clone()).unwrap_or_default();
                    match s {
                        Some(s) => { let m = &s.metrics; html! {
                            <tr data-testid={format!("checkpoint-subtask-{name}")}>
                                <td>{ name.clone() }</td>
                                <td class="num">{ format!("{} ms", s.ack_timestamp.as_ms()) }</td>
                                <td class="num">{ format!("{} ms", s.ack_timestamp.since(e.trigger_timestamp).as_ms()) }</td>
                                <td class="num">{ dur_us(m.sync_duration.0) }</td>
                                <td class="num">{ dur_us(m.async_duration.0) }</td>
                                <td class="num">{ dur_us(m.alignment_duration.0) }</td>
                                <td class="num">{ dur_us(m.start_delay.0) }</td>
                                <td>{ if m.unaligned_checkpoint { "yes" } else { "no" } }</td>
                                <td class="num">{ bytes(m.state_size) }</td>
                                <td class="num">{ bytes(m.persisted_data) }</td>
                            </tr>
                        } }
                        None => html! {
                            <tr class="pending" data-testid={format!("checkpoint-subtask-{name}")} title="This subtask has not acknowledged this checkpoint (pending subtasks show n/a)">
                                <td>{ name.clone() }</td>
                                { na() }{ na() }{ na() }{ na() }{ na() }{ na() }<td class="na">{ "n/a" }</td>{ na() }{ na() }
                            </tr>
                        },
                    }
                }) }
                </tbody>
            </table>
            </div>
        </div>
    }
}

fn summary(sim: &Simulation) -> Html {
    let s = sim.stats();
    let row = |name: &'static str,
               rest: &'static str,
               v: &StatsSummary,
               f: &dyn Fn(u64) -> String| {
        html! {
            <tr title={rest}>
                <td>{ name }</td>
                <td class="num">{ if v.count == 0 { "n/a".into() } else { f(v.min) } }</td>
                <td class="num">{ if v.count == 0 { "n/a".into() } else { f(v.avg()) } }</td>
                <td class="num">{ if v.count == 0 { "n/a".into() } else { f(v.max) } }</td>
                <td class="num">{ if v.count == 0 { "n/a".into() } else { f(v.percentile(99)) } }</td>
            </tr>
        }
    };
    let ms = |v: u64| format!("{v} ms");
    let b = |v: u64| bytes(v);
    html! {
        <table class="summary" data-testid="summary">
            <thead><tr><th>{ "Summary (completed)" }</th><th>{ "Min" }</th><th>{ "Avg" }</th><th>{ "Max" }</th><th>{ "p99" }</th></tr></thead>
            <tbody>
                { row("End to end duration", "summary.end_to_end_duration", &s.end_to_end_duration, &ms) }
                { row("Checkpointed data size", "summary.state_size / checkpointed_size", &s.state_size, &b) }
                { row("Persisted data", "summary.persisted_data", &s.persisted_data, &b) }
            </tbody>
        </table>
    }
}
