//! Playback: play and pause (the one `requestAnimationFrame` loop exists only while
//! playing), the speed, the checkpoint close-up (checkpoint activity plays slower) and one
//! animation frame's worth of simulation.

use super::*;

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
        // Paused frames sit on whole milliseconds, so the slider and links reproduce them.
        let now = self.run.sim().now();
        let ceil = SimTime(now.0.div_ceil(1000) * 1000);
        if ceil > now {
            let r = self.run.play_to(ceil, &mut || false).map(|_| ());
            self.report(r);
        }
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
        let dt = match self.last_ts {
            Some(last) => (ts - last).clamp(0.0, MAX_FRAME_GAP_MS),
            None => 0.0,
        };
        self.last_ts = Some(ts);
        let speed = self.speed() / self.slowmo(dt);
        let before = self.run.sim().now();
        let sim_us = (dt * speed * 1000.0).round() as u64;
        let target = SimTime(self.run.sim().now().0.saturating_add(sim_us));
        let start = now_ms();
        let r = self
            .run
            .play_to(target, &mut || now_ms() - start > FRAME_BUDGET_MS);
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
