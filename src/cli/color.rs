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

/// The `--color` among raw command-line arguments (`--color X` or
/// `--color=X`, the last one winning), for output written before the
/// arguments are parsed (`--help`); `auto` without one or with a bad one.
pub fn from_args(args: impl IntoIterator<Item = String>) -> ColorWhen {
    let mut when = ColorWhen::Auto;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--color") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        if let Some(parsed) = value.and_then(|v| ColorWhen::from_str(&v, false).ok()) {
            when = parsed;
        }
    }
    when
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
    fn the_flag_is_found_among_raw_arguments() {
        let args = |list: &[&str]| from_args(list.iter().map(|s| s.to_string()));
        assert_eq!(args(&["nurture", "--help"]), ColorWhen::Auto);
        assert_eq!(
            args(&["nurture", "--color", "never", "--help"]),
            ColorWhen::Never
        );
        assert_eq!(
            args(&["nurture", "check", "--help", "--color=always"]),
            ColorWhen::Always
        );
        assert_eq!(args(&["nurture", "--color=sometimes"]), ColorWhen::Auto);
        assert_eq!(args(&["nurture", "--colorful"]), ColorWhen::Auto);
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(resolve(ColorWhen::Auto, None, None, true));
        assert!(!resolve(ColorWhen::Auto, None, None, false));
    }
}
