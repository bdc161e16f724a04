//! What the SQL agreement tests share: the interpreter's per-contact rows
//! (`eval::population::contact_at`), and running many compiled scripts in
//! one DuckDB process (tests/support/sql_batch.py) or one `psql` session
//! over the same CSV files, loaded into the tables docs/sql.md documents.
//! Used by tests/sql_agreement.rs, tests/sql_differential.rs and
//! tests/segments_engine.rs.

#![allow(dead_code)]

use nurture::base::value::Instant;
use nurture::data::{self, LoadOptions, Schema};
use nurture::eval::population::contact_at;
use nurture::ir::{Program, Trigger};
use nurture::sql::{compile, Dialect, SqlOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::common;

pub fn program_of(path: &Path) -> Result<Program, String> {
    let checked = nurture::driver::check_file(path, &path.display().to_string())
        .map_err(|e| format!("{e:?}"))?;
    checked
        .program
        .ok_or_else(|| format!("{:#?}", checked.diagnostics))
}

pub fn program_from(dir: &Path, source: &str) -> Result<Program, String> {
    let path = dir.join("rules.nurture");
    std::fs::write(&path, source).unwrap();
    program_of(&path)
}

pub type Rows = Vec<Vec<String>>;

/// What the interpreter says, as the rows the SQL must return (header
/// not included), sorted by id in byte order.
pub fn expected(program: &Program, dataset: &data::Dataset, at: Instant) -> Rows {
    let mut rows = Vec::new();
    for (index, contact) in dataset.contacts.iter().enumerate() {
        let own = dataset
            .contact_event_ranges
            .get(index)
            .and_then(|r| dataset.events.get(r.clone()))
            .unwrap_or(&[]);
        let Some(result) = contact_at(program, contact, own, at) else {
            continue;
        };
        let mut row = vec![contact.id.clone()];
        row.extend(result.segments.iter().map(|b| b.to_string()));
        for (rule, holds) in program.rules.iter().zip(&result.rules) {
            if matches!(rule.trigger, Trigger::Condition(_)) {
                row.push(holds.to_string());
            }
        }
        rows.push(row);
    }
    rows.sort();
    rows
}

pub fn load(program: &Program, contacts: &Path, events: &Path) -> data::Dataset {
    data::load(
        &Schema::from(program),
        contacts,
        events,
        &LoadOptions::default(),
    )
    .expect("the data loads")
}

/// One program over one pair of files at some instants.
pub struct Job {
    pub program: Program,
    pub contacts: PathBuf,
    pub events: PathBuf,
    pub instants: Vec<Instant>,
    /// Which instant (if any) goes in as the dialect's parameter rather
    /// than a literal.
    pub parameter: Option<usize>,
}

/// What an engine returned for one query: its header and rows, or the
/// database's error.
pub type Answer = Result<(Vec<String>, Rows), String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    DuckDb,
    Postgres,
}

impl Engine {
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::DuckDb => Dialect::DuckDb,
            Engine::Postgres => Dialect::Postgres,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::DuckDb => "DuckDB",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

fn fields_of(program: &Program) -> Vec<(String, String)> {
    program
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.ty.to_string()))
        .collect()
}

fn properties_of(program: &Program) -> Vec<(String, String)> {
    let mut properties: Vec<(String, String)> = Vec::new();
    for t in program.event_types.iter() {
        for (name, ty) in t.properties.iter() {
            if !properties.iter().any(|(n, _)| n == name) {
                properties.push((name.clone(), ty.to_string()));
            }
        }
    }
    properties
}

/// The SQL of a job's queries for an engine, in instant order.
pub fn scripts(job: &Job, engine: Engine) -> Vec<String> {
    job.instants
        .iter()
        .enumerate()
        .map(|(i, &at)| {
            let mut options = SqlOptions::new(engine.dialect());
            options.at = (job.parameter != Some(i)).then_some(at);
            compile(&job.program, &options)
                .unwrap_or_else(|d| panic!("does not compile for {}: {d:#?}", engine.name()))
        })
        .collect()
}

