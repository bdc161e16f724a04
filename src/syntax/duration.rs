//! The one way a duration is written, in rules and on the command line.
//!
//! A duration is a whole number, a space and a unit: `30 minutes`,
//! `6 hours`, `7 days`, `1 week` (docs/language.md, "Literals"). The rules
//! read it with the grammar; `--tick` and anything else that takes a
//! duration as text read it with [`parse_duration_text`], so both accept
//! the same forms and refuse the others with the same words. The forms
//! people bring from other tools — `7d`, `6h`, `one week` — are refused
//! with the written-out form as the fix, here and in the rules' syntax
//! errors ([`miswritten`]).

use super::ast::{Duration, DurationUnit, Int, Span};
use super::error::{codes, Fix, SyntaxError};

/// The units, as the help lists them.
const UNITS: &str = "`minutes`, `hours`, `days` and `weeks`";
const UNIT_CHOICE: &str = "`minutes`, `hours`, `days` or `weeks`";

/// Reads `text` (surrounding blanks ignored) as a duration: `6 hours`,
/// `1 day`. Spans in the result and the error are byte offsets in `text`.
/// Whether the length is usable where it is used (not zero, not too long)
/// is the caller's question, as in the rules (E0401).
pub fn parse_duration_text(text: &str) -> Result<Duration, SyntaxError> {
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let span = Span::new(start, start + trimmed.len());
    if let Some(error) = misspelt(trimmed, span) {
        return Err(error);
    }
    let not_a_duration = || {
        SyntaxError::new(
            codes::UNEXPECTED,
            format!("`{trimmed}` is not a duration"),
            span,
        )
        .with_help(format!(
            "write a number, a space and a unit, e.g. `1 day` or `6 hours`; the units are {UNITS}"
        ))
    };
    let mut words = trimmed.split_whitespace();
    let (Some(amount), unit, None) = (words.next(), words.next(), words.next()) else {
        return Err(not_a_duration());
    };
    if !amount.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_a_duration());
    }
    let Some(unit) = unit else {
        return Err(
            SyntaxError::new(codes::UNEXPECTED, format!("`{amount}` needs a unit"), span)
                .with_help(format!(
                    "write a duration such as `{amount} days`; the units are {UNITS}"
                )),
        );
    };
    let value: i64 = amount.parse().map_err(|_| {
        SyntaxError::new(
            codes::INVALID_NUMBER,
            format!("`{amount}` is too large for a whole number"),
            span,
        )
    })?;
    if !FULL_UNITS.contains(&unit) {
        return Err(not_a_duration());
    }
    let unit = match unit_word(unit) {
        Some(Unit::Fixed(unit)) => unit,
        Some(Unit::Calendar) => return Err(calendar_unit(span)),
        None => return Err(not_a_duration()),
    };
    Ok(Duration {
        amount: Int {
            value,
            span: Span::new(start, start + amount.len()).into(),
        },
        unit,
        span: span.into(),
    })
}

/// The error for a duration in months or years (E0105), over `span`.
pub(crate) fn calendar_unit(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::CALENDAR_UNIT,
        "months and years have no fixed length",
        span,
    )
    .with_help("write the length in days, e.g. `30 days` or `365 days`")
}

