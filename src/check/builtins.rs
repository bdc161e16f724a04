//! Better words for a test of `points` or `stage` that the grammar could
//! only read as a test of a contact field of that name.
//!
//! `points <= 0.5` or `stage = "Lead"` do not fit the points or stage
//! conditions, so they parse as field tests; without a declared field of
//! that name the plain answer would be "field `points` is not declared",
//! which sends the author the wrong way. A declared field called `points`
//! or `stage` is still tested as the field.
//!
//! No help here says "declare a field `points`" (or `stage`, `today`): a
//! field of that name would make `check` pass and the rule quietly test a
//! data column nobody fills, which is worse than the error.

use crate::base::vocab::CmpOp;
use crate::diagnostics::{codes, Diagnostic, FileId, Suggestion};
use crate::syntax::ast::{Ident, LiteralKind, ValueTest, ValueTestKind};

/// The diagnostic for a test of the built-in `points` or `stage` written
/// as a field test, or `None` for any other name.
pub(super) fn misused(
    field: &Ident,
    test: &ValueTest,
    stages: &[String],
    file: FileId,
) -> Option<Diagnostic> {
    match field.name.as_str() {
        "points" => Some(points(field, test, file)),
        "stage" => Some(stage(field, test, stages, file)),
        "today" => Some(
            Diagnostic::new(
                codes::UNDEFINED_FIELD,
                file,
                field.span.to(*test.span),
                "`today` is not a field: it is tested with a day of the week",
            )
            .with_help(TODAY),
        ),
        _ => None,
    }
}

/// The error for a condition on an undeclared field, made to fit what the
/// test shows: a name that is an event property (`amount > 100`) says how
/// events are tested, since a contact field `amount` would make the rule
/// read an empty column instead of the purchases; otherwise the example
/// declaration has the type the test compares with (`budget > 100`:
/// `field budget: number`). A did-you-mean or a built-in word keeps its help.
pub(super) fn undeclared_field(
    mut diagnostic: Diagnostic,
    field: &Ident,
    test: &ValueTest,
    events: &crate::ir::IdVec<crate::ir::EventTypeId, crate::ir::EventTypeDef>,
) -> Diagnostic {
    if !diagnostic.suggestions.is_empty() || not_a_field(&field.name).is_some() {
        return diagnostic;
    }
    let of_literal = |literal: &crate::syntax::ast::Literal| match &literal.kind {
        LiteralKind::Number(_) => "number",
        LiteralKind::Bool(_) => "bool",
        LiteralKind::Date(_) => "date",
        LiteralKind::DateTime(_) => "datetime",
        LiteralKind::Text(_) => "text",
    };
    let ty = match &test.kind {
        ValueTestKind::Compare(_, literal) => of_literal(literal),
        ValueTestKind::Before(_)
        | ValueTestKind::After(_)
        | ValueTestKind::WithinLast(_)
        | ValueTestKind::MoreThanAgo(_)
        | ValueTestKind::LessThanAgo(_) => "datetime",
        ValueTestKind::IsToday => "date",
        _ => "text",
    };
    let event = events
        .iter()
        .find(|event| event.property(&field.name).is_some());
    diagnostic.help = Some(match event {
        Some(event) => format!(
            "`{name}` is a property of `{event}` events: test it on the events, e.g. `{matcher} where {name} …`; \
             a contact field of that name would be declared with `field {name}: {ty}`",
            name = field.name,
            event = event.name,
            matcher = matcher_of(&event.name),
        ),
        None => format!("declare it, e.g. `field {}: {ty}`", field.name),
    });
    diagnostic
}

/// How a behaviour clause over events of `event_type` begins.
fn matcher_of(event_type: &str) -> String {
    match event_type {
        "email.sent" => "received any email".into(),
        "email.opened" => "opened any email".into(),
        "email.clicked" => "clicked any email".into(),
        "page.visited" => "visited any page".into(),
        "form.submitted" => "submitted any form".into(),
        "asset.downloaded" => "downloaded any asset".into(),
        "purchase" => "purchased".into(),
        other => format!("event {other}"),
    }
}

/// How calendar tests are written (docs/language.md, "Calendar").
const TODAY: &str =
    "write `today is monday` (or another day), `today is weekday` or `today is weekend`, \
or `FIELD is today` for a birthday or anniversary; there is no test of today's date: \
to act on a date, wait for it in the steps (`wait until 2025-11-27`)";

/// The help for a field name that is a word of the language with a meaning
/// of its own, used wherever a field is not declared (`set stage to Lead`,
/// `tags contains "x"`): it says how that meaning is written, never to
/// declare the field.
pub(super) fn not_a_field(name: &str) -> Option<String> {
    let help = match name {
        "today" => TODAY,
        "now" => {
            "there is no `now`: test a date or time field against the evaluation instant \
with `within last 7 days`, `more than 30 days ago` or `less than 1 day ago`"
        }
        "stage" => {
            "`stage` is the funnel stage: test it with e.g. `stage is Lead` or \
`stage >= Lead`, and change it with `move to Lead` or `move back to Lead`"
        }
        "points" => {
            "`points` are the contact's score: test them with e.g. `points >= 10`, \
and change them with `add 10 points`, `remove 5 points` or `set points to 0`"
        }
        "tag" | "tags" => {
            "test a tag with `has tag \"hot\"`, and change tags with \
`add tag \"hot\"` or `remove tag \"hot\"`"
        }
        "segment" | "segments" => "test a segment with `in segment NAME`",
        "list" | "lists" => {
            "test a static list with `in list NAME`, and change it with \
`add to list NAME` or `remove from list NAME`"
        }
        "unsubscribed" => "test consent with `is unsubscribed` or `is do not contact`",
        "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday"
        | "weekday" | "weekend" => {
            "test the day with `today is monday`, `today is weekday` \
or `today is weekend`"
        }
        _ => return None,
    };
    Some(help.to_string())
}

