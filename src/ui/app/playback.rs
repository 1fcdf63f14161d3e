//! Playback: play and pause (the one `requestAnimationFrame` loop exists only while
//! playing), the speed, the checkpoint close-up (checkpoint activity plays slower) and one
//! animation frame's worth of simulation, paced so that simulating and rendering fit in a frame.

use super::*;

/// A frame late by more than this (ms between two animation frames) did not fit in 60 Hz.
const LATE_FRAME_MS: f64 = 20.0;
/// The least wall time a frame simulates, however slow rendering is.
const MIN_SIM_BUDGET_MS: f64 = 2.0;
/// The main-thread work a playing frame aims at (simulation, view, DOM patch, style, layout,
/// paint): under the 16.7 ms of a 60 Hz frame, with room for what the estimate misses.
const TARGET_WORK_MS: f64 = 12.0;
/// How fast the estimate of a frame's rendering cost follows a costlier frame and a cheaper
/// one: quickly up, slowly down, so that it stays near the costlier frames.
const RENDER_RISE: f64 = 0.5;
const RENDER_DECAY: f64 = 0.05;

/// How long the next frame may simulate: [`TARGET_WORK_MS`] less what rendering the frame
/// costs (yew's view, the DOM patch, the browser's style, layout and paint: measured, see
/// [`FrameMeter`]), less a margin that grows by 2 ms for each late frame and shrinks by 0.1 ms
/// for each frame on time; at most [`FRAME_BUDGET_MS`]. When the simulation of a big job cannot
/// keep up at the chosen speed, it falls behind (the lagging notice) instead of dropping
/// frames.
#[derive(Default)]
pub(super) struct Pacing {
    margin_ms: f64,
    /// The estimate of a frame's work besides simulating.
    render_ms: f64,
    /// Wall time the last frame simulated.
    sim_ms: f64,
    meter: Option<FrameMeter>,
}

impl Pacing {
    /// The simulation budget of a frame that comes `interval` ms after the last one.
    fn budget(&mut self, interval: Option<f64>) -> f64 {
        if let Some(i) = interval {
            self.margin_ms = if i > LATE_FRAME_MS {
                self.margin_ms + 2.0
            } else {
                self.margin_ms - 0.1
            }
            .clamp(0.0, FRAME_BUDGET_MS - MIN_SIM_BUDGET_MS);
            if let Some(work) = self.meter.as_ref().and_then(FrameMeter::last_work) {
                let render = (work - self.sim_ms).max(0.0);
                let rate = if render > self.render_ms {
                    RENDER_RISE
                } else {
                    RENDER_DECAY
                };
                self.render_ms += (render - self.render_ms) * rate;
            }
        }
        (TARGET_WORK_MS - self.render_ms - self.margin_ms).clamp(MIN_SIM_BUDGET_MS, FRAME_BUDGET_MS)
    }

    /// Starts measuring the frame that began at `start` (ms) and simulated `sim_ms`.
    fn measure(&mut self, start: f64, sim_ms: f64) {
        self.sim_ms = sim_ms;
        self.meter.get_or_insert_with(FrameMeter::new).start(start);
    }
}

/// Measures a frame's main-thread work: from the start of its animation-frame callback to a
/// message posted from it, which runs after the frame's style, layout and paint.
struct FrameMeter {
    port: Option<web_sys::MessagePort>,
    start: Rc<std::cell::Cell<f64>>,
    work: Rc<std::cell::Cell<Option<f64>>>,
    _on_message: wasm_bindgen::closure::Closure<dyn FnMut()>,
    _channel: Option<web_sys::MessageChannel>,
}

