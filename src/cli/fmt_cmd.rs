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

use super::dry_run::Exit;
use super::paths::{display, is_stdin, rule_files};
use super::{output, usage_error, FmtArgs, EXIT_OK, EXIT_PROBLEMS};
use crate::check::loader::{self, read_rules_file, RulesFile};
use crate::diagnostics::{render, Diagnostic, SourceFile, SourceMap};
use crate::fmt::{format, FormatError};
use std::io::IsTerminal;

pub fn run(args: &FmtArgs) -> i32 {
    let files = match rule_files(&args.paths) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut problems = 0usize;
    let mut changed = 0usize;
    for path in &files {
        let stdin = is_stdin(path);
        let name = if stdin {
            loader::STDIN_NAME.to_string()
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
        if stdin && !args.check {
            if let Err(Exit(code)) = output::print(&formatted) {
                return code;
            }
            continue;
        }
        if formatted == source && !had_bom {
            continue;
        }
        changed += 1;
        let line = if args.check {
            format!("would reformat: {name}\n")
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
    if problems > 0 || (args.check && changed > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}
