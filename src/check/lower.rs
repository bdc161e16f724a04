//! Lowering of segments and rules: conditions and steps from AST to IR,
//! resolving names and checking types on the way.

use super::ir::{self, builtin, TimePoint, Window};
use super::{values, Checker};
use crate::base::value::Value;
use crate::base::vocab::{AggFunc, Channel, CmpOp, CountOp, FieldType};
use crate::diagnostics::codes;
use crate::syntax::ast::{
    self, CondKind, LiteralKind, Span, StageOp, StepKind, ValueTestKind, Verb,
};

/// Where a condition appears, which decides what it may say.
#[derive(Clone, Copy)]
struct Place {
    /// Inside a running sequence (`unless`, `exit when`, branches): a bare
    /// `since` window has a firing to count from.
    in_sequence: bool,
    /// The segment being lowered, to record which segments it uses.
    segment: Option<usize>,
}

impl Checker<'_> {
    pub(super) fn segment(&mut self, index: usize, segment: &ast::SegmentDecl, span: Span) {
        let place = Place {
            in_sequence: false,
            segment: Some(index),
        };
        let condition = self.condition(&segment.condition, place);
        let name = segment.name.name.clone();
        self.program.segments.push(ir::SegmentDef {
            name,
            condition: condition.unwrap_or(ir::Cond {
                kind: ir::CondKind::And(Vec::new()),
                span: span.into(),
            }),
            file: self.file,
            span: span.into(),
        });
    }

    pub(super) fn rule(&mut self, rule: &ast::Rule, span: Span) {
        let name = match &rule.name {
            Some(name) => {
                self.names
                    .rules
                    .declare(name, self.file, &mut self.diagnostics);
                name.name.clone()
            }
            None => self.bare_rule_name(rule, span),
        };
        let trigger_place = Place {
            in_sequence: false,
            segment: None,
        };
        let sequence = Place {
            in_sequence: true,
            segment: None,
        };
        let trigger = match &rule.trigger {
            ast::Trigger::Condition { condition, .. } => self
                .condition(condition, trigger_place)
                .map(ir::Trigger::Condition),
            ast::Trigger::Event(matcher) => self.matcher(matcher).map(ir::Trigger::Event),
        };
        let steps = self.steps(&rule.steps, sequence);
        let exit = rule.exit.as_ref().and_then(|c| self.condition(c, sequence));
        let repeat = rule.repeat.as_ref().and_then(|d| self.positive_duration(d));
        if let Some(trigger) = trigger {
            self.program.rules.push(ir::RuleDef {
                name,
                priority: rule.priority.as_ref().map_or(0, |p| p.value),
                trigger,
                steps,
                exit,
                repeat,
                file: self.file,
                span: span.into(),
            });
        }
    }

    /// `on opened email (line 12)`: bare rules are named after their trigger.
    fn bare_rule_name(&self, rule: &ast::Rule, span: Span) -> String {
        let source = self.sources.get(self.file);
        let line = source.map_or(0, |s| s.position(span.start).line);
        let trigger_text = match (&rule.trigger, source) {
            (ast::Trigger::Event(matcher), Some(source)) => {
                let text = source.slice(*matcher.span);
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            }
            _ => String::from("event"),
        };
        format!("on {trigger_text} (line {line})")
    }

    fn condition(&mut self, cond: &ast::Cond, place: Place) -> Option<ir::Cond> {
        let kind = match &cond.kind {
            CondKind::And(parts) => ir::CondKind::And(self.conditions(parts, place)?),
            CondKind::Or(parts) => ir::CondKind::Or(self.conditions(parts, place)?),
            CondKind::Not(inner) => ir::CondKind::Not(Box::new(self.condition(inner, place)?)),
            CondKind::Paren(inner) => return self.condition(inner, place),
            CondKind::Stage(test) => ir::CondKind::Stage(self.stage_test(test)?),
            CondKind::Points { op, value } => ir::CondKind::Points {
                op: *op,
                value: value.value,
            },
            CondKind::HasTag(tag) => ir::CondKind::HasTag(tag.value.clone()),
            CondKind::InSegment(name) => {
                let id = self
                    .names
                    .segments
                    .resolve(name, self.file, &mut self.diagnostics)?;
                if let Some(current) = place.segment {
                    if let Some(uses) = self.segment_uses.get_mut(current) {
                        uses.push((id, *name.span));
                    }
                }
                ir::CondKind::InSegment(id)
            }
            CondKind::InList(name) => ir::CondKind::InList(self.names.lists.resolve(
                name,
                self.file,
                &mut self.diagnostics,
            )?),
            CondKind::Consent(consent) => ir::CondKind::Consent(*consent),
            CondKind::Field { field, test } => {
                if self.names.fields.lookup(&field.name).is_none() {
                    if let Some(diagnostic) =
                        super::builtins::misused(field, test, &self.program.stages, self.file)
                    {
                        self.diagnostics.push(diagnostic);
                        return None;
                    }
                    if !self.names.fields.excuses(&field.name) {
                        let diagnostic = self.names.fields.undefined(field, self.file);
                        let diagnostic = super::builtins::undeclared_field(
                            diagnostic,
                            field,
                            test,
                            &self.program.event_types,
                        );
                        self.diagnostics.push(diagnostic);
                    }
                    return None;
                }
                let id = self
                    .names
                    .fields
                    .resolve(field, self.file, &mut self.diagnostics)?;
                let ty = self.program.fields.get(id)?.ty;
                let test = self.value_test(test, ty, &format!("field `{}`", field.name))?;
                ir::CondKind::Field { field: id, test }
            }
            CondKind::Behaviour(behaviour) => {
                ir::CondKind::Behaviour(self.behaviour(behaviour, place)?)
            }
            CondKind::Aggregate(aggregate) => {
                ir::CondKind::Aggregate(self.aggregate(aggregate, place)?)
            }
            CondKind::Today(pattern) => ir::CondKind::Today(*pattern),
            CondKind::Script(name) => {
                let id = self
                    .names
                    .scripts
                    .resolve(name, self.file, &mut self.diagnostics)?;
                let result = self.program.scripts.get(id).and_then(|s| s.result);
                if let Some(ty) = result.filter(|ty| *ty != FieldType::Bool) {
                    self.error(
                        codes::SCRIPT_RESULT_TYPE,
                        *name.span,
                        format!(
                            "script `{}` gives a {} but a condition needs true or false",
                            name.name,
                            ty
                        ),
                    )
                    .help = Some("compare its result instead, or make the script end in a true/false expression".into());
                    return None;
                }
                ir::CondKind::Script(id)
            }
            CondKind::ScriptCompare(compare) => self.script_compare(compare)?,
        };
        Some(ir::Cond {
            kind,
            span: cond.span,
        })
    }

    /// Lowers every part, reporting problems in all of them.
    fn conditions(&mut self, parts: &[ast::Cond], place: Place) -> Option<Vec<ir::Cond>> {
        let lowered: Vec<Option<ir::Cond>> =
            parts.iter().map(|p| self.condition(p, place)).collect();
        lowered.into_iter().collect()
    }

    fn stage_test(&mut self, test: &ast::StageTest) -> Option<ir::StageTest> {
        let mut ids = Vec::new();
        for stage in &test.stages {
            ids.push(
                self.names
                    .stages
                    .resolve(stage, self.file, &mut self.diagnostics),
            );
        }
        let ids: Vec<ir::StageId> = ids.into_iter().collect::<Option<_>>()?;
        match test.op {
            StageOp::Cmp(op) => Some(ir::StageTest::Cmp(op, *ids.first()?)),
            StageOp::In => Some(ir::StageTest::In(ids)),
            StageOp::NotIn => Some(ir::StageTest::NotIn(ids)),
            StageOp::IsSet => Some(ir::StageTest::IsSet),
            StageOp::IsNotSet => Some(ir::StageTest::IsNotSet),
        }
    }

    fn behaviour(&mut self, behaviour: &ast::Behaviour, place: Place) -> Option<ir::Behaviour> {
        let matcher = self.matcher(&behaviour.matcher);
        let window = self.window(behaviour.window.as_ref(), place);
        let count = match (&behaviour.count, behaviour.none) {
            (None, false) => Some(ir::CountTest {
                op: CountOp::AtLeast,
                n: 1,
            }),
            (None, true) => Some(ir::CountTest {
                op: CountOp::FewerThan,
                n: 1,
            }),
            (Some(count), none) => self.count(count, none),
        };
        let matcher = matcher?;
        let distinct = if behaviour.distinct {
            let property = target_property(&behaviour.matcher.verb);
            if property.is_none() {
                self.error(
                    // The grammar only allows `different` with a target; this guards
                    // hand-built ASTs.
                    codes::SYNTAX,
                    *behaviour.span,
                    "`different` needs e-mails, pages, forms or assets to tell apart",
                )
                .help = Some("remove `different` to count events".into());
            }
            Some(property?)
        } else {
            None
        };
        let window = window?;
        let query = self.query_id(QueryKey::Count {
            matcher: matcher.clone(),
            distinct,
            window,
        });
        Some(ir::Behaviour {
            matcher,
            count: count?,
            distinct,
            window,
            query,
        })
    }

    fn count(&mut self, count: &ast::Count, none: bool) -> Option<ir::CountTest> {
        let Ok(n) = u64::try_from(count.n.value) else {
            self.error(
                codes::BAD_NUMBER,
                *count.n.span,
                "a count cannot be negative",
            );
            return None;
        };
        if none {
            // `never opened 3 emails`: fewer than three.
            return Some(ir::CountTest {
                op: CountOp::FewerThan,
                n,
            });
        }
        Some(ir::CountTest { op: count.op, n })
    }

    fn window(&mut self, window: Option<&ast::Window>, place: Place) -> Option<Window> {
        let Some(window) = window else {
            return Some(Window::All);
        };
        match &window.kind {
            ast::WindowKind::Last(duration) => self
                .positive_duration(duration)
                .map(|d| Window::Last(d.seconds)),
            ast::WindowKind::SinceFired => {
                if place.in_sequence {
                    Some(Window::SinceFired)
                } else {
                    self.error(
                        codes::SINCE_OUTSIDE_SEQUENCE,
                        *window.span,
                        "a bare `since` counts from when the rule fired, but nothing has fired here",
                    )
                    .help = Some(
                        "use it in a rule's steps or `exit when`; here write `in last 30 days` or `since 2024-01-01`"
                            .into(),
                    );
                    None
                }
            }
            ast::WindowKind::Since(literal) => match self.time_point(literal)? {
                TimePoint::Instant(t) => Some(Window::Since(t)),
                TimePoint::Date(d) => Some(Window::Since(values::start_of_day(
                    d,
                    self.program.settings.timezone,
                ))),
            },
        }
    }

    fn time_point(&mut self, literal: &ast::Literal) -> Option<TimePoint> {
        match values::time_point(literal) {
            Ok(point) => Some(point),
            Err(why) => {
                self.error(codes::BAD_DATE, *literal.span, why).help =
                    Some("write dates as YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ".into());
                None
            }
        }
    }

    pub(super) fn matcher(&mut self, matcher: &ast::EventMatcher) -> Option<ir::EventMatcher> {
        let event_type = match &matcher.verb {
            Verb::Received => builtin::EMAIL_SENT,
            Verb::Opened => builtin::EMAIL_OPENED,
            Verb::Clicked => builtin::EMAIL_CLICKED,
            Verb::Visited => builtin::PAGE_VISITED,
            Verb::Submitted => builtin::FORM_SUBMITTED,
            Verb::Downloaded => builtin::ASSET_DOWNLOADED,
            Verb::Purchased => builtin::PURCHASE,
            Verb::UnsubscribedEvent => builtin::UNSUBSCRIBED,
            Verb::Custom(name) => self.custom_event(name)?,
        };
        let target = match &matcher.target {
            ast::Target::Any => None,
            ast::Target::Named(name) => Some(self.target(&matcher.verb, name)?),
        };
        let filter = match &matcher.filter {
            Some(filter) => Some(self.filter(filter, event_type)?),
            None => None,
        };
        Some(ir::EventMatcher {
            event_type,
            target,
            filter,
            span: matcher.span,
        })
    }

    fn custom_event(&mut self, name: &ast::Ident) -> Option<ir::EventTypeId> {
        let id = self.names.events.lookup(&name.name);
        match id {
            Some(id) if id.index() >= ir::BUILTIN_EVENT_TYPES.len() => {
                self.names.events.record_use(id, name, self.file);
                Some(id)
            }
            None if self.names.events.excuses(&name.name) => None,
            Some(_) => {
                // `event purchase`: declaring it is refused (it is built
                // in), so the help says how the built-in one is written.
                let diagnostic = self.names.events.undefined(name, self.file);
                self.diagnostics
                    .push(super::mixups::builtin_event(diagnostic, &name.name));
                None
            }
            None => {
                let diagnostic = self.names.events.undefined(name, self.file);
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    fn target(&mut self, verb: &Verb, name: &ast::Ident) -> Option<ir::TargetMatch> {
        let file = self.file;
        use super::mixups::{ASSETS, EMAILS, FORMS, PAGES};
        let expected = match verb {
            Verb::Received | Verb::Opened | Verb::Clicked => Some(EMAILS),
            Verb::Visited => Some(PAGES),
            Verb::Submitted => Some(FORMS),
            Verb::Downloaded => Some(ASSETS),
            Verb::Purchased | Verb::UnsubscribedEvent | Verb::Custom(_) => None,
        };
        if let Some(diagnostic) =
            expected.and_then(|kind| super::mixups::other_kind(&mut self.names, kind, name, file))
        {
            self.diagnostics.push(diagnostic);
            return None;
        }
        let diagnostics = &mut self.diagnostics;
        let (property, matcher) = match verb {
            Verb::Received | Verb::Opened | Verb::Clicked => {
                let id = self.names.emails.resolve(name, file, diagnostics)?;
                (
                    0,
                    ir::TargetPattern::Exact(self.program.emails.get(id)?.clone()),
                )
            }
            Verb::Visited => {
                let id = self.names.pages.resolve(name, file, diagnostics)?;
                (
                    0,
                    ir::TargetPattern::Pattern(self.program.pages.get(id)?.pattern.clone()),
                )
            }
            Verb::Submitted => {
                let id = self.names.forms.resolve(name, file, diagnostics)?;
                (
                    0,
                    ir::TargetPattern::Exact(self.program.forms.get(id)?.clone()),
                )
            }
            Verb::Downloaded => {
                let id = self.names.assets.resolve(name, file, diagnostics)?;
                (
                    0,
                    ir::TargetPattern::Pattern(self.program.assets.get(id)?.pattern.clone()),
                )
            }
            Verb::Purchased | Verb::UnsubscribedEvent | Verb::Custom(_) => return None,
        };
        Some(ir::TargetMatch {
            property: ir::PropertyId::new(property),
            matcher,
        })
    }

    /// A `where` filter: property tests of one event type.
    fn filter(&mut self, cond: &ast::Cond, event_type: ir::EventTypeId) -> Option<ir::Filter> {
        match &cond.kind {
            CondKind::And(parts) => Some(ir::Filter::And(self.filters(parts, event_type)?)),
            CondKind::Or(parts) => Some(ir::Filter::Or(self.filters(parts, event_type)?)),
            CondKind::Not(inner) => {
                Some(ir::Filter::Not(Box::new(self.filter(inner, event_type)?)))
            }
            CondKind::Paren(inner) => self.filter(inner, event_type),
            CondKind::Field { field, test } => {
                let event = self.program.event_types.get(event_type)?;
                let Some(property) = event.property(&field.name) else {
                    let names: Vec<&str> =
                        event.properties.iter().map(|(n, _)| n.as_str()).collect();
                    let suggestion = crate::diagnostics::Suggestion::did_you_mean(
                        self.file,
                        *field.span,
                        &field.name,
                        names.iter().copied(),
                    );
                    let help = suggestion.is_none().then(|| {
                        if names.is_empty() {
                            format!("`{}` events have no properties", event.name)
                        } else {
                            format!("its properties are: {}", names.join(", "))
                        }
                    });
                    let message =
                        format!("`{}` events have no property `{}`", event.name, field.name);
                    let error = self.error(codes::UNDEFINED_PROPERTY, *field.span, message);
                    error.help = help;
                    error.suggestions.extend(suggestion);
                    return None;
                };
                let ty = event.properties.get(property)?.1;
                self.symbols.property_use(
                    event_type.index(),
                    property.index(),
                    self.file,
                    *field.span,
                );
                if !self.property_names(event_type, &field.name, test) {
                    return None;
                }
                let test = self.value_test(test, ty, &format!("property `{}`", field.name))?;
                Some(ir::Filter::Property {
                    property,
                    test,
                    span: cond.span,
                })
            }
            _ => {
                self.error(
                    codes::SYNTAX,
                    *cond.span,
                    "a `where` filter can only test the event's own properties",
                );
                None
            }
        }
    }

    /// The names a `where` test on a built-in property holds when the
    /// property's values are declared names (`form` of `form.submitted`,
    /// `email` of the e-mail events, `sms` of `sms.sent`): each is resolved
    /// like `submitted form demo`, so a misspelt one is an error with a
    /// did-you-mean and a correct one counts as a use. URLs (`url`) and
    /// asset files (`asset`, matched against the asset's file pattern) are
    /// not names, nor are the patterns of `starts with`, `contains` and
    /// `matches`. Whether every name resolved.
    fn property_names(
        &mut self,
        event_type: ir::EventTypeId,
        property: &str,
        test: &ast::ValueTest,
    ) -> bool {
        let names = match (event_type, property) {
            (builtin::EMAIL_SENT | builtin::EMAIL_OPENED | builtin::EMAIL_CLICKED, "email") => {
                &mut *self.names.emails
            }
            (builtin::SMS_SENT, "sms") => &mut *self.names.sms,
            (builtin::FORM_SUBMITTED, "form") => &mut *self.names.forms,
            _ => return true,
        };
        let literals: &[ast::Literal] = match &test.kind {
            ValueTestKind::Compare(CmpOp::Eq | CmpOp::Ne, literal) => std::slice::from_ref(literal),
            ValueTestKind::In(items) | ValueTestKind::NotIn(items) => items,
            _ => return true,
        };
        let mut resolved = true;
        for literal in literals {
            let LiteralKind::Text(text) = &literal.kind else {
                continue;
            };
            let ident = ast::Ident {
                name: text.clone(),
                span: literal.span,
            };
            if names.resolve_quoted(&ident, self.file, &mut self.diagnostics) {
                continue;
            }
            resolved = false;
        }
        resolved
    }

    fn filters(
        &mut self,
        parts: &[ast::Cond],
        event_type: ir::EventTypeId,
    ) -> Option<Vec<ir::Filter>> {
        let lowered: Vec<Option<ir::Filter>> =
            parts.iter().map(|p| self.filter(p, event_type)).collect();
        lowered.into_iter().collect()
    }

    fn aggregate(&mut self, aggregate: &ast::Aggregate, place: Place) -> Option<ir::Aggregate> {
        let event_type = if aggregate.event.name == "purchase" {
            self.names
                .events
                .record_use(builtin::PURCHASE, &aggregate.event, self.file);
            builtin::PURCHASE
        } else {
            self.custom_event(&aggregate.event)?
        };
        let event = self.program.event_types.get(event_type)?;
        let property = match &aggregate.property {
            Some(name) => match event.property(&name.name) {
                Some(id) => Some((id, event.properties.get(id)?.1, name.span)),
                None => {
                    let names: Vec<&str> =
                        event.properties.iter().map(|(n, _)| n.as_str()).collect();
                    let suggestion = crate::diagnostics::Suggestion::did_you_mean(
                        self.file,
                        *name.span,
                        &name.name,
                        names.iter().copied(),
                    );
                    let help = suggestion
                        .is_none()
                        .then(|| format!("its properties are: {}", names.join(", ")));
                    let message =
                        format!("`{}` events have no property `{}`", event.name, name.name);
                    let error = self.error(codes::UNDEFINED_PROPERTY, *name.span, message);
                    error.help = help;
                    error.suggestions.extend(suggestion);
                    return None;
                }
            },
            None => None,
        };
        if let Some((id, _, span)) = property {
            self.symbols
                .property_use(event_type.index(), id.index(), self.file, *span);
        }
        let numeric = matches!(
            aggregate.func,
            AggFunc::Total | AggFunc::Average | AggFunc::Min | AggFunc::Max
        );
        let ty = match (property, numeric) {
            (Some((_, FieldType::Number, _)), _) => FieldType::Number,
            (Some((_, ty, span)), true) => {
                self.error(
                    codes::AGGREGATE_NOT_NUMBER,
                    *span,
                    format!(
                        "`{}` needs a number, but this property is {}",
                        aggregate.func.keyword(),
                        ty
                    ),
                );
                return None;
            }
            (Some((_, ty, _)), false) => ty,
            (None, true) => {
                self.error(
                    codes::AGGREGATE_NOT_NUMBER,
                    *aggregate.event.span,
                    format!(
                        "`{}` of which property of `{}`?",
                        aggregate.func.keyword(),
                        aggregate.event.name
                    ),
                )
                .help = Some(format!(
                    "name a number property, e.g. `{} purchase amount`",
                    aggregate.func.keyword()
                ));
                return None;
            }
            (None, false) => FieldType::DateTime,
        };
        if property.is_none() && !is_time_test(&aggregate.test.kind) {
            self.error(
                codes::TIME_TEST_NEEDS_TIME,
                *aggregate.test.span,
                format!(
                    "`{} {}` is a point in time, so it needs a time test",
                    aggregate.func.keyword(),
                    aggregate.event.name
                ),
            )
            .help = Some(
                "e.g. `more than 90 days ago`, `within last 30 days`, `before 2024-01-01`, or name a property"
                    .into(),
            );
            return None;
        }
        let filter = match &aggregate.filter {
            Some(filter) => Some(self.filter(filter, event_type)?),
            None => None,
        };
        let window = self.window(aggregate.window.as_ref(), place)?;
        let subject = format!("`{} {}`", aggregate.func.keyword(), aggregate.event.name);
        let test = self.value_test(&aggregate.test, ty, &subject)?;
        let property = property.map(|(id, _, _)| id);
        let query = self.query_id(QueryKey::Aggregate {
            func: aggregate.func,
            event_type,
            property,
            filter: filter.clone(),
            window,
        });
        Some(ir::Aggregate {
            func: aggregate.func,
            event_type,
            property,
            filter,
            window,
            test,
            query,
        })
    }

    /// The id of the event query `key` describes, counting one more use.
    fn query_id(&mut self, key: QueryKey) -> ir::QueryId {
        let uses = &mut self.program.query_uses;
        let id = *self.queries.entry(key).or_insert(uses.next_id());
        match uses.get_mut(id) {
            Some(n) => *n += 1,
            None => uses.push(1),
        }
        id
    }

    /// Types a value test against the type of what it tests.
    fn value_test(
        &mut self,
        test: &ast::ValueTest,
        ty: FieldType,
        subject: &str,
    ) -> Option<ir::ValueTest> {
        let is_time = matches!(ty, FieldType::Date | FieldType::DateTime);
        let not_applicable = |checker: &mut Self, what: &str, help: &str| {
            checker
                .error(
                    codes::BAD_OPERATOR,
                    *test.span,
                    format!("{subject} is {ty}, so {what} does not apply"),
                )
                .help = Some(help.to_string());
        };
        match &test.kind {
            ValueTestKind::Compare(op, literal) => {
                if ty == FieldType::TextList {
                    not_applicable(
                        self,
                        "a comparison",
                        "test list fields with `contains \"value\"`",
                    );
                    return None;
                }
                if ty == FieldType::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    not_applicable(
                        self,
                        "an ordering",
                        "compare yes/no fields with `=` or `is`",
                    );
                    return None;
                }
                let value = self.literal_value(literal, ty, subject)?;
                Some(ir::ValueTest::Compare(*op, value))
            }
            ValueTestKind::In(literals) | ValueTestKind::NotIn(literals) => {
                if ty == FieldType::TextList {
                    not_applicable(self, "`in`", "test list fields with `contains \"value\"`");
                    return None;
                }
                let values: Vec<Option<Value>> = literals
                    .iter()
                    .map(|l| self.literal_value(l, ty, subject))
                    .collect();
                let values: Vec<Value> = values.into_iter().collect::<Option<_>>()?;
                Some(match test.kind {
                    ValueTestKind::In(_) => ir::ValueTest::In(values),
                    _ => ir::ValueTest::NotIn(values),
                })
            }
            ValueTestKind::Contains(text) => {
                if !matches!(ty, FieldType::Text | FieldType::TextList) {
                    not_applicable(
                        self,
                        "`contains`",
                        "`contains` tests text and lists of text",
                    );
                    return None;
                }
                Some(ir::ValueTest::Contains(text.value.clone()))
            }
            ValueTestKind::StartsWith(text)
            | ValueTestKind::EndsWith(text)
            | ValueTestKind::Matches(text) => {
                if ty != FieldType::Text {
                    not_applicable(
                        self,
                        "a text test",
                        "`starts with`, `ends with` and `matches` test text",
                    );
                    return None;
                }
                match &test.kind {
                    ValueTestKind::StartsWith(_) => {
                        Some(ir::ValueTest::StartsWith(text.value.clone()))
                    }
                    ValueTestKind::EndsWith(_) => Some(ir::ValueTest::EndsWith(text.value.clone())),
                    _ => self.regex(text).map(ir::ValueTest::Matches),
                }
            }
            ValueTestKind::IsSet => Some(ir::ValueTest::IsSet),
            ValueTestKind::IsNotSet => Some(ir::ValueTest::IsNotSet),
            ValueTestKind::Before(literal) | ValueTestKind::After(literal) => {
                if !is_time {
                    not_applicable(
                        self,
                        "`before`/`after`",
                        "`before` and `after` test dates; compare numbers with `<` and `>`",
                    );
                    return None;
                }
                let point = self.time_point(literal)?;
                Some(match test.kind {
                    ValueTestKind::Before(_) => ir::ValueTest::Before(point),
                    _ => ir::ValueTest::After(point),
                })
            }
            ValueTestKind::WithinLast(duration)
            | ValueTestKind::MoreThanAgo(duration)
            | ValueTestKind::LessThanAgo(duration) => {
                if !is_time {
                    not_applicable(
                        self,
                        "a time test",
                        "only dates and times can be `ago` or `within last`",
                    );
                    return None;
                }
                let seconds = self.positive_duration(duration)?.seconds;
                Some(match test.kind {
                    ValueTestKind::WithinLast(_) => ir::ValueTest::WithinLast(seconds),
                    ValueTestKind::MoreThanAgo(_) => ir::ValueTest::MoreThanAgo(seconds),
                    _ => ir::ValueTest::LessThanAgo(seconds),
                })
            }
            ValueTestKind::IsToday => {
                if !is_time {
                    not_applicable(
                        self,
                        "`is today`",
                        "`is today` tests dates such as birthdays",
                    );
                    return None;
                }
                Some(ir::ValueTest::IsToday)
            }
        }
    }

    /// Compiles a `matches` pattern into the program's regex table, once
    /// per distinct pattern.
    fn regex(&mut self, pattern: &ast::Text) -> Option<ir::RegexId> {
        if let Some(id) = self.regexes.get(&pattern.value) {
            return Some(*id);
        }
        match regex::RegexBuilder::new(&pattern.value)
            .size_limit(1 << 20)
            .build()
        {
            Ok(regex) => {
                let regexes = &mut self.program.compiled.regexes;
                let id = regexes.next_id();
                regexes.push(regex);
                self.regexes.insert(pattern.value.clone(), id);
                Some(id)
            }
            Err(error) => {
                let why = error.to_string();
                let last_line = why.lines().last().unwrap_or("invalid pattern").trim();
                self.error(
                    codes::BAD_REGEX,
                    *pattern.span,
                    format!("`{}` is not a valid regular expression: {last_line}", pattern.value),
                )
                .help = Some("the syntax is that of Rust's `regex` crate; escape special characters with `\\\\`".into());
                None
            }
        }
    }

    /// A literal as a value of the given type, or a type-mismatch diagnostic.
    /// `points >= script x`, `budget < script x`, `script x >= 12`.
    fn script_compare(&mut self, compare: &ast::ScriptCompare) -> Option<ir::CondKind> {
        let left = self.operand(&compare.left);
        let right = self.operand(&compare.right);
        let (left, right) = (left?, right?);
        // The type of the comparison is the type of its side that is not a
        // script (the grammar puts a script on exactly one side).
        let ty = left
            .known
            .filter(|_| !left.script)
            .or(right.known.filter(|_| !right.script))
            .or(left.known)
            .or(right.known)
            .unwrap_or(FieldType::Number);
        let other = if left.script { &right } else { &left };
        if !scriptable(ty) {
            self.error(
                codes::SCRIPT_VALUE_TYPE,
                other.span,
                format!(
                    "{} is {ty}, and a script can only give a number, text or true/false",
                    other.what
                ),
            )
            .help = Some(
                "compare a script's value with points, a number, text or bool field, or a literal"
                    .into(),
            );
            return None;
        }
        if ty != FieldType::Number && !matches!(compare.op, CmpOp::Eq | CmpOp::Ne) {
            self.error(
                codes::SCRIPT_VALUE_TYPE,
                other.span,
                format!(
                    "{} is {ty}, which can only be compared with `=` or `!=`, not `{}`",
                    other.what,
                    compare.op.symbol()
                ),
            )
            .help = Some("order numbers only; compare text and true/false with `=` or `!=`".into());
            return None;
        }
        let need = format!("{} is {ty}", other.what);
        let mut ok = true;
        for side in [&left, &right] {
            if let (true, Some(found)) = (side.script, side.known) {
                if found != ty {
                    self.script_type_error(side.span, &side.what, found, ty, &need);
                    ok = false;
                }
            }
        }
        let left_op = self.const_operand(&compare.left, left.operand, ty);
        let right_op = self.const_operand(&compare.right, right.operand, ty);
        if !ok {
            return None;
        }
        Some(ir::CondKind::ScriptCompare {
            left: left_op?,
            op: compare.op,
            right: right_op?,
            ty,
        })
    }

    /// A literal side is converted to the comparison's type.
    fn const_operand(
        &mut self,
        written: &ast::Operand,
        operand: ir::Operand,
        ty: FieldType,
    ) -> Option<ir::Operand> {
        match written {
            ast::Operand::Literal(literal) => self
                .literal_value(literal, ty, "the script's value")
                .map(ir::Operand::Const),
            _ => Some(operand),
        }
    }

    fn operand(&mut self, operand: &ast::Operand) -> Option<Side> {
        let file = self.file;
        Some(match operand {
            ast::Operand::Points(span) => Side {
                operand: ir::Operand::Points,
                known: Some(FieldType::Number),
                script: false,
                span: span.span(),
                what: "points".into(),
            },
            ast::Operand::Field(name) => {
                let id = self
                    .names
                    .fields
                    .resolve(name, file, &mut self.diagnostics)?;
                Side {
                    operand: ir::Operand::Field(id),
                    known: Some(self.program.fields.get(id)?.ty),
                    script: false,
                    span: *name.span,
                    what: format!("field `{}`", name.name),
                }
            }
            ast::Operand::Script(name) => {
                let id = self
                    .names
                    .scripts
                    .resolve(name, file, &mut self.diagnostics)?;
                Side {
                    operand: ir::Operand::Script(id),
                    known: self.program.scripts.get(id).and_then(|s| s.result),
                    script: true,
                    span: *name.span,
                    what: format!("script `{}`", name.name),
                }
            }
            ast::Operand::Literal(literal) => Side {
                // Replaced by the converted constant once the type is known.
                operand: ir::Operand::Points,
                known: match &literal.kind {
                    LiteralKind::Number(_) => Some(FieldType::Number),
                    LiteralKind::Text(_) => Some(FieldType::Text),
                    LiteralKind::Bool(_) => Some(FieldType::Bool),
                    LiteralKind::Date(_) => Some(FieldType::Date),
                    LiteralKind::DateTime(_) => Some(FieldType::DateTime),
                },
                script: false,
                span: *literal.span,
                what: "this value".into(),
            },
        })
    }

    /// Resolves a script whose value goes where a `ty` is needed.
    fn value_script(
        &mut self,
        name: &ast::Ident,
        ty: FieldType,
        need: &str,
    ) -> Option<ir::ScriptId> {
        let id = self
            .names
            .scripts
            .resolve(name, self.file, &mut self.diagnostics)?;
        if let Some(found) = self.program.scripts.get(id).and_then(|s| s.result) {
            if found != ty {
                self.script_type_error(
                    *name.span,
                    &format!("script `{}`", name.name),
                    found,
                    ty,
                    need,
                );
                return None;
            }
        }
        Some(id)
    }

    fn script_type_error(
        &mut self,
        span: Span,
        what: &str,
        found: FieldType,
        ty: FieldType,
        need: &str,
    ) {
        self.error(
            codes::SCRIPT_VALUE_TYPE,
            span,
            format!("{what} gives a {found}, but {need}"),
        )
        .help = Some(format!(
            "make the script give a {ty} (`script NAME: {ty}`), or use a {found} script's value where a {found} fits"
        ));
    }

    fn literal_value(
        &mut self,
        literal: &ast::Literal,
        ty: FieldType,
        subject: &str,
    ) -> Option<Value> {
        let converted: Result<Value, String> = match (&literal.kind, ty) {
            (LiteralKind::Number(text), FieldType::Number) => {
                values::parse_number(text).map(Value::Number)
            }
            (LiteralKind::Text(text), FieldType::Text) => Ok(Value::Text(text.as_str().into())),
            (LiteralKind::Bool(b), FieldType::Bool) => Ok(Value::Bool(*b)),
            (LiteralKind::Date(text), FieldType::Date) => values::parse_date(text).map(Value::Date),
            (LiteralKind::Date(text), FieldType::DateTime) => values::parse_date(text)
                .map(|d| Value::DateTime(values::start_of_day(d, self.program.settings.timezone))),
            (LiteralKind::DateTime(text), FieldType::DateTime) => {
                values::parse_datetime(text).map(Value::DateTime)
            }
            _ => {
                self.error(
                    codes::TYPE_MISMATCH,
                    *literal.span,
                    format!(
                        "{subject} is {ty}, but this value is {}",
                        literal_type_name(&literal.kind)
                    ),
                )
                .help = Some(example_of(ty));
                return None;
            }
        };
        match converted {
            Ok(value) => Some(value),
            Err(why) => {
                let code = if matches!(literal.kind, LiteralKind::Number(_)) {
                    codes::BAD_NUMBER
                } else {
                    codes::BAD_DATE
                };
                self.error(code, *literal.span, why);
                None
            }
        }
    }

    fn steps(&mut self, steps: &[ast::Step], place: Place) -> Vec<ir::Step> {
        steps
            .iter()
            .filter_map(|step| self.step(step, place))
            .collect()
    }

    fn step(&mut self, step: &ast::Step, place: Place) -> Option<ir::Step> {
        let unless = step.unless.as_ref().map(|c| self.condition(c, place));
        let file = self.file;
        let kind = match &step.kind {
            StepKind::MoveTo(stage) => ir::StepKind::Act(ir::Action::MoveTo(
                self.names
                    .stages
                    .resolve(stage, file, &mut self.diagnostics)?,
            )),
            StepKind::MoveBackTo(stage) => ir::StepKind::Act(ir::Action::MoveBackTo(
                self.names
                    .stages
                    .resolve(stage, file, &mut self.diagnostics)?,
            )),
            StepKind::Send {
                channel,
                message,
                again,
            } => {
                let expected = match channel {
                    Channel::Email => super::mixups::EMAILS,
                    Channel::Sms => super::mixups::SMS,
                };
                let other_channel_has = match channel {
                    Channel::Email => self.names.sms.lookup(&message.name).is_some(),
                    Channel::Sms => self.names.emails.lookup(&message.name).is_some(),
                };
                if !other_channel_has {
                    if let Some(diagnostic) =
                        super::mixups::other_kind(&mut self.names, expected, message, file)
                    {
                        self.diagnostics.push(diagnostic);
                        return None;
                    }
                }
                let (namespace, other, other_channel) = match channel {
                    Channel::Email => (&mut self.names.emails, &mut self.names.sms, Channel::Sms),
                    Channel::Sms => (&mut self.names.sms, &mut self.names.emails, Channel::Email),
                };
                let meant = other.lookup(&message.name);
                if let (None, Some(meant)) = (namespace.lookup(&message.name), meant) {
                    // The author meant that message: no "never used" on top.
                    other.record_use(meant, message, file);
                    let declared = other.sites.get(meant.index()).copied();
                    let diagnostic = super::mixups::wrong_channel(
                        *channel,
                        other_channel,
                        message,
                        *step.span,
                        declared,
                        file,
                    );
                    self.diagnostics.push(diagnostic);
                    return None;
                }
                ir::StepKind::Act(ir::Action::Send {
                    channel: *channel,
                    message: namespace.resolve(message, file, &mut self.diagnostics)?,
                    again: *again,
                })
            }
            StepKind::AddPoints(n) => ir::StepKind::Act(ir::Action::AddPoints(n.value)),
            StepKind::RemovePoints(n) => ir::StepKind::Act(ir::Action::AddPoints(-n.value)),
            StepKind::SetPoints(n) => ir::StepKind::Act(ir::Action::SetPoints(n.value)),
            StepKind::AddTag(tag) => ir::StepKind::Act(ir::Action::AddTag(tag.value.clone())),
            StepKind::RemoveTag(tag) => ir::StepKind::Act(ir::Action::RemoveTag(tag.value.clone())),
            StepKind::AddToList(list) => ir::StepKind::Act(ir::Action::AddToList(
                self.names
                    .lists
                    .resolve(list, file, &mut self.diagnostics)?,
            )),
            StepKind::RemoveFromList(list) => ir::StepKind::Act(ir::Action::RemoveFromList(
                self.names
                    .lists
                    .resolve(list, file, &mut self.diagnostics)?,
            )),
            StepKind::SetField { field, value } => {
                let id = self
                    .names
                    .fields
                    .resolve(field, file, &mut self.diagnostics)?;
                let ty = self.program.fields.get(id)?.ty;
                let value = self.literal_value(value, ty, &format!("field `{}`", field.name))?;
                ir::StepKind::Act(ir::Action::SetField { field: id, value })
            }
            StepKind::SetPointsScript(script) => {
                let id = self.value_script(script, FieldType::Number, "points need a number")?;
                ir::StepKind::SetPointsScript(id)
            }
            StepKind::SetFieldScript { field, script } => {
                let field_id = self
                    .names
                    .fields
                    .resolve(field, file, &mut self.diagnostics);
                let script_id = self
                    .names
                    .scripts
                    .resolve(script, file, &mut self.diagnostics);
                let (field_id, _) = (field_id?, script_id?);
                let ty = self.program.fields.get(field_id)?.ty;
                if !scriptable(ty) {
                    self.error(
                        codes::SCRIPT_VALUE_TYPE,
                        *field.span,
                        format!(
                            "field `{}` is {ty}, and a script can only give a number, text or true/false",
                            field.name
                        ),
                    )
                    .help = Some("set a number, text or bool field from a script".into());
                    return None;
                }
                let need = format!("field `{}` is {ty}", field.name);
                let script = self.value_script(script, ty, &need)?;
                ir::StepKind::SetFieldScript {
                    field: field_id,
                    script,
                }
            }
            StepKind::Notify { recipient, message } => ir::StepKind::Act(ir::Action::Notify {
                recipient: *recipient,
                message: message.as_ref().map(|m| m.value.clone()),
            }),
            StepKind::HandOff(note) => {
                ir::StepKind::Act(ir::Action::HandOff(note.as_ref().map(|n| n.value.clone())))
            }
            StepKind::Webhook(url) => {
                if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
                    self.error(
                        codes::BAD_URL_PATTERN,
                        *url.span,
                        format!("`{}` is not an http(s) URL", url.value),
                    )
                    .help = Some(
                        "webhooks are recorded in dry runs; give the full https:// address".into(),
                    );
                    return None;
                }
                ir::StepKind::Act(ir::Action::Webhook(url.value.clone()))
            }
            StepKind::MarkDoNotContact => ir::StepKind::Act(ir::Action::MarkDoNotContact),
            StepKind::Unsubscribe => ir::StepKind::Act(ir::Action::Unsubscribe),
            StepKind::Wait(duration) => ir::StepKind::Wait(self.positive_duration(duration)?),
            StepKind::WaitUntilTime(time) => ir::StepKind::WaitUntilTime(self.time_of_day(time)?),
            StepKind::WaitUntilInstant(literal) => match self.time_point(literal)? {
                TimePoint::Instant(t) => ir::StepKind::WaitUntilInstant(t),
                TimePoint::Date(d) => ir::StepKind::WaitUntilInstant(values::start_of_day(
                    d,
                    self.program.settings.timezone,
                )),
            },
            StepKind::Branch {
                condition,
                then,
                otherwise,
            } => {
                let condition = self.condition(condition, place);
                let then = self.steps(then, place);
                let otherwise = self.steps(otherwise, place);
                ir::StepKind::Branch {
                    condition: Box::new(condition?),
                    then,
                    otherwise,
                }
            }
            StepKind::Stop => ir::StepKind::Stop,
        };
        Some(ir::Step {
            kind,
            unless: match unless {
                Some(lowered) => Some(lowered?),
                None => None,
            },
            span: step.span,
        })
    }
}

