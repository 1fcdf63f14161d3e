//! The coordinator alone: inputs fed to it without a job running, the commands it records
//! asserted, as Arroyo's and RisingWave's coordinator tests do.

use super::{Context, Coordinator, CoordinatorInput, RequestKind};
use crate::sim::command::{Command, Out, Stat};
use crate::sim::events::Event;
use crate::sim::graph::ExecutionGraph;
use crate::sim::ids::{CheckpointId, FencingToken, SimDuration, SimTime, SubtaskId};
use crate::sim::scenario::{CheckpointingSpec, Scenario};
use crate::sim::snapshot::{OperatorState, SubtaskSnapshot};
use crate::sim::stats::CheckpointStats;
use crate::sim::task::{Task, TaskStatus};
use crate::sim::FailureReason;
use std::rc::Rc;

/// Two subtasks (a source and a sink) and nothing running: only what the coordinator reads.
struct World {
    graph: ExecutionGraph,
    tasks: Vec<Task>,
    stats: CheckpointStats,
    now: SimTime,
    storage_down: bool,
}

impl World {
    fn new() -> World {
        let s = Scenario::from_json(
            r#"{"name":"t","duration_ms":1000,
            "job":{"operators":[{"name":"src","kind":"source"},{"name":"sink","kind":"sink"}],
                   "edges":[{"from":"src","to":"sink"}]}}"#,
        )
        .expect("valid");
        let graph = ExecutionGraph::build(&s);
        let tasks = Task::deploy_all(&graph);
        World {
            graph,
            tasks,
            stats: CheckpointStats::default(),
            now: SimTime::ZERO,
            storage_down: false,
        }
    }

    fn handle(&self, c: &mut Coordinator, input: CoordinatorInput) -> Vec<Command> {
        let ctx = Context {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            stats: &self.stats,
            storage_down: self.storage_down,
            storage_write: SimDuration::from_ms(5),
        };
        let mut out = Out::default();
        c.handle(input, &ctx, &mut out);
        out.into_commands()
    }
}

fn config(interval_ms: u64) -> CheckpointingSpec {
    CheckpointingSpec {
        interval_ms: Some(interval_ms),
        ..CheckpointingSpec::default()
    }
}

fn ack(task: u32, id: u64) -> CoordinatorInput {
    CoordinatorInput::Ack {
        task: SubtaskId(task),
        current_attempt: true,
        snapshot: Rc::new(SubtaskSnapshot {
            task: SubtaskId(task),
            id: CheckpointId(id),
            state: OperatorState::Map,
            channel_state: Vec::new(),
            metrics: Default::default(),
        }),
    }
}

fn triggered(cmds: &[Command]) -> Vec<CheckpointId> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::TriggerSources { barrier } => Some(barrier.id),
            _ => None,
        })
        .collect()
}

#[test]
fn job_running_starts_the_scheduler_and_its_timer_triggers_checkpoint_1() {
    let w = World::new();
    let mut c = Coordinator::new(config(100));
    let cmds = w.handle(&mut c, CoordinatorInput::JobRunning);
    let Some(Command::Schedule {
        at,
        event: Event::PeriodicTrigger { token },
    }) = cmds.first().cloned()
    else {
        panic!("expected the trigger timer, got {cmds:?}");
    };
    assert_eq!(at, SimTime::ZERO, "first trigger after min pause (0)");
    let cmds = w.handle(&mut c, CoordinatorInput::PeriodicTrigger { token });
    assert_eq!(triggered(&cmds), vec![CheckpointId(1)]);
    assert!(cmds.contains(&Command::Schedule {
        at: SimTime::from_ms(100),
        event: Event::PeriodicTrigger { token: c.timer },
    }));
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::Schedule {
            event: Event::CheckpointTimeout {
                id: CheckpointId(1),
                ..
            },
            ..
        }
    )));
    assert_eq!(c.num_pending(), 1);
}

#[test]
fn a_stale_timer_token_triggers_nothing() {
    let w = World::new();
    let mut c = Coordinator::new(config(100));
    w.handle(&mut c, CoordinatorInput::JobRunning);
    let stale = FencingToken(c.timer.0 - 1);
    assert!(w
        .handle(&mut c, CoordinatorInput::PeriodicTrigger { token: stale })
        .is_empty());
}

#[test]
fn the_last_ack_starts_the_metadata_write_and_completion_notifies_every_subtask() {
    let w = World::new();
    let mut c = Coordinator::new(config(100));
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    assert!(w.handle(&mut c, ack(0, 1)).iter().all(|c| !matches!(
        c,
        Command::Schedule {
            event: Event::MetadataWritten { .. },
            ..
        }
    )));
    let cmds = w.handle(&mut c, ack(1, 1));
    assert!(c.pending[&CheckpointId(1)].is_finalizing());
    let session = c.leader_session;
    assert!(cmds.contains(&Command::Schedule {
        at: SimTime::from_ms(5),
        event: Event::MetadataWritten {
            id: CheckpointId(1),
            session
        },
    }));
    let cmds = w.handle(
        &mut c,
        CoordinatorInput::MetadataWritten {
            id: CheckpointId(1),
            session,
        },
    );
    assert!(cmds.contains(&Command::Stat(Stat::Completed(CheckpointId(1)))));
    assert!(cmds.contains(&Command::NotifyComplete {
        id: CheckpointId(1)
    }));
    assert_eq!(c.store.retained_ids(), vec![CheckpointId(1)]);
    assert!(c.pending.is_empty());
}

