//! Explanations: every clause of a condition with its value at an instant
//! and the data behind it, for `nurture explain` and test failures.

use super::{Context, Lower};
use crate::base::time::local;
use crate::base::value::{Instant, Value};
use crate::base::vocab::FieldType;
use crate::diagnostics::{FileId, SourceMap};
use crate::ir::{CondKind, Operand, Window};
use serde::Serialize;

/// One clause and its value.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Clause {
    /// The clause as written.
    pub text: String,
    pub holds: bool,
    /// The data behind the value: counts, windows, the value tested.
    pub detail: Option<String>,
    pub parts: Vec<Clause>,
}

/// The most clauses one explanation shows from inside segments. Segments
/// that use a segment twice, level after level, would otherwise make an
/// explanation exponentially long; a person reads far fewer.
pub const MAX_SEGMENT_CLAUSES: usize = 500;

/// What an explanation has expanded so far.
struct Expansion {
    /// By segment id: already shown in this explanation.
    shown: Vec<bool>,
    /// Clauses still allowed from inside segments.
    left: usize,
}

/// Explains a condition written in file `file`, clause by clause; segment
/// tests are expanded into the segment's own clauses, each segment once per
/// explanation and at most [`MAX_SEGMENT_CLAUSES`] clauses in all. The
/// walk nests as deep as the condition with its segments written out,
/// which the checker bounds (`check::nesting`).
pub fn explain(
    context: &Context<'_>,
    sources: &SourceMap,
    file: FileId,
    cond: &crate::ir::Cond,
) -> Clause {
    let mut expansion = Expansion {
        shown: vec![false; context.program.segments.len()],
        left: MAX_SEGMENT_CLAUSES,
    };
    clause(context, sources, file, cond, false, &mut expansion)
}

fn clause(
    context: &Context<'_>,
    sources: &SourceMap,
    file: FileId,
    cond: &crate::ir::Cond,
    in_segment: bool,
    expansion: &mut Expansion,
) -> Clause {
    if in_segment {
        expansion.left = expansion.left.saturating_sub(1);
    }
    let text = sources
        .get(file)
        .map(|s| squash(s.slice(*cond.span)))
        .unwrap_or_default();
    let mut note = None;
    let parts = match &cond.kind {
        CondKind::And(parts) | CondKind::Or(parts) => parts
            .iter()
            .map(|p| clause(context, sources, file, p, in_segment, expansion))
            .collect(),
        CondKind::Not(inner) => vec![clause(context, sources, file, inner, in_segment, expansion)],
        CondKind::InSegment(id) => match context.program.segments.get(*id) {
            Some(_) if expansion.shown.get(id.index()) == Some(&true) => {
                note = Some("explained above");
                Vec::new()
            }
            Some(_) if expansion.left == 0 => {
                note = Some("not explained: the explanation is at its length limit");
                Vec::new()
            }
            Some(segment) => {
                if let Some(shown) = expansion.shown.get_mut(id.index()) {
                    *shown = true;
                }
                vec![clause(
                    context,
                    sources,
                    segment.file,
                    &segment.condition,
                    true,
                    expansion,
                )]
            }
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    let holds = match &cond.kind {
        CondKind::And(_) => parts.iter().all(|p| p.holds),
        CondKind::Or(_) => parts.iter().any(|p| p.holds),
        CondKind::Not(_) => !parts.first().is_some_and(|p| p.holds),
        _ => context.leaf(cond),
    };
    let detail = match (detail(context, cond), note) {
        (Some(detail), Some(note)) => Some(format!("{detail} ({note})")),
        (detail, None) => detail,
        (None, Some(note)) => Some(note.to_string()),
    };
    Clause {
        text,
        holds,
        detail,
        parts,
    }
}

/// Whitespace and line breaks of a clause as written collapse to spaces.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn detail(context: &Context<'_>, cond: &crate::ir::Cond) -> Option<String> {
    let program = context.program;
    let tz = context.clock.tz;
    let value_text = |v: Option<&Value>| match v {
        Some(Value::DateTime(t)) => local(*t, tz),
        Some(v) => v.to_string(),
        None => "not set".to_string(),
    };
    match &cond.kind {
        CondKind::Stage(_) => Some(format!(
            "stage is {}",
            context.state.stage.map_or("(none)", |s| program
                .stages
                .get(s)
                .map_or("?", String::as_str))
        )),
        CondKind::Points { .. } => Some(format!("points are {}", context.state.points)),
        CondKind::HasTag(_) => Some(if context.state.tags.is_empty() {
            "no tags".to_string()
        } else {
            let tags: Vec<&str> = context.state.tags.iter().map(String::as_str).collect();
            format!("tags: {}", tags.join(", "))
        }),
        CondKind::InSegment(id) => program
            .segments
            .get(*id)
            .map(|s| format!("segment {} is {}", s.name, context.in_segment(*id))),
        CondKind::Field { field, .. } => {
            let value = context
                .state
                .fields
                .get(field.index())
                .and_then(Option::as_ref);
            Some(format!(
                "{} is {}",
                field_name(program, *field),
                value_text(value)
            ))
        }
        CondKind::Behaviour(behaviour) => {
            let count = context.behaviour_count(behaviour);
            let noun = if behaviour.distinct.is_some() {
                "different"
            } else {
                "matching events"
            };
            let noun = if count == 1 {
                noun.trim_end_matches('s')
            } else {
                noun
            };
            let mut text = format!(
                "{count} {noun} {}; needs {}",
                window_text(context, behaviour.window),
                count_text(behaviour.count)
            );
            if let Some(last) = context.behaviour_last(behaviour) {
                text.push_str(&format!("; last at {}", local(last, tz)));
            }
            Some(text)
        }
        CondKind::Aggregate(aggregate) => {
            let value = context.aggregate_value(aggregate);
            Some(format!(
                "value {} {}",
                value_text(value.as_ref()),
                window_text(context, aggregate.window)
            ))
        }
        CondKind::Today(_) => Some(format!(
            "today is {} ({})",
            context.clock.today().format("%A"),
            context.clock.today()
        )),
        CondKind::Consent(_) => Some(format!(
            "unsubscribed: {}, do not contact: {}",
            context.state.unsubscribed, context.state.do_not_contact
        )),
        CondKind::Script(id) => Some(script_detail(context, *id, FieldType::Bool)),
        CondKind::ScriptCompare {
            left, right, ty, ..
        } => {
            let side = |operand: &Operand| match operand {
                Operand::Script(id) => Some(script_detail(context, *id, *ty)),
                Operand::Points => Some(format!("points are {}", context.state.points)),
                Operand::Field(id) => Some(format!(
                    "{} is {}",
                    field_name(program, *id),
                    value_text(
                        context
                            .state
                            .fields
                            .get(id.index())
                            .and_then(Option::as_ref)
                    )
                )),
                Operand::Const(_) => None,
            };
            let parts: Vec<String> = [side(left), side(right)].into_iter().flatten().collect();
            Some(parts.join("; "))
        }
        CondKind::InList(_) | CondKind::And(_) | CondKind::Or(_) | CondKind::Not(_) => None,
    }
}

/// A field's name by id (resolved by the checker, so `?` never shows).
fn field_name(program: &crate::ir::Program, id: crate::ir::FieldId) -> &str {
    program.fields.get(id).map_or("?", |f| f.name.as_str())
}

/// A script's result or its failure, e.g. `script rfm_score gave 14` or
/// `script spin failed: stopped: more than 100000 operations …`.
fn script_detail(context: &Context<'_>, id: crate::ir::ScriptId, ty: FieldType) -> String {
    let name = context
        .program
        .scripts
        .get(id)
        .map_or("?", |s| s.name.as_str());
    match super::script::evaluate(context, id, ty) {
        Ok(value) => format!("script {name} gave {value}"),
        Err(message) => format!("script {name} {message}"),
    }
}

fn window_text(context: &Context<'_>, window: Window) -> String {
    let now = context.clock.now;
    let at = |t| local(t, context.clock.tz);
    match Lower::of(window, now, context.fired_at) {
        Lower::Unbounded => format!("up to {}", at(now)),
        Lower::After(t) => format!("in ({}, {}]", at(t), at(now)),
        Lower::From(t) => format!("in [{}, {}]", at(t), at(now)),
    }
}

fn count_text(count: crate::ir::CountTest) -> String {
    use crate::base::vocab::CountOp;
    let op = match count.op {
        CountOp::AtLeast => "at least",
        CountOp::AtMost => "at most",
        CountOp::Exactly => "exactly",
        CountOp::MoreThan => "more than",
        CountOp::FewerThan => "fewer than",
    };
    format!("{op} {}", count.n)
}

/// What explain says about one rule, as data; `crate::report::explain`
/// renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleExplanation {
    pub rule: crate::ir::RuleId,
    pub verdict: Verdict,
    /// The condition clause by clause, for a condition rule.
    pub condition: Option<Clause>,
}

