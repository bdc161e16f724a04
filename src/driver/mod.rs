//! The driver: read → parse → check → lint, the one place that runs the
//! stages in order. `check` resolves and types a parsed program and knows
//! nothing of the lints; `lint` reads a checked program; the driver joins
//! them, so every consumer (the CLI, the test runner, benches, fuzzers)
//! gets the same pipeline.

use crate::check::{self, loader, tests_check, Checked};
use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::lint::{self, LintConfig};
use std::path::Path;

/// Checks a rules file on disk and everything it imports, with the lints
/// at their default levels.
pub fn check_file(path: &Path, display: &str) -> Result<Checked, loader::ReadError> {
    check_file_with(path, display, &LintConfig::default())
}

/// Checks a rules file on disk with the lint levels of a project config.
pub fn check_file_with(
    path: &Path,
    display: &str,
    lints: &LintConfig,
) -> Result<Checked, loader::ReadError> {
    let text = loader::read_source(path, display)?;
    Ok(check_source_with(path, display, text, lints))
}

/// Checks source text as if read from `path` (imports resolve next to it).
pub fn check_source(path: &Path, display: &str, text: String) -> Checked {
    check_source_with(path, display, text, &LintConfig::default())
}

/// [`check_source`] with the lint levels of a project config. The lints
/// that only need declarations run whenever every file parsed; the others
/// only on a program that checked without errors. A lint configured as an
/// error makes the check fail but leaves the program in place.
pub fn check_source_with(path: &Path, display: &str, text: String, lints: &LintConfig) -> Checked {
    let mut sources = SourceMap::default();
    let mut diagnostics = Vec::new();
    let files = loader::load(path, display, text, &mut sources, &mut diagnostics);
    // Only check names when every file parsed: resolving half a program
    // would report names as undefined that the unparsed part declares.
    let parsed_all = !diagnostics.iter().any(Diagnostic::is_error);
    let mut program = None;
    if parsed_all {
        let mut resolved = check::resolve(&sources, &files);
        diagnostics.append(&mut resolved.diagnostics);
        let valid = !diagnostics.iter().any(Diagnostic::is_error);
        let context = lint::Context {
            sources: &sources,
            files: &files,
            declared: &resolved.declared,
            program: valid.then_some(&resolved.program),
        };
        diagnostics.extend(lint::run(&context, lints));
        if valid {
            program = Some(resolved.program);
        }
    }
    let mut tests = Vec::new();
    if let (Some(checked), Some(root)) = (&program, files.iter().find(|f| !f.imported)) {
        tests = tests_check::check_tests(
            checked,
            &sources,
            root.file,
            &root.ast.items,
            &mut diagnostics,
        );
        if diagnostics.iter().any(Diagnostic::is_error) {
            program = None;
            tests.clear();
        }
    }
    diagnostics::sort(&mut diagnostics);
    Checked {
        sources,
        diagnostics,
        program,
        tests,
    }
}
