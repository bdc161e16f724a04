//! Which conditions read the contact's events, so that a command run
//! without an events file (`segments` on contact fields alone) can say which
//! segment needs one instead of counting it as if nothing had happened.
//!
//! Pure over the program, like [`super::time`].

use super::{CondKind, Program, SegmentId};

/// Whether `cond` reads events: behaviour and aggregates over events,
/// consent (an unsubscribe is an event), scripts (which may count events),
/// and segments that do. `in segment` is followed once per segment, so a
/// segment used many times costs one walk.
pub fn reads_events(program: &Program, cond: &super::Cond) -> bool {
    let mut seen = vec![false; program.segments.len()];
    let mut stack = vec![cond];
    while let Some(cond) = stack.pop() {
        for clause in super::visit::conditions(cond) {
            match &clause.kind {
                CondKind::Behaviour(_)
                | CondKind::Aggregate(_)
                | CondKind::Consent(_)
                | CondKind::Script(_)
                | CondKind::ScriptCompare { .. } => return true,
                CondKind::InSegment(id) => {
                    if let Some(slot) = seen.get_mut(id.index()) {
                        if !*slot {
                            *slot = true;
                            if let Some(segment) = program.segments.get(*id) {
                                stack.push(&segment.condition);
                            }
                        }
                    }
                }
                CondKind::And(_)
                | CondKind::Or(_)
                | CondKind::Not(_)
                | CondKind::Stage(_)
                | CondKind::Points { .. }
                | CondKind::HasTag(_)
                | CondKind::InList(_)
                | CondKind::Field { .. }
                | CondKind::Today(_) => {}
            }
        }
    }
    false
}

/// The first segment, in declaration order, whose condition reads events.
pub fn first_segment_reading_events(program: &Program) -> Option<SegmentId> {
    (0..program.segments.len()).map(SegmentId::new).find(|id| {
        program
            .segments
            .get(*id)
            .is_some_and(|s| reads_events(program, &s.condition))
    })
}
