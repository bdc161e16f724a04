//! The checked program: every name resolved to an index, every literal
//! typed and validated. This is what the interpreter runs; it never sees
//! the AST or raw names again.
//!
//! Spans stay on conditions and steps so traces and `explain` can quote the
//! source of each clause.

use crate::base::span::{FileId, NodeSpan};
use crate::base::value::{Instant, Value};
use crate::base::vocab::{
    AggFunc, CapPolicy, Channel, CmpOp, Consent, CountOp, DayPattern, FieldType, Recipient,
};
use chrono::NaiveDate;
use serde::Serialize;

mod compiled;
pub mod events_read;
mod ids;
pub mod time;
pub mod visit;
pub use compiled::Compiled;
pub use ids::{
    EventTypeId, FieldId, Id, IdVec, ListId, MessageId, PropertyId, QueryId, RegexId, RuleId,
    ScriptId, SegmentId, StageId,
};

/// A resolved campaign, ready to run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Program {
    /// Funnel order, lowest first.
    pub stages: IdVec<StageId, String>,
    pub settings: Settings,
    pub fields: IdVec<FieldId, FieldDef>,
    /// Built-in event types first (in [`BUILTIN_EVENT_TYPES`] order), then
    /// declared ones in declaration order.
    pub event_types: IdVec<EventTypeId, EventTypeDef>,
    pub emails: IdVec<MessageId, String>,
    pub sms: IdVec<MessageId, String>,
    pub pages: Vec<PageDef>,
    pub forms: Vec<String>,
    pub assets: Vec<AssetDef>,
    pub lists: IdVec<ListId, String>,
    /// In declaration order: a segment may use segments declared after
    /// it, never in a cycle (the checker rejects those).
    pub segments: IdVec<SegmentId, SegmentDef>,
    /// By segment id: whether the segment's value can change by the
    /// passage of time alone (see [`time`]). Computed once by
    /// the checker; a program built without it counts every segment as
    /// time-dependent, which is always correct, only slower.
    pub segment_timed: IdVec<SegmentId, bool>,
    pub decay: Option<PointsDecay>,
    /// In file order (imports contribute no rules).
    pub rules: IdVec<RuleId, RuleDef>,
    /// Scripts, compiled once by the checker, in declaration order.
    pub scripts: IdVec<ScriptId, ScriptDef>,
    /// How many clauses ask each event query. Clauses that ask the same
    /// question of the events (`opened 3 emails in last 30 days` and
    /// `opened 5 emails in last 30 days` both count opens in the last 30
    /// days) share a [`QueryId`], so that an evaluation answers each
    /// question once however many rules and segments ask it.
    pub query_uses: IdVec<QueryId, u32>,
    /// Compiled regexes and scripts, referred to by id from conditions.
    #[serde(skip)]
    pub compiled: Compiled,
}

impl Program {
    /// The name of rule `id` (`?` for an id the program does not have).
    pub fn rule_name(&self, id: RuleId) -> &str {
        self.rules.get(id).map_or("?", |rule| rule.name.as_str())
    }
}

/// A `script` block. Its compiled rhai program is in
/// [`Compiled::scripts`] under the same id, shared, never recompiled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ScriptDef {
    pub name: String,
    /// The declared result type (`script name: bool`), if any.
    pub result: Option<FieldType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Settings {
    pub campaign_name: Option<String>,
    pub timezone: chrono_tz::Tz,
    pub quiet_hours: Option<QuietHours>,
    pub caps: Vec<FrequencyCap>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            campaign_name: None,
            timezone: chrono_tz::UTC,
            quiet_hours: None,
            caps: Vec::new(),
        }
    }
}

