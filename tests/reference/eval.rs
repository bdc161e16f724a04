//! A plain evaluator of checked conditions: one contact, one instant, the
//! contact's visible events scanned in full for every clause. No shared
//! answers, no memo of segments, no index by event type.

use super::calendar;
use super::Semantics;
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use nurture::base::value::{Instant, Value};
use nurture::base::vocab::{AggFunc, CmpOp, Consent, CountOp, DayPattern};
use nurture::data::Event;
use nurture::ir::{
    Aggregate, Behaviour, Cond, CondKind, EventMatcher, Filter, Program, StageTest, TargetPattern,
    TimePoint, ValueTest, Window,
};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// A contact apart from its events.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub stage: Option<nurture::ir::StageId>,
    pub points: i64,
    pub tags: BTreeSet<String>,
    pub lists: BTreeSet<nurture::ir::ListId>,
    pub fields: Vec<Option<Value>>,
    pub unsubscribed: bool,
    pub do_not_contact: bool,
}

/// Everything a condition may read.
pub struct View<'a> {
    pub program: &'a Program,
    pub semantics: &'a Semantics,
    pub now: Instant,
    pub tz: Tz,
    pub state: &'a State,
    /// Every event visible now: the data events applied so far and the
    /// simulation's own sends delivered by now.
    pub events: &'a [Event],
    /// When the running sequence's rule fired (for a bare `since`).
    pub fired_at: Option<Instant>,
}

