//! Value maps and date formats of a mapping (`values`, `formats`): how an
//! export's own words and dates become the values Nurture reads.
//!
//! A value map turns an export's text into a value the column accepts
//! (`marketingqualifiedlead` → `MQL`, `Marketing contact` → `true`); a date
//! format reads a date the default parser does not (`03/05/2024 10:20` with
//! `%m/%d/%Y %H:%M`). Both are keyed by source column and attached to the
//! roles the column feeds. Values a map does not list, and dates no format
//! reads, fall through to the normal reading, so a map lists only what
//! differs; a value that is neither mapped nor valid is a bad row with its
//! usual code, and its message names the map. `docs/data.md` is the
//! user-facing description.

use super::convert::{self, Decoder};
use super::row::Cell;
use crate::base::value::{Instant, Value};
use crate::base::vocab::FieldType;
use chrono::format::{Fixed, Item, Numeric, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use std::collections::{BTreeMap, HashMap};

/// What a column's values become; what a value map's targets are checked
/// against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Any text (ids, text fields and properties).
    Text,
    /// A declared stage.
    Stage,
    /// A whole number of points.
    Points,
    /// A built-in or declared event type.
    EventType,
    /// A value of a declared type (a list maps item by item).
    Typed(FieldType),
}

/// How a date format's result is placed in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FormatKind {
    /// The format reads an offset (`%z`, `%:z`): the instant is exact.
    Offset,
    /// The format reads Unix seconds (`%s`): UTC.
    Timestamp,
    /// A date and a time without offset: wall-clock time in the campaign
    /// time zone.
    Local,
    /// A date only: 00:00 in the campaign time zone.
    Date,
}

/// One checked strftime-style date format.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DateFormat {
    text: String,
    kind: FormatKind,
}

impl DateFormat {
    /// Checks a format: every directive known, and the format must give a
    /// whole date (a year, a month and a day), which is tried by writing a
    /// sample instant with it and reading it back.
    pub(crate) fn new(text: &str) -> Result<DateFormat, String> {
        let items: Vec<Item<'_>> = StrftimeItems::new(text).collect();
        if items.iter().any(|i| matches!(i, Item::Error)) {
            return Err(format!(
                "date format {text:?} has a directive chrono does not know (see https://docs.rs/chrono/latest/chrono/format/strftime/)"
            ));
        }
        let offset = items.iter().any(|i| {
            matches!(
                i,
                Item::Fixed(
                    Fixed::TimezoneOffset
                        | Fixed::TimezoneOffsetColon
                        | Fixed::TimezoneOffsetDoubleColon
                        | Fixed::TimezoneOffsetTripleColon
                        | Fixed::TimezoneOffsetColonZ
                        | Fixed::TimezoneOffsetZ
                        | Fixed::RFC2822
                        | Fixed::RFC3339
                )
            )
        });
        let timestamp = items
            .iter()
            .any(|i| matches!(i, Item::Numeric(Numeric::Timestamp, _)));
        let whole = || {
            format!(
                "date format {text:?} does not give a whole date: it needs a year, a month and a day (e.g. \"%m/%d/%Y %H:%M\")"
            )
        };
        let sample = chrono::FixedOffset::east_opt(3600)
            .and_then(|tz| tz.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).single())
            .ok_or_else(whole)?;
        let mut written = String::new();
        {
            use std::fmt::Write;
            write!(written, "{}", sample.format_with_items(items.iter())).map_err(|_| whole())?;
        }
        let kind = if timestamp {
            FormatKind::Timestamp
        } else if offset {
            FormatKind::Offset
        } else if NaiveDateTime::parse_from_str(&written, text).is_ok() {
            FormatKind::Local
        } else {
            FormatKind::Date
        };
        let format = DateFormat {
            text: text.to_string(),
            kind,
        };
        if format.date(&written).is_none() {
            return Err(whole());
        }
        Ok(format)
    }

    /// The instant `text` means in this format.
    fn instant(&self, text: &str, decoder: &mut Decoder) -> Option<Instant> {
        let f = self.text.as_str();
        match self.kind {
            FormatKind::Offset => DateTime::parse_from_str(text, f)
                .ok()
                .map(|t| t.timestamp()),
            FormatKind::Timestamp => NaiveDateTime::parse_from_str(text, f)
                .ok()
                .map(|t| t.and_utc().timestamp()),
            FormatKind::Local => NaiveDateTime::parse_from_str(text, f)
                .ok()
                .and_then(|t| decoder.times.local(t)),
            FormatKind::Date => NaiveDate::parse_from_str(text, f)
                .ok()
                .and_then(|d| decoder.times.local(d.and_hms_opt(0, 0, 0)?)),
        }
    }

    /// The calendar date `text` names in this format, as written.
    fn date(&self, text: &str) -> Option<NaiveDate> {
        let f = self.text.as_str();
        match self.kind {
            FormatKind::Offset => DateTime::parse_from_str(text, f)
                .ok()
                .map(|t| t.naive_local().date()),
            FormatKind::Timestamp | FormatKind::Local => NaiveDateTime::parse_from_str(text, f)
                .ok()
                .map(|t| t.date()),
            FormatKind::Date => NaiveDate::parse_from_str(text, f).ok(),
        }
    }
}

