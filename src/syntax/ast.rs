//! The abstract syntax tree of a `.nurture` file.
//!
//! Every node carries the byte span it was parsed from, so later stages can
//! point diagnostics at the exact place. Nothing here knows about pest: the
//! parser is the only code that turns grammar pairs into these types.
//!
//! Names are still plain text here; the checker resolves them.

use std::fmt;

pub use crate::base::span::{NodeSpan, Span};
pub use crate::base::vocab::{
    AggFunc, CapPolicy, Channel, CmpOp, Consent, CountOp, DayPattern, FieldType, Recipient,
};

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: NodeSpan,
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A string literal with its escapes already resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: NodeSpan,
}

/// A whole-number literal (counts, points, priorities).
#[derive(Clone, Debug, PartialEq)]
pub struct Int {
    pub value: i64,
    pub span: NodeSpan,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Every `#` comment, in source order; the formatter puts them back.
    pub comments: Vec<Comment>,
}

impl File {
    /// Both files declare the same items. Spans never take part in node
    /// equality ([`NodeSpan`]), and comments are left out: they are not
    /// part of the meaning. The formatter's re-parse check.
    pub fn same_items(&self, other: &File) -> bool {
        self.items == other.items
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: NodeSpan,
}

// Built once per file and matched everywhere: boxing the large variants
// would cost every reader more than the memory it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `import "shared.nurture"`
    Import(Text),
    /// `stages Subscriber, Lead, MQL` — declaration order is funnel order.
    Stages(Vec<Ident>),
    /// `campaign "name" { settings }`
    Campaign(Campaign),
    /// `field budget: number`
    Field(FieldDecl),
    /// `email welcome, winback` / `page pricing = "/pricing*"` / …
    Content(ContentDecl),
    /// `event webinar_attended { webinar: text }`
    Event(EventDecl),
    /// `segment engaged = <condition>`
    Segment(SegmentDecl),
    /// `decay points by 10% every 30 days`
    Decay(Decay),
    /// `rule name: if … then …` or a bare `on … then …`
    Rule(Rule),
    /// `test "name" { given … events … at … expect … }`
    Test(TestBlock),
    /// `script name ``` rhai ``` `: a scripted predicate.
    Script(ScriptDecl),
    /// An item that could not be read (a syntax error): the parser skipped
    /// it and went on with the next item. Only files with errors have one.
    Error(BrokenItem),
}

/// What is known of an item that could not be read: enough that the names
/// it would have declared are not reported as undeclared where used.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokenItem {
    /// The keyword it starts with, when that is one that starts an item
    /// (`segment`, `stages`, `email`, …).
    pub keyword: Option<Ident>,
    /// The names it would have declared, as far as they could be read:
    /// `segment Foo = <broken>` declares `Foo`, `stages A, B, <broken>`
    /// declares `A` and `B`.
    pub names: Vec<Ident>,
    /// What it declares cannot be known (a broken `import`, or a file of
    /// which nothing could be read), so no use of a name can be called
    /// undeclared.
    pub hides_declarations: bool,
}