/// Runs every job's queries in one process of the engine; per job, per
/// instant, the answer.
pub fn run(engine: Engine, name: &str, jobs: &[Job]) -> Vec<Vec<Answer>> {
    let dir = common::scratch(&format!("sql-{}-{name}", engine.name().to_lowercase()));
    match engine {
        Engine::DuckDb => run_duckdb(&dir, jobs),
        Engine::Postgres => run_postgres(&dir, name, jobs),
    }
}

fn rfc3339(at: Instant) -> String {
    nurture::base::time::rfc3339(at)
}

pub fn python() -> PathBuf {
    let python = common::root().join("target/sql-venv/bin/python");
    let ok = python.exists()
        && Command::new(&python)
            .args(["-c", "import duckdb"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok,
        "DuckDB for Python is missing, so the SQL backend cannot be checked against it. Install it with:\n  \
         python3 -m venv target/sql-venv && target/sql-venv/bin/pip install duckdb==1.1.3"
    );
    python
}

fn run_duckdb(dir: &Path, jobs: &[Job]) -> Vec<Vec<Answer>> {
    let mut spec_jobs = Vec::new();
    for (j, job) in jobs.iter().enumerate() {
        let mut queries = Vec::new();
        for (i, sql) in scripts(job, Engine::DuckDb).into_iter().enumerate() {
            let path = dir.join(format!("j{j}-q{i}.sql"));
            std::fs::write(&path, sql).unwrap();
            let variable = (job.parameter == Some(i)).then(|| rfc3339(job.instants[i]));
            queries.push(serde_json::json!({ "sql": path, "variable": variable }));
        }
        spec_jobs.push(serde_json::json!({
            "contacts": job.contacts,
            "events": job.events,
            "fields": fields_of(&job.program),
            "properties": properties_of(&job.program),
            "queries": queries,
        }));
    }
    let spec = dir.join("spec.json");
    std::fs::write(&spec, serde_json::json!({ "jobs": spec_jobs }).to_string()).unwrap();
    let out = Command::new(python())
        .arg(common::root().join("tests/support/sql_batch.py"))
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed on the jobs in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    split(&out.stdout, jobs, |cell| cell.to_string())
}

/// Splits the CSV a runner printed into answers, per job, per instant:
/// header, rows, `--- end`; or `--- error, message`.
fn split(stdout: &[u8], jobs: &[Job], cell: impl Fn(&str) -> String) -> Vec<Vec<Answer>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(stdout);
    let mut answers: Vec<Answer> = Vec::new();
    let mut current: Rows = Vec::new();
    for record in reader.records() {
        let row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        match row.first().map(String::as_str) {
            Some("--- end") => {
                let mut rows = std::mem::take(&mut current);
                let header = if rows.is_empty() {
                    Vec::new()
                } else {
                    rows.remove(0)
                };
                let rows = rows
                    .into_iter()
                    .map(|r| r.iter().map(|c| cell(c)).collect())
                    .collect();
                answers.push(Ok((header, rows)));
            }
            Some("--- error") => {
                current.clear();
                answers.push(Err(row.get(1).cloned().unwrap_or_default()));
            }
            _ => current.push(row),
        }
    }
    let mut answers = answers.into_iter();
    jobs.iter()
        .map(|job| {
            job.instants
                .iter()
                .map(|_| {
                    answers
                        .next()
                        .unwrap_or_else(|| Err("no answer".to_string()))
                })
                .collect()
        })
        .collect()
}

