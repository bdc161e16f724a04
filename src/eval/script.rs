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
//! engine (`no_module`, `no_time`, no I/O package); `eval` is disabled;
//! `print`/`debug` go nowhere; every resource limit is set explicitly in
//! [`LIMITS`], so debug and release builds stop scripts at the same point.

use super::Context;
use crate::check::ir::{EventTypeId, FieldType, Program, ScriptId};
use crate::data::Event;
use crate::syntax::ast::CmpOp;
use crate::value::{Instant, Value};
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
};

/// The shared sandboxed engine.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(build_engine)
}

fn build_engine() -> Engine {
    let mut engine = Engine::new();
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
    /// Run-time script errors since the last [`take_errors`].
    static ERRORS: RefCell<Vec<ScriptError>> = const { RefCell::new(Vec::new()) };
    /// The rule whose condition is being evaluated, for error messages.
    static RULE: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Clears the current-context pointer when an evaluation ends, even by an
/// early return.
struct Current;

impl Current {
    fn set(context: &Context<'_>) -> Current {
        CURRENT.with(|c| c.set(context as *const Context<'_> as *const ()));
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
    // SAFETY: the pointer is set by `Current::set` from a live `&Context`
    // at the start of `run` and cleared by `Current`'s drop before that
    // borrow ends. Native functions are called synchronously by
    // `eval_ast` inside `run`, on this same thread, so the context is alive
    // and not mutably borrowed (a `Context` is only ever shared).
    let context = unsafe { &*(ptr as *const Context<'_>) };
    Some(f(context))
}

/// Sets the rule whose conditions are being evaluated (for error messages).
pub fn set_rule(rule: Option<usize>) {
    RULE.with(|r| r.set(rule));
}

/// A script that failed at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    pub script: String,
    /// The rule being evaluated, if a rule's condition called the script.
    pub rule: Option<String>,
    pub at: Instant,
    pub message: String,
}

impl ScriptError {
    /// The failure in words, naming the script, the rule, the contact, the
    /// instant and the limit (as `simulate` and `test` report it).
    pub fn describe(&self, contact: &str) -> String {
        format!(
            "script `{}`{} for contact `{contact}` at {}: {}",
            self.script,
            self.rule
                .as_ref()
                .map(|r| format!(" in rule `{r}`"))
                .unwrap_or_default(),
            crate::report::rfc3339(self.at),
            self.message
        )
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
        Err(message) => {
            record(program, &script.name, context.clock.now, message);
            None
        }
    }
}

/// Runs a script and converts its result to `ty`, recording nothing: the
/// error is the failure in words (for explanations).
pub fn evaluate(context: &Context<'_>, id: ScriptId, ty: FieldType) -> Result<Value, String> {
    let Some(script) = context.program.scripts.get(id) else {
        return Err("no such script".into());
    };
    let result = {
        let _current = Current::set(context);
        engine().eval_ast_with_scope::<Dynamic>(&mut Scope::new(), &script.ast)
    };
    match result {
        Ok(value) => convert(&value, ty),
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
        (Value::Number(a), Value::Number(b)) => a
            .partial_cmp(b)
            .is_some_and(|ordering| super::cmp_holds(op, ordering)),
        _ => match op {
            CmpOp::Eq => left == right,
            CmpOp::Ne => left != right,
            _ => false,
        },
    }
}

fn record(program: &Program, script: &str, at: Instant, message: String) {
    let rule = RULE
        .with(Cell::get)
        .and_then(|r| program.rules.get(r))
        .map(|r| r.name.clone());
    ERRORS.with(|e| {
        e.borrow_mut().push(ScriptError {
            script: script.to_string(),
            rule,
            at,
            message,
        })
    });
}

/// A run-time error in words, naming the limit when one was hit.
pub fn describe(error: &EvalAltResult) -> String {
    let l = LIMITS;
    match error {
        EvalAltResult::ErrorTooManyOperations(_) => {
            format!(
                "stopped: more than {} operations (limit `operations`)",
                l.operations
            )
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            format!(
                "stopped: calls nested deeper than {} (limit `call depth`)",
                l.call_depth
            )
        }
        EvalAltResult::ErrorTooManyVariables(_) => {
            format!(
                "stopped: more than {} variables (limit `variables`)",
                l.variables
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let (limit, size) = match what.as_str() {
                s if s.contains("string") || s.contains("String") => ("string size", l.string_size),
                s if s.contains("rray") => ("array size", l.array_size),
                s if s.contains("ap") => ("map size", l.map_size),
                _ => ("data size", l.string_size),
            };
            format!("stopped: {what} larger than {size} (limit `{limit}`)")
        }
        other => format!("failed: {}", other.to_string().replace('\n', " ")),
    }
}

// --------------------------------------------------------- the contact view

fn event_type(program: &Program, name: &str) -> Option<EventTypeId> {
    program.event_types.iter().position(|t| t.name == name)
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

/// The events of one type in the last `days` days (all time when `days`
/// is negative) whose properties equal every entry of `filter`.
fn query<T>(
    type_name: &str,
    days: INT,
    filter: Option<&Map>,
    f: impl FnOnce(&Context<'_>, &mut dyn Iterator<Item = &Event>) -> T,
) -> Result<T, Box<EvalAltResult>> {
    with_context(|context| {
        let program = context.program;
        let Some(event_type) = event_type(program, type_name) else {
            return Err(format!("unknown event type `{type_name}`").into());
        };
        let def = &program.event_types[event_type];
        let mut wanted = Vec::new();
        for (key, value) in filter.into_iter().flatten() {
            let Some(property) = def.property(key) else {
                return Err(format!("event type `{type_name}` has no property `{key}`").into());
            };
            wanted.push((property, value));
        }
        let now = context.clock.now;
        let lower = if days < 0 {
            super::Lower::Unbounded
        } else {
            super::Lower::After(now.saturating_sub(days.saturating_mul(86_400)))
        };
        let mut events = context
            .events
            .in_window(event_type, lower, now)
            .filter(|e| {
                wanted
                    .iter()
                    .all(|(p, w)| dynamic_matches(e.properties.get(*p).and_then(Option::as_ref), w))
            });
        Ok(f(context, &mut events))
    })
    .unwrap_or_else(|| Err("no contact is being evaluated".into()))
}

fn numbers(
    events: &mut dyn Iterator<Item = &Event>,
    def: &crate::check::ir::EventTypeDef,
    property: &str,
) -> Result<Vec<f64>, Box<EvalAltResult>> {
    let Some(p) = def.property(property) else {
        return Err(format!("event type `{}` has no property `{property}`", def.name).into());
    };
    Ok(events
        .filter_map(|e| e.properties.get(p).and_then(Option::as_ref))
        .filter_map(Value::as_number)
        .collect())
}

fn sum_of(
    type_name: &str,
    property: &str,
    days: INT,
    filter: Option<&Map>,
) -> Result<FLOAT, Box<EvalAltResult>> {
    query(type_name, days, filter, |context, events| {
        let def = &context.program.event_types[event_type(context.program, type_name).unwrap_or(0)];
        numbers(events, def, property).map(|v| v.iter().sum())
    })?
}

fn average_of(
    type_name: &str,
    property: &str,
    days: INT,
    filter: Option<&Map>,
) -> Result<Dynamic, Box<EvalAltResult>> {
    query(type_name, days, filter, |context, events| {
        let def = &context.program.event_types[event_type(context.program, type_name).unwrap_or(0)];
        numbers(events, def, property).map(|v| {
            if v.is_empty() {
                Dynamic::UNIT
            } else {
                Dynamic::from_float(v.iter().sum::<f64>() / v.len() as f64)
            }
        })
    })?
}

/// Days (fractional) from the first or last matching event to now; `()`
/// when there is none.
fn days_since(type_name: &str, newest: bool) -> Result<Dynamic, Box<EvalAltResult>> {
    query(type_name, -1, None, |context, events| {
        let at = if newest {
            events.map(|e| e.at).max()
        } else {
            events.map(|e| e.at).min()
        };
        at.map_or(Dynamic::UNIT, |at| {
            Dynamic::from_float((context.clock.now - at) as f64 / 86_400.0)
        })
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
        with_context(|c| c.state.stage.map_or(-1, |s| s as INT)).ok_or_else(no_context)
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
    engine.register_fn("count", |t: &str| -> Result<INT, Box<EvalAltResult>> {
        query(t, -1, None, |_, e| e.count() as INT)
    });
    engine.register_fn(
        "count",
        |t: &str, days: INT| -> Result<INT, Box<EvalAltResult>> {
            query(t, days, None, |_, e| e.count() as INT)
        },
    );
    engine.register_fn(
        "count",
        |t: &str, days: INT, filter: Map| -> Result<INT, Box<EvalAltResult>> {
            query(t, days, Some(&filter), |_, e| e.count() as INT)
        },
    );
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
    engine.register_fn("days_since_first", |t: &str| days_since(t, false));
    engine.register_fn("days_since_last", |t: &str| days_since(t, true));
}
