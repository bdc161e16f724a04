//! Running the compiled SQL in a database: `nurture segments --engine`.
//!
//! The SQL backend (`crate::sql`) writes the query; this module hands it to
//! PostgreSQL (through the `postgres` client) or DuckDB (through its
//! command-line shell, since linking DuckDB's C++ would cost minutes of
//! build time on every machine) and reads back one row of counts. Every way
//! that can fail is an [`EngineError`] with a stable code (E0910–E0913), a
//! message that names the table, column or file, and help; a password in a
//! connection URL never appears in any of them.

mod duckdb;
mod postgres;

use crate::base::value::Instant;
use crate::diagnostics::{codes, Code};
use crate::ir::{Program, Trigger};
use crate::sql::{self, Dialect, SqlFormat, SqlOptions};
use std::path::PathBuf;

/// Where the SQL runs, as `--engine` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// `postgres://…` or `postgresql://…`, a libpq-style URL.
    Postgres(String),
    /// `duckdb:FILE`, a DuckDB database file, opened read-only.
    DuckDb(PathBuf),
}

impl Engine {
    /// Reads an `--engine` value.
    pub fn parse(spec: &str) -> Result<Engine, String> {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Ok(Engine::Postgres(spec.to_string()))
        } else if let Some(file) = spec.strip_prefix("duckdb:") {
            if file.is_empty() {
                Err("`--engine duckdb:` needs the database file: `--engine duckdb:warehouse.duckdb`".to_string())
            } else {
                Ok(Engine::DuckDb(PathBuf::from(file)))
            }
        } else {
            Err(format!(
                "`--engine {}` is not an engine Nurture knows; give `postgres://USER@HOST:PORT/DATABASE` or `duckdb:FILE` (see docs/sql.md)",
                redact(spec)
            ))
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Engine::Postgres(_) => Dialect::Postgres,
            Engine::DuckDb(_) => Dialect::DuckDb,
        }
    }
}

/// What went wrong in the database, reported as `error[CODE]: message`
/// with `help`, and exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub code: Code,
    pub message: String,
    pub help: String,
}

impl EngineError {
    fn new(code: Code, message: impl Into<String>, help: impl Into<String>) -> Self {
        EngineError {
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A table or column the SQL reads is missing (E0911).
    fn schema(message: impl Into<String>) -> Self {
        EngineError::new(
            codes::ENGINE_SCHEMA,
            message,
            "the tables must have the columns docs/sql.md lists under \"Input tables\"; name your own tables with --contacts-table and --events-table",
        )
    }

    /// A column has a type the SQL cannot use (E0912).
    fn types(message: impl Into<String>) -> Self {
        EngineError::new(
            codes::ENGINE_TYPE,
            message,
            "give each column the type docs/sql.md lists under \"Input tables\" (e.g. `at` and `created_at` TIMESTAMPTZ, `points` BIGINT)",
        )
    }

    /// Any other failure of the query, or a reply that is not the one row
    /// of counts the query returns (E0913).
    fn failed(message: impl Into<String>) -> Self {
        EngineError::new(
            codes::ENGINE_FAILED,
            message,
            "run `nurture sql --format counts` and the query by hand to see the database's own report",
        )
    }
}

/// The tables the SQL reads.
#[derive(Debug, Clone)]
pub struct Tables {
    pub contacts: String,
    pub events: String,
}

/// The counts the database returned, in the order of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineCounts {
    /// The instant they are for.
    pub at: Instant,
    /// Contacts that exist at `at`.
    pub contacts: u64,
    /// By segment id.
    pub segments: Vec<u64>,
    /// By rule id; `None` for event rules, which have no condition.
    pub rule_conditions: Vec<Option<u64>>,
    /// Warnings the database printed beside the result.
    pub notes: Vec<String>,
}

/// A database client: runs one query and returns its rows as text (NULL as
/// `None`).
trait Client {
    fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError>;

