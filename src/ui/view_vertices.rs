//! The Vertices tab: Flink's job vertex table (records and bytes received and sent, parallelism)
//! with each vertex's busy and backpressured time, and for the sources the rate they emit against
//! the rate they were asked for. A yew function component over [`super::vertex_model`].

use super::format::{bytes, fixed};
use super::vertex_model::{percent, rate, VerticesView};
use super::view_html::{span_c, ths};
use super::view_pane::pane_view;
use yew::prelude::*;

/// The vertex table's columns: (Flink's metrics, header).
const VERTEX_HEAD: [(&str, &str); 5] = [
    ("The job vertex (operator) and its parallelism", "Vertex"),
    ("read-records / read-bytes: what its subtasks received", "Received"),
    ("write-records / write-bytes: what its subtasks sent", "Sent"),
    ("busyTimeMsPerSecond: share of time spent processing, averaged over the subtasks' RUNNING time", "Busy"),
    ("backPressuredTimeMsPerSecond: share of time waiting for an output buffer (Flink: OK up to 10%, LOW up to 50%, HIGH above)", "Backpressured"),
];

/// The channel table's columns: (what it shows, header).
const EDGE_HEAD: [(&str, &str); 3] = [
    ("A job edge and its channels", "Channels"),
    ("Network buffers in use of the most the channels may hold; a full channel backpressures its producer", "Buffers in use"),
    ("Bytes sent and not yet consumed", "In flight"),
];

#[derive(PartialEq)]
pub struct VerticesProps {
    pub view: VerticesView,
}

pub fn vertices(props: &VerticesProps) -> Html {
    let v = &props.view;
    html! {
        <section class="panel vertices" data-testid="vertices" aria-label="Vertices">
            <p class={classes!("verdict", if v.ok { "ok" } else { "warn" })} data-testid="vertices-verdict">{ v.verdict.clone() }</p>
            <table class="vertices-table">
                <thead><tr>
                    { ths(&VERTEX_HEAD) }
                </tr></thead>
                <tbody>
                { for v.rows.iter().map(|r| html! {
                    <tr data-testid={format!("vertex-row-{}", r.name)} data-backpressured={r.backpressured.to_string()}>
                        <td>
                            { span_c("vname", r.name.clone().into()) }{ span_c("muted", format!(" ×{}", r.parallelism).into()) }
                            if let Some((out, asked)) = r.rate {
                                <div class={classes!("asked", (out < 0.95 * asked).then_some("short"))} data-testid={format!("vertex-rate-{}", r.name)}
                                    title="numRecordsOutPerSecond against records_per_sec × parallelism">
                                    { format!("emitting {} of {} records/s asked", rate(out), rate(asked)) }</div>
                            }
                        </td>
                        <td class="num">{ r.records_received.to_string() }<div class="muted">{ bytes(r.bytes_received) }</div></td>
                        <td class="num">{ r.records_sent.to_string() }<div class="muted">{ bytes(r.bytes_sent) }</div></td>
                        <td class="num">{ percent(r.busy) }</td>
                        <td class={classes!("num", "bp", r.level())}>
                            { percent(r.backpressured) }
                            if r.level() != "ok" { { span_c("level", (if r.level() == "high" { " HIGH" } else { " LOW" }).into()) } }
                            if r.backpressured_now > 0 {
                                <div class="now" title="Subtasks waiting for an output buffer right now">{ format!("now {}/{}", r.backpressured_now, r.parallelism) }</div>
                            }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            <table class="vertices-table edges">
                <thead><tr>
                    { ths(&EDGE_HEAD) }
                </tr></thead>
                <tbody>
                { for v.edges.iter().map(|e| {
                    let f = e.buffers as f64 / e.capacity.max(1) as f64;
                    html! {
                        <tr data-testid={format!("edge-row-{}-{}", e.from, e.to)} data-buffers={e.buffers.to_string()}>
                            <td>{ format!("{} → {}", e.from, e.to) }{ span_c("muted", format!(" ×{}", e.channels).into()) }</td>
                            <td class={classes!("num", (e.full > 0).then_some("bp"), (e.full > 0).then_some("high"))}>
                                <svg class="fill" width="40" height="6" viewBox="0 0 40 6" aria-hidden="true">
                                    <rect class="fillbar-bg" width="40" height="6" rx="2" />
                                    <rect class="fillbar-v" width={fixed(40.0 * f, 1)} height="6" rx="2" />
                                </svg>
                                { format!(" {}/{}", e.buffers, e.capacity) }
                            </td>
                            <td class="num">{ bytes(e.bytes) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </section>
    }
}

pane_view!(VerticesProps, vertices);
