//! Running scripted predicates for one contact at one instant.
//!
//! The engine, its limits and the function allowlist are the sandbox's
//! (`crate::sandbox`); the checker compiled each script with that engine
//! into an `AST` kept in the program, and evaluation never compiles. Here a
//! script runs against the context being evaluated: [`Host`] is the
//! contact as the sandbox's contact API reads it (`points()`,
//! `field("budget")`, `count("purchase", 90)`, …), installed with
//! [`sandbox::with_view`] for exactly the duration of one evaluation.
//!
//! rhai counts a call of a host function as one operation, but `count()`,
//! `sum()`, `average()` and `days_since_*()` walk the contact's events. They
//! are charged by the work they do: every event a call walks spends one of
//! the evaluation's [`Limits::event_visits`](sandbox::Limits), and a script
//! that spends them all fails with the limit named (E0705), even if it
//! catches the error.

use super::Context;
use crate::base::value::{Instant, Value};
use crate::base::vocab::{CmpOp, FieldType};
use crate::data::Event;
use crate::diagnostics::codes::{self, Code};
use crate::ir::{EventTypeId, Program, ScriptId};
use crate::sandbox::{self, engine, ContactView, LIMITS};
use rhai::{Dynamic, EvalAltResult, Map, Scope, FLOAT, INT};
use std::cell::{Cell, RefCell};

thread_local! {
    /// Run-time script errors since the last [`take_errors`].
    static ERRORS: RefCell<Vec<ScriptError>> = const { RefCell::new(Vec::new()) };
    /// The rule whose condition is being evaluated, for error messages.
    static RULE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Sets the rule whose conditions are being evaluated (for error messages).
pub fn set_rule(rule: Option<usize>) {
    RULE.with(|r| r.set(rule));
}

/// Why a script failed, with its stable code: E0705 when it hit a sandbox
/// limit, E0706 for any other failure (an error, a result of the wrong
/// type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    fn limit(message: String) -> Failure {
        Failure {
            code: codes::SCRIPT_LIMIT,
            message,
        }
    }

    fn failed(message: String) -> Failure {
        Failure {
            code: codes::SCRIPT_FAILED,
            message,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A script that failed at run time: the first failure of one script in
/// one rule since the last [`take_errors`], and how many more followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub script: String,
    /// The rule being evaluated, if a rule's condition called the script.
    pub rule: Option<String>,
    pub at: Instant,
    pub code: Code,
    pub message: String,
    /// Later failures of the same script in the same rule (for the same
    /// contact), folded into this one so a script failing at every tick of
    /// a long run keeps one record, not one per tick.
    pub repeats: u64,
}

impl ScriptError {
    /// The failure in words, naming the script, the rule, the contact, the
    /// instant and the limit (as every command that runs scripts reports it;
    /// see `crate::report::script_failures`).
    pub fn describe(&self, contact: &str) -> String {
        let repeats = match self.repeats {
            0 => String::new(),
            1 => " (and 1 more failure of this script for this contact)".to_string(),
            n => format!(" (and {n} more failures of this script for this contact)"),
        };
        format!(
            "script `{}`{} for contact `{contact}` at {}: {}{repeats}",
            self.script,
            self.rule
                .as_ref()
                .map(|r| format!(" in rule `{r}`"))
                .unwrap_or_default(),
            crate::base::time::rfc3339(self.at),
            self.message
        )
    }

    /// How many evaluations failed: this one and its repeats.
    pub fn evaluations(&self) -> u64 {
        self.repeats.saturating_add(1)
    }
}

/// Takes the run-time errors this thread recorded since the last call.
pub fn take_errors() -> Vec<ScriptError> {
    ERRORS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

/// Puts back errors taken with [`take_errors`], in place of what this
/// thread recorded since (for a question asked on the side, whose failures
/// are not the run's).
pub fn restore_errors(errors: Vec<ScriptError>) {
    ERRORS.with(|e| *e.borrow_mut() = errors);
}

/// Evaluates a script as a predicate. A script that fails (a limit, a
/// run-time error, a result that is not true/false) counts as false and
/// the failure is recorded for [`take_errors`].
pub fn holds(context: &Context<'_>, id: ScriptId) -> bool {
    match value(context, id, FieldType::Bool) {
        Some(Value::Bool(b)) => b,
        _ => false,
    }
}

/// Evaluates a script for a value of type `ty` (a number, text or
/// true/false). A script that fails or gives another type yields `None`
/// and the failure is recorded for [`take_errors`].
pub fn value(context: &Context<'_>, id: ScriptId, ty: FieldType) -> Option<Value> {
    let program = context.program;
    let script = program.scripts.get(id)?;
    match evaluate(context, id, ty) {
        Ok(value) => Some(value),
        Err(failure) => {
            record(program, &script.name, context.clock.now, failure);
            None
        }
    }
}

/// Runs a script and converts its result to `ty`, recording nothing: the
/// error is the failure with its code (for explanations).
/// Runs a script and converts its result to `ty`, recording nothing: the
/// error is the failure with its code (for explanations).
pub fn evaluate(context: &Context<'_>, id: ScriptId, ty: FieldType) -> Result<Value, Failure> {
    let Some(script) = context.program.compiled.scripts.get(id) else {
        return Err(Failure::failed("no such script".into()));
    };
    let host = Host {
        context,
        visits: Cell::new(0),
    };
    let result = sandbox::with_view(&host, || {
        engine().eval_ast_with_scope::<Dynamic>(&mut Scope::new(), script)
    });
    // Checked first: a script that caught the error of an exhausted budget
    // (`try … catch`) still failed, it must not pass on a partial count.
    if host.visits.get() > LIMITS.event_visits {
        return Err(Failure::limit(visits_exceeded()));
    }
    match result {
        Ok(value) => sandbox::from_dynamic(&value, ty).map_err(Failure::failed),
        Err(error) => Err(describe(&error)),
    }
}

/// A comparison of two values of one type; text and true/false only know
/// `=` and `!=` (the checker allows nothing else).
pub fn compare(op: CmpOp, left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => {
            a.partial_cmp(b).is_some_and(|ordering| op.holds(ordering))
        }
        _ => match op {
            CmpOp::Eq => left == right,
            CmpOp::Ne => left != right,
            _ => false,
        },
    }
}

fn record(program: &Program, script: &str, at: Instant, failure: Failure) {
    let rule = RULE
        .with(Cell::get)
        .and_then(|r| program.rules.get(crate::ir::RuleId::new(r)))
        .map(|r| r.name.clone());
    ERRORS.with(|e| {
        let mut errors = e.borrow_mut();
        if let Some(earlier) = errors
            .iter_mut()
            .find(|earlier| earlier.script == script && earlier.rule == rule)
        {
            earlier.repeats = earlier.repeats.saturating_add(1);
            return;
        }
        errors.push(ScriptError {
            script: script.to_string(),
            rule,
            at,
            code: failure.code,
            message: failure.message,
            repeats: 0,
        })
    });
}

fn visits_exceeded() -> String {
    format!(
        "stopped: the contact view walked more than {} events (limit `event visits`)",
        LIMITS.event_visits
    )
}

/// A run-time error in words and its code, naming the limit when one was
/// hit.
pub fn describe(error: &EvalAltResult) -> Failure {
    let l = LIMITS;
    match error {
        EvalAltResult::ErrorTooManyOperations(_) => Failure::limit(format!(
            "stopped: more than {} operations (limit `operations`)",
            l.operations
        )),
        EvalAltResult::ErrorStackOverflow(_) => Failure::limit(format!(
            "stopped: calls nested deeper than {} (limit `call depth`)",
            l.call_depth
        )),
        EvalAltResult::ErrorTooManyVariables(_) => Failure::limit(format!(
            "stopped: more than {} variables (limit `variables`)",
            l.variables
        )),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let (limit, size) = match what.as_str() {
                s if s.contains("string") || s.contains("String") => ("string size", l.string_size),
                s if s.contains("rray") || s.contains("BLOB") => ("array size", l.array_size),
                s if s.contains("ap") => ("map size", l.map_size),
                _ => ("data size", l.string_size),
            };
            Failure::limit(format!(
                "stopped: {what} larger than {size} (limit `{limit}`)"
            ))
        }
        other => Failure::failed(format!("failed: {}", other.to_string().replace('\n', " "))),
    }
}

