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
    let mut compared = 0;
    for stem in sql_cases::EXAMPLES {
        let [rules, contacts, events] = sql_cases::example_files(stem);
        let program = sql_agree::program_of(&rules).unwrap();
        if compile(&program, &SqlOptions::new(Dialect::Postgres)).is_err() {
            continue;
        }
        compared += 1;
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

const RULES: &str = "stages Lead, MQL\nsegment hot = points >= 40\n";

/// A DuckDB file made by the shell from `sql`.
fn duckdb_file(dir: &Path, sql: &str) -> String {
    let path = dir.join("w.duckdb");
    let _ = std::fs::remove_file(&path);
    let out = std::process::Command::new(sql_agree::duckdb_shell())
        .arg(&path)
        .args(["-c", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("duckdb:{}", path.display())
}

fn rules_in(dir: &Path, text: &str) -> String {
    let path = dir.join("crm.nurture");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn assert_error(run: &Run, code: &str, message: &str, help: &str) {
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(&format!("error[{code}]: ")) && run.stderr.contains(message),
        "wanted {code} with `{message}`:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("\n  help: {help}")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_table_or_column_is_e0911_pointing_at_the_input_tables() {
    let dir = common::scratch("segments-engine-schema");
    let rules = rules_in(&dir, RULES);
    let duckdb = duckdb_file(
        &dir,
        "CREATE TABLE contacts (id TEXT, stage TEXT, points BIGINT, tags TEXT, created_at TIMESTAMPTZ);",
    );
    let run = run(&[
        "segments",
        &rules,
        "--engine",
        &duckdb,
        "--at",
        "2025-06-01",
    ]);
    assert_error(
        &run,
        "E0911",
        "DuckDB: Catalog Error: Table with name events does not exist!",
        "the tables must have the columns docs/sql.md lists under \"Input tables\"",
    );
    let url = sql_agree::postgres_url();
    let run2 = self::run(&[
        "segments",
        &rules,
        "--engine",
        &url,
        "--contacts-table",
        "no_such_schema.contacts",
        "--at",
        "2025-06-01",
    ]);
    assert_error(
        &run2,
        "E0911",
        "relation \"no_such_schema.contacts\" does not exist (SQLSTATE 42P01)",
        "the tables must have the columns docs/sql.md lists under \"Input tables\"",
    );
    // A declared field the table lacks.
    let with_field = rules_in(
        &dir,
        "stages Lead\nfield country: text\nsegment pl = country = \"PL\"\n",
    );
    let duckdb = duckdb_file(
        &dir,
        "CREATE TABLE contacts (id TEXT, stage TEXT, points BIGINT, tags TEXT, created_at TIMESTAMPTZ); \
         CREATE TABLE events (contact_id TEXT, type TEXT, \"at\" TIMESTAMPTZ);",
    );
    let run3 = self::run(&[
        "segments",
        &with_field,
        "--engine",
        &duckdb,
        "--at",
        "2025-06-01",
    ]);
    assert_error(
        &run3,
        "E0911",
        "country",
        "the tables must have the columns",
    );
}

#[test]
fn a_column_of_the_wrong_type_is_e0912() {
    let dir = common::scratch("segments-engine-types");
    let rules = rules_in(&dir, RULES);
    let duckdb = duckdb_file(
        &dir,
        "CREATE TABLE contacts (id TEXT, stage TEXT, points TEXT, tags TEXT, created_at TIMESTAMPTZ); \
         CREATE TABLE events (contact_id TEXT, type TEXT, \"at\" TIMESTAMPTZ);",
    );
    let run = run(&[
        "segments",
        &rules,
        "--engine",
        &duckdb,
        "--at",
        "2025-06-01",
    ]);
    assert_error(
        &run,
        "E0912",
        "DuckDB: Binder Error",
        "give each column the type docs/sql.md lists",
    );
    let schema = format!("engine_types_{}", std::process::id());
    let url = sql_agree::postgres_url();
    let psql = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, &url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(&format!(
        "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
         CREATE TABLE {schema}.contacts (id TEXT, stage TEXT, points BIGINT, tags TEXT, created_at TEXT); \
         CREATE TABLE {schema}.events (contact_id TEXT, type TEXT, at TIMESTAMPTZ);"
    ));
    let contacts = format!("{schema}.contacts");
    let events = format!("{schema}.events");
    let run2 = self::run(&[
        "segments",
        &rules,
        "--engine",
        &url,
        "--contacts-table",
        &contacts,
        "--events-table",
        &events,
    ]);
    psql(&format!("DROP SCHEMA {schema} CASCADE;"));
    assert_error(
        &run2,
        "E0912",
        "(SQLSTATE 42883)",
        "give each column the type docs/sql.md lists",
    );
}

#[test]
fn an_unreachable_database_is_e0910_and_the_password_is_never_shown() {
    let dir = common::scratch("segments-engine-unreachable");
    let rules = rules_in(&dir, RULES);
    // Port 1 on loopback: nothing listens, the connection is refused.
    let run = run(&[
        "segments",
        &rules,
        "--engine",
        "postgres://ops:s3cret@127.0.0.1:1/crm",
    ]);
    assert_error(
        &run,
        "E0910",
        "cannot connect to PostgreSQL at `postgres://ops:***@127.0.0.1:1/crm`: error connecting to server: Connection refused",
        "check that the server runs",
    );
    assert!(!run.stderr.contains("s3cret"));
    let url = sql_agree::postgres_url();
    let wrong_database = format!(
        "{}_no_such_database",
        url.replacen("postgresql://nurture@", "postgresql://nurture:hunter2@", 1)
    );
    let run = self::run(&["segments", &rules, "--engine", &wrong_database]);
    assert_error(
        &run,
        "E0910",
        "(SQLSTATE 3D000)",
        "check that the server runs",
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    let tls = format!("{url}?sslmode=require");
    let run = self::run(&["segments", &rules, "--engine", &tls]);
    assert_error(&run, "E0910", "TLS", "Nurture connects without TLS");
    // DuckDB: no such file; no shell.
    let run = self::run(&["segments", &rules, "--engine", "duckdb:no/such.duckdb"]);
    assert_error(
        &run,
        "E0910",
        "`no/such.duckdb` does not exist",
        "give the path of an existing database file",
    );
    let duckdb = duckdb_file(&dir, "CREATE TABLE t (x INT);");
    let no_shell = nurture_with(
        &common::root(),
        &["segments", &rules, "--engine", &duckdb],
        Input::Null,
        &[("NURTURE_DUCKDB", "/no/such/duckdb")],
        DEADLINE,
    );
    assert_error(
        &no_shell,
        "E0910",
        "cannot run the DuckDB shell `/no/such/duckdb`",
        "install it (`pip install duckdb-cli`",
    );
}

#[test]
fn without_events_or_created_at_the_instant_must_be_given() {
    let dir = common::scratch("segments-engine-empty");
    let rules = rules_in(&dir, RULES);
    let duckdb = duckdb_file(
        &dir,
        "CREATE TABLE contacts (id TEXT, stage TEXT, points BIGINT, tags TEXT, created_at TIMESTAMPTZ); \
         CREATE TABLE events (contact_id TEXT, type TEXT, \"at\" TIMESTAMPTZ); \
         INSERT INTO contacts VALUES ('a', 'Lead', 50, NULL, NULL);",
    );
    let run = run(&["segments", &rules, "--engine", &duckdb]);
    assert_error(
        &run,
        "E0913",
        "no event of a known contact and no contact with a created_at",
        "give --at",
    );
    let ok = self::run(&[
        "segments",
        &rules,
        "--engine",
        &duckdb,
        "--at",
        "2025-06-01",
        "--format",
        "json",
    ]);
    assert_eq!(ok.code(), Some(0), "{}", ok.stderr);
    assert_eq!(ok.json()["contacts"], 1);
    assert_eq!(ok.json()["segments"][0]["contacts"], 1);
}

#[test]
fn flags_that_do_not_go_together_and_rules_sql_cannot_hold_are_refused() {
    let dir = common::scratch("segments-engine-flags");
    let rules = rules_in(&dir, RULES);
    let both = run(&[
        "segments",
        &rules,
        "--engine",
        "duckdb:x.duckdb",
        "--events",
        "e.csv",
    ]);
    assert_eq!(both.code(), Some(2));
    assert!(
        both.stderr
            .contains("'--engine <DATABASE>' cannot be used with '--events <EVENTS>'"),
        "{}",
        both.stderr
    );
    let table_alone = run(&["segments", &rules, "--contacts-table", "crm.contacts"]);
    assert_eq!(table_alone.code(), Some(2));
    assert!(
        table_alone.stderr.contains("--engine <DATABASE>"),
        "{}",
        table_alone.stderr
    );
    let unknown = run(&["segments", &rules, "--engine", "mysql://root:pw@db/crm"]);
    assert_eq!(unknown.code(), Some(2));
    assert!(unknown.stderr.contains("is not an engine Nurture knows"));
    assert!(!unknown.stderr.contains(":pw@"), "{}", unknown.stderr);
    // A script cannot be compiled: reported as `nurture sql` reports it,
    // exit 1, before any database is asked.
    let scripted = rules_in(
        &dir,
        "field title: text\n\nscript senior: bool ```\nfield(\"title\") == \"CEO\"\n```\n\nsegment leaders = script senior\n",
    );
    let run = run(&[
        "segments",
        &scripted,
        "--engine",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E0901"), "{}", run.stderr);
    assert!(run
        .stderr
        .contains("cannot be compiled to SQL as it is, so it cannot be counted in a database"));
    assert!(!run.stderr.contains("E0910"));
}