/// The property a verb's target lives in (always the first property of
/// the built-in type), if the verb has targets.
fn target_property(verb: &Verb) -> Option<ir::PropertyId> {
    match verb {
        Verb::Received
        | Verb::Opened
        | Verb::Clicked
        | Verb::Visited
        | Verb::Submitted
        | Verb::Downloaded => Some(ir::PropertyId::new(0)),
        Verb::Purchased | Verb::UnsubscribedEvent | Verb::Custom(_) => None,
    }
}

fn is_time_test(kind: &ValueTestKind) -> bool {
    matches!(
        kind,
        ValueTestKind::Before(_)
            | ValueTestKind::After(_)
            | ValueTestKind::WithinLast(_)
            | ValueTestKind::MoreThanAgo(_)
            | ValueTestKind::LessThanAgo(_)
            | ValueTestKind::IsSet
            | ValueTestKind::IsNotSet
            | ValueTestKind::IsToday
    ) || matches!(kind, ValueTestKind::Compare(_, l) if matches!(l.kind, LiteralKind::Date(_) | LiteralKind::DateTime(_)))
}

fn literal_type_name(kind: &LiteralKind) -> &'static str {
    match kind {
        LiteralKind::Number(_) => "a number",
        LiteralKind::Text(_) => "text",
        LiteralKind::Bool(_) => "yes/no (true or false)",
        LiteralKind::Date(_) => "a date",
        LiteralKind::DateTime(_) => "a date and time",
    }
}