/// Minutes after local midnight; the period may wrap past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct QuietHours {
    pub from_minute: u32,
    pub to_minute: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FrequencyCap {
    pub channel: Channel,
    pub limit: u32,
    pub per_seconds: i64,
    pub policy: CapPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: FieldType,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EventTypeDef {
    /// The `type` value in event data, e.g. `email.opened` or `referral`.
    pub name: String,
    pub properties: IdVec<PropertyId, (String, FieldType)>,
}

impl EventTypeDef {
    pub fn property(&self, name: &str) -> Option<PropertyId> {
        self.properties.position(|(n, _)| n == name)
    }
}

/// The event types every campaign knows, with their properties.
pub const BUILTIN_EVENT_TYPES: &[(&str, &[(&str, FieldType)])] = &[
    ("email.sent", &[("email", FieldType::Text)]),
    ("email.opened", &[("email", FieldType::Text)]),
    (
        "email.clicked",
        &[("email", FieldType::Text), ("url", FieldType::Text)],
    ),
    ("sms.sent", &[("sms", FieldType::Text)]),
    ("page.visited", &[("url", FieldType::Text)]),
    ("form.submitted", &[("form", FieldType::Text)]),
    ("asset.downloaded", &[("asset", FieldType::Text)]),
    (
        "purchase",
        &[
            ("amount", FieldType::Number),
            ("order_id", FieldType::Text),
            ("category", FieldType::Text),
            ("channel", FieldType::Text),
        ],
    ),
    ("unsubscribed", &[]),
];

/// Indices of the built-in types in [`BUILTIN_EVENT_TYPES`].
pub mod builtin {
    use super::EventTypeId;
    pub const EMAIL_SENT: EventTypeId = EventTypeId::new(0);
    pub const EMAIL_OPENED: EventTypeId = EventTypeId::new(1);
    pub const EMAIL_CLICKED: EventTypeId = EventTypeId::new(2);
    pub const SMS_SENT: EventTypeId = EventTypeId::new(3);
    pub const PAGE_VISITED: EventTypeId = EventTypeId::new(4);
    pub const FORM_SUBMITTED: EventTypeId = EventTypeId::new(5);
    pub const ASSET_DOWNLOADED: EventTypeId = EventTypeId::new(6);
    pub const PURCHASE: EventTypeId = EventTypeId::new(7);
    pub const UNSUBSCRIBED: EventTypeId = EventTypeId::new(8);
}

/// The name of built-in event type `id` (`None` for a declared type), for
/// callers that need the name without a program (`generate`, tests).
pub fn builtin_event_name(id: EventTypeId) -> Option<&'static str> {
    BUILTIN_EVENT_TYPES.get(id.index()).map(|(name, _)| *name)
}

