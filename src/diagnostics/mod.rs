//! Diagnostics: what every stage reports, with stable codes, spans and help.
//!
//! Every code a diagnostic can carry is one [`Code`], listed in a registry
//! ([`codes::CODES`] and [`codes::RUN_CODES`] here, the lints' and the
//! data's in their modules, merged by a [`codes::Registry`] the driver
//! builds) and in `docs/diagnostics.md`; a test keeps the two in step.

pub mod codes;
pub mod render;
pub mod source;

use crate::base::span::Span;
pub use codes::Code;
pub use source::{FileId, Position, SourceFile, SourceMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary place a diagnostic points at ("first declared here").
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A fix as data: replace the text under `span` with `replacement`. The
/// human output shows `message` as the help line; JSON and SARIF carry the
/// edit itself, so an editor can apply it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
    /// What the fix does, in plain words ("did you mean `MQL`?").
    pub message: String,
    /// Whether `nurture check --fix` may apply it unasked.
    pub applicability: Applicability,
}

/// Whether a suggestion may be applied without a person reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// The edit only puts the likely intended spelling in place of a
    /// misspelt word: the file had an error there, and the fix gives it
    /// the one meaning the author wrote it for (`check --fix` applies it).
    MachineApplicable,
    /// The edit may be what was meant, or not: shown, never applied.
    MaybeIncorrect,
}

impl Suggestion {
    /// "did you mean `MQL`?": replaces the misspelt name under `span` with
    /// the closest candidate, if any is close enough.
    pub fn did_you_mean<'a>(
        file: FileId,
        span: Span,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<Suggestion> {
        closest(wrong, candidates).map(|name| Suggestion {
            file,
            span,
            replacement: name.to_string(),
            message: did_you_mean_message(name),
            applicability: Applicability::MachineApplicable,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub file: FileId,
    pub span: Span,
    pub help: Option<String>,
    pub labels: Vec<Label>,
    /// Fixes that can be applied as edits; the first one's message is the
    /// help line when there is no other help.
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// A diagnostic at the default severity of its code.
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.info().severity,
            message: message.into(),
            file,
            span,
            help: None,
            labels: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_suggestion(mut self, suggestion: Suggestion) -> Self {
        self.suggestions.push(suggestion);
        self
    }

    /// The help line every output shows: the help text, else the message
    /// of the first suggestion.
    pub fn help_text(&self) -> Option<&str> {
        self.help
            .as_deref()
            .or_else(|| self.suggestions.first().map(|s| s.message.as_str()))
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, then position, then code, so output is stable
/// whatever order the checks ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            a.file,
            a.span.start,
            a.span.end,
            a.code.as_str(),
            &a.message,
        )
            .cmp(&(
                b.file,
                b.span.start,
                b.span.end,
                b.code.as_str(),
                &b.message,
            ))
    });
}

/// "did you mean `MQL`?" — the closest candidate, if any is close enough.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wrong, candidates).map(did_you_mean_message)
}

/// The words of every did-you-mean help line.
pub fn did_you_mean_message(name: &str) -> String {
    format!("did you mean `{name}`?")
}

/// The candidate most similar to `wrong`, if it is plausibly a typo of it:
/// the one Nurture suggests everywhere (names, keywords, lint ids, data).
///
/// Letters are compared without case, so a case-only difference is the
/// best match. Otherwise a candidate is plausible when its Damerau–
/// Levenshtein distance (a transposition is one edit) is at most 40% of
/// the longer word, and at most one edit for a word of two letters
/// (`ot` → `to`). The most similar (fewest edits for its length) wins; of
/// equals, the first given.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == wrong {
            continue;
        }
        let candidate_lower = candidate.to_lowercase();
        let distance = strsim::damerau_levenshtein(&wrong_lower, &candidate_lower);
        let longer = wrong_lower
            .chars()
            .count()
            .max(candidate_lower.chars().count());
        let plausible = 5 * distance <= 2 * longer || (longer == 2 && distance == 1);
        if !plausible {
            continue;
        }
        // Case-only differences have distance 0 and so similarity 1.
        let similarity = 1.0 - distance as f64 / longer.max(1) as f64;
        if best.is_none_or(|(best_similarity, _)| similarity > best_similarity) {
            best = Some((similarity, candidate));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_and_case_fixes() {
        assert_eq!(closest("mql", ["MQL", "SQL"]), Some("MQL"));
        assert_eq!(closest("welcom", ["welcome", "winback"]), Some("welcome"));
        assert_eq!(closest("zzz", ["welcome", "winback"]), None);
    }

    #[test]
    fn a_typo_is_a_few_edits_for_the_length() {
        // A transposition is one edit, even in a two-letter word.
        assert_eq!(closest("ot", ["back", "to"]), Some("to"));
        assert_eq!(closest("dyas", ["minutes", "days"]), Some("days"));
        // Two edits in five letters is a typo; three is another word.
        assert_eq!(closest("welcm", ["welcome"]), Some("welcome"));
        assert_eq!(closest("wlcm", ["welcome"]), None);
        // Never the word itself, and of equals the first given.
        assert_eq!(closest("MQL", ["MQL"]), None);
        assert_eq!(closest("sal", ["sql", "sel"]), Some("sql"));
        assert_eq!(closest("x", ["y"]), None);
        assert_eq!(closest("", ["a"]), None);
    }
}
