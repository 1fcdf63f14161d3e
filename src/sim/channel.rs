//! A channel: the path from one producer subtask to one consumer subtask (Flink's result
//! subpartition, the network and the consumer's `RemoteInputChannel`, taken as one queue). It
//! carries network buffers (`Buffer`: serialized records) and events (checkpoint barriers,
//! cancellation markers) in order. The producer fills a buffer in place (its `BufferBuilder`)
//! until it is full or the output flusher sends it. A channel holds at most `capacity` buffers,
//! the one being filled included (credit-based flow control: the consumer's buffers plus the
//! producer's share of its output pool); a producer that needs a new buffer in a full channel
//! waits, which is backpressure. Events take no buffer. Unaligned barriers travel in a separate
//! priority lane and so overtake the queued buffers.

use super::ids::{CheckpointId, SimTime};
use std::collections::VecDeque;

mod queue;
pub use queue::Queue;

/// A run of `n` records of one source subtask with consecutive numbers `seq..seq + n` and one
/// key (the unit the simulation moves; `n` is 1 up to 250 records/s per source subtask, see
/// docs/model.md). `copy` tells apart the copies a broadcast or a fan-out makes; `key` drives
/// hash partitioning and keyed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Record {
    pub src: u32,
    pub copy: u32,
    pub seq: u64,
    pub key: u32,
    /// Records in this run (at least 1).
    pub n: u32,
}

impl Record {
    /// One record (a run of one).
    pub fn one(src: u32, copy: u32, seq: u64, key: u32) -> Record {
        Record {
            src,
            copy,
            seq,
            key,
            n: 1,
        }
    }

    /// The record numbers of this run.
    pub fn seqs(&self) -> std::ops::Range<u64> {
        self.seq..self.seq + self.n as u64
    }
}

/// A checkpoint barrier, as Flink's `CheckpointBarrier` (id, timestamp, options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Barrier {
    pub id: CheckpointId,
    /// When the coordinator triggered the checkpoint (start delay and alignment timeout use it).
    pub trigger_time: SimTime,
    pub savepoint: bool,
    /// The checkpoint is taken unaligned from the start (unaligned checkpoints, or an aligned
    /// one whose alignment timeout has run out).
    pub unaligned: bool,
    /// The aligned checkpoint timeout in force (0: none), µs.
    pub aligned_timeout_us: u64,
}

/// A network buffer (Flink's `Buffer` over a `MemorySegment`): the records serialized into it.
/// A flush sends the part of a segment written so far as a slice and the producer goes on
/// writing into the same segment; the segment is free again once its last slice is consumed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Buffer {
    pub records: Runs,
    /// Bytes of data in it (`records` times the record size).
    pub bytes: u64,
    /// The last slice of its segment (the segment was finished: full, or before an event).
    pub ends_segment: bool,
}

impl Buffer {
    /// Records in this buffer (runs expanded).
    pub fn record_count(&self) -> u64 {
        self.records.iter().map(|r| r.n as u64).sum()
    }
}

/// The record runs of a buffer, in order. Most buffers carry one run (a flush of a hash
/// channel), which is kept in place: reading it needs no second memory load, and it needs no
/// list. Only a matter of speed: it reads as a slice of runs whatever its form.
#[derive(Debug, Clone, Default)]
pub enum Runs {
    #[default]
    Empty,
    One(Record),
    Many(Vec<Record>),
}

impl Runs {
    /// Appends a run; a second one moves the runs to a list from `pool`.
    #[inline(always)]
    pub fn push(&mut self, r: Record, pool: &mut RecordPool) {
        match self {
            Runs::Empty => *self = Runs::One(r),
            Runs::Many(v) => v.push(r),
            Runs::One(first) => {
                let mut v = pool.take(8);
                v.push(*first);
                v.push(r);
                *self = Runs::Many(v);
            }
        }
    }
}

impl std::ops::Deref for Runs {
    type Target = [Record];
    #[inline(always)]
    fn deref(&self) -> &[Record] {
        match self {
            Runs::Empty => &[],
            Runs::One(r) => std::slice::from_ref(r),
            Runs::Many(v) => v,
        }
    }
}

impl<'a> IntoIterator for &'a Runs {
    type Item = &'a Record;
    type IntoIter = std::slice::Iter<'a, Record>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<Record>> for Runs {
    fn from(v: Vec<Record>) -> Runs {
        Runs::Many(v)
    }
}

impl PartialEq for Runs {
    fn eq(&self, other: &Runs) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Runs {}

/// Record lists of consumed buffers, kept for new ones: a buffer's list is reused instead of
/// allocated. Only saves allocations; what a run does never depends on it.
#[derive(Debug, Clone, Default)]
pub struct RecordPool(Vec<Vec<Record>>);

impl RecordPool {
    /// Most lists kept.
    const MAX: usize = 4096;

    /// An empty list, with room for at least `room` runs if a new one must be allocated.
    pub fn take(&mut self, room: usize) -> Vec<Record> {
        self.0.pop().unwrap_or_else(|| Vec::with_capacity(room))
    }

