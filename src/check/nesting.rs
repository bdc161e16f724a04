//! How deep a condition nests once the segments it uses are written out in
//! place, and the limit on it.
//!
//! Evaluating `in segment s` evaluates `s`'s condition inside the current
//! one, and so do `explain` and the test runner. The parser bounds the
//! nesting of one condition as written; a chain of segments that use each
//! other (`segment s2 = in segment s1`, …) nests without bound, and 30,000
//! of them overflowed the stack of `simulate`. The checker therefore also
//! bounds the nesting with segments expanded, so every walk over it stays
//! within a small, fixed stack. It is computed once per segment, so the
//! check stays linear in the program's size.

use super::ir::{visit, Cond, CondKind, Program, RuleDef, SegmentId};

/// The deepest a condition may nest with every `in segment` replaced by
/// the segment's condition (language §1). Each `and`, `or`, `not`, `in
/// segment` and test is one level, so a chain of 255 segments that each
/// only use the one before is allowed.
pub const MAX_EXPANDED_DEPTH: usize = 256;

/// The nesting of `cond` with the segments it uses expanded, given the
/// expanded depths of all segments; saturates just above the limit.
///
/// The recursion is over `cond` as written, which the parser bounds.
pub fn condition_depth(cond: &Cond, segments: &[usize]) -> usize {
    let below = match &cond.kind {
        CondKind::And(parts) | CondKind::Or(parts) => parts
            .iter()
            .map(|p| condition_depth(p, segments))
            .max()
            .unwrap_or(0),
        CondKind::Not(inner) => condition_depth(inner, segments),
        CondKind::InSegment(id) => segments.get(id.index()).copied().unwrap_or(0),
        _ => 0,
    };
    (below + 1).min(MAX_EXPANDED_DEPTH + 1)
}

/// The expanded depth of every segment, computed in `order`, an order in
/// which every segment comes after the segments it uses.
pub fn segment_depths(program: &Program, order: &[usize]) -> Vec<usize> {
    let mut depths = vec![0; program.segments.len()];
    for &id in order {
        if let Some(segment) = program.segments.get(SegmentId::new(id)) {
            let depth = condition_depth(&segment.condition, &depths);
            if let Some(slot) = depths.get_mut(id) {
                *slot = depth;
            }
        }
    }
    depths
}

/// The segments a condition uses directly.
pub fn used_segments(cond: &Cond, out: &mut Vec<usize>) {
    out.extend(visit::conditions(cond).filter_map(|c| match c.kind {
        CondKind::InSegment(id) => Some(id.index()),
        _ => None,
    }));
}

/// Whether a condition is too deep by itself, not only because a segment
/// it uses already is (that segment gets the error instead).
pub fn too_deep_here(cond: &Cond, depths: &[usize]) -> bool {
    if condition_depth(cond, depths) <= MAX_EXPANDED_DEPTH {
        return false;
    }
    let mut used = Vec::new();
    used_segments(cond, &mut used);
    !used
        .iter()
        .any(|id| depths.get(*id).is_some_and(|d| *d > MAX_EXPANDED_DEPTH))
}

/// The conditions of a rule that are too deep by themselves.
pub fn deep_rule_conditions<'a>(rule: &'a RuleDef, depths: &[usize]) -> Vec<&'a Cond> {
    visit::rule_conditions(rule)
        .filter(|cond| too_deep_here(cond, depths))
        .collect()
}
