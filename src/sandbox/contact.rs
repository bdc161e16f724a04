//! The contact API: the functions a script calls to read the contact being
//! evaluated, registered on the shared engine.
//!
//! The sandbox only defines the interface ([`ContactView`]); the evaluator
//! implements it and installs its view with [`with_view`] around one
//! evaluation. rhai's native functions are `'static` closures with no way
//! to borrow that view, so they reach it through a thread-local slot that
//! holds it for exactly the duration of [`with_view`] on this thread.

use crate::base::value::Value;
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Map, FLOAT, INT};
use std::cell::Cell;

/// The names of the contact API, as the checker lists them in its help.
pub const CONTACT_API: &[&str] = &[
    "points",
    "stage",
    "stage_index",
    "has_tag",
    "field",
    "count",
    "sum",
    "average",
    "days_since_first",
    "days_since_last",
];

/// What a script may read of the contact being evaluated, as the host
/// (the evaluator) provides it. The event functions take a window of
/// `days` days ending at the instant evaluated (-1: all time) and an
/// optional filter of property values, exactly as the script passed them:
/// checking them, walking the events and charging every event walked to
/// the evaluation's budget ([`crate::sandbox::Limits::event_visits`]) are
/// the host's, which walks them.
pub trait ContactView {
    /// The contact's points.
    fn points(&self) -> i64;
    /// The name of the contact's stage; `None` before it has one.
    fn stage(&self) -> Option<&str>;
    /// The position of the contact's stage in the funnel, from 0.
    fn stage_index(&self) -> Option<usize>;
    fn has_tag(&self, tag: &str) -> bool;
    /// `None` when the program declares no field `name`, `Some(None)` when
    /// the contact has no value for it.
    fn field(&self, name: &str) -> Option<Option<&Value>>;
    /// How many events of a type the window and filter hold.
    fn count(
        &self,
        event_type: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<INT, Box<EvalAltResult>>;
    /// The sum of a numeric property over those events.
    fn sum(
        &self,
        event_type: &str,
        property: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<FLOAT, Box<EvalAltResult>>;
    /// Their average of a numeric property; `None` when none has one.
    fn average(
        &self,
        event_type: &str,
        property: &str,
        days: INT,
        filter: Option<&Map>,
    ) -> Result<Option<FLOAT>, Box<EvalAltResult>>;
    /// Days (fractional) from the first event of a type to now; `None`
    /// when there is none.
    fn days_since_first(&self, event_type: &str) -> Result<Option<FLOAT>, Box<EvalAltResult>>;
    /// Days (fractional) from the last event of a type to now.
    fn days_since_last(&self, event_type: &str) -> Result<Option<FLOAT>, Box<EvalAltResult>>;
}

thread_local! {
    /// The view of the evaluation under way on this thread, during
    /// [`with_view`] only: a thin pointer to a `&dyn ContactView`.
    static CURRENT: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
}

/// Puts the view that was current back when an evaluation ends, even by an
/// early return or an unwind.
struct Current {
    previous: *const (),
}

impl Current {
    fn set(view: &&dyn ContactView) -> Current {
        let ptr = view as *const &dyn ContactView as *const ();
        Current {
            previous: CURRENT.with(|c| c.replace(ptr)),
        }
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

/// Runs `f` (one evaluation of a script) with `view` as the contact the
/// contact API reads on this thread.
pub fn with_view<T>(view: &dyn ContactView, f: impl FnOnce() -> T) -> T {
    // The slot the thread-local pointer points at: declared before the
    // guard, so it outlives it.
    let slot: &dyn ContactView = view;
    let _current = Current::set(&slot);
    f()
}

/// Runs `f` on the view being evaluated; `None` outside [`with_view`].
fn current<T>(f: impl FnOnce(&dyn ContactView) -> T) -> Option<T> {
    let ptr = CURRENT.with(Cell::get);
    if ptr.is_null() {
        return None;
    }
    // The one `unsafe` block of the crate (`#![deny(unsafe_code)]` in
    // lib.rs). It is sound because:
    // - the pointer is set by `Current::set` from the `slot` of a running
    //   `with_view`, which holds a live `&dyn ContactView`; the `Current`
    //   guard puts the previous pointer (null, or the slot of an enclosing
    //   `with_view`, still running) back before `slot` goes out of scope,
    //   so a non-null pointer always points at a live slot whose view is
    //   alive;
    // - it is thread-local, and rhai calls native functions synchronously
    //   inside the evaluation `f` runs, on the thread that set it (the
    //   `sync` feature never moves an evaluation to another thread);
    // - the view is only ever shared (`&`), never mutably borrowed, during
    //   an evaluation, so another `&dyn ContactView` aliases nothing
    //   mutable;
    // - the reference handed to `f` cannot outlive this call (`f` gets it
    //   for the closure's duration only, and `T` cannot borrow from it
    //   because its lifetime is not nameable outside `f`).
    #[allow(unsafe_code)]
    let view: &dyn ContactView = unsafe { *(ptr as *const &dyn ContactView) };
    Some(f(view))
}

fn no_context() -> Box<EvalAltResult> {
    "no contact is being evaluated".into()
}

/// The error of a host call given a fractional window: windows are whole
/// days, as in the language (`in the last 7 days`).
pub(super) fn fractional_window(function: &str, days: FLOAT) -> Box<EvalAltResult> {
    format!(
        "`{function}` was given a window of {days} days; a window is a whole number of days \
         (write {} or {}), or -1 for all time",
        days.floor(),
        days.ceil()
    )
    .into()
}

fn count(t: &str, days: INT, filter: Option<&Map>) -> Result<INT, Box<EvalAltResult>> {
    current(|v| v.count(t, days, filter)).unwrap_or_else(|| Err(no_context()))
}

fn sum(t: &str, p: &str, days: INT, filter: Option<&Map>) -> Result<FLOAT, Box<EvalAltResult>> {
    current(|v| v.sum(t, p, days, filter)).unwrap_or_else(|| Err(no_context()))
}

fn average(
    t: &str,
    p: &str,
    days: INT,
    filter: Option<&Map>,
) -> Result<Dynamic, Box<EvalAltResult>> {
    current(|v| v.average(t, p, days, filter))
        .unwrap_or_else(|| Err(no_context()))
        .map(unit_or_float)
}

fn unit_or_float(value: Option<FLOAT>) -> Dynamic {
    value.map_or(Dynamic::UNIT, Dynamic::from_float)
}

/// Registers the contact API on `engine`.
pub(super) fn register(engine: &mut Engine) {
    engine.register_fn("points", || -> Result<INT, Box<EvalAltResult>> {
        current(|v| v.points() as INT).ok_or_else(no_context)
    });
    engine.register_fn(
        "stage",
        || -> Result<ImmutableString, Box<EvalAltResult>> {
            current(|v| v.stage().map_or_else(ImmutableString::new, Into::into))
                .ok_or_else(no_context)
        },
    );
    engine.register_fn("stage_index", || -> Result<INT, Box<EvalAltResult>> {
        current(|v| v.stage_index().map_or(-1, |s| s as INT)).ok_or_else(no_context)
    });
    engine.register_fn("has_tag", |tag: &str| -> Result<bool, Box<EvalAltResult>> {
        current(|v| v.has_tag(tag)).ok_or_else(no_context)
    });
    engine.register_fn(
        "field",
        |name: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            current(|v| match v.field(name) {
                None => Err(format!("unknown field `{name}`").into()),
                Some(value) => Ok(value.map_or(Dynamic::UNIT, super::to_dynamic)),
            })
            .ok_or_else(no_context)?
        },
    );
    engine.register_fn("count", |t: &str| count(t, -1, None));
    engine.register_fn("count", |t: &str, days: INT| count(t, days, None));
    engine.register_fn("count", |t: &str, days: INT, filter: Map| {
        count(t, days, Some(&filter))
    });
    engine.register_fn("sum", |t: &str, p: &str| sum(t, p, -1, None));
    engine.register_fn("sum", |t: &str, p: &str, days: INT| sum(t, p, days, None));
    engine.register_fn("sum", |t: &str, p: &str, days: INT, filter: Map| {
        sum(t, p, days, Some(&filter))
    });
    engine.register_fn("average", |t: &str, p: &str| average(t, p, -1, None));
    engine.register_fn("average", |t: &str, p: &str, days: INT| {
        average(t, p, days, None)
    });
    engine.register_fn("average", |t: &str, p: &str, days: INT, filter: Map| {
        average(t, p, days, Some(&filter))
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
    engine.register_fn(
        "days_since_first",
        |t: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            current(|v| v.days_since_first(t))
                .unwrap_or_else(|| Err(no_context()))
                .map(unit_or_float)
        },
    );
    engine.register_fn(
        "days_since_last",
        |t: &str| -> Result<Dynamic, Box<EvalAltResult>> {
            current(|v| v.days_since_last(t))
                .unwrap_or_else(|| Err(no_context()))
                .map(unit_or_float)
        },
    );
}
