//! When the after version's run of a contact can be skipped: the versions
//! differ only in some rules, and a watched run of the before version
//! shows that none of them could fire for the contact (`sim::watch`).

use super::{RuleChange, RuleTable};
use crate::ir::{Cond, EventMatcher, Program, RuleId, Trigger};
use crate::sim::run::Population;
use crate::sim::watch::Watch;

/// What the diff needs to take the shortcut.
pub(super) struct Shortcut<'p> {
    /// The after version's rules that differ, watched in the before run.
    pub watch: Watch<'p>,
    /// By before rule id: the rule has no counterpart of the same meaning,
    /// so its firing makes the stories part.
    pub before_differs: Vec<bool>,
}

impl Shortcut<'_> {
    /// Whether the before run of a contact, watched, is also its after run.
    pub fn after_is_before(&self, fired: &[u32], watch_tripped: bool) -> bool {
        !watch_tripped
            && fired
                .iter()
                .zip(&self.before_differs)
                .all(|(&n, &differs)| n == 0 || !differs)
    }
}

/// The shortcut for two versions, when it is sound: both read the same
/// loaded data, declare the same things, and run the rules they share in
/// the same order. `None` otherwise (every contact then runs twice).
pub(super) fn shortcut<'p>(
    before: &'p Program,
    after: &'p Program,
    populations: (&Population<'_>, &Population<'_>),
    table: &RuleTable,
    orders: (&[RuleId], &[RuleId]),
) -> Option<Shortcut<'p>> {
    if !same_data(populations.0, populations.1) || !same_declarations(before, after) {
        return None;
    }
    let kept = |change: &RuleChange| matches!(change, RuleChange::Same | RuleChange::Renamed(_));
    let kept_entry = |slot: usize| table.rules.get(slot).is_some_and(|r| kept(&r.change));
    let before_differs: Vec<bool> = table.before.iter().map(|&s| !kept_entry(s)).collect();
    let after_differs: Vec<bool> = table.after.iter().map(|&s| !kept_entry(s)).collect();
    // The shared rules, in each version's run order, as entries of the
    // table: the same sequence, or a contact may see them fire in another
    // order.
    let shared = |order: &[RuleId], slots: &[usize], differs: &[bool]| -> Vec<usize> {
        order
            .iter()
            .filter(|r| !differs.get(r.index()).copied().unwrap_or(true))
            .filter_map(|r| slots.get(r.index()).copied())
            .collect()
    };
    if shared(orders.0, &table.before, &before_differs)
        != shared(orders.1, &table.after, &after_differs)
    {
        return None;
    }
    let mut conditions: Vec<&Cond> = Vec::new();
    let mut events: Vec<&EventMatcher> = Vec::new();
    for (rule, &differs) in after.rules.iter().zip(&after_differs) {
        if differs {
            match &rule.trigger {
                Trigger::Condition(condition) => conditions.push(condition),
                Trigger::Event(matcher) => events.push(matcher),
            }
        }
    }
    Some(Shortcut {
        watch: Watch {
            program: after,
            conditions,
            events,
        },
        before_differs,
    })
}

/// Both versions run over the very same contacts and events (the data was
/// read once, for one schema).
fn same_data(before: &Population<'_>, after: &Population<'_>) -> bool {
    std::ptr::eq(before.contacts, after.contacts)
        && std::ptr::eq(before.events, after.events)
        && std::ptr::eq(before.ranges, after.ranges)
}

/// Everything but the rules is the same, so that an after rule reads the
/// before run's state with the ids it was checked with. Regexes and
/// scripts are compared by what they are: the before version's under the
/// same ids in the after version (which may have more, for its own rules).
fn same_declarations(before: &Program, after: &Program) -> bool {
    before.stages == after.stages
        && before.settings == after.settings
        && before.fields == after.fields
        && before.event_types == after.event_types
        && before.emails == after.emails
        && before.sms == after.sms
        && before.pages == after.pages
        && before.forms == after.forms
        && before.assets == after.assets
        && before.lists == after.lists
        && before.segments == after.segments
        && before.segment_timed == after.segment_timed
        && before.decay == after.decay
        && prefix(before.scripts.iter(), after.scripts.iter())
        && prefix(
            before.compiled.regexes.iter().map(regex::Regex::as_str),
            after.compiled.regexes.iter().map(regex::Regex::as_str),
        )
        && prefix(
            before.compiled.scripts.iter().map(|ast| format!("{ast:?}")),
            after.compiled.scripts.iter().map(|ast| format!("{ast:?}")),
        )
}

/// Whether `a` is a prefix of `b`.
fn prefix<T: PartialEq>(a: impl Iterator<Item = T>, mut b: impl Iterator<Item = T>) -> bool {
    a.into_iter().all(|x| b.next().is_some_and(|y| x == y))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn program(text: &str) -> Program {
        let checked = crate::driver::check_source(
            std::path::Path::new("t.nurture"),
            "t.nurture",
            text.to_string(),
        );
        checked.program.unwrap()
    }

    #[test]
    fn a_prefix_is_a_prefix() {
        assert!(prefix([1, 2].into_iter(), [1, 2, 3].into_iter()));
        assert!(prefix([0; 0].into_iter(), [1].into_iter()));
        assert!(!prefix([1, 3].into_iter(), [1, 2, 3].into_iter()));
        assert!(!prefix([1, 2].into_iter(), [1].into_iter()));
    }

    #[test]
    fn declarations_decide() {
        let a = program("stages A, B\nemail hi\nrule r:\n  when points >= 5\n  then move to B\n");
        let b = program("stages A, B\nemail hi\nrule r:\n  when points >= 3\n  then move to B\n");
        let c =
            program("stages A, B, C\nemail hi\nrule r:\n  when points >= 5\n  then move to B\n");
        let d = program("stages A, B\nemail hey\nrule r:\n  when points >= 5\n  then move to B\n");
        assert!(same_declarations(&a, &b));
        assert!(!same_declarations(&a, &c));
        assert!(!same_declarations(&a, &d));
    }

    #[test]
    fn a_script_with_another_body_is_another_declaration() {
        let script = |body: &str| {
            program(&format!(
                "stages A, B\nscript s ```\n{body}\n```\nrule r:\n  when script s\n  then move to B\n"
            ))
        };
        assert!(same_declarations(
            &script("points() > 1"),
            &script("points() > 1")
        ));
        assert!(!same_declarations(
            &script("points() > 1"),
            &script("points() > 2")
        ));
    }
}