// ---------------------------------------------- the contact, for the sandbox

fn event_type<'p>(
    program: &'p Program,
    name: &str,
) -> Option<(EventTypeId, &'p crate::ir::EventTypeDef)> {
    program
        .event_types
        .iter_enumerated()
        .find(|(_, t)| t.name == name)
}

/// The lower end of a host call's window of `days` days ending now: a
/// whole number of days, 0 or more, or -1 for all time (docs/language.md
/// section 11). Anything else fails the script.
fn window(now: Instant, days: INT) -> Result<super::Lower, Box<EvalAltResult>> {
    match days {
        -1 => Ok(super::Lower::Unbounded),
        d if d >= 0 => Ok(super::Lower::After(
            now.saturating_sub(d.saturating_mul(86_400)),
        )),
        d => Err(format!(
            "the window is {d} days; a window is a whole number of days, 0 or more, or -1 for all time"
        )
        .into()),
    }
}

/// Walks `events`, spending one of the evaluation's event visits per event;
/// stops early (leaving `exhausted` set) when the budget runs out.
struct Charged<'i, 'e> {
    events: &'i mut dyn Iterator<Item = &'e Event>,
    visits: &'i Cell<u64>,
    exhausted: bool,
}

impl<'e> Iterator for Charged<'_, 'e> {
    type Item = &'e Event;

    fn next(&mut self) -> Option<&'e Event> {
        if self.exhausted {
            return None;
        }
        let event = self.events.next()?;
        let spent = self.visits.get().saturating_add(1);
        self.visits.set(spent);
        if spent > LIMITS.event_visits {
            self.exhausted = true;
            return None;
        }
        Some(event)
    }
}

