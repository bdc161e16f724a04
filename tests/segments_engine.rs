//! `nurture segments --engine`: the counts a database computes with the
//! compiled SQL are the counts the interpreter computes on the same data.
//! For every shipped example that compiles and for the construct case of
//! tests/support/sql_cases.rs, the CSV files are loaded into a DuckDB file
//! and a PostgreSQL schema (the tables of docs/sql.md), and the report of
//! `segments --engine …` — human and JSON, at the default instant and at
//! another — must be byte for byte the report of `segments --contacts …
//! --events …`. Then every way the database can fail: each has its code,
//! exit 2, help, and never the password of the URL.
//!
//! Needs the DuckDB shell and Python package in `target/sql-venv` and the
//! PostgreSQL server of `scripts/test-postgres.sh` (`.ci/run` provides
//! both); without them the tests fail saying how to install them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_agree.rs"]
mod sql_agree;
#[path = "support/sql_cases.rs"]
mod sql_cases;

use common::{nurture_with, Input, Run};
use nurture::sql::{compile, Dialect, SqlOptions};
use sql_agree::Job;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);

fn run(args: &[&str]) -> Run {
    let shell = sql_agree::duckdb_shell();
    let run = nurture_with(
        &common::root(),
        args,
        Input::Null,
        &[("NURTURE_DUCKDB", shell.to_str().unwrap())],
        DEADLINE,
    );
    run.assert_clean_exit(&args.join(" "));
    run
}

/// A case loaded into both databases.
struct Loaded {
    rules: PathBuf,
    contacts: PathBuf,
    events: PathBuf,
    duckdb: String,
    schema: String,
    dir: PathBuf,
}

impl Drop for Loaded {
    fn drop(&mut self) {
        sql_agree::drop_postgres_schema(&self.dir, &self.schema);
    }
}

fn load(name: &str, rules: &Path, contacts: &Path, events: &Path) -> Loaded {
    let dir = common::scratch(&format!("segments-engine-{name}"));
    let program = sql_agree::program_of(rules).unwrap();
    let job = Job {
        program,
        contacts: contacts.to_path_buf(),
        events: events.to_path_buf(),
        instants: Vec::new(),
        parameter: None,
    };
    let database = dir.join("warehouse.duckdb");
    sql_agree::duckdb_database(&dir, &database, &job);
    let schema = format!("engine_{name}_{}", std::process::id());
    sql_agree::postgres_schema(&dir, &schema, &job);
    Loaded {
        rules: rules.to_path_buf(),
        contacts: contacts.to_path_buf(),
        events: events.to_path_buf(),
        duckdb: format!("duckdb:{}", database.display()),
        schema,
        dir,
    }
}

/// The same report from the files and from both databases.
fn assert_same_counts(name: &str, loaded: &Loaded, extra: &[&str]) {
    let rules = loaded.rules.to_str().unwrap();
    let url = sql_agree::postgres_url();
    let contacts_table = format!("{}.contacts", loaded.schema);
    let events_table = format!("{}.events", loaded.schema);
    for format in ["human", "json"] {
        let mut files = vec![
            "segments",
            rules,
            "--contacts",
            loaded.contacts.to_str().unwrap(),
            "--events",
            loaded.events.to_str().unwrap(),
            "--format",
            format,
        ];
        files.extend_from_slice(extra);
        let want = run(&files);
        assert_eq!(want.code(), Some(0), "{name}: {}", want.stderr);
        let mut duckdb = vec![
            "segments",
            rules,
            "--engine",
            &loaded.duckdb,
            "--format",
            format,
        ];
        duckdb.extend_from_slice(extra);
        let got = run(&duckdb);
        assert_eq!(got.code(), Some(0), "{name} in DuckDB: {}", got.stderr);
        assert_eq!(got.stdout, want.stdout, "{name} {format} {extra:?}: DuckDB");
        let mut postgres = vec![
            "segments",
            rules,
            "--engine",
            &url,
            "--contacts-table",
            &contacts_table,
            "--events-table",
            &events_table,
            "--format",
            format,
        ];
        postgres.extend_from_slice(extra);
        let got = run(&postgres);
        assert_eq!(got.code(), Some(0), "{name} in PostgreSQL: {}", got.stderr);
        assert_eq!(
            got.stdout, want.stdout,
            "{name} {format} {extra:?}: PostgreSQL"
        );
    }
}

#[test]
fn every_shipped_example_that_compiles_counts_the_same_in_both_databases() {
    let root = common::root();
    let mut compared = 0;
    for stem in [
        "ad_leads",
        "b2b_lifecycle",
        "ecommerce_lifecycle",
        "journey_milestones",
        "sales_funnel",
        "scoring_handoff",
    ] {
        let rules = root.join(format!("examples/{stem}.nurture"));
        let program = sql_agree::program_of(&rules).unwrap();
        if compile(&program, &SqlOptions::new(Dialect::Postgres)).is_err() {
            continue;
        }
        compared += 1;
        let data_stem = if stem == "b2b_lifecycle" { "b2b" } else { stem };
        let contacts = root.join(format!("examples/data/{data_stem}_contacts.csv"));
        let events = root.join(format!("examples/data/{data_stem}_events.csv"));
        let loaded = load(stem, &rules, &contacts, &events);
        assert_same_counts(stem, &loaded, &[]);
        let dataset = sql_agree::load(&program, &contacts, &events);
        let middle = dataset.events[dataset.events.len() / 2].at;
        let at = nurture::base::time::rfc3339(middle);
        assert_same_counts(stem, &loaded, &["--at", &at]);
    }
    assert!(compared >= 4, "only {compared} examples compiled");
}

#[test]
fn every_construct_counts_the_same_in_both_databases() {
    let dir = common::scratch("segments-engine-constructs-files");
    let rules = dir.join("rules.nurture");
    let contacts = dir.join("contacts.csv");
    let events = dir.join("events.csv");
    std::fs::write(&rules, sql_cases::TEST_RULES).unwrap();
    std::fs::write(&contacts, sql_cases::TEST_CONTACTS).unwrap();
    std::fs::write(&events, sql_cases::TEST_EVENTS).unwrap();
    let loaded = load("constructs", &rules, &contacts, &events);
    assert_same_counts("constructs", &loaded, &[]);
    for at in ["2025-03-30T12:00:00Z", "2025-03-31", "2025-01-01"] {
        assert_same_counts("constructs", &loaded, &["--at", at]);
    }
}
