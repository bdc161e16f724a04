//! Whether to colour output: `--color auto|always|never` with the
//! `NO_COLOR` and `FORCE_COLOR` conventions.
//!
//! Precedence, first that applies wins:
//! 1. `--color always` colours, `--color never` does not;
//! 2. `NO_COLOR` set and not empty turns colour off (see no-color.org);
//! 3. `FORCE_COLOR` set, not empty and not `0` turns colour on, also on a
//!    pipe (CI logs that render ANSI);
//! 4. otherwise colour only a terminal.
//!
//! Standard output and standard error are decided apart: `check` colours
//! its report on standard output, `fmt` its syntax errors on standard error.

use clap::ValueEnum;
use std::ffi::OsString;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour standard output.
    pub fn for_stdout(self) -> bool {
        self.decide(std::io::stdout().is_terminal())
    }

    /// Whether to colour standard error.
    pub fn for_stderr(self) -> bool {
        self.decide(std::io::stderr().is_terminal())
    }

    fn decide(self, terminal: bool) -> bool {
        resolve(
            self,
            std::env::var_os("NO_COLOR"),
            std::env::var_os("FORCE_COLOR"),
            terminal,
        )
    }
}

/// The rule above, on values rather than the process's environment.
pub fn resolve(
    when: ColorWhen,
    no_color: Option<OsString>,
    force_color: Option<OsString>,
    terminal: bool,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if no_color.is_some_and(|v| !v.is_empty()) {
                false
            } else if force_color.is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else {
                terminal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(text: &str) -> Option<OsString> {
        Some(OsString::from(text))
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        assert!(resolve(ColorWhen::Always, os("1"), None, false));
        assert!(!resolve(ColorWhen::Never, None, os("1"), true));
    }

    #[test]
    fn no_color_wins_over_force_color_and_a_terminal() {
        assert!(!resolve(ColorWhen::Auto, os("1"), os("1"), true));
        // Empty means unset (no-color.org).
        assert!(resolve(ColorWhen::Auto, os(""), None, true));
    }

    #[test]
    fn force_color_colours_a_pipe_unless_empty_or_zero() {
        assert!(resolve(ColorWhen::Auto, None, os("1"), false));
        assert!(!resolve(ColorWhen::Auto, None, os("0"), false));
        assert!(!resolve(ColorWhen::Auto, None, os(""), false));
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(resolve(ColorWhen::Auto, None, None, true));
        assert!(!resolve(ColorWhen::Auto, None, None, false));
    }
}
