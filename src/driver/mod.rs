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
/// run whenever every file parsed; the ones that need a program only on a
/// program that checked without errors. A lint configured as an error makes
/// the check fail but leaves the program in place.
pub fn check_source_with(path: &Path, display: &str, text: String, lints: &LintConfig) -> Checked {
    check_source_in(&loader::DiskSources, path, display, text, lints)
}

/// [`check_source_with`], reading imports through `provider` (an editor's
/// unsaved buffers over the disk, say) instead of from disk.
pub fn check_source_in(
    provider: &dyn loader::SourceProvider,
    path: &Path,
    display: &str,
    text: String,
    lints: &LintConfig,
) -> Checked {
    let mut sources = SourceMap::default();
    let mut diagnostics = Vec::new();
    let loaded = loader::load(
        provider,
        path,
        display,
        text,
        &mut sources,
        &mut diagnostics,
    );
    let files = loaded.files;
    // Names and types are checked when every file could be read, also when
    // some items could not be parsed: the names a broken item declares are
    // excused where used (see `check::Names::declare_broken`). A missing or
    // refused import leaves what the program declares unknown, so then
    // nothing more is checked.
    let parsed_all = !diagnostics.iter().any(Diagnostic::is_error);
    let mut program = None;
    let mut symbols = None;
    if loaded.complete {
        let mut resolved = check::resolve(&sources, &files);
        diagnostics.append(&mut resolved.diagnostics);
        let valid = !diagnostics.iter().any(Diagnostic::is_error);
        // The lints need every item: on a partly parsed program, a
        // declaration used only by a broken item would be reported unused.
        if parsed_all {
            let context = lint::Context {
                sources: &sources,
                files: &files,
                declared: &resolved.declared,
                program: valid.then_some(&resolved.program),
            };
            diagnostics.extend(lint::run(&context, lints));
        }
        symbols = Some(resolved.symbols);
        if valid {
            program = Some(resolved.program);
        }
    }
    let mut tests = Vec::new();
    let mut test_symbols = check::symbols::Recorder::default();
    if let (Some(checked), Some(root)) = (&program, files.iter().find(|f| !f.imported)) {
        tests = tests_check::check_tests(
            checked,
            &sources,
            root.file,
            &root.ast.items,
            &mut diagnostics,
            &mut test_symbols,
        );
        if diagnostics.iter().any(Diagnostic::is_error) {
            program = None;
            tests.clear();
        }
    }
    diagnostics::sort(&mut diagnostics);
    let symbols = symbols.map_or_else(check::symbols::SymbolTable::default, |builder| {
        builder.finish(&test_symbols)
    });
    Checked {
        sources,
        diagnostics,
        program,
        tests,
        symbols,
    }
}