fn example_of(ty: FieldType) -> String {
    match ty {
        FieldType::Text => "compare it with text in double quotes, e.g. \"PL\"".into(),
        FieldType::Number => "compare it with a number, e.g. 50 (no quotes)".into(),
        FieldType::Bool => "compare it with true or false".into(),
        FieldType::Date => "compare it with a date, e.g. 2024-03-31".into(),
        FieldType::DateTime => {
            "compare it with a date or date-time, e.g. 2024-03-31T09:00:00Z".into()
        }
        FieldType::TextList => "test it with `contains \"value\"`".into(),
    }
}

/// One side of a script comparison while it is checked.
struct Side {
    operand: ir::Operand,
    /// The side's type when known at check time (a script's declared type).
    known: Option<FieldType>,
    script: bool,
    span: Span,
    what: String,
}

/// The types a script's value can have.
fn scriptable(ty: FieldType) -> bool {
    matches!(ty, FieldType::Number | FieldType::Text | FieldType::Bool)
}

/// The question an event clause asks of a contact's events, without the
/// test applied to the answer: two clauses with equal keys share a
/// [`ir::QueryId`]. Equality is structural and spans never count
/// ([`crate::base::span::NodeSpan`]), so the same matcher written twice,
/// anywhere, is the same question.
#[derive(PartialEq, Eq, Hash)]
pub(super) enum QueryKey {
    Count {
        matcher: ir::EventMatcher,
        distinct: Option<ir::PropertyId>,
        window: ir::Window,
    },
    Aggregate {
        func: AggFunc,
        event_type: ir::EventTypeId,
        property: Option<ir::PropertyId>,
        filter: Option<ir::Filter>,
        window: ir::Window,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use crate::ir::{CondKind, Program, Trigger};

    fn program(rules: &str) -> Program {
        let text =
            format!("stages Lead, MQL\nemail welcome\npage pricing = \"/pricing*\"\n{rules}");
        let checked = crate::driver::check_source(std::path::Path::new("q.nurture"), "q", text);
        checked
            .program
            .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics))
    }

    /// The query id of the first clause of every rule.
    fn queries(program: &Program) -> Vec<usize> {
        program
            .rules
            .iter()
            .map(|rule| match &rule.trigger {
                Trigger::Condition(c) => match &c.kind {
                    CondKind::Behaviour(b) => b.query.index(),
                    CondKind::Aggregate(a) => a.query.index(),
                    other => panic!("{other:?}"),
                },
                Trigger::Event(_) => panic!("event rule"),
            })
            .collect()
    }

    #[test]
    fn clauses_asking_the_same_question_share_a_query() {
        let p = program(
            "rule a: when opened 3 emails in last 30 days then move to MQL\n\
             rule b: when opened 5 emails in last 30 days then move to MQL\n\
             rule c: when opened 3 emails in last 31 days then move to MQL\n\
             rule d: when visited pricing where url contains \"x\" then move to MQL\n\
             rule e: when visited pricing  where url contains \"x\"  then move to MQL\n\
             rule f: when visited pricing where url contains \"y\" then move to MQL\n\
             rule g: when total purchase amount in last 30 days >= 10 then move to MQL\n\
             rule h: when total purchase amount in last 30 days < 99 then move to MQL\n",
        );
        let q = queries(&p);
        assert_eq!(q[0], q[1], "same count, other threshold");
        assert_ne!(q[0], q[2], "other window");
        assert_eq!(q[3], q[4], "same filter written at other places");
        assert_ne!(q[3], q[5], "other filter");
        assert_eq!(q[6], q[7], "same aggregate, other test");
        assert_eq!(p.query_uses[q[0]], 2);
        assert_eq!(p.query_uses[q[2]], 1);
    }
}
