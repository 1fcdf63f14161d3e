//! Tests of the run: time travel, keyframes, forks, the strip and steps to checkpoint events.

use super::*;
use crate::sim::scenario::{Fault, Intervention, Scenario, Scheduled};

fn scenario() -> Scenario {
    Scenario::from_json(
        r#"{"name":"t","seed":7,"duration_ms":20000,"job":{"operators":[
          {"name":"src","kind":"source","parallelism":2,"records_per_sec":200},
          {"name":"k","kind":"keyed","parallelism":2},
          {"name":"sink","kind":"sink","parallelism":2}],
          "edges":[{"from":"src","to":"k","partitioning":"hash"},{"from":"k","to":"sink"}]},
          "checkpointing":{"interval_ms":500}}"#,
    )
    .expect("valid")
}

fn run() -> Run {
    Run::new(Simulation::new(scenario()).expect("sim"))
}

fn fingerprint(sim: &Simulation) -> String {
    format!(
        "{:?}|{}|{:?}|{:?}|{:?}|{}",
        sim.now(),
        sim.events_processed(),
        sim.stats().counts,
        sim.tasks(),
        sim.channels(),
        sim.report_json()
    )
}

fn never() -> impl FnMut() -> bool {
    || false
}

#[test]
fn stepping_to_checkpoint_events_and_back_lands_on_the_same_frames() {
    let mut r = run();
    let mut frames = Vec::new();
    while frames.len() < 12 {
        assert!(r.step_checkpoint().unwrap());
        frames.push((r.frame(), checkpoint_signature(r.sim())));
    }
    assert!(r.sim().stats().counts.total >= 1, "a trigger is among them");
    for i in (0..frames.len() - 1).rev() {
        assert!(r.step_back_checkpoint().unwrap());
        assert_eq!(r.frame(), frames[i].0, "back to checkpoint event {i}");
        assert_eq!(checkpoint_signature(r.sim()), frames[i].1);
    }
    // Back to the first trigger (at 0 ms, min pause 0), and nothing before it.
    while r.step_back_checkpoint().unwrap() {}
    assert_eq!(r.sim().now(), SimTime::ZERO);
    assert_eq!(r.sim().stats().counts.total, 1, "the first trigger itself");
    assert!(!r.step_back_checkpoint().unwrap());
}

#[test]
fn a_run_goes_on_past_duration_ms_as_free_play() {
    let mut r = run();
    let end = r.sim().end_time();
    let later = SimTime(end.0 + 3_000_000);
    assert!(r.play_to(later, &mut never()).unwrap());
    assert_eq!(r.sim().now(), later);
    let completed = r.sim().stats().counts.completed;
    assert!(r.step().unwrap(), "stepping goes on past the end too");
    r.play_to(SimTime(later.0 + 2_000_000), &mut never())
        .unwrap();
    assert!(
        r.sim().stats().counts.completed > completed,
        "checkpoints go on"
    );
}

#[test]
fn scrubbing_back_and_forward_shows_the_same_frame() {
    let mut r = run();
    r.play_to(SimTime::from_ms(9_000), &mut never()).unwrap();
    let there = fingerprint(r.sim());
    r.seek_ms(3_000).unwrap();
    assert_eq!(r.sim().now(), SimTime::from_ms(3_000));
    let mut fresh = Simulation::new(scenario()).unwrap();
    fresh.run_until(SimTime::from_ms(3_000));
    assert_eq!(fingerprint(r.sim()), fingerprint(&fresh));
    r.seek_ms(9_000).unwrap();
    assert_eq!(fingerprint(r.sim()), there);
}

#[test]
fn playing_in_small_chunks_matches_one_big_run() {
    let mut r = run();
    let mut t = 0;
    while t < 6_000_000 {
        t += 16_667;
        r.play_to(SimTime(t), &mut never()).unwrap();
    }
    r.play_to(SimTime::from_ms(6_100), &mut never()).unwrap();
    let mut fresh = Simulation::new(scenario()).unwrap();
    fresh.run_until(SimTime::from_ms(6_100));
    assert_eq!(r.sim().report_json(), fresh.report_json());
    assert_eq!(
        format!("{:?}", r.sim().tasks()),
        format!("{:?}", fresh.tasks())
    );
}

