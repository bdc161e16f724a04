//! Reports of a dry run: for people, for machines, and per contact.

pub mod human;
pub mod json;
pub mod outbox;
pub mod script_failures;
pub mod timeline;

use crate::base::value::Instant;
use chrono::TimeZone;

/// Rows read, used and rejected for one input; read = used + rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RowCounts {
    pub read: u64,
    pub used: u64,
    pub rejected: u64,
}

/// The data reconciliation every report ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataCounts {
    pub contacts: RowCounts,
    pub events: RowCounts,
}

/// The name of stage `id`; `?` for an id the program does not have (ids
/// come from the program, so that is a bug, not a reason to panic).
pub fn stage_name(program: &crate::ir::Program, id: usize) -> &str {
    program
        .stages
        .get(crate::ir::StageId::new(id))
        .map_or("?", String::as_str)
}

/// The name of rule `id`; `?` for an id the program does not have.
pub fn rule_name(program: &crate::ir::Program, id: usize) -> &str {
    program
        .rules
        .get(crate::ir::RuleId::new(id))
        .map_or("?", |r| r.name.as_str())
}

/// An instant as RFC 3339 in UTC, the form machine output uses.
pub fn rfc3339(instant: Instant) -> String {
    match chrono::DateTime::from_timestamp(instant, 0) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => instant.to_string(),
    }
}

/// An instant in the campaign time zone, the form people read.
pub fn local(instant: Instant, tz: chrono_tz::Tz) -> String {
    match tz.timestamp_opt(instant, 0).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M %Z").to_string(),
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

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
