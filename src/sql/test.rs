//! One value test (`country = "PL"`, `last_seen within last 30 days`, …)
//! on one SQL value, with the interpreter's meaning (`eval::Context::test`):
//! an unset value (SQL `NULL`) passes only `is not set`. Every expression
//! made here is `TRUE` or `FALSE`, never `NULL` (each is wrapped in
//! `COALESCE(…, FALSE)`), so `NOT`, `AND` and `OR` around it are two-valued
//! and SQL's three-valued logic never changes an answer.

use super::dialect;
use super::{Refusal, Writer};
use crate::base::time::start_of_day;
use crate::base::value::Value;
use crate::base::vocab::{CmpOp, FieldType};
use crate::ir::{TimePoint, ValueTest};
use std::fmt::Write;

/// A value to test: its SQL expression and its declared type.
#[derive(Debug, Clone, Copy)]
pub struct Operand<'a> {
    pub sql: &'a str,
    pub ty: FieldType,
}

/// `FALSE` when a test cannot hold for a value of this type, as
/// `Value::compare` across types.
const NEVER: &str = "FALSE";

pub fn cmp_symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

impl Writer<'_> {
    /// The test, never `NULL`; `Err` names what cannot be compiled.
    pub(super) fn value_test(&self, test: &ValueTest, v: Operand) -> Result<String, Refusal> {
        let x = v.sql;
        let inner = match test {
            ValueTest::IsSet => return Ok(format!("({x} IS NOT NULL)")),
            ValueTest::IsNotSet => return Ok(format!("({x} IS NULL)")),
            ValueTest::Compare(op, expected) => self.compare(*op, v, expected)?,
            ValueTest::In(options) | ValueTest::NotIn(options) => {
                let mut equal = Vec::new();
                for o in options {
                    let e = self.compare(CmpOp::Eq, v, o)?;
                    if e != NEVER {
                        equal.push(e);
                    }
                }
                let any = if equal.is_empty() {
                    NEVER.to_string()
                } else {
                    format!("({})", equal.join(" OR "))
                };
                if matches!(test, ValueTest::In(_)) {
                    any
                } else {
                    format!("({x} IS NOT NULL AND NOT {any})")
                }
            }
            ValueTest::Contains(needle) => match v.ty {
                FieldType::Text if needle.is_empty() => format!("({x} IS NOT NULL)"),
                FieldType::Text => format!("(strpos({x}, {}) > 0)", dialect::text(needle)),
                FieldType::TextList => self.dialect.has_item(x, needle),
                _ => NEVER.to_string(),
            },
            ValueTest::StartsWith(affix) | ValueTest::EndsWith(affix) => {
                if v.ty != FieldType::Text {
                    NEVER.to_string()
                } else {
                    // `left`/`right` count characters in both engines;
                    // for UTF-8 text a byte prefix is a character prefix.
                    let side = if matches!(test, ValueTest::StartsWith(_)) {
                        "left"
                    } else {
                        "right"
                    };
                    format!(
                        "({side}({x}, {}) = {})",
                        affix.chars().count(),
                        dialect::text(affix)
                    )
                }
            }
            ValueTest::Matches(id) => {
                if v.ty != FieldType::Text {
                    NEVER.to_string()
                } else {
                    let pattern = self.program.compiled.pattern(*id);
                    let translated = super::regex::translate(pattern, self.dialect)
                        .map_err(|why| {
                            format!(
                                "the regular expression `{pattern}` uses {why}, which {} cannot match the way Nurture does",
                                self.dialect.name()
                            )
                        })
                        .map_err(Refusal::regex)?;
                    self.dialect.regex_match(x, &translated)
                }
            }
            ValueTest::Before(point) | ValueTest::After(point) => {
                let op = if matches!(test, ValueTest::Before(_)) {
                    "<"
                } else {
                    ">"
                };
                match (v.ty, point) {
                    (FieldType::Date, TimePoint::Date(d)) => {
                        format!("({x} {op} DATE '{}')", d.format("%Y-%m-%d"))
                    }
                    _ => match self.instant_of(v) {
                        Some(at) => format!("({at} {op} {})", self.point(*point)),
                        None => NEVER.to_string(),
                    },
                }
            }
            ValueTest::WithinLast(s) | ValueTest::MoreThanAgo(s) | ValueTest::LessThanAgo(s) => {
                match self.instant_of(v) {
                    None => NEVER.to_string(),
                    Some(at) => {
                        let t = &self.at;
                        let edge = format!("{t} - {}", dialect::seconds(*s));
                        match test {
                            ValueTest::WithinLast(_) => {
                                format!("({at} > {edge} AND {at} <= {t})")
                            }
                            ValueTest::MoreThanAgo(_) => format!("({at} < {edge})"),
                            _ => format!("({at} > {edge})"),
                        }
                    }
                }
            }
            ValueTest::IsToday => match self.local_date(v) {
                None => NEVER.to_string(),
                Some(date) => anniversary(&date, &self.today()),
            },
        };
        Ok(format!("COALESCE({inner}, FALSE)"))
    }

    /// `x OP expected`, or `FALSE` when the types differ.
    fn compare(&self, op: CmpOp, v: Operand, expected: &Value) -> Result<String, String> {
        let x = v.sql;
        let sym = cmp_symbol(op);
        let literal = match (v.ty, expected) {
            (FieldType::Text, Value::Text(t)) => {
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Ok(format!("({x} {sym} {})", dialect::text(t)));
                }
                return Ok(format!(
                    "({} {sym} {})",
                    self.dialect.byte_order(x),
                    dialect::text(t)
                ));
            }
            (FieldType::Number, Value::Number(n)) => self.number(*n)?,
            (FieldType::Bool, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            (FieldType::Date, Value::Date(d)) => format!("DATE '{}'", d.format("%Y-%m-%d")),
            (FieldType::DateTime, Value::DateTime(t)) => dialect::instant(*t),
            (FieldType::TextList, Value::TextList(_)) => return Err(
                "a comparison of a `list of text` value with a list, which has no SQL form here"
                    .to_string(),
            ),
            _ => return Ok(NEVER.to_string()),
        };
        Ok(format!("({x} {sym} {literal})"))
    }

    /// A number literal that reads back as the same `f64`.
    pub(super) fn number(&self, n: f64) -> Result<String, String> {
        if !n.is_finite() {
            return Err(format!("the number {n}, which SQL cannot write"));
        }
        Ok(format!(
            "CAST('{n:?}' AS {})",
            self.dialect.column_type(FieldType::Number)
        ))
    }

    /// The instant a date or date-time value stands for (a date is 00:00
    /// in the campaign time zone), as `Clock::instant_of_value`.
    fn instant_of(&self, v: Operand) -> Option<String> {
        match v.ty {
            FieldType::DateTime => Some(v.sql.to_string()),
            FieldType::Date => Some(format!(
                "(CAST({} AS TIMESTAMP) AT TIME ZONE {})",
                v.sql,
                dialect::text(self.tz.name())
            )),
            _ => None,
        }
    }

    /// A time point of a rule as a literal: a date's 00:00 in the campaign
    /// time zone is worked out here, exactly as the interpreter does.
    fn point(&self, point: TimePoint) -> String {
        match point {
            TimePoint::Instant(t) => dialect::instant(t),
            TimePoint::Date(d) => dialect::instant(start_of_day(d, self.tz)),
        }
    }

    /// The campaign-local date of a date or date-time value.
    fn local_date(&self, v: Operand) -> Option<String> {
        match v.ty {
            FieldType::Date => Some(v.sql.to_string()),
            FieldType::DateTime => Some(self.local(v.sql)),
            _ => None,
        }
    }

    /// The campaign-local date of an instant expression.
    pub(super) fn local(&self, instant: &str) -> String {
        format!(
            "CAST(({instant} AT TIME ZONE {}) AS DATE)",
            dialect::text(self.tz.name())
        )
    }

    /// Today: the campaign-local date of the evaluation instant.
    pub(super) fn today(&self) -> String {
        self.local(&self.at)
    }
}

/// `eval::is_anniversary`: the same month and day, or 29 February on 28
/// February of a year without a 29th (the day after is 1 March).
fn anniversary(date: &str, today: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "((extract(month FROM {date}) = extract(month FROM {today}) AND extract(day FROM {date}) = extract(day FROM {today})) \
         OR (extract(month FROM {date}) = 2 AND extract(day FROM {date}) = 29 AND extract(month FROM {today}) = 2 \
         AND extract(day FROM {today}) = 28 AND extract(month FROM CAST({today} + INTERVAL '1 day' AS DATE)) = 3))"
    );
    s
}