/// The URL of the PostgreSQL server the tests use; without one the test
/// fails saying how to start it.
pub fn postgres_url() -> String {
    let how = "Start a throwaway server with `eval \"$(scripts/test-postgres.sh)\"` \
               (it exports NURTURE_TEST_POSTGRES; `.ci/run` does the same)";
    let url = std::env::var("NURTURE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("NURTURE_TEST_POSTGRES is not set, so the SQL backend cannot be checked against PostgreSQL. {how}.")
    });
    let out = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-c", "SELECT 1", &url])
        .output();
    match out {
        Ok(out) if out.status.success() => url,
        Ok(out) => panic!(
            "PostgreSQL at NURTURE_TEST_POSTGRES={url} does not answer: {}\n{how}.",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!("psql cannot run ({e}); install postgresql-client. {how}."),
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn pg_type(ty: &str) -> &'static str {
    match ty {
        "number" => "DOUBLE PRECISION",
        "bool" => "BOOLEAN",
        "date" => "DATE",
        "datetime" => "TIMESTAMPTZ",
        _ => "TEXT",
    }
}

fn header_of(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect()
}

/// Loads a CSV file as text into `TABLE_text` (every cell text, an
/// unquoted empty cell NULL, `seq` the row number from 0 in file order
/// when asked), then casts `columns` into TABLE; columns the file lacks
/// are NULL. The same as sql_batch.py does in DuckDB.
fn pg_load(script: &mut String, table: &str, path: &Path, columns: &[(String, &str)], seq: bool) {
    let header = header_of(path);
    let stage = format!("{table}_text");
    let mut text_columns: Vec<String> = header
        .iter()
        .map(|h| format!("{} TEXT", ident(h)))
        .collect();
    if seq {
        text_columns
            .push("seq BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 0 MINVALUE 0)".into());
    }
    script.push_str(&format!(
        "CREATE TABLE {stage} ({});\n",
        text_columns.join(", ")
    ));
    let list: Vec<String> = header.iter().map(|h| ident(h)).collect();
    script.push_str(&format!(
        "\\copy {stage} ({}) FROM {} WITH (FORMAT csv, HEADER true)\n",
        list.join(", "),
        quote(&path.display().to_string())
    ));
    let select: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            if header.contains(name) || (seq && name == "seq") {
                format!("CAST({} AS {ty}) AS {}", ident(name), ident(name))
            } else {
                format!("CAST(NULL AS {ty}) AS {}", ident(name))
            }
        })
        .collect();
    script.push_str(&format!(
        "CREATE TABLE {table} AS SELECT {} FROM {stage};\n",
        select.join(", ")
    ));
}

/// The session time zones PostgreSQL jobs run in, by turns.
const SESSION_ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
];

/// Loads a job's files into the tables of docs/sql.md in `schema` (made
/// anew) and leaves `search_path` there.
fn pg_load_job(script: &mut String, schema: &str, job: &Job) {
    script.push_str(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE;\nCREATE SCHEMA {schema};\nSET search_path = {schema};\n"
    ));
    let mut contact_columns: Vec<(String, &str)> = vec![
        ("id".into(), "TEXT"),
        ("stage".into(), "TEXT"),
        ("points".into(), "BIGINT"),
        ("tags".into(), "TEXT"),
        ("created_at".into(), "TIMESTAMPTZ"),
    ];
    contact_columns.extend(
        fields_of(&job.program)
            .into_iter()
            .map(|(n, t)| (n, pg_type(&t))),
    );
    pg_load(script, "contacts", &job.contacts, &contact_columns, false);
    let mut event_columns: Vec<(String, &str)> = vec![
        ("contact_id".into(), "TEXT"),
        ("type".into(), "TEXT"),
        ("at".into(), "TIMESTAMPTZ"),
        ("seq".into(), "BIGINT"),
    ];
    event_columns.extend(
        properties_of(&job.program)
            .into_iter()
            .map(|(n, t)| (n, pg_type(&t))),
    );
    pg_load(script, "events", &job.events, &event_columns, true);
}