    /// Keeps the list of `records`, if it has one, for a later buffer.
    pub fn give(&mut self, records: Runs) {
        if let Runs::Many(mut records) = records {
            if records.capacity() > 0 && self.0.len() < Self::MAX {
                records.clear();
                self.0.push(records);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Buffer(Buffer),
    Barrier(Barrier),
    /// Flink's `CancelCheckpointMarker`: the checkpoint was aborted upstream.
    Cancel(CheckpointId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub item: Item,
    pub sent_at: SimTime,
    /// When the item reaches the consumer's side of the channel.
    pub visible_at: SimTime,
    /// For a priority barrier: how many queued items it overtook that are still ahead of it.
    pub overtaken: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channel {
    /// Buffers, aligned barriers and cancel markers, in order.
    pub queue: Queue,
    /// Priority events: barriers of unaligned checkpoints, which overtake `queue`.
    pub priority: VecDeque<InFlight>,
    /// What the producer wrote into its current segment since the last flush (Flink's
    /// `BufferBuilder`); not yet sent.
    pub building: Buffer,
    /// Bytes of the current segment already sent as slices by flushes.
    pub segment_flushed: u64,
    /// Slices of the current segment still queued (flushed, not consumed).
    pub current_slices: u32,
    /// Finished segments in `queue` (not counting the current one).
    pub buffers: u32,
    /// Buffers this channel may hold, the one being filled included.
    pub capacity: u32,
    /// Bytes at which the producer finishes a buffer: the segment size, or less when buffer
    /// debloating has announced a smaller size.
    pub buffer_size: u64,
    /// Blocked by the consumer during alignment: nothing past the barrier is consumed.
    pub blocked: bool,
    /// The producer is waiting for a free buffer here.
    pub producer_waiting: bool,
    /// Records ever written into this channel (runs expanded).
    pub total_records: u64,
}

impl Channel {
    pub fn new(capacity: u32, buffer_size: u64) -> Channel {
        Channel {
            capacity: capacity.max(1),
            buffer_size,
            ..Default::default()
        }
    }

    /// The producer's current segment holds data (written, or sent as slices not all consumed).
    #[inline(always)]
    fn segment_open(&self) -> bool {
        !self.building.records.is_empty() || self.segment_flushed > 0
    }

    /// The producer may write a record: its current segment has room, or a new segment can be
    /// had.
    #[inline(always)]
    pub fn has_space(&self) -> bool {
        self.segment_open() || self.buffers < self.capacity
    }

    /// Every buffer is taken: a producer with more to write waits.
    #[inline(always)]
    pub fn is_full(&self) -> bool {
        !self.has_space()
    }

    /// Segments in use: finished ones queued plus the current one.
    pub fn buffers_in_use(&self) -> u32 {
        self.buffers + u32::from(self.segment_open())
    }

    /// Writes a record run into the current segment. Returns true when the segment is now full
    /// and must be finished ([`Channel::finish`]). Writing past the capacity happens only with an
    /// overdraft (flushing output before an unaligned snapshot).
    #[inline(always)]
    pub fn write(&mut self, r: Record, bytes: u64, pool: &mut RecordPool) -> bool {
        self.building.records.push(r, pool);
        self.building.bytes += bytes;
        self.total_records += r.n as u64;
        self.segment_flushed + self.building.bytes >= self.buffer_size
    }

    /// Finishes the current segment (full, or before an event): what was written since the last
    /// flush is sent as its last slice, or joins the slice still queued (see
    /// [`Channel::flush`]). Returns whether an item was queued.
    pub fn finish(&mut self, now: SimTime, visible_at: SimTime, pool: &mut RecordPool) -> bool {
        if !self.segment_open() {
            return false;
        }
        if self.join_queued_slice(now, pool, true) {
            self.segment_flushed = 0;
            self.current_slices = 0;
            self.buffers += 1;
            return false;
        }
        self.segment_flushed = 0;
        if self.building.records.is_empty() {
            // Everything was sent already: its last queued slice becomes the segment's end, or
            // the segment is free if that slice was consumed.
            if self.current_slices > 0 {
                self.current_slices = 0;
                if let Some(Item::Buffer(b)) = self
                    .queue
                    .iter_mut()
                    .rev()
                    .map(|f| &mut f.item)
                    .find(|i| matches!(i, Item::Buffer(_)))
                {
                    b.ends_segment = true;
                    self.buffers += 1;
                }
            }
            return false;
        }
        let mut b = self.take_building();
        b.ends_segment = true;
        self.current_slices = 0;
        self.buffers += 1;
        self.enqueue(b, now, visible_at);
        true
    }

    /// The output flusher: sends what was written since the last flush as a slice; the
    /// producer goes on writing into the same segment. A slice of this segment still queued
    /// (not read yet) takes the new records instead: Flink's consumer reads a segment being
    /// written as one slice of all that was flushed when it gets to it, so a backlog is read in
    /// whole buffers however often the flusher fires. Returns whether an item was queued.
    pub fn flush(&mut self, now: SimTime, visible_at: SimTime, pool: &mut RecordPool) -> bool {
        if self.building.records.is_empty() {
            return false;
        }
        if self.join_queued_slice(now, pool, false) {
            return false;
        }
        let b = self.take_building();
        self.segment_flushed += b.bytes;
        self.current_slices += 1;
        self.enqueue(b, now, visible_at);
        true
    }

    /// Moves what was written since the last flush into the slice of the current segment that
    /// is queued last, if it is still there: arrived (not on the wire) and unread; with
    /// `ends_segment`, that slice becomes the segment's last. Returns whether it did.
    fn join_queued_slice(
        &mut self,
        now: SimTime,
        pool: &mut RecordPool,
        ends_segment: bool,
    ) -> bool {
        if self.current_slices == 0 || self.building.records.is_empty() {
            return false;
        }
        let Some(InFlight {
            item: Item::Buffer(tail),
            visible_at,
            ..
        }) = self.queue.back_mut()
        else {
            return false;
        };
        if tail.ends_segment || *visible_at > now {
            return false;
        }
        let b = std::mem::take(&mut self.building);
        self.segment_flushed += b.bytes;
        tail.bytes += b.bytes;
        tail.ends_segment = ends_segment;
        for r in b.records.iter() {
            tail.records.push(*r, pool);
        }
        pool.give(b.records);
        true
    }

    /// Takes what was written since the last flush; the next one starts empty.
    fn take_building(&mut self) -> Buffer {
        std::mem::take(&mut self.building)
    }

    fn enqueue(&mut self, b: Buffer, now: SimTime, visible_at: SimTime) {
        self.queue.push_back(InFlight {
            item: Item::Buffer(b),
            sent_at: now,
            visible_at,
            overtaken: 0,
        });
    }

    /// Appends an item at the tail (a restored buffer of persisted channel state, an event).
    pub fn push(&mut self, item: Item, now: SimTime, visible_at: SimTime) {
        if matches!(&item, Item::Buffer(b) if b.ends_segment) {
            self.buffers += 1;
        }
        self.queue.push_back(InFlight {
            item,
            sent_at: now,
            visible_at,
            overtaken: 0,
        });
    }

    /// Puts a barrier in the priority lane: it overtakes everything queued now.
    pub fn push_priority(&mut self, barrier: Barrier, now: SimTime, visible_at: SimTime) {
        let overtaken = self.queue.len() as u32;
        self.priority.push_back(InFlight {
            item: Item::Barrier(barrier),
            sent_at: now,
            visible_at,
            overtaken,
        });
    }

    /// Removes the head of the regular queue.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<InFlight> {
        let f = self.queue.pop_front()?;
        if let Item::Buffer(b) = &f.item {
            if b.ends_segment {
                self.buffers -= 1;
            } else if self.buffers == 0 {
                // No finished segment is queued ahead: a slice of the current segment.
                self.current_slices = self.current_slices.saturating_sub(1);
            }
        }
        for p in self.priority.iter_mut() {
            p.overtaken = p.overtaken.saturating_sub(1);
        }
        Some(f)
    }

    /// Position in `queue` of the aligned barrier of checkpoint `id`, if it is queued.
    pub fn find_barrier(&self, id: CheckpointId) -> Option<usize> {
        self.queue
            .iter()
            .position(|f| matches!(f.item, Item::Barrier(b) if b.id == id))
    }

    /// Moves the queued aligned barrier at `pos` to the priority lane (an aligned barrier that
    /// timed out in the output buffers). Returns the barrier.
    pub fn promote_barrier(&mut self, pos: usize, now: SimTime) -> Option<Barrier> {
        let f = self.queue.remove(pos)?;
        let Item::Barrier(mut b) = f.item else {
            self.queue.insert(pos, f);
            return None;
        };
        b.unaligned = true;
        for p in self.priority.iter_mut() {
            if p.overtaken as usize > pos {
                p.overtaken -= 1;
            }
        }
        self.priority.push_back(InFlight {
            item: Item::Barrier(b),
            sent_at: f.sent_at,
            visible_at: f.visible_at.max(now),
            overtaken: pos as u32,
        });
        Some(b)
    }

    /// Drops everything (the consumer or producer restarted).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.priority.clear();
        self.building = Buffer::default();
        self.segment_flushed = 0;
        self.current_slices = 0;
        self.buffers = 0;
        self.blocked = false;
        self.producer_waiting = false;
    }

    /// Record runs sent and not yet consumed, in order, for the UI and the oracle.
    pub fn queued_records(&self) -> impl Iterator<Item = &Record> {
        self.queue.iter().flat_map(|f| match &f.item {
            Item::Buffer(b) => b.records.iter(),
            _ => [].iter(),
        })
    }

    /// Records sent and not yet consumed (runs expanded).
    pub fn queued_record_count(&self) -> u64 {
        self.queued_records().map(|r| r.n as u64).sum()
    }

    /// Bytes sent and not yet consumed plus the bytes in the buffer being filled.
    pub fn bytes_in_flight(&self) -> u64 {
        let queued: u64 = self
            .queue
            .iter()
            .map(|f| match &f.item {
                Item::Buffer(b) => b.bytes,
                _ => 0,
            })
            .sum();
        queued + self.building.bytes
    }
}

#[cfg(test)]
mod tests;