/// The error for a duration written as other tools write it, `7d`, `6h`
/// or `one week`, with the written-out form as the fix; `None` for any
/// other text. `text` starts where the duration does, `offset` is where
/// that is in the file: for the parser's messages, which see the words
/// at the place the grammar gave up.
pub(crate) fn miswritten(text: &str, offset: usize) -> Option<SyntaxError> {
    let word = |w: &str| -> String {
        w.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut words = text.split_whitespace();
    let first = word(words.next()?);
    let second = words.next().map(word).unwrap_or_default();
    // `7d` alone, or `one week` and `7 d` with the unit word after it.
    let candidate = if compact(&first).is_some() {
        first
    } else {
        format!("{first} {second}")
    };
    let start = offset + (text.len() - text.trim_start().len());
    misspelt(&candidate, Span::new(start, start + candidate.len()))
}

/// `7d`, `7days`, `6h`, `one week`, `a day`: a duration in a form Nurture
/// does not take, as an error whose fix is the written-out form.
fn misspelt(text: &str, span: Span) -> Option<SyntaxError> {
    let (amount, unit) = compact(text)
        .or_else(|| in_words(text))
        .or_else(|| abbreviated(text))?;
    let replacement = match unit_word(unit)? {
        Unit::Fixed(unit) => format!("{amount} {}", unit_name(unit, amount)),
        Unit::Calendar => return Some(calendar_unit(span)),
    };
    Some(
        SyntaxError::new(
            codes::UNEXPECTED,
            format!("`{text}` is not a duration in Nurture"),
            span,
        )
        .with_fix(
            Fix::spelling(span, replacement.clone()),
            format!(
                "write `{replacement}`: the number in digits, a space and the unit ({UNIT_CHOICE})"
            ),
        ),
    )
}

/// `7d`, `6hours`: digits and a unit with no space between.
fn compact(text: &str) -> Option<(u64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (amount, unit) = (text.get(..digits)?, text.get(digits..)?);
    if amount.is_empty() || unit.is_empty() || !unit.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some((amount.parse().ok()?, unit))
}

/// `7 d`, `6 hrs`: digits, a space and a unit the grammar does not spell
/// that way.
fn abbreviated(text: &str) -> Option<(u64, &str)> {
    let (amount, unit) = text.split_once(' ')?;
    let unit = unit.trim();
    if FULL_UNITS.contains(&unit.to_ascii_lowercase().as_str()) {
        return None;
    }
    Some((amount.parse().ok()?, unit))
}

/// The unit words of the grammar (`duration_unit`), months and years
/// included so that they get E0105.
const FULL_UNITS: &[&str] = &[
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "year", "years",
];

/// `one week`, `a day`, `two hours`: the number in words.
fn in_words(text: &str) -> Option<(u64, &str)> {
    const NUMBERS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    let (number, unit) = text.split_once(' ')?;
    let number = number.to_ascii_lowercase();
    let amount = match number.as_str() {
        "a" | "an" => 1,
        _ => NUMBERS.iter().position(|n| *n == number)?,
    };
    Some((u64::try_from(amount).ok()?, unit.trim()))
}

enum Unit {
    Fixed(DurationUnit),
    /// Months and years, which have no fixed length.
    Calendar,
}

/// A unit as people write it, abbreviations included.
fn unit_word(word: &str) -> Option<Unit> {
    Some(match word.to_ascii_lowercase().as_str() {
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Fixed(DurationUnit::Minutes),
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Fixed(DurationUnit::Hours),
        "d" | "day" | "days" => Unit::Fixed(DurationUnit::Days),
        "w" | "wk" | "wks" | "week" | "weeks" => Unit::Fixed(DurationUnit::Weeks),
        "mo" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years" => Unit::Calendar,
        _ => return None,
    })
}

/// `1 day`, `2 days`: the unit's word for `amount`.
fn unit_name(unit: DurationUnit, amount: u64) -> &'static str {
    let (one, many) = match unit {
        DurationUnit::Minutes => ("minute", "minutes"),
        DurationUnit::Hours => ("hour", "hours"),
        DurationUnit::Days => ("day", "days"),
        DurationUnit::Weeks => ("week", "weeks"),
    };
    if amount == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> i64 {
        parse_duration_text(text).unwrap().seconds().unwrap()
    }

    fn fix(text: &str) -> String {
        parse_duration_text(text)
            .unwrap_err()
            .fix
            .unwrap()
            .replacement
    }

    #[test]
    fn the_written_form_is_read() {
        assert_eq!(seconds("1 day"), 86_400);
        assert_eq!(seconds(" 6 hours "), 21_600);
        assert_eq!(seconds("2 weeks"), 14 * 86_400);
        assert_eq!(seconds("30 minutes"), 1_800);
        assert_eq!(seconds("1 minute"), 60);
    }

    #[test]
    fn other_tools_forms_get_the_written_form() {
        assert_eq!(fix("6h"), "6 hours");
        assert_eq!(fix("7d"), "7 days");
        assert_eq!(fix("1d"), "1 day");
        assert_eq!(fix("1m"), "1 minute");
        assert_eq!(fix("2w"), "2 weeks");
        assert_eq!(fix("7days"), "7 days");
        assert_eq!(fix("one week"), "1 week");
        assert_eq!(fix("a day"), "1 day");
        assert_eq!(fix("two hours"), "2 hours");
        assert_eq!(fix("7 d"), "7 days");
        assert_eq!(fix("6 hrs"), "6 hours");
    }

    #[test]
    fn the_rest_is_refused() {
        for text in [
            "soon",
            "",
            "7",
            "7 fortnights",
            "-1 day",
            "1.5 days",
            "1 day 2 hours",
            "7 Days",
        ] {
            assert!(parse_duration_text(text).is_err(), "{text}");
        }
        let months = parse_duration_text("3 months").unwrap_err();
        assert_eq!(months.code, codes::CALENDAR_UNIT);
        assert_eq!(
            parse_duration_text("3mo").unwrap_err().code,
            codes::CALENDAR_UNIT
        );
        let huge = parse_duration_text("99999999999999999999 days").unwrap_err();
        assert_eq!(huge.code, codes::INVALID_NUMBER);
    }

    #[test]
    fn spans_are_offsets_in_the_text() {
        let error = parse_duration_text("  6h").unwrap_err();
        assert_eq!(error.span, Span::new(2, 4));
        let error = miswritten("one week, send email x", 10).unwrap();
        assert_eq!(error.span, Span::new(10, 18));
        assert!(miswritten("pricing", 0).is_none());
        assert!(miswritten("7 days", 0).is_none());
    }
}
