//! Names, literals, numbers, durations and times of day.

use super::pairs::{child, first_child, not_understood, span_of, Lowered, P};
use crate::syntax::ast::{
    CmpOp, Duration, DurationUnit, Ident, Int, Literal, LiteralKind, Span, Text, TimeOfDay,
};
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;

pub(crate) fn ident(pair: &P) -> Ident {
    Ident {
        name: pair.as_str().to_string(),
        span: span_of(pair).into(),
    }
}

/// The first `name` child of `pair`.
pub(crate) fn name_child(pair: &P) -> Lowered<Ident> {
    Ok(ident(&child(pair, Rule::name)?))
}

/// A `string` pair: the span covers the quotes, the value has escapes resolved.
pub(crate) fn text(pair: &P) -> Lowered<Text> {
    let span = span_of(pair);
    let raw = pair.as_str();
    let inner = raw
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or_else(|| not_understood(pair))?;
    Ok(Text {
        value: unescape(inner, span.start + 1)?,
        span: span.into(),
    })
}

/// The first `string` child of `pair`.
pub(crate) fn text_child(pair: &P) -> Lowered<Text> {
    text(&child(pair, Rule::string)?)
}

/// Resolves `\"`, `\\`, `\n` and `\t`; `offset` is where `inner` starts in
/// the source. Any other escape is an error rather than kept as written, so
/// that a string means one thing and the formatter can write it back.
fn unescape(inner: &str, offset: usize) -> Lowered<String> {
    if !inner.contains('\\') {
        return Ok(inner.to_string());
    }
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        let escaped = chars.next().map(|(_, e)| e);
        match escaped {
            Some('"') => value.push('"'),
            Some('\\') => value.push('\\'),
            Some('n') => value.push('\n'),
            Some('t') => value.push('\t'),
            _ => return Err(invalid_escape(escaped, offset + at)),
        }
    }
    Ok(value)
}

fn invalid_escape(escaped: Option<char>, at: usize) -> SyntaxError {
    let len = 1 + escaped.map_or(0, char::len_utf8);
    let written: String = std::iter::once('\\').chain(escaped).collect();
    SyntaxError::new(
        codes::INVALID_ESCAPE,
        format!("`{written}` is not an escape Nurture knows"),
        Span::new(at, at + len),
    )
    .with_help(
        "the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`; \
         write `\\\\` for a backslash, e.g. `matches \"\\\\d+\"`",
    )
}

/// An `int` pair. Integers that do not fit in 64 bits are errors.
pub(crate) fn int(pair: &P) -> Lowered<Int> {
    let span = span_of(pair);
    let value = pair
        .as_str()
        .parse::<i64>()
        .map_err(|_| number_too_large(pair.as_str(), span))?;
    Ok(Int {
        value,
        span: span.into(),
    })
}

/// The first `int` child of `pair`.
pub(crate) fn int_child(pair: &P) -> Lowered<Int> {
    int(&child(pair, Rule::int)?)
}

fn number_too_large(text: &str, span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::INVALID_NUMBER,
        format!("the number `{}` is too large", shorten(text)),
        span,
    )
    .with_help(format!(
        "whole numbers must lie between {} and {}",
        i64::MIN,
        i64::MAX
    ))
}

/// Keeps messages short when someone writes a number with thousands of digits.
fn shorten(text: &str) -> String {
    const KEEP: usize = 24;
    if text.len() <= KEEP {
        return text.to_string();
    }
    format!("{}…", text.get(..KEEP).unwrap_or(text))
}

/// A `literal` pair.
pub(crate) fn literal(pair: &P) -> Lowered<Literal> {
    let inner = first_child(pair)?;
    let kind = match inner.as_rule() {
        Rule::number => LiteralKind::Number(number_text(&inner)?),
        Rule::string => LiteralKind::Text(text(&inner)?.value),
        Rule::kw_true => LiteralKind::Bool(true),
        Rule::kw_false => LiteralKind::Bool(false),
        Rule::date | Rule::datetime => return calendar_literal(&inner),
        _ => return Err(not_understood(&inner)),
    };
    Ok(Literal {
        kind,
        span: span_of(pair).into(),
    })
}

