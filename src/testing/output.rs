//! The reports of `nurture test`: human, JSON, JUnit and GitHub
//! annotations, from the results of every file.
//!
//! A file whose rules do not check runs no test; every format still shows
//! it as a failure, so a CI reporter never counts it as "0 tests": in JUnit
//! it is a failing test case named after the file whose message and body
//! carry the diagnostics, in GitHub annotations it is the check's own
//! annotations.

use super::{run_test, TestResult};
use crate::base::number::counted;
use crate::check::Checked;
use crate::diagnostics::{render, Diagnostic, SourceMap};
use rayon::prelude::*;
use serde_json::json;
use std::fmt::Write;

/// The tests of one file and what became of them.
pub struct FileReport {
    pub name: String,
    /// The check's errors when the file has any (then no test ran).
    pub check_errors: Option<CheckErrors>,
    pub results: Vec<TestResult>,
    /// Rules no selected test fired, in file order.
    pub uncovered: Vec<String>,
    pub rule_count: usize,
}

/// Why a file's tests could not run.
pub struct CheckErrors {
    pub sources: SourceMap,
    pub errors: Vec<Diagnostic>,
}

impl CheckErrors {
    /// The errors as `nurture check` prints them (code, place, code frame).
    fn rendered(&self) -> String {
        render::human(&self.sources, &self.errors, false)
    }

    /// One line per error: `FILE:LINE:COLUMN: error[CODE]: message`.
    fn lines(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|d| {
                let (file, region) = render::locate(&self.sources, d);
                format!(
                    "{file}:{}:{}: error[{}]: {}",
                    region.start.line, region.start.column, d.code, d.message
                )
            })
            .collect()
    }
}

impl FileReport {
    /// Runs the tests of `checked` whose name contains `filter`.
    pub fn new(name: String, checked: &Checked, filter: Option<&str>) -> FileReport {
        let Some(program) = &checked.program else {
            let errors = checked.errors();
            return FileReport {
                name,
                check_errors: Some(CheckErrors {
                    sources: checked.sources.clone(),
                    errors,
                }),
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
            results,
            uncovered,
            rule_count: program.rules.len(),
        }
    }

    fn error_count(&self) -> usize {
        self.check_errors.as_ref().map_or(0, |c| c.errors.len())
    }
}

/// Whether anything failed: a test, or a file whose tests could not run.
pub fn failed(reports: &[FileReport]) -> bool {
    reports
        .iter()
        .any(|r| r.check_errors.is_some() || r.results.iter().any(|t| !t.passed))
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

/// The text report. `quiet` leaves out the passing tests, and the summary
/// line when nothing failed.
pub fn human(reports: &[FileReport], coverage: bool, quiet: bool) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(errors) = &report.check_errors {
            let _ = writeln!(
                out,
                "{}: cannot run tests, the file has {}:\n{}",
                report.name,
                counted(report.error_count() as u64, "error", "errors"),
                errors.rendered()
            );
            continue;
        }
        for test in &report.results {
            if quiet && test.passed {
                continue;
            }
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
    if quiet && !failed(reports) {
        return out;
    }
    let (total, failed) = counts(reports);
    let broken = reports.iter().filter(|r| r.check_errors.is_some()).count();
    let _ = write!(
        out,
        "\n{} passed, {failed} failed, {} in {}",
        total - failed,
        counted(total as u64, "test", "tests"),
        counted(reports.len() as u64, "file", "files")
    );
    if broken > 0 {
        let _ = write!(
            out,
            "; {} with errors",
            counted(broken as u64, "file", "files")
        );
    }
    out.push('\n');
    out
}

/// The JSON report. A file that does not check has `"errors"` (their
/// count) and `"diagnostics"` (each `FILE:LINE:COLUMN: error[CODE]: …`).
pub fn json(reports: &[FileReport], coverage: bool) -> String {
    let (total, failed) = counts(reports);
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            let mut file = json!({
                "file": r.name,
                "errors": r.error_count(),
                "tests": r.results,
            });
            if let Some(object) = file.as_object_mut() {
                match &r.check_errors {
                    Some(errors) => {
                        object.insert("diagnostics".into(), json!(errors.lines()));
                    }
                    None if coverage => {
                        object.insert("uncovered_rules".into(), json!(r.uncovered));
                    }
                    None => {}
                }
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

/// The JUnit XML report. A file that does not check is one failing test
/// case named after the file (`type="check"`), counted in `tests` and
/// `failures`.
pub fn junit(reports: &[FileReport]) -> String {
    let (total, failed) = counts(reports);
    let broken = reports.iter().filter(|r| r.check_errors.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"nurture\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
        total + broken,
        failed + broken
    );
    for report in reports {
        let name = xml_escape(&report.name);
        if let Some(errors) = &report.check_errors {
            let lines = errors.lines();
            let message = format!(
                "the file has {}, so no test ran: {}",
                counted(lines.len() as u64, "error", "errors"),
                lines.join("; ")
            );
            let _ = writeln!(
                out,
                "  <testsuite name=\"{name}\" tests=\"1\" failures=\"1\" errors=\"0\">\n    \
                 <testcase name=\"{name}\" classname=\"{name}\" file=\"{name}\">\n      \
                 <failure message=\"{}\" type=\"check\">{}</failure>\n    \
                 </testcase>\n  </testsuite>",
                xml_escape(&message),
                xml_escape(&errors.rendered())
            );
            continue;
        }
        let failures = report.results.iter().filter(|t| !t.passed).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
            report.results.len()
        );
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
                let message = failure_message(failure);
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

fn failure_message(failure: &super::Failure) -> String {
    format!(
        "{}: expected {}, actual {}",
        failure.expectation, failure.expected, failure.actual
    )
}

/// GitHub Actions annotations: an `::error` at each failed expectation,
/// and for a file that does not check, the annotations `nurture check
/// --format github` gives its errors. Passing tests print nothing.
pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(errors) = &report.check_errors {
            out.push_str(&render::github(&errors.sources, &errors.errors));
            continue;
        }
        for test in reports_failures(report) {
            let (test, failure) = test;
            let mut message = format!("test \"{}\": {}", test.name, failure_message(failure));
            if !failure.explanation.is_empty() {
                message.push('\n');
                message.push_str(failure.explanation.trim_end());
            }
            out.push_str(&render::github_command(
                "error",
                &[
                    ("file", report.name.clone()),
                    ("line", failure.line.to_string()),
                    ("title", format!("nurture test failed: {}", test.name)),
                ],
                &message,
            ));
        }
    }
    out
}

fn reports_failures(
    report: &FileReport,
) -> impl Iterator<Item = (&TestResult, &super::Failure)> + '_ {
    report
        .results
        .iter()
        .flat_map(|t| t.failures.iter().map(move |f| (t, f)))
}
