//! Validation of literals: dates, instants, durations, numbers.

pub use crate::base::time::start_of_day;
use crate::base::value::Instant;
use crate::ir::TimePoint;
use crate::syntax::ast::{Duration, Literal, LiteralKind};
use chrono::NaiveDate;

/// The longest duration we accept anywhere: 100 years.
pub const MAX_DURATION_SECONDS: i64 = 100 * 366 * 86_400;

/// Why a literal is not valid.
pub type Invalid = String;

pub fn parse_date(text: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a calendar date"))
}

/// RFC 3339, seconds optional.
pub fn parse_datetime(text: &str) -> Result<Instant, Invalid> {
    let with_seconds = add_missing_seconds(text);
    chrono::DateTime::parse_from_rfc3339(&with_seconds)
        .map(|t| t.timestamp())
        .map_err(|_| format!("`{text}` is not a valid date and time"))
}

fn add_missing_seconds(text: &str) -> String {
    // `2024-01-01T10:00Z` has its time part at 11..16; seconds make it 11..19.
    match text.get(16..17) {
        Some(":") | None => text.to_string(),
        Some(_) => match (text.get(..16), text.get(16..)) {
            (Some(head), Some(tail)) => format!("{head}:00{tail}"),
            _ => text.to_string(),
        },
    }
}

pub fn time_point(literal: &Literal) -> Result<TimePoint, Invalid> {
    match &literal.kind {
        LiteralKind::Date(text) => parse_date(text).map(TimePoint::Date),
        LiteralKind::DateTime(text) => parse_datetime(text).map(TimePoint::Instant),
        _ => Err("expected a date such as `2024-03-31` or a date and time".to_string()),
    }
}

/// A positive duration in seconds.
pub fn positive_seconds(duration: &Duration) -> Result<i64, Invalid> {
    match duration.seconds() {
        Some(0) => Err("a duration of zero makes no sense here".to_string()),
        Some(s) if s <= MAX_DURATION_SECONDS => Ok(s),
        _ => Err("this duration is longer than 100 years".to_string()),
    }
}

pub fn parse_number(text: &str) -> Result<f64, Invalid> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("`{text}` is not a number Nurture can use"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetimes_may_omit_seconds() {
        assert_eq!(parse_datetime("1970-01-01T00:01Z").unwrap(), 60);
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00").unwrap(), 0);
        assert!(parse_datetime("2024-02-30T00:00:00Z").is_err());
    }

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-02-29").is_err());
    }

    #[test]
    fn midnight_in_a_dst_gap_moves_to_the_first_valid_instant() {
        // America/Santiago skipped 2022-09-11 00:00 → 01:00.
        let tz: chrono_tz::Tz = "America/Santiago".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        let t = start_of_day(date, tz);
        let local = tz.timestamp_opt(t, 0).unwrap();
        assert_eq!(local.format("%H:%M").to_string(), "01:00");
    }
}
