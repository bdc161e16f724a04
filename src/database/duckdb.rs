//! DuckDB through its command-line shell.
//!
//! Linking DuckDB itself (the `duckdb` crate) compiles its C++ sources, far
//! too slow a build for every user of Nurture; the shell (`pip install
//! duckdb-cli`, or a release from duckdb.org) runs the same engine. It is
//! found as `NURTURE_DUCKDB`, else `duckdb` on the PATH, and runs with the
//! database read-only, no start-up file, stopping at the first error, and
//! CSV output without a header. What it prints is read up to a bound, so a
//! shell that misbehaves cannot fill memory.

use super::{Client, EngineError};
use crate::diagnostics::codes;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The most bytes of output read: the query returns one short row.
const OUTPUT_LIMIT: u64 = 1 << 20;
/// The most bytes of an error message read.
const ERROR_LIMIT: u64 = 64 << 10;

pub(super) struct DuckDb {
    shell: OsString,
    file: PathBuf,
    /// What the shell printed beside the result (warnings).
    notes: Vec<String>,
}

pub(super) fn open(file: &Path) -> Result<DuckDb, EngineError> {
    let shell = std::env::var_os("NURTURE_DUCKDB").unwrap_or_else(|| OsString::from("duckdb"));
    if !file.is_file() {
        return Err(EngineError::new(
            codes::ENGINE_UNAVAILABLE,
            format!("the DuckDB database `{}` does not exist or is not a file", file.display()),
            "give the path of an existing database file: `--engine duckdb:warehouse.duckdb` (it is opened read-only)",
        ));
    }
    Ok(DuckDb {
        shell,
        file: file.to_path_buf(),
        notes: Vec::new(),
    })
}

impl Client for DuckDb {
    fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        let mut child = Command::new(&self.shell)
            .arg("-init")
            .arg(null_device())
            .args(["-readonly", "-bail", "-csv", "-noheader"])
            .arg(&self.file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::new(
                    codes::ENGINE_UNAVAILABLE,
                    format!(
                        "cannot run the DuckDB shell `{}`: {e}",
                        Path::new(&self.shell).display()
                    ),
                    "install it (`pip install duckdb-cli`, or a release from duckdb.org) so that `duckdb` is on the PATH, or set NURTURE_DUCKDB to its path",
                )
            })?;
        let (stdin, stdout, stderr) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take());
        // Write and read at once: a shell that answers before it has read
        // everything must not block either side.
        let (written, output, error) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || match stdin {
                Some(mut stdin) => stdin.write_all(sql.as_bytes()),
                None => Ok(()),
            });
            let errors = scope.spawn(move || read_bounded(stderr, ERROR_LIMIT));
            let output = read_bounded(stdout, OUTPUT_LIMIT);
            let written = writer.join().unwrap_or(Ok(()));
            let error = errors.join().unwrap_or_default();
            (written, output, error)
        });
        let status = child.wait().map_err(|e| {
            EngineError::failed(format!("the DuckDB shell could not be waited for: {e}"))
        })?;
        let error = String::from_utf8_lossy(&error).trim().to_string();
        // With `-bail` a failed statement ends the shell with a failure;
        // what it prints on success (a warning) is not an error.
        if !status.success() {
            return Err(classify(&error, status.code()));
        }
        if let Err(e) = written {
            return Err(EngineError::failed(format!(
                "the query could not be given to the DuckDB shell: {e}"
            )));
        }
        if output.len() as u64 > OUTPUT_LIMIT {
            return Err(EngineError::failed(format!(
                "the DuckDB shell printed more than {OUTPUT_LIMIT} bytes where the query returns one row"
            )));
        }
        // The shell prints its warnings (e.g. of deprecated syntax) on
        // standard output too, coloured, before the result. Every query
        // here returns one row, so that is the last line; the lines before
        // it are passed on as notes, not read as data.
        let text = strip_colours(&String::from_utf8_lossy(&output));
        let mut lines: Vec<&str> = text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
            .collect();
        let last = lines.pop();
        self.notes
            .extend(lines.iter().map(|l| l.trim().to_string()));
        Ok(last.map(csv_row).into_iter().collect())
    }

    fn notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

