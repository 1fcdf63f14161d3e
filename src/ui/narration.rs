//! Narration that follows the run, not a clock.
//!
//! A scenario's steps are written against its own run (its seed, no user input): a step at
//! 695 ms says "checkpoint 1 is COMPLETED" because that is what happened at 695 ms. The
//! [`Script`] records that run once, and ties each step to the last run event (a log line:
//! trigger, barrier alignment, ack, completion, abort, failover, restore, fault) at or before
//! its time, plus the small offset after it. On screen, a step is reached when its event has
//! happened in the run on screen, whatever the clock says; with another seed checkpoint 1
//! completes at another time and the step follows it, and a step whose event never happens
//! (checkpoint 3 expired instead of completing) is never reached.
//!
//! The run leaves the script with another seed, a user input (an injected fault, a trigger, a
//! changed setting), or a checkpoint that ends otherwise than in the story; [`follow`] says
//! which, in plain words. After `duration_ms` the story is over and the run goes on (free play).
//!
//! Pure Rust, no web dependency: tested natively.

use crate::sim::ids::SimTime;
use crate::sim::scenario::Scenario;
use crate::sim::stats::CheckpointStatus;
use crate::sim::{Input, LogKind, Simulation};
use std::collections::{BTreeMap, HashMap};

/// The key of a run event: its kind and text (texts name the checkpoint and the subtask).
fn key(kind: LogKind, text: &str) -> String {
    format!("{kind:?}|{text}")
}

/// One narration step, tied to a run event.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptStep {
    pub text: String,
    pub at_ms: u64,
    /// The event it follows (None: the step is timed from the start of the run).
    anchor: Option<String>,
    /// When the event happened in the story's own run.
    anchor_at: SimTime,
    /// How long after its event the step comes, µs.
    offset_us: u64,
}

/// The story's own run, as the steps were written against it.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub seed: u64,
    pub steps: Vec<ScriptStep>,
    /// How each checkpoint ended in the story, up to its last step.
    outcomes: BTreeMap<u64, CheckpointStatus>,
    /// The end of the story (`duration_ms`).
    pub end: SimTime,
}

impl Script {
    /// Runs the scenario as shipped up to its last step and ties every step to its event.
    /// None for a scenario without steps (or one that does not validate).
    pub fn record(scenario: &Scenario) -> Option<Script> {
        if scenario.steps.is_empty() {
            return None;
        }
        let mut sim = Simulation::new(scenario.clone()).ok()?;
        let last = scenario.steps.iter().map(|s| s.at_ms).max().unwrap_or(0);
        let until = SimTime::from_ms(last + 1);
        // Every event of the story's run (the log is bounded, so it is read in small chunks).
        let mut events: Vec<(SimTime, String)> = Vec::new();
        let mut seen = SimTime(0);
        let mut first = true;
        while sim.now() < until {
            let t = SimTime((sim.now().0 + 20_000).min(until.0));
            sim.run_until(t);
            for e in sim.log_entries() {
                let fresh = if first { true } else { e.at > seen };
                if fresh && e.kind != LogKind::Step {
                    events.push((e.at, key(e.kind, &e.text)));
                }
            }
            first = false;
            seen = t;
        }
        let steps = scenario
            .steps
            .iter()
            .map(|s| {
                let bound = SimTime::from_ms(s.at_ms + 1);
                let at = SimTime::from_ms(s.at_ms);
                match events.iter().rev().find(|(t, _)| *t < bound && s.at_ms > 0) {
                    Some((t, k)) => ScriptStep {
                        text: s.text.clone(),
                        at_ms: s.at_ms,
                        anchor: Some(k.clone()),
                        anchor_at: *t,
                        offset_us: at.0.saturating_sub(t.0),
                    },
                    None => ScriptStep {
                        text: s.text.clone(),
                        at_ms: s.at_ms,
                        anchor: None,
                        anchor_at: SimTime(0),
                        offset_us: at.0,
                    },
                }
            })
            .collect();
        let outcomes = sim
            .stats()
            .history()
            .iter()
            .filter(|e| e.status != CheckpointStatus::InProgress)
            .map(|e| (e.id.0, e.status))
            .collect();
        Some(Script {
            seed: scenario.seed,
            steps,
            outcomes,
            end: SimTime::from_ms(scenario.duration_ms),
        })
    }
}

