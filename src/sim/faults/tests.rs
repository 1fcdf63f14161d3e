//! The fault actor alone: faults and interventions fired at it, the commands asserted.

use super::*;
use crate::sim::scenario::{Scenario, SnapshotPhase};

struct World {
    graph: ExecutionGraph,
    tasks: Vec<Task>,
    now: SimTime,
    rpcs: SortedMap<u64, RpcInFlight>,
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
            now: SimTime::from_ms(100),
            rpcs: SortedMap::new(),
        }
    }

    fn handle(&self, storage: &mut Storage, input: FaultInput) -> Vec<Command> {
        let ctx = FaultContext {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            rpcs: &self.rpcs,
        };
        let mut out = Out::default();
        handle(storage, input, &ctx, &mut out);
        out.into_commands()
    }

    fn fire(&self, storage: &mut Storage, what: impl Into<Scheduled>) -> Vec<Command> {
        self.handle(storage, FaultInput::Fire(what.into()))
    }
}

const SINK: SubtaskId = SubtaskId(1);

#[test]
fn a_kill_fails_the_subtask_after_logging_the_fault() {
    let w = World::new();
    let cmds = w.fire(
        &mut Storage::default(),
        Fault::Kill {
            task: "sink#0".into(),
        },
    );
    assert_eq!(
        cmds,
        vec![
            Command::Log {
                kind: LogKind::Fault,
                text: "fault: kill sink#0".into()
            },
            Command::FailTask {
                task: SINK,
                cause: "kill sink#0".into()
            }
        ]
    );
}

#[test]
fn an_intervention_is_a_request_to_the_coordinator() {
    let w = World::new();
    let cmds = w.fire(&mut Storage::default(), Intervention::TriggerSavepoint);
    assert_eq!(
        cmds[1],
        Command::Coordinator(CoordinatorInput::Request(RequestKind::Savepoint))
    );
    let cmds = w.fire(&mut Storage::default(), Intervention::TriggerCheckpoint);
    assert_eq!(
        cmds[1],
        Command::Coordinator(CoordinatorInput::Request(RequestKind::Manual))
    );
}

#[test]
fn a_slow_down_ends_unless_a_newer_one_replaced_it() {
    let mut w = World::new();
    let mut storage = Storage::default();
    let cmds = w.fire(
        &mut storage,
        Fault::Slow {
            task: "sink#0".into(),
            factor: 2.5,
            duration_ms: 40,
        },
    );
    let Command::SetSlow { milli, token, .. } = cmds[1] else {
        panic!("{cmds:?}");
    };
    assert_eq!(milli, 2500);
    assert_eq!(
        cmds[2],
        Command::Schedule {
            at: SimTime::from_ms(140),
            event: Event::SlowEnds { task: SINK, token }
        }
    );
    w.tasks[SINK.idx()].slow_token = token;
    let stale = FencingToken::default();
    assert_eq!(
        w.handle(
            &mut storage,
            FaultInput::SlowEnds {
                task: SINK,
                token: stale
            }
        ),
        vec![]
    );
    let ends = w.handle(&mut storage, FaultInput::SlowEnds { task: SINK, token });
    assert_eq!(
        ends[0],
        Command::SetSlow {
            task: SINK,
            milli: 1000,
            token
        }
    );
}

#[test]
fn overlapping_storage_outages_extend_each_other() {
    let mut w = World::new();
    let mut storage = Storage::default();
    w.fire(&mut storage, Fault::StorageOutage { duration_ms: 100 });
    w.now = SimTime::from_ms(150);
    let cmds = w.fire(&mut storage, Fault::StorageOutage { duration_ms: 10 });
    assert_eq!(storage.down_until, Some(SimTime::from_ms(200)));
    assert!(storage.is_down(SimTime::from_ms(199)) && !storage.is_down(SimTime::from_ms(200)));
    let Command::Schedule {
        at,
        event: Event::StorageBack { token },
    } = cmds[1]
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(at, SimTime::from_ms(200));
    assert_eq!(token, storage.token);
    assert_eq!(
        w.handle(
            &mut storage,
            FaultInput::StorageBack {
                token: FencingToken(1)
            }
        ),
        vec![],
        "the first outage's end is fenced off"
    );
}

#[test]
fn armed_faults_wait_for_the_subtasks_next_ack_or_snapshot() {
    let w = World::new();
    let mut storage = Storage::default();
    let drop = w.fire(
        &mut storage,
        Fault::DropAck {
            task: "sink#0".into(),
        },
    );
    assert_eq!(drop[1], Command::DropNextAck { task: SINK });
    let fail = w.fire(
        &mut storage,
        Fault::SnapshotFailure {
            task: "sink#0".into(),
            phase: SnapshotPhase::Async,
        },
    );
    assert_eq!(
        fail[1],
        Command::FailNextSnapshot {
            task: SINK,
            phase: SnapshotPhase::Async
        }
    );
}

#[test]
fn a_jobmanager_failure_goes_to_the_failover() {
    let w = World::new();
    let cmds = w.fire(&mut Storage::default(), Fault::CoordinatorFailover);
    assert_eq!(
        cmds[1],
        Command::Failover(FailoverInput::CoordinatorFailover)
    );
}

#[test]
fn lose_ack_loses_the_ack_in_flight_and_only_that_one() {
    use crate::sim::ids::CheckpointId;
    let mut w = World::new();
    let rpc = |kind, task, id| RpcInFlight {
        kind,
        task,
        id: CheckpointId(id),
        sent_at: SimTime::from_ms(99),
        arrives_at: SimTime::from_ms(101),
    };
    w.rpcs.insert(3, rpc(RpcKind::Trigger, SubtaskId(0), 2));
    w.rpcs.insert(4, rpc(RpcKind::Ack, SINK, 1));
    w.rpcs.insert(5, rpc(RpcKind::Ack, SINK, 2));
    let lose = |checkpoint| Fault::LoseAck {
        task: "sink#0".into(),
        checkpoint,
    };
    let cmds = w.fire(&mut Storage::default(), lose(2));
    assert_eq!(cmds.last(), Some(&Command::LoseRpc { rpc: 5 }), "{cmds:?}");
    assert!(
        matches!(&cmds[1], Command::Log { text, .. } if text.contains("acknowledgeCheckpoint RPC of checkpoint 2 from sink#0") && text.contains("is lost")),
        "{cmds:?}"
    );
    // Nothing in flight for checkpoint 7: nothing is lost, and the log says so.
    let cmds = w.fire(&mut Storage::default(), lose(7));
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::LoseRpc { .. })),
        "{cmds:?}"
    );
    assert!(
        matches!(cmds.last(), Some(Command::Log { text, .. }) if text.contains("nothing is lost")),
        "{cmds:?}"
    );
}
