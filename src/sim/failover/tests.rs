//! The failover alone (inputs fed, commands asserted) and a whole-job regression.

use super::*;
use crate::sim::scenario::Scenario;
use crate::sim::Simulation;

/// Found by the fuzzer: with `restart_delay_ms: 0`, a restore that fails because storage is
/// down failed over again at the same instant, forever.
#[test]
fn zero_restart_delay_with_failing_restore_still_advances_time() {
    let mut sim = Simulation::from_json(
        r#"{"name":"t","duration_ms":3000,"restart_delay_ms":0,
        "job":{"operators":[{"name":"src","kind":"source"},{"name":"sink","kind":"sink"}],
               "edges":[{"from":"src","to":"sink"}]},
        "checkpointing":{"interval_ms":100},
        "faults":[{"at_ms":500,"kind":"storage_outage","duration_ms":1000},
                  {"at_ms":600,"kind":"kill","task":"sink#0"}]}"#,
    )
    .expect("valid");
    sim.run_until(SimTime::from_ms(3000));
    let restarts = sim.job().restarts.len();
    assert!(restarts > 1 && restarts < 100, "{restarts} restarts");
    assert_eq!(sim.job().status.name(), "RUNNING");
    assert!(sim.stats().counts.completed > 5);
}

// ----- the failover alone -----

/// Two pipelines `src#i -> sink#i` (forward): two failover regions, nothing running.
struct World {
    graph: ExecutionGraph,
    tasks: Vec<Task>,
    now: SimTime,
    alive: bool,
    latest: Option<Rc<CompletedCheckpoint>>,
    storage_down: bool,
    restart_attempts: Option<u32>,
}

impl World {
    fn new() -> World {
        let s = Scenario::from_json(
            r#"{"name":"t","duration_ms":1000,
            "job":{"operators":[{"name":"src","kind":"source","parallelism":2},
                                {"name":"sink","kind":"sink","parallelism":2}],
                   "edges":[{"from":"src","to":"sink","partitioning":"forward"}]}}"#,
        )
        .expect("valid");
        let graph = ExecutionGraph::build(&s);
        assert_eq!(graph.regions.len(), 2, "two pipelines, two regions");
        let tasks = Task::deploy_all(&graph);
        World {
            graph,
            tasks,
            now: SimTime::from_ms(100),
            alive: true,
            latest: None,
            storage_down: false,
            restart_attempts: None,
        }
    }

    fn handle(&self, job: &mut JobState, input: FailoverInput) -> Vec<Command> {
        let ctx = FailoverContext {
            now: self.now,
            graph: &self.graph,
            tasks: &self.tasks,
            coordinator_alive: self.alive,
            latest: self.latest.clone(),
            storage_down: self.storage_down,
            restart_attempts: self.restart_attempts,
            recovery: SimDuration::from_ms(50),
        };
        let mut out = Out::default();
        job.handle(input, &ctx, &mut out);
        out.into_commands()
    }

    fn region_of(&self, t: u32) -> u32 {
        self.graph.subtasks[t as usize].region
    }
}

fn cancel(w: &World, job: &mut JobState, region: u32) -> Vec<Command> {
    w.handle(
        job,
        FailoverInput::CancelRegions {
            regions: vec![region],
            cause: "kill".into(),
        },
    )
}

fn restarts(cmds: &[Command]) -> Vec<(SimTime, u32, FencingToken)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Schedule {
                at,
                event: Event::RegionRestart { region, token },
            } => Some((*at, *region, *token)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_task_failure_fails_its_region_over() {
    let w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    let cmds = w.handle(
        &mut job,
        FailoverInput::TaskFailed {
            task: SubtaskId(0),
            cause: "kill src#0".into(),
        },
    );
    assert!(matches!(
        &cmds[0],
        Command::Log {
            kind: LogKind::Failover,
            ..
        }
    ));
    assert_eq!(
        cmds[1],
        Command::FailRegions {
            regions: vec![w.region_of(0)],
            cause: "kill src#0".into()
        }
    );
}

#[test]
fn cancelling_a_region_cancels_its_subtasks_and_restarts_it_after_the_backoff() {
    let w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    let region = w.region_of(0);
    let cmds = cancel(&w, &mut job, region);
    let cancelled: Vec<SubtaskId> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::CancelTask {
                task,
                status: TaskStatus::Failed,
            } => Some(*task),
            _ => None,
        })
        .collect();
    assert_eq!(cancelled, w.graph.regions[region as usize]);
    let planned = restarts(&cmds);
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].0, w.now.plus(SimDuration::from_ms(10)));
    assert_eq!(job.status, JobStatus::Restarting);
    assert_eq!(job.restart_count(), 1);
    // The backoff grows (x1.5) for the next failure.
    let other = cancel(&w, &mut job, w.region_of(1));
    assert_eq!(restarts(&other)[0].0, w.now.plus(SimDuration::from_ms(15)));
}

#[test]
fn a_region_already_restarting_is_not_cancelled_twice() {
    let w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    cancel(&w, &mut job, w.region_of(0));
    assert_eq!(cancel(&w, &mut job, w.region_of(0)), vec![]);
    assert_eq!(job.restart_count(), 1);
}

