#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::contact::fractional_window;
use super::*;
use rhai::EvalAltResult;
use std::collections::BTreeSet;

/// The reviewed list of every function the engine knows, one signature a
/// line (comments start with `#`).
const REVIEWED: &str = include_str!("functions.txt");

fn registered() -> BTreeSet<String> {
    engine().gen_fn_signatures(true).into_iter().collect()
}

/// Every function a script can call was reviewed: none blocks, reads the
/// clock or touches the world. A rhai upgrade (or a new host function)
/// that adds one fails here until the list is reviewed and updated: rerun
/// with `UPDATE_SANDBOX_FUNCTIONS=1` to rewrite the file, then review its
/// diff.
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
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/sandbox/functions.txt"),
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
        "the engine's functions differ from src/sandbox/functions.txt:\n\
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
fn every_withheld_function_is_unknown_and_every_api_function_known() {
    for (name, _) in WITHHELD {
        assert!(!known_functions().contains(*name), "`{name}` is registered");
        assert!(withheld(name).is_some());
    }
    for name in CONTACT_API {
        assert!(known_functions().contains(*name), "`{name}` is missing");
    }
    assert_eq!(withheld("points"), None);
}

#[test]
fn windows_are_whole_days() {
    let message = fractional_window("count", 7.5).to_string();
    assert!(message.contains("write 7 or 8"), "{message}");
}

#[test]
fn the_contact_api_fails_outside_an_evaluation() {
    let failure = engine().eval::<i64>("points()").unwrap_err();
    assert!(
        failure
            .to_string()
            .contains("no contact is being evaluated"),
        "{failure}"
    );
}

/// A contact with some points and nothing else.
struct Points(i64);

impl ContactView for Points {
    fn points(&self) -> i64 {
        self.0
    }
    fn stage(&self) -> Option<&str> {
        None
    }
    fn stage_index(&self) -> Option<usize> {
        None
    }
    fn has_tag(&self, _: &str) -> bool {
        false
    }
    fn field(&self, _: &str) -> Option<Option<&crate::base::value::Value>> {
        None
    }
    fn count(
        &self,
        _: &str,
        _: rhai::INT,
        _: Option<&rhai::Map>,
    ) -> Result<rhai::INT, Box<EvalAltResult>> {
        Ok(0)
    }
    fn sum(
        &self,
        _: &str,
        _: &str,
        _: rhai::INT,
        _: Option<&rhai::Map>,
    ) -> Result<rhai::FLOAT, Box<EvalAltResult>> {
        Ok(0.0)
    }
    fn average(
        &self,
        _: &str,
        _: &str,
        _: rhai::INT,
        _: Option<&rhai::Map>,
    ) -> Result<Option<rhai::FLOAT>, Box<EvalAltResult>> {
        Ok(None)
    }
    fn days_since_first(&self, _: &str) -> Result<Option<rhai::FLOAT>, Box<EvalAltResult>> {
        Ok(None)
    }
    fn days_since_last(&self, _: &str) -> Result<Option<rhai::FLOAT>, Box<EvalAltResult>> {
        Ok(None)
    }
}

fn points() -> Result<i64, Box<EvalAltResult>> {
    engine().eval::<i64>("points()")
}

/// The view is the one of the innermost `with_view` under way, and none
/// once it returns, also by unwinding.
#[test]
fn a_view_is_current_for_one_evaluation_only() {
    let outer = Points(1);
    let inner = Points(2);
    let seen = with_view(&outer, || {
        let nested = with_view(&inner, points).unwrap();
        (points().unwrap(), nested)
    });
    assert_eq!(seen, (1, 2));
    assert!(points().is_err());
    let unwound = std::panic::catch_unwind(|| with_view(&outer, || panic!("in a script")));
    assert!(unwound.is_err());
    assert!(points().is_err());
    assert!(engine().eval::<rhai::Dynamic>("field(\"x\")").is_err());
    let unknown = with_view(&outer, || engine().eval::<rhai::Dynamic>("field(\"x\")"));
    assert!(unknown
        .unwrap_err()
        .to_string()
        .contains("unknown field `x`"));
}
