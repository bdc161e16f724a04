//! Checking `test` blocks: every name a test uses is resolved against the
//! checked program, every value converted to its declared type, and the
//! test becomes a [`TestCase`] the runner in `crate::testing` can execute.
//!
//! Problems are reported with the E06xx codes.

use super::ir::{EventTypeId, Id, MessageId, Program, PropertyId, RuleId, SegmentId, StageId};
use super::symbols::{Recorder, SymbolKind, Target};
use super::values;
use crate::base::span::Span;
use crate::base::value::{Instant, Value};
use crate::base::vocab::FieldType;
use crate::data::{Contact, Event};
use crate::diagnostics::{codes, Diagnostic, FileId, SourceMap, Suggestion};
use crate::syntax::ast::{
    self, Channel, CmpOp, Expectation, GivenPart, Ident, Literal, LiteralKind, TestClauseKind,
    TestEventKind, Verb,
};

/// One test, resolved and ready to run.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub contact: Contact,
    /// In time order (stable: same-instant events keep the written order).
    pub events: Vec<Event>,
    /// Where the run starts: `from`, else the first event, else `at`.
    pub from: Instant,
    pub at: Instant,
    pub expectations: Vec<Expect>,
}

/// One `expect` line.
#[derive(Debug, Clone)]
pub struct Expect {
    pub negated: bool,
    pub kind: ExpectKind,
    /// The line as written, whitespace squashed.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExpectKind {
    Stage {
        op: Option<CmpOp>,
        stage: StageId,
    },
    Points {
        op: CmpOp,
        value: i64,
    },
    Tag(String),
    InSegment(SegmentId),
    Sent {
        channel: Channel,
        message: MessageId,
    },
    Fired(RuleId),
}

struct TestChecker<'a> {
    program: &'a Program,
    file: FileId,
    diagnostics: &'a mut Vec<Diagnostic>,
    /// Every name that resolves, for the symbol table.
    symbols: &'a mut Recorder,
}

/// Resolves the tests of one file's items, recording every name that
/// resolves in `symbols`.
pub fn check_tests(
    program: &Program,
    sources: &SourceMap,
    file: FileId,
    items: &[ast::Item],
    diagnostics: &mut Vec<Diagnostic>,
    symbols: &mut Recorder,
) -> Vec<TestCase> {
    let mut checker = TestChecker {
        program,
        file,
        diagnostics,
        symbols,
    };
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in items {
        if let ast::ItemKind::Test(test) = &item.kind {
            if !seen.insert(test.name.value.clone()) {
                checker.invalid(
                    *test.name.span,
                    format!("there is already a test named \"{}\"", test.name.value),
                    "give every test in a file its own name",
                );
            }
            if let Some(case) = checker.test(test, *item.span, sources) {
                cases.push(case);
            }
        }
    }
    cases
}

/// A use of a namespace's name (the program's lists hold the checked
/// names in namespace order).
fn named(kind: SymbolKind) -> impl FnOnce(usize) -> Target {
    move |index| Target::Named(kind, index)
}

fn names(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(String::as_str)
}