/// A column's value map, looked up by the trimmed value in any letter case.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueMap {
    /// Lower-cased source value → target (`None`: not set / item dropped).
    map: HashMap<String, Option<String>>,
}

impl ValueMap {
    /// Builds a map; two source values that differ only in letter case are
    /// an error, since the map could not tell them apart.
    pub(crate) fn new(
        column: &str,
        entries: &BTreeMap<String, Option<String>>,
    ) -> Result<ValueMap, String> {
        let mut map = HashMap::with_capacity(entries.len());
        for (from, to) in entries {
            let key = key(from);
            if map.insert(key, to.clone()).is_some() {
                return Err(format!(
                    "`values` for column `{column}` lists {from:?} twice (values are matched trimmed and in any letter case)"
                ));
            }
        }
        Ok(ValueMap { map })
    }

    /// `Some(target)` when the value is listed; `None` when it falls through.
    fn get(&self, text: &str) -> Option<Option<&str>> {
        self.map.get(&key(text)).map(Option::as_deref)
    }

    /// The targets, for checking them against the column's kind.
    fn targets(&self) -> impl Iterator<Item = &str> {
        self.map.values().flatten().map(String::as_str)
    }
}

fn key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The value map and date formats of one role.
#[derive(Clone, Debug)]
pub(crate) struct Recode {
    /// The source column, for messages.
    column: String,
    values: Option<ValueMap>,
    formats: Vec<DateFormat>,
    /// A list column maps item by item, after splitting.
    per_item: bool,
}

/// Every role's value map and date formats, by role.
#[derive(Clone, Debug, Default)]
pub(crate) struct Recodes {
    by_role: Vec<Option<Recode>>,
    /// Whether any role has a value map (rows skip [`Recodes::apply`]
    /// otherwise).
    any_values: bool,
}

/// A role a source column feeds, and every kind the role may have.
pub(crate) type Fed = (usize, Vec<Kind>);

/// A mapping's `values` and `formats` of one file, with what each source
/// column feeds.
pub(crate) struct Sources<'m> {
    pub values: &'m BTreeMap<String, BTreeMap<String, Option<String>>>,
    pub formats: &'m BTreeMap<String, super::mapping::Formats>,
}

