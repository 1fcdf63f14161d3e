//! The What-if panel (hook `whatif-panel`): the variants to run (`whatif-variant-{i}`), the
//! results as the sweep's table (`whatif-table`, `whatif-row-{i}`: click to open the variant in
//! the animation), the guided answers (`whatif-answer`) and three hand-drawn SVG charts
//! (`whatif-chart-completion`, `whatif-chart-e2e`, `whatif-chart-timeline`). It only shows
//! [`whatif_model`] and sends [`WhatIfInput`]s.

use super::whatif_model::{self as m, Slot, VariantForm, WhatIfInput, FIELDS, PRESETS};
use crate::sweep::answers::QUESTIONS;
use crate::sweep::fields::PATHS;
use crate::sweep::output::{duration, table_cells, table_header};
use crate::sweep::whatif::VariantResult;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WhatIfProps {
    pub forms: Rc<Vec<VariantForm>>,
    /// The forms the results were run with.
    pub ran: Rc<Vec<VariantForm>>,
    pub until: String,
    pub slots: Rc<Vec<Slot>>,
    pub answers: Option<Rc<[String; 3]>>,
    pub error: Option<String>,
    /// e.g. "3 of 6 variants done, 4.2 s".
    pub status: String,
    /// Wall time of the last finished run (ms).
    pub wall_ms: Option<f64>,
    pub running: bool,
    pub on: Callback<WhatIfInput>,
}

fn vclass(i: usize) -> String {
    format!("v{}", i % m::MAX_VARIANTS)
}

#[function_component(WhatIfPanel)]
pub fn whatif_panel(p: &WhatIfProps) -> Html {
    let on = p.on.clone();
    let send = move |i: WhatIfInput| {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(i.clone()))
    };
    let full = p.forms.len() >= m::MAX_VARIANTS;
    let editor = p.forms.iter().enumerate().map(|(i, f)| {
        let cells = f.values.iter().enumerate().map(|(k, v)| {
            let on = p.on.clone();
            let change = Callback::from(move |e: Event| {
                let t: HtmlInputElement = e.target_unchecked_into();
                on.emit(WhatIfInput::Edit(i, k, t.value()));
            });
            html! { <td><input type="text" value={v.clone()} placeholder={FIELDS[k].1} onchange={change}
                aria-label={format!("{} {}", m::name(i), FIELDS[k].0)} title={PATHS[k]} /></td> }
        });
        html! {
            <tr data-testid={format!("whatif-variant-{i}")}>
                <th class={vclass(i)}>{ m::name(i) }</th>
                { for cells }
                <td><button class="link" onclick={send(WhatIfInput::Remove(i))} title="Remove this variant" aria-label={format!("Remove {}", m::name(i))}>{ "×" }</button></td>
            </tr>
        }
    });
    let on_until = {
        let on = p.on.clone();
        Callback::from(move |e: Event| {
            let t: HtmlInputElement = e.target_unchecked_into();
            on.emit(WhatIfInput::Until(t.value()));
        })
    };
    let done: Vec<(usize, &VariantResult)> = p
        .slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Slot::Done(r) => Some((i, r.as_ref())),
            _ => None,
        })
        .collect();
    html! {
        <div class="overlay whatif-overlay">
            <div class="dialog whatif" role="dialog" aria-label="What if" data-testid="whatif-panel">
                <div class="whatif-head">
                    <h2>{ "What if…" }</h2>
                    <span class="muted">{ "Variants of this job's scenario (as loaded, with this seed), run side by side in the background: empty fields stay as now." }</span>
                    <button class="dismiss" onclick={send(WhatIfInput::Close)} title="Close" aria-label="Close">{ "×" }</button>
                </div>
                <div class="whatif-scroll">
                    <table class="whatif-form">
                        <thead><tr><th />{ for FIELDS.iter().zip(PATHS).map(|(f, p)| html! { <th title={p}>{ f.0 }</th> }) }<th /></tr></thead>
                        <tbody>{ for editor }</tbody>
                    </table>
                </div>
                <div class="whatif-buttons">
                    <button disabled={full} data-testid="whatif-add" onclick={send(WhatIfInput::Add(None))}>{ "+ variant" }</button>
                    { for PRESETS.iter().enumerate().map(|(k, (hook, text, _, _))| html! {
                        <button disabled={full} data-testid={format!("whatif-add-{hook}")} onclick={send(WhatIfInput::Add(Some(k)))}>{ *text }</button>
                    }) }
                    <label class="field">
                        <span class="label">{ "simulate" }</span>
                        <input type="text" data-testid="whatif-until" value={p.until.clone()} onchange={on_until} aria-label="Simulated time per variant" />
                    </label>
                    <button class="primary" data-testid="whatif-run" disabled={p.running} onclick={send(WhatIfInput::Run)}>{ if p.running { "Running…" } else { "▶ Run" } }</button>
                    <span class="muted" data-testid="whatif-status" data-wall-ms={p.wall_ms.map(|ms| format!("{ms:.0}"))}>{ p.status.clone() }</span>
                </div>
                if let Some(e) = &p.error { <div class="banner error" role="alert" data-testid="whatif-error">{ e.clone() }</div> }
                if !p.slots.is_empty() { { results(p, &done) } }
            </div>
        </div>
    }
}