/// What the run on screen has shown of the script's events: the first time each one happened.
/// Valid for one timeline (seed and inputs); [`follow`] clears it when that changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memo {
    identity: Option<(u64, Vec<(SimTime, Input)>)>,
    seen: HashMap<String, SimTime>,
}

/// Where the narration is in the run on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Narration {
    /// The latest step reached (index into the script's steps).
    pub reached: Option<usize>,
    /// Why the run is not the story's any more, in plain words.
    pub off_script: Option<String>,
    /// The run is past `duration_ms`: free play.
    pub story_over: bool,
    /// When the previous step came in this run (for the ‹ button).
    pub prev_at: Option<SimTime>,
    /// When the step reached came in this run.
    pub reached_at: Option<SimTime>,
    /// When the next step comes in this run, known or estimated (for the › button).
    pub next_at: Option<SimTime>,
}

/// Follows the script in the run on screen. `timeline` is the run's list of user inputs.
pub fn follow(
    script: &Script,
    memo: &mut Memo,
    sim: &Simulation,
    timeline: &[(SimTime, Input)],
) -> Narration {
    let seed = sim.scenario().seed;
    let identity = (seed, timeline.to_vec());
    if memo.identity.as_ref() != Some(&identity) {
        memo.identity = Some(identity);
        memo.seen.clear();
    }
    let wanted: HashMap<&str, ()> = script
        .steps
        .iter()
        .filter_map(|s| s.anchor.as_deref().map(|a| (a, ())))
        .collect();
    for e in sim.log_entries() {
        if e.kind == LogKind::Step {
            continue;
        }
        let k = key(e.kind, &e.text);
        if wanted.contains_key(k.as_str()) {
            let t = memo.seen.entry(k).or_insert(e.at);
            *t = (*t).min(e.at);
        }
    }
    let now = sim.now();
    let when = |s: &ScriptStep| -> Option<SimTime> {
        match &s.anchor {
            None => Some(SimTime(s.offset_us)),
            Some(a) => memo.seen.get(a).map(|t| SimTime(t.0 + s.offset_us)),
        }
    };
    let times: Vec<Option<SimTime>> = script.steps.iter().map(when).collect();
    let reached = times.iter().rposition(|t| t.is_some_and(|t| t <= now));
    let prev_at = reached
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| times[i]);
    let next_i = reached.map_or(0, |i| i + 1);
    let next_at = script.steps.get(next_i).map(|s| {
        times[next_i].unwrap_or_else(|| {
            // Not seen yet: as far after the step reached as in the story.
            let (base_here, base_story) = reached
                .and_then(|i| times[i].map(|t| (t, SimTime::from_ms(script.steps[i].at_ms))))
                .unwrap_or((SimTime(0), SimTime(0)));
            SimTime(base_here.0 + SimTime::from_ms(s.at_ms).0.saturating_sub(base_story.0))
        })
    });
    Narration {
        reached,
        off_script: off_script(script, sim),
        story_over: now >= script.end,
        prev_at,
        reached_at: reached.and_then(|i| times[i]),
        next_at,
    }
}

