//! Point-in-time counts over a whole population: how many contacts are in
//! each segment, and for how many each condition rule's condition holds, at
//! one instant, on the data as it is (no rule has run).
//!
//! This is the query a warehouse would answer with SQL, so it is what the
//! DuckDB comparison in `benches/duckdb/` measures.

use super::script_failures::ScriptFailures;
use super::{Clock, ContactState, Context, EventView};
use crate::base::value::Instant;
use crate::data::{Contact, Event};
use crate::ir::{Program, Trigger};
use rayon::prelude::*;
use std::ops::Range;

/// Counts at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PointInTime {
    /// The contacts that exist at the instant (see `Contact::exists_at`).
    pub contacts: u64,
    /// By segment id.
    pub segments: Vec<u64>,
    /// By rule id; `None` for event rules, which have no condition.
    pub rule_conditions: Vec<Option<u64>>,
    /// Scripts that failed (each counted as false), in contact order.
    pub script_failures: ScriptFailures,
}

/// One contact at one instant: its segments and condition rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactAt {
    /// By segment id.
    pub segments: Vec<bool>,
    /// By rule id; `false` for event rules, which have no condition.
    pub rules: Vec<bool>,
    /// This contact's scripts that failed (each counted as false).
    pub script_failures: ScriptFailures,
}

/// What [`counts_at`] counts for one contact (`own_events` are its
/// events, sorted as the dataset keeps them); `None` when it does not
/// exist yet at `at`. The SQL backend's agreement test compares with it.
pub fn contact_at(
    program: &Program,
    contact: &Contact,
    own_events: &[Event],
    at: Instant,
) -> Option<ContactAt> {
    // What this thread records from here on is this contact's.
    crate::eval::script::set_rule(None);
    crate::eval::script::take_errors();
    if !contact.exists_at(own_events, at) {
        return None;
    }
    let mut state = ContactState::from_contact(program, contact);
    let mut view = EventView::new(own_events, program.event_types.len());
    for event in view.apply_history_before(at.saturating_add(1)) {
        state.apply_event(event);
    }
    let context = Context::new(
        program,
        Clock::new(at, program.settings.timezone),
        &state,
        &view,
        None,
    );
    let segments = (0..program.segments.len())
        .map(|id| context.in_segment(crate::ir::SegmentId::new(id)))
        .collect();
    let rules = program
        .rules
        .iter()
        .enumerate()
        .map(|(id, rule)| match &rule.trigger {
            Trigger::Condition(condition) => {
                crate::eval::script::set_rule(Some(id));
                context.holds(condition)
            }
            Trigger::Event(_) => false,
        })
        .collect();
    crate::eval::script::set_rule(None);
    let mut script_failures = ScriptFailures::default();
    script_failures.add(&contact.id, &crate::eval::script::take_errors());
    Some(ContactAt {
        segments,
        rules,
        script_failures,
    })
}

/// Evaluates every segment and condition rule for every contact at `at`.
pub fn counts_at(
    program: &Program,
    contacts: &[Contact],
    events: &[Event],
    ranges: &[Range<usize>],
    at: Instant,
) -> PointInTime {
    // A contact that does not exist yet at `at` counts nowhere, not even
    // in the total (an empty result adds nothing to the sums).
    let per_contact = |index: usize| -> (bool, Vec<bool>, Vec<bool>, ScriptFailures) {
        let own = ranges
            .get(index)
            .and_then(|r| events.get(r.clone()))
            .unwrap_or(&[]);
        match contacts
            .get(index)
            .and_then(|c| contact_at(program, c, own, at))
        {
            Some(c) => (true, c.segments, c.rules, c.script_failures),
            None => Default::default(),
        }
    };
    let zero = || {
        (
            0u64,
            vec![0u64; program.segments.len()],
            vec![0u64; program.rules.len()],
            ScriptFailures::default(),
        )
    };
    // Sums of counts do not depend on how the work is split, and failures
    // are appended in contact order (rayon's reduce keeps the order).
    let (existing, segments, rules, script_failures) = (0..contacts.len())
        .into_par_iter()
        .map(per_contact)
        .fold(
            zero,
            |(mut n, mut s, mut r, mut f), (exists, cs, cr, cf)| {
                n += u64::from(exists);
                add(&mut s, &cs);
                add(&mut r, &cr);
                f.append(cf);
                (n, s, r, f)
            },
        )
        .reduce(zero, |(n1, mut s1, mut r1, mut f1), (n2, s2, r2, f2)| {
            s1.iter_mut().zip(s2).for_each(|(a, b)| *a += b);
            r1.iter_mut().zip(r2).for_each(|(a, b)| *a += b);
            f1.append(f2);
            (n1 + n2, s1, r1, f1)
        });
    PointInTime {
        contacts: existing,
        segments,
        rule_conditions: program
            .rules
            .iter()
            .zip(rules)
            .map(|(rule, n)| matches!(rule.trigger, Trigger::Condition(_)).then_some(n))
            .collect(),
        script_failures,
    }
}

fn add(totals: &mut [u64], flags: &[bool]) {
    for (total, &flag) in totals.iter_mut().zip(flags) {
        *total += u64::from(flag);
    }
}
