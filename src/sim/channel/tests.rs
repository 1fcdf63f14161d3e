//! Tests of a channel: buffers, slices, capacity, priority barriers.

use super::*;

fn rec(seq: u64) -> Record {
    Record::one(0, 0, seq, 0)
}

fn barrier(id: u64) -> Barrier {
    Barrier {
        id: CheckpointId(id),
        trigger_time: SimTime(0),
        savepoint: false,
        unaligned: false,
        aligned_timeout_us: 0,
    }
}

#[test]
fn runs_read_in_order_kept_in_place_or_in_a_pooled_list() {
    let mut pool = RecordPool::default();
    let mut runs = Runs::default();
    assert!(runs.is_empty());
    runs.push(rec(0), &mut pool);
    assert!(matches!(runs, Runs::One(_)), "one run needs no list");
    runs.push(rec(1), &mut pool);
    runs.push(rec(2), &mut pool);
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(runs, Runs::from(vec![rec(0), rec(1), rec(2)]));
    pool.give(runs);
    let mut again = Runs::default();
    again.push(rec(3), &mut pool);
    again.push(rec(4), &mut pool);
    assert_eq!(again[..], [rec(3), rec(4)], "a reused list starts empty");
}

#[test]
fn records_fill_a_buffer_that_is_sent_when_full() {
    let mut c = Channel::new(2, 300);
    assert!(!c.write(rec(0), 100, &mut RecordPool::default()));
    assert!(!c.write(rec(1), 100, &mut RecordPool::default()));
    assert!(c.write(rec(2), 100, &mut RecordPool::default()));
    assert!(c.finish(SimTime(0), SimTime(1), &mut RecordPool::default()));
    assert_eq!(c.buffers, 1);
    assert_eq!(c.queued_record_count(), 3);
    assert!(
        !c.finish(SimTime(0), SimTime(1), &mut RecordPool::default()),
        "nothing left to send"
    );
}

#[test]
fn capacity_counts_the_buffer_being_filled_and_events_take_none() {
    let mut c = Channel::new(2, 100);
    c.write(rec(0), 100, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    c.push(Item::Barrier(barrier(1)), SimTime(0), SimTime(1));
    assert!(c.has_space());
    c.write(rec(1), 50, &mut RecordPool::default());
    assert!(c.has_space(), "the buffer being filled still has room");
    c.write(rec(2), 50, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    assert!(c.is_full());
    c.pop();
    assert!(c.has_space());
}

#[test]
fn priority_barrier_counts_the_items_it_overtook() {
    let mut c = Channel::new(8, 100);
    c.write(rec(0), 100, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    c.write(rec(1), 100, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    c.push_priority(barrier(1), SimTime(0), SimTime(1));
    assert_eq!(c.priority[0].overtaken, 2);
    c.pop();
    assert_eq!(c.priority[0].overtaken, 1);
}

#[test]
fn promoted_barrier_overtakes_the_buffers_ahead_of_it() {
    let mut c = Channel::new(8, 100);
    c.write(rec(0), 100, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    c.push(Item::Barrier(barrier(4)), SimTime(0), SimTime(1));
    c.write(rec(1), 100, &mut RecordPool::default());
    c.finish(SimTime(0), SimTime(1), &mut RecordPool::default());
    let pos = c.find_barrier(CheckpointId(4)).unwrap();
    let b = c.promote_barrier(pos, SimTime(5)).unwrap();
    assert!(b.unaligned);
    assert_eq!(c.queue.len(), 2);
    assert_eq!(c.priority[0].overtaken, 1);
}

#[test]
fn flushed_slices_share_their_segment_until_it_is_finished() {
    let mut pool = RecordPool::default();
    let mut c = Channel::new(1, 300);
    c.write(rec(0), 100, &mut pool);
    assert!(c.flush(SimTime(0), SimTime(0), &mut pool));
    assert_eq!(c.buffers_in_use(), 1, "one segment, sent as a slice");
    assert!(c.has_space(), "the producer goes on writing into it");
    c.pop();
    c.write(rec(1), 100, &mut pool);
    assert!(c.flush(SimTime(0), SimTime(0), &mut pool));
    assert_eq!(c.buffers_in_use(), 1, "still written into");
    assert!(c.write(rec(2), 100, &mut pool), "300 bytes: full");
    assert!(
        !c.finish(SimTime(0), SimTime(0), &mut pool),
        "the last records join the slice still queued"
    );
    assert!(c.is_full(), "the finished segment waits for its consumer");
    assert_eq!(c.queue.len(), 1);
    c.pop();
    assert!(c.has_space());
    assert_eq!(c.buffers_in_use(), 0);
}

#[test]
fn a_slice_on_the_wire_takes_no_more_records() {
    let mut pool = RecordPool::default();
    let mut c = Channel::new(2, 1000);
    c.write(rec(0), 100, &mut pool);
    assert!(c.flush(SimTime(0), SimTime(30), &mut pool));
    c.write(rec(1), 100, &mut pool);
    assert!(
        c.flush(SimTime(10), SimTime(40), &mut pool),
        "the first slice arrives at 30 ms: the next is a slice of its own"
    );
    assert_eq!(c.queue.len(), 2);
}

#[test]
fn a_flush_joins_the_unread_slice_of_its_segment() {
    let mut pool = RecordPool::default();
    let mut c = Channel::new(2, 1000);
    c.write(rec(0), 100, &mut pool);
    assert!(c.flush(SimTime(0), SimTime(1), &mut pool));
    c.write(rec(1), 100, &mut pool);
    assert!(
        !c.flush(SimTime(1), SimTime(2), &mut pool),
        "no second item while the first slice is unread"
    );
    c.write(rec(9), 100, &mut pool);
    assert!(!c.flush(SimTime(5), SimTime(6), &mut pool), "joined again");
    assert_eq!(c.queue.len(), 1);
    assert_eq!(c.queued_record_count(), 3);
    let Some(InFlight {
        item: Item::Buffer(b),
        ..
    }) = c.pop()
    else {
        panic!("a buffer is queued");
    };
    assert_eq!((b.bytes, b.ends_segment), (300, false));
    c.write(rec(2), 100, &mut pool);
    assert!(
        c.flush(SimTime(9), SimTime(10), &mut pool),
        "read: the next flush sends a new slice"
    );
    assert_eq!(c.buffers_in_use(), 1);
}
