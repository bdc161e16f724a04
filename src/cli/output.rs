//! The one way every command writes its output.
//!
//! Standard output: [`print`] writes the whole text and flushes it.
//! - A closed pipe (`nurture segments … | head -c0`: the reader went away)
//!   ends the output quietly: nothing more is written, nothing is printed,
//!   and the command still exits with the code of what it found (0 or 1),
//!   so `set -o pipefail` in CI sees the result, not the pager.
//! - Any other failed write (a full disk, `> /dev/full`, an I/O error) is
//!   E0810 on standard error and exit 2: the output is incomplete, so the
//!   command did not do what was asked.
//!
//! Standard error: [`error_line`] (and the `errln!` macro) never panics; if
//! standard error itself cannot be written there is nowhere left to say so,
//! and the exit code still tells. The progress bar of `simulate` (indicatif)
//! draws on standard error only when it is a terminal.

use super::color::ColorWhen;
use super::dry_run::Exit;
use super::EXIT_USAGE;
use crate::diagnostics::codes;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Set once the reader of standard output has gone away.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// `--quiet` and `--color`, set once from the global flags.
static SETTINGS: OnceLock<(bool, ColorWhen)> = OnceLock::new();

/// Records the global flags for the whole run (the first call wins).
pub fn configure(quiet: bool, color: ColorWhen) {
    let _ = SETTINGS.set((quiet, color));
}

fn settings() -> (bool, ColorWhen) {
    SETTINGS.get().copied().unwrap_or((false, ColorWhen::Auto))
}

/// `--quiet`: print only problems.
pub fn quiet() -> bool {
    settings().0
}

/// Whether to colour what goes to standard output (see `cli::color`).
pub fn color_stdout() -> bool {
    settings().1.for_stdout()
}

/// Whether to colour what goes to standard error.
pub fn color_stderr() -> bool {
    settings().1.for_stderr()
}

/// Writes `text` to standard output and flushes it. `Err` only for a
/// failed write, already reported (E0810); a closed pipe is `Ok`.
pub fn print(text: &str) -> Result<(), Exit> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    drop(out);
    match written {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(error) => Err(failed(&error)),
    }
}

/// [`print`] for commands that return a bare exit code: `code` when the
/// text was written (or the pipe closed), 2 when the write failed.
pub fn print_then(text: &str, code: i32) -> i32 {
    match print(text) {
        Ok(()) => code,
        Err(Exit(failed)) => failed,
    }
}

fn failed(error: &io::Error) -> Exit {
    error_line(&format!(
        "error[{}]: cannot write the output to standard output: {error}\n  \
         help: free space on the device, or send the output somewhere that can take it",
        codes::OUTPUT_FAILED
    ));
    Exit(EXIT_USAGE)
}

/// Writes one line to standard error, ignoring a failure (there is nowhere
/// left to report it).
pub fn error_line(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

/// Writes `text` to standard error as it is, ignoring a failure.
pub fn error_text(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// An output file that could not be created or written (E0811): reported,
/// and the command exits 2.
pub fn file_failed(what: &str, error: &io::Error) -> Exit {
    error_line(&format!(
        "error[{}]: cannot write {what}: {error}",
        codes::OUTPUT_FILE_FAILED
    ));
    Exit(EXIT_USAGE)
}

/// A run-time failure with a code of its own (`error[CODE]: …` and its
/// help on standard error): the command exits 2.
pub fn coded_failure(code: codes::Code, message: &str, help: &str) -> Exit {
    error_line(&format!("error[{code}]: {message}\n  help: {help}"));
    Exit(EXIT_USAGE)
}

/// A line on standard error that is not a problem (a note, a summary of
/// what was written): left out under `--quiet`.
pub fn note_line(text: &str) {
    if !quiet() {
        error_line(text);
    }
}

/// `eprintln!` that never panics: see [`error_line`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::error_line(&format!($($arg)*))
    };
}

/// [`errln!`] for lines that are not problems: see [`note_line`].
macro_rules! noteln {
    ($($arg:tt)*) => {
        $crate::cli::output::note_line(&format!($($arg)*))
    };
}
