//! Independent oracles. They watch what subtasks and the external system do and never read the
//! coordinator's own bookkeeping:
//! - `ExactlyOnceOracle`: from the sinks' committed output, counts records committed more than
//!   once (`duplicates`), and records that a fully committed checkpoint's source offsets say were
//!   consumed but that are neither committed nor still somewhere in the pipeline (`lost`).
//! - `InvariantChecker`: checkpoint IDs strictly increase; a completed checkpoint has every
//!   subtask's ack; an aligned channel delivers no record past its barrier before alignment ends.

use super::channel::Record;
use super::graph::ExecutionGraph;
use super::ids::{CheckpointId, InputIndex, SimTime, SubtaskId};
use super::scenario::{OperatorKind, Partitioning};
use super::snapshot::OperatorState;
use super::sorted::SortedMap;
use super::task::next_copy;
use super::Simulation;

/// Most lineages (copies of one source record reaching the sinks) the oracle enumerates.
pub const MAX_LINEAGES: usize = 4096;

/// Committed sequence numbers of one (source subtask, copy): everything below `base` is in,
/// and a bitmap window above it holds the ones committed out of order. Memory stays flat as
/// long as the holes get filled, which they do in any run that loses nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeqSet {
    base: u64,
    words: std::collections::VecDeque<u64>,
}

