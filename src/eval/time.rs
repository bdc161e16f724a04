//! Which conditions can change value by the passage of time alone, with
//! no new event and no action. The simulator re-evaluates only those at
//! periodic ticks; everything else can only change when something happens.

use crate::check::ir::{builtin, CondKind, Program, ValueTest, Window};

/// Whether a condition's value may differ at a later instant although the
/// contact's state and data events are unchanged.
pub fn depends_on_time(program: &Program, cond: &crate::check::ir::Cond) -> bool {
    depends(program, cond, 0)
}

fn depends(program: &Program, cond: &crate::check::ir::Cond, depth: usize) -> bool {
    // Segment nesting is acyclic (the checker rejects cycles); the depth
    // guard only protects against a malformed program built by hand.
    if depth > 256 {
        return true;
    }
    match &cond.kind {
        CondKind::And(parts) | CondKind::Or(parts) => {
            parts.iter().any(|p| depends(program, p, depth))
        }
        CondKind::Not(inner) => depends(program, inner, depth),
        CondKind::InSegment(id) => program
            .segments
            .get(*id)
            .is_none_or(|s| depends(program, &s.condition, depth + 1)),
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
fn sends_show_up_later(event_type: usize) -> bool {
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