/// A test written in the language: a contact, its events, an instant and
/// what must hold then.
#[derive(Clone, Debug, PartialEq)]
pub struct TestBlock {
    pub name: Text,
    pub clauses: Vec<TestClause>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestClause {
    pub kind: TestClauseKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestClauseKind {
    /// `given contact stage Lead, points 10, tag "vip", country "PL"`
    Given(Vec<GivenPart>),
    /// `events` followed by timestamped events.
    Events(Vec<TestEvent>),
    /// `from 2025-01-01`: where the run starts (default: the first event).
    From(Literal),
    /// `at 2025-01-05`: the instant the expectations are checked at.
    At(Literal),
    /// `expect [not] …`
    Expect {
        negated: bool,
        expectation: Expectation,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum GivenPart {
    Stage(Ident),
    Points(Int),
    Tag(Text),
    Field { name: Ident, value: Literal },
}

/// One event of a test: `2025-01-02T10:00:00Z opened email welcome`.
#[derive(Clone, Debug, PartialEq)]
pub struct TestEvent {
    pub at: Literal,
    pub kind: TestEventKind,
    /// `amount 120, category "pro"`
    pub properties: Vec<(Ident, Literal)>,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestEventKind {
    /// `received|opened|clicked email NAME`; the verb is one of those three.
    Email {
        verb: Verb,
        email: Ident,
    },
    /// `visited "/pricing"`
    VisitedUrl(Text),
    /// `visited pricing` / `visited page pricing`: a URL the page matches.
    VisitedPage(Ident),
    SubmittedForm(Ident),
    DownloadedAsset(Ident),
    Purchase,
    Unsubscribed,
    /// `event webinar_attended …` or `event "page.visited" url "/x"`.
    Custom(Ident),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// `stage MQL` (is exactly) or `stage >= MQL` (funnel order).
    Stage {
        op: Option<CmpOp>,
        stage: Ident,
    },
    Points {
        op: CmpOp,
        value: Int,
    },
    Tag(Text),
    InSegment(Ident),
    Sent {
        channel: Channel,
        message: Ident,
    },
    Fired(Ident),
}

/// A `script` block: a named rhai program, its declared result type if any,
/// and its body exactly as written between the fences.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptDecl {
    pub name: Ident,
    /// `script name: bool ```…``` `; `None` when not declared.
    pub ty: Option<FieldType>,
    /// The rhai text between the fences.
    pub body: String,
    /// Where the rhai text starts and ends in the file (fences excluded).
    pub body_span: NodeSpan,
    /// For a script of an imported `.rhai` file: the `fn` to call. The body
    /// is then the whole file and `body_span` covers it.
    pub entry: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub name: Text,
    pub settings: Vec<Setting>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub kind: SettingKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SettingKind {
    /// `timezone "Europe/Warsaw"`
    Timezone(Text),
    /// `quiet hours 21:00 to 08:00`
    QuietHours { from: TimeOfDay, to: TimeOfDay },
    /// `at most 1 email per 2 days [then drop|then delay]`
    FrequencyCap {
        limit: Int,
        channel: Channel,
        per: Duration,
        policy: CapPolicy,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub ty: FieldType,
    pub span: NodeSpan,
}

/// Named things that rules refer to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKind {
    Email,
    Sms,
    Page,
    Form,
    Asset,
    /// A static list contacts are added to and removed from.
    List,
}

impl ContentKind {
    pub fn keyword(self) -> &'static str {
        match self {
            ContentKind::Email => "email",
            ContentKind::Sms => "sms",
            ContentKind::Page => "page",
            ContentKind::Form => "form",
            ContentKind::Asset => "asset",
            ContentKind::List => "list",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContentDecl {
    pub kind: ContentKind,
    pub entries: Vec<ContentEntry>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContentEntry {
    pub name: Ident,
    /// `= "pattern"`: the URL pattern of a page, the file of an asset.
    pub pattern: Option<Text>,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    pub properties: Vec<PropertyDecl>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PropertyDecl {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDecl {
    pub name: Ident,
    pub condition: Cond,
}

/// `decay points by 5 every 7 days` or `… by 10% every 30 days`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decay {
    pub amount: Int,
    pub percent: bool,
    pub every: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// `None` for a bare `on … then …` rule; reports name it after its trigger.
    pub name: Option<Ident>,
    pub priority: Option<Int>,
    pub trigger: Trigger,
    pub steps: Vec<Step>,
    /// `exit when <condition>`: stops a waiting sequence.
    pub exit: Option<Cond>,
    /// `repeat every <duration>`
    pub repeat: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// `if …` or `when …`: fires on entry into the condition.
    Condition {
        keyword: CondKeyword,
        condition: Cond,
    },
    /// `on …`: fires once per matching event.
    Event(EventMatcher),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CondKeyword {
    If,
    When,
}

/// A boolean condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub kind: CondKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CondKind {
    /// `a and b and c` (two or more operands)
    And(Vec<Cond>),
    /// `a or b or c` (two or more operands)
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// Kept so the formatter writes the parentheses the author wrote.
    Paren(Box<Cond>),
    /// `stage >= MQL`, `stage is Lead`, `stage in [SQL, Customer]`
    Stage(StageTest),
    /// `points >= 50`
    Points {
        op: CmpOp,
        value: Int,
    },
    /// `has tag "hot"`
    HasTag(Text),
    /// `in segment engaged`
    InSegment(Ident),
    /// `in list vip`
    InList(Ident),
    /// `is unsubscribed`, `is do not contact`
    Consent(Consent),
    /// `country = "PL"`, `budget is set`, `birthday is today`
    Field {
        field: Ident,
        test: ValueTest,
    },
    /// `opened 5 emails in last 30 days`, `no purchase in last 90 days`
    Behaviour(Behaviour),
    /// `total purchase amount in last 365 days >= 1000`,
    /// `last purchase more than 90 days ago`
    Aggregate(Aggregate),
    /// `today is monday`, `today is weekend`
    Today(DayPattern),
    /// `script premium_buyer`: a named scripted predicate.
    Script(Ident),
    /// A comparison with a script's value on one side:
    /// `points >= script rfm_score`, `budget < script budget_floor`,
    /// `script rfm_score >= 12`.
    ScriptCompare(ScriptCompare),
}

/// `LEFT OP RIGHT` where one side is a script's value.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptCompare {
    pub left: Operand,
    pub op: CmpOp,
    pub right: Operand,
}

/// One side of a [`ScriptCompare`].
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `points`; the span covers the word.
    Points(NodeSpan),
    /// A contact field.
    Field(Ident),
    /// `script NAME`
    Script(Ident),
    Literal(Literal),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageTest {
    pub op: StageOp,
    pub stages: Vec<Ident>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageOp {
    Cmp(CmpOp),
    /// `stage in [A, B]`
    In,
    /// `stage not in [A, B]`
    NotIn,
    /// `stage is set`: the contact has a stage (no stage names).
    IsSet,
    /// `stage is not set`: the contact has no stage yet (no stage names).
    IsNotSet,
}

/// A test applied to one value: a contact field, an event property, or an
/// aggregate.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueTest {
    pub kind: ValueTestKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueTestKind {
    /// `= 5`, `!= "PL"`, `>= 2024-01-01`; `is` and `is not` are `=`/`!=`.
    Compare(CmpOp, Literal),
    /// `in ["PL", "DE"]`
    In(Vec<Literal>),
    /// `not in ["PL", "DE"]`
    NotIn(Vec<Literal>),
    /// `contains "x"`: substring of text, or element of a list.
    Contains(Text),
    StartsWith(Text),
    EndsWith(Text),
    /// `matches "regex"`
    Matches(Text),
    IsSet,
    IsNotSet,
    /// `before 2024-01-01`
    Before(Literal),
    /// `after 2024-01-01`
    After(Literal),
    /// `within last 30 days`: in (now − D, now]
    WithinLast(Duration),
    /// `more than 90 days ago`: strictly before now − D
    MoreThanAgo(Duration),
    /// `less than 7 days ago`: after now − D
    LessThanAgo(Duration),
    /// `is today`: same month and day as today (anniversaries, birthdays)
    IsToday,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralKind {
    /// Written as in the source so that formatting keeps it exactly.
    Number(String),
    Text(String),
    Bool(bool),
    /// `2024-03-31` — validated by the checker.
    Date(String),
    /// `2024-03-31T10:00:00Z` — validated by the checker.
    DateTime(String),
}

/// What a behaviour clause or an `on` trigger matches: one kind of event,
/// optionally one named target, optionally a filter over the event's
/// properties. All parts match the *same* events.
#[derive(Clone, Debug, PartialEq)]
pub struct EventMatcher {
    pub verb: Verb,
    pub target: Target,
    /// `where amount > 100` — tests on the event's own properties.
    pub filter: Option<Box<Cond>>,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Verb {
    /// `received email …` (email.sent)
    Received,
    /// `opened email …`
    Opened,
    /// `clicked email …`
    Clicked,
    /// `visited pricing`, `visited page pricing`
    Visited,
    /// `submitted form demo`
    Submitted,
    /// `downloaded asset whitepaper`
    Downloaded,
    /// `purchased` / `purchase`
    Purchased,
    /// `unsubscribed` (the event)
    UnsubscribedEvent,
    /// `event webinar_attended` — a declared custom event type.
    Custom(Ident),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `any email`, `emails`, or no target at all (`purchased`).
    Any,
    Named(Ident),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Behaviour {
    pub matcher: EventMatcher,
    /// `no …` / `never …`: none of the matching events happened.
    pub none: bool,
    /// `5 emails`, `at least 3 times`; absent means "at least once".
    pub count: Option<Count>,
    /// `5 different emails`: count distinct targets, not events.
    pub distinct: bool,
    pub window: Option<Window>,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Count {
    pub op: CountOp,
    pub n: Int,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub kind: WindowKind,
    pub span: NodeSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WindowKind {
    /// `in last 30 days`: (now − D, now]
    Last(Duration),
    /// `since`: since the rule that runs this step fired.
    SinceFired,
    /// `since 2024-01-01`
    Since(Literal),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub func: AggFunc,
    /// The event type: `purchase` or a declared custom event.
    pub event: Ident,
    /// The property aggregated; `None` for `first`/`last` means the event time.
    pub property: Option<Ident>,
    pub filter: Option<Box<Cond>>,
    pub window: Option<Window>,
    pub test: ValueTest,
}

/// One step of a rule's action sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    /// `… unless <condition>`: skip this step when the condition holds.
    pub unless: Option<Cond>,
    pub span: NodeSpan,
}

// Built once per file and matched everywhere: boxing the large variants
// would cost every reader more than the memory it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    MoveTo(Ident),
    MoveBackTo(Ident),
    /// `send email welcome [again]`
    Send {
        channel: Channel,
        message: Ident,
        again: bool,
    },
    AddPoints(Int),
    RemovePoints(Int),
    SetPoints(Int),
    AddTag(Text),
    RemoveTag(Text),
    AddToList(Ident),
    RemoveFromList(Ident),
    /// `set country to "PL"`
    SetField {
        field: Ident,
        value: Literal,
    },
    /// `set points to script NAME`
    SetPointsScript(Ident),
    /// `set rfm_score to script rfm_score`
    SetFieldScript {
        field: Ident,
        script: Ident,
    },
    /// `notify sales "Demo requested"`
    Notify {
        recipient: Recipient,
        message: Option<Text>,
    },
    /// `hand off to crm ["note"]`
    HandOff(Option<Text>),
    /// `call webhook "https://…"` — recorded in dry runs, never called.
    Webhook(Text),
    /// `mark do not contact`
    MarkDoNotContact,
    /// `unsubscribe`
    Unsubscribe,
    /// `wait 7 days`
    Wait(Duration),
    /// `wait until 09:00` (next such time in the campaign time zone)
    WaitUntilTime(TimeOfDay),
    /// `wait until 2024-12-24T09:00:00Z`
    WaitUntilInstant(Literal),
    /// `if <cond> then <steps> [else <steps>] end`
    Branch {
        condition: Cond,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    /// `stop`: end the sequence here.
    Stop,
}

/// A length of time: `7 days`.
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    pub amount: Int,
    pub unit: DurationUnit,
    pub span: NodeSpan,
}

impl Duration {
    /// Length in seconds; `None` if it overflows.
    pub fn seconds(&self) -> Option<i64> {
        self.amount.value.checked_mul(self.unit.seconds())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl DurationUnit {
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3_600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 7 * 86_400,
        }
    }

    /// The unit's word, singular or plural as the amount needs.
    pub fn word(self, amount: i64) -> &'static str {
        let one = amount == 1;
        match (self, one) {
            (DurationUnit::Minutes, true) => "minute",
            (DurationUnit::Minutes, false) => "minutes",
            (DurationUnit::Hours, true) => "hour",
            (DurationUnit::Hours, false) => "hours",
            (DurationUnit::Days, true) => "day",
            (DurationUnit::Days, false) => "days",
            (DurationUnit::Weeks, true) => "week",
            (DurationUnit::Weeks, false) => "weeks",
        }
    }
}

/// `21:00`
#[derive(Clone, Debug, PartialEq)]
pub struct TimeOfDay {
    pub hour: u32,
    pub minute: u32,
    pub span: NodeSpan,
}
