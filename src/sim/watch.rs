//! Rules of another version of a program, watched during a run of this
//! one: the shortcut of `nurture diff` (docs/diff.md, "Cost").
//!
//! Two versions that declare the same things and differ only in some rules
//! give a contact the same story as long as none of those rules fires in
//! either version: the rules they share see the same state at the same
//! instants, in the same order. A run of the before version can tell that
//! for the after version by asking, at every state where the after version
//! would evaluate one of its own rules, whether that rule could fire there.
//! When no watched rule could ever fire (and none of the before version's
//! own changed rules fired), the after version's run is this one, and need
//! not be made. Asking is conservative: a watched condition that holds at
//! any state visited counts, even where the after version would not have
//! evaluated it (a quiet tick, a rule already fired), so the shortcut is
//! never taken wrongly, only sometimes not taken.

use super::contact::ContactRun;
use crate::base::value::Instant;
use crate::data::Event;
use crate::eval::{Clock, Context};
use crate::ir::{Cond, EventMatcher, Program};

/// The watched rules of the other version.
pub struct Watch<'p> {
    /// The other version. It declares exactly what the run's program
    /// declares (stages, fields, event types, messages, segments, settings,
    /// and the run's regexes and scripts under the same ids), so its
    /// conditions read the run's state; the caller makes sure of that.
    pub program: &'p Program,
    /// Its condition rules' conditions.
    pub conditions: Vec<&'p Cond>,
    /// Its event rules' triggers.
    pub events: Vec<&'p EventMatcher>,
}

impl Watch<'_> {
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.events.is_empty()
    }
}

impl ContactRun<'_, '_> {
    /// Whether a watched condition rule holds in the current state at
    /// `now`; once one has, the run stops asking.
    pub(super) fn watch_conditions(&mut self, now: Instant) {
        let Some(watch) = self.plan.watch else { return };
        if self.outcome.watch_tripped || watch.conditions.is_empty() {
            return;
        }
        let tripped = self.asking(watch.program, now, |context| {
            watch.conditions.iter().any(|c| context.holds(c))
        });
        self.outcome.watch_tripped |= tripped;
    }

    /// Whether a watched event rule matches `event` in the current state.
    pub(super) fn watch_event(&mut self, now: Instant, event: &Event) {
        let Some(watch) = self.plan.watch else { return };
        if self.outcome.watch_tripped || watch.events.is_empty() {
            return;
        }
        let tripped = self.asking(watch.program, now, |context| {
            watch.events.iter().any(|m| context.matches(m, event))
        });
        self.outcome.watch_tripped |= tripped;
    }

    /// Asks `question` of the state with the other version's program. A
    /// script that fails while answering is not this run's failure: what
    /// it records is set aside, and the question counts as answered yes
    /// (the other version's run has something this one has not).
    fn asking(
        &self,
        program: &Program,
        now: Instant,
        question: impl FnOnce(&Context<'_>) -> bool,
    ) -> bool {
        let own_errors = crate::eval::script::take_errors();
        let clock = Clock::new(now, program.settings.timezone);
        let context = Context::new(program, clock, &self.state, &self.events, None);
        let answer = question(&context);
        let failed = !crate::eval::script::take_errors().is_empty();
        crate::eval::script::restore_errors(own_errors);
        answer || failed
    }
}
