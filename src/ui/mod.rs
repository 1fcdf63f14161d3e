//! The yew UI: reads the simulation and sends it inputs; never changes its rules.

use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    html! { <main id="app" data-testid="app"><h1>{ "BarrierScope" }</h1></main> }
}

/// Mounts the app on the document body.
pub fn start() {
    yew::Renderer::<App>::new().render();
}
