//! The rhai sandbox scripts run in: one engine, its limits and the reviewed
//! list of every function a script may call.
//!
//! The checker compiles scripts with this engine and asks it which calls
//! are valid; the evaluator runs the compiled scripts with it. Both sit
//! above this module, so neither depends on the other for scripts.
//!
//! One [`Engine`] is built per process (rhai's `sync` feature makes it
//! `Send + Sync`; evaluation only reads it, so threads never contend). The
//! checker compiles each `script` block once into an `AST` kept in the IR;
//! evaluation never compiles.
//!
//! What the sandbox withholds: no file, module, network or clock access
//! exists in the engine (`no_module`, `no_time`, no I/O package), and no
//! function that blocks: the engine starts raw and gets rhai's packages one
//! by one, leaving out the language-core package (its `sleep` blocks the
//! thread). Every function the engine knows is on a reviewed list checked
//! into the repository (`src/sandbox/functions.txt`); a test fails on any
//! other, so a rhai upgrade that adds one is reviewed before it ships.
//! `eval` is disabled; `print`/`debug` go nowhere; every resource limit is
//! set explicitly in [`LIMITS`], so debug and release builds stop scripts at
//! the same point.
//!
//! A script reads the contact being evaluated through the contact API
//! registered here (`points()`, `field("budget")`, `count("purchase", 90)`,
//! …), which calls whatever [`ContactView`] the evaluator installs with
//! [`with_view`] for one evaluation.

mod contact;
mod limits;
mod values;

pub use contact::{with_view, ContactView, CONTACT_API};
pub use limits::{Limits, LIMITS};
pub use values::{from_dynamic, matches, to_dynamic};

use rhai::Engine;
use std::collections::HashSet;
use std::sync::OnceLock;

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
    contact::register(&mut engine);
    engine
}

/// The names of the functions a script may call: the script's own, the
/// engine's packages and the contact API.
pub fn known_functions() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: HashSet<String> = engine()
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

/// rhai functions the sandbox leaves out on purpose, and why: a script
/// must not block, read the clock or end the evaluation from inside.
const WITHHELD: &[(&str, &str)] = &[
    ("sleep", "scripts cannot wait: `sleep` would block the whole run"),
    ("timestamp", "scripts have no clock: \"now\" is the instant being evaluated; use `days_since_last(type)` and the windows of `count`/`sum`/`average`"),
    ("elapsed", "scripts have no clock: \"now\" is the instant being evaluated"),
    ("exit", "a script ends with the value of its last statement; use `return`"),
    ("parse_json", "scripts read the contact through the contact view only"),
    ("get_fn_metadata_list", "scripts cannot inspect the engine"),
];

/// Why the sandbox leaves out the rhai function `name`, if it does so on
/// purpose (for the checker's help on a call of it).
pub fn withheld(name: &str) -> Option<&'static str> {
    WITHHELD
        .iter()
        .find(|(withheld, _)| *withheld == name)
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests;
