//! Runtime values of contact fields and event properties.
//!
//! Shared by data loading, checking (literals) and evaluation, so that a
//! value read from a CSV cell and a literal written in a rule compare the
//! same way.

use crate::base::vocab::FieldType;
use chrono::NaiveDate;
use std::cmp::Ordering;
use std::fmt;

/// Seconds since the Unix epoch, UTC. Every instant in Nurture is one of these.
pub type Instant = i64;

/// Text values are shared, not copied: a loader gives every repeat of the
/// same cell (an e-mail name, a page URL) one allocation, and cloning a
/// value into a contact's state is a reference count.
pub type Text = std::sync::Arc<str>;

/// Equality and hashing are structural, numbers by their bits with `-0.0`
/// taken as `0.0` and every NaN as one NaN, so that `Eq` and `Hash` agree
/// and equal literals in two rules make equal conditions. (Comparisons in
/// rules go through [`Value::compare`], where NaN matches nothing.)
#[derive(Clone, Debug, serde::Serialize)]
pub enum Value {
    Text(Text),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(Instant),
    TextList(Vec<String>),
}

impl Value {
    pub fn field_type(&self) -> FieldType {
        match self {
            Value::Text(_) => FieldType::Text,
            Value::Number(_) => FieldType::Number,
            Value::Bool(_) => FieldType::Bool,
            Value::Date(_) => FieldType::Date,
            Value::DateTime(_) => FieldType::DateTime,
            Value::TextList(_) => FieldType::TextList,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Orders two values of the same type; `None` across types or for NaN.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
            (Value::TextList(a), Value::TextList(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// The bits a number is compared and hashed by.
fn number_key(n: f64) -> u64 {
    if n == 0.0 {
        0.0f64.to_bits()
    } else if n.is_nan() {
        f64::NAN.to_bits()
    } else {
        n.to_bits()
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => number_key(*a) == number_key(*b),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            (Value::TextList(a), Value::TextList(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Text(t) => t.hash(state),
            Value::Number(n) => number_key(*n).hash(state),
            Value::Bool(b) => b.hash(state),
            Value::Date(d) => d.hash(state),
            Value::DateTime(t) => t.hash(state),
            Value::TextList(items) => items.hash(state),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::DateTime(t) => match chrono::DateTime::from_timestamp(*t, 0) {
                Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%SZ")),
                None => write!(f, "{t}"),
            },
            Value::TextList(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item:?}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_different_types_do_not_compare() {
        assert_eq!(Value::Number(1.0).compare(&Value::Text("1".into())), None);
        assert_eq!(
            Value::Number(1.0).compare(&Value::Number(2.0)),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn equal_values_hash_alike_numbers_included() {
        use std::hash::{BuildHasher, RandomState};
        let hasher = RandomState::new();
        let same = |a: Value, b: Value| {
            assert_eq!(a, b);
            assert_eq!(hasher.hash_one(&a), hasher.hash_one(&b));
        };
        same(Value::Number(0.0), Value::Number(-0.0));
        same(Value::Number(f64::NAN), Value::Number(-f64::NAN));
        same(Value::Text("a".into()), Value::Text("a".into()));
        assert_ne!(Value::Number(1.0), Value::Number(2.0));
        assert_ne!(Value::Number(1.0), Value::Text("1".into()));
        // Rules still compare through `compare`, where NaN matches nothing.
        assert_eq!(
            Value::Number(f64::NAN).compare(&Value::Number(f64::NAN)),
            None
        );
    }

    #[test]
    fn datetimes_display_as_rfc3339_utc() {
        assert_eq!(Value::DateTime(0).to_string(), "1970-01-01T00:00:00Z");
    }
}