#[test]
fn keyframes_stay_bounded_on_a_long_run() {
    let mut s = scenario();
    s.duration_ms = 1_000_000;
    s.job.operators[0].records_per_sec = Some(5.0);
    let mut r = Run::new(Simulation::new(s).unwrap());
    r.play_to(SimTime::from_ms(1_000_000), &mut never())
        .unwrap();
    assert!(
        r.keyframes() <= MAX_KEYFRAMES,
        "{} keyframes",
        r.keyframes()
    );
    assert!(r.keyframe_interval_us() > INITIAL_KEYFRAME_INTERVAL_US);
    let before = fingerprint(r.sim());
    r.seek_ms(1_000).unwrap();
    r.seek_ms(1_000_000).unwrap();
    assert_eq!(fingerprint(r.sim()), before);
}

#[test]
fn a_fault_replays_identically_and_scrubbing_across_it_is_exact() {
    let mut r = run();
    r.play_to(SimTime::from_ms(2_345), &mut never()).unwrap();
    r.inject(FaultSpec {
        at_ms: 0,
        fault: Fault::Kill { task: "k#1".into() }.into(),
    })
    .unwrap();
    r.play_to(SimTime::from_ms(8_000), &mut never()).unwrap();
    let end = fingerprint(r.sim());
    assert!(r.sim().stats().counts.restored >= 1 || r.sim().job().restarts.len() == 1);
    r.seek_ms(1_000).unwrap();
    r.seek_ms(8_000).unwrap();
    assert_eq!(fingerprint(r.sim()), end);
    let again = Run::replay(
        Simulation::new(scenario()).unwrap(),
        r.timeline().to_vec(),
        Goal::frame(r.frame()),
    )
    .unwrap();
    assert_eq!(fingerprint(again.sim()), end);
}

#[test]
fn injecting_while_rewound_forks_the_timeline() {
    let mut r = run();
    r.play_to(SimTime::from_ms(3_000), &mut never()).unwrap();
    r.inject(FaultSpec {
        at_ms: 0,
        fault: Intervention::TriggerSavepoint.into(),
    })
    .unwrap();
    r.play_to(SimTime::from_ms(9_000), &mut never()).unwrap();
    assert_eq!(r.timeline().len(), 1);
    r.seek_ms(2_000).unwrap();
    assert!(r.is_rewound());
    assert!(!r.ahead().is_empty());
    r.inject(FaultSpec {
        at_ms: 0,
        fault: Fault::Kill {
            task: "src#0".into(),
        }
        .into(),
    })
    .unwrap();
    assert_eq!(r.timeline().len(), 1);
    assert!(
        matches!(&r.timeline()[0].1, Input::Fault(f) if matches!(f.fault, Scheduled::Fault(Fault::Kill{..})))
    );
    assert_eq!(r.furthest().now, SimTime::from_ms(2_000));
    assert!(!r.is_rewound());
    assert!(r.ahead().is_empty());
}

#[test]
fn a_rejected_input_does_not_fork() {
    let mut r = run();
    r.play_to(SimTime::from_ms(4_000), &mut never()).unwrap();
    r.seek_ms(1_000).unwrap();
    let bad = CheckpointingSpec {
        interval_ms: Some(5),
        ..Default::default()
    };
    assert!(r.configure(bad).is_err());
    assert_eq!(r.furthest().now, SimTime::from_ms(4_000));
}

#[test]
fn stepping_then_scrubbing_returns_to_the_stepped_frame() {
    let mut r = run();
    r.play_to(SimTime::from_ms(1_000), &mut never()).unwrap();
    for _ in 0..37 {
        r.step().unwrap();
    }
    let f = r.frame();
    let there = fingerprint(r.sim());
    r.seek_ms(100).unwrap();
    r.seek(Goal::frame(f)).unwrap();
    assert_eq!(fingerprint(r.sim()), there);
    r.step_back().unwrap();
    assert_eq!(r.frame().events, f.events - 1);
}

