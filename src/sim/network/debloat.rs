//! Buffer debloating, as Flink's `BufferDebloater` with its `ThroughputCalculator` and
//! `BufferSizeEMA`: every `period` an input gate measures the bytes it consumed, and sizes its
//! buffers so that the data in flight takes about `target` to process at that throughput:
//! `size = throughput * target / buffers in use`, smoothed over `samples` periods, kept between
//! Flink's minimum segment size (256 bytes) and the segment size, and announced upstream only
//! when it moves by more than `threshold-percentages`.

use crate::sim::scenario::BufferDebloatSpec;

/// Flink's `taskmanager.memory.min-segment-size` default: the smallest debloated buffer.
pub const MIN_BUFFER_SIZE: u64 = 256;
/// Flink's `taskmanager.memory.starting-segment-size` default: with debloating on, buffers start
/// at this size.
pub const STARTING_BUFFER_SIZE: u64 = 1024;

/// One input gate's debloater.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BufferDebloater {
    /// Bytes consumed since the last period.
    pub bytes_since: u64,
    /// The smoothed buffer size, bytes (None until the first period).
    pub smoothed: Option<f64>,
    /// The size last announced to the producers, bytes (0: the segment size).
    pub announced: u64,
}

impl BufferDebloater {
    /// One period ended: returns the new buffer size to announce upstream, if it changed enough
    /// (`BufferDebloater.recalculateBufferSize`, `BufferSizeEMA`, `skipUpdate`).
    pub fn on_period(
        &mut self,
        spec: &BufferDebloatSpec,
        segment_size: u64,
        buffers_in_use: u32,
    ) -> Option<u64> {
        let period = spec.period_ms.max(1) as f64;
        let throughput = self.bytes_since as f64 * 1000.0 / period;
        self.bytes_since = 0;
        let desired_total = throughput * spec.target_ms as f64 / 1000.0;
        let (min, max) = (MIN_BUFFER_SIZE as f64, segment_size as f64);
        let last = self
            .smoothed
            .unwrap_or(STARTING_BUFFER_SIZE.min(segment_size) as f64);
        // The EMA: at most doubling per period, alpha = 2 / (samples + 1).
        let raw = (desired_total / f64::from(buffers_in_use.max(1))).min(2.0 * last);
        let alpha = 2.0 / (f64::from(spec.samples) + 1.0);
        let smoothed = (last + alpha * (raw - last)).clamp(min, max);
        self.smoothed = Some(smoothed);
        let new = smoothed.round() as u64;
        let old = if self.announced == 0 {
            STARTING_BUFFER_SIZE.min(segment_size)
        } else {
            self.announced
        };
        let at_bound = new <= MIN_BUFFER_SIZE || new >= segment_size;
        let small = new.abs_diff(old) * 100 < old * spec.threshold_percentages as u64;
        if new == old || (!at_bound && small) {
            return None;
        }
        self.announced = new;
        Some(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_gate_settles_its_buffers_at_the_target() {
        let spec = BufferDebloatSpec::default();
        let mut d = BufferDebloater::default();
        // 10 KB/s consumed over 20 buffers with a 1 s target: 500 bytes per buffer.
        let mut last = None;
        for _ in 0..200 {
            d.bytes_since = 2_000;
            if let Some(s) = d.on_period(&spec, 32_768, 20) {
                last = Some(s);
            }
        }
        // Within the 25 % threshold of 500 bytes, where announcing stops.
        assert!((500..=625).contains(&last.unwrap()), "{last:?}");
    }

    #[test]
    fn fast_gate_grows_its_buffers_slowly_from_the_starting_size() {
        let spec = BufferDebloatSpec::default();
        let mut d = BufferDebloater::default();
        let mut sizes = Vec::new();
        let mut periods_to_full = None;
        for period in 1..=60 {
            d.bytes_since = 1_000_000;
            if let Some(s) = d.on_period(&spec, 32_768, 20) {
                sizes.push(s);
                if s == 32_768 {
                    periods_to_full.get_or_insert(period);
                }
            }
        }
        // About x1.095 per period (alpha = 2/21 of a doubling): 1 KiB to 32 KiB takes about
        // 38 periods of 200 ms, as Flink's BufferSizeEMA.
        assert!(sizes[0] < 1_400, "{sizes:?}");
        assert!((35..=45).contains(&periods_to_full.unwrap()), "{sizes:?}");
    }

    #[test]
    fn small_changes_are_not_announced() {
        let spec = BufferDebloatSpec::default();
        let mut d = BufferDebloater {
            announced: 1000,
            smoothed: Some(1000.0),
            ..Default::default()
        };
        d.bytes_since = 1_050 * 20 / 5;
        assert_eq!(d.on_period(&spec, 32_768, 20), None);
    }
}
