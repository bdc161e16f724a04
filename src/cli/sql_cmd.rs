//! `nurture sql`: a rules file's segments and condition rules as SQL for
//! DuckDB or PostgreSQL (docs/sql.md), or the diagnostics of what cannot be
//! compiled (exit 1).

use super::{dry_run, output, usage_error, CheckFormat, EXIT_OK, EXIT_PROBLEMS};
use crate::diagnostics::{render, Diagnostic, SourceMap};
use crate::sql::{self, Dialect, SqlFormat, SqlOptions};
use clap::ValueEnum;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The rules file
    rules: PathBuf,
    /// The database the SQL is written for
    #[arg(long, value_enum)]
    dialect: DialectArg,
    /// The instant: a date (00:00 campaign time) or RFC 3339 [default: a
    /// parameter of the query, see docs/sql.md]
    #[arg(long)]
    at: Option<String>,
    /// One script ending in a SELECT, CREATE VIEW statements, or one row of
    /// counts
    #[arg(long, value_enum, default_value_t = FormatArg::Script)]
    format: FormatArg,
    /// The contacts table (may be schema-qualified)
    #[arg(long, default_value = "contacts")]
    contacts_table: String,
    /// The events table (may be schema-qualified)
    #[arg(long, default_value = "events")]
    events_table: String,
    /// How to report what cannot be compiled (as `check --format`)
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    diagnostics: CheckFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DialectArg {
    Duckdb,
    Postgres,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Script,
    Views,
    Counts,
}

pub fn run(args: &SqlArgs) -> i32 {
    let (program, sources) = match dry_run::load_program(&args.rules) {
        Ok(loaded) => loaded,
        Err(dry_run::Exit(code)) => return code,
    };
    let at = match &args.at {
        Some(text) => match dry_run::parse_instant(text, program.settings.timezone, false) {
            Ok(at) => Some(at),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };
    let options = SqlOptions {
        dialect: match args.dialect {
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Postgres => Dialect::Postgres,
        },
        at,
        contacts_table: args.contacts_table.clone(),
        events_table: args.events_table.clone(),
        format: match args.format {
            FormatArg::Script => SqlFormat::Script,
            FormatArg::Views => SqlFormat::Views,
            FormatArg::Counts => SqlFormat::Counts,
        },
    };
    match sql::compile(&program, &options) {
        Ok(text) => output::print_then(&text, EXIT_OK),
        Err(diagnostics) => {
            // The SQL goes to standard output, so a person reads why there
            // is none on standard error; the machine formats are reports
            // and go where `check` writes them.
            match args.diagnostics {
                CheckFormat::Human => {
                    print_uncompilable(&sources, &diagnostics);
                    errln!(
                        "error: `{}` cannot be compiled to SQL as it is; nothing was written",
                        super::paths::display(&args.rules)
                    );
                    EXIT_PROBLEMS
                }
                CheckFormat::Json => output::print_then(
                    &format!("{}\n", render::json(&sources, 1, &diagnostics)),
                    EXIT_PROBLEMS,
                ),
                CheckFormat::Github => {
                    output::print_then(&render::github(&sources, &diagnostics), EXIT_PROBLEMS)
                }
                CheckFormat::Sarif => output::print_then(
                    &format!(
                        "{}\n",
                        serde_json::to_string_pretty(&render::sarif(
                            &super::registry(),
                            &sources,
                            &diagnostics
                        ))
                        .unwrap_or_default()
                    ),
                    EXIT_PROBLEMS,
                ),
            }
        }
    }
}

/// What cannot be compiled, for a person, on standard error (coloured on a
/// terminal unless NO_COLOR is set).
pub(super) fn print_uncompilable(sources: &SourceMap, diagnostics: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    output::error_text(&render::human(sources, diagnostics, color));
}