/// The contact being evaluated as the sandbox's contact API reads it, with
/// the event visits its calls have spent in this evaluation.
struct Host<'c, 'a> {
    context: &'c Context<'a>,
    visits: Cell<u64>,
}

impl Host<'_, '_> {
    /// The events of one type in the window of `days` days (see [`window`])
    /// whose properties equal every entry of `filter`, handed to `f` with
    /// the type's definition. Every event of the window walked is charged
    /// to the evaluation's budget; when it runs out the call fails, naming
    /// the limit.
    fn query<T>(
        &self,
        type_name: &str,
        days: INT,
        filter: Option<&Map>,
        f: impl FnOnce(
            &crate::ir::EventTypeDef,
            &mut dyn Iterator<Item = &Event>,
        ) -> Result<T, Box<EvalAltResult>>,
    ) -> Result<T, Box<EvalAltResult>> {
        if self.visits.get() > LIMITS.event_visits {
            return Err(visits_exceeded().into());
        }
        let context = self.context;
        let program = context.program;
        let Some((event_type, def)) = event_type(program, type_name) else {
            return Err(format!("unknown event type `{type_name}`").into());
        };
        let mut wanted = Vec::new();
        for (key, value) in filter.into_iter().flatten() {
            let Some(property) = def.property(key) else {
                return Err(format!("event type `{type_name}` has no property `{key}`").into());
            };
            wanted.push((property, value));
        }
        let now = context.clock.now;
        let lower = window(now, days)?;
        let mut walked = context.events.in_window(event_type, lower, now);
        let mut charged = Charged {
            events: &mut walked,
            visits: &self.visits,
            exhausted: false,
        };
        let mut events = (&mut charged).filter(|e| {
            wanted.iter().all(|(p, w)| {
                sandbox::matches(e.properties.get(p.index()).and_then(Option::as_ref), w)
            })
        });
        let result = f(def, &mut events);
        if charged.exhausted {
            return Err(visits_exceeded().into());
        }
        result
    }

    /// Days (fractional) from the first or last event of a type to now.
    fn days_since(
        &self,
        type_name: &str,
        newest: bool,
    ) -> Result<Option<FLOAT>, Box<EvalAltResult>> {
        self.query(type_name, -1, None, |_, events| {
            let at = if newest {
                events.map(|e| e.at).max()
            } else {
                events.map(|e| e.at).min()
            };
            Ok(at.map(|at| (self.context.clock.now - at) as f64 / 86_400.0))
        })
    }
}

fn numbers(
    events: &mut dyn Iterator<Item = &Event>,
    def: &crate::ir::EventTypeDef,
    property: &str,
) -> Result<Vec<f64>, Box<EvalAltResult>> {
    let Some(p) = def.property(property) else {
        return Err(format!("event type `{}` has no property `{property}`", def.name).into());
    };
    Ok(events
        .filter_map(|e| e.properties.get(p.index()).and_then(Option::as_ref))
        .filter_map(Value::as_number)
        .collect())
}

impl ContactView for Host<'_, '_> {
    fn points(&self) -> i64 {
        self.context.state.points
    }

    fn stage(&self) -> Option<&str> {
        let context = self.context;
        context
            .state
            .stage
            .and_then(|s| context.program.stages.get(s))
            .map(|s| s.as_str())
    }

    fn stage_index(&self) -> Option<usize> {
        self.context.state.stage.map(|s| s.index())
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.context.state.tags.contains(tag)
    }

    fn field(&self, name: &str) -> Option<Option<&Value>> {
        let context = self.context;
        let id = context.program.fields.iter().position(|f| f.name == name)?;
        Some(context.state.fields.get(id).and_then(Option::as_ref))
    }

    fn count(
        &self,
        event_type: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<INT, Box<EvalAltResult>> {
        self.query(event_type, days, filter, |_, events| {
            Ok(INT::try_from(events.count()).unwrap_or(INT::MAX))
        })
    }

    fn sum(
        &self,
        event_type: &str,
        property: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<FLOAT, Box<EvalAltResult>> {
        self.query(event_type, days, filter, |def, events| {
            numbers(events, def, property).map(|v| v.iter().sum())
        })
    }

    fn average(
        &self,
        event_type: &str,
        property: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<Option<FLOAT>, Box<EvalAltResult>> {
        self.query(event_type, days, filter, |def, events| {
            numbers(events, def, property).map(|v| {
                if v.is_empty() {
                    None
                } else {
                    Some(v.iter().sum::<f64>() / v.len() as f64)
                }
            })
        })
    }

    fn days_since_first(&self, event_type: &str) -> Result<Option<FLOAT>, Box<EvalAltResult>> {
        self.days_since(event_type, false)
    }

    fn days_since_last(&self, event_type: &str) -> Result<Option<FLOAT>, Box<EvalAltResult>> {
        self.days_since(event_type, true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_days_or_all_time() {
        assert!(matches!(
            window(1_000_000, -1),
            Ok(super::super::Lower::Unbounded)
        ));
        assert!(matches!(
            window(1_000_000, 2),
            Ok(super::super::Lower::After(827_200))
        ));
        assert!(window(1_000_000, -2).is_err());
    }
}
