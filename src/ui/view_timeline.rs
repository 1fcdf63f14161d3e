//! The timeline: a strip of the checkpoints over simulated time coloured by status (Flink's
//! colours), the injected faults, the failovers and the narration steps, with the slider that
//! scrubs back and forward (value = simulated ms on screen, max = furthest ms reached). While
//! rewound, the checkpoints ahead (as they were at the furthest point) are drawn faded. A yew
//! function component: its props are the view model of [`super::timeline_model`] and a
//! `Callback`.

use super::format::fixed;
use super::timeline_model::{Tick, TimelineView};
use super::view_html::{span_c, spans_titled, svg_title};
use super::view_pane::{pane, pane_view};
use crate::sim::stats::CheckpointStatus;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

const W: f64 = 1000.0;
const LANE_H: f64 = 9.0;
const TOP: f64 = 4.0;

#[derive(PartialEq)]
pub struct TimelineProps {
    pub view: TimelineView,
    /// Go to a simulated time in ms (the slider, or a click on the strip).
    pub on_scrub: Callback<u64>,
}

/// The timeline (hooks `timeline-strip`, `timeline-slider`, `strip-legend`).
pub fn timeline(props: &TimelineProps) -> Html {
    let v = &props.view;
    let (now, furthest, selected) = (v.now, v.furthest, v.selected);
    let span_us = v.span_us() as f64;
    let x = |us: u64| (us as f64 / span_us * W).clamp(0.0, W);
    let h = TOP * 2.0 + v.lanes as f64 * LANE_H + 10.0;
    let on_slider = props.on_scrub.reform(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        i.value().parse().unwrap_or(0)
    });
    let on_click = props.on_scrub.reform(move |e: MouseEvent| {
        let el: web_sys::Element = e.target_unchecked_into();
        let svg = el.closest("svg").ok().flatten().unwrap_or(el);
        let rect = svg.get_bounding_client_rect();
        let f = ((e.client_x() as f64 - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
        (f * span_us / 1000.0) as u64
    });
    let tick = |cls: &'static str, t: &Tick, y: String, width: &'static str, height: String| {
        html! {
            <rect class={cls} x={fixed(x(t.at_us), 2)} y={y} width={width} height={height}>
                { svg_title(t.title.clone()) }
            </rect>
        }
    };
    html! {
        <div class="timeline" aria-label="Timeline">
            <svg class="strip" data-testid="timeline-strip" viewBox={format!("0 0 1000 {}", fixed(h, 1))} preserveAspectRatio="none"
                onclick={on_click} role="img" aria-label="Checkpoints over simulated time">
                <rect class="strip-bg" x="0" y="0" width="1000" height={fixed(h, 1)} />
                if now < furthest {
                    <rect class="ahead-zone" x={fixed(x(now.0), 2)} y="0" width={fixed(x(furthest.0) - x(now.0), 2)} height={fixed(h, 1)}>
                        <title>{ "Ahead of the frame on screen: the run as it went on up to the furthest point reached (injecting a fault here forks it)" }</title>
                    </rect>
                }
                { for v.bars.iter().map(|b| {
                    let (e, is_ahead, lane) = (&b.entry, b.ahead, &b.lane);
                    let (s, t) = (b.start_us, b.end_us);
                    let cls = classes!("cp", match e.status { CheckpointStatus::Completed => "completed", CheckpointStatus::Failed => "failed", CheckpointStatus::InProgress => "in-progress" },
                        e.savepoint.then_some("savepoint"), is_ahead.then_some("ahead"), (selected == Some(e.id.0)).then_some("selected"));
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
                        <rect class={cls} data-checkpoint={e.id.0.to_string()} x={fixed(x(s), 2)} y={fixed(TOP + *lane as f64 * LANE_H, 1)}
                            width={fixed((x(t) - x(s)).max(1.5), 2)} height={fixed(LANE_H - 2.0, 1)}>
                            { svg_title(title) }
                        </rect>
                    }
                }) }
                { for v.steps.iter().map(|t| tick("step-tick", t, fixed(h - 6.0, 1), "1.2", "6".into())) }
                { for v.faults.iter().map(|t| tick("fault-tick", t, "0".into(), "2", fixed(h, 1))) }
                { for v.restarts.iter().map(|t| tick("restart-tick", t, "0".into(), "2", fixed(h, 1))) }
                <rect class="now-cursor" x={fixed(x(now.0) - 1.0, 2)} y="0" width="2" height={fixed(h, 1)} />
            </svg>
            <div class="slider-row">
                { span_c("t0", "0 ms".into()) }
                <input data-testid="timeline-slider" type="range" min="0" max={furthest.as_ms().to_string()} step="1"
                    value={now.as_ms().to_string()} oninput={on_slider}
                    title="Scrub back and forward through the run: every frame is re-simulated exactly"
                    aria-label="Simulated time (ms)" />
                { span_c("t1", format!("{} ms", furthest.as_ms()).into()) }
                { pane(Rc::new(StripLegend)) }
            </div>
        </div>
    }
}

/// The strip's colours and ticks: (class, what it is, its name).
const STRIP_LEGEND: [(&str, &str, &str); 6] = [
    (
        "sl sl-completed",
        "A completed checkpoint, from trigger to completion",
        "completed",
    ),
    (
        "sl sl-failed",
        "A failed checkpoint, from trigger to abort",
        "failed",
    ),
    ("sl sl-progress", "A pending checkpoint", "pending"),
    (
        "sl sl-fault",
        "A fault you injected or the scenario's",
        "fault",
    ),
    ("sl sl-restart", "A failover (restart)", "restart"),
    ("sl sl-step", "A narration step of the story", "story step"),
];

/// The key to the timeline strip's colours and ticks.
#[derive(PartialEq)]
struct StripLegend;

fn strip_legend() -> Html {
    html! {
        <span class="strip-legend" data-testid="strip-legend" aria-label="Timeline legend">
            { spans_titled(&STRIP_LEGEND) }
        </span>
    }
}

pane_view!(TimelineProps, timeline);
pane_view!(StripLegend, |_: &StripLegend| strip_legend());
