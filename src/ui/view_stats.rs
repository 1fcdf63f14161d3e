//! Checkpoint statistics as Flink's web UI shows them on the Checkpoints tab, with the names of
//! its REST API: overview counts, latest completed / failed / savepoint / restore, the history
//! table (newest first; clicking a row expands it in place, as Flink's UI does, with the
//! per-subtask details of that checkpoint as it finished, and a separate "show in animation"
//! jumps to its trigger time) and the summary (min / avg / max). Yew function components whose
//! props are the view model of [`super::stats_model`] and `Callback`s.

use super::format::{bytes, dur_us};
use super::stats_model::{DetailsView, StatsView, SummaryLine, HISTORY_ROWS};
use super::view_pane::pane_view;
use crate::sim::ids::SimTime;
use crate::sim::stats::{CheckpointStatsEntry, CheckpointStatus, Counts};
use yew::prelude::*;

use super::model::status_class;
use super::view_html::{p_c, span_c, td, td_num, ths};

fn badge(s: CheckpointStatus) -> Html {
    html! { <span class={classes!("badge", status_class(s))}>{ s.name() }</span> }
}

/// A duration in µs as a bare number of ms (the table's header carries the unit).
fn ms_num(us: u64) -> String {
    dur_us(us).trim_end_matches(" ms").to_string()
}

fn ms_opt(t: Option<SimTime>) -> String {
    t.map(|t| format!("{} ms", t.as_ms()))
        .unwrap_or_else(|| "n/a".into())
}

/// The history table's columns: (Flink's field, header).
const HISTORY_HEAD: [(&str, &str); 8] = [
    ("id", "ID"),
    ("status", "Status"),
    (
        "Acknowledged: num_acknowledged_subtasks / num_subtasks",
        "Acked",
    ),
    ("Trigger time: trigger_timestamp (ms)", "Trigger"),
    ("Latest acknowledgement: latest_ack_timestamp (ms)", "Ack"),
    ("End to end duration: end_to_end_duration (ms)", "E2E ms"),
    ("Checkpointed data size: state_size", "Size"),
    (
        "Persisted in-flight data (unaligned checkpoints): persisted_data",
        "Persisted",
    ),
];

/// The per-subtask details' columns after the subtask: (Flink's field, header).
const DETAILS_HEAD: [(&str, &str); 9] = [
    ("ack_timestamp (ms)", "Acked at"),
    ("end_to_end_duration (ms): ack time - trigger time", "E2E"),
    ("sync_duration (ms)", "Sync"),
    ("async_duration (ms)", "Async"),
    ("alignment_duration (ms): first to last barrier", "Align"),
    (
        "start_delay (ms): trigger time to the first barrier",
        "Delay",
    ),
    ("unaligned_checkpoint", "Unal."),
    ("state_size", "State"),
    ("persisted_data", "Persisted"),
];

#[derive(PartialEq)]
pub struct CheckpointsProps {
    pub view: StatsView,
    /// A row clicked (or Enter on it): expand it in place, or fold it.
    pub on_expand: Callback<u64>,
    /// "Show in animation": jump to the checkpoint's trigger time.
    pub on_show: Callback<u64>,
    /// "Show all" / "show the latest N only".
    pub on_show_all: Callback<bool>,
}

/// The Checkpoints tab (hook `checkpoints`).
pub fn checkpoints(props: &CheckpointsProps) -> Html {
    let v = &props.view;
    let all = v.show_all;
    html! {
        <section class="panel checkpoints" data-testid="checkpoints" aria-label="Checkpoints">
            { latest(v) }
            <div class="table-scroll history-scroll">
            <table class="history" data-testid="history">
                <thead>
                    <tr>
                        { ths(&HISTORY_HEAD) }
                    </tr>
                </thead>
                <tbody>
                    if v.rows.is_empty() {
                        <tr class="empty"><td colspan="8">{ if v.checkpointing_off {
                            "Checkpointing is off (no interval): trigger one by hand or set an interval." } else {
                            "No checkpoint triggered yet: the first comes after a random delay between min pause and the interval." } }</td></tr>
                    }
                    { for v.rows.iter().map(|e| history_row(e, v, props)) }
                </tbody>
            </table>
            </div>
            if v.total > HISTORY_ROWS {
                <button class="link" onclick={props.on_show_all.reform(move |_: MouseEvent| !all)}>
                    { if all { format!("Show the latest {HISTORY_ROWS} only") } else { format!("Show all {} checkpoints", v.total) } }
                </button>
            }
            if v.selected.is_none() {
                { p_c("hint", "Click a row for the per-subtask details of that checkpoint.".into()) }
            }
            { summary(&v.summary) }
        </section>
    }
}

#[derive(PartialEq)]
pub struct CountsProps {
    pub counts: Counts,
}

