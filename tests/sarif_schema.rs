//! The SARIF output validates against the SARIF 2.1.0 JSON schema.
//!
//! `tests/fixtures/sarif-schema-2.1.0.json` is the schema Microsoft's SARIF
//! SDK ships as `sarif-2.1.0.json` (taken from the npm package
//! `@microsoft/sarif-multitool-linux` 5.7.0, MIT licence): SARIF 2.1.0 as
//! published by OASIS, with the JSON Schema dialect declared as 2020-12.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::nurture;
use serde_json::Value;

fn schema() -> Value {
    let text = std::fs::read_to_string(common::fixtures().join("sarif-schema-2.1.0.json"))
        .expect("read the SARIF schema");
    serde_json::from_str(&text).expect("the SARIF schema is JSON")
}

/// Every schema violation in `log`, one per line.
fn violations(log: &Value) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn sarif_of(args: &[&str]) -> Value {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "sarif"]);
    let run = nurture(&all);
    run.assert_clean_exit("sarif");
    run.json()
}

#[test]
fn the_schema_rejects_what_it_should() {
    // A guard against a validator that accepts anything.
    let bad = serde_json::json!({ "version": "2.1.0", "runs": [{ "results": [] }] });
    assert!(!violations(&bad).is_empty(), "a run without `tool` passed");
    let bad = serde_json::json!({ "version": "2.2.0", "runs": [] });
    assert!(!violations(&bad).is_empty(), "version 2.2.0 passed");
    // Deep in the log, through `$ref`s: a level SARIF does not have, and a
    // line number of 0.
    let mut log = sarif_of(&["tests/fixtures/check/mixed.nurture"]);
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!violations(&log).is_empty(), "level `fatal` passed");
    let mut log = sarif_of(&["tests/fixtures/check/mixed.nurture"]);
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!violations(&log).is_empty(), "startLine 0 passed");
}

#[test]
fn sarif_of_several_errors_and_warnings_is_valid() {
    let log = sarif_of(&["tests/fixtures/check/mixed.nurture"]);
    let found = violations(&log);
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(!log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .is_empty());
}

#[test]
fn sarif_of_a_good_file_is_valid() {
    let log = sarif_of(&["examples/b2b_lifecycle.nurture"]);
    let found = violations(&log);
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_of_every_diagnostic_fixture_is_valid() {
    // Imports, an unreadable import, a non-UTF-8 file (no source text) and
    // every code's own location in one log.
    let log = sarif_of(&["tests/fixtures/diagnostics"]);
    let found = violations(&log);
    assert!(found.is_empty(), "{}", found.join("\n"));
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() > 40, "{} results", results.len());
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64() >= Some(1), "{key} in {result}");
        }
    }
}
