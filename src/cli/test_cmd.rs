//! `nurture test`: runs the tests written in rules files; the reports are
//! `crate::testing::output`.

use super::paths::{display, rule_files};
use super::{output, usage_error, EXIT_OK, EXIT_PROBLEMS};
use crate::driver;
use crate::testing::output::{self as report, FileReport};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Files or directories whose tests to run [default: the current directory]
    paths: Vec<PathBuf>,
    /// Run only tests whose name contains this text
    #[arg(long)]
    filter: Option<String>,
    /// Output format (`github`: an annotation at each failed expectation)
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// List the rules that no test fired
    #[arg(long)]
    coverage: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TestFormat {
    Human,
    Json,
    Junit,
    Github,
}

pub fn run(args: &TestArgs) -> i32 {
    let files = match rule_files(&args.paths) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let mut reports = Vec::new();
    for path in &files {
        let name = display(path);
        let checked = match driver::check_file(path, &name) {
            Ok(checked) => checked,
            Err(error) => return usage_error(&error.to_string()),
        };
        reports.push(FileReport::new(name, &checked, args.filter.as_deref()));
    }
    let out = match args.format {
        TestFormat::Human => report::human(&reports, args.coverage, output::quiet()),
        TestFormat::Json => report::json(&reports, args.coverage),
        TestFormat::Junit => report::junit(&reports),
        TestFormat::Github => report::github(&reports),
    };
    let code = if report::failed(&reports) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    output::print_then(&out, code)
}
