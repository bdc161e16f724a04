//! The words of the language that every layer shares: value types,
//! channels, comparison and count operators, aggregate functions and the
//! like. The AST, the IR, runtime values, the data loader and the simulator
//! all use these same enums, so they live in the bottom layer and are
//! plain, comparable, serialisable data.

use serde::Serialize;
use std::fmt;

/// What a frequency cap does to a send over the cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapPolicy {
    /// Hold the send until the cap allows it (the default).
    #[default]
    Delay,
    /// Record the send as dropped.
    Drop,
}

/// Channels that messages go out on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

/// The value types of contact fields and event properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Bool,
    /// A calendar date (no time of day).
    Date,
    /// An instant.
    DateTime,
    /// `list of text`
    TextList,
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::TextList => "list of text",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether `left OP right` holds, given how `left` orders against `right`.
    #[inline]
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering;
        match self {
            CmpOp::Eq => ordering == Ordering::Equal,
            CmpOp::Ne => ordering != Ordering::Equal,
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    Unsubscribed,
    DoNotContact,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountOp {
    /// `5` or `at least 5`
    AtLeast,
    AtMost,
    Exactly,
    MoreThan,
    FewerThan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    Total,
    Average,
    Min,
    Max,
    First,
    Last,
}

impl AggFunc {
    pub fn keyword(self) -> &'static str {
        match self {
            AggFunc::Total => "total",
            AggFunc::Average => "average",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::First => "first",
            AggFunc::Last => "last",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DayPattern {
    Weekday(chrono::Weekday),
    /// Saturday or Sunday.
    Weekend,
    /// Monday to Friday.
    Workday,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Sales,
    Owner,
}

/// By hand because chrono's `Weekday` is serialisable only with a chrono
/// feature the crate does not enable: a weekday is written by its name.
impl Serialize for DayPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DayPattern::Weekday(day) => {
                serializer.serialize_newtype_variant("DayPattern", 0, "weekday", &day.to_string())
            }
            DayPattern::Weekend => serializer.serialize_unit_variant("DayPattern", 1, "weekend"),
            DayPattern::Workday => serializer.serialize_unit_variant("DayPattern", 2, "workday"),
        }
    }
}
