//! Evaluation of checked conditions for one contact at one instant.
//!
//! Everything here reads one contact only (the product brief, section 4: contacts
//! are independent), which is what lets the simulator run contacts in
//! parallel.

pub mod events;
pub mod explain;
pub mod population;
pub mod script;
pub mod script_failures;

use crate::base::time::start_of_day;
use crate::base::value::{Instant, Value};
use crate::base::vocab::{AggFunc, Consent, DayPattern, FieldType};
use crate::data::Event;
use crate::ir::{
    self, Aggregate, Behaviour, CondKind, EventMatcher, Filter, Program, TargetPattern, TimePoint,
    ValueTest,
};
use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
pub use events::{EventView, Lower};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// What a contact is at an instant, apart from its events.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactState {
    pub stage: Option<ir::StageId>,
    pub points: i64,
    pub tags: BTreeSet<String>,
    pub lists: BTreeSet<ir::ListId>,
    pub fields: Vec<Option<Value>>,
    pub unsubscribed: bool,
    pub do_not_contact: bool,
}

impl ContactState {
    /// The state a contact's data row describes, before any event or rule.
    pub fn from_contact(program: &Program, contact: &crate::data::Contact) -> Self {
        let mut fields = contact.fields.clone();
        fields.resize(program.fields.len(), None);
        ContactState {
            stage: contact.stage.map(ir::StageId::new),
            points: contact.points,
            tags: contact.tags.iter().cloned().collect(),
            lists: BTreeSet::new(),
            fields,
            unsubscribed: false,
            do_not_contact: false,
        }
    }

    /// What an event in the data does to the state by itself: an
    /// `unsubscribed` event withdraws consent.
    pub fn apply_event(&mut self, event: &Event) {
        if usize::from(event.event_type) == ir::builtin::UNSUBSCRIBED.index() {
            self.unsubscribed = true;
        }
    }
}

/// The value in slot `id` of a per-instant memo of `len` slots, computed
/// and kept on first use. The memo is allocated then too: most evaluations
/// need none.
fn remembered<T: Clone>(
    memo: &RefCell<Vec<Option<T>>>,
    id: usize,
    len: usize,
    compute: impl FnOnce() -> T,
) -> T {
    if let Some(Some(known)) = memo.borrow().get(id) {
        return known.clone();
    }
    // Not borrowed while computing: segments nest.
    let value = compute();
    let mut memo = memo.borrow_mut();
    if memo.is_empty() {
        memo.resize(len, None);
    }
    if let Some(slot) = memo.get_mut(id) {
        *slot = Some(value.clone());
    }
    value
}

/// An instant and the campaign time zone its calendar facts are read in.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: Instant,
    pub tz: chrono_tz::Tz,
}

impl Clock {
    pub fn new(now: Instant, tz: chrono_tz::Tz) -> Self {
        Clock { now, tz }
    }

    /// The local date of `now`. Computed on demand: time-zone lookups are
    /// the most expensive thing an evaluation does, and few conditions
    /// need the date.
    pub fn today(&self) -> NaiveDate {
        self.tz
            .timestamp_opt(self.now, 0)
            .single()
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }

    fn instant_of(&self, point: TimePoint) -> Instant {
        match point {
            TimePoint::Instant(t) => t,
            TimePoint::Date(d) => start_of_day(d, self.tz),
        }
    }

    fn instant_of_value(&self, value: &Value) -> Option<Instant> {
        match value {
            Value::DateTime(t) => Some(*t),
            Value::Date(d) => Some(start_of_day(*d, self.tz)),
            _ => None,
        }
    }

    fn local_date(&self, value: &Value) -> Option<NaiveDate> {
        match value {
            Value::Date(d) => Some(*d),
            Value::DateTime(t) => self
                .tz
                .timestamp_opt(*t, 0)
                .single()
                .map(|t| t.date_naive()),
            _ => None,
        }
    }
}

/// Everything a condition may read: one contact at one instant.
pub struct Context<'a> {
    pub program: &'a Program,
    pub clock: Clock,
    pub state: &'a ContactState,
    pub events: &'a EventView<'a>,
    /// When the rule whose steps are running fired (for `since`).
    pub fired_at: Option<Instant>,
    /// Segment membership computed at this instant.
    segments: RefCell<Vec<Option<bool>>>,
    /// Answers to the event queries that several clauses ask, kept for
    /// this instant. A short list searched in order, allocated on first
    /// use: the simulator makes millions of contexts that answer one or two
    /// queries each, and a table by query id (or an inline list to drop)
    /// cost them more than sharing saved (callgrind).
    answers: RefCell<Vec<(ir::QueryId, Answer)>>,
}