    /// What the database said beside the rows so far (warnings), to pass
    /// on to the user.
    fn notes(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// Counts every segment and condition rule of `program` at `at` (by
/// default the instant `nurture segments` takes from the data: the last
/// event of a known contact, else the latest `created_at`) in `engine`.
/// The SQL must compile: the caller reports what does not.
pub fn count(
    engine: &Engine,
    program: &Program,
    tables: &Tables,
    at: Option<Instant>,
) -> Result<EngineCounts, CountError> {
    let mut options = SqlOptions::new(engine.dialect());
    options.contacts_table = tables.contacts.clone();
    options.events_table = tables.events.clone();
    options.format = SqlFormat::Counts;
    options.at = at;
    // Compiled before connecting, so that what cannot be compiled is
    // reported without a database; again once the database has given the
    // instant, when it had to.
    let query = sql::compile(program, &options).map_err(CountError::Uncompilable)?;
    let mut client: Box<dyn Client> = match engine {
        Engine::Postgres(url) => Box::new(postgres::connect(url)?),
        Engine::DuckDb(file) => Box::new(duckdb::open(file)?),
    };
    let (at, query) = match at {
        Some(at) => (at, query),
        None => {
            let at = default_instant(client.as_mut(), tables)?;
            options.at = Some(at);
            let query = sql::compile(program, &options).map_err(CountError::Uncompilable)?;
            (at, query)
        }
    };
    let rows = client.rows(&query)?;
    let mut counts = read_counts(program, at, &rows)?;
    counts.notes = client.notes();
    Ok(counts)
}

/// Why [`count`] gave no counts.
#[derive(Debug)]
pub enum CountError {
    /// What the SQL backend cannot compile (E0901–E0904).
    Uncompilable(Vec<crate::diagnostics::Diagnostic>),
    Engine(EngineError),
}

impl From<EngineError> for CountError {
    fn from(error: EngineError) -> Self {
        CountError::Engine(error)
    }
}

/// The instant `nurture segments` takes without `--at`, asked of the
/// database in seconds since the epoch.
fn default_instant(client: &mut dyn Client, tables: &Tables) -> Result<Instant, EngineError> {
    let contacts = sql::table_name(&tables.contacts);
    let events = sql::table_name(&tables.events);
    let epoch = |column: &str| format!("CAST(floor(extract(epoch FROM max({column}))) AS BIGINT)");
    let query = format!(
        "SELECT COALESCE(\n  (SELECT {} FROM {events} AS e JOIN {contacts} AS c ON c.id = e.contact_id),\n  (SELECT {} FROM {contacts} AS c)\n);",
        epoch("e.\"at\""),
        epoch("c.created_at"),
    );
    let rows = client.rows(&query)?;
    match single_row(&rows)?.first() {
        Some(Some(text)) => text
            .trim()
            .parse::<Instant>()
            .map_err(|_| EngineError::failed(format!("the database gave `{text}` for the last event's instant, not a number of seconds"))),
        Some(None) => Err(EngineError::new(
            codes::ENGINE_FAILED,
            "the tables have no event of a known contact and no contact with a created_at to take the instant from",
            "give --at",
        )),
        None => Err(EngineError::failed("the database gave an empty row for the last event's instant")),
    }
}

fn single_row(rows: &[Vec<Option<String>>]) -> Result<&[Option<String>], EngineError> {
    match rows {
        [row] => Ok(row),
        _ => Err(EngineError::failed(format!(
            "the database gave {} rows where the query returns one",
            rows.len()
        ))),
    }
}

/// The one row of `SqlFormat::Counts`: the contacts, then one count per
/// segment and per condition rule, in program order.
fn read_counts(
    program: &Program,
    at: Instant,
    rows: &[Vec<Option<String>>],
) -> Result<EngineCounts, EngineError> {
    let row = single_row(rows)?;
    let conditions = program
        .rules
        .iter()
        .filter(|r| matches!(r.trigger, Trigger::Condition(_)))
        .count();
    let expected = 1 + program.segments.len() + conditions;
    if row.len() != expected {
        return Err(EngineError::failed(format!(
            "the database gave {} columns where the query returns {expected}",
            row.len()
        )));
    }
    let mut numbers = Vec::with_capacity(row.len());
    for cell in row {
        let text = cell.as_deref().unwrap_or("");
        numbers.push(text.trim().parse::<u64>().map_err(|_| {
            EngineError::failed(format!(
                "the database gave `{text}` where the query returns a count"
            ))
        })?);
    }
    let mut numbers = numbers.into_iter();
    let contacts = numbers.next().unwrap_or(0);
    let segments: Vec<u64> = numbers.by_ref().take(program.segments.len()).collect();
    let rule_conditions = program
        .rules
        .iter()
        .map(|rule| match rule.trigger {
            Trigger::Condition(_) => numbers.next(),
            _ => None,
        })
        .collect();
    Ok(EngineCounts {
        at,
        contacts,
        segments,
        rule_conditions,
        notes: Vec::new(),
    })
}

/// A connection string with any password replaced by `***`: what may be
/// printed of it.
pub fn redact(spec: &str) -> String {
    let Some((scheme, rest)) = spec.split_once("://") else {
        return spec.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(end) => rest.split_at(end),
        None => (rest, ""),
    };
    // `user:password@host`: the password ends at the last `@`.
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_string(),
    };
    // `?password=…` in the query string.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests;
