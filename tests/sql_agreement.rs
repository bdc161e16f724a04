//! The SQL `nurture sql` writes means what the interpreter means, in DuckDB
//! and in PostgreSQL: for every shipped example that compiles, for small
//! programs made to cover each construct at its edges, for calendar tests
//! across Berlin's daylight-saving changes and for the generated
//! 100,000-contact set, the same CSV files are
//! loaded into the tables of docs/sql.md and the per-contact memberships
//! each engine returns — ids and every segment and rule column — must equal
//! `eval::population::contact_at` for every contact, at several instants
//! (one of them through the query's parameter instead of a literal).
//!
//! DuckDB comes from PyPI into `target/sql-venv`; the PostgreSQL server
//! from `NURTURE_TEST_POSTGRES` (`scripts/test-postgres.sh` starts a
//! throwaway one). `.ci/run` provides both; without them these tests fail,
//! saying how to install them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_agree.rs"]
mod sql_agree;
#[path = "support/sql_cases.rs"]
mod sql_cases;

use nurture::base::value::Instant;
use nurture::sql::{compile, SqlOptions};
use sql_agree::{Engine, Job};
use std::path::{Path, PathBuf};

fn t(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

/// The engine agrees with the interpreter on every contact at every
/// instant (the second through the query's parameter); returns, per
/// column, whether it was ever true and ever false.
fn agree(
    engine: Engine,
    name: &str,
    rules: &Path,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(String, bool, bool)> {
    let program = sql_agree::program_of(rules).unwrap();
    let dataset = sql_agree::load(&program, contacts, events);
    let job = Job {
        program,
        contacts: contacts.to_path_buf(),
        events: events.to_path_buf(),
        instants: instants.to_vec(),
        parameter: Some(1),
    };
    let answers = sql_agree::run(engine, name, std::slice::from_ref(&job));
    let mut seen: Vec<(String, bool, bool)> = Vec::new();
    for (&at, answer) in instants.iter().zip(&answers[0]) {
        let want = sql_agree::expected(&job.program, &dataset, at);
        if let Some(why) = sql_agree::disagreement(answer, &want) {
            panic!(
                "{name} at {}: {} and the interpreter disagree:\n{why}",
                nurture::base::time::rfc3339(at),
                engine.name()
            );
        }
        let (header, rows) = answer.as_ref().unwrap();
        if seen.is_empty() {
            seen = header.iter().map(|h| (h.clone(), false, false)).collect();
        }
        for row in rows {
            for (cell, s) in row.iter().zip(seen.iter_mut()) {
                s.1 |= cell == "true";
                s.2 |= cell == "false";
            }
        }
    }
    seen
}

/// A case's rules and data written to files.
fn case(engine: Engine, name: &str, rules: &str, contacts: &str, events: &str) -> [PathBuf; 3] {
    let dir = common::scratch(&format!("sql-agreement-{}-{name}", engine.name()));
    let files = [
        dir.join("rules.nurture"),
        dir.join("contacts.csv"),
        dir.join("events.csv"),
    ];
    for (path, text) in files.iter().zip([rules, contacts, events]) {
        std::fs::write(path, text).unwrap();
    }
    files
}

fn every_shipped_example(engine: Engine) {
    let mut compiled = 0;
    for stem in sql_cases::EXAMPLES {
        let [rules, contacts, events] = sql_cases::example_files(stem);
        let program = sql_agree::program_of(&rules).unwrap();
        if compile(&program, &SqlOptions::new(engine.dialect())).is_err() {
            continue;
        }
        compiled += 1;
        let dataset = sql_agree::load(&program, &contacts, &events);
        let first = dataset.events.iter().map(|e| e.at).min().unwrap();
        let last = dataset.events.iter().map(|e| e.at).max().unwrap();
        // The end, half way, a quarter, and exactly at an event (a window
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
        agree(engine, stem, &rules, &contacts, &events, &instants);
    }
    assert!(compiled >= 4, "only {compiled} examples compiled");
}

fn every_construct_at_its_edges(engine: Engine) {
    let [rules, contacts, events] = case(
        engine,
        "constructs",
        sql_cases::TEST_RULES,
        sql_cases::TEST_CONTACTS,
        sql_cases::TEST_EVENTS,
    );
    let seen = agree(
        engine,
        "constructs",
        &rules,
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

fn calendar_tests_across_berlin_daylight_saving_changes(engine: Engine) {
    let [rules, contacts, events] = case(
        engine,
        "berlin",
        &sql_cases::BERLIN_RULES.replace("campaign", "email welcome\n\ncampaign"),
        sql_cases::BERLIN_CONTACTS,
        sql_cases::BERLIN_EVENTS,
    );
    let seen = agree(
        engine,
        "berlin",
        &rules,
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

#[test]
fn duckdb_agrees_on_every_shipped_example_that_compiles() {
    every_shipped_example(Engine::DuckDb);
}

#[test]
fn postgres_agrees_on_every_shipped_example_that_compiles() {
    every_shipped_example(Engine::Postgres);
}

#[test]
fn duckdb_agrees_on_every_construct_at_its_edges() {
    every_construct_at_its_edges(Engine::DuckDb);
}

#[test]
fn postgres_agrees_on_every_construct_at_its_edges() {
    every_construct_at_its_edges(Engine::Postgres);
}

#[test]
fn duckdb_agrees_on_calendar_tests_across_berlin_daylight_saving_changes() {
    calendar_tests_across_berlin_daylight_saving_changes(Engine::DuckDb);
}

#[test]
fn postgres_agrees_on_calendar_tests_across_berlin_daylight_saving_changes() {
    calendar_tests_across_berlin_daylight_saving_changes(Engine::Postgres);
}

/// The generated 100,000-contact set (`nurture generate`, seed 42, about a
/// million events) against examples/b2b_lifecycle.nurture: every contact's
/// row at the last event and half way through the year.
fn the_generated_100000_contacts(engine: Engine) {
    let dir = common::scratch(&format!("sql-agreement-{}-generated", engine.name()));
    let rules = common::root().join("examples/b2b_lifecycle.nurture");
    let out = dir.join("data");
    let run = common::nurture_with_deadline(
        &common::root(),
        &[
            "generate",
            "--contacts",
            "100000",
            "--seed",
            "42",
            "--out",
            out.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(300),
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let contacts = out.join("contacts.csv");
    let events = out.join("events.csv");
    let program = sql_agree::program_of(&rules).unwrap();
    let dataset = sql_agree::load(&program, &contacts, &events);
    assert_eq!(dataset.contacts.len(), 100_000);
    let first = dataset.events.iter().map(|e| e.at).min().unwrap();
    let last = dataset.events.iter().map(|e| e.at).max().unwrap();
    let seen = agree(
        engine,
        "generated",
        &rules,
        &contacts,
        &events,
        &[last, first + (last - first) / 2],
    );
    // Every segment holds for some contact and fails for another.
    let segments: Vec<_> = seen
        .iter()
        .filter(|(c, _, _)| c.starts_with("segment_"))
        .collect();
    assert!(segments.len() >= 3);
    assert!(
        segments.iter().all(|(_, t, f)| *t && *f),
        "a segment is always the same: {segments:?}"
    );
}

#[test]
fn duckdb_agrees_on_the_generated_100000_contacts() {
    the_generated_100000_contacts(Engine::DuckDb);
}

#[test]
fn postgres_agrees_on_the_generated_100000_contacts() {
    the_generated_100000_contacts(Engine::Postgres);
}