impl FrameMeter {
    fn new() -> Self {
        let start = Rc::new(std::cell::Cell::new(0.0));
        let work = Rc::new(std::cell::Cell::new(None));
        let (s, w) = (start.clone(), work.clone());
        let on_message = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            w.set(Some(now_ms() - s.get()))
        });
        let channel = web_sys::MessageChannel::new().ok();
        let port = channel.as_ref().map(|c| {
            c.port1()
                .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            c.port2()
        });
        FrameMeter {
            port,
            start,
            work,
            _on_message: on_message,
            _channel: channel,
        }
    }

    fn start(&self, at: f64) {
        self.work.set(None);
        self.start.set(at);
        if let Some(p) = &self.port {
            let _ = p.post_message(&wasm_bindgen::JsValue::NULL);
        }
    }

    /// The work of the last frame measured, once its message has come.
    fn last_work(&self) -> Option<f64> {
        self.work.get()
    }
}

impl App {
    pub(super) fn play(&mut self, ctx: &Context<Self>) {
        self.ui.playing = true;
        self.last_ts = None;
        self.request_frame(ctx);
    }

    pub(super) fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    pub(super) fn pause(&mut self) {
        self.ui.playing = false;
        self.frame = None; // dropping the handle cancels the pending frame: no work while paused
        self.last_ts = None;
        self.ui.lagging = false;
        // Paused frames sit on whole milliseconds, after every event there (playing may stop
        // between two events of one instant), so the slider and links reproduce them.
        let now = self.run.sim().now();
        let ceil = SimTime(now.0.div_ceil(1000) * 1000);
        let r = self.run.play_to(ceil, &mut || false).map(|_| ());
        self.report(r);
        self.update_hash();
    }

    pub(super) fn report<E: std::fmt::Display>(&mut self, r: Result<(), E>) {
        if let Err(e) = r {
            self.error = Some(e.to_string());
        }
    }

    pub(super) fn speed(&self) -> f64 {
        10f64.powf(self.ui.speed_log)
    }

    /// The slow-motion divisor for the next `dt` ms of real time: while a checkpoint is
    /// pending, barriers, alignment and acks play [`SLOWMO_FACTOR`] times slower, for at most
    /// [`SLOWMO_BUDGET_MS`] of real time per checkpoint. Only the playback speed changes, never
    /// the simulation.
    pub(super) fn slowmo(&mut self, dt: f64) -> f64 {
        let newest = self
            .run
            .sim()
            .coordinator()
            .pending
            .keys()
            .next_back()
            .map(|id| id.0);
        let active = match newest {
            Some(id) if self.ui.slowmo => {
                if self.slowmo_spent.0 != id {
                    self.slowmo_spent = (id, 0.0);
                }
                self.slowmo_spent.1 += dt;
                self.slowmo_spent.1 <= SLOWMO_BUDGET_MS
            }
            _ => false,
        };
        self.ui.slowmo_active = active;
        if active {
            SLOWMO_FACTOR
        } else {
            1.0
        }
    }

    pub(super) fn on_frame(&mut self, ctx: &Context<Self>, ts: f64) -> bool {
        if !self.ui.playing {
            return false;
        }
        let interval = self.last_ts.map(|last| ts - last);
        let dt = interval.map_or(0.0, |i| i.clamp(0.0, MAX_FRAME_GAP_MS));
        let budget = self.pacing.budget(interval);
        self.last_ts = Some(ts);
        let speed = self.speed() / self.slowmo(dt);
        let before = self.run.sim().now();
        let sim_us = (dt * speed * 1000.0).round() as u64;
        let target = SimTime(self.run.sim().now().0.saturating_add(sim_us));
        let start = now_ms();
        let r = self.run.play_to(target, &mut || now_ms() - start > budget);
        self.pacing.measure(start, now_ms() - start);
        match r {
            Ok(reached) => self.ui.lagging = !reached,
            Err(e) => {
                self.error = Some(e.to_string());
                self.pause();
                return true;
            }
        }
        let end = self.run.sim().end_time();
        if before < end && self.run.sim().now() >= end {
            self.notice = Some(format!(
                "The story ends at {} ms (duration_ms); the job goes on: free play until you pause.",
                end.as_ms()
            ));
        }
        self.request_frame(ctx);
        true
    }
}
