//! Browser tests for the wasm build: `cargo test --target wasm32-unknown-unknown` runs them
//! in headless Chromium (see .cargo/config.toml and scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

// web-sys features used here (Document, Element, Node, HtmlElement) are enabled by the
// crate's own web-sys list together with yew's.
#[wasm_bindgen_test]
fn mounts_a_div_into_the_document() {
    let document = web_sys::window()
        .expect("a window")
        .document()
        .expect("a document");
    let body = document.body().expect("a body");

    let div = document.create_element("div").expect("create div");
    div.set_id("barrierscope-probe");
    div.set_attribute("data-testid", "probe")
        .expect("set attribute");
    div.set_text_content(Some("BarrierScope"));
    body.append_child(&div).expect("append div");

    let found = document
        .query_selector("[data-testid=probe]")
        .expect("valid selector")
        .expect("the div is in the document");
    assert_eq!(found.id(), "barrierscope-probe");
    assert_eq!(found.text_content().as_deref(), Some("BarrierScope"));

    found.remove();
    assert!(document.get_element_by_id("barrierscope-probe").is_none());
}

// ---------------------------------------------------------------------------------------
// The visualiser: mount the yew app, drive it through its data-testid hooks, assert the DOM.
// ---------------------------------------------------------------------------------------

mod ui {
    use barrierscope::ui::App;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::wasm_bindgen_test;
    use web_sys::{Document, Element, HtmlElement, HtmlInputElement};
    use yew::AppHandle;

    fn doc() -> Document {
        web_sys::window().unwrap().document().unwrap()
    }

