//! Converting cells (CSV text or JSON values) to typed [`Value`]s, and parsing
//! timestamps.

use crate::base::value::{Instant, Text, Value};
use crate::base::vocab::FieldType;
use chrono::{LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Why a cell did not convert. The caller words the message, since it knows
/// whether the cell is a field, a property or a special column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mismatch;

/// What converting a stream of cells remembers between cells: one decoder
/// per block of rows, so nothing is shared between threads.
#[derive(Clone, Debug)]
pub(crate) struct Decoder {
    pub times: TimeParser,
    pub texts: TextCache,
}

impl Decoder {
    pub(crate) fn new(tz: Tz) -> Self {
        Decoder {
            times: TimeParser::new(tz),
            texts: TextCache::default(),
        }
    }
}

/// Gives every repeat of a short text one shared allocation. Event
/// properties repeat a handful of values (e-mail names, page URLs) across
/// millions of rows; one allocation per cell was most of the loader's time
/// in the allocator and a third of its memory. Bounded, so a column of
/// unique ids costs a lookup and no more memory than before.
#[derive(Clone, Debug, Default)]
pub(crate) struct TextCache {
    known: std::collections::HashSet<Text, ahash::RandomState>,
}

impl TextCache {
    const MAX_ENTRIES: usize = 4096;
    const MAX_LEN: usize = 128;

    pub(crate) fn share(&mut self, text: &str) -> Text {
        if text.len() > Self::MAX_LEN {
            return text.into();
        }
        if let Some(known) = self.known.get(text) {
            return known.clone();
        }
        let shared: Text = text.into();
        if self.known.len() < Self::MAX_ENTRIES {
            self.known.insert(shared.clone());
        }
        shared
    }
}

/// Parses timestamps, interpreting wall-clock times without an offset in the
/// campaign time zone. Keeps a one-entry cache for bare dates, which repeat a
/// lot in real data.
#[derive(Clone, Debug)]
pub(crate) struct TimeParser {
    tz: Tz,
    last_local: Option<(NaiveDateTime, Instant)>,
    /// The last `YYYY-MM-DD` seen and its day number.
    last_date: Option<([u8; 10], i64)>,
}

impl TimeParser {
    pub(crate) fn new(tz: Tz) -> Self {
        TimeParser {
            tz,
            last_local: None,
            last_date: None,
        }
    }

    /// Parses an RFC 3339 timestamp (`2025-03-01T09:30:00Z`,
    /// `2025-03-01T10:30:00+01:00`, fractional seconds are truncated), a
    /// wall-clock time without offset (`2025-03-01T09:30:00` or
    /// `2025-03-01 09:30[:00]`), or a bare date (`2025-03-01`, 00:00). Times
    /// without an offset are in the campaign time zone; in a DST gap the
    /// earliest valid instant after it is used, in an overlap the earlier one.
    pub(crate) fn parse(&mut self, text: &str) -> Option<Instant> {
        let b = text.trim_ascii().as_bytes();
        // Fast path: `YYYY-MM-DDTHH:MM:SSZ`, the shape exports use. The
        // day number of the last date is kept, since rows often share it.
        // A fixed-size array: the constant indices below are checked when
        // compiling, and the code is the same as indexing the slice.
        let fast = <&[u8; 20]>::try_from(b).ok().filter(|f| {
            matches!(f[10], b'T' | b't')
                && matches!(f[19], b'Z' | b'z')
                && f[13] == b':'
                && f[16] == b':'
        });
        if let Some(f) = fast {
            let (date, _) = f.split_first_chunk::<10>()?;
            let days = match self.last_date {
                Some((last, days)) if *date == last => days,
                _ => {
                    let (y, mo, d) = parse_ymd(b)?;
                    let days = days_from_civil(i64::from(y), mo, d);
                    self.last_date = Some((*date, days));
                    days
                }
            };
            let hh = two_digits(b, 11)?;
            let mm = two_digits(b, 14)?;
            let ss = two_digits(b, 17)?;
            if hh > 23 || mm > 59 || ss > 60 {
                return None;
            }
            // A leap second counts as the second before it, as chrono does.
            return Some(days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss.min(59)));
        }
        self.parse_general(b)
    }

    /// Every other shape of [`TimeParser::parse`].
    fn parse_general(&mut self, b: &[u8]) -> Option<Instant> {
        let (y, mo, d) = parse_ymd(b)?;
        if b.len() == 10 {
            let date = NaiveDate::from_ymd_opt(y, mo, d)?;
            return self.local(date.and_hms_opt(0, 0, 0)?);
        }
        let (date, rest) = b.split_first_chunk::<10>()?;
        let (separator, rest) = rest.split_first()?;
        if !matches!(separator, b'T' | b't' | b' ') {
            return None;
        }
        let hh = two_digits(rest, 0)?;
        if rest.get(2) != Some(&b':') {
            return None;
        }
        let mm = two_digits(rest, 3)?;
        let mut i = 5;
        let mut ss = 0;
        if rest.get(i) == Some(&b':') {
            ss = two_digits(rest, i + 1)?;
            i += 3;
            if rest.get(i) == Some(&b'.') || rest.get(i) == Some(&b',') {
                i += 1;
                let start = i;
                while rest.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
            }
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        // A leap second counts as the second before it, as chrono does.
        let ss = ss.min(59);
        let zone = rest.get(i..)?;
        let offset: Option<i64> = match zone {
            [] => None,
            [b'Z' | b'z'] => Some(0),
            [sign @ (b'+' | b'-'), tail @ ..] => {
                let (oh, om) = match tail {
                    [_, _] => (two_digits(tail, 0)?, 0),
                    [_, _, b':', _, _] => (two_digits(tail, 0)?, two_digits(tail, 3)?),
                    [_, _, _, _] => (two_digits(tail, 0)?, two_digits(tail, 2)?),
                    _ => return None,
                };
                if oh > 23 || om > 59 {
                    return None;
                }
                let secs = i64::from(oh * 3600 + om * 60);
                Some(if *sign == b'-' { -secs } else { secs })
            }
            _ => return None,
        };
        match offset {
            Some(off) => {
                let days = days_from_civil(i64::from(y), mo, d);
                self.last_date = Some((*date, days));
                Some(days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss) - off)
            }
            None => {
                let date = NaiveDate::from_ymd_opt(y, mo, d)?;
                self.local(date.and_hms_opt(hh, mm, ss)?)
            }
        }
    }

    /// The instant of a wall-clock time in the campaign time zone.
    pub(crate) fn local(&mut self, naive: NaiveDateTime) -> Option<Instant> {
        if let Some((n, t)) = self.last_local {
            if n == naive {
                return Some(t);
            }
        }
        let t = local_instant(self.tz, naive)?;
        self.last_local = Some((naive, t));
        Some(t)
    }
}