impl Recodes {
    /// Attaches each column's map and formats to the roles it feeds.
    /// `roles_of` gives a source column's roles and their kinds (every
    /// kind the role may have: a property shared by event types may have
    /// several); `valid` says whether a map's target is valid for a kind,
    /// and why not. A column that feeds no role gets a note.
    pub(crate) fn new(
        sources: &Sources<'_>,
        role_count: usize,
        roles_of: &dyn Fn(&str) -> Vec<Fed>,
        valid: &dyn Fn(Kind, &str) -> Result<(), String>,
        unused: &mut dyn FnMut(&str, &str),
    ) -> Result<Recodes, String> {
        let mut by_role: Vec<Option<Recode>> = vec![None; role_count];
        let columns: std::collections::BTreeSet<&String> = sources
            .values
            .keys()
            .chain(sources.formats.keys())
            .collect();
        for column in columns {
            let roles = roles_of(column);
            let values = sources
                .values
                .get(column)
                .map(|entries| ValueMap::new(column, entries))
                .transpose()?;
            let formats = match sources.formats.get(column) {
                Some(f) => f
                    .list()
                    .iter()
                    .map(|f| DateFormat::new(f).map_err(|e| format!("column `{column}`: {e}")))
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            if roles.is_empty() {
                let what = if values.is_some() {
                    "values"
                } else {
                    "formats"
                };
                unused(column, what);
                continue;
            }
            for (role, kinds) in roles {
                if let Some(map) = &values {
                    for target in map.targets() {
                        for &kind in &kinds {
                            valid(kind, target).map_err(|why| {
                                format!(
                                    "`values` for column `{column}` map to {target:?}, but {why}"
                                )
                            })?;
                        }
                    }
                }
                let per_item = kinds.contains(&Kind::Typed(FieldType::TextList));
                if let Some(slot) = by_role.get_mut(role) {
                    *slot = Some(Recode {
                        column: column.clone(),
                        values: values.clone(),
                        formats: formats.clone(),
                        per_item,
                    });
                }
            }
        }
        let any_values = by_role
            .iter()
            .flatten()
            .any(|r| r.values.is_some() && !r.per_item);
        Ok(Recodes {
            by_role,
            any_values,
        })
    }

    fn of(&self, role: usize) -> Option<&Recode> {
        self.by_role.get(role).and_then(Option::as_ref)
    }

    /// Replaces every mapped scalar cell by its target (or by nothing when
    /// mapped to `null`); list cells are mapped item by item later.
    pub(crate) fn apply<'a>(&'a self, cells: &mut [Option<Cell<'a>>]) {
        if !self.any_values {
            return;
        }
        for (slot, recode) in cells.iter_mut().zip(&self.by_role) {
            let (
                Some(cell),
                Some(Recode {
                    values: Some(map),
                    per_item: false,
                    ..
                }),
            ) = (*slot, recode)
            else {
                continue;
            };
            let Some(text) = cell.scalar_text() else {
                continue;
            };
            if let Some(target) = map.get(&text) {
                *slot = target.map(Cell::Text);
            }
        }
    }

    /// The instant of a time cell: the role's formats first, then the
    /// normal reading.
    pub(crate) fn time(&self, role: usize, text: &str, decoder: &mut Decoder) -> Option<Instant> {
        if let Some(r) = self.of(role) {
            let t = text.trim();
            for f in &r.formats {
                if let Some(i) = f.instant(t, decoder) {
                    return Some(i);
                }
            }
        }
        decoder.times.parse(text)
    }

    /// Converts a cell of `role` to `ty`: the role's formats for dates,
    /// its value map item by item for lists, then the normal conversion.
    pub(crate) fn convert(
        &self,
        role: usize,
        ty: FieldType,
        cell: Cell<'_>,
        separator: &str,
        decoder: &mut Decoder,
    ) -> Result<Option<Value>, ()> {
        let recode = self.of(role);
        if let (Some(r), FieldType::Date | FieldType::DateTime) = (recode, ty) {
            if let Some(text) = cell.scalar_text() {
                let t = text.trim();
                for f in &r.formats {
                    let value = match ty {
                        FieldType::Date => f.date(t).map(Value::Date),
                        _ => f.instant(t, decoder).map(Value::DateTime),
                    };
                    if value.is_some() {
                        return Ok(value);
                    }
                }
            }
        }
        let value = super::contacts::convert_cell(ty, cell, separator, decoder)?;
        match (value, recode) {
            (
                Some(Value::TextList(items)),
                Some(Recode {
                    values: Some(map), ..
                }),
            ) => Ok(Some(Value::TextList(
                items
                    .into_iter()
                    .filter_map(|item| match map.get(&item) {
                        Some(target) => target.map(str::to_string),
                        None => Some(item),
                    })
                    .collect(),
            ))),
            (value, _) => Ok(value),
        }
    }

    /// What to add to a bad row's message (a problem with `code` in
    /// `role`'s column): the column's value map or date formats, by name;
    /// for a stage or a time the column has none of, that a mapping can
    /// give them, since an export's own stage names and date formats are
    /// what such rows usually are.
    pub(crate) fn help(&self, role: usize, code: crate::diagnostics::Code) -> String {
        let Some(r) = self.of(role) else {
            return match code.as_str() {
                "D004" => "; to load an export's own stage names, map them to stages with `values` in a --map file (see docs/data.md)".to_string(),
                "D008" => "; for another date format, give it with `formats` in a --map file (see docs/data.md)".to_string(),
                _ => String::new(),
            };
        };
        let mut help = String::new();
        if r.values.is_some() {
            help.push_str(&format!(
                "; it is not in the mapping's `values` for column `{}`: add it there",
                r.column
            ));
        }
        if !r.formats.is_empty() {
            let list: Vec<String> = r.formats.iter().map(|f| format!("{:?}", f.text)).collect();
            help.push_str(&format!(
                "; it fits none of the mapping's `formats` for column `{}` ({})",
                r.column,
                list.join(", ")
            ));
        }
        help
    }
}

/// Whether a value map's target is valid for `kind`, given the declared
/// stages and event types; the reason when not.
/// Targets are written the way Nurture reads values (a date as
/// `YYYY-MM-DD`), whatever the column's formats.
pub(crate) fn valid_target(kind: Kind, target: &str, schema: &super::Schema) -> Result<(), String> {
    let ok = match kind {
        Kind::Text | Kind::Typed(FieldType::Text | FieldType::TextList) => true,
        Kind::Stage => schema.stage_index(target.trim()).is_some(),
        Kind::EventType => schema.event_type_index(target.trim()).is_some(),
        Kind::Points => convert::parse_points(target).is_some(),
        Kind::Typed(FieldType::Number) => convert::parse_number(target).is_some(),
        Kind::Typed(FieldType::Bool) => convert::parse_bool(target).is_some(),
        Kind::Typed(FieldType::Date) => convert::parse_date(target).is_some(),
        Kind::Typed(FieldType::DateTime) => {
            Decoder::new(schema.timezone).times.parse(target).is_some()
        }
    };
    if ok {
        return Ok(());
    }
    Err(match kind {
        Kind::Stage => format!(
            "that is not a declared stage; the stages are {}",
            schema.stages.join(", ")
        ),
        Kind::EventType => "that is neither a built-in nor a declared event type".to_string(),
        Kind::Points => "`points` must be a whole number".to_string(),
        Kind::Typed(ty) => format!("the column is read as {}", convert::type_phrase(ty)),
        Kind::Text => String::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn formats_read_us_dates_in_the_campaign_zone() {
        let f = DateFormat::new("%m/%d/%Y %H:%M").unwrap();
        let mut d = Decoder::new(chrono_tz::America::New_York);
        assert_eq!(
            f.instant("03/05/2024 10:20", &mut d),
            Some(utc("2024-03-05T15:20:00Z"))
        );
        // chrono reads one-digit months and days for %m and %d.
        assert_eq!(
            f.instant("3/5/2024 10:20", &mut d),
            Some(utc("2024-03-05T15:20:00Z"))
        );
        assert_eq!(f.instant("2024-03-05 10:20", &mut d), None);
        let date = DateFormat::new("%d.%m.%Y").unwrap();
        assert_eq!(
            date.instant("05.03.2024", &mut d),
            Some(utc("2024-03-05T05:00:00Z"))
        );
        assert_eq!(date.date("05.03.2024"), NaiveDate::from_ymd_opt(2024, 3, 5));
    }

    #[test]
    fn a_format_with_an_offset_is_exact() {
        let f = DateFormat::new("%Y-%m-%d %H:%M:%S %z").unwrap();
        let mut d = Decoder::new(chrono_tz::Europe::Warsaw);
        assert_eq!(
            f.instant("2024-03-05 10:20:00 -0500", &mut d),
            Some(utc("2024-03-05T15:20:00Z"))
        );
        let s = DateFormat::new("%s").unwrap();
        assert_eq!(s.instant("86400", &mut d), Some(86_400));
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(DateFormat::new("%Q").unwrap_err().contains("directive"));
        assert!(DateFormat::new("%H:%M").unwrap_err().contains("whole date"));
        assert!(DateFormat::new("%Y-%m").unwrap_err().contains("whole date"));
        assert!(DateFormat::new("no directives").is_err());
    }

    #[test]
    fn value_maps_match_trimmed_in_any_case_and_refuse_twins() {
        let entries: BTreeMap<String, Option<String>> = [
            (
                "marketingqualifiedlead".to_string(),
                Some("MQL".to_string()),
            ),
            ("Other".to_string(), None),
        ]
        .into_iter()
        .collect();
        let map = ValueMap::new("Lifecycle Stage", &entries).unwrap();
        assert_eq!(map.get(" MarketingQualifiedLead "), Some(Some("MQL")));
        assert_eq!(map.get("other"), Some(None));
        assert_eq!(map.get("lead"), None);
        let twins: BTreeMap<String, Option<String>> = [
            ("Lead".to_string(), Some("Lead".to_string())),
            ("lead".to_string(), Some("Lead".to_string())),
        ]
        .into_iter()
        .collect();
        assert!(ValueMap::new("s", &twins).unwrap_err().contains("twice"));
    }
}