#[test]
fn a_budget_stops_between_instants_and_play_resumes_exactly() {
    let mut r = run();
    let mut calls = 0;
    let reached = r
        .play_to(SimTime::from_ms(5_000), &mut || {
            calls += 1;
            calls > 2
        })
        .unwrap();
    assert!(!reached);
    assert!(r.sim().now() < SimTime::from_ms(5_000));
    r.play_to(SimTime::from_ms(5_000), &mut never()).unwrap();
    let mut fresh = Simulation::new(scenario()).unwrap();
    fresh.run_until(SimTime::from_ms(5_000));
    assert_eq!(fingerprint(r.sim()), fingerprint(&fresh));
}

#[test]
fn under_backpressure_unaligned_checkpoints_complete_where_aligned_ones_expire() {
    let mut sc = scenario();
    sc.network.segment_size = 1 << 20;
    let mut r = Run::new(Simulation::new(sc).unwrap());
    r.play_to(SimTime::from_ms(1_000), &mut never()).unwrap();
    let mut c = r.sim().coordinator().config.clone();
    c.timeout_ms = 350;
    c.tolerable_failed = 1000;
    r.configure(c.clone()).unwrap();
    r.inject(FaultSpec {
        at_ms: 0,
        fault: Fault::Slow {
            task: "sink#0".into(),
            factor: 60.0,
            duration_ms: 60_000,
        }
        .into(),
    })
    .unwrap();
    r.play_to(SimTime::from_ms(6_000), &mut never()).unwrap();
    let counts = r.sim().stats().counts;
    assert!(
        counts.failed >= 3,
        "aligned checkpoints expire under backpressure: {counts:?}"
    );
    c.unaligned = true;
    r.configure(c).unwrap();
    r.play_to(SimTime::from_ms(12_000), &mut never()).unwrap();
    let unaligned_completed = r
        .sim()
        .stats()
        .history()
        .iter()
        .filter(|e| {
            e.trigger_timestamp > SimTime::from_ms(6_500)
                && e.checkpoint_type() == "UNALIGNED_CHECKPOINT"
                && e.status == crate::sim::stats::CheckpointStatus::Completed
        })
        .count();
    assert!(
        unaligned_completed >= 5,
        "{unaligned_completed} unaligned completed"
    );
}

#[test]
fn a_big_job_keeps_fewer_keyframes() {
    assert_eq!(
        keyframe_budget(&Simulation::new(scenario()).unwrap()),
        MAX_KEYFRAMES
    );
    let big = Scenario::from_json(
        r#"{"name":"big","duration_ms":1000,"job":{"operators":[
          {"name":"a","kind":"source","parallelism":64},{"name":"b","kind":"keyed","parallelism":64},
          {"name":"c","kind":"sink","parallelism":64}],
          "edges":[{"from":"a","to":"b","partitioning":"hash"},{"from":"b","to":"c","partitioning":"hash"}]}}"#,
    )
    .unwrap();
    let n = keyframe_budget(&Simulation::new(big).unwrap());
    assert!((MIN_KEYFRAMES..MAX_KEYFRAMES).contains(&n), "{n}");
}

#[test]
fn a_very_long_run_merges_old_strip_bars_and_stays_bounded() {
    let mut s = scenario();
    s.duration_ms = 400_000;
    s.checkpointing.interval_ms = Some(100);
    let mut r = Run::new(Simulation::new(s).unwrap());
    r.play_to(SimTime::from_ms(300_000), &mut never()).unwrap();
    let total = r.sim().stats().counts.total;
    assert!(total > STRIP_MAX as u64 * 2, "{total} checkpoints");
    assert!(r.strip().len() <= STRIP_MAX);
    assert_eq!(r.strip().iter().map(StripEntry::count).sum::<u64>(), total);
    assert_eq!(r.strip().first().map(|e| e.id.0), Some(1));
    assert!(r
        .strip()
        .windows(2)
        .all(|w| w[0].last_id.0 + 1 == w[1].id.0));
}

