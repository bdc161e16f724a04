//! The SQL `nurture sql` writes for DuckDB means what the interpreter
//! means: for every shipped example that compiles, and for small programs
//! made to cover each construct at its edges, the same CSV files are
//! loaded into DuckDB (tests/support/sql_runner.py, the tables of
//! docs/sql.md) and the per-contact memberships it returns — ids and every
//! segment and rule column — must equal `eval::population::contact_at`
//! for every contact, at several instants.
//!
//! DuckDB comes from PyPI into `target/sql-venv` (`.ci/run` installs it).
//! Without it these tests fail, saying how to install it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_agree.rs"]
mod sql_agree;
#[path = "support/sql_cases.rs"]
mod sql_cases;

use nurture::base::value::Instant;
use nurture::data::{self, LoadOptions, Schema};
use nurture::ir::Program;
use nurture::sql::{compile, Dialect, SqlOptions};
use sql_agree::{expected, python};
use sql_cases::*;
use std::path::Path;
use std::process::Command;

fn program_of(path: &Path) -> Program {
    let checked = nurture::driver::check_file(path, &path.display().to_string()).expect("read");
    checked.program.expect("the rules check")
}

fn program_from(name: &str, source: &str) -> Program {
    let dir = common::scratch(&format!("sql-duckdb-{name}"));
    let path = dir.join("rules.nurture");
    std::fs::write(&path, source).unwrap();
    program_of(&path)
}

fn type_name(ty: nurture::base::vocab::FieldType) -> String {
    ty.to_string()
}

