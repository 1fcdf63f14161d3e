//! Flink's network stack at the level that sets in-flight data: how many buffers a channel gets
//! (`ChannelBudget`, the credit-based flow control of Flink's `SingleInputGateFactory` and
//! `ResultPartitionFactory`), the output flusher (`RecordWriter.OutputFlusher`, in
//! `task/network.rs`) and buffer debloating ([`debloat`], Flink's `BufferDebloater`).
//!
//! A channel here is one queue from the producer's result subpartition to the consumer's input
//! channel. Its capacity in buffers is the consumer's credit (exclusive buffers plus its share of
//! the gate's floating buffers; none for a local channel) plus what the producer's subpartition
//! may queue (its share of the result partition's pool, `subpartitions * 2 + 8`, at most
//! `MAX_BUFFERS_PER_CHANNEL`). Flink 2.x hard-codes these counts
//! (`NettyShuffleEnvironmentConfiguration`) and hands floating and pool buffers out on demand;
//! here each channel gets a fixed, even share (docs/model.md).

pub mod debloat;

use super::graph::ExecutionGraph;

/// Exclusive buffers of one input channel (Flink's `buffers-per-channel`, fixed at 2 in 2.x).
pub const EXCLUSIVE_BUFFERS_PER_CHANNEL: u32 = 2;
/// Floating buffers of one input gate, shared by its channels (Flink 2.x: 8).
pub const FLOATING_BUFFERS_PER_GATE: u32 = 8;
/// Most buffers one result subpartition may queue (`max-buffers-per-channel`, 10).
pub const MAX_BUFFERS_PER_CHANNEL: u32 = 10;

/// The buffers one channel may hold, split by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelBudget {
    /// The consumer's credit: exclusive buffers plus a share of the gate's floating ones.
    pub receiver: u32,
    /// The producer's subpartition: its share of the result partition's buffer pool.
    pub sender: u32,
}

impl ChannelBudget {
    /// The budget of a remote channel into a gate of `gate_channels` input channels, from a
    /// result partition of `subpartitions` subpartitions (a local channel: [`Self::local`]).
    pub fn new(gate_channels: u32, subpartitions: u32) -> ChannelBudget {
        let gate_channels = gate_channels.max(1);
        let subpartitions = subpartitions.max(1);
        // Flink's result partition pool: at most subpartitions * 2 + 8 buffers, and no
        // subpartition may hold more than MAX_BUFFERS_PER_CHANNEL.
        let pool = subpartitions * EXCLUSIVE_BUFFERS_PER_CHANNEL + FLOATING_BUFFERS_PER_GATE;
        ChannelBudget {
            receiver: EXCLUSIVE_BUFFERS_PER_CHANNEL + FLOATING_BUFFERS_PER_GATE / gate_channels,
            sender: (pool / subpartitions).clamp(1, MAX_BUFFERS_PER_CHANNEL),
        }
    }

    /// A `LocalInputChannel` reads the producer's subpartition directly: no buffers of its own.
    pub fn local(self) -> ChannelBudget {
        ChannelBudget {
            receiver: 0,
            ..self
        }
    }

    pub fn total(&self) -> u32 {
        self.receiver + self.sender
    }

    /// The budget of every channel of `g`, in channel order. A gate is the consumer's input
    /// channels of one job edge; a result partition is the producer's channels of one job edge.
    pub fn of_graph(g: &ExecutionGraph, local: bool) -> Vec<ChannelBudget> {
        // Channels per (consumer, edge): the size of each gate, counted in one pass.
        let mut gates = crate::sim::sorted::SortedMap::new();
        for c in &g.channels {
            *gates.get_or_insert_with((c.to, c.edge), || 0u32) += 1;
        }
        g.channels
            .iter()
            .map(|c| {
                let gate = gates[&(c.to, c.edge)];
                let partition = g.subtasks[c.from.idx()]
                    .outputs
                    .iter()
                    .find(|o| o.edge == c.edge)
                    .map(|o| o.channels.len() as u32)
                    .unwrap_or(1);
                let b = ChannelBudget::new(gate, partition);
                if local {
                    b.local()
                } else {
                    b
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_channel_gets_the_whole_gate_and_partition() {
        let b = ChannelBudget::new(1, 1);
        assert_eq!(b.receiver, 10);
        assert_eq!(b.sender, 10);
    }

    #[test]
    fn all_to_all_channel_gets_its_exclusive_buffers_and_a_small_share() {
        let b = ChannelBudget::new(256, 256);
        assert_eq!(b.receiver, 2);
        assert_eq!(b.sender, 2);
        assert_eq!(ChannelBudget::new(2, 2).total(), 12);
    }
}