/// Flink's overview counts, always in view above the tabs: a function component that renders
/// again only when a count changes.
pub fn counts_view(props: &CountsProps) -> Html {
    let c = props.counts;
    let count = |label: &'static str,
                 testid: &'static str,
                 v: u64,
                 cls: &'static str,
                 title: &'static str| {
        html! {
            <div class={classes!("count", cls)} title={title}>
                <span class="count-value" data-testid={testid}>{ v.to_string() }</span>
                { span_c("count-label", label.into()) }
            </div>
        }
    };
    html! {
        <div class="counts" data-testid="counts">
            { count("Triggered", "count-total", c.total, "total", "counts.total: checkpoints triggered (including savepoints)") }
            { count("In progress", "count-in-progress", c.in_progress, "in-progress", "counts.in_progress: pending checkpoints") }
            { count("Completed", "count-completed", c.completed, "completed", "counts.completed") }
            { count("Failed", "count-failed", c.failed, "failed", "counts.failed: aborted checkpoints (any reason)") }
            { count("Restored", "count-restored", c.restored, "restored", "counts.restored: restores from a checkpoint after a failover") }
        </div>
    }
}

fn history_row(e: &CheckpointStatsEntry, v: &StatsView, props: &CheckpointsProps) -> Html {
    let id = e.id.0;
    let expanded = v.selected == Some(id);
    let title = match (e.status, e.failure_reason) {
        (CheckpointStatus::Failed, Some(r)) => format!("Checkpoint {id} FAILED: {} ({}) — {} Click for its per-subtask details.", r.message(), r.name(), r.explain()),
        (CheckpointStatus::InProgress, _) => format!("Checkpoint {id} is pending: {} of {} subtasks have acknowledged. Click for its per-subtask details.", e.num_acknowledged_subtasks, e.num_subtasks),
        _ => format!("Checkpoint {id} COMPLETED: every subtask acknowledged and its metadata is written. Click for its per-subtask details."),
    };
    let toggle = props.on_expand.reform(move |_: MouseEvent| id);
    let on_enter = props.on_expand.clone();
    let on_key = Callback::from(move |k: KeyboardEvent| {
        if k.key() == "Enter" {
            on_enter.emit(id);
        }
    });
    html! {
        <>
        <tr class={classes!("row", status_class(e.status), expanded.then_some("selected"))}
            data-testid={format!("checkpoint-row-{id}")} data-status={e.status.name()}
            onclick={toggle} onkeydown={on_key} tabindex="0" aria-expanded={expanded.to_string()} title={title}>
            <td class="num">{ if expanded { "▾ " } else { "▸ " } }{ id.to_string() }{ if e.is_savepoint { " SP" } else { "" } }</td>
            <td>{ badge(e.status) }
                <span class={classes!("type", match e.checkpoint_type() { "UNALIGNED_CHECKPOINT" => "unaligned_checkpoint", "SAVEPOINT" => "savepoint", _ => "checkpoint" })} title={format!("checkpoint_type: {}", e.checkpoint_type())}>
                    { match e.checkpoint_type() { "UNALIGNED_CHECKPOINT" => " unaligned", "SAVEPOINT" => " savepoint", _ => "" } }</span>
                if let Some(r) = e.failure_reason { <div class="reason" title={format!("{} — {}", r.name(), r.explain())} data-reason={r.name()}>{ r.message() }</div> }
            </td>
            { td_num(format!("{}/{}", e.num_acknowledged_subtasks, e.num_subtasks)) }
            { td_num(e.trigger_timestamp.as_ms().to_string()) }
            { td_num(e.latest_ack_timestamp.map(|t| t.as_ms().to_string()).unwrap_or_else(|| "n/a".into())) }
            { td_num((e.end_to_end_duration_us() / 1000).to_string()) }
            { td_num(bytes(e.state_size)) }
            { td_num(bytes(e.persisted_data)) }
        </tr>
        if let (true, Some(d)) = (expanded, &v.details) {
            <tr class="details-row" data-testid={format!("checkpoint-details-{id}")}>
                <td colspan="8">{ details(d, props.on_show.reform(move |_: MouseEvent| id)) }</td>
            </tr>
        }
        </>
    }
}

fn latest(v: &StatsView) -> Html {
    let id_or_none = |id: Option<u64>| id.map(|i| format!("#{i}")).unwrap_or_else(|| "none".into());
    html! {
        <dl class="latest" data-testid="latest">
            <dt>{ "Latest completed" }</dt>
            <dd data-testid="latest-completed">{ match &v.latest_completed.1 {
                Some(e) => format!("#{} · completed at {} · {} ms end to end · {}", e.id, ms_opt(e.completion_timestamp), e.end_to_end_duration_us() / 1000, bytes(e.state_size)),
                None => id_or_none(v.latest_completed.0),
            } }</dd>
            <dt>{ "Latest failed" }</dt>
            <dd data-testid="latest-failed">{ match &v.latest_failed.1 {
                Some(e) => html! { <>
                    { format!("#{} · failed at {} · ", e.id, ms_opt(e.failure_timestamp)) }
                    if let Some(r) = e.failure_reason { <span class="reason" title={format!("{} — {}", r.name(), r.explain())} data-reason={r.name()}>{ r.message() }</span>
                        { span_c("explain", format!(" — {}", r.explain()).into()) } }
                </> },
                None => html! { { id_or_none(v.latest_failed.0) } },
            } }</dd>
            <dt>{ "Latest savepoint" }</dt>
            <dd>{ match &v.latest_savepoint.1 {
                Some(e) => format!("#{} · completed at {}", e.id, ms_opt(e.completion_timestamp)),
                None => id_or_none(v.latest_savepoint.0),
            } }</dd>
            <dt>{ "Latest restore" }</dt>
            <dd data-testid="latest-restored">{ match v.latest_restored {
                Some(r) => format!("from #{} at {} ms{}", r.id, r.restore_timestamp.as_ms(), if r.is_savepoint { " (savepoint)" } else { "" }),
                None => "none".into(),
            } }</dd>
        </dl>
    }
}