impl View<'_> {
    pub fn holds(&self, cond: &Cond) -> bool {
        match &cond.kind {
            CondKind::And(parts) => parts.iter().all(|p| self.holds(p)),
            CondKind::Or(parts) => parts.iter().any(|p| self.holds(p)),
            CondKind::Not(inner) => !self.holds(inner),
            CondKind::Stage(test) => self.stage(test),
            CondKind::Points { op, value } => op_holds(*op, self.state.points.cmp(value)),
            CondKind::HasTag(tag) => self.state.tags.contains(tag),
            CondKind::InSegment(id) => self.holds(&self.program.segments[id.index()].condition),
            CondKind::InList(id) => self.state.lists.contains(id),
            CondKind::Consent(Consent::Unsubscribed) => self.state.unsubscribed,
            CondKind::Consent(Consent::DoNotContact) => self.state.do_not_contact,
            CondKind::Field { field, test } => self.value_test(
                test,
                self.state
                    .fields
                    .get(field.index())
                    .and_then(|v| v.as_ref()),
            ),
            CondKind::Behaviour(b) => self.behaviour(b),
            CondKind::Aggregate(a) => {
                let value = self.aggregate(a);
                self.value_test(&a.test, value.as_ref())
            }
            CondKind::Today(pattern) => {
                let day = calendar::weekday(self.now, self.tz);
                let weekend = matches!(day, chrono::Weekday::Sat | chrono::Weekday::Sun);
                match pattern {
                    DayPattern::Weekday(d) => day == *d,
                    DayPattern::Weekend => weekend,
                    DayPattern::Workday => !weekend,
                }
            }
            CondKind::Script(_) | CondKind::ScriptCompare { .. } => {
                panic!("the reference simulator does not run scripts")
            }
        }
    }

    fn stage(&self, test: &StageTest) -> bool {
        // The explicit tests for having a stage at all.
        match test {
            StageTest::IsSet => return self.state.stage.is_some(),
            StageTest::IsNotSet => return self.state.stage.is_none(),
            _ => {}
        }
        let Some(stage) = self.state.stage else {
            // Every stage test is false for a contact with no stage
            // (the decision of issue 10); the old reading ordered "no
            // stage" below every stage.
            if self.semantics.no_stage_fails_stage_tests {
                return false;
            }
            return match test {
                StageTest::Cmp(op, s) => op_holds(*op, None.cmp(&Some(*s))),
                StageTest::In(_) => false,
                StageTest::NotIn(_) => true,
                StageTest::IsSet | StageTest::IsNotSet => false,
            };
        };
        match test {
            StageTest::Cmp(op, s) => op_holds(*op, stage.cmp(s)),
            StageTest::In(list) => list.contains(&stage),
            StageTest::NotIn(list) => !list.contains(&stage),
            StageTest::IsSet | StageTest::IsNotSet => false,
        }
    }

    fn in_window(&self, window: Window, at: Instant) -> bool {
        at <= self.now
            && match window {
                Window::All => true,
                Window::Last(seconds) => at > self.now - seconds,
                Window::SinceFired => self.fired_at.is_none_or(|f| at > f),
                Window::Since(t) => at >= t,
            }
    }

    pub fn matches(&self, m: &EventMatcher, e: &Event) -> bool {
        if usize::from(e.event_type) != m.event_type.index() {
            return false;
        }
        if let Some(target) = &m.target {
            let Some(Some(Value::Text(v))) = e.properties.get(target.property.index()) else {
                return false;
            };
            let ok = match &target.matcher {
                TargetPattern::Exact(name) => **v == **name,
                TargetPattern::Pattern(p) => url_matches(&p.text, v),
            };
            if !ok {
                return false;
            }
        }
        m.filter.as_ref().is_none_or(|f| self.filter(f, e))
    }

    fn filter(&self, f: &Filter, e: &Event) -> bool {
        match f {
            Filter::And(parts) => parts.iter().all(|p| self.filter(p, e)),
            Filter::Or(parts) => parts.iter().any(|p| self.filter(p, e)),
            Filter::Not(inner) => !self.filter(inner, e),
            Filter::Property { property, test, .. } => self.value_test(
                test,
                e.properties.get(property.index()).and_then(|v| v.as_ref()),
            ),
        }
    }

    fn behaviour(&self, b: &Behaviour) -> bool {
        let mut count = 0u64;
        let mut distinct = BTreeSet::new();
        for e in self.events {
            if !self.in_window(b.window, e.at) || !self.matches(&b.matcher, e) {
                continue;
            }
            match b.distinct {
                None => count += 1,
                Some(p) => {
                    if let Some(Some(v)) = e.properties.get(p.index()) {
                        distinct.insert(format!("{v:?}"));
                    }
                }
            }
        }
        if b.distinct.is_some() {
            count = distinct.len() as u64;
        }
        let n = b.count.n;
        match b.count.op {
            CountOp::AtLeast => count >= n,
            CountOp::AtMost => count <= n,
            CountOp::Exactly => count == n,
            CountOp::MoreThan => count > n,
            CountOp::FewerThan => count < n,
        }
    }

    fn aggregate(&self, a: &Aggregate) -> Option<Value> {
        let chosen: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| {
                usize::from(e.event_type) == a.event_type.index() && self.in_window(a.window, e.at)
            })
            .filter(|e| a.filter.as_ref().is_none_or(|f| self.filter(f, e)))
            .collect();
        let value_of = |e: &Event| match a.property {
            Some(p) => e.properties.get(p.index()).cloned().flatten(),
            None => Some(Value::DateTime(e.at)),
        };
        match a.func {
            AggFunc::First => {
                // The earliest; of several at that instant, the first given.
                let mut best: Option<&Event> = None;
                for e in &chosen {
                    if best.is_none_or(|b| e.at < b.at) {
                        best = Some(e);
                    }
                }
                best.and_then(value_of)
            }
            AggFunc::Last => {
                let mut best: Option<&Event> = None;
                for e in &chosen {
                    if best.is_none_or(|b| e.at >= b.at) {
                        best = Some(e);
                    }
                }
                best.and_then(value_of)
            }
            AggFunc::Total | AggFunc::Average | AggFunc::Min | AggFunc::Max => {
                let numbers: Vec<f64> = chosen
                    .iter()
                    .filter_map(|e| match value_of(e) {
                        Some(Value::Number(n)) => Some(n),
                        _ => None,
                    })
                    .collect();
                let total: f64 = numbers.iter().sum();
                match a.func {
                    AggFunc::Total => Some(Value::Number(total)),
                    _ if numbers.is_empty() => None,
                    AggFunc::Average => Some(Value::Number(total / numbers.len() as f64)),
                    AggFunc::Min => numbers.iter().copied().reduce(f64::min).map(Value::Number),
                    _ => numbers.iter().copied().reduce(f64::max).map(Value::Number),
                }
            }
        }
    }

    /// A bare date as an instant is 00:00 in the campaign time zone.
    fn instant(&self, v: &Value) -> Option<Instant> {
        match v {
            Value::DateTime(t) => Some(*t),
            Value::Date(d) => Some(calendar::midnight(*d, self.tz)),
            _ => None,
        }
    }

    fn point(&self, p: &TimePoint) -> Instant {
        match p {
            TimePoint::Instant(t) => *t,
            TimePoint::Date(d) => calendar::midnight(*d, self.tz),
        }
    }

    pub fn value_test(&self, test: &ValueTest, value: Option<&Value>) -> bool {
        let Some(v) = value else {
            return matches!(test, ValueTest::IsNotSet);
        };
        let now = self.now;
        match test {
            ValueTest::IsSet => true,
            ValueTest::IsNotSet => false,
            ValueTest::Compare(op, x) => compare(v, x).is_some_and(|o| op_holds(*op, o)),
            ValueTest::In(xs) => xs.iter().any(|x| compare(v, x) == Some(Ordering::Equal)),
            ValueTest::NotIn(xs) => !xs.iter().any(|x| compare(v, x) == Some(Ordering::Equal)),
            ValueTest::Contains(s) => match v {
                Value::Text(t) => t.contains(s.as_str()),
                Value::TextList(items) => items.iter().any(|i| i == s),
                _ => false,
            },
            ValueTest::StartsWith(s) => matches!(v, Value::Text(t) if t.starts_with(s.as_str())),
            ValueTest::EndsWith(s) => matches!(v, Value::Text(t) if t.ends_with(s.as_str())),
            ValueTest::Matches(re) => {
                let re = &self.program.compiled.regexes[re.index()];
                matches!(v, Value::Text(t) if re.is_match(t))
            }
            ValueTest::Before(p) => match (v, p) {
                (Value::Date(d), TimePoint::Date(x)) => d < x,
                _ => self.instant(v).is_some_and(|t| t < self.point(p)),
            },
            ValueTest::After(p) => match (v, p) {
                (Value::Date(d), TimePoint::Date(x)) => d > x,
                _ => self.instant(v).is_some_and(|t| t > self.point(p)),
            },
            ValueTest::WithinLast(s) => self.instant(v).is_some_and(|t| t > now - s && t <= now),
            ValueTest::MoreThanAgo(s) => self.instant(v).is_some_and(|t| t < now - s),
            ValueTest::LessThanAgo(s) => self.instant(v).is_some_and(|t| {
                // "after now − D": a future value is less than D ago.
                t > now - s && (self.semantics.less_than_ago_admits_future || t <= now)
            }),
            ValueTest::IsToday => {
                let date = match v {
                    Value::Date(d) => Some(*d),
                    Value::DateTime(t) => Some(calendar::local_date(*t, self.tz)),
                    _ => None,
                };
                date.is_some_and(|d| anniversary(d, calendar::local_date(now, self.tz)))
            }
        }
    }
}