/// Where a rule stands at the explained instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// A condition rule that has not fired; whether its condition holds now.
    NotFired { holds_now: bool },
    /// A condition rule that fired `fired` times, last at `last`, with its
    /// `repeat every` if it has one.
    Fired {
        fired: u32,
        last: Instant,
        repeat: Option<crate::ir::Duration>,
    },
    /// An event rule: events matching its trigger so far, and times fired.
    Event { matching: usize, fired: u32 },
}

/// Explains every rule of the program for one contact at `clock.now`,
/// given the contact's state and events then and, by rule, how often each
/// fired and when it last did (from the run up to that instant).
pub fn explain_rules(
    program: &crate::ir::Program,
    sources: &SourceMap,
    clock: super::Clock,
    state: &super::ContactState,
    events: &super::EventView<'_>,
    fired: &[u32],
    last_fired: &[Option<Instant>],
) -> Vec<RuleExplanation> {
    let mut explanations = Vec::new();
    for (rule_id, rule) in program.rules.iter_enumerated() {
        super::script::set_rule(Some(rule_id.index()));
        let fired = fired.get(rule_id.index()).copied().unwrap_or(0);
        let last = last_fired.get(rule_id.index()).copied().flatten();
        let context = Context::new(program, clock, state, events, last);
        let (verdict, condition) = match &rule.trigger {
            crate::ir::Trigger::Condition(condition) => {
                let clause = explain(&context, sources, rule.file, condition);
                let verdict = match last {
                    None => Verdict::NotFired {
                        holds_now: clause.holds,
                    },
                    Some(last) => Verdict::Fired {
                        fired,
                        last,
                        repeat: rule.repeat,
                    },
                };
                (verdict, Some(clause))
            }
            crate::ir::Trigger::Event(matcher) => {
                let matching = events
                    .in_window(matcher.event_type, Lower::Unbounded, clock.now)
                    .filter(|e| context.matches(matcher, e))
                    .count();
                (Verdict::Event { matching, fired }, None)
            }
        };
        explanations.push(RuleExplanation {
            rule: rule_id,
            verdict,
            condition,
        });
    }
    super::script::set_rule(None);
    explanations
}
