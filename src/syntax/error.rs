//! Errors found while reading a `.nurture` file.

use super::ast::Span;
use crate::diagnostics::{Applicability, Diagnostic, FileId, Suggestion};
use std::fmt;

/// The stable codes of syntax errors (E01xx), by the names the parser uses.
/// They are entries of the diagnostic code registry
/// ([`crate::diagnostics::codes`]); docs/diagnostics.md describes each one.
pub mod codes {
    use crate::diagnostics::codes as registry;
    use crate::diagnostics::Code;

    /// The text does not follow the grammar at this point.
    pub const UNEXPECTED: Code = registry::SYNTAX;
    /// A string literal has no closing `"` on its line.
    pub const UNCLOSED_STRING: Code = registry::UNCLOSED_STRING;
    /// Brackets, `not`s or branches are nested deeper than the limit.
    pub const TOO_DEEP: Code = registry::TOO_DEEP;
    /// A number does not fit: a whole number beyond 64 bits, or a decimal
    /// beyond the range of floating point.
    pub const INVALID_NUMBER: Code = registry::BAD_INT;
    /// A duration in months or years, which have no fixed length.
    pub const CALENDAR_UNIT: Code = registry::CALENDAR_UNIT;
    /// A rule has `exit when` or `repeat every` twice.
    pub const DUPLICATE_CLAUSE: Code = registry::DUPLICATE_CLAUSE;
    /// The file is too large, or too complex to parse within the limits.
    pub const TOO_LARGE: Code = registry::TOO_LARGE;
    /// A string literal contains an unknown escape such as `\d`.
    pub const INVALID_ESCAPE: Code = registry::BAD_ESCAPE;
    /// A behaviour clause is counted twice, e.g. `opened 5 emails 3 times`.
    pub const DOUBLE_COUNT: Code = registry::DOUBLE_COUNT;
    /// An `on` trigger has a count; it matches one event at a time.
    pub const COUNT_IN_EVENT_TRIGGER: Code = registry::COUNT_IN_TRIGGER;
    /// A time of day such as `25:00` or `09:75`.
    pub const INVALID_TIME_OF_DAY: Code = registry::SYNTAX_TIME_OF_DAY;
}

/// One syntax error: what is wrong, where, and if possible how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// A stable code from [`codes`].
    pub code: crate::diagnostics::Code,
    /// What is wrong, in plain words.
    pub message: String,
    /// The offending text; zero-width only at the end of the input.
    pub span: Span,
    /// A suggested fix, in words: the help line.
    pub help: Option<String>,
    /// When the fix is an edit ("did you mean `opened`?"), the edit itself;
    /// `help` says what it does.
    pub fix: Option<Fix>,
}

/// An edit that fixes a syntax error: replace the text under `span` with
/// `replacement`. It becomes a [`Suggestion`] once the file is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    /// Whether `check --fix` may apply it unread: only where the edit
    /// gives the text the one meaning its author wrote it for (a misspelt
    /// keyword, a duration or a quote mark written another way).
    pub applicability: Applicability,
}

impl Fix {
    /// An edit that only spells what was written the way Nurture writes
    /// it: `check --fix` applies it.
    pub fn spelling(span: Span, replacement: impl Into<String>) -> Self {
        Fix {
            span,
            replacement: replacement.into(),
            applicability: Applicability::MachineApplicable,
        }
    }

    /// A reserved word used as a name, renamed: every use gets the same
    /// edit, so `check --fix` applies it.
    pub fn rename(span: Span, replacement: impl Into<String>) -> Self {
        Fix::spelling(span, replacement)
    }

    /// An edit that may be what was meant, or not: shown, never applied.
    pub fn proposal(span: Span, replacement: impl Into<String>) -> Self {
        Fix {
            span,
            replacement: replacement.into(),
            applicability: Applicability::MaybeIncorrect,
        }
    }
}

impl SyntaxError {
    pub fn new(code: crate::diagnostics::Code, message: impl Into<String>, span: Span) -> Self {
        SyntaxError {
            code,
            message: message.into(),
            span,
            help: None,
            fix: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A fix that is an edit; `help` is what the help line says of it.
    pub fn with_fix(mut self, fix: Fix, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self.fix = Some(fix);
        self
    }

    /// The diagnostic for this error in `file`: an edit becomes a
    /// suggestion (whose message is the help line, and whose applicability
    /// the fix carries), other help stays help.
    pub fn into_diagnostic(self, file: FileId) -> Diagnostic {
        let diagnostic = Diagnostic::new(self.code, file, self.span, self.message);
        match (self.fix, self.help) {
            (Some(fix), Some(message)) => diagnostic.with_suggestion(Suggestion {
                file,
                span: fix.span,
                applicability: fix.applicability,
                replacement: fix.replacement,
                message,
            }),
            (_, help) => diagnostic.with_optional_help(help),
        }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SyntaxError {}
