//! The simulation: a deterministic discrete-event model of a Flink job and its
//! CheckpointCoordinator. Pure Rust: no web dependency, no clock, one seeded RNG.