/// Why the run on screen is not the story's run (None: it still is).
fn off_script(script: &Script, sim: &Simulation) -> Option<String> {
    let seed = sim.scenario().seed;
    if seed != script.seed {
        return Some(format!(
            "this run has seed {seed}, the story was written for seed {}, so events come at other times",
            script.seed
        ));
    }
    if let Some((at, input)) = sim.inputs().first() {
        let what = match input {
            Input::Fault(f) => format!("{} was injected at {} ms", f.fault.label(), at.as_ms()),
            Input::Checkpointing(_) => format!("a setting was changed at {} ms", at.as_ms()),
        };
        return Some(what);
    }
    for e in sim.stats().history() {
        if e.status == CheckpointStatus::InProgress {
            continue;
        }
        if let Some(&story) = script.outcomes.get(&e.id.0) {
            if story != e.status {
                return Some(format!(
                    "checkpoint {} {} here, where the story has it {}",
                    e.id,
                    e.status.name(),
                    story.name()
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::{Fault, FaultSpec};

    fn shipped(key: &str) -> Scenario {
        crate::ui::scenarios::find(key).unwrap().parse().unwrap()
    }

    fn at(sim: &mut Simulation, ms: u64) {
        sim.run_until(SimTime::from_ms(ms));
    }

    /// The end of the step's millisecond (its event may come a fraction of a ms after the
    /// whole ms the step is written at).
    fn within(sim: &mut Simulation, ms: u64) {
        sim.run_until(SimTime(ms * 1000 + 999));
    }

    /// Steps written at the same millisecond are reached together: the last of them.
    fn last_at(s: &Scenario, i: usize) -> usize {
        let at = s.steps[i].at_ms;
        i + s.steps[i..].iter().take_while(|x| x.at_ms == at).count() - 1
    }

    #[test]
    fn in_the_storys_own_run_steps_come_at_their_times() {
        let s = shipped("happy-path");
        let script = Script::record(&s).unwrap();
        let mut memo = Memo::default();
        let mut sim = Simulation::new(s.clone()).unwrap();
        for (i, step) in s.steps.iter().enumerate() {
            within(&mut sim, step.at_ms);
            let n = follow(&script, &mut memo, &sim, &[]);
            assert_eq!(
                n.reached,
                Some(last_at(&s, i)),
                "step {i} at {} ms",
                step.at_ms
            );
            assert_eq!(n.off_script, None);
        }
    }

    #[test]
    fn with_another_seed_completion_is_narrated_only_when_it_happens() {
        let mut s = shipped("happy-path");
        let script = Script::record(&s).unwrap();
        s.seed = 12345;
        let mut sim = Simulation::new(s).unwrap();
        let mut memo = Memo::default();
        // The step "checkpoint 1 is COMPLETED" (index 5) is reached exactly when it completes.
        let mut last = SimTime(0);
        while sim.stats().counts.completed == 0 {
            let n = follow(&script, &mut memo, &sim, &[]);
            assert!(n.reached.unwrap_or(0) < 5, "at {} µs: {n:?}", sim.now().0);
            assert!(n.off_script.as_deref().unwrap().contains("seed 12345"));
            last = sim.now();
            assert!(sim.step());
        }
        let done = sim
            .stats()
            .get(crate::sim::ids::CheckpointId(1))
            .and_then(|e| e.completion_timestamp)
            .unwrap();
        assert!(done >= last);
        at(&mut sim, done.as_ms() + 1);
        assert!(follow(&script, &mut memo, &sim, &[]).reached >= Some(5));
    }

    #[test]
    fn after_an_injected_kill_the_narration_says_the_run_left_the_script() {
        let s = shipped("happy-path");
        let script = Script::record(&s).unwrap();
        let mut sim = Simulation::new(s).unwrap();
        // Checkpoint 1 is pending at 20 ms (the sink acks at 49, it completes at 54).
        at(&mut sim, 20);
        let kill = FaultSpec {
            at_ms: 20,
            fault: Fault::Kill {
                task: "counter#0".into(),
            }
            .into(),
        };
        sim.inject(kill).unwrap();
        at(&mut sim, 1800);
        let inputs = sim.inputs().to_vec();
        let n = follow(&script, &mut Memo::default(), &sim, &inputs);
        let why = n.off_script.unwrap();
        assert!(why.contains("kill") && why.contains("20 ms"), "{why}");
        // Checkpoint 1 could not complete as in the story: neither its last ack (step 4) nor
        // its completion (step 5) is reached.
        assert!(n.reached.unwrap_or(0) < 4, "{:?}", n.reached);
    }

    #[test]
    fn the_story_ends_at_duration_ms_and_the_run_goes_on() {
        let s = shipped("happy-path");
        let script = Script::record(&s).unwrap();
        let mut sim = Simulation::new(s.clone()).unwrap();
        at(&mut sim, s.duration_ms + 2_000);
        let n = follow(&script, &mut Memo::default(), &sim, &[]);
        assert!(n.story_over);
        assert_eq!(n.reached, Some(s.steps.len() - 1));
    }

    #[test]
    fn every_lesson_follows_its_own_run_step_by_step() {
        for sh in crate::ui::scenarios::SHIPPED {
            let s = sh.parse().unwrap();
            let Some(script) = Script::record(&s) else {
                continue;
            };
            let mut sim = Simulation::new(s.clone()).unwrap();
            let mut memo = Memo::default();
            for (i, step) in s.steps.iter().enumerate() {
                within(&mut sim, step.at_ms);
                let n = follow(&script, &mut memo, &sim, &[]);
                assert_eq!(n.reached, Some(last_at(&s, i)), "{} step {i}", sh.key);
                assert_eq!(n.off_script, None, "{}", sh.key);
            }
        }
    }
}
