//! The timeline: a strip of the checkpoints over simulated time coloured by status (Flink's
//! colours), the injected faults, the failovers and the narration steps, with the slider that
//! scrubs back and forward (value = simulated ms on screen, max = furthest ms reached). While
//! rewound, the checkpoints ahead (as they were at the furthest point) are drawn faded.

use super::app::{App, Msg, UiState};
use super::model::lanes;
use super::run::{Run, StripEntry};
use crate::sim::stats::CheckpointStatus;
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

const W: f64 = 1000.0;
const LANE_H: f64 = 9.0;
const TOP: f64 = 4.0;

pub fn timeline(run: &Run, ui: &UiState, link: &Scope<App>) -> Html {
    let sim = run.sim();
    let now = sim.now();
    let furthest = run.furthest().now;
    let span_us = furthest.0.max(now.0).max(1_000_000) as f64;
    let x = |us: u64| (us as f64 / span_us * W).clamp(0.0, W);
    let end_of = |e: &StripEntry| e.end.map(|t| t.0).unwrap_or(now.0);
    // Older checkpoints from the run's strip, the recent ones as the simulation has them now,
    // and (while rewound) the ones ahead as they were at the furthest point.
    let recent: Vec<StripEntry> = sim.stats().history().iter().map(StripEntry::from).collect();
    let current: Vec<&StripEntry> = run.older().iter().chain(recent.iter()).collect();
    let last_id = current.last().map(|e| e.last_id);
    let ahead: Vec<&StripEntry> = run
        .ahead()
        .iter()
        .filter(|e| Some(e.id) > last_id || e.trigger > now)
        .collect();
    let ahead_end = |e: &StripEntry| e.end.map(|t| t.0).unwrap_or(furthest.0);
    let all: Vec<&StripEntry> = current.iter().chain(ahead.iter()).copied().collect();
    let lane_of = lanes(&all, &|e| {
        if Some(e.id) > last_id {
            ahead_end(e)
        } else {
            end_of(e)
        }
    });
    let n_lanes = lane_of.iter().copied().max().map(|l| l + 1).unwrap_or(1);
    let h = TOP * 2.0 + n_lanes as f64 * LANE_H + 10.0;
    let on_scrub = link.callback(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Msg::Scrub(i.value().parse().unwrap_or(0))
    });
    let on_click = {
        let span = span_us;
        link.callback(move |e: MouseEvent| {
            let el: web_sys::Element = e.target_unchecked_into();
            let svg = el.closest("svg").ok().flatten().unwrap_or(el);
            let rect = svg.get_bounding_client_rect();
            let f = ((e.client_x() as f64 - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
            Msg::Scrub((f * span / 1000.0) as u64)
        })
    };
    let faults = sim.faults();
    let restarts = run
        .older_restarts()
        .iter()
        .map(|m| (m.at, m.cause.as_str(), m.restored_checkpoint_id))
        .chain(
            sim.job()
                .restarts
                .iter()
                .map(|r| (r.at, r.cause.as_str(), r.restored_checkpoint_id)),
        );
    let steps = &sim.scenario().steps;
    html! {
        <div class="timeline" aria-label="Timeline">
            <svg class="strip" data-testid="timeline-strip" viewBox={format!("0 0 {W} {h:.1}")} preserveAspectRatio="none"
                onclick={on_click} role="img" aria-label="Checkpoints over simulated time">
                <rect class="strip-bg" x="0" y="0" width={W.to_string()} height={format!("{h:.1}")} />
                if now < furthest {
                    <rect class="ahead-zone" x={format!("{:.2}", x(now.0))} y="0" width={format!("{:.2}", x(furthest.0) - x(now.0))} height={format!("{h:.1}")}>
                        <title>{ "Ahead of the frame on screen: the run as it went on up to the furthest point reached (injecting a fault here forks it)" }</title>
                    </rect>
                }
                { for all.iter().zip(lane_of.iter()).map(|(e, lane)| {
                    let is_ahead = Some(e.id) > last_id;
                    let (s, t) = (e.trigger.0, if is_ahead { ahead_end(e) } else { end_of(e) });
                    let cls = classes!("cp", match e.status { CheckpointStatus::Completed => "completed", CheckpointStatus::Failed => "failed", CheckpointStatus::InProgress => "in-progress" },
                        e.savepoint.then_some("savepoint"), is_ahead.then_some("ahead"), (ui.selected_checkpoint == Some(e.id.0)).then_some("selected"));
                    let what = if e.count() > 1 {
                        format!("Checkpoints {} to {} (merged; the worst status is shown)", e.id, e.last_id)
                    } else {
                        format!("{} {}", if e.savepoint { "Savepoint" } else { "Checkpoint" }, e.id)
                    };
                    let title = format!("{what} {}: triggered {} ms, {} ms end to end{}{}",
                        e.status.name(), e.trigger.as_ms(),
                        e.end_to_end_us / 1000,
                        e.failure_reason.map(|r| format!(" — {} ({}): {}", r.message(), r.name(), r.explain())).unwrap_or_default(),
                        if is_ahead { " (ahead of the frame on screen)" } else { "" });
                    html! {
                        <rect class={cls} data-checkpoint={e.id.0.to_string()} x={format!("{:.2}", x(s))} y={format!("{:.1}", TOP + *lane as f64 * LANE_H)}
                            width={format!("{:.2}", (x(t) - x(s)).max(1.5))} height={format!("{:.1}", LANE_H - 2.0)}>
                            <title>{ title }</title>
                        </rect>
                    }
                }) }
                { for steps.iter().map(|s| html! {
                    <rect class="step-tick" x={format!("{:.2}", x(s.at_ms * 1000))} y={format!("{:.1}", h - 6.0)} width="1.2" height="6">
                        <title>{ format!("{} ms: {}", s.at_ms, s.text) }</title>
                    </rect>
                }) }
                { for faults.iter().filter(|f| f.at_ms * 1000 <= furthest.0.max(now.0)).map(|f| html! {
                    <rect class="fault-tick" x={format!("{:.2}", x(f.at_ms * 1000))} y="0" width="2" height={format!("{h:.1}")}>
                        <title>{ format!("{} ms: fault {}", f.at_ms, f.fault.label()) }</title>
                    </rect>
                }) }
                { for restarts.map(|(at, cause, restored)| html! {
                    <rect class="restart-tick" x={format!("{:.2}", x(at.0))} y="0" width="2" height={format!("{h:.1}")}>
                        <title>{ format!("{} ms: failover ({cause}){}", at.as_ms(), restored.map(|c| format!(", restored checkpoint {c}")).unwrap_or_default()) }</title>
                    </rect>
                }) }
                <rect class="now-cursor" x={format!("{:.2}", x(now.0) - 1.0)} y="0" width="2" height={format!("{h:.1}")} />
            </svg>
            <div class="slider-row">
                <span class="t0">{ "0 ms" }</span>
                <input data-testid="timeline-slider" type="range" min="0" max={furthest.as_ms().to_string()} step="1"
                    value={now.as_ms().to_string()} oninput={on_scrub}
                    title="Scrub back and forward through the run: every frame is re-simulated exactly"
                    aria-label="Simulated time (ms)" />
                <span class="t1">{ format!("{} ms", furthest.as_ms()) }</span>
                { strip_legend() }
            </div>
        </div>
    }
}

/// The key to the timeline strip's colours and ticks.
fn strip_legend() -> Html {
    html! {
        <span class="strip-legend" data-testid="strip-legend" aria-label="Timeline legend">
            <span class="sl sl-completed" title="A completed checkpoint, from trigger to completion">{ "completed" }</span>
            <span class="sl sl-failed" title="A failed checkpoint, from trigger to abort">{ "failed" }</span>
            <span class="sl sl-progress" title="A pending checkpoint">{ "pending" }</span>
            <span class="sl sl-fault" title="A fault you injected or the scenario's">{ "fault" }</span>
            <span class="sl sl-restart" title="A failover (restart)">{ "restart" }</span>
            <span class="sl sl-step" title="A narration step of the story">{ "story step" }</span>
        </span>
    }
}
