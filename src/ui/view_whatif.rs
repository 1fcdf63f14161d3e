//! The What-if panel (hook `whatif-panel`): the variants to run (`whatif-variant-{i}`), the
//! results as the sweep's table (`whatif-table`, `whatif-row-{i}`: click to open the variant in
//! the animation), the guided answers (`whatif-answer`) and three hand-drawn SVG charts
//! (`whatif-chart-completion`, `whatif-chart-e2e`, `whatif-chart-timeline`). It only shows
//! [`whatif_model`] and sends [`WhatIfInput`]s.

use super::whatif_model::{self as m, VariantForm, WhatIfInput, FIELDS, PRESETS};
use crate::sweep::fields::PATHS;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What the panel shows (a plain function of the app's state, no component of its own).
pub struct WhatIfProps {
    pub forms: Rc<Vec<VariantForm>>,
    pub until: String,
    /// The results as markup ([`super::whatif_html::results`]), once a run started.
    pub results: Option<AttrValue>,
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
    // A click on a finished row (its `data-open`) opens that variant.
    let open = {
        let on = p.on.clone();
        Callback::from(move |e: MouseEvent| {
            let t: web_sys::Element = e.target_unchecked_into();
            let row = t.closest("[data-open]").ok().flatten();
            if let Some(i) = row.and_then(|r| r.get_attribute("data-open")?.parse().ok()) {
                on.emit(WhatIfInput::Open(i));
            }
        })
    };
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
                if let Some(r) = &p.results {
                    <div onclick={open}>{ Html::from_html_unchecked(r.clone()) }</div>
                }
            </div>
        </div>
    }
}
