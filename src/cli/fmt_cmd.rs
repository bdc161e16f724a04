//! `nurture fmt`.
//!
//! A file is rewritten by writing the new text to a temporary file in its
//! folder and renaming it over the old one, so an interrupted run never
//! leaves a half-written file. A rules file that is a symbolic link is
//! formatted where it leads, which must be inside the project like any file
//! `check` reads (E0006 otherwise); the link itself stays a link. `-` reads
//! standard input and writes the formatted text to standard output.
//! The canonical layout has no byte-order mark: a file starting with one is
//! rewritten without it.
//!
//! `--check` and `--diff` write nothing: `--check` names each file that
//! would change, `--diff` prints a unified diff of it (`similar`), and both
//! exit 1 if any would.

use super::dry_run::Exit;
use super::paths::{display, is_stdin, rule_files, stdin_name};
use super::{output, usage_error, FmtArgs, EXIT_OK, EXIT_PROBLEMS};
use crate::check::loader::{self, read_rules_file, RulesFile};
use crate::diagnostics::{render, Diagnostic, SourceFile, SourceMap};
use crate::fmt::{format, FormatError};

pub fn run(args: &FmtArgs) -> i32 {
    let files = match rule_files(&args.paths) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let color = output::color_stderr();
    let dry = args.check || args.diff;
    let mut problems = 0usize;
    let mut changed = 0usize;
    for path in &files {
        let stdin = is_stdin(path);
        let name = if stdin {
            stdin_name(args.stdin_filename.as_deref())
        } else {
            display(path)
        };
        let read = if stdin {
            loader::read_stdin_rules()
        } else {
            read_rules_file(path, &name)
        };
        let RulesFile {
            text: source,
            real_path,
            had_bom,
        } = match read {
            Ok(file) => file,
            // A file that is there but is not one to read as rules: a
            // problem found; the other files are still formatted.
            Err(error) if error.is_file_problem() => {
                errln!("error[{}]: {error}", error.code());
                if let Some(help) = error.help() {
                    errln!("  help: {help}");
                }
                problems += 1;
                continue;
            }
            Err(error) => return usage_error(&error.to_string()),
        };
        let formatted = match format(&source) {
            Ok(formatted) => formatted,
            Err(FormatError::Syntax(errors)) => {
                let mut sources = SourceMap::default();
                let file = sources.add(SourceFile::new(name.clone(), source.clone()));
                let diagnostics: Vec<Diagnostic> = errors
                    .into_iter()
                    .map(|e| e.into_diagnostic(file))
                    .collect();
                output::error_text(&render::human(&sources, &diagnostics, color));
                problems += 1;
                continue;
            }
            Err(error) => {
                errln!("error: {name}: {error}");
                problems += 1;
                continue;
            }
        };
        if stdin && !dry {
            if let Err(Exit(code)) = output::print(&formatted) {
                return code;
            }
            continue;
        }
        if formatted == source && !had_bom {
            continue;
        }
        changed += 1;
        let line = if args.diff {
            unified_diff(&name, &source, &formatted)
        } else if args.check {
            format!("would reformat: {name}\n")
        } else if output::quiet() {
            if let Err(error) = crate::base::fsio::replace_file(&real_path, formatted.as_bytes()) {
                return usage_error(&format!("cannot write `{name}`: {error}"));
            }
            continue;
        } else if let Err(error) = crate::base::fsio::replace_file(&real_path, formatted.as_bytes())
        {
            return usage_error(&format!("cannot write `{name}`: {error}"));
        } else {
            format!("formatted: {name}\n")
        };
        if let Err(Exit(code)) = output::print(&line) {
            return code;
        }
    }
    if problems > 0 || (dry && changed > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

/// A unified diff from `before` to `after`, with three lines of context,
/// headed by the file's name. A change only of the byte-order mark has no
/// line to show and is named instead.
fn unified_diff(name: &str, before: &str, after: &str) -> String {
    if before == after {
        return format!("would reformat: {name} (its byte-order mark would be removed)\n");
    }
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(name, name)
        .missing_newline_hint(true)
        .to_string()
}
