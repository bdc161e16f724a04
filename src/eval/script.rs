//! Scripted predicates: rhai programs run in a sandbox.
//!
//! One [`Engine`] is built per process (rhai's `sync` feature makes it
//! `Send + Sync`; evaluation only reads it, so threads never contend). The
//! checker compiles each `script` block once into an `AST` kept in the IR
//! behind an `Arc`; evaluation never compiles.
//!
//! A script reads the contact being evaluated through functions registered
//! on the engine (`points()`, `field("budget")`, `count("purchase", 90)`, …).
//! Those functions find the contact through a thread-local pointer that
//! [`run`] sets for exactly the duration of one evaluation on this thread.
//!
//! The sandbox: no file, module, network or clock access exists in the
//! engine (`no_module`, `no_time`, no I/O package), and no function that
//! blocks: the engine starts raw and gets rhai's packages one by one,
//! leaving out the language-core package (its `sleep` blocks the thread).
//! Every function the engine knows is on a reviewed list checked into the
//! repository (`src/eval/sandbox_functions.txt`); a test fails on any other,
//! so a rhai upgrade that adds one is reviewed before it ships. `eval` is
//! disabled; `print`/`debug` go nowhere; every resource limit is set
//! explicitly in [`LIMITS`], so debug and release builds stop scripts at the
//! same point.
//!
//! rhai counts a call of a host function as one operation, but `count()`,
//! `sum()`, `average()` and `days_since_*()` walk the contact's events. They
//! are charged by the work they do: every event a call walks spends one of
//! the evaluation's [`Limits::event_visits`], and a script that spends them
//! all fails with the limit named (E0705), even if it catches the error.

use super::Context;
use crate::base::value::{Instant, Value};
use crate::base::vocab::{CmpOp, FieldType};
use crate::data::Event;
use crate::diagnostics::codes::{self, Code};
use crate::ir::{EventTypeId, Program, ScriptId};
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Map, Scope, FLOAT, INT};
use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

/// The sandbox limits. Documented in docs/language.md section 11.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub operations: u64,
    pub call_depth: usize,
    pub expr_depth: usize,
    pub function_expr_depth: usize,
    pub string_size: usize,
    pub array_size: usize,
    pub map_size: usize,
    pub variables: usize,
    /// Events the contact-view functions may walk in one evaluation, over
    /// all their calls.
    pub event_visits: u64,
}

pub const LIMITS: Limits = Limits {
    operations: 100_000,
    call_depth: 32,
    expr_depth: 64,
    function_expr_depth: 32,
    string_size: 10_000,
    array_size: 1_000,
    map_size: 1_000,
    variables: 256,
    event_visits: 1_000_000,
};

/// The shared sandboxed engine.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build_engine)
}

fn build_engine() -> Engine {
    use rhai::packages::{
        ArithmeticPackage, BasicArrayPackage, BasicBlobPackage, BasicFnPackage,
        BasicIteratorPackage, BasicMapPackage, BasicMathPackage, BasicStringPackage,
        BitFieldPackage, LogicPackage, MoreStringPackage, Package,
    };
    // rhai's standard package minus `LanguageCorePackage`, whose `sleep`
    // blocks the thread (and whose `exit`, `take`, `tag`, `parse_json` and
    // `get_fn_metadata_list` no script here needs). The time package does
    // not exist (`no_time`), nor the debugger.
    let mut engine = Engine::new_raw();
    for package in [
        ArithmeticPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
        BitFieldPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicBlobPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(package);
    }
    let l = LIMITS;
    engine
        .set_max_operations(l.operations)
        .set_max_call_levels(l.call_depth)
        .set_max_expr_depths(l.expr_depth, l.function_expr_depth)
        .set_max_string_size(l.string_size)
        .set_max_array_size(l.array_size)
        .set_max_map_size(l.map_size)
        .set_max_variables(l.variables)
        .set_strict_variables(true)
        .set_optimization_level(rhai::OptimizationLevel::Simple);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    register_contact_api(&mut engine);
    engine
}

/// The names of the functions a script may call: the script's own, the
/// engine's packages and the contact view below.
pub fn known_functions() -> &'static std::collections::HashSet<String> {
    static NAMES: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: std::collections::HashSet<String> = engine()
            .gen_fn_signatures(true)
            .into_iter()
            .filter_map(|sig| {
                let name = sig.split('(').next()?.trim();
                // `get$field` / `set$field`, `Fn …`: keep the bare name.
                Some(name.rsplit(' ').next().unwrap_or(name).to_string())
            })
            .collect();
        // Keywords rhai handles itself.
        for name in [
            "type_of",
            "Fn",
            "call",
            "curry",
            "is_def_var",
            "is_def_fn",
            "print",
            "debug",
        ] {
            names.insert(name.into());
        }
        names
    })
}