/// A figure a subtask has not reported (it has not acknowledged).
#[inline(never)]
fn na() -> Html {
    html! { <td class="num na">{ "n/a" }</td> }
}

/// The per-subtask details of an expanded row, with its "show in animation" button.
fn details(d: &DetailsView, show: Callback<MouseEvent>) -> Html {
    let e: &CheckpointStatsEntry = &d.entry;
    let id = e.id.0;
    let as_of = &d.as_of;
    html! {
        <div class="details" data-testid="checkpoint-details">
            <div class="details-head">
                <strong>{ format!("Checkpoint {id} per subtask") }</strong>
                { span_c("muted", format!(" · {} · {as_of}", e.checkpoint_type()).into()) }
                <button class="small" data-testid={format!("show-in-animation-{id}")} onclick={show}
                    title="Jump the animation to this checkpoint's trigger time (these details stay)">{ "Show in animation" }</button>
            </div>
            if let Some(r) = e.failure_reason {
                <p class="failure">{ badge(e.status) }<span class="reason" title={r.name()} data-reason={r.name()}>{ format!(" {}", r.message()) }</span>{ span_c("explain", format!(" — {}", r.explain()).into()) }</p>
            }
            if let Some(subs) = &e.subtasks {
            { p_c("units muted", "Times in ms.".into()) }
            <table class="subtask-details">
                <thead><tr>
                    <th>{ "Subtask" }</th>
                    { ths(&DETAILS_HEAD) }
                </tr></thead>
                <tbody>
                { for subs.iter().enumerate().map(|(i, s)| {
                    let name = d.names.get(i).cloned().unwrap_or_default();
                    match s {
                        Some(s) => { let m = &s.metrics; html! {
                            <tr data-testid={format!("checkpoint-subtask-{name}")}>
                                { td(name.clone()) }
                                { td_num(s.ack_timestamp.as_ms().to_string()) }
                                { td_num(s.ack_timestamp.since(e.trigger_timestamp).as_ms().to_string()) }
                                { td_num(ms_num(m.sync_duration.0)) }
                                { td_num(ms_num(m.async_duration.0)) }
                                { td_num(ms_num(m.alignment_duration.0)) }
                                { td_num(ms_num(m.start_delay.0)) }
                                { td((if m.unaligned_checkpoint { "yes" } else { "no" }).to_string()) }
                                { td_num(bytes(m.state_size)) }
                                { td_num(bytes(m.persisted_data)) }
                            </tr>
                        } }
                        None => html! {
                            <tr class="pending" data-testid={format!("checkpoint-subtask-{name}")} title="This subtask has not acknowledged this checkpoint (n/a)">
                                { td(name.clone()) }
                                { na() }{ na() }{ na() }{ na() }{ na() }{ na() }<td class="na">{ "n/a" }</td>{ na() }{ na() }
                            </tr>
                        },
                    }
                }) }
                </tbody>
            </table>
            } else {
                { p_c("hint", format!("Per-subtask details are kept for the newest {} checkpoints only; \"Show in animation\" goes to its trigger time, where they are again.", d.detail_limit).into()) }
            }
        </div>
    }
}

fn summary(lines: &[SummaryLine]) -> Html {
    html! {
        <table class="summary" data-testid="summary">
            <thead><tr><th>{ "Summary (completed)" }</th><th>{ "Min" }</th><th>{ "Avg" }</th><th>{ "Max" }</th><th>{ "p99" }</th></tr></thead>
            <tbody>
            { for lines.iter().map(|l| {
                let f = |v: u64| if l.bytes { bytes(v) } else { format!("{v} ms") };
                let cell = |i: usize| l.figures.map_or_else(|| "n/a".to_string(), |v| f(v[i]));
                html! {
                    <tr title={l.field}>
                        { td(l.name.to_string()) }
                        { td_num(cell(0)) }
                        { td_num(cell(1)) }
                        { td_num(cell(2)) }
                        { td_num(cell(3)) }
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}

pane_view!(CheckpointsProps, checkpoints);
pane_view!(CountsProps, counts_view);