impl SeqSet {
    /// Inserts; returns false if it was already there.
    pub fn insert(&mut self, seq: u64) -> bool {
        if seq < self.base {
            return false;
        }
        let off = seq - self.base;
        let (w, bit) = ((off / 64) as usize, off % 64);
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        if self.words[w] & (1 << bit) != 0 {
            return false;
        }
        self.words[w] |= 1 << bit;
        while self.words.front() == Some(&u64::MAX) {
            self.words.pop_front();
            self.base += 64;
        }
        true
    }
    /// Inserts every number of `seqs`; returns how many were not there yet (the same as
    /// inserting them one by one, a word of the bitmap at a time).
    pub fn insert_range(&mut self, seqs: std::ops::Range<u64>) -> u64 {
        let start = seqs.start.max(self.base);
        if start >= seqs.end {
            return 0;
        }
        let (first, last) = (start - self.base, seqs.end - 1 - self.base);
        let (w0, w1) = ((first / 64) as usize, (last / 64) as usize);
        if w1 >= self.words.len() {
            self.words.resize(w1 + 1, 0);
        }
        let mut fresh = 0;
        for w in w0..=w1 {
            let lo = if w == w0 { first % 64 } else { 0 };
            let hi = if w == w1 { last % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            let word = &mut self.words[w];
            let new = mask & !*word;
            // Usually none of them was there: no need to count bits.
            fresh += if new == mask {
                hi - lo + 1
            } else {
                new.count_ones() as u64
            };
            *word |= mask;
        }
        // Only a change to the first word can fill it.
        while w0 == 0 && self.words.front() == Some(&u64::MAX) {
            self.words.pop_front();
            self.base += 64;
        }
        fresh
    }
    pub fn contains(&self, seq: u64) -> bool {
        if seq < self.base {
            return true;
        }
        let off = seq - self.base;
        self.words
            .get((off / 64) as usize)
            .map(|w| w & (1 << (off % 64)) != 0)
            .unwrap_or(false)
    }
    /// How many of `0..n` are in the set.
    pub fn count_below(&self, n: u64) -> u64 {
        if n <= self.base {
            return n;
        }
        let off = n - self.base;
        let (full, rest) = ((off / 64) as usize, off % 64);
        let mut count = self.base;
        for (i, w) in self.words.iter().enumerate() {
            if i < full {
                count += w.count_ones() as u64;
            } else if i == full && rest > 0 {
                count += (w & ((1u64 << rest) - 1)).count_ones() as u64;
            } else {
                break;
            }
        }
        count
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExactlyOnceOracle {
    sinks: Vec<SubtaskId>,
    /// Per source subtask: its position among the sources.
    source_pos: SortedMap<u32, usize>,
    /// Per subtask id: its position among the sources (`usize::MAX` if not a source).
    dense_pos: Vec<usize>,
    /// Per source position: the copy ids its records reach the sinks with.
    expected: Vec<Vec<u32>>,
    /// Per source position, per expected copy (same order as `expected`): committed seqs.
    committed_dense: Vec<Vec<SeqSet>>,
    /// Copies the graph does not predict (should stay empty).
    committed: SortedMap<(u32, u32), SeqSet>,
    /// Per checkpoint: the source offsets seen at each source's snapshot.
    offsets: SortedMap<CheckpointId, Vec<Option<u64>>>,
    /// Per sink: the highest transaction seen committed.
    sink_committed: SortedMap<SubtaskId, CheckpointId>,
    /// The highest checkpoint every sink has committed, and the offsets it recorded.
    settled: Option<(CheckpointId, Vec<u64>)>,
    pub duplicates: u64,
    pub committed_records: u64,
}

impl ExactlyOnceOracle {
    pub fn new(g: &ExecutionGraph) -> ExactlyOnceOracle {
        let mut expected = Vec::new();
        for s in &g.sources {
            let mut out = Vec::new();
            lineages(g, g.subtasks[s.idx()].op.0, 0, &mut out);
            out.sort_unstable();
            out.dedup();
            expected.push(out);
        }
        let mut dense_pos = vec![usize::MAX; g.num_subtasks()];
        for (i, s) in g.sources.iter().enumerate() {
            dense_pos[s.idx()] = i;
        }
        let committed_dense = expected
            .iter()
            .map(|e| vec![SeqSet::default(); e.len()])
            .collect();
        ExactlyOnceOracle {
            dense_pos,
            committed_dense,
            sinks: g.sinks.clone(),
            source_pos: g
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| (s.0, i))
                .collect(),
            expected,
            committed: SortedMap::new(),
            offsets: SortedMap::new(),
            sink_committed: SortedMap::new(),
            settled: None,
            duplicates: 0,
            committed_records: 0,
        }
    }

    /// A subtask took a snapshot: sources tell their offset.
    pub fn on_snapshot(
        &mut self,
        t: SubtaskId,
        id: CheckpointId,
        state: &OperatorState,
        _unaligned: bool,
    ) {
        if let (OperatorState::Source { offset }, Some(&pos)) = (state, self.source_pos.get(&t.0)) {
            let n = self.source_pos.len();
            let v = self.offsets.get_or_insert_with(id, || vec![None; n]);
            v[pos] = Some(*offset);
        }
    }

    /// A sink's transaction was committed to the external system.
    pub fn on_commit(&mut self, sink: SubtaskId, txn: CheckpointId, records: &[Record]) {
        for r in records {
            self.committed_records += r.n as u64;
            let fresh = self.seqs_mut(r.src, r.copy).insert_range(r.seqs());
            self.duplicates += r.n as u64 - fresh;
        }
        let e = self
            .sink_committed
            .get_or_insert_with(sink, CheckpointId::default);
        *e = (*e).max(txn);
        if self
            .sinks
            .iter()
            .all(|s| self.sink_committed.contains_key(s))
        {
            let min = self
                .sink_committed
                .values()
                .copied()
                .min()
                .unwrap_or_default();
            // The newest checkpoint at or below `min` whose every source reported an offset.
            let candidate = self.offsets.up_to(&min).rev().find_map(|(id, v)| {
                v.iter()
                    .copied()
                    .collect::<Option<Vec<u64>>>()
                    .map(|v| (*id, v))
            });
            if let Some((id, v)) = candidate {
                if self.settled.as_ref().map(|s| s.0 < id).unwrap_or(true) {
                    self.settled = Some((id, v));
                }
                // Older offsets are no longer needed.
                self.offsets = self.offsets.split_off(&id);
            }
        }
    }

    /// (source position, copy position) of an expected (source subtask, copy).
    fn dense_index(&self, src: u32, copy: u32) -> Option<(usize, usize)> {
        let pos = *self.dense_pos.get(src as usize)?;
        let expected = self.expected.get(pos)?;
        Some((pos, expected.iter().position(|c| *c == copy)?))
    }

    fn seqs_mut(&mut self, src: u32, copy: u32) -> &mut SeqSet {
        match self.dense_index(src, copy) {
            Some((pos, i)) => &mut self.committed_dense[pos][i],
            None => self
                .committed
                .get_or_insert_with((src, copy), SeqSet::default),
        }
    }

    fn seqs(&self, src: u32, copy: u32) -> Option<&SeqSet> {
        match self.dense_index(src, copy) {
            Some((pos, i)) => Some(&self.committed_dense[pos][i]),
            None => self.committed.get(&(src, copy)),
        }
    }

    pub fn settled_checkpoint(&self) -> Option<CheckpointId> {
        self.settled.as_ref().map(|s| s.0)
    }

    /// Records that the settled checkpoint's offsets cover and that are not committed (yet):
    /// when there are none, nothing can be lost and the pipeline need not be looked at.
    pub fn uncommitted_below_settled(&self) -> u64 {
        let Some((_, offsets)) = &self.settled else {
            return 0;
        };
        let empty = SeqSet::default();
        let mut missing = 0;
        for (&src, &pos) in self.source_pos.iter() {
            let off = offsets[pos];
            for &copy in &self.expected[pos] {
                let set = self.seqs(src, copy).unwrap_or(&empty);
                missing += off - set.count_below(off);
            }
        }
        missing
    }

    /// Records that the settled checkpoint's offsets cover but that were never committed and
    /// are not in the pipeline (`in_pipeline`: (source, final copy, first seq) -> records of
    /// each run still on its way).
    /// `in_pipeline` is sorted.
    pub fn lost(&self, in_pipeline: &[(u32, u32, u64, u32)]) -> u64 {
        let Some((_, offsets)) = &self.settled else {
            return 0;
        };
        let mut lost = 0;
        let empty = SeqSet::default();
        for (&src, &pos) in self.source_pos.iter() {
            let off = offsets[pos];
            for &copy in &self.expected[pos] {
                let set = self.seqs(src, copy).unwrap_or(&empty);
                let missing = off - set.count_below(off);
                // Runs starting below `off` (a run never straddles an offset a source
                // snapshot took: offsets advance by whole runs).
                let mut seen = SeqSet::default();
                let lo = in_pipeline.partition_point(|e| *e < (src, copy, 0, 0));
                let hi = in_pipeline.partition_point(|e| *e < (src, copy, off, 0));
                let pending = in_pipeline[lo..hi]
                    .iter()
                    .flat_map(|&(_, _, seq, n)| seq..(seq + n as u64).min(off))
                    .filter(|&seq| !set.contains(seq) && seen.insert(seq))
                    .count() as u64;
                lost += missing.saturating_sub(pending);
            }
        }
        lost
    }
}

/// Every copy id a record starting at operator `op` with copy `copy` reaches a sink with.
pub fn lineages(g: &ExecutionGraph, op: u32, copy: u32, out: &mut Vec<u32>) {
    if out.len() >= MAX_LINEAGES {
        return;
    }
    if g.operators[op as usize].kind == OperatorKind::Sink {
        out.push(copy);
        return;
    }
    for (e, (from, to, part)) in g.edges.iter().enumerate() {
        if from.0 != op {
            continue;
        }
        if *part == Partitioning::Broadcast {
            for j in 0..g.operators[to.idx()].parallelism {
                lineages(g, to.0, next_copy(copy, e as u32, j), out);
            }
        } else {
            lineages(g, to.0, next_copy(copy, e as u32, 0), out);
        }
    }
}

/// Live checks of the rules every run must keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvariantChecker {
    last_trigger: CheckpointId,
    /// Per subtask: inputs whose barrier arrived during an aligned alignment still going on (a
    /// bit per input).
    blocked: Vec<Vec<u64>>,
    pub violations: Vec<String>,
    pub violation_count: u64,
}

impl InvariantChecker {
    pub fn new(g: &ExecutionGraph) -> InvariantChecker {
        InvariantChecker {
            blocked: g
                .subtasks
                .iter()
                .map(|s| vec![0; s.inputs.len().div_ceil(64)])
                .collect(),
            ..Default::default()
        }
    }