// ------------------------------------------------------------ contact access

thread_local! {
    /// The context being evaluated on this thread, during [`run`] only.
    static CURRENT: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
    /// Events the contact view has walked in the evaluation under way.
    static VISITS: Cell<u64> = const { Cell::new(0) };
    /// Run-time script errors since the last [`take_errors`].
    static ERRORS: RefCell<Vec<ScriptError>> = const { RefCell::new(Vec::new()) };
    /// The rule whose condition is being evaluated, for error messages.
    static RULE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Clears the current-context pointer when an evaluation ends, even by an
/// early return.
struct Current;

impl Current {
    /// Makes `context` the one the contact view reads, with a fresh budget
    /// of event visits.
    fn set(context: &Context<'_>) -> Current {
        CURRENT.with(|c| c.set(context as *const Context<'_> as *const ()));
        VISITS.with(|v| v.set(0));
        Current
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(std::ptr::null()));
    }
}

/// Runs `f` on the context being evaluated; `None` outside an evaluation.
fn with_context<T>(f: impl FnOnce(&Context<'_>) -> T) -> Option<T> {
    let ptr = CURRENT.with(Cell::get);
    if ptr.is_null() {
        return None;
    }
    // The one `unsafe` block of the crate (`#![deny(unsafe_code)]` in
    // lib.rs). rhai's native functions are `'static` closures with no way to
    // borrow the evaluation's `Context`, so the context reaches them through
    // this thread-local pointer. It is sound because:
    // - the pointer is set by `Current::set` from a live `&Context` at the
    //   start of `evaluate`, and the `Current` guard that `Drop`s it back to
    //   null lives in a block inside that borrow, so a non-null pointer
    //   always points at a context that is alive;
    // - it is thread-local, and rhai calls native functions synchronously
    //   inside `eval_ast_with_scope` on the thread that set it (the `sync`
    //   feature never moves an evaluation to another thread);
    // - a `Context` is only ever shared, never mutably borrowed, during an
    //   evaluation, so creating another `&Context` aliases nothing mutable;
    // - the reference handed to `f` cannot outlive this call (`f` gets it
    //   for the closure's duration only, and `T` cannot borrow from it
    //   because its lifetime is not nameable outside `f`).
    #[allow(unsafe_code)]
    let context = unsafe { &*(ptr as *const Context<'_>) };
    Some(f(context))
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
pub fn evaluate(context: &Context<'_>, id: ScriptId, ty: FieldType) -> Result<Value, Failure> {
    let Some(script) = context.program.compiled.scripts.get(id) else {
        return Err(Failure::failed("no such script".into()));
    };
    let (result, visits) = {
        let _current = Current::set(context);
        let result = engine().eval_ast_with_scope::<Dynamic>(&mut Scope::new(), script);
        (result, VISITS.with(Cell::get))
    };
    // Checked first: a script that caught the error of an exhausted budget
    // (`try … catch`) still failed, it must not pass on a partial count.
    if visits > LIMITS.event_visits {
        return Err(Failure::limit(visits_exceeded()));
    }
    match result {
        Ok(value) => convert(&value, ty).map_err(Failure::failed),
        Err(error) => Err(describe(&error)),
    }
}

/// A script's result as a value of type `ty`. Integers and floats are
/// numbers; a number that is not finite, `()` and any other type fail.
fn convert(value: &Dynamic, ty: FieldType) -> Result<Value, String> {
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

// --------------------------------------------------------- the contact view

fn event_type<'p>(
    program: &'p Program,
    name: &str,
) -> Option<(EventTypeId, &'p crate::ir::EventTypeDef)> {
    program
        .event_types
        .iter_enumerated()
        .find(|(_, t)| t.name == name)
}

fn value_to_dynamic(value: &Value) -> Dynamic {
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

fn dynamic_matches(value: Option<&Value>, wanted: &Dynamic) -> bool {
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
        other => value_to_dynamic(other).to_string() == wanted.to_string(),
    }
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

/// The error of a host call given a fractional window: windows are whole
/// days, as in the language (`in the last 7 days`).
fn fractional_window(function: &str, days: FLOAT) -> Box<EvalAltResult> {
    format!(
        "`{function}` was given a window of {days} days; a window is a whole number of days \
         (write {} or {}), or -1 for all time",
        days.floor(),
        days.ceil()
    )
    .into()
}

/// Walks `events`, spending one of the evaluation's event visits per event;
/// stops early (leaving `exhausted` set) when the budget runs out.
struct Charged<'i, 'e> {
    events: &'i mut dyn Iterator<Item = &'e Event>,
    exhausted: bool,
}

impl<'e> Iterator for Charged<'_, 'e> {
    type Item = &'e Event;

    fn next(&mut self) -> Option<&'e Event> {
        if self.exhausted {
            return None;
        }
        let event = self.events.next()?;
        let spent = VISITS.with(|v| {
            let spent = v.get().saturating_add(1);
            v.set(spent);
            spent
        });
        if spent > LIMITS.event_visits {
            self.exhausted = true;
            return None;
        }
        Some(event)
    }
}

/// The events of one type in the window of `days` days (see [`window`])
/// whose properties equal every entry of `filter`, handed to `f` with the
/// type's definition. Every event of the window walked is charged to the
/// evaluation's budget; when it runs out the call fails, naming the limit.
fn query<T>(
    type_name: &str,
    days: INT,
    filter: Option<&Map>,
    f: impl FnOnce(
        &Context<'_>,
        &crate::ir::EventTypeDef,
        &mut dyn Iterator<Item = &Event>,
    ) -> Result<T, Box<EvalAltResult>>,
) -> Result<T, Box<EvalAltResult>> {
    if VISITS.with(Cell::get) > LIMITS.event_visits {
        return Err(visits_exceeded().into());
    }
    with_context(|context| {
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
            exhausted: false,
        };
        let mut events = (&mut charged).filter(|e| {
            wanted.iter().all(|(p, w)| {
                dynamic_matches(e.properties.get(p.index()).and_then(Option::as_ref), w)
            })
        });
        let result = f(context, def, &mut events);
        if charged.exhausted {
            return Err(visits_exceeded().into());
        }
        result
    })
    .unwrap_or_else(|| Err(no_context()))
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

fn sum_of(
    type_name: &str,
    property: &str,
    days: INT,
    filter: Option<&Map>,
) -> Result<FLOAT, Box<EvalAltResult>> {
    query(type_name, days, filter, |_, def, events| {
        numbers(events, def, property).map(|v| v.iter().sum())
    })
}

fn average_of(
    type_name: &str,
    property: &str,
    days: INT,
    filter: Option<&Map>,
) -> Result<Dynamic, Box<EvalAltResult>> {
    query(type_name, days, filter, |_, def, events| {
        numbers(events, def, property).map(|v| {
            if v.is_empty() {
                Dynamic::UNIT
            } else {
                Dynamic::from_float(v.iter().sum::<f64>() / v.len() as f64)
            }
        })
    })
}

fn count_of(type_name: &str, days: INT, filter: Option<&Map>) -> Result<INT, Box<EvalAltResult>> {
    query(type_name, days, filter, |_, _, events| {
        Ok(INT::try_from(events.count()).unwrap_or(INT::MAX))
    })
}

/// Days (fractional) from the first or last matching event to now; `()`
/// when there is none.
fn days_since(type_name: &str, newest: bool) -> Result<Dynamic, Box<EvalAltResult>> {
    query(type_name, -1, None, |context, _, events| {
        let at = if newest {
            events.map(|e| e.at).max()
        } else {
            events.map(|e| e.at).min()
        };
        Ok(at.map_or(Dynamic::UNIT, |at| {
            Dynamic::from_float((context.clock.now - at) as f64 / 86_400.0)
        }))
    })
}

fn no_context() -> Box<EvalAltResult> {
    "no contact is being evaluated".into()
}

fn register_contact_api(engine: &mut Engine) {
    engine.register_fn("points", || -> Result<INT, Box<EvalAltResult>> {
        with_context(|c| c.state.points as INT).ok_or_else(no_context)
    });
    engine.register_fn(
        "stage",
        || -> Result<ImmutableString, Box<EvalAltResult>> {
            with_context(|c| {
                c.state
                    .stage
                    .and_then(|s| c.program.stages.get(s))
                    .map_or_else(ImmutableString::new, |s| s.as_str().into())
            })
            .ok_or_else(no_context)
        },
    );
    engine.register_fn("stage_index", || -> Result<INT, Box<EvalAltResult>> {
        with_context(|c| c.state.stage.map_or(-1, |s| s.index() as INT)).ok_or_else(no_context)
    });
    engine.register_fn("has_tag", |tag: &str| -> Result<bool, Box<EvalAltResult>> {
        with_context(|c| c.state.tags.contains(tag)).ok_or_else(no_context)
    });
    engine.register_fn(
        "field",
        |name: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            with_context(|c| {
                let Some(id) = c.program.fields.iter().position(|f| f.name == name) else {
                    return Err(format!("unknown field `{name}`").into());
                };
                Ok(c.state
                    .fields
                    .get(id)
                    .and_then(Option::as_ref)
                    .map_or(Dynamic::UNIT, value_to_dynamic))
            })
            .ok_or_else(no_context)?
        },
    );
    engine.register_fn("count", |t: &str| count_of(t, -1, None));
    engine.register_fn("count", |t: &str, days: INT| count_of(t, days, None));
    engine.register_fn("count", |t: &str, days: INT, filter: Map| {
        count_of(t, days, Some(&filter))
    });
    engine.register_fn("sum", |t: &str, p: &str| sum_of(t, p, -1, None));
    engine.register_fn("sum", |t: &str, p: &str, days: INT| {
        sum_of(t, p, days, None)
    });
    engine.register_fn("sum", |t: &str, p: &str, days: INT, filter: Map| {
        sum_of(t, p, days, Some(&filter))
    });
    engine.register_fn("average", |t: &str, p: &str| average_of(t, p, -1, None));
    engine.register_fn("average", |t: &str, p: &str, days: INT| {
        average_of(t, p, days, None)
    });
    engine.register_fn("average", |t: &str, p: &str, days: INT, filter: Map| {
        average_of(t, p, days, Some(&filter))
    });
    // A fractional window gets a failure that says windows are whole days,
    // not rhai's "function not found" for a float argument.
    engine.register_fn(
        "count",
        |_: &str, days: FLOAT| -> Result<INT, Box<EvalAltResult>> {
            Err(fractional_window("count", days))
        },
    );
    engine.register_fn(
        "count",
        |_: &str, days: FLOAT, _: Map| -> Result<INT, Box<EvalAltResult>> {
            Err(fractional_window("count", days))
        },
    );
    engine.register_fn(
        "sum",
        |_: &str, _: &str, days: FLOAT| -> Result<FLOAT, Box<EvalAltResult>> {
            Err(fractional_window("sum", days))
        },
    );
    engine.register_fn(
        "sum",
        |_: &str, _: &str, days: FLOAT, _: Map| -> Result<FLOAT, Box<EvalAltResult>> {
            Err(fractional_window("sum", days))
        },
    );
    engine.register_fn(
        "average",
        |_: &str, _: &str, days: FLOAT| -> Result<Dynamic, Box<EvalAltResult>> {
            Err(fractional_window("average", days))
        },
    );
    engine.register_fn(
        "average",
        |_: &str, _: &str, days: FLOAT, _: Map| -> Result<Dynamic, Box<EvalAltResult>> {
            Err(fractional_window("average", days))
        },
    );
    engine.register_fn("days_since_first", |t: &str| days_since(t, false));
    engine.register_fn("days_since_last", |t: &str| days_since(t, true));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The reviewed list of every function the engine knows, one signature
    /// a line (comments start with `#`).
    const REVIEWED: &str = include_str!("sandbox_functions.txt");

    fn registered() -> BTreeSet<String> {
        engine().gen_fn_signatures(true).into_iter().collect()
    }

    /// Every function a script can call was reviewed: none blocks, reads
    /// the clock or touches the world. A rhai upgrade (or a new host
    /// function) that adds one fails here until the list is reviewed and
    /// updated: rerun with `UPDATE_SANDBOX_FUNCTIONS=1` to rewrite the file,
    /// then review its diff.
    #[test]
    fn every_registered_function_is_on_the_reviewed_list() {
        let registered = registered();
        if std::env::var_os("UPDATE_SANDBOX_FUNCTIONS").is_some() {
            let header: String = REVIEWED
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            let body: String = registered.iter().map(|s| format!("{s}\n")).collect();
            std::fs::write(
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/src/eval/sandbox_functions.txt"
                ),
                header + body.as_str(),
            )
            .unwrap();
            return;
        }
        let reviewed: BTreeSet<String> = REVIEWED
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        let unreviewed: Vec<_> = registered.difference(&reviewed).collect();
        let gone: Vec<_> = reviewed.difference(&registered).collect();
        assert!(
            unreviewed.is_empty() && gone.is_empty(),
            "the engine's functions differ from src/eval/sandbox_functions.txt:\n\
             not reviewed: {unreviewed:#?}\nno longer registered: {gone:#?}"
        );
    }

    #[test]
    fn nothing_blocks_or_reads_the_clock() {
        let names = known_functions();
        for forbidden in [
            "sleep",
            "timestamp",
            "elapsed",
            "exit",
            "eval",
            "import",
            "get_fn_metadata_list",
        ] {
            assert!(!names.contains(forbidden), "`{forbidden}` is registered");
        }
        assert!(engine().compile("sleep(3600)").is_ok());
        let failure = engine().eval::<()>("sleep(1)").unwrap_err();
        assert!(
            matches!(*failure, EvalAltResult::ErrorFunctionNotFound(..)),
            "{failure}"
        );
    }

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
        let message = fractional_window("count", 7.5).to_string();
        assert!(message.contains("write 7 or 8"), "{message}");
    }
}
