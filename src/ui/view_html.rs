//! Small markup builders the views share (wasm only): a titled header cell, a number cell, a
//! titled span, a titled button. Each is one function that is never inlined, called from many
//! places: the markup of an element costs its bytes once instead of at every use (the browser
//! bundle's size budget, tests/e2e/bundle-size.test.mjs). They write exactly what the `html!`
//! they replace wrote.

use super::format::fixed;
use yew::prelude::*;
use yew::virtual_dom::VText;

/// `<th title={title}>{text}</th>`: a table header with its Flink field in the tooltip.
#[inline(never)]
pub fn th(title: &'static str, text: &'static str) -> Html {
    html! { <th title={title}>{ text }</th> }
}

/// `<td class="num">{text}</td>`: a right-aligned figure.
#[inline(never)]
pub fn td_num(text: String) -> Html {
    html! { <td class="num">{ text }</td> }
}

/// `<td>{text}</td>`.
#[inline(never)]
pub fn td(text: String) -> Html {
    html! { <td>{ text }</td> }
}

/// `<span class={class} title={title}>{text}</span>`: a legend's key, a labelled figure.
#[inline(never)]
pub fn span_titled(class: &'static str, title: &'static str, text: &'static str) -> Html {
    html! { <span class={class} title={title}>{ text }</span> }
}

/// A header cell per `(title, text)`, in order ([`th`]).
#[inline(never)]
pub fn ths(cells: &'static [(&'static str, &'static str)]) -> Html {
    cells.iter().map(|&(title, text)| th(title, text)).collect()
}

/// A legend: a titled span per `(class, title, text)`, in order ([`span_titled`]).
#[inline(never)]
pub fn spans_titled(keys: &'static [(&'static str, &'static str, &'static str)]) -> Html {
    keys.iter()
        .map(|&(class, title, text)| span_titled(class, title, text))
        .collect()
}

/// `<button data-testid title aria-label class onclick>{text}</button>`, each attribute
/// present when given.
#[inline(never)]
pub fn button(
    class: Option<&'static str>,
    testid: Option<&'static str>,
    title: Option<&'static str>,
    aria_label: Option<&'static str>,
    onclick: Callback<MouseEvent>,
    text: &'static str,
) -> Html {
    html! {
        <button data-testid={testid} title={title} aria-label={aria_label} class={class} {onclick}>{ text }</button>
    }
}

/// `<title>{text}</title>`: an SVG element's tooltip.
#[inline(never)]
pub fn svg_title(text: String) -> Html {
    html! { <title>{ text }</title> }
}

/// `<text x={x} y={y} class={class}>{text}</text>`, the coordinates to one decimal.
#[inline(never)]
pub fn svg_text(class: Option<&'static str>, x: f64, y: f64, text: String) -> Html {
    html! { <text x={fixed(x, 1)} y={fixed(y, 1)} class={class}>{ text }</text> }
}

/// `<rect x={x} y={y} width height rx class />`, the coordinates to one decimal.
#[inline(never)]
pub fn svg_rect(
    class: &'static str,
    x: f64,
    y: f64,
    width: AttrValue,
    height: AttrValue,
    rx: Option<&'static str>,
) -> Html {
    html! { <rect x={fixed(x, 1)} y={fixed(y, 1)} width={width} height={height} rx={rx} class={class} /> }
}

/// `<span class={class}>{text}</span>`.
#[inline(never)]
pub fn span_c(class: &'static str, text: AttrValue) -> Html {
    html! { <span class={class}>{ VText::new(text) }</span> }
}

/// `<p class={class}>{text}</p>`.
#[inline(never)]
pub fn p_c(class: &'static str, text: AttrValue) -> Html {
    html! { <p class={class}>{ VText::new(text) }</p> }
}