/// What an event query found.
#[derive(Clone)]
enum Answer {
    Count(u64),
    Value(Option<Value>),
}

impl<'a> Context<'a> {
    pub fn new(
        program: &'a Program,
        clock: Clock,
        state: &'a ContactState,
        events: &'a EventView<'a>,
        fired_at: Option<Instant>,
    ) -> Self {
        Context {
            program,
            clock,
            state,
            events,
            fired_at,
            // Allocated on first use: most evaluations test no segment.
            segments: RefCell::new(Vec::new()),
            answers: RefCell::new(Vec::new()),
        }
    }

    pub fn holds(&self, cond: &ir::Cond) -> bool {
        match &cond.kind {
            CondKind::And(parts) => parts.iter().all(|p| self.holds(p)),
            CondKind::Or(parts) => parts.iter().any(|p| self.holds(p)),
            CondKind::Not(inner) => !self.holds(inner),
            _ => self.leaf(cond),
        }
    }

    /// The value of a condition that has no sub-conditions.
    pub fn leaf(&self, cond: &ir::Cond) -> bool {
        match &cond.kind {
            CondKind::And(_) | CondKind::Or(_) | CondKind::Not(_) => self.holds(cond),
            CondKind::Stage(test) => test.holds(self.state.stage),
            CondKind::Points { op, value } => op.holds(self.state.points.cmp(value)),
            CondKind::HasTag(tag) => self.state.tags.contains(tag),
            CondKind::InSegment(id) => self.in_segment(*id),
            CondKind::InList(id) => self.state.lists.contains(id),
            CondKind::Consent(Consent::Unsubscribed) => self.state.unsubscribed,
            CondKind::Consent(Consent::DoNotContact) => self.state.do_not_contact,
            CondKind::Field { field, test } => {
                let value = self
                    .state
                    .fields
                    .get(field.index())
                    .and_then(Option::as_ref);
                self.test(test, value)
            }
            CondKind::Behaviour(behaviour) => {
                behaviour.count.holds(self.behaviour_count(behaviour))
            }
            CondKind::Aggregate(aggregate) => {
                let value = self.aggregate_value(aggregate);
                self.test(&aggregate.test, value.as_ref())
            }
            CondKind::Today(pattern) => day_matches(pattern, self.clock.today().weekday()),
            CondKind::Script(id) => script::holds(self, *id),
            CondKind::ScriptCompare {
                left,
                op,
                right,
                ty,
            } => {
                // An unset field or a failed script makes the comparison false.
                let Some(left) = self.operand(left, *ty) else {
                    return false;
                };
                let Some(right) = self.operand(right, *ty) else {
                    return false;
                };
                script::compare(*op, &left, &right)
            }
        }
    }

    /// One side of a script comparison; `None` when a field is not set or
    /// a script failed (the failure is recorded).
    pub fn operand(&self, operand: &ir::Operand, ty: FieldType) -> Option<Value> {
        match operand {
            ir::Operand::Points => Some(Value::Number(self.state.points as f64)),
            ir::Operand::Field(id) => self.state.fields.get(id.index()).and_then(Option::clone),
            ir::Operand::Script(id) => script::value(self, *id, ty),
            ir::Operand::Const(value) => Some(value.clone()),
        }
    }

    pub fn in_segment(&self, id: ir::SegmentId) -> bool {
        let Some(segment) = self.program.segments.get(id) else {
            return false;
        };
        // The checker rejects segment cycles, so this recursion ends.
        remembered(
            &self.segments,
            id.index(),
            self.program.segments.len(),
            || self.holds(&segment.condition),
        )
    }

    fn lower(&self, window: ir::Window) -> Lower {
        Lower::of(window, self.clock.now, self.fired_at)
    }

    /// How many events (or distinct targets) a behaviour clause counts.
    pub fn behaviour_count(&self, behaviour: &Behaviour) -> u64 {
        match self.shared(behaviour.query, || {
            Answer::Count(self.count_events(behaviour))
        }) {
            Answer::Count(n) => n,
            // Ids of counts and of aggregates never coincide (their keys
            // differ); recomputing keeps this total anyway.
            Answer::Value(_) => self.count_events(behaviour),
        }
    }

    /// The answer to event query `query`: remembered for this instant when
    /// other clauses ask it too, otherwise just computed.
    fn shared(&self, query: ir::QueryId, compute: impl FnOnce() -> Answer) -> Answer {
        let asked_elsewhere = self
            .program
            .query_uses
            .get(query)
            .is_some_and(|&uses| uses > 1);
        if !asked_elsewhere {
            return compute();
        }
        if let Some((_, known)) = self.answers.borrow().iter().find(|(q, _)| *q == query) {
            return known.clone();
        }
        let answer = compute();
        self.answers.borrow_mut().push((query, answer.clone()));
        answer
    }