impl TestChecker<'_> {
    fn invalid(&mut self, span: Span, message: String, help: &str) {
        self.diagnostics
            .push(Diagnostic::new(codes::TEST_INVALID, self.file, span, message).with_help(help));
    }

    fn undefined<'n>(
        &mut self,
        noun: &str,
        ident: &Ident,
        candidates: impl IntoIterator<Item = &'n str>,
    ) {
        let diagnostic = Diagnostic::new(
            codes::TEST_UNDEFINED,
            self.file,
            *ident.span,
            format!(
                "this test uses {noun} `{}`, which is not declared",
                ident.name
            ),
        );
        let diagnostic =
            match Suggestion::did_you_mean(self.file, *ident.span, &ident.name, candidates) {
                Some(suggestion) => diagnostic.with_suggestion(suggestion),
                None => diagnostic.with_help(format!("declare the {noun} or correct the name")),
            };
        self.diagnostics.push(diagnostic);
    }

    /// The index of `ident` in `list`, recorded as a use of what `target`
    /// makes of that index.
    fn lookup<I: Id>(
        &mut self,
        noun: &str,
        ident: &Ident,
        list: &[String],
        target: impl FnOnce(usize) -> Target,
    ) -> Option<I> {
        let found = list.iter().position(|n| *n == ident.name);
        match found {
            Some(index) => self.symbols.record(target(index), self.file, *ident.span),
            None => self.undefined(noun, ident, names(list)),
        }
        found.map(I::new)
    }

    fn instant(&mut self, literal: &Literal) -> Option<Instant> {
        let tz = self.program.settings.timezone;
        let parsed = match &literal.kind {
            LiteralKind::Date(text) => {
                values::parse_date(text).map(|d| values::start_of_day(d, tz))
            }
            LiteralKind::DateTime(text) => values::parse_datetime(text),
            _ => Err("expected a date or a date and time".into()),
        };
        match parsed {
            Ok(t) => Some(t),
            Err(why) => {
                self.invalid(
                    *literal.span,
                    why,
                    "write e.g. 2025-01-31 or 2025-01-31T10:00:00Z",
                );
                None
            }
        }
    }

    fn value(&mut self, literal: &Literal, ty: FieldType, what: &str) -> Option<Value> {
        let tz = self.program.settings.timezone;
        let value = match (&literal.kind, ty) {
            (LiteralKind::Number(n), FieldType::Number) => {
                values::parse_number(n).ok().map(Value::Number)
            }
            (LiteralKind::Text(t), FieldType::Text) => Some(Value::Text(t.as_str().into())),
            (LiteralKind::Text(t), FieldType::TextList) => Some(Value::TextList(
                t.split(';')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            )),
            (LiteralKind::Bool(b), FieldType::Bool) => Some(Value::Bool(*b)),
            (LiteralKind::Date(d), FieldType::Date) => values::parse_date(d).ok().map(Value::Date),
            (LiteralKind::Date(d), FieldType::DateTime) => values::parse_date(d)
                .ok()
                .map(|d| Value::DateTime(values::start_of_day(d, tz))),
            (LiteralKind::DateTime(t), FieldType::DateTime) => {
                values::parse_datetime(t).ok().map(Value::DateTime)
            }
            _ => None,
        };
        if value.is_none() {
            self.invalid(
                *literal.span,
                format!("this value is not a valid {ty} for {what}"),
                "give a value of the declared type (a list of text is written \"a;b\")",
            );
        }
        value
    }

    fn test(&mut self, test: &ast::TestBlock, span: Span, sources: &SourceMap) -> Option<TestCase> {
        let program = self.program;
        let errors_before = self.diagnostics.len();
        let mut contact = Contact {
            id: test.name.value.clone(),
            fields: vec![None; program.fields.len()],
            stage: None,
            points: 0,
            tags: Vec::new(),
            created_at: None,
        };
        let mut events: Vec<Event> = Vec::new();
        let mut from = None;
        let mut at = None;
        let mut expectations = Vec::new();
        for clause in &test.clauses {
            match &clause.kind {
                TestClauseKind::Given(parts) => {
                    for part in parts {
                        self.given(part, &mut contact);
                    }
                }
                TestClauseKind::Events(list) => {
                    for event in list {
                        if let Some(e) = self.event(event) {
                            events.push(e);
                        }
                    }
                }
                TestClauseKind::From(literal) | TestClauseKind::At(literal) => {
                    let is_at = matches!(clause.kind, TestClauseKind::At(_));
                    let slot = if is_at { &mut at } else { &mut from };
                    if slot.is_some() {
                        let word = if is_at { "at" } else { "from" };
                        self.invalid(
                            *clause.span,
                            format!("this test already has `{word}`"),
                            "a test runs up to one instant; keep one",
                        );
                        continue;
                    }
                    let value = self.instant(literal);
                    let slot = if is_at { &mut at } else { &mut from };
                    *slot = value;
                }
                TestClauseKind::Expect {
                    negated,
                    expectation,
                } => {
                    if let Some(kind) = self.expectation(expectation) {
                        let text = sources
                            .get(self.file)
                            .map(|s| {
                                s.slice(*clause.span)
                                    .split_whitespace()
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_default();
                        expectations.push(Expect {
                            negated: *negated,
                            kind,
                            text,
                            span: *clause.span,
                        });
                    }
                }
            }
        }
        events.sort_by_key(|e| e.at);
        let at = at.or_else(|| events.last().map(|e| e.at));
        let Some(at) = at else {
            if self.diagnostics.len() != errors_before {
                // The events or the instant were already reported.
                return None;
            }
            self.invalid(
                *test.name.span,
                "this test has no events and no `at`, so there is no instant to check".into(),
                "add `at 2025-01-31` (or a date and time) to say when the expectations hold",
            );
            return None;
        };
        if let Some(late) = test.clauses.iter().find_map(|c| match &c.kind {
            TestClauseKind::Events(list) => list
                .iter()
                .find(|e| self_instant(program, &e.at).is_some_and(|t| t > at)),
            _ => None,
        }) {
            self.invalid(
                *late.span,
                "this event happens after the test's `at`, so it can never count".into(),
                "move `at` later or the event earlier",
            );
        }
        if expectations.is_empty() && self.diagnostics.len() == errors_before {
            self.invalid(
                *test.name.span,
                "this test expects nothing".into(),
                "add at least one `expect` line, e.g. `expect stage Lead`",
            );
        }
        let from = from
            .or_else(|| events.first().map(|e| e.at))
            .unwrap_or(at)
            .min(at);
        (self.diagnostics.len() == errors_before).then(|| TestCase {
            name: test.name.value.clone(),
            file: self.file,
            span,
            contact,
            events,
            from,
            at,
            expectations,
        })
    }

    fn given(&mut self, part: &GivenPart, contact: &mut Contact) {
        let program = self.program;
        match part {
            GivenPart::Stage(stage) => {
                contact.stage =
                    self.lookup("stage", stage, &program.stages, named(SymbolKind::Stage));
            }
            GivenPart::Points(points) => contact.points = points.value,
            GivenPart::Tag(tag) => {
                if !contact.tags.contains(&tag.value) {
                    contact.tags.push(tag.value.clone());
                }
            }
            GivenPart::Field { name, value } => {
                let fields: Vec<String> = program.fields.iter().map(|f| f.name.clone()).collect();
                let found = self.lookup("field", name, &fields, named(SymbolKind::Field));
                if let Some((id, def)) = found.and_then(|id| Some((id, program.fields.get(id)?))) {
                    let what = format!("field `{}`", name.name);
                    let value = self.value(value, def.ty, &what);
                    if let Some(slot) = contact.fields.get_mut(id.index()) {
                        *slot = value;
                    }
                }
            }
        }
    }

    fn event_type(&mut self, ident: &Ident) -> Option<EventTypeId> {
        let types: Vec<String> = self
            .program
            .event_types
            .iter()
            .map(|t| t.name.clone())
            .collect();
        self.lookup("event type", ident, &types, named(SymbolKind::EventType))
    }

    fn event(&mut self, event: &ast::TestEvent) -> Option<Event> {
        let program = self.program;
        let at = self.instant(&event.at);
        let builtin = |name: &str| program.event_types.position(|t| t.name == name);
        let text = |s: &str| Some(Value::Text(s.into()));
        let (type_id, implicit): (Option<EventTypeId>, Vec<(&str, Option<Value>)>) = match &event
            .kind
        {
            TestEventKind::Email { verb, email } => {
                let name = match verb {
                    Verb::Received => "email.sent",
                    Verb::Clicked => "email.clicked",
                    _ => "email.opened",
                };
                self.lookup::<MessageId>(
                    "e-mail",
                    email,
                    &program.emails,
                    named(SymbolKind::Email),
                );
                (builtin(name), vec![("email", text(&email.name))])
            }
            TestEventKind::VisitedUrl(url) => {
                (builtin("page.visited"), vec![("url", text(&url.value))])
            }
            TestEventKind::VisitedPage(page) => {
                let pages: Vec<String> = program.pages.iter().map(|p| p.name.clone()).collect();
                let url = self
                    .lookup::<usize>("page", page, &pages, named(SymbolKind::Page))
                    .and_then(|id| program.pages.get(id))
                    .map(|page| page.pattern.text.replace('*', ""));
                (
                    builtin("page.visited"),
                    vec![("url", url.as_deref().and_then(text))],
                )
            }
            TestEventKind::SubmittedForm(form) => {
                self.lookup::<usize>("form", form, &program.forms, named(SymbolKind::Form));
                (builtin("form.submitted"), vec![("form", text(&form.name))])
            }
            TestEventKind::DownloadedAsset(asset) => {
                let assets: Vec<String> = program.assets.iter().map(|a| a.name.clone()).collect();
                let url = self
                    .lookup::<usize>("asset", asset, &assets, named(SymbolKind::Asset))
                    .and_then(|id| program.assets.get(id))
                    .map(|asset| asset.pattern.text.replace('*', ""));
                (
                    builtin("asset.downloaded"),
                    vec![("asset", url.as_deref().and_then(text))],
                )
            }
            TestEventKind::Purchase => (builtin("purchase"), Vec::new()),
            TestEventKind::Unsubscribed => (builtin("unsubscribed"), Vec::new()),
            TestEventKind::Custom(name) => (self.event_type(name), Vec::new()),
        };
        let type_id = type_id?;
        let def = program.event_types.get(type_id)?;
        let mut properties: Vec<Option<Value>> = vec![None; def.properties.len()];
        for (name, value) in implicit {
            if let Some(slot) = def
                .properties
                .position(|(p, _)| p == name)
                .and_then(|i| properties.get_mut(i.index()))
            {
                *slot = value;
            }
        }
        let declared: Vec<String> = def.properties.iter().map(|(p, _)| p.clone()).collect();
        for (name, literal) in &event.properties {
            let found = self.lookup(
                &format!("property of `{}`", def.name),
                name,
                &declared,
                |property| Target::Property {
                    event: type_id.index(),
                    property,
                },
            );
            if let Some((i, &(_, ty))) = found.and_then(|i| Some((i, def.properties.get(i)?))) {
                let what = format!("property `{}`", name.name);
                let value = self.value(literal, ty, &what);
                if let Some(slot) = properties.get_mut(PropertyId::index(i)) {
                    *slot = value;
                }
            }
        }
        Some(Event {
            contact: 0,
            event_type: u16::try_from(type_id.index()).ok()?,
            at: at?,
            properties: properties.into(),
        })
    }

    fn expectation(&mut self, expectation: &Expectation) -> Option<ExpectKind> {
        let program = self.program;
        Some(match expectation {
            Expectation::Stage { op, stage } => ExpectKind::Stage {
                op: *op,
                stage: self.lookup("stage", stage, &program.stages, named(SymbolKind::Stage))?,
            },
            Expectation::Points { op, value } => ExpectKind::Points {
                op: *op,
                value: value.value,
            },
            Expectation::Tag(tag) => ExpectKind::Tag(tag.value.clone()),
            Expectation::InSegment(segment) => {
                let segments: Vec<String> =
                    program.segments.iter().map(|s| s.name.clone()).collect();
                ExpectKind::InSegment(self.lookup(
                    "segment",
                    segment,
                    &segments,
                    named(SymbolKind::Segment),
                )?)
            }
            Expectation::Sent { channel, message } => {
                let (noun, list, kind) = match channel {
                    Channel::Email => ("e-mail", &program.emails, SymbolKind::Email),
                    Channel::Sms => ("SMS", &program.sms, SymbolKind::Sms),
                };
                ExpectKind::Sent {
                    channel: *channel,
                    message: self.lookup(noun, message, list, named(kind))?,
                }
            }
            Expectation::Fired(rule) => {
                let rules: Vec<String> = program.rules.iter().map(|r| r.name.clone()).collect();
                ExpectKind::Fired(self.lookup("rule", rule, &rules, Target::ProgramRule)?)
            }
        })
    }
}

/// An instant without reporting (the literal was reported once already).
fn self_instant(program: &Program, literal: &Literal) -> Option<Instant> {
    match &literal.kind {
        LiteralKind::Date(text) => values::parse_date(text)
            .ok()
            .map(|d| values::start_of_day(d, program.settings.timezone)),
        LiteralKind::DateTime(text) => values::parse_datetime(text).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::driver::check_source;
    use std::path::Path;

    fn codes(source: &str) -> Vec<&'static str> {
        let checked = check_source(Path::new("t.nurture"), "t.nurture", source.to_string());
        checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    const RULES: &str =
        "stages Lead, MQL\nfield budget: number\nemail hi\npage pricing = \"/pricing*\"\n\
        segment rich = budget > 10\nrule r: when in segment rich then move to MQL, send email hi\n\
        on visited pricing then add 1 point\n";

    #[test]
    fn a_correct_test_resolves() {
        let source = format!(
            "{RULES}test \"t\" {{ given stage Lead, budget 20\n events 2025-01-01 visited pricing\n \
             expect stage MQL expect sent email hi expect fired r expect in segment rich expect points 1 }}"
        );
        let checked = check_source(Path::new("t.nurture"), "t.nurture", source);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        assert_eq!(checked.tests.len(), 1);
        let case = &checked.tests[0];
        assert_eq!(case.events.len(), 1);
        assert_eq!(case.from, case.at);
        assert_eq!(case.expectations.len(), 5);
    }

    #[test]
    fn every_kind_of_undefined_name_is_e0601() {
        for bad in [
            "given stage Leed at 2025-01-01 expect points 0",
            "given budgt 3 at 2025-01-01 expect points 0",
            "events 2025-01-01 opened email hello expect points 0",
            "events 2025-01-01 visited pricng expect points 0",
            "events 2025-01-01 event webinar expect points 0",
            "events 2025-01-01 purchase amout 3 expect points 0",
            "at 2025-01-01 expect in segment poor",
            "at 2025-01-01 expect sent email bye",
            "at 2025-01-01 expect fired s",
        ] {
            let source = format!("{RULES}test \"t\" {{ {bad} }}");
            assert_eq!(codes(&source), vec!["E0601"], "{bad}");
        }
    }

    #[test]
    fn unusable_tests_are_e0602() {
        for bad in [
            "given budget \"lots\" at 2025-01-01 expect points 0",
            "at 2025-02-30 expect points 0",
            "expect points 0",
            "at 2025-01-01",
            "events 2025-01-05 purchase at 2025-01-01 expect points 0",
            "at 2025-01-01 at 2025-01-02 expect points 0",
        ] {
            let source = format!("{RULES}test \"t\" {{ {bad} }}");
            assert_eq!(codes(&source), vec!["E0602"], "{bad}");
        }
        let twice = format!(
            "{RULES}test \"t\" {{ at 2025-01-01 expect points 0 }}\ntest \"t\" {{ at 2025-01-01 expect points 0 }}"
        );
        assert_eq!(codes(&twice), vec!["E0602"]);
    }
}
