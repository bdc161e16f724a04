//! The `nurture` command line: argument parsing and exit codes.
//!
//! Exit codes mean one thing each: 0 success, 1 the command ran and found
//! problems, 2 it could not run as asked.

mod check_cmd;
mod dry_run;
mod explain_cmd;
mod fmt_cmd;
mod generate_cmd;
mod paths;
mod segments_cmd;
mod simulate_cmd;
mod test_cmd;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Exit code: the command ran and found nothing wrong.
pub const EXIT_OK: i32 = 0;
/// Exit code: the command ran and found problems.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit code: the command could not run as asked.
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "nurture",
    version,
    about = "Check, test and dry-run marketing-automation campaigns written in the Nurture language"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// Write realistic synthetic contacts and events for demos and benchmarks
    Generate(generate_cmd::GenerateArgs),
    /// Count the contacts in every segment at one instant, on the data as it is
    Segments(segments_cmd::SegmentsArgs),
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
}

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or directories to format [default: the current directory]
    paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit with 1 if any
    #[arg(long)]
    check: bool,
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
            let _ = error.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(args) => check_cmd::run(&args),
        Command::Fmt(args) => fmt_cmd::run(&args),
        Command::Test(args) => test_cmd::run(&args),
        Command::Simulate(args) => simulate_cmd::run(&args),
        Command::Explain(args) => explain_cmd::run(&args),
        Command::Generate(args) => generate_cmd::run(&args),
        Command::Segments(args) => segments_cmd::run(&args),
    }
}

/// Prints a "could not run as asked" error and gives its exit code.
pub(crate) fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    EXIT_USAGE
}