/// `text` without ANSI colour sequences (`ESC [ … m`).
fn strip_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for next in chars.by_ref() {
                if next.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

/// Up to `limit + 1` bytes, so that going past the limit can be told.
fn read_bounded(source: Option<impl Read>, limit: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(source) = source {
        let _ = source.take(limit + 1).read_to_end(&mut bytes);
    }
    bytes
}

/// DuckDB's error classes (the words before `Error:`) as the error of
/// their kind; its first line is the message, the rest (candidates, the
/// query line with a caret) is left out.
fn classify(error: &str, status: Option<i32>) -> EngineError {
    let first = error.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return EngineError::failed(format!(
            "the DuckDB shell stopped (exit status {}) without saying why",
            status.map_or_else(|| "none".to_string(), |s| s.to_string())
        ));
    }
    let message = format!("DuckDB: {first}");
    if first.starts_with("Catalog Error")
        || (first.starts_with("Binder Error")
            && (first.contains("Referenced column") || first.contains("does not have a column")))
    {
        EngineError::schema(message)
    } else if first.starts_with("Conversion Error")
        || first.starts_with("Binder Error")
        || first.starts_with("Mismatch Type Error")
    {
        EngineError::types(message)
    } else if first.starts_with("IO Error") {
        EngineError::new(
            codes::ENGINE_UNAVAILABLE,
            message,
            "check the database file: it must be a DuckDB database this shell's version can read",
        )
    } else {
        EngineError::failed(message)
    }
}

/// One line of the shell's CSV: fields separated by `,`, quoted with `"`
/// (doubled inside) where needed; an unquoted `NULL` is no value.
fn csv_row(line: &str) -> Vec<Option<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => {
                quoted = !quoted;
                was_quoted = true;
            }
            (',', false) => {
                fields.push(cell(std::mem::take(&mut field), was_quoted));
                was_quoted = false;
            }
            _ => field.push(c),
        }
    }
    fields.push(cell(field, was_quoted));
    fields
}

fn cell(text: String, was_quoted: bool) -> Option<String> {
    (was_quoted || text != "NULL").then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_csv_is_read_with_quotes_and_nulls() {
        assert_eq!(
            csv_row(r#""a,b","x""y",NULL,"NULL",7"#),
            vec![
                Some("a,b".to_string()),
                Some("x\"y".to_string()),
                None,
                Some("NULL".to_string()),
                Some("7".to_string())
            ]
        );
        assert_eq!(csv_row("12"), vec![Some("12".to_string())]);
    }

    #[test]
    fn warnings_printed_before_the_row_are_not_data() {
        assert_eq!(
            strip_colours("\u{1b}[90mWARNING:\n\u{1b}[00mDeprecated\u{1b}[00m80,2"),
            "WARNING:\nDeprecated80,2"
        );
    }

    #[test]
    fn duckdb_errors_are_told_apart_by_their_class() {
        let missing = classify(
            "Catalog Error: Table with name contacts does not exist!\nDid you mean…",
            Some(1),
        );
        assert_eq!(missing.code, codes::ENGINE_SCHEMA);
        assert_eq!(
            missing.message,
            "DuckDB: Catalog Error: Table with name contacts does not exist!"
        );
        let column = classify(
            "Binder Error: Referenced column \"points\" not found in FROM clause!",
            Some(1),
        );
        assert_eq!(column.code, codes::ENGINE_SCHEMA);
        let types = classify("Binder Error: No function matches the given name and argument types '+(VARCHAR, INTERVAL)'", Some(1));
        assert_eq!(types.code, codes::ENGINE_TYPE);
        let conversion = classify(
            "Conversion Error: Could not convert string 'x' to INT32",
            Some(1),
        );
        assert_eq!(conversion.code, codes::ENGINE_TYPE);
        let silent = classify("", Some(3));
        assert_eq!(silent.code, codes::ENGINE_FAILED);
        assert!(silent.message.contains("exit status 3"));
    }
}
