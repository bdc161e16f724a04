//! Instants as text, beside the instants themselves: every layer that
//! prints a time (eval's explanations and script failures, sim's limits,
//! the reports) formats it the same way.

use crate::base::value::Instant;
use chrono::TimeZone;

/// An instant as RFC 3339 in UTC, the form machine output uses.
pub fn rfc3339(instant: Instant) -> String {
    match chrono::DateTime::from_timestamp(instant, 0) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => instant.to_string(),
    }
}

/// An instant in the campaign time zone with its UTC offset, the form
/// people read: `2025-03-01 00:00 +01:00`. The offset makes the line
/// unambiguous on its own (across DST changes, and beside RFC 3339 UTC in
/// machine output) without a zone abbreviation that many zones lack.
pub fn local(instant: Instant, tz: chrono_tz::Tz) -> String {
    match tz.timestamp_opt(instant, 0).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M %:z").to_string(),
        None => rfc3339(instant),
    }
}

/// A local date, for period headings.
pub fn local_date(instant: Instant, tz: chrono_tz::Tz) -> String {
    match tz.timestamp_opt(instant, 0).single() {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => rfc3339(instant),
    }
}

/// Midnight of a date in a time zone; on a day whose midnight does not
/// exist (a DST gap) the first instant of the day.
pub fn start_of_day(date: chrono::NaiveDate, tz: chrono_tz::Tz) -> crate::base::value::Instant {
    let mut naive: chrono::NaiveDateTime = date.and_time(chrono::NaiveTime::MIN);
    for _ in 0..48 {
        if let Some(t) = chrono::TimeZone::from_local_datetime(&tz, &naive).earliest() {
            return t.timestamp();
        }
        naive += chrono::Duration::minutes(30);
    }
    date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}