    fn violate(&mut self, what: String) {
        self.violation_count += 1;
        if self.violations.len() < 100 {
            self.violations.push(what);
        }
    }

    pub fn on_trigger(&mut self, id: CheckpointId) {
        if id <= self.last_trigger {
            self.violate(format!(
                "checkpoint ID {id} does not increase (last was {})",
                self.last_trigger
            ));
        }
        self.last_trigger = id;
    }

    pub fn on_complete(&mut self, id: CheckpointId, acked: usize, total: usize) {
        if acked != total {
            self.violate(format!(
                "checkpoint {id} completed with {acked} of {total} acks"
            ));
        }
    }

    pub fn on_channel_blocked(&mut self, t: SubtaskId, input: InputIndex, _id: CheckpointId) {
        if let Some(w) = self.blocked[t.idx()].get_mut(input.idx() / 64) {
            *w |= 1 << (input.idx() % 64);
        }
    }

    #[inline(always)]
    pub fn on_record_delivered(&mut self, t: SubtaskId, input: InputIndex, at: SimTime) {
        let words = &self.blocked[t.idx()];
        if words
            .get(input.idx() / 64)
            .is_some_and(|w| w & (1 << (input.idx() % 64)) != 0)
        {
            self.record_past_barrier(t, input, at);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_past_barrier(&mut self, t: SubtaskId, input: InputIndex, at: SimTime) {
        self.violate(format!(
            "subtask {} consumed a record past a barrier on input {input} before alignment ended (at {at})",
            t.0
        ));
    }

    pub fn on_alignment_end(&mut self, t: SubtaskId) {
        self.blocked[t.idx()].fill(0);
    }

    pub fn reset_subtask(&mut self, t: SubtaskId) {
        self.blocked[t.idx()].fill(0);
    }
}

/// The exactly-once figures of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExactlyOnceFigures {
    pub duplicates: u64,
    pub lost: u64,
}

impl Simulation {
    /// Duplicates and lost records right now (the oracle's verdict).
    pub fn exactly_once(&self) -> ExactlyOnceFigures {
        ExactlyOnceFigures {
            duplicates: self.oracle.duplicates,
            // The pipeline (every record run in flight) is scanned only when some record the
            // settled checkpoint covers is not committed: the common case costs no scan.
            lost: if self.oracle.uncommitted_below_settled() == 0 {
                0
            } else {
                self.oracle.lost(&self.records_in_pipeline())
            },
        }
    }