pub fn op_holds(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Eq => o.is_eq(),
        CmpOp::Ne => o.is_ne(),
        CmpOp::Lt => o.is_lt(),
        CmpOp::Le => o.is_le(),
        CmpOp::Gt => o.is_gt(),
        CmpOp::Ge => o.is_ge(),
    }
}

/// Values of one type compare; values of different types do not.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::TextList(x), Value::TextList(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Same month and day; 29 February counts as 28 February in common years.
fn anniversary(date: NaiveDate, today: NaiveDate) -> bool {
    if (date.month(), date.day()) == (today.month(), today.day()) {
        return true;
    }
    date.month() == 2
        && date.day() == 29
        && today.month() == 2
        && today.day() == 28
        && NaiveDate::from_ymd_opt(today.year(), 2, 29).is_none()
}

/// A page or asset pattern (`*` = any run of characters) against a URL:
/// query and fragment ignored; a path pattern also matches the path of an
/// absolute http(s) URL.
pub fn url_matches(pattern: &str, url: &str) -> bool {
    let url = url.split(['?', '#']).next().unwrap_or("");
    if glob(pattern.as_bytes(), url.as_bytes()) {
        return true;
    }
    if !pattern.starts_with('/') {
        return false;
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let path = rest.find('/').map_or("/", |i| &rest[i..]);
            glob(pattern.as_bytes(), path.as_bytes())
        }
        None => false,
    }
}

/// Plain recursive wildcard matching.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}