/// Runs a psql script against the test server, stopping at the first
/// error; its standard output.
fn psql_script(dir: &Path, script: &str) -> Vec<u8> {
    let path = dir.join("script.sql");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("psql")
        .args(["-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&path)
        .arg(postgres_url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PostgreSQL failed on the script {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Loads a job's files into `schema` on the test server and keeps them
/// there, for a reader such as `nurture segments --engine`; the caller
/// drops the schema ([`drop_postgres_schema`]).
pub fn postgres_schema(dir: &Path, schema: &str, job: &Job) {
    let mut script = String::from("SET client_min_messages = warning;\n");
    pg_load_job(&mut script, schema, job);
    script.push_str("DROP TABLE contacts_text;\nDROP TABLE events_text;\n");
    psql_script(dir, &script);
}

pub fn drop_postgres_schema(dir: &Path, schema: &str) {
    psql_script(
        dir,
        &format!("SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS {schema} CASCADE;\n"),
    );
}

/// Loads a job's files into a DuckDB database file (made anew) with the
/// tables of docs/sql.md, as sql_batch.py loads them.
pub fn duckdb_database(dir: &Path, path: &Path, job: &Job) {
    let _ = std::fs::remove_file(path);
    let spec = dir.join("database-spec.json");
    let spec_job = serde_json::json!({
        "database": path,
        "contacts": job.contacts,
        "events": job.events,
        "fields": fields_of(&job.program),
        "properties": properties_of(&job.program),
        "queries": [],
    });
    std::fs::write(&spec, serde_json::json!({ "jobs": [spec_job] }).to_string()).unwrap();
    let out = Command::new(python())
        .arg(common::root().join("tests/support/sql_batch.py"))
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB could not load {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The DuckDB shell `nurture segments --engine duckdb:…` runs; without it
/// the test fails saying how to install it.
pub fn duckdb_shell() -> PathBuf {
    let shell = common::root().join("target/sql-venv/bin/duckdb");
    assert!(
        shell.exists(),
        "the DuckDB shell is missing, so `segments --engine duckdb:` cannot be tested. Install it with:\n  \
         python3 -m venv target/sql-venv && target/sql-venv/bin/pip install duckdb==1.1.3 duckdb-cli==1.5.6"
    );
    shell
}

fn run_postgres(dir: &Path, name: &str, jobs: &[Job]) -> Vec<Vec<Answer>> {
    // Tests run side by side on one server: each run its own schemas.
    let tag: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let tag = format!("{tag}_{}", std::process::id());
    let mut script = String::from("SET client_min_messages = warning;\nSET TimeZone = 'UTC';\n");
    for (j, job) in jobs.iter().enumerate() {
        let schema = format!("nurture_{tag}_{j}");
        // The SQL must not depend on the session's time zone: jobs take
        // turns at UTC and three others (the loaded values are absolute,
        // so loading does not depend on it either).
        let session_zone = SESSION_ZONES[j % SESSION_ZONES.len()];
        script.push_str(&format!("SET TimeZone = '{session_zone}';\n"));
        pg_load_job(&mut script, &schema, job);
        for (i, sql) in scripts(job, Engine::Postgres).into_iter().enumerate() {
            let body = sql.trim_end().trim_end_matches(';');
            if job.parameter == Some(i) {
                script.push_str(&format!(
                    "PREPARE nurture_q(timestamptz) AS\n{body};\nEXECUTE nurture_q({});\nDEALLOCATE nurture_q;\n",
                    quote(&rfc3339(job.instants[i]))
                ));
            } else {
                script.push_str(body);
                script.push_str(";\n");
            }
            script.push_str("\\echo '--- end'\n");
        }
        script.push_str(&format!(
            "SET search_path = public;\nDROP SCHEMA {schema} CASCADE;\n"
        ));
    }
    let stdout = psql_script(dir, &script);
    split(&stdout, jobs, |cell| match cell {
        "t" => "true".to_string(),
        "f" => "false".to_string(),
        other => other.to_string(),
    })
}

/// The first disagreement between an engine's answer and the
/// interpreter's rows, described for a person.
pub fn disagreement(answer: &Answer, want: &Rows) -> Option<String> {
    match answer {
        Err(e) => Some(format!("the query failed: {e}")),
        Ok((header, got)) => {
            if header.first().map(String::as_str) != Some("contact_id") {
                return Some(format!("header {header:?}"));
            }
            if got == want {
                return None;
            }
            let ids_got: Vec<_> = got.iter().map(|r| &r[0]).collect();
            let ids_want: Vec<_> = want.iter().map(|r| &r[0]).collect();
            if ids_got != ids_want {
                return Some(format!(
                    "contacts differ: SQL {ids_got:?}, interpreter {ids_want:?}"
                ));
            }
            let mut lines = Vec::new();
            for (g, w) in got.iter().zip(want) {
                for ((column, gc), wc) in header.iter().zip(g).zip(w) {
                    if gc != wc {
                        lines.push(format!("  {} {column}: SQL {gc}, interpreter {wc}", g[0]));
                    }
                }
            }
            Some(lines.join("\n"))
        }
    }
}
