//! Better words for a test of `points` or `stage` that the grammar could
//! only read as a test of a contact field of that name.
//!
//! `points <= 0.5` or `stage = "Lead"` do not fit the points or stage
//! conditions, so they parse as field tests; without a declared field of
//! that name the plain answer would be "field `points` is not declared",
//! which sends the author the wrong way. A declared field called `points`
//! or `stage` is still tested as the field.

use crate::diagnostics::{codes, Diagnostic, FileId};
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
        _ => None,
    }
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
    let help = format!(
        "{help}; a field of your own called `points` must be declared first (`field points: number`)"
    );
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
    let help = match quoted {
        Some(name) if stages.iter().any(|s| s == name) => {
            format!("write the stage's name without quotes, e.g. `stage is {name}`")
        }
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
    Diagnostic::new(
        codes::STAGE_NEEDS_NAME,
        file,
        span,
        "a stage is tested by its name, not with a value",
    )
    .with_help(format!(
        "{help}; a field of your own called `stage` must be declared first (`field stage: text`)"
    ))
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
