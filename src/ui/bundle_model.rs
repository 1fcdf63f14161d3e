//! One bundle per job edge: what the graph draws of an aggregated job's channels (a job too
//! big to draw channel by channel, `Layout::aggregated`). Per edge the channels' records,
//! bytes and buffers in flight, how many are blocked (alignment) or full (backpressure), a
//! density histogram of the items along the edge and where each checkpoint's barriers are.
//! [`BundleScan`] spreads the count of a production-size job's channels over a few frames.
//! Pure Rust, tested natively.

use super::graph_model::{lane_position, MAX_ITEMS_PER_CHANNEL};
use crate::sim::channel::Item;
use crate::sim::Simulation;
use std::collections::BTreeMap;

/// Density bins along an aggregated bundle.
pub const BINS: usize = 24;

/// One job edge drawn as a bundle of its channels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BundleStats {
    pub channels: usize,
    pub records: u64,
    /// Bytes in flight over every channel of the edge.
    pub bytes: u64,
    /// Buffers in use over every channel, and the most they may hold.
    pub buffers: u64,
    pub capacity: u64,
    pub blocked: usize,
    pub full: usize,
    pub bins: [u32; BINS],
    /// Per checkpoint: (channels carrying its barrier, sum of positions, priority ones, savepoint).
    pub barriers: BTreeMap<u64, (usize, f64, usize, bool)>,
    pub cancels: usize,
}

/// One bundle per job edge: counts over every channel of the edge.
pub fn bundles(sim: &Simulation) -> Vec<BundleStats> {
    BundleScan::default().get(sim, false)
}

/// While playing, a whole recount of the bundles takes about this many frames.
pub const SCAN_FRAMES: usize = 12;

/// The bundles of an aggregated graph, recounted a slice of channels per frame while playing
/// (counting the 131,000 channels of a production-size job at once takes milliseconds, too
/// long for one frame): the graph shows the last whole count, each channel as it was when the
/// scan passed it, at most [`SCAN_FRAMES`] frames old.
#[derive(Debug, Default)]
pub struct BundleScan {
    /// The last whole count, with the run's (events processed, inputs applied) when it ended.
    shown: Option<((u64, usize), Vec<BundleStats>)>,
    partial: Vec<BundleStats>,
    next: usize,
}

impl BundleScan {
    /// The bundles to draw for `sim`. `playing`: count the next slice of channels only (a
    /// whole count when there is none yet); else count them all if the run moved.
    pub fn get(&mut self, sim: &Simulation, playing: bool) -> Vec<BundleStats> {
        let key = (sim.events_processed(), sim.inputs().len());
        let n = sim.graph().channels.len();
        if self.shown.as_ref().map(|s| s.0) != Some(key) {
            let whole = !playing || self.shown.is_none();
            if whole || self.next == 0 {
                self.partial = vec![BundleStats::default(); sim.graph().edges.len()];
                self.next = 0;
            }
            let end = if whole {
                n
            } else {
                (self.next + n.div_ceil(SCAN_FRAMES)).min(n)
            };
            count_channels(sim, self.next..end, &mut self.partial);
            self.next = end;
            if end == n {
                self.shown = Some((key, std::mem::take(&mut self.partial)));
                self.next = 0;
            }
        }
        self.shown.as_ref().map(|s| s.1.clone()).unwrap_or_default()
    }

    /// Forgets every count (another run is on screen).
    pub fn clear(&mut self) {
        *self = BundleScan::default();
    }
}

/// Adds the channels `range` to their edges' bundles.
fn count_channels(sim: &Simulation, range: std::ops::Range<usize>, stats: &mut [BundleStats]) {
    let now = sim.now();
    let infos = &sim.graph().channels[range.clone()];
    for (info, ch) in infos.iter().zip(&sim.channels()[range]) {
        let s = &mut stats[info.edge as usize];
        s.channels += 1;
        s.blocked += ch.blocked as usize;
        s.full += ch.is_full() as usize;
        s.buffers += ch.buffers_in_use() as u64;
        s.capacity += ch.capacity as u64;
        s.bytes += ch.building.bytes;
        s.records += ch.building.record_count();
        let queued = ch.queue.iter().enumerate().map(|(i, f)| (i, f, false));
        let overtaking = ch.priority.iter().enumerate().map(|(i, f)| (i, f, true));
        for (i, f, prio) in queued.chain(overtaking) {
            match &f.item {
                Item::Buffer(b) => {
                    s.bytes += b.bytes;
                    s.records += b.record_count();
                    if i < MAX_ITEMS_PER_CHANNEL {
                        let u = lane_position(i, f.sent_at, f.visible_at, now, 200.0);
                        let bin = ((u * BINS as f64) as usize).min(BINS - 1);
                        s.bins[bin] += 1;
                    }
                }
                Item::Barrier(b) => {
                    let u = lane_position(i, f.sent_at, f.visible_at, now, 200.0);
                    let e = s.barriers.entry(b.id.0).or_insert((0, 0.0, 0, b.savepoint));
                    e.0 += 1;
                    e.1 += u;
                    e.2 += prio as usize;
                }
                Item::Cancel(_) => s.cancels += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::scenarios::shipped_run_at;

    #[test]
    fn a_bundle_scan_while_playing_adds_up_to_a_whole_count() {
        let sim = shipped_run_at("bench-large", 3000);
        let mut scan = BundleScan::default();
        let whole = bundles(&sim);
        assert_eq!(scan.get(&sim, true), whole, "the first count is whole");
        let later = shipped_run_at("bench-large", 3100);
        let mut seen = Vec::new();
        for _ in 0..SCAN_FRAMES {
            seen.push(scan.get(&later, true));
        }
        assert!(
            seen[..SCAN_FRAMES - 1].iter().all(|b| *b == whole),
            "the last whole count shows meanwhile"
        );
        assert_eq!(
            seen[SCAN_FRAMES - 1],
            bundles(&later),
            "after a pass, the new count"
        );
        assert_ne!(whole, bundles(&later));
        scan.clear();
        assert_eq!(scan.get(&sim, false), whole, "paused: a whole count");
    }
}