/// A `date` or `datetime` pair as a literal; the checker validates it.
pub(crate) fn calendar_literal(pair: &P) -> Lowered<Literal> {
    let written = pair.as_str().to_string();
    let kind = match pair.as_rule() {
        Rule::date => LiteralKind::Date(written),
        Rule::datetime => LiteralKind::DateTime(written),
        _ => return Err(not_understood(pair)),
    };
    Ok(Literal {
        kind,
        span: span_of(pair).into(),
    })
}

/// The first `date` or `datetime` child of `pair`, if any.
pub(crate) fn calendar_child(pair: &P) -> Option<Lowered<Literal>> {
    pair.clone()
        .into_inner()
        .find(|c| matches!(c.as_rule(), Rule::date | Rule::datetime))
        .map(|c| calendar_literal(&c))
}

/// A number keeps its source text; it must still fit the type it will get.
fn number_text(pair: &P) -> Lowered<String> {
    let written = pair.as_str();
    let fits = if written.contains('.') {
        written.parse::<f64>().is_ok_and(f64::is_finite)
    } else {
        written.parse::<i64>().is_ok()
    };
    if fits {
        Ok(written.to_string())
    } else {
        Err(number_too_large(written, span_of(pair)))
    }
}

/// A `literal_list` pair.
pub(crate) fn literal_list(pair: &P) -> Lowered<Vec<Literal>> {
    pair.clone()
        .into_inner()
        .filter(|c| c.as_rule() == Rule::literal)
        .map(|c| literal(&c))
        .collect()
}

pub(crate) fn cmp_op(pair: &P) -> Lowered<CmpOp> {
    Ok(match pair.as_str() {
        "=" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return Err(not_understood(pair)),
    })
}

/// A `duration` pair: `7 days`.
pub(crate) fn duration(pair: &P) -> Lowered<Duration> {
    let span = span_of(pair);
    let amount = int_child(pair)?;
    let unit = duration_unit(&child(pair, Rule::duration_unit)?, span)?;
    Ok(Duration {
        amount,
        unit,
        span: span.into(),
    })
}

/// The first `duration` child of `pair`.
pub(crate) fn duration_child(pair: &P) -> Lowered<Duration> {
    duration(&child(pair, Rule::duration)?)
}

/// A bare unit, as in `per day`: one of that unit.
pub(crate) fn unit_as_duration(pair: &P) -> Lowered<Duration> {
    let span = span_of(pair);
    Ok(Duration {
        amount: Int {
            value: 1,
            span: span.into(),
        },
        unit: duration_unit(pair, span)?,
        span: span.into(),
    })
}

/// `error_span` covers the whole duration, so a months/years error shows
/// the amount the user should convert.
fn duration_unit(pair: &P, error_span: Span) -> Lowered<DurationUnit> {
    Ok(match pair.as_str() {
        "minute" | "minutes" => DurationUnit::Minutes,
        "hour" | "hours" => DurationUnit::Hours,
        "day" | "days" => DurationUnit::Days,
        "week" | "weeks" => DurationUnit::Weeks,
        "month" | "months" | "year" | "years" => {
            return Err(crate::syntax::duration::calendar_unit(error_span))
        }
        _ => return Err(not_understood(pair)),
    })
}

/// A `time_of_day` pair: `09:00`.
pub(crate) fn time_of_day(pair: &P) -> Lowered<TimeOfDay> {
    let span = span_of(pair);
    let (hour, minute) = pair
        .as_str()
        .split_once(':')
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
        .ok_or_else(|| not_understood(pair))?;
    if hour > 23 || minute > 59 {
        return Err(SyntaxError::new(
            codes::INVALID_TIME_OF_DAY,
            format!("`{}` is not a time of day", pair.as_str()),
            span,
        )
        .with_help("hours run from 00 to 23 and minutes from 00 to 59; midnight is `00:00`"));
    }
    Ok(TimeOfDay {
        hour,
        minute,
        span: span.into(),
    })
}

/// The first `time_of_day` child of `pair`.
pub(crate) fn time_of_day_child(pair: &P) -> Lowered<TimeOfDay> {
    time_of_day(&child(pair, Rule::time_of_day)?)
}