pub fn builtin_event_types() -> IdVec<EventTypeId, EventTypeDef> {
    BUILTIN_EVENT_TYPES
        .iter()
        .map(|(name, properties)| EventTypeDef {
            name: (*name).to_string(),
            properties: properties
                .iter()
                .map(|(p, ty)| ((*p).to_string(), *ty))
                .collect(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PageDef {
    pub name: String,
    pub pattern: UrlPattern,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssetDef {
    pub name: String,
    /// Matched against the `asset` property; defaults to the asset's name.
    pub pattern: UrlPattern,
}

/// A URL or file pattern where `*` matches any run of characters.
/// Query strings and fragments in visited URLs are ignored, and a pattern
/// that is a path (`/pricing*`) matches the path of a full URL too
/// (`https://example.com/pricing`), since exports differ in which they hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UrlPattern {
    pub text: String,
    parts: Vec<String>,
}

impl UrlPattern {
    pub fn new(text: &str) -> Self {
        UrlPattern {
            text: text.to_string(),
            parts: text.split('*').map(str::to_string).collect(),
        }
    }

    pub fn matches(&self, value: &str) -> bool {
        // `?` and `#` are ASCII, so the cut is on a char boundary; memchr
        // because a char-pattern split decodes UTF-8 and showed up in
        // profiles of page-visit counts.
        let value = without_query(value);
        if glob_match(&self.parts, value) {
            return true;
        }
        self.text.starts_with('/')
            && url_path(value).is_some_and(|path| glob_match(&self.parts, path))
    }
}

/// A visited URL without its query string and fragment: what page
/// patterns match and what `N different pages` tells apart.
pub fn without_query(url: &str) -> &str {
    // `?` and `#` are ASCII, so the cut is on a char boundary.
    memchr::memchr2(b'?', b'#', url.as_bytes())
        .and_then(|end| url.get(..end))
        .unwrap_or(url)
}

/// The path of an absolute http(s) URL (`/` when it has none).
fn url_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    Some(rest.find('/').and_then(|at| rest.get(at..)).unwrap_or("/"))
}

/// Matches `value` against literal `parts` separated by `*` wildcards.
fn glob_match(parts: &[String], value: &str) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return value.is_empty();
    };
    let Some(mut remaining) = value.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(at) => remaining = remaining.get(at + part.len()..).unwrap_or(""),
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SegmentDef {
    pub name: String,
    pub condition: Cond,
    pub file: FileId,
    pub span: NodeSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct PointsDecay {
    pub amount: i64,
    pub percent: bool,
    pub every: Duration,
}

/// A duration as written in the rules. Days and weeks are calendar days in
/// the campaign time zone (a day with a daylight-saving change has 23 or 25
/// hours); minutes and hours are exact. The unit is kept because `24 hours`
/// and `1 day` differ on such a day (docs/language.md section 10, "Time").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Duration {
    /// The length in seconds (days counted as 86,400).
    pub seconds: i64,
    /// Written in days or weeks: added as calendar days.
    pub calendar: bool,
}

impl Duration {
    /// An exact duration of this many seconds.
    pub const fn exact(seconds: i64) -> Self {
        Duration {
            seconds,
            calendar: false,
        }
    }

    /// A calendar duration of this many days.
    pub const fn days(days: i64) -> Self {
        Duration {
            seconds: days.saturating_mul(86_400),
            calendar: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RuleDef {
    /// The written name, or one made from the trigger for a bare `on` rule
    /// (`on opened email @ line 12`).
    pub name: String,
    pub priority: i64,
    pub trigger: Trigger,
    pub steps: Vec<Step>,
    pub exit: Option<Cond>,
    pub repeat: Option<Duration>,
    pub file: FileId,
    pub span: NodeSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Trigger {
    Condition(Cond),
    Event(EventMatcher),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Cond {
    pub kind: CondKind,
    pub span: NodeSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum CondKind {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Stage(StageTest),
    Points {
        op: CmpOp,
        value: i64,
    },
    HasTag(String),
    InSegment(SegmentId),
    InList(ListId),
    Consent(Consent),
    Field {
        field: FieldId,
        test: ValueTest,
    },
    Behaviour(Behaviour),
    Aggregate(Aggregate),
    Today(DayPattern),
    /// A named scripted predicate (see `eval::script`).
    Script(ScriptId),
    /// A comparison with a script's value on one side. `ty` is the type
    /// both sides have: a number, text or true/false.
    ScriptCompare {
        left: Operand,
        op: CmpOp,
        right: Operand,
        ty: FieldType,
    },
}

/// One side of a [`CondKind::ScriptCompare`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Operand {
    Points,
    Field(FieldId),
    Script(ScriptId),
    Const(Value),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum StageTest {
    Cmp(CmpOp, StageId),
    In(Vec<StageId>),
    NotIn(Vec<StageId>),
    /// `stage is set`
    IsSet,
    /// `stage is not set`
    IsNotSet,
}

impl StageTest {
    /// The stages the test names (none for `is set` / `is not set`).
    pub fn stages(&self) -> &[StageId] {
        match self {
            StageTest::Cmp(_, s) => std::slice::from_ref(s),
            StageTest::In(list) | StageTest::NotIn(list) => list,
            StageTest::IsSet | StageTest::IsNotSet => &[],
        }
    }

    /// Stage tests. A contact with no stage is like an unset field (language
    /// §10, "Unset values"): every stage test is false for it, `stage is not
    /// Lead`, `stage not in [Lead]` and `stage < Lead` included, except
    /// `stage is not set`. Segments, rules, `explain`, the lints and the test
    /// runner's `expect stage` all decide through this one function.
    #[inline]
    pub fn holds(&self, stage: Option<StageId>) -> bool {
        let Some(stage) = stage else {
            return matches!(self, StageTest::IsNotSet);
        };
        match self {
            StageTest::Cmp(op, expected) => op.holds(stage.cmp(expected)),
            StageTest::In(stages) => stages.contains(&stage),
            StageTest::NotIn(stages) => !stages.contains(&stage),
            StageTest::IsSet => true,
            StageTest::IsNotSet => false,
        }
    }
}

/// A typed test on one value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum ValueTest {
    Compare(CmpOp, Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    /// A regular expression, compiled in [`Compiled::regexes`].
    Matches(RegexId),
    IsSet,
    IsNotSet,
    Before(TimePoint),
    After(TimePoint),
    WithinLast(i64),
    MoreThanAgo(i64),
    LessThanAgo(i64),
    IsToday,
}

/// A point in time written in a rule: a date means 00:00 in the campaign
/// time zone when compared with instants, and itself when compared with dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TimePoint {
    Date(NaiveDate),
    Instant(Instant),
}

/// Which events a behaviour clause or an `on` trigger matches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EventMatcher {
    pub event_type: EventTypeId,
    pub target: Option<TargetMatch>,
    pub filter: Option<Filter>,
    pub span: NodeSpan,
}

/// The named thing an event must be about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TargetMatch {
    /// The property holding the target (`email`, `url`, `form`, `asset`).
    pub property: PropertyId,
    pub matcher: TargetPattern,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum TargetPattern {
    Exact(String),
    Pattern(UrlPattern),
}

/// A condition on an event's own properties.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Property {
        property: PropertyId,
        test: ValueTest,
        span: NodeSpan,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Behaviour {
    pub matcher: EventMatcher,
    pub count: CountTest,
    /// Count distinct values of this property instead of events.
    pub distinct: Option<PropertyId>,
    pub window: Window,
    /// The count, without the test applied to it.
    pub query: QueryId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CountTest {
    pub op: CountOp,
    pub n: u64,
}

impl CountTest {
    pub fn holds(&self, count: u64) -> bool {
        match self.op {
            CountOp::AtLeast => count >= self.n,
            CountOp::AtMost => count <= self.n,
            CountOp::Exactly => count == self.n,
            CountOp::MoreThan => count > self.n,
            CountOp::FewerThan => count < self.n,
        }
    }
}

/// Which events count, relative to the evaluation instant `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Window {
    /// Every event up to and including `t`.
    All,
    /// Events in `(t − seconds, t]`.
    Last(i64),
    /// Events after the running rule last fired, up to `t`.
    SinceFired,
    /// Events at or after the instant, up to `t`.
    Since(Instant),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Aggregate {
    pub func: AggFunc,
    pub event_type: EventTypeId,
    /// `None` for `first`/`last` means the event time.
    pub property: Option<PropertyId>,
    pub filter: Option<Filter>,
    pub window: Window,
    pub test: ValueTest,
    /// The aggregated value, without the test applied to it.
    pub query: QueryId,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub unless: Option<Cond>,
    pub span: NodeSpan,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum StepKind {
    /// A step that does something to the contact or sends something: the
    /// [`Action`] a dry run records with what became of it.
    Act(Action),
    /// `set points to script NAME`: the script's number, rounded. Becomes
    /// an [`Action::SetPoints`] when it runs.
    SetPointsScript(ScriptId),
    /// `set FIELD to script NAME`: becomes an [`Action::SetField`].
    SetFieldScript {
        field: FieldId,
        script: ScriptId,
    },
    Wait(Duration),
    /// Minutes after local midnight.
    WaitUntilTime(u32),
    WaitUntilInstant(Instant),
    Branch {
        condition: Box<Cond>,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    Stop,
}

/// What a step does to a contact, as written and as a dry run records it.
/// One type for both, so that a new action is added in one place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    MoveTo(StageId),
    MoveBackTo(StageId),
    Send {
        channel: Channel,
        message: MessageId,
        /// `send … again`: also to a contact who already got it.
        again: bool,
    },
    AddPoints(i64),
    SetPoints(i64),
    AddTag(String),
    RemoveTag(String),
    AddToList(ListId),
    RemoveFromList(ListId),
    SetField {
        field: FieldId,
        value: Value,
    },
    Notify {
        recipient: Recipient,
        message: Option<String>,
    },
    HandOff(Option<String>),
    Webhook(String),
    MarkDoNotContact,
    Unsubscribe,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_without_a_stage_fails_every_stage_test_but_is_not_set() {
        let s = StageId::new;
        for op in [
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Ge,
            CmpOp::Gt,
        ] {
            assert!(!(StageTest::Cmp(op, s(0))).holds(None), "{op:?}");
        }
        assert!(!(StageTest::NotIn(vec![s(0)])).holds(None));
        assert!(!(StageTest::In(vec![s(0)])).holds(None));
        assert!(!(StageTest::IsSet).holds(None));
        assert!((StageTest::IsNotSet).holds(None));
        assert!((StageTest::Cmp(CmpOp::Ge, s(1))).holds(Some(s(2))));
        assert!((StageTest::NotIn(vec![s(0)])).holds(Some(s(1))));
        assert!((StageTest::IsSet).holds(Some(s(0))));
        assert!(!(StageTest::IsNotSet).holds(Some(s(0))));
    }

    #[test]
    fn url_patterns_use_star_as_wildcard_and_ignore_queries() {
        let pricing = UrlPattern::new("/pricing*");
        assert!(pricing.matches("/pricing"));
        assert!(pricing.matches("/pricing/enterprise?utm=x"));
        assert!(!pricing.matches("/blog/pricing"));
        let any_blog = UrlPattern::new("*/blog/*/comments");
        assert!(any_blog.matches("https://x.com/blog/a/comments"));
        assert!(!any_blog.matches("https://x.com/blog/a/comment"));
        assert!(UrlPattern::new("/").matches("/"));
        assert!(pricing.matches("https://example.com/pricing/team"));
        assert!(UrlPattern::new("/").matches("https://example.com"));
        assert!(!pricing.matches("https://example.com/blog/pricing"));
        assert!(!UrlPattern::new("/").matches("/a"));
        // Overlapping prefix and suffix must not both claim the same text.
        assert!(!UrlPattern::new("/ab*ba").matches("/aba"));
    }
}