fn points(field: &Ident, test: &ValueTest, file: FileId) -> Diagnostic {
    let span = field.span.to(*test.span);
    let (message, help) = match &test.kind {
        ValueTestKind::Compare(op, literal) => match &literal.kind {
            // Only `points is 5` / `points is not 5` get here with a whole
            // number: `points = 5` is a points condition.
            LiteralKind::Number(number) if number.parse::<i64>().is_ok() => (
                "points are compared with `=`, `!=`, `<`, `<=`, `>` or `>=`, not `is`".to_string(),
                format!("write `points {} {number}`", op.symbol()),
            ),
            LiteralKind::Number(number) => (
                format!("points are whole numbers, so they cannot be compared with `{number}`"),
                format!(
                    "compare with a whole number, e.g. `points {} {}`",
                    op.symbol(),
                    whole_part(number)
                ),
            ),
            _ => (
                "points are whole numbers, so they are compared with a whole number".to_string(),
                format!("e.g. `points {} 10`", op.symbol()),
            ),
        },
        ValueTestKind::IsSet | ValueTestKind::IsNotSet => (
            "points are always set: every contact has them, 0 at first".to_string(),
            "test their value instead, e.g. `points > 0`".to_string(),
        ),
        _ => (
            "points are whole numbers, tested only with `=`, `!=`, `<`, `<=`, `>` or `>=`"
                .to_string(),
            "e.g. `points >= 10`, or `points >= 10 and points <= 20` for a range".to_string(),
        ),
    };
    Diagnostic::new(codes::POINTS_NOT_WHOLE, file, span, message).with_help(help)
}

/// `-0.5` → `0`, `2.75` → `2`: the number's digits before the point.
fn whole_part(number: &str) -> &str {
    let whole = number.split(['.', 'e', 'E']).next().unwrap_or("0");
    match whole {
        "" | "-" | "+" | "-0" => "0",
        other => other,
    }
}

fn stage(field: &Ident, test: &ValueTest, stages: &[String], file: FileId) -> Diagnostic {
    let span = field.span.to(*test.span);
    // `stage = "Lead"`: the author quoted a stage name.
    let quoted = match &test.kind {
        ValueTestKind::Compare(_, literal) => match &literal.kind {
            LiteralKind::Text(text) => Some(text.as_str()),
            _ => None,
        },
        ValueTestKind::In(items) | ValueTestKind::NotIn(items) => {
            items.iter().find_map(|l| match &l.kind {
                LiteralKind::Text(text) => Some(text.as_str()),
                _ => None,
            })
        }
        _ => None,
    };
    let example = stages.first().map_or("Lead", String::as_str);
    // `stage = "New"` and `stage != "New"` have one exact rewrite, which
    // `check --fix` may apply; other operators keep theirs in the help.
    let rewrite = match (&test.kind, quoted) {
        (ValueTestKind::Compare(op, _), Some(name)) if stages.iter().any(|s| s == name) => {
            let op = match op {
                CmpOp::Eq => "is".to_string(),
                CmpOp::Ne => "is not".to_string(),
                other => other.symbol().to_string(),
            };
            Some(format!("stage {op} {name}"))
        }
        _ => None,
    };
    let help = match quoted {
        Some(name) if stages.iter().any(|s| s == name) => format!(
            "write the stage's name without quotes: `stage is {name}`, or `stage >= {name}` for {name} and the stages above it"
        ),
        Some(name) => format!(
            "`{name}` is not a stage; the stages are: {}",
            if stages.is_empty() {
                "(none declared)".to_string()
            } else {
                stages.join(", ")
            }
        ),
        None => format!(
            "write e.g. `stage is {example}`, `stage >= {example}`, `stage in [{example}]` or `stage is not set`"
        ),
    };
    let diagnostic = Diagnostic::new(
        codes::STAGE_NEEDS_NAME,
        file,
        span,
        "a stage is tested by its name, not with a value",
    )
    .with_help(help);
    match rewrite {
        Some(replacement) => diagnostic.with_suggestion(Suggestion {
            file,
            span,
            message: format!("write `{replacement}`"),
            replacement,
            // `stage = "New"` has no other meaning than `stage is New`.
            applicability: crate::diagnostics::Applicability::MachineApplicable,
        }),
        None => diagnostic,
    }
}

#[cfg(test)]
mod tests {
    use super::whole_part;

    #[test]
    fn whole_parts_of_decimals() {
        assert_eq!(whole_part("0.5"), "0");
        assert_eq!(whole_part("-0.5"), "0");
        assert_eq!(whole_part("2.75"), "2");
        assert_eq!(whole_part("-3.2"), "-3");
        assert_eq!(whole_part(".5"), "0");
    }
}
