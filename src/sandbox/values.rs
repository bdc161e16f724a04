//! Nurture values to rhai values and back: what a script sees of a field
//! or an event property, and what its result means.

use crate::base::value::Value;
use crate::base::vocab::FieldType;
use rhai::{Dynamic, ImmutableString, FLOAT, INT};

/// A value as a script sees it: text, a float, true/false, a date as
/// text, an instant as whole seconds, a list of texts as an array.
pub fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Text(t) => Dynamic::from(t.to_string()),
        Value::Number(n) => Dynamic::from_float(*n as FLOAT),
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Date(d) => Dynamic::from(d.to_string()),
        Value::DateTime(t) => Dynamic::from_int(*t as INT),
        Value::TextList(items) => Dynamic::from_array(
            items
                .iter()
                .map(|i| Dynamic::from(i.clone()))
                .collect::<Vec<_>>(),
        ),
    }
}

/// Whether a value (`None`: not set) equals what a script asked for in a
/// filter (`()` asks for a value that is not set).
// Called for every event a filtered query walks: `inline` lets the
// evaluator inline it across codegen units, as when it lived beside that
// code (callgrind: the move without it cost 0.1% of a script-heavy run).
#[inline]
pub fn matches(value: Option<&Value>, wanted: &Dynamic) -> bool {
    let Some(value) = value else {
        return wanted.is_unit();
    };
    match value {
        Value::Text(t) => wanted
            .read_lock::<ImmutableString>()
            .is_some_and(|w| w.as_str() == &**t),
        Value::Number(n) => {
            if let Ok(i) = wanted.as_int() {
                (*n - i as f64).abs() < f64::EPSILON
            } else if let Ok(f) = wanted.as_float() {
                (*n - f).abs() < f64::EPSILON
            } else {
                false
            }
        }
        Value::Bool(b) => wanted.as_bool().is_ok_and(|w| w == *b),
        other => to_dynamic(other).to_string() == wanted.to_string(),
    }
}

/// A script's result as a value of type `ty`. Integers and floats are
/// numbers; a number that is not finite, `()` and any other type fail,
/// with the reason in words.
// Called once per evaluation; `inline` for the same reason as `matches`.
#[inline]
pub fn from_dynamic(value: &Dynamic, ty: FieldType) -> Result<Value, String> {
    let converted = match ty {
        FieldType::Bool => value.as_bool().ok().map(Value::Bool),
        FieldType::Number => value
            .as_int()
            .map(|i| i as f64)
            .or_else(|_| value.as_float())
            .ok()
            .map(|n| {
                if n.is_finite() {
                    Ok(Value::Number(n))
                } else {
                    Err(format!("returned {n} where a finite number is needed"))
                }
            })
            .transpose()?,
        FieldType::Text => value
            .read_lock::<ImmutableString>()
            .map(|s| Value::Text(s.as_str().into())),
        FieldType::Date | FieldType::DateTime | FieldType::TextList => None,
    };
    converted.ok_or_else(|| {
        let needed = match ty {
            FieldType::Bool => "true or false",
            FieldType::Number => "a number",
            FieldType::Text => "text",
            _ => "a value of another type",
        };
        let found = if value.is_unit() {
            "nothing (`()`)".to_string()
        } else {
            format!("a {}", value.type_name())
        };
        format!("returned {found} where {needed} is needed")
    })
}
