//! The SQL `nurture sql` writes for PostgreSQL means what the interpreter
//! means: the agreement cases of tests/sql_duckdb.rs (every shipped
//! example that compiles, the construct case, the Berlin calendar case),
//! loaded into a real PostgreSQL server through `psql` and compared
//! contact by contact with `eval::population::contact_at`.
//!
//! The server comes from `NURTURE_TEST_POSTGRES` (a connection URL);
//! `scripts/test-postgres.sh` starts a throwaway one and `.ci/run` runs it.
//! Without a server these tests fail, saying how to start one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_agree.rs"]
mod sql_agree;
#[path = "support/sql_cases.rs"]
mod sql_cases;

use nurture::base::value::Instant;
use nurture::ir::Program;
use nurture::sql::{compile, Dialect, SqlOptions};
use sql_agree::{Engine, Job};
use std::path::Path;

fn t(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

/// PostgreSQL agrees with the interpreter on every contact at every
/// instant (the second through `$1`); returns, per column, whether it was
/// ever true and ever false.
fn agree(
    name: &str,
    program: Program,
    contacts: &Path,
    events: &Path,
    instants: &[Instant],
) -> Vec<(String, bool, bool)> {
    let dataset = sql_agree::load(&program, contacts, events);
    let job = Job {
        program,
        contacts: contacts.to_path_buf(),
        events: events.to_path_buf(),
        instants: instants.to_vec(),
        parameter: Some(1),
    };
    let answers = sql_agree::run(Engine::Postgres, name, std::slice::from_ref(&job));
    let mut seen: Vec<(String, bool, bool)> = Vec::new();
    for (&at, answer) in instants.iter().zip(&answers[0]) {
        let want = sql_agree::expected(&job.program, &dataset, at);
        if let Some(why) = sql_agree::disagreement(answer, &want) {
            panic!(
                "{name} at {}: PostgreSQL and the interpreter disagree:\n{why}",
                nurture::base::time::rfc3339(at)
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

fn case(
    name: &str,
    rules: &str,
    contacts: &str,
    events: &str,
) -> (Program, std::path::PathBuf, std::path::PathBuf) {
    let dir = common::scratch(&format!("sql-postgres-{name}"));
    let program = sql_agree::program_from(&dir, rules).unwrap();
    let c = dir.join("contacts.csv");
    let e = dir.join("events.csv");
    std::fs::write(&c, contacts).unwrap();
    std::fs::write(&e, events).unwrap();
    (program, c, e)
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
        let program =
            sql_agree::program_of(&root.join(format!("examples/{stem}.nurture"))).unwrap();
        if compile(&program, &SqlOptions::new(Dialect::Postgres)).is_err() {
            continue;
        }
        compiled += 1;
        let data_stem = if stem == "b2b_lifecycle" { "b2b" } else { stem };
        let contacts = root.join(format!("examples/data/{data_stem}_contacts.csv"));
        let events = root.join(format!("examples/data/{data_stem}_events.csv"));
        let dataset = sql_agree::load(&program, &contacts, &events);
        let first = dataset.events.iter().map(|e| e.at).min().unwrap();
        let last = dataset.events.iter().map(|e| e.at).max().unwrap();
        let edge = dataset.events[dataset.events.len() / 3].at;
        let instants = [
            last,
            first + (last - first) / 2,
            first + (last - first) / 4,
            edge,
            edge + 86_400,
            edge + 30 * 86_400,
        ];
        agree(stem, program, &contacts, &events, &instants);
    }
    assert!(compiled >= 4, "only {compiled} examples compiled");
}

#[test]
fn every_construct_agrees_with_the_interpreter_at_its_edges() {
    let (program, contacts, events) = case(
        "constructs",
        sql_cases::TEST_RULES,
        sql_cases::TEST_CONTACTS,
        sql_cases::TEST_EVENTS,
    );
    let seen = agree(
        "constructs",
        program,
        &contacts,
        &events,
        &[
            t("2025-03-31T00:00:00Z"),
            t("2025-03-31T00:00:01Z"),
            t("2025-03-30T23:59:59Z"),
            t("2025-03-29T22:59:59Z"),
            t("2025-03-29T23:00:00Z"),
            t("2025-03-30T00:30:00Z"),
            t("2025-03-30T22:00:00Z"),
            t("2025-10-26T00:30:00Z"),
            t("2025-02-27T23:00:00Z"),
            t("2025-03-16T00:00:00Z"),
            t("2024-01-01T00:00:00Z"),
        ],
    );
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
    let (program, contacts, events) = case(
        "berlin",
        &sql_cases::BERLIN_RULES.replace("campaign", "email welcome\n\ncampaign"),
        sql_cases::BERLIN_CONTACTS,
        sql_cases::BERLIN_EVENTS,
    );
    let seen = agree(
        "berlin",
        program,
        &contacts,
        &events,
        &[
            t("2025-03-29T23:00:00Z"),
            t("2025-03-29T22:59:59Z"),
            t("2025-03-30T22:00:00Z"),
            t("2025-03-30T23:00:00Z"),
            t("2025-03-30T10:00:00Z"),
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