/// Wall-clock time in `tz` to an instant: the earlier of two in an overlap,
/// and in a gap the first instant after it (the transition itself).
pub(crate) fn local_instant(tz: Tz, naive: NaiveDateTime) -> Option<Instant> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.timestamp()),
        LocalResult::Ambiguous(a, b) => Some(a.timestamp().min(b.timestamp())),
        LocalResult::None => {
            // Walk forward minute by minute to the first wall-clock time that
            // exists; gaps are whole minutes and at most a day (Samoa 2011).
            let mut probe = naive;
            for _ in 0..(26 * 60) {
                probe = probe.checked_add_signed(chrono::TimeDelta::minutes(1))?;
                match tz.from_local_datetime(&probe) {
                    LocalResult::Single(t) => return Some(t.timestamp()),
                    LocalResult::Ambiguous(a, b) => return Some(a.timestamp().min(b.timestamp())),
                    LocalResult::None => {}
                }
            }
            None
        }
    }
}

fn two_digits(b: &[u8], at: usize) -> Option<u32> {
    let hi = *b.get(at)?;
    let lo = *b.get(at + 1)?;
    if hi.is_ascii_digit() && lo.is_ascii_digit() {
        Some(u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
    } else {
        None
    }
}

/// `YYYY-MM-DD` at the start of `b` (month and day range-checked later).
fn parse_ymd(b: &[u8]) -> Option<(i32, u32, u32)> {
    let (date, _) = b.split_first_chunk::<10>()?;
    if date[4] != b'-' || date[7] != b'-' {
        return None;
    }
    let y = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
    let m = two_digits(b, 5)?;
    let d = two_digits(b, 8)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((i32::try_from(y).ok()?, m, d))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) {
                29
            } else {
                28
            }
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A bare `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.trim().as_bytes();
    if b.len() != 10 {
        return None;
    }
    let (y, m, d) = parse_ymd(b)?;
    NaiveDate::from_ymd_opt(y, m, d)
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    // Rust accepts "inf" and "NaN"; data means neither.
    let n: f64 = t.parse().ok()?;
    n.is_finite().then_some(n)
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let t = text.trim();
    for (word, value) in [
        ("true", true),
        ("false", false),
        ("yes", true),
        ("no", false),
        ("1", true),
        ("0", false),
    ] {
        if t.eq_ignore_ascii_case(word) {
            return Some(value);
        }
    }
    None
}

/// A whole number of points; `12.0` is accepted, `12.5` is not.
pub(crate) fn parse_points(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let f = parse_number(t)?;
    // Exactly representable whole numbers only, within i64 range.
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Some(f as i64);
    }
    None
}

/// Splits a list cell: items are trimmed, empty items dropped.
pub(crate) fn split_list(text: &str, separator: &str) -> Vec<String> {
    if separator.is_empty() {
        let t = text.trim();
        return if t.is_empty() {
            Vec::new()
        } else {
            vec![t.to_string()]
        };
    }
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// True when a cell counts as "not set": empty or only whitespace.
pub(crate) fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// Converts a non-blank text cell to a value of type `ty`.
pub(crate) fn convert_text(
    ty: FieldType,
    text: &str,
    list_separator: &str,
    decoder: &mut Decoder,
) -> Result<Value, Mismatch> {
    match ty {
        FieldType::Text => Ok(Value::Text(decoder.texts.share(text))),
        FieldType::Number => parse_number(text).map(Value::Number).ok_or(Mismatch),
        FieldType::Bool => parse_bool(text).map(Value::Bool).ok_or(Mismatch),
        FieldType::Date => parse_date(text).map(Value::Date).ok_or(Mismatch),
        FieldType::DateTime => decoder
            .times
            .parse(text)
            .map(Value::DateTime)
            .ok_or(Mismatch),
        FieldType::TextList => Ok(Value::TextList(split_list(text, list_separator))),
    }
}

/// Converts a JSON value to a value of type `ty`; `Ok(None)` for `null` and
/// blank strings. Strings are converted like CSV cells, so `"42"` is a fine
/// number; numbers and booleans are accepted as text.
pub(crate) fn convert_json(
    ty: FieldType,
    json: &serde_json::Value,
    list_separator: &str,
    decoder: &mut Decoder,
) -> Result<Option<Value>, Mismatch> {
    use serde_json::Value as J;
    match json {
        J::Null => Ok(None),
        J::String(s) => {
            if is_blank(s) {
                Ok(None)
            } else {
                convert_text(ty, s, list_separator, decoder).map(Some)
            }
        }
        J::Number(n) => match ty {
            FieldType::Number => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(|f| Some(Value::Number(f)))
                .ok_or(Mismatch),
            FieldType::Text => Ok(Some(Value::Text(n.to_string().into()))),
            FieldType::TextList => Ok(Some(Value::TextList(vec![n.to_string()]))),
            FieldType::Bool => match n.as_f64() {
                Some(1.0) => Ok(Some(Value::Bool(true))),
                Some(0.0) => Ok(Some(Value::Bool(false))),
                _ => Err(Mismatch),
            },
            FieldType::Date | FieldType::DateTime => Err(Mismatch),
        },
        J::Bool(b) => match ty {
            FieldType::Bool => Ok(Some(Value::Bool(*b))),
            FieldType::Text => Ok(Some(Value::Text(b.to_string().into()))),
            _ => Err(Mismatch),
        },
        J::Array(items) => match ty {
            FieldType::TextList => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        J::String(s) => {
                            let s = s.trim();
                            if !s.is_empty() {
                                out.push(s.to_string());
                            }
                        }
                        J::Number(n) => out.push(n.to_string()),
                        J::Bool(b) => out.push(b.to_string()),
                        J::Null => {}
                        _ => return Err(Mismatch),
                    }
                }
                Ok(Some(Value::TextList(out)))
            }
            _ => Err(Mismatch),
        },
        J::Object(_) => Err(Mismatch),
    }
}

/// How a type is named in messages: "declared as a number".
pub(crate) fn type_phrase(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Text => "text",
        FieldType::Number => "a number",
        FieldType::Bool => "a bool (true/false, yes/no, 1/0)",
        FieldType::Date => "a date (YYYY-MM-DD)",
        FieldType::DateTime => "a datetime (RFC 3339 such as 2025-03-01T09:30:00Z, or a bare date)",
        FieldType::TextList => "a list of text",
    }
}

/// A value as quoted in a message: escaped, and cut after 60 characters.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", text.get(..cut).unwrap_or(text)),
        None => format!("{text:?}"),
    }
}

/// A JSON value as quoted in a message.
pub(crate) fn quote_json(json: &serde_json::Value) -> String {
    match json {
        serde_json::Value::String(s) => quote(s),
        other => {
            let s = other.to_string();
            match s.char_indices().nth(60) {
                Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or(&s)),
                None => s,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Option<Instant> {
        TimeParser::new(chrono_tz::UTC).parse(s)
    }

    #[test]
    fn rfc3339_forms() {
        assert_eq!(utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(utc("2025-01-01T00:00:00Z"), Some(1_735_689_600));
        assert_eq!(utc("2025-01-01T01:00:00+01:00"), Some(1_735_689_600));
        assert_eq!(utc("2024-12-31T23:00:00-0100"), Some(1_735_689_600));
        assert_eq!(utc("2025-01-01t00:00:00.999z"), Some(1_735_689_600));
        assert_eq!(utc("2025-01-01 00:00"), Some(1_735_689_600));
        assert_eq!(utc(" 2025-01-01 "), Some(1_735_689_600));
        assert_eq!(utc("2016-12-31T23:59:60Z"), utc("2016-12-31T23:59:59Z"));
        assert_eq!(utc("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn agrees_with_chrono() {
        for s in [
            "2000-02-29T12:34:56Z",
            "1999-12-31T23:59:59+05:30",
            "2100-03-01T00:00:00-08:00",
            "1900-01-01T00:00:00Z",
        ] {
            let expected = chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
            assert_eq!(utc(s), Some(expected), "{s}");
        }
    }

    #[test]
    fn repeated_dates_use_the_cache_correctly() {
        let mut p = TimeParser::new(chrono_tz::UTC);
        for s in [
            "2025-03-01T10:00:00Z",
            "2025-03-01T23:59:59Z",
            "2025-03-01T00:00:00+02:00",
            "2025-03-01T05:06:07z",
            "2025-03-02T05:06:07Z",
        ] {
            let expected = chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
            assert_eq!(p.parse(s), Some(expected), "{s}");
        }
        assert_eq!(p.parse("2025-03-02T24:00:00Z"), None);
        assert_eq!(p.parse("2025-03-02T1x:00:00Z"), None);
        assert_eq!(p.parse("2025-03-02T10-00-00Z"), None);
    }

    #[test]
    fn bad_timestamps() {
        for s in [
            "",
            "2025-13-01",
            "2025-02-29",
            "2025-02-30T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01T10:60Z",
            "2025-01-01X10:00:00Z",
            "2025-01-01T10:00:00+25:00",
            "2025-01-01T10:00:00.Z",
            "2025-01-01T10:00:00 Z",
            "yesterday",
            "2025-1-1",
            "٢٠٢٥-٠١-٠١",
        ] {
            assert_eq!(utc(s), None, "{s:?}");
        }
    }

    #[test]
    fn bare_date_is_midnight_in_campaign_zone() {
        let mut p = TimeParser::new(chrono_tz::Europe::Warsaw);
        // Winter: UTC+1.
        assert_eq!(p.parse("2025-01-01"), Some(1_735_689_600 - 3600));
        // Summer: UTC+2.
        assert_eq!(p.parse("2025-07-01T00:00:00"), utc("2025-06-30T22:00:00Z"));
    }

    #[test]
    fn dst_gap_at_midnight_uses_first_valid_instant() {
        // Chile (America/Santiago) springs forward at 24:00 -> 01:00:
        // 2024-09-08 00:00 does not exist; 01:00 -03 is the first instant.
        let mut p = TimeParser::new(chrono_tz::America::Santiago);
        assert_eq!(p.parse("2024-09-08"), utc("2024-09-08T04:00:00Z"));
        // Samoa skipped 2011-12-30 entirely.
        let mut p = TimeParser::new(chrono_tz::Pacific::Apia);
        let t = p.parse("2011-12-30").unwrap();
        assert_eq!(t, p.parse("2011-12-31").unwrap());
    }

    #[test]
    fn dst_overlap_uses_earlier_instant() {
        // Europe/Warsaw falls back at 03:00 -> 02:00 on 2025-10-26.
        let mut p = TimeParser::new(chrono_tz::Europe::Warsaw);
        assert_eq!(p.parse("2025-10-26T02:30:00"), utc("2025-10-26T00:30:00Z"));
    }

    #[test]
    fn scalar_conversions() {
        let mut t = Decoder::new(chrono_tz::UTC);
        let c = |ty, s: &str, t: &mut Decoder| convert_text(ty, s, ";", t);
        assert_eq!(
            c(FieldType::Number, " 12.5 ", &mut t),
            Ok(Value::Number(12.5))
        );
        assert_eq!(c(FieldType::Number, "NaN", &mut t), Err(Mismatch));
        assert_eq!(c(FieldType::Number, "inf", &mut t), Err(Mismatch));
        assert_eq!(c(FieldType::Number, "abc", &mut t), Err(Mismatch));
        for (s, b) in [
            ("TRUE", true),
            ("no", false),
            ("Yes", true),
            ("0", false),
            ("1", true),
        ] {
            assert_eq!(c(FieldType::Bool, s, &mut t), Ok(Value::Bool(b)));
        }
        assert_eq!(c(FieldType::Bool, "maybe", &mut t), Err(Mismatch));
        assert_eq!(
            c(FieldType::Date, "2025-02-28", &mut t),
            Ok(Value::Date(NaiveDate::from_ymd_opt(2025, 2, 28).unwrap()))
        );
        assert_eq!(
            c(FieldType::Date, "2025-02-28T00:00:00Z", &mut t),
            Err(Mismatch)
        );
        assert_eq!(
            c(FieldType::TextList, " a ; b;;c ", &mut t),
            Ok(Value::TextList(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            c(FieldType::Text, " keep ", &mut t),
            Ok(Value::Text(" keep ".into()))
        );
        assert_eq!(
            c(FieldType::DateTime, "2025-01-01", &mut t),
            Ok(Value::DateTime(1_735_689_600))
        );
    }

    #[test]
    fn json_conversions() {
        use serde_json::json;
        let mut t = Decoder::new(chrono_tz::UTC);
        let c = |ty, v: serde_json::Value, t: &mut Decoder| convert_json(ty, &v, ";", t);
        assert_eq!(
            c(FieldType::Number, json!(3), &mut t),
            Ok(Some(Value::Number(3.0)))
        );
        assert_eq!(
            c(FieldType::Number, json!("3"), &mut t),
            Ok(Some(Value::Number(3.0)))
        );
        assert_eq!(c(FieldType::Number, json!(null), &mut t), Ok(None));
        assert_eq!(c(FieldType::Number, json!(""), &mut t), Ok(None));
        assert_eq!(c(FieldType::Number, json!(true), &mut t), Err(Mismatch));
        assert_eq!(
            c(FieldType::Text, json!(17850), &mut t),
            Ok(Some(Value::Text("17850".into())))
        );
        assert_eq!(
            c(FieldType::Bool, json!(1), &mut t),
            Ok(Some(Value::Bool(true)))
        );
        assert_eq!(
            c(FieldType::TextList, json!(["a", " b ", "", null]), &mut t),
            Ok(Some(Value::TextList(vec!["a".into(), "b".into()])))
        );
        assert_eq!(c(FieldType::TextList, json!([{}]), &mut t), Err(Mismatch));
        assert_eq!(c(FieldType::Text, json!({"a": 1}), &mut t), Err(Mismatch));
    }

    #[test]
    fn points() {
        assert_eq!(parse_points("12"), Some(12));
        assert_eq!(parse_points("-3"), Some(-3));
        assert_eq!(parse_points("12.0"), Some(12));
        assert_eq!(parse_points("12.5"), None);
        assert_eq!(parse_points("1e300"), None);
        assert_eq!(parse_points("x"), None);
    }

    #[test]
    fn quoting_cuts_long_values() {
        assert_eq!(quote("abc"), "\"abc\"");
        let long = "é".repeat(100);
        assert!(quote(&long).ends_with('…'));
    }
}