/// Runs the SQL for every instant in one DuckDB process over the files
/// and returns, per instant, its header and rows. The second instant goes
/// through the `nurture_at` variable instead of a literal.
fn duckdb_results(
    name: &str,
    program: &Program,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let dir = common::scratch(&format!("sql-duckdb-run-{name}"));
    let mut queries = Vec::new();
    for (i, &at) in instants.iter().enumerate() {
        let as_variable = i == 1;
        let mut options = SqlOptions::new(Dialect::DuckDb);
        options.at = (!as_variable).then_some(at);
        let sql = compile(program, &options).unwrap_or_else(|d| panic!("does not compile: {d:?}"));
        let sql_path = dir.join(format!("q{i}.sql"));
        std::fs::write(&sql_path, &sql).unwrap();
        let variable = nurture::base::time::rfc3339(at);
        queries.push(serde_json::json!({
            "sql": sql_path,
            "variable": if as_variable { serde_json::json!(variable) } else { serde_json::Value::Null },
        }));
    }
    let fields: Vec<_> = program
        .fields
        .iter()
        .map(|f| serde_json::json!([f.name, type_name(f.ty)]))
        .collect();
    let mut properties: Vec<(String, String)> = Vec::new();
    for t in program.event_types.iter() {
        for (name, ty) in t.properties.iter() {
            if !properties.iter().any(|(n, _)| n == name) {
                properties.push((name.clone(), type_name(*ty)));
            }
        }
    }
    let spec = serde_json::json!({
        "contacts": contacts,
        "events": events,
        "fields": fields,
        "properties": properties,
        "queries": queries,
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = Command::new(python())
        .arg(common::root().join("tests/support/sql_runner.py"))
        .arg(&spec_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed on the SQL in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(out.stdout.as_slice());
    let mut results = Vec::new();
    let mut current: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if row == ["--- end"] {
            let header = current.remove(0);
            results.push((header, std::mem::take(&mut current)));
        } else {
            current.push(row);
        }
    }
    assert_eq!(results.len(), instants.len());
    results
}

/// Both backends agree on every contact at every instant; returns, per
/// column, whether it was ever true and ever false.
fn agree(
    name: &str,
    program: &Program,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(String, bool, bool)> {
    let mut seen: Vec<(String, bool, bool)> = Vec::new();
    let dataset = data::load(
        &Schema::from(program),
        contacts,
        events,
        &LoadOptions::default(),
    )
    .expect("the data loads");
    let results = duckdb_results(name, program, contacts, events, instants);
    for (&at, (header, got)) in instants.iter().zip(results) {
        // DuckDB orders by code point, which is byte order for UTF-8.
        let want = expected(program, &dataset, at);
        assert_eq!(header.first().map(String::as_str), Some("contact_id"));
        if seen.is_empty() {
            seen = header.iter().map(|h| (h.clone(), false, false)).collect();
        }
        for row in &got {
            for (cell, s) in row.iter().zip(seen.iter_mut()) {
                s.1 |= cell == "true";
                s.2 |= cell == "false";
            }
        }
        if got != want {
            let diff: Vec<_> = got
                .iter()
                .zip(&want)
                .filter(|(g, w)| g != w)
                .take(5)
                .collect();
            panic!(
                "{name} at {}: DuckDB and the interpreter disagree ({} vs {} rows); columns {header:?}; first differences (DuckDB, interpreter): {diff:#?}",
                nurture::base::time::rfc3339(at),
                got.len(),
                want.len()
            );
        }
    }
    seen
}

#[test]
fn every_shipped_example_that_compiles_agrees_with_the_interpreter() {
    let root = common::root();
    let mut compiled = 0;
    for stem in [
        "ad_leads",
        "b2b_lifecycle",
        "ecommerce_lifecycle",
        "journey_milestones",
        "sales_funnel",
        "scoring_handoff",
    ] {
        let program = program_of(&root.join(format!("examples/{stem}.nurture")));
        if compile(&program, &SqlOptions::new(Dialect::DuckDb)).is_err() {
            continue;
        }
        compiled += 1;
        let data_stem = if stem == "b2b_lifecycle" { "b2b" } else { stem };
        let contacts = root.join(format!("examples/data/{data_stem}_contacts.csv"));
        let events = root.join(format!("examples/data/{data_stem}_events.csv"));
        let dataset = data::load(
            &Schema::from(&program),
            &contacts,
            &events,
            &LoadOptions::default(),
        )
        .unwrap();
        let first = dataset.events.iter().map(|e| e.at).min().unwrap();
        let last = dataset.events.iter().map(|e| e.at).max().unwrap();
        // The end, a quarter, half way, and exactly at an event (a window
        // edge), a day after it, 30 days after it.
        let edge = dataset.events[dataset.events.len() / 3].at;
        let instants = [
            last,
            first + (last - first) / 2,
            first + (last - first) / 4,
            edge,
            edge + 86_400,
            edge + 30 * 86_400,
        ];
        agree(stem, &program, &contacts, &events, &instants);
    }
    assert!(compiled >= 4, "only {compiled} examples compiled");
}

#[test]
fn every_construct_agrees_with_the_interpreter_at_its_edges() {
    let program = program_from("constructs", TEST_RULES);
    let dir = common::scratch("sql-duckdb-constructs-data");
    let contacts = dir.join("contacts.csv");
    let events = dir.join("events.csv");
    std::fs::write(&contacts, TEST_CONTACTS).unwrap();
    std::fs::write(&events, TEST_EVENTS).unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let seen = agree(
        "constructs",
        &program,
        &contacts,
        &events,
        &[
            // Exactly 30 days after the first open (the window's open end),
            // and exactly at the later ones (its closed end).
            t("2025-03-31T00:00:00Z"),
            t("2025-03-31T00:00:01Z"),
            t("2025-03-30T23:59:59Z"),
            // Around Warsaw's spring change (01:00 UTC on 30 March) and a
            // Saturday/Sunday/Monday in local time.
            t("2025-03-29T22:59:59Z"),
            t("2025-03-29T23:00:00Z"),
            t("2025-03-30T00:30:00Z"),
            t("2025-03-30T22:00:00Z"),
            // The autumn change, a 28 February of a common year (the leap-
            // day birthday), and before anyone exists.
            t("2025-10-26T00:30:00Z"),
            t("2025-02-27T23:00:00Z"),
            // After two purchases at one instant: `first`/`last` take the
            // first/last of them in input order.
            t("2025-03-16T00:00:00Z"),
            t("2024-01-01T00:00:00Z"),
        ],
    );
    // Each test decides something here: it is true for some contact at
    // some instant and false for another (lists and do not contact are
    // false before any rule runs, by definition).
    let undecided: Vec<_> = seen
        .iter()
        .skip(1)
        .filter(|(column, ever_true, ever_false)| {
            let constant = ["segment_listed", "segment_dnc"].contains(&column.as_str());
            !*ever_false || !(*ever_true || constant)
        })
        .map(|(column, _, _)| column)
        .collect();
    assert!(undecided.is_empty(), "always the same: {undecided:?}");
}

#[test]
fn calendar_tests_and_dates_agree_across_berlin_daylight_saving_changes() {
    let program = program_from(
        "berlin",
        &BERLIN_RULES.replace("campaign", "email welcome\n\ncampaign"),
    );
    let dir = common::scratch("sql-duckdb-berlin-data");
    let contacts = dir.join("contacts.csv");
    let events = dir.join("events.csv");
    std::fs::write(&contacts, BERLIN_CONTACTS).unwrap();
    std::fs::write(&events, BERLIN_EVENTS).unwrap();
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let seen = agree(
        "berlin",
        &program,
        &contacts,
        &events,
        &[
            // Local midnight of the spring change day (23:00 UTC the day
            // before), a second before, a day later (23 hours), at noon.
            t("2025-03-29T23:00:00Z"),
            t("2025-03-29T22:59:59Z"),
            t("2025-03-30T22:00:00Z"),
            t("2025-03-30T23:00:00Z"),
            t("2025-03-30T10:00:00Z"),
            // Local midnight around the autumn change (25-hour day).
            t("2025-10-25T22:00:00Z"),
            t("2025-10-26T23:00:00Z"),
            t("2025-10-27T22:59:59Z"),
            t("2025-10-26T12:00:00Z"),
        ],
    );
    let undecided: Vec<_> = seen
        .iter()
        .skip(1)
        .filter(|(_, ever_true, ever_false)| !ever_true || !ever_false)
        .map(|(column, _, _)| column)
        .collect();
    assert!(undecided.is_empty(), "always the same: {undecided:?}");
}
