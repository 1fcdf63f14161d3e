//! The What-if panel (hook `whatif-panel`): the variants to run (`whatif-variant-{i}`), the
//! results as the sweep's table (`whatif-table`, `whatif-row-{i}`: click to open the variant in
//! the animation), the guided answers (`whatif-answer`) and three hand-drawn SVG charts
//! (`whatif-chart-completion`, `whatif-chart-e2e`, `whatif-chart-timeline`). The form and the
//! results are markup made by [`super::whatif_html`]; the panel listens to them once (an edit, a
//! remove button, a finished row) and sends [`WhatIfInput`]s.

use super::whatif_model::{WhatIfInput, PRESETS};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What the panel shows (a plain function of the app's state, no component of its own).
pub struct WhatIfProps {
    /// As many variants as the panel runs.
    pub full: bool,
    /// The form as markup ([`super::whatif_html::form`]).
    pub form: AttrValue,
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

pub fn whatif_panel(p: &WhatIfProps) -> Html {
    let on = p.on.clone();
    let send = move |i: WhatIfInput| {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(i.clone()))
    };
    let full = p.full;
    // The form's inputs (`data-i`, `data-k`) send their edits.
    let edit = {
        let on = p.on.clone();
        Callback::from(move |e: Event| {
            let t: HtmlInputElement = e.target_unchecked_into();
            let n = |a: &str| t.get_attribute(a)?.parse().ok();
            if let (Some(i), Some(k)) = (n("data-i"), n("data-k")) {
                on.emit(WhatIfInput::Edit(i, k, t.value()));
            }
        })
    };
    let on_until = {
        let on = p.on.clone();
        Callback::from(move |e: Event| {
            let t: HtmlInputElement = e.target_unchecked_into();
            on.emit(WhatIfInput::Until(t.value()));
        })
    };
    // A click on a remove button (`data-remove`) or a finished row (`data-open`).
    let click = {
        let on = p.on.clone();
        Callback::from(move |e: MouseEvent| {
            let t: web_sys::Element = e.target_unchecked_into();
            let find = |a: &str| -> Option<usize> {
                t.closest(&format!("[{a}]"))
                    .ok()??
                    .get_attribute(a)?
                    .parse()
                    .ok()
            };
            if let Some(i) = find("data-remove") {
                on.emit(WhatIfInput::Remove(i));
            } else if let Some(i) = find("data-open") {
                on.emit(WhatIfInput::Open(i));
            }
        })
    };
    html! {
        <div class="overlay whatif-overlay">
            <div class="dialog whatif" role="dialog" aria-label="What if" data-testid="whatif-panel" onclick={click}>
                <div class="whatif-head">
                    <h2>{ "What if…" }</h2>
                    <span class="muted">{ "Variants of this job's scenario (as loaded, with this seed), run side by side in the background: empty fields stay as now." }</span>
                    <button class="dismiss" onclick={send(WhatIfInput::Close)} title="Close" aria-label="Close">{ "×" }</button>
                </div>
                <div class="whatif-scroll" onchange={edit}>{ Html::from_html_unchecked(p.form.clone()) }</div>
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
                    { Html::from_html_unchecked(r.clone()) }
                }
            </div>
        </div>
    }
}
