//! `nurture fmt`.

use super::dry_run::Exit;
use super::paths::{display, rule_files};
use super::{output, usage_error, FmtArgs, EXIT_OK, EXIT_PROBLEMS};
use crate::check::loader::{read_source, ReadError};
use crate::diagnostics::{codes, render, Diagnostic, SourceFile, SourceMap};
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
        let name = display(path);
        let source = match read_source(path, &name) {
            Ok(source) => source,
            Err(error @ ReadError::NotUtf8 { .. }) => {
                errln!("error: {error}");
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
                    .map(|e| {
                        let code = codes::Code::from_text(e.code).unwrap_or(codes::SYNTAX);
                        Diagnostic::new(code, file, e.span, e.message).with_optional_help(e.help)
                    })
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
        if formatted == source {
            continue;
        }
        changed += 1;
        let line = if args.check {
            format!("would reformat: {name}\n")
        } else if let Err(error) = std::fs::write(path, &formatted) {
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