fn results(p: &WhatIfProps, done: &[(usize, &VariantResult)]) -> Html {
    let rows = p.slots.iter().enumerate().map(|(i, s)| {
        let name = html! { <th class={vclass(i)}>{ m::name(i) }</th> };
        let settings = p
            .ran
            .get(i)
            .map(|f| {
                let l = f.labels();
                if l.is_empty() {
                    "as now".to_string()
                } else {
                    l.iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            })
            .unwrap_or_default();
        match s {
            Slot::Done(r) => {
                let open = {
                    let on = p.on.clone();
                    Callback::from(move |_: MouseEvent| on.emit(WhatIfInput::Open(i)))
                };
                let title = match &r.moment {
                    Some(mo) => format!(
                        "Open in the animation at {}: {}",
                        duration(Some(mo.at_ms)),
                        mo.what
                    ),
                    None => "Open in the animation".to_string(),
                };
                html! {
                    <tr class="done" data-testid={format!("whatif-row-{i}")} onclick={open} {title}>
                        { name }<td class="settings">{ settings }</td>
                        { for table_cells(&r.row).into_iter().map(|c| html! { <td>{ c }</td> }) }
                    </tr>
                }
            }
            other => {
                let what = match other {
                    Slot::Queued => "queued".to_string(),
                    Slot::Running => "running…".to_string(),
                    Slot::Failed(e) => e.clone(),
                    Slot::Done(_) => String::new(),
                };
                html! {
                    <tr data-testid={format!("whatif-row-{i}")}>
                        { name }<td class="settings">{ settings }</td>
                        <td colspan={table_header().len().to_string()} class="muted">{ what }</td>
                    </tr>
                }
            }
        }
    });
    let tagged_rows: Vec<(usize, &crate::sweep::VariantRow)> =
        done.iter().map(|(i, r)| (*i, &r.row)).collect();
    html! {
        <>
            <div class="whatif-scroll">
                <table class="whatif-table" data-testid="whatif-table">
                    <thead><tr><th /><th>{ "settings" }</th>{ for table_header().into_iter().map(|h| html! { <th>{ h }</th> }) }</tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
            <p class="muted whatif-hint">{ "Click a finished row to open that variant in the animation at the moment that explains it (your run stays one click away)." }</p>
            if let Some(a) = &p.answers {
                <dl class="whatif-answer" data-testid="whatif-answer">
                    { for QUESTIONS.iter().zip(a.iter()).map(|(q, a)| html! { <><dt>{ *q }</dt><dd>{ a.clone() }</dd></> }) }
                </dl>
            }
            if !done.is_empty() {
                <div class="whatif-charts">
                    { bars_chart("whatif-chart-completion", "Completion rate", m::completion_bars(&tagged_rows).into_iter().map(|b| (b, None)).collect()) }
                    { bars_chart("whatif-chart-e2e", "End to end, p50 and p99 (failed ones to their failure)", m::e2e_bars(&tagged_rows).into_iter().map(|(a, b)| (a, Some(b))).collect()) }
                    { timeline_chart(done) }
                </div>
            }
        </>
    }
}

/// Horizontal bars, one (or two: p50 over p99) per variant.
fn bars_chart(hook: &str, title: &str, bars: Vec<(m::Bar, Option<m::Bar>)>) -> Html {
    let row_h = m::BAR_H + 6.0;
    let per = |two: bool| if two { 2.0 * row_h } else { row_h };
    let two = bars.iter().any(|(_, b)| b.is_some());
    let h = bars.len() as f64 * per(two) + 4.0;
    let bar = |b: &m::Bar, y: f64, extra: &str| {
        html! {
            <>
                <rect class={classes!(vclass(b.variant), extra.to_string())} x={m::LABEL_W.to_string()} y={y.to_string()}
                    width={format!("{:.1}", b.len.max(1.0))} height={m::BAR_H.to_string()} />
                <text class="figure" x={format!("{:.1}", m::LABEL_W + b.len + 4.0)} y={(y + m::BAR_H - 3.0).to_string()}>{ b.text.clone() }</text>
            </>
        }
    };
    html! {
        <figure class="whatif-chart" data-testid={hook.to_string()}>
            <figcaption>{ title }</figcaption>
            <svg viewBox={format!("0 0 {} {h}", m::CHART_W)} role="img" aria-label={title.to_string()}>
                { for bars.iter().enumerate().map(|(k, (a, b))| {
                    let y = k as f64 * per(two) + 2.0;
                    html! {
                        <g>
                            <text class="name" x="0" y={(y + m::BAR_H - 3.0).to_string()}>{ m::name(a.variant) }</text>
                            { bar(a, y, "p50") }
                            if let Some(b) = b { { bar(b, y + row_h, "p99") } }
                        </g>
                    }
                }) }
            </svg>
        </figure>
    }
}

/// Checkpoint durations over simulated time, one line per variant; failed ones as crosses.
fn timeline_chart(done: &[(usize, &VariantResult)]) -> Html {
    let (lines, end, top) = m::timeline(done);
    let (w, h) = (m::TL_W, m::TL_H);
    html! {
        <figure class="whatif-chart wide" data-testid="whatif-chart-timeline">
            <figcaption>{ "Each checkpoint's end to end over the run (× failed)" }</figcaption>
            <svg viewBox={format!("-4 -4 {} {}", w + 8.0, h + 22.0)} role="img" aria-label="Checkpoint durations over time">
                <line class="axis" x1="0" y1={h.to_string()} x2={w.to_string()} y2={h.to_string()} />
                <line class="axis" x1="0" y1="0" x2="0" y2={h.to_string()} />
                <text class="figure" x="4" y="10">{ duration(Some(top)) }</text>
                <text class="figure" x="0" y={(h + 14.0).to_string()}>{ "0" }</text>
                <text class="figure end" x={w.to_string()} y={(h + 14.0).to_string()}>{ duration(Some(end)) }</text>
                { for lines.iter().map(|l| html! {
                    <g class={vclass(l.variant)}>
                        <polyline points={l.points.clone()} />
                        { for l.failed.iter().map(|(x, y)| html! {
                            <path class="fail" d={format!("M{:.1} {:.1}l6 6m0 -6l-6 6", x - 3.0, y - 3.0)} />
                        }) }
                    </g>
                }) }
            </svg>
        </figure>
    }
}
