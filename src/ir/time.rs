//! Which conditions can change value by the passage of time alone, with
//! no new event and no action. The simulator re-evaluates only those at
//! periodic ticks; everything else can only change when something happens.
//!
//! Pure over the program, so the checker works it out once for segments
//! and the simulator asks it of rules, neither depending on the other.

use super::{builtin, CondKind, EventTypeId, IdVec, Program, SegmentId, ValueTest, Window};

/// Whether a condition's value may differ at a later instant although the
/// contact's state and data events are unchanged.
pub fn depends_on_time(program: &Program, cond: &super::Cond) -> bool {
    // A segment's answer was worked out once by the checker; one it did
    // not work out counts as time-dependent, which is never wrong.
    depends(cond, &|id| {
        program.segment_timed.get(id).copied().unwrap_or(true)
    })
}

/// Whether each segment can change by time alone, by segment id, worked
/// out in `order` (each segment after the segments it uses), so that each
/// segment is looked at once: following `in segment` afresh at every use
/// took exponential time on segments that use a segment twice.
pub fn segment_time_dependence(program: &Program, order: &[usize]) -> IdVec<SegmentId, bool> {
    // Until worked out, a segment counts as time-dependent.
    let mut timed: IdVec<SegmentId, bool> = vec![true; program.segments.len()].into();
    for &id in order {
        let id = SegmentId::new(id);
        if let Some(segment) = program.segments.get(id) {
            let value = depends(&segment.condition, &|used| {
                timed.get(used).copied().unwrap_or(true)
            });
            if let Some(slot) = timed.get_mut(id) {
                *slot = value;
            }
        }
    }
    timed
}

/// Segments are answered by `segment`, never expanded.
fn depends(cond: &super::Cond, segment: &dyn Fn(SegmentId) -> bool) -> bool {
    super::visit::conditions(cond).any(|c| clause_depends(c, segment))
}

/// Whether one clause depends on time by itself (`and`, `or` and `not`
/// only through their parts, which the walk visits).
fn clause_depends(cond: &super::Cond, segment: &dyn Fn(SegmentId) -> bool) -> bool {
    match &cond.kind {
        CondKind::And(_) | CondKind::Or(_) | CondKind::Not(_) => false,
        CondKind::InSegment(id) => segment(*id),
        CondKind::Field { test, .. } => test_depends(test),
        CondKind::Behaviour(behaviour) => {
            window_depends(behaviour.window) || sends_show_up_later(behaviour.matcher.event_type)
        }
        CondKind::Aggregate(aggregate) => {
            window_depends(aggregate.window)
                || test_depends(&aggregate.test)
                || sends_show_up_later(aggregate.event_type)
        }
        CondKind::Today(_) => true,
        // A script may read windows that end at the evaluation instant.
        CondKind::Script(_) | CondKind::ScriptCompare { .. } => true,
        CondKind::Stage(_)
        | CondKind::Points { .. }
        | CondKind::HasTag(_)
        | CondKind::InList(_)
        | CondKind::Consent(_) => false,
    }
}

fn window_depends(window: Window) -> bool {
    matches!(window, Window::Last(_))
}

/// Delayed sends are recorded with a future delivery time and become
/// visible when it comes.
fn sends_show_up_later(event_type: EventTypeId) -> bool {
    matches!(event_type, builtin::EMAIL_SENT | builtin::SMS_SENT)
}

fn test_depends(test: &ValueTest) -> bool {
    matches!(
        test,
        ValueTest::WithinLast(_)
            | ValueTest::MoreThanAgo(_)
            | ValueTest::LessThanAgo(_)
            | ValueTest::IsToday
    )
}
