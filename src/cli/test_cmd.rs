//! `nurture test`: runs the tests written in rules files.

use super::paths::{display, rule_files};
use super::{output, usage_error, EXIT_OK, EXIT_PROBLEMS};
use crate::check::Checked;
use crate::diagnostics::render;
use crate::driver;
use crate::testing::{run_test, TestResult};
use clap::ValueEnum;
use rayon::prelude::*;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Files or directories whose tests to run [default: the current directory]
    paths: Vec<PathBuf>,
    /// Run only tests whose name contains this text
    #[arg(long)]
    filter: Option<String>,
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
}

/// The tests of one file and what became of them.
struct FileReport {
    name: String,
    /// Rendered check diagnostics when the file has errors.
    check_errors: Option<String>,
    error_count: usize,
    results: Vec<TestResult>,
    /// Rules no selected test fired, in file order.
    uncovered: Vec<String>,
    rule_count: usize,
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
        reports.push(file_report(name, &checked, args.filter.as_deref()));
    }
    let out = match args.format {
        TestFormat::Human => human(&reports, args.coverage),
        TestFormat::Json => json(&reports, args.coverage),
        TestFormat::Junit => junit(&reports),
    };
    let failed = reports
        .iter()
        .any(|r| r.check_errors.is_some() || r.results.iter().any(|t| !t.passed));
    output::print_then(&out, if failed { EXIT_PROBLEMS } else { EXIT_OK })
}

fn file_report(name: String, checked: &Checked, filter: Option<&str>) -> FileReport {
    let Some(program) = &checked.program else {
        let (errors, _) = render::tally(&checked.diagnostics);
        let errors_only: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        return FileReport {
            name,
            check_errors: Some(render::human(&checked.sources, &errors_only, false)),
            error_count: errors,
            results: Vec::new(),
            uncovered: Vec::new(),
            rule_count: 0,
        };
    };
    let selected: Vec<_> = checked
        .tests
        .iter()
        .filter(|t| filter.is_none_or(|f| t.name.contains(f)))
        .collect();
    // Parallel, but collected in test order: output never depends on threads.
    let results: Vec<TestResult> = selected
        .par_iter()
        .map(|case| run_test(program, &checked.sources, case))
        .collect();
    let uncovered = program
        .rules
        .iter()
        .enumerate()
        .filter(|(r, _)| {
            !results
                .iter()
                .any(|t| t.fired.get(*r).is_some_and(|n| *n > 0))
        })
        .map(|(_, rule)| rule.name.clone())
        .collect();
    FileReport {
        name,
        check_errors: None,
        error_count: 0,
        results,
        uncovered,
        rule_count: program.rules.len(),
    }
}

fn counts(reports: &[FileReport]) -> (usize, usize) {
    let total = reports.iter().map(|r| r.results.len()).sum();
    let failed = reports
        .iter()
        .flat_map(|r| &r.results)
        .filter(|t| !t.passed)
        .count();
    (total, failed)
}

fn human(reports: &[FileReport], coverage: bool) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(errors) = &report.check_errors {
            let _ = writeln!(
                out,
                "{}: cannot run tests, the file has {} error(s):\n{errors}",
                report.name, report.error_count
            );
            continue;
        }
        for test in &report.results {
            let mark = if test.passed { "ok  " } else { "FAIL" };
            let _ = writeln!(out, "{mark} {}:{} {}", report.name, test.line, test.name);
            for failure in &test.failures {
                let _ = writeln!(out, "     line {}: {}", failure.line, failure.expectation);
                let _ = writeln!(out, "       expected: {}", failure.expected);
                let _ = writeln!(out, "       actual:   {}", failure.actual);
                for line in failure.explanation.lines() {
                    let _ = writeln!(out, "       {line}");
                }
            }
        }
        if coverage {
            let _ = writeln!(
                out,
                "coverage {}: {} of {} rules fired by a test",
                report.name,
                report.rule_count - report.uncovered.len(),
                report.rule_count
            );
            for rule in &report.uncovered {
                let _ = writeln!(out, "  not exercised: rule {rule}");
            }
        }
    }
    let (total, failed) = counts(reports);
    let broken = reports.iter().filter(|r| r.check_errors.is_some()).count();
    let _ = write!(
        out,
        "\n{} passed, {failed} failed, {total} tests in {} file(s)",
        total - failed,
        reports.len()
    );
    if broken > 0 {
        let _ = write!(out, "; {broken} file(s) with errors");
    }
    out.push('\n');
    out
}

fn json(reports: &[FileReport], coverage: bool) -> String {
    let (total, failed) = counts(reports);
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            let mut file = json!({
                "file": r.name,
                "errors": r.error_count,
                "tests": r.results,
            });
            if let (true, None, Some(object)) = (coverage, &r.check_errors, file.as_object_mut()) {
                object.insert("uncovered_rules".into(), json!(r.uncovered));
            }
            file
        })
        .collect();
    let value = json!({
        "tests": total,
        "passed": total - failed,
        "failed": failed,
        "files_with_errors": reports.iter().filter(|r| r.check_errors.is_some()).count(),
        "files": files,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot hold.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(reports: &[FileReport]) -> String {
    let (total, failed) = counts(reports);
    let errors = reports.iter().filter(|r| r.check_errors.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"nurture\" tests=\"{total}\" failures=\"{failed}\" errors=\"{errors}\">"
    );
    for report in reports {
        let name = xml_escape(&report.name);
        let failures = report.results.iter().filter(|t| !t.passed).count();
        let has_error = usize::from(report.check_errors.is_some());
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failures}\" errors=\"{has_error}\">",
            report.results.len()
        );
        if let Some(errors) = &report.check_errors {
            let _ = writeln!(out, "    <system-err>{}</system-err>", xml_escape(errors));
        }
        for test in &report.results {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{name}\" file=\"{name}\" line=\"{}\"",
                xml_escape(&test.name),
                test.line
            );
            if test.passed {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for failure in &test.failures {
                let message = format!(
                    "{}: expected {}, actual {}",
                    failure.expectation, failure.expected, failure.actual
                );
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                    xml_escape(&message),
                    xml_escape(&format!(
                        "line {}: {message}\n{}",
                        failure.line, failure.explanation
                    ))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