#[test]
fn a_duplicate_ack_is_reported_and_not_counted() {
    let w = World::new();
    let mut c = Coordinator::new(config(100));
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    w.handle(&mut c, ack(0, 1));
    let cmds = w.handle(&mut c, ack(0, 1));
    assert!(matches!(&cmds[..], [Command::Log { text, .. }] if text.ends_with("Duplicate")));
    assert_eq!(c.pending[&CheckpointId(1)].num_acknowledged(), 1);
}

#[test]
fn a_decline_past_tolerable_failures_fails_the_job_and_triggers_nothing_after() {
    let w = World::new();
    let mut c = Coordinator::new(CheckpointingSpec {
        max_concurrent: 1,
        ..config(100)
    });
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    // A second request waits for the max_concurrent slot.
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    assert_eq!(c.requests.len(), 1);
    let cmds = w.handle(
        &mut c,
        CoordinatorInput::Decline {
            task: SubtaskId(1),
            current_attempt: true,
            id: CheckpointId(1),
            reason: FailureReason::CheckpointDeclined,
        },
    );
    assert!(matches!(cmds.last(), Some(Command::FailJob { .. })));
    assert!(triggered(&cmds).is_empty(), "the failover comes first");
    // The failover then suspends the coordinator: the queued request is dropped.
    let cmds = w.handle(&mut c, CoordinatorInput::JobNotRunning);
    assert!(triggered(&cmds).is_empty());
    assert!(c.requests.is_empty() && c.next_trigger_at.is_none());
}

#[test]
fn an_abort_frees_the_max_concurrent_slot_for_a_queued_request() {
    let w = World::new();
    let mut c = Coordinator::new(CheckpointingSpec {
        tolerable_failed: 5,
        ..config(100)
    });
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    let session = c.leader_session;
    let cmds = w.handle(
        &mut c,
        CoordinatorInput::Timeout {
            id: CheckpointId(1),
            session,
        },
    );
    assert!(cmds.contains(&Command::Stat(Stat::Failed {
        id: CheckpointId(1),
        reason: FailureReason::CheckpointExpired
    })));
    assert_eq!(triggered(&cmds), vec![CheckpointId(2)]);
    assert!(c.recently_expired.contains(&CheckpointId(1)));
}

#[test]
fn storage_down_at_trigger_fails_the_new_id_with_io_exception() {
    let mut w = World::new();
    w.storage_down = true;
    let mut c = Coordinator::new(CheckpointingSpec {
        tolerable_failed: 5,
        ..config(100)
    });
    let cmds = w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    assert!(triggered(&cmds).is_empty());
    assert!(cmds.contains(&Command::Stat(Stat::Failed {
        id: CheckpointId(1),
        reason: FailureReason::IoException
    })));
    assert_eq!(c.next_id, 2, "the ID was taken");
}

#[test]
fn a_request_while_a_task_is_not_running_fails_before_getting_an_id() {
    let mut w = World::new();
    w.tasks[1].status = TaskStatus::Initializing;
    let mut c = Coordinator::new(config(100));
    let cmds = w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    assert!(cmds.contains(&Command::Stat(Stat::FailedWithoutId)));
    assert_eq!(c.next_id, 1);
    assert_eq!(c.trigger_failures["NOT_ALL_REQUIRED_TASKS_RUNNING"], 1);
}

#[test]
fn losing_leadership_fails_pending_checkpoints_and_a_new_session_restarts_regions() {
    let w = World::new();
    let mut c = Coordinator::new(config(100));
    w.handle(&mut c, CoordinatorInput::Request(RequestKind::Manual));
    let old = c.leader_session;
    let cmds = w.handle(
        &mut c,
        CoordinatorInput::LeadershipLost {
            recovery: SimDuration::from_ms(50),
        },
    );
    assert!(cmds.contains(&Command::Stat(Stat::Failed {
        id: CheckpointId(1),
        reason: FailureReason::CheckpointCoordinatorShutdown
    })));
    assert!(!c.alive && c.pending.is_empty() && c.leader_session != old);
    // Acks of the old leader's checkpoints are lost while nobody leads.
    assert!(w.handle(&mut c, ack(0, 1)).is_empty());
    assert!(w
        .handle(&mut c, CoordinatorInput::LeadershipGranted { session: old })
        .is_empty());
    let session = c.leader_session;
    let cmds = w.handle(&mut c, CoordinatorInput::LeadershipGranted { session });
    assert!(matches!(cmds.last(), Some(Command::RestartWaitingRegions)));
    assert_eq!(c.next_id, 2, "the ID counter survives");
}
