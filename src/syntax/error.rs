//! Errors found while reading a `.nurture` file.

use super::ast::Span;
use std::fmt;

/// The stable codes of syntax errors (E01xx). Once published, a code keeps its
/// meaning; docs/diagnostics.md describes each one.
pub mod codes {
    /// The text does not follow the grammar at this point.
    pub const UNEXPECTED: &str = "E0101";
    /// A string literal has no closing `"` on its line.
    pub const UNCLOSED_STRING: &str = "E0102";
    /// Brackets, `not`s or branches are nested deeper than the limit.
    pub const TOO_DEEP: &str = "E0103";
    /// A number does not fit: a whole number beyond 64 bits, or a decimal
    /// beyond the range of floating point.
    pub const INVALID_NUMBER: &str = "E0104";
    /// A duration in months or years, which have no fixed length.
    pub const CALENDAR_UNIT: &str = "E0105";
    /// A rule has `exit when` or `repeat every` twice.
    pub const DUPLICATE_CLAUSE: &str = "E0106";
    /// The file is too large, or too complex to parse within the limits.
    pub const TOO_LARGE: &str = "E0107";
    /// A string literal contains an unknown escape such as `\d`.
    pub const INVALID_ESCAPE: &str = "E0108";
    /// A behaviour clause is counted twice, e.g. `opened 5 emails 3 times`.
    pub const DOUBLE_COUNT: &str = "E0109";
    /// An `on` trigger has a count; it matches one event at a time.
    pub const COUNT_IN_EVENT_TRIGGER: &str = "E0110";
    /// A time of day such as `25:00` or `09:75`.
    pub const INVALID_TIME_OF_DAY: &str = "E0111";
}

/// One syntax error: what is wrong, where, and if possible how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// A stable code from [`codes`].
    pub code: &'static str,
    /// What is wrong, in plain words.
    pub message: String,
    /// The offending text; zero-width only at the end of the input.
    pub span: Span,
    /// A suggested fix.
    pub help: Option<String>,
}

impl SyntaxError {
    pub fn new(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        SyntaxError {
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SyntaxError {}