    /// (source, final copy, first seq, records) of every record run still on its way to a sink:
    /// queued in channels or in a buffer being filled, waiting in outputs, in a sink's open or
    /// pre-committed transaction, or, for a region being restarted, in the latest completed
    /// checkpoint it will restore.
    fn records_in_pipeline(&self) -> Vec<(u32, u32, u64, u32)> {
        let g = &self.graph;
        let mut out = Vec::new();
        let mut memo: SortedMap<(u32, u32), Vec<u32>> = SortedMap::new();
        let mut add = |op: u32, r: &Record, out: &mut Vec<(u32, u32, u64, u32)>| {
            let finals = memo.get_or_insert_with((op, r.copy), || {
                let mut v = Vec::new();
                lineages(g, op, r.copy, &mut v);
                v
            });
            for &c in finals.iter() {
                out.push((r.src, c, r.seq, r.n));
            }
        };
        for (c, ch) in self.channels.iter().enumerate() {
            let op = g.subtasks[g.channels[c].to.idx()].op.0;
            for r in ch.queued_records().chain(ch.building.records.iter()) {
                add(op, r, &mut out);
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            for (c, r) in &t.pending_output {
                let op = g.subtasks[g.channels[c.idx()].to.idx()].op.0;
                add(op, r, &mut out);
            }
            let sink_op = g.subtasks[i].op.0;
            if let OperatorState::Sink { open, pending } = &t.state {
                for r in open.iter().chain(pending.values().flat_map(|v| v.iter())) {
                    add(sink_op, r, &mut out);
                }
            }
            for p in &t.in_progress {
                if let OperatorState::Sink { pending, .. } = &p.snapshot.state {
                    for r in pending.values().flat_map(|v| v.iter()) {
                        add(sink_op, r, &mut out);
                    }
                }
            }
        }
        if let Some(latest) = self.coord.store.latest() {
            for s in &latest.snapshots {
                if self.tasks[s.task.idx()].status == super::task::TaskStatus::Running {
                    continue;
                }
                let info = &g.subtasks[s.task.idx()];
                for (_, records) in &s.channel_state {
                    for r in records {
                        add(info.op.0, r, &mut out);
                    }
                }
                if let OperatorState::Sink { pending, .. } = &s.state {
                    for r in pending.values().flat_map(|v| v.iter()) {
                        add(info.op.0, r, &mut out);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_set_counts_and_detects_repeats() {
        let mut s = SeqSet::default();
        assert!(s.insert(0));
        assert!(s.insert(2));
        assert!(!s.insert(2));
        assert_eq!(s.count_below(3), 2);
        assert!(s.insert(1));
        assert_eq!(s.count_below(3), 3);
        assert!(!s.insert(0));
    }

    #[test]
    fn seq_set_range_insert_matches_inserting_one_by_one() {
        let (mut one, mut ranges) = (SeqSet::default(), SeqSet::default());
        let mut z = 7u64;
        for _ in 0..2_000 {
            z = crate::sim::task::mix64(z);
            let (start, n) = (z % 700, 1 + (z >> 32) % 150);
            let fresh = (start..start + n).filter(|&q| one.insert(q)).count() as u64;
            assert_eq!(ranges.insert_range(start..start + n), fresh);
            assert_eq!(ranges, one);
        }
        assert_eq!(ranges.count_below(850), one.count_below(850));
    }
}