    async fn sleep(ms: i32) {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .unwrap();
        });
        JsFuture::from(p).await.unwrap();
    }

    /// Mounts the app in a fresh div with `hash` as the page's URL hash.
    async fn mount(hash: &str) -> (AppHandle<App>, Element) {
        let w = web_sys::window().unwrap();
        let url = format!("{}{}", w.location().pathname().unwrap(), hash);
        w.history()
            .unwrap()
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            .unwrap();
        let div = doc().create_element("div").unwrap();
        doc().body().unwrap().append_child(&div).unwrap();
        let handle = yew::Renderer::<App>::with_root(div.clone()).render();
        sleep(30).await;
        (handle, div)
    }

    fn unmount((handle, div): (AppHandle<App>, Element)) {
        handle.destroy();
        div.remove();
    }

    fn q(root: &Element, testid: &str) -> Option<Element> {
        root.query_selector(&format!("[data-testid=\"{testid}\"]"))
            .unwrap()
    }

    fn get(root: &Element, testid: &str) -> Element {
        q(root, testid).unwrap_or_else(|| panic!("no [data-testid={testid}]"))
    }

    fn text(root: &Element, testid: &str) -> String {
        get(root, testid).text_content().unwrap_or_default()
    }

    /// Clicks any element (SVG ones too) with a bubbling click event.
    async fn click(root: &Element, testid: &str) {
        let el = get(root, testid);
        match el.dyn_ref::<HtmlElement>() {
            Some(h) => h.click(),
            None => {
                let init = web_sys::EventInit::new();
                init.set_bubbles(true);
                let e = web_sys::Event::new_with_event_init_dict("click", &init).unwrap();
                el.dispatch_event(&e).unwrap();
            }
        }
        sleep(10).await;
    }

    fn sim_us(root: &Element) -> u64 {
        get(root, "sim-time")
            .get_attribute("data-us")
            .unwrap()
            .parse()
            .unwrap()
    }

    #[wasm_bindgen_test]
    async fn the_app_shows_every_subtask_of_the_default_scenario_paused_at_zero() {
        let app = mount("").await;
        let root = &app.1;
        assert_eq!(sim_us(root), 0);
        let subtasks = root
            .query_selector_all("g[data-testid^='subtask-']")
            .unwrap()
            .length();
        assert_eq!(subtasks, 5, "happy-path: source ×2, counter ×2, sink ×1");
        assert_eq!(
            get(root, "subtask-source-0")
                .get_attribute("data-state")
                .as_deref(),
            Some("running")
        );
        assert_eq!(text(root, "count-total"), "0");
        let select = get(root, "scenario-select");
        assert_eq!(
            select.query_selector_all("option").unwrap().length() as usize,
            barrierscope::ui::scenarios::SHIPPED.len()
        );
        assert!(q(root, "error").is_none());
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn stepping_processes_events_and_the_url_holds_the_frame() {
        let app = mount("").await;
        let root = &app.1;
        for _ in 0..40 {
            click(root, "step").await;
        }
        assert!(sim_us(root) > 0);
        let hash = web_sys::window().unwrap().location().hash().unwrap();
        assert!(
            hash.contains("sc=happy-path") && hash.contains("&ev=40"),
            "{hash}"
        );
        click(root, "step-back").await;
        let hash = web_sys::window().unwrap().location().hash().unwrap();
        assert!(hash.contains("&ev=39"), "{hash}");
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn playing_runs_the_loop_and_pausing_stops_it() {
        let app = mount("").await;
        let root = &app.1;
        click(root, "play-pause").await;
        sleep(400).await;
        click(root, "play-pause").await;
        let t = sim_us(root);
        assert!(t > 0, "time moved while playing");
        assert_eq!(t % 1000, 0, "a paused frame sits on a whole ms");
        sleep(200).await;
        assert_eq!(sim_us(root), t, "nothing moves while paused");
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn killing_a_subtask_from_its_inspector_fails_it_and_its_pending_checkpoint() {
        // 1020 ms: checkpoint 2 is pending (triggered at 1000 ms, completes at 1054 ms).
        let app = mount("#v=1&sc=happy-path&seed=1&t=1020000").await;
        let root = &app.1;
        assert_eq!(text(root, "count-in-progress"), "1");
        click(root, "subtask-counter-1").await;
        assert!(q(root, "inspector").is_some());
        click(root, "fault-kill").await;
        assert_eq!(
            get(root, "subtask-counter-1")
                .get_attribute("data-state")
                .as_deref(),
            Some("failed")
        );
        assert_eq!(text(root, "count-failed"), "1");
        let row = get(root, "checkpoint-row-2");
        assert_eq!(row.get_attribute("data-status").as_deref(), Some("FAILED"));
        // Flink 2.3: the task leaving RUNNING suspends the coordinator.
        assert!(row
            .text_content()
            .unwrap()
            .contains("Checkpoint Coordinator is suspending."));
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn a_rejected_setting_shows_flinks_message_and_keeps_the_setting() {
        let app = mount("").await;
        let root = &app.1;
        let input: HtmlInputElement = get(root, "config-interval").dyn_into().unwrap();
        input.set_value("5");
        input
            .dispatch_event(&web_sys::Event::new("change").unwrap())
            .unwrap();
        sleep(20).await;
        assert!(text(root, "error").contains("interval_ms: must be >= 10 ms"));
        let input: HtmlInputElement = get(root, "config-interval").dyn_into().unwrap();
        assert_eq!(input.value(), "1000");
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn a_hash_that_is_not_a_share_link_shows_the_error_banner_over_the_default() {
        let app = mount("#v=1&sc=no-such-scenario&seed=1&t=0").await;
        let root = &app.1;
        assert!(text(root, "error").contains("no-such-scenario"));
        assert!(q(root, "subtask-sink-0").is_some());
        unmount(app);
    }

    #[wasm_bindgen_test]
    async fn the_panic_banner_names_the_seed_and_scenario_and_links_to_the_run() {
        barrierscope::ui::panic::set_context(barrierscope::ui::panic::PanicContext {
            scenario: "<b>not html</b>".into(),
            seed: 4242,
            hash: "v=1&sc=happy-path&seed=4242&t=0".into(),
        });
        barrierscope::ui::panic::show_banner("boom");
        let banner = doc()
            .query_selector("[data-testid=error]")
            .unwrap()
            .expect("the banner");
        let t = banner.text_content().unwrap();
        assert!(t.contains("crashed") && t.contains("4242") && t.contains("boom"));
        assert!(t.contains("<b>not html</b>"), "user text stays text");
        assert!(banner.query_selector("b").unwrap().is_none());
        let link = banner
            .query_selector("[data-testid=crash-reproduce]")
            .unwrap()
            .unwrap();
        assert!(link
            .get_attribute("href")
            .unwrap()
            .ends_with("#v=1&sc=happy-path&seed=4242&t=0"));
        assert!(banner
            .query_selector("[data-testid=crash-reset]")
            .unwrap()
            .is_some());
        banner.remove();
    }

    #[wasm_bindgen_test]
    async fn every_number_shown_matches_the_simulations_report_for_the_same_run() {
        use barrierscope::sim::ids::SimTime;
        use barrierscope::sim::Simulation;
        for key in ["happy-path", "task-crash", "at-least-once-duplicates"] {
            let Some(shipped) = barrierscope::ui::scenarios::find(key) else {
                continue;
            };
            let scenario = shipped.parse().unwrap();
            let end = scenario.duration_ms.min(6_000);
            let app = mount(&format!(
                "#v=1&sc={key}&seed={}&t={}",
                scenario.seed,
                end * 1000
            ))
            .await;
            let root = &app.1;
            let mut sim = Simulation::new(scenario).unwrap();
            sim.run_until(SimTime::from_ms(end));
            let report = sim.report();
            let c = report.counts;
            for (name, v) in [
                ("total", c.total),
                ("in-progress", c.in_progress),
                ("completed", c.completed),
                ("failed", c.failed),
                ("restored", c.restored),
            ] {
                assert_eq!(
                    text(root, &format!("count-{name}")),
                    v.to_string(),
                    "{key}: count-{name}"
                );
            }
            for row in report.history.iter().take(10) {
                let tr = get(root, &format!("checkpoint-row-{}", row.id));
                assert_eq!(
                    tr.get_attribute("data-status").as_deref(),
                    Some(row.status),
                    "{key} #{}",
                    row.id
                );
                let cells: Vec<String> = (0..tr.children().length())
                    .map(|i| {
                        tr.children()
                            .item(i)
                            .unwrap()
                            .text_content()
                            .unwrap_or_default()
                    })
                    .collect();
                assert_eq!(
                    cells[2],
                    format!("{}/{}", row.num_acknowledged_subtasks, row.num_subtasks)
                );
                assert_eq!(cells[3], row.trigger_timestamp.to_string());
                assert_eq!(
                    cells[4],
                    if row.latest_ack_timestamp < 0 {
                        "n/a".to_string()
                    } else {
                        row.latest_ack_timestamp.to_string()
                    }
                );
                assert_eq!(cells[5], row.end_to_end_duration.to_string());
                if let Some(message) = row.failure_message {
                    // Flink's failure message is shown; the enum name is on hover.
                    assert!(cells[1].contains(message), "{key} #{}: {message}", row.id);
                    let reason = tr
                        .query_selector(".reason")
                        .unwrap()
                        .and_then(|r| r.get_attribute("title"))
                        .unwrap_or_default();
                    let name = row.barrierscope.failure_reason.unwrap_or_default();
                    assert!(reason.starts_with(name), "{key} #{}: {reason}", row.id);
                }
            }
            let eo = get(root, "exactly-once");
            assert_eq!(
                eo.get_attribute("data-duplicates"),
                Some(report.barrierscope.exactly_once.duplicates.to_string())
            );
            assert_eq!(
                eo.get_attribute("data-lost"),
                Some(report.barrierscope.exactly_once.lost.to_string())
            );
            unmount(app);
        }
    }
}