#[test]
fn a_long_run_keeps_a_timeline_tick_for_every_restart_beyond_the_bounded_records() {
    // Kills further apart than the longest restart backoff (60 s): each one restarts.
    let mut s = scenario();
    s.duration_ms = 3_000_000;
    s.job.operators[0].records_per_sec = Some(5.0);
    s.checkpointing.interval_ms = Some(10_000);
    let kills = UI_RESTART_ROWS + 12;
    s.faults = (0..kills as u64)
        .map(|i| FaultSpec {
            at_ms: 1_000 + 61_000 * i,
            fault: Fault::Kill {
                task: format!("k#{}", i % 2),
            }
            .into(),
        })
        .collect();
    let mut r = Run::new(Simulation::new(s).unwrap());
    r.play_to(SimTime::from_ms(3_000_000), &mut never())
        .unwrap();
    let job = r.sim().job();
    assert_eq!(job.restart_count(), kills);
    assert_eq!(job.restarts.len(), UI_RESTART_ROWS);
    let numbers = |r: &Run| -> Vec<usize> {
        let dropped = r.sim().job().restarts_dropped;
        r.older_restarts()
            .iter()
            .map(|m| m.n)
            .chain((0..r.sim().job().restarts.len()).map(|i| dropped + i))
            .collect()
    };
    assert_eq!(numbers(&r), (0..kills).collect::<Vec<_>>());
    // Rewound, the ticks are those of the restarts up to the frame, each once.
    r.seek_ms(2_500_000).unwrap();
    let upto = r.sim().job().restart_count();
    assert!(upto > UI_RESTART_ROWS && upto < kills, "{upto}");
    assert_eq!(numbers(&r), (0..upto).collect::<Vec<_>>());
}

#[test]
fn the_browser_keeps_per_subtask_details_for_the_newest_checkpoints_only() {
    let mut r = run();
    r.play_to(SimTime::from_ms(20_000), &mut never()).unwrap();
    let h = r.sim().stats().history();
    let with: Vec<bool> = h.iter().map(|e| e.subtasks.is_some()).collect();
    assert!(h.len() > UI_DETAIL_ROWS * 2);
    assert_eq!(with.iter().filter(|d| **d).count(), UI_DETAIL_ROWS);
    assert!(with[with.len() - UI_DETAIL_ROWS..].iter().all(|d| *d));
}

#[test]
fn a_long_run_keeps_every_checkpoint_on_the_strip_and_a_bounded_history() {
    let mut s = scenario();
    s.duration_ms = 400_000;
    s.checkpointing.interval_ms = Some(500);
    let mut r = Run::new(Simulation::new(s).unwrap());
    r.play_to(SimTime::from_ms(300_000), &mut never()).unwrap();
    let total = r.sim().stats().counts.total as usize;
    assert!(total > UI_HISTORY_ROWS * 2, "{total} checkpoints");
    assert!(r.sim().stats().history().len() <= UI_HISTORY_ROWS + 1);
    assert_eq!(r.strip().len(), total);
    r.seek_ms(100_000).unwrap();
    let mut seen: Vec<u64> = r
        .older()
        .iter()
        .flat_map(|e| e.id.0..=e.last_id.0)
        .collect();
    seen.extend(r.sim().stats().history().iter().map(|e| e.id.0));
    seen.extend(r.ahead().iter().flat_map(|e| e.id.0..=e.last_id.0));
    assert_eq!(seen, (1..=total as u64).collect::<Vec<_>>());
}

#[test]
fn a_scrubbed_frame_sits_exactly_at_its_time_even_when_a_subtask_is_busy_past_it() {
    // happy-path: records at every 4 ms reach the sink, which is busy 0.1 ms with each; scrubbing
    // to 1200 ms must not run on to the end of that work.
    let s = crate::ui::scenarios::find("happy-path")
        .expect("shipped")
        .parse()
        .expect("parses");
    let mut r = Run::new(Simulation::new(s).expect("sim"));
    for ms in [1200, 1201, 2500, 3333] {
        r.play_to(SimTime::from_ms(ms), &mut never()).expect("play");
        assert_eq!(r.sim().now(), SimTime::from_ms(ms));
    }
    for ms in [1200, 1201, 2500] {
        r.seek_ms(ms).expect("seek");
        assert_eq!(r.sim().now(), SimTime::from_ms(ms));
    }
}
