//! A reference simulator, deliberately plain, used only by tests
//! (`tests/reference_sim.rs`; `docs/reference-simulator.md`).
//!
//! It runs the checked program (the same IR the real simulator runs) over
//! the same contacts and events, but from the documented semantics
//! (`docs/language.md` section 10) and in the most direct way: every
//! instant is visited (every event, every pending step, every tick), every
//! rule is evaluated from scratch at each, conditions scan the contact's
//! events in full, segments are re-evaluated wherever they are used. It
//! shares no code with `src/sim` or `src/eval`; from the crate it uses only
//! the IR, the data types and the record types the reports print.

#![allow(dead_code)]

pub mod calendar;
pub mod contact;
pub mod eval;

pub use contact::{simulate, Outcome};
use nurture::ir::Program;
use nurture::sim::run::{describe, ActionCounts, ActionKey, Funnel, StageCounts, TransitionStats};
use std::collections::BTreeMap;

/// Where the language's meaning changed in issue 10. `FIXED` is the
/// documented meaning the reference implements; `BEFORE` is the old
/// behaviour, to show that a disagreement is exactly a known bug.
#[derive(Debug, Clone, Copy)]
pub struct Semantics {
    /// Every stage test is false for a contact with no stage.
    pub no_stage_fails_stage_tests: bool,
    /// `less than D ago` is "after now − D", future values included.
    pub less_than_ago_admits_future: bool,
    /// `wait until 09:00` at exactly 09:00 continues now.
    pub wait_until_time_includes_now: bool,
    /// `N%` decay takes N% of the points rounded down (10% of 5 is 0).
    pub percent_decay_rounds_amount: bool,
}

impl Semantics {
    pub const FIXED: Semantics = Semantics {
        no_stage_fails_stage_tests: true,
        less_than_ago_admits_future: true,
        wait_until_time_includes_now: true,
        percent_decay_rounds_amount: true,
    };
    pub const BEFORE: Semantics = Semantics {
        no_stage_fails_stage_tests: false,
        less_than_ago_admits_future: false,
        wait_until_time_includes_now: false,
        percent_decay_rounds_amount: false,
    };
}

/// The parts of the run summary the reference computes, folded plainly
/// from its per-contact outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub funnel: Funnel,
    pub transitions:
        BTreeMap<(Option<nurture::ir::StageId>, nurture::ir::StageId), TransitionStats>,
    pub rules: Vec<(u64, u64)>,
    pub actions: BTreeMap<ActionKey, ActionCounts>,
    pub pending_sequences: u64,
    pub segments_at_end: Vec<u64>,
}

pub fn totals(program: &Program, outcomes: &[Outcome]) -> Totals {
    let stages = program.stages.len();
    let mut funnel = Funnel {
        contacts: 0,
        stages: vec![StageCounts::default(); stages],
        no_stage_at_start: 0,
        no_stage_at_end: 0,
    };
    let mut totals = Totals {
        funnel: Funnel::default(),
        transitions: BTreeMap::new(),
        rules: vec![(0, 0); program.rules.len()],
        actions: BTreeMap::new(),
        pending_sequences: 0,
        segments_at_end: vec![0; program.segments.len()],
    };
    for o in outcomes {
        funnel.contacts += 1;
        match o.initial_stage {
            Some(s) => funnel.stages[s.index()].at_start += 1,
            None => funnel.no_stage_at_start += 1,
        }
        match o.final_stage {
            Some(s) => funnel.stages[s.index()].at_end += 1,
            None => funnel.no_stage_at_end += 1,
        }
        for s in 0..stages {
            if o.transitions
                .iter()
                .any(|t| t.to == nurture::ir::StageId::new(s))
            {
                funnel.stages[s].entered += 1;
            }
            let been_there = o
                .initial_stage
                .is_some_and(|i| i >= nurture::ir::StageId::new(s))
                || o.transitions
                    .iter()
                    .any(|t| t.to >= nurture::ir::StageId::new(s));
            if been_there {
                funnel.stages[s].reached += 1;
            }
        }
        for t in &o.transitions {
            let stats = totals
                .transitions
                .entry((t.from, nurture::ir::StageId::new(t.to.index())))
                .or_default();
            stats.count += 1;
            if let Some(d) = t.seconds_in_from {
                stats.durations.push(d);
            }
        }
        for (rule, &n) in o.fired.iter().enumerate() {
            if n > 0 {
                totals.rules[rule].0 += u64::from(n);
                totals.rules[rule].1 += 1;
            }
        }
        for a in &o.actions {
            let counts = totals
                .actions
                .entry(describe(program, &a.action))
                .or_default();
            *counts.by_status.entry(a.status).or_default() += 1;
            if let Some(reason) = a.reason {
                *counts.by_reason.entry((a.status, reason)).or_default() += 1;
            }
        }
        totals.pending_sequences += u64::from(o.pending);
        for (s, &inside) in o.segments_at_end.iter().enumerate() {
            totals.segments_at_end[s] += u64::from(inside);
        }
    }
    for stats in totals.transitions.values_mut() {
        stats.durations.sort();
    }
    totals.funnel = funnel;
    totals
}