    fn count_events(&self, behaviour: &Behaviour) -> u64 {
        let lower = self.lower(behaviour.window);
        let matching = self
            .events
            .in_window(behaviour.matcher.event_type, lower, self.clock.now)
            .filter(|e| self.matches(&behaviour.matcher, e));
        match behaviour.distinct {
            None => matching.count() as u64,
            Some(property) => {
                // Pages are told apart as page patterns see them: by URL
                // without query string or fragment (language.md section 3).
                let pages = behaviour.matcher.event_type == ir::builtin::PAGE_VISITED;
                let distinct: BTreeSet<String> = matching
                    .filter_map(|e| e.properties.get(property.index()).and_then(Option::as_ref))
                    .map(|v| match v {
                        Value::Text(url) if pages => ir::without_query(url).to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                distinct.len() as u64
            }
        }
    }

    /// The newest event a behaviour clause counts, for explanations.
    pub fn behaviour_last(&self, behaviour: &Behaviour) -> Option<Instant> {
        let lower = self.lower(behaviour.window);
        self.events
            .in_window(behaviour.matcher.event_type, lower, self.clock.now)
            .filter(|e| self.matches(&behaviour.matcher, e))
            .map(|e| e.at)
            .max()
    }

    /// Whether an event is one the matcher describes (type already known).
    pub fn matches(&self, matcher: &EventMatcher, event: &Event) -> bool {
        if usize::from(event.event_type) != matcher.event_type.index() {
            return false;
        }
        if let Some(target) = &matcher.target {
            let value = event
                .properties
                .get(target.property.index())
                .and_then(Option::as_ref)
                .and_then(Value::as_text);
            let hit = match (value, &target.matcher) {
                (Some(v), TargetPattern::Exact(name)) => v == name,
                (Some(v), TargetPattern::Pattern(pattern)) => pattern.matches(v),
                (None, _) => false,
            };
            if !hit {
                return false;
            }
        }
        match &matcher.filter {
            Some(filter) => self.filter_holds(filter, event),
            None => true,
        }
    }

    fn filter_holds(&self, filter: &Filter, event: &Event) -> bool {
        match filter {
            Filter::And(parts) => parts.iter().all(|f| self.filter_holds(f, event)),
            Filter::Or(parts) => parts.iter().any(|f| self.filter_holds(f, event)),
            Filter::Not(inner) => !self.filter_holds(inner, event),
            Filter::Property { property, test, .. } => {
                let value = event
                    .properties
                    .get(property.index())
                    .and_then(Option::as_ref);
                self.test(test, value)
            }
        }
    }

    /// The value of an aggregate; `None` when no event qualifies.
    pub fn aggregate_value(&self, aggregate: &Aggregate) -> Option<Value> {
        match self.shared(aggregate.query, || {
            Answer::Value(self.aggregate_events(aggregate))
        }) {
            Answer::Value(value) => value,
            Answer::Count(_) => self.aggregate_events(aggregate),
        }
    }

    fn aggregate_events(&self, aggregate: &Aggregate) -> Option<Value> {
        let lower = self.lower(aggregate.window);
        let events = self
            .events
            .in_window(aggregate.event_type, lower, self.clock.now)
            .filter(|e| match &aggregate.filter {
                Some(filter) => self.filter_holds(filter, e),
                None => true,
            });
        let value_of = |e: &Event| -> Option<Value> {
            match aggregate.property {
                Some(p) => e.properties.get(p.index()).and_then(Option::clone),
                None => Some(Value::DateTime(e.at)),
            }
        };
        match aggregate.func {
            AggFunc::First => events.min_by_key(|e| e.at).and_then(value_of),
            AggFunc::Last => events.max_by_key(|e| e.at).and_then(value_of),
            AggFunc::Total | AggFunc::Average | AggFunc::Min | AggFunc::Max => {
                let numbers = events.filter_map(|e| value_of(e).and_then(|v| v.as_number()));
                numeric_aggregate(aggregate.func, numbers).map(Value::Number)
            }
        }
    }

    /// Applies a value test; an unset value passes only `is not set`.
    pub fn test(&self, test: &ValueTest, value: Option<&Value>) -> bool {
        let Some(value) = value else {
            return matches!(test, ValueTest::IsNotSet);
        };
        let clock = &self.clock;
        match test {
            ValueTest::IsSet => true,
            ValueTest::IsNotSet => false,
            ValueTest::Compare(op, expected) => value
                .compare(expected)
                .is_some_and(|ordering| op.holds(ordering)),
            ValueTest::In(options) => options
                .iter()
                .any(|o| value.compare(o) == Some(Ordering::Equal)),
            ValueTest::NotIn(options) => !options
                .iter()
                .any(|o| value.compare(o) == Some(Ordering::Equal)),
            ValueTest::Contains(needle) => match value {
                Value::Text(text) => text.contains(needle.as_str()),
                Value::TextList(items) => items.iter().any(|i| i == needle),
                _ => false,
            },
            ValueTest::StartsWith(prefix) => value
                .as_text()
                .is_some_and(|t| t.starts_with(prefix.as_str())),
            ValueTest::EndsWith(suffix) => value
                .as_text()
                .is_some_and(|t| t.ends_with(suffix.as_str())),
            ValueTest::Matches(id) => {
                let regex = self.program.compiled.regexes.get(*id);
                value
                    .as_text()
                    .is_some_and(|t| regex.is_some_and(|r| r.is_match(t)))
            }
            ValueTest::Before(point) => match (value, point) {
                (Value::Date(d), TimePoint::Date(p)) => d < p,
                _ => clock
                    .instant_of_value(value)
                    .is_some_and(|v| v < clock.instant_of(*point)),
            },
            ValueTest::After(point) => match (value, point) {
                (Value::Date(d), TimePoint::Date(p)) => d > p,
                _ => clock
                    .instant_of_value(value)
                    .is_some_and(|v| v > clock.instant_of(*point)),
            },
            ValueTest::WithinLast(seconds) => clock
                .instant_of_value(value)
                .is_some_and(|v| v > clock.now - seconds && v <= clock.now),
            ValueTest::MoreThanAgo(seconds) => clock
                .instant_of_value(value)
                .is_some_and(|v| v < clock.now - seconds),
            // After now − D, as written: a value in the future is "less
            // than D ago" too (unlike `within last D`, which ends at now).
            ValueTest::LessThanAgo(seconds) => clock
                .instant_of_value(value)
                .is_some_and(|v| v > clock.now - seconds),
            ValueTest::IsToday => clock
                .local_date(value)
                .is_some_and(|d| is_anniversary(d, clock.today())),
        }
    }
}

fn numeric_aggregate(func: AggFunc, numbers: impl Iterator<Item = f64>) -> Option<f64> {
    let mut count = 0u64;
    let mut total = 0.0;
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for n in numbers {
        count += 1;
        total += n;
        min = min.min(n);
        max = max.max(n);
    }
    match func {
        // The total of no purchases is zero; the others have no value.
        AggFunc::Total => Some(total),
        _ if count == 0 => None,
        AggFunc::Average => Some(total / count as f64),
        AggFunc::Min => Some(min),
        AggFunc::Max => Some(max),
        AggFunc::First | AggFunc::Last => None,
    }
}

fn day_matches(pattern: &DayPattern, day: Weekday) -> bool {
    match pattern {
        DayPattern::Weekday(expected) => day == *expected,
        DayPattern::Weekend => matches!(day, Weekday::Sat | Weekday::Sun),
        DayPattern::Workday => !matches!(day, Weekday::Sat | Weekday::Sun),
    }
}

/// Same month and day; a 29 February date falls on 28 February in years
/// that have no 29th.
pub fn is_anniversary(date: NaiveDate, today: NaiveDate) -> bool {
    if date.month() == today.month() && date.day() == today.day() {
        return true;
    }
    let leap_day = date.month() == 2 && date.day() == 29;
    let today_is_feb_28 = today.month() == 2 && today.day() == 28;
    leap_day && today_is_feb_28 && NaiveDate::from_ymd_opt(today.year(), 2, 29).is_none()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn leap_day_birthdays_fall_on_feb_28_in_common_years() {
        let birthday = NaiveDate::from_ymd_opt(2000, 2, 29).unwrap();
        assert!(is_anniversary(
            birthday,
            NaiveDate::from_ymd_opt(2023, 2, 28).unwrap()
        ));
        assert!(!is_anniversary(
            birthday,
            NaiveDate::from_ymd_opt(2024, 2, 28).unwrap()
        ));
        assert!(is_anniversary(
            birthday,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        ));
    }

    #[test]
    fn totals_of_nothing_are_zero_but_averages_are_unknown() {
        assert_eq!(
            numeric_aggregate(AggFunc::Total, std::iter::empty()),
            Some(0.0)
        );
        assert_eq!(
            numeric_aggregate(AggFunc::Average, std::iter::empty()),
            None
        );
        assert_eq!(
            numeric_aggregate(AggFunc::Average, [1.0, 2.0].into_iter()),
            Some(1.5)
        );
    }
}