#[test]
fn exhausted_restart_attempts_fail_the_job_and_shut_the_coordinator_down() {
    let mut w = World::new();
    w.restart_attempts = Some(0);
    let mut job = JobState::new(&w.graph, 10);
    let cmds = cancel(&w, &mut job, w.region_of(0));
    assert_eq!(job.status, JobStatus::Failed);
    let canceled = cmds
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::CancelTask {
                    status: TaskStatus::Canceled,
                    ..
                }
            )
        })
        .count();
    assert_eq!(canceled, w.tasks.len());
    assert_eq!(
        cmds.last(),
        Some(&Command::Coordinator(CoordinatorInput::JobFailed))
    );
    assert!(restarts(&cmds).is_empty());
}

/// Fails region 0 and returns the restart the failover planned.
fn failed(w: &World, job: &mut JobState) -> (u32, FencingToken) {
    let (_, region, token) = restarts(&cancel(w, job, w.region_of(0)))[0];
    (region, token)
}

fn checkpoint(id: u64) -> Rc<CompletedCheckpoint> {
    Rc::new(CompletedCheckpoint {
        id: CheckpointId(id),
        trigger_time: SimTime::ZERO,
        completion_time: SimTime::ZERO,
        savepoint: false,
        snapshots: Vec::new(),
    })
}

#[test]
fn the_restart_restores_every_subtask_of_the_region_from_the_latest_checkpoint() {
    let mut w = World::new();
    w.latest = Some(checkpoint(7));
    let mut job = JobState::new(&w.graph, 10);
    let (region, token) = failed(&w, &mut job);
    let cmds = w.handle(&mut job, FailoverInput::RegionRestart { region, token });
    let restored: Vec<SubtaskId> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::RestoreTask {
                task,
                from: Some(cp),
            } if cp.id == CheckpointId(7) => Some(*task),
            _ => None,
        })
        .collect();
    assert_eq!(restored, w.graph.regions[region as usize]);
    assert!(cmds.contains(&Command::Coordinator(CoordinatorInput::JobRunning)));
    assert!(cmds.contains(&Command::Stat(Stat::Restored {
        id: CheckpointId(7),
        savepoint: false
    })));
    assert_eq!(
        job.restarts[0].restored_checkpoint_id,
        Some(CheckpointId(7))
    );
}

#[test]
fn a_stale_restart_is_ignored() {
    let w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    let (region, token) = failed(&w, &mut job);
    job.handle(
        FailoverInput::RestartWaitingRegions,
        &FailoverContext {
            now: w.now,
            graph: &w.graph,
            tasks: &w.tasks,
            coordinator_alive: true,
            latest: None,
            storage_down: false,
            restart_attempts: None,
            recovery: SimDuration::ZERO,
        },
        &mut Out::default(),
    );
    assert_eq!(
        w.handle(&mut job, FailoverInput::RegionRestart { region, token }),
        vec![],
        "the old JobManager's restart is fenced off"
    );
}

#[test]
fn a_restart_waits_for_a_new_jobmanager() {
    let mut w = World::new();
    w.alive = false;
    let mut job = JobState::new(&w.graph, 10);
    let (region, token) = failed(&w, &mut job);
    assert_eq!(
        w.handle(&mut job, FailoverInput::RegionRestart { region, token }),
        vec![]
    );
    let cmds = w.handle(&mut job, FailoverInput::RestartWaitingRegions);
    assert!(matches!(&restarts(&cmds)[..], [(at, r, _)] if *at == w.now && *r == region));
}

#[test]
fn a_restore_while_the_storage_is_down_fails_the_region_over_again() {
    let mut w = World::new();
    (w.latest, w.storage_down) = (Some(checkpoint(3)), true);
    let mut job = JobState::new(&w.graph, 10);
    let (region, token) = failed(&w, &mut job);
    let cmds = w.handle(&mut job, FailoverInput::RegionRestart { region, token });
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Command::RestoreTask { .. })));
    assert!(matches!(
        cmds.last(),
        Some(Command::FailRegions { regions, .. }) if *regions == vec![region]
    ));
}

#[test]
fn the_job_runs_again_when_its_last_subtask_has_restored() {
    let mut w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    failed(&w, &mut job);
    for t in &mut w.tasks[..1] {
        t.status = TaskStatus::Initializing;
    }
    let cmds = w.handle(
        &mut job,
        FailoverInput::RestoreDone {
            task: SubtaskId(0),
            attempt: Attempt(0),
        },
    );
    assert_eq!(cmds[0], Command::TaskRunning { task: SubtaskId(0) });
    assert_eq!(job.status, JobStatus::Running);
}

#[test]
fn a_jobmanager_failover_loses_leadership_then_fails_every_region() {
    let w = World::new();
    let mut job = JobState::new(&w.graph, 10);
    let cmds = w.handle(&mut job, FailoverInput::CoordinatorFailover);
    assert_eq!(cmds[1], Command::ClearRpcs);
    assert_eq!(
        cmds[2],
        Command::Coordinator(CoordinatorInput::LeadershipLost {
            recovery: SimDuration::from_ms(50)
        })
    );
    assert_eq!(
        cmds[3],
        Command::FailRegions {
            regions: vec![0, 1],
            cause: "coordinator_failover".into()
        }
    );
}
