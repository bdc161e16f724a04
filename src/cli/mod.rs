//! The `nurture` command line: argument parsing and exit codes.
//!
//! Exit codes mean one thing each: 0 success, 1 the command ran and found
//! problems, 2 it could not run as asked.

#[macro_use]
mod output;
mod check_cmd;
mod color;
mod diff_cmd;
mod docs_cmd;
mod dry_run;
mod explain_cmd;
mod fix;
mod fmt_cmd;
mod generate_cmd;
mod git_sources;
mod paths;
mod segments_cmd;
mod simulate_cmd;
mod sql_cmd;
mod test_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use docs_cmd::heading_section as docs_section;

/// Exit code: the command ran and found nothing wrong.
pub const EXIT_OK: i32 = 0;
/// Exit code: the command ran and found problems.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit code: the command could not run as asked.
pub const EXIT_USAGE: i32 = 2;

/// `nurture --version`: the version and the commit it was built from
/// (written by `build.rs`), "unknown commit" outside a git checkout.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("NURTURE_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "nurture",
    version = VERSION,
    about = "Check, test and dry-run marketing-automation campaigns written in the Nurture language"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command takes, before or after its name.
#[derive(Debug, clap::Args)]
struct GlobalArgs {
    /// Print only problems: no summaries, progress or notes
    #[arg(long, short, global = true, display_order = 900)]
    quiet: bool,
    /// Colour output: `auto` on a terminal unless NO_COLOR is set
    /// (FORCE_COLOR colours a pipe too); `always` and `never` win over both
    #[arg(long, value_enum, global = true, display_order = 901,
          default_value_t = color::ColorWhen::Auto)]
    color: color::ColorWhen,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate rules files (a directory means every *.nurture under it)
    Check(CheckArgs),
    /// Rewrite rules files in the canonical layout
    Fmt(FmtArgs),
    /// Run the tests written in rules files (a directory means every *.nurture under it)
    Test(test_cmd::TestArgs),
    /// Dry-run a campaign over contacts and their events; nothing is sent
    Simulate(simulate_cmd::SimulateArgs),
    /// Why a contact is where it is: every rule and clause with its value
    Explain(explain_cmd::ExplainArgs),
    /// What a change does: run two versions of a campaign over the same contacts and compare
    Diff(diff_cmd::DiffArgs),
    /// Write realistic synthetic contacts and events for demos and benchmarks
    Generate(generate_cmd::GenerateArgs),
    /// Count the contacts in every segment at one instant, on the data as it is
    Segments(segments_cmd::SegmentsArgs),
    /// Show the documentation of a diagnostic code or lint (`nurture docs E0201`,
    /// `nurture docs unused-declaration`); with no argument, list them all
    Docs(docs_cmd::DocsArgs),
    /// Compile segments and condition rules to SQL for DuckDB or PostgreSQL
    Sql(sql_cmd::SqlArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check [default: the current directory]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Exit with 1 when there are warnings, not only errors
    #[arg(long)]
    deny_warnings: bool,
    /// Apply the fixes that are safe (did-you-mean spellings), say what
    /// changed, then check again and report what is left
    #[arg(long)]
    fix: bool,
    /// The path standard input (`-`) stands for: named in messages, and
    /// where `nurture.toml` is looked for and imports are resolved from
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or directories to format [default: the current directory]
    paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit with 1 if any
    #[arg(long)]
    check: bool,
    /// Write nothing; print a unified diff of what would change and exit
    /// with 1 if anything would
    #[arg(long)]
    diff: bool,
    /// The path standard input (`-`) stands for, in messages
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
    Sarif,
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    // A usage error is written before the flags are parsed: its colour
    // follows `--color` as written and the environment (`cli::color`).
    let usage_color = if color::from_args(std::env::args()).for_stderr() {
        clap::ColorChoice::Always
    } else {
        clap::ColorChoice::Never
    };
    let parsed = Cli::command()
        .color(usage_color)
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        // `--help` and `--version` are "errors" to clap, written to
        // standard output like any report (a closed pipe or a full disk
        // is handled the same way); real usage errors go to standard error.
        Err(error) if error.use_stderr() => {
            // clap reports, never panics on, a failed write.
            let _ = error.print();
            return EXIT_USAGE;
        }
        Err(error) => {
            // `--help` or `--version`: the flags were not parsed, so
            // `--color` is read from the arguments as they are.
            let rendered = error.render();
            let text = if color::from_args(std::env::args()).for_stdout() {
                rendered.ansi().to_string()
            } else {
                rendered.to_string()
            };
            return output::print_then(&text, EXIT_OK);
        }
    };
    output::configure(cli.global.quiet, cli.global.color);
    match cli.command {
        Command::Check(args) => check_cmd::run(&args),
        Command::Fmt(args) => fmt_cmd::run(&args),
        Command::Test(args) => test_cmd::run(&args),
        Command::Simulate(args) => simulate_cmd::run(&args),
        Command::Explain(args) => explain_cmd::run(&args),
        Command::Diff(args) => diff_cmd::run(&args),
        Command::Generate(args) => generate_cmd::run(&args),
        Command::Segments(args) => segments_cmd::run(&args),
        Command::Docs(args) => docs_cmd::run(&args),
        Command::Sql(args) => sql_cmd::run(&args),
    }
}

/// Reports the scripts that failed while a command ran, after its output,
/// and gives the exit code: 1 when any failed (the results counted them as
/// false), else 0. The one way `segments`, `simulate` and `explain` report
/// them (see `crate::report::script_failures`).
pub(crate) fn script_failures(failures: &crate::eval::script_failures::ScriptFailures) -> i32 {
    if failures.is_empty() {
        return EXIT_OK;
    }
    output::error_text(&crate::report::script_failures::render(failures));
    EXIT_PROBLEMS
}

/// Prints a "could not run as asked" error and gives its exit code.
pub(crate) fn usage_error(message: &str) -> i32 {
    errln!("error: {message}");
    EXIT_USAGE
}

/// Every code Nurture reports, for the outputs that list codes (SARIF
/// rules): the checker's, the run's, the lints' and
/// the data's, in that order (the order of SARIF rules).
pub fn registry() -> crate::diagnostics::codes::Registry {
    use crate::diagnostics::codes;
    codes::Registry::new(&[
        codes::CODES,
        codes::RUN_CODES,
        crate::lint::registry::LINT_CODES,
        crate::data::codes::CODES,
    ])
}
