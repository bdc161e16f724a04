//! `check --fix`: applying the suggestions that are safe.
//!
//! A suggestion is applied only when it is marked
//! [`Applicability::MachineApplicable`] (today: the did-you-mean spellings
//! of names, keywords, properties, time zones and lint ids) and it edits
//! the file being fixed. The edits touch only their spans: the fixed text
//! is the original with each span's text replaced, and nothing else. Two
//! edits that overlap cannot both be right: the first (by position) is
//! applied, the other is left for the next run, when the check that made
//! it sees the fixed text.

use crate::check::Checked;
use crate::diagnostics::{Applicability, Suggestion};
use std::fmt::Write;

/// One edit made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 1-based line of the edit in the original text.
    pub line: usize,
    /// Byte range of the edit in the original text.
    pub start: usize,
    pub end: usize,
    pub old: String,
    pub new: String,
}

/// A fixed text and the edits that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub text: String,
    pub changes: Vec<Change>,
}

impl Fixed {
    /// "fixed FILE:LINE: `old` → `new`", one line per edit.
    pub fn describe(&self, name: &str) -> String {
        let mut out = String::new();
        for change in &self.changes {
            let _ = writeln!(
                out,
                "fixed {name}:{}: `{}` → `{}`",
                change.line, change.old, change.new
            );
        }
        out
    }
}

/// The safe fixes of the root file `name` of `checked`, applied to its
/// text; `None` when there is none.
pub fn apply(text: &str, name: &str, checked: &Checked) -> Option<Fixed> {
    let (file, _) = checked.sources.iter().find(|(_, f)| f.name == name)?;
    // One suggestion per diagnostic: several on one diagnostic are
    // alternatives, and only the first is the likely one.
    let suggestions = checked.diagnostics.iter().filter_map(|d| {
        d.suggestions
            .first()
            .filter(|s| s.file == file && s.applicability == Applicability::MachineApplicable)
    });
    apply_suggestions(text, suggestions)
}

/// The edits of `suggestions` that do not overlap an earlier one, applied
/// to `text`.
pub fn apply_suggestions<'a>(
    text: &str,
    suggestions: impl IntoIterator<Item = &'a Suggestion>,
) -> Option<Fixed> {
    let mut edits: Vec<(usize, usize, &str)> = suggestions
        .into_iter()
        .map(|s| (s.span.start, s.span.end, s.replacement.as_str()))
        // Spans that do not cut the text at characters are not applied.
        .filter(|(start, end, _)| start <= end && text.get(*start..*end).is_some())
        .filter(|(start, end, new)| text.get(*start..*end) != Some(*new))
        .collect();
    edits.sort();
    edits.dedup();
    let mut changes: Vec<Change> = Vec::new();
    for (start, end, new) in edits {
        let overlaps = changes
            .last()
            .is_some_and(|last| start < last.end || start == last.start);
        if overlaps {
            continue;
        }
        let old = text.get(start..end).unwrap_or_default();
        let line = text
            .get(..start)
            .map_or(1, |before| before.matches('\n').count() + 1);
        changes.push(Change {
            line,
            start,
            end,
            old: old.to_string(),
            new: new.to_string(),
        });
    }
    if changes.is_empty() {
        return None;
    }
    let mut fixed = String::with_capacity(text.len());
    let mut at = 0;
    for change in &changes {
        fixed.push_str(text.get(at..change.start).unwrap_or_default());
        fixed.push_str(&change.new);
        at = change.end;
    }
    fixed.push_str(text.get(at..).unwrap_or_default());
    Some(Fixed {
        text: fixed,
        changes,
    })
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostic;
    use std::path::Path;

    fn check(text: &str) -> Checked {
        crate::driver::check_source(Path::new("t.nurture"), "t.nurture", text.to_string())
    }

    fn errors(checked: &Checked) -> Vec<&Diagnostic> {
        checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect()
    }

    /// The edits touch only their spans: cutting the edited spans out of
    /// the original and of the fixed text leaves the same text.
    fn assert_only_spans_changed(original: &str, fixed: &Fixed) {
        let mut rebuilt = String::new();
        let mut at = 0;
        let mut at_fixed = 0;
        for change in &fixed.changes {
            assert_eq!(&original[change.start..change.end], change.old);
            let kept = &original[at..change.start];
            assert_eq!(
                &fixed.text[at_fixed..at_fixed + kept.len()],
                kept,
                "text outside the edits changed"
            );
            at_fixed += kept.len();
            assert_eq!(
                &fixed.text[at_fixed..at_fixed + change.new.len()],
                change.new
            );
            at_fixed += change.new.len();
            rebuilt.push_str(kept);
            rebuilt.push_str(&change.new);
            at = change.end;
        }
        rebuilt.push_str(&original[at..]);
        assert_eq!(rebuilt, fixed.text);
        assert_eq!(&fixed.text[at_fixed..], &original[at..]);
    }

    const STAGES: &str = "stages Lead -> MQL -> SQL -> Customer\n";

    /// Broken texts and what `--fix` makes of them: each fix is the
    /// suggestion's edit and nothing more, and the result checks clean.
    #[test]
    fn fixes_are_the_suggested_edits_and_nothing_else() {
        let table: &[(&str, &str)] = &[
            // A misspelt stage.
            (
                "rule r:\n  when points >= 10\n  then move to MLQ\n",
                "rule r:\n  when points >= 10\n  then move to MQL\n",
            ),
            // A misspelt keyword.
            (
                "rulle r:\n  when points >= 10\n  then move to MQL\n",
                "rule r:\n  when points >= 10\n  then move to MQL\n",
            ),
            // A name in the wrong case, twice in one file.
            (
                "rule r:\n  when stage is mql\n  then move to sql\n",
                "rule r:\n  when stage is MQL\n  then move to SQL\n",
            ),
        ];
        for (broken, expected) in table {
            let broken = format!("{STAGES}{broken}");
            let expected = format!("{STAGES}{expected}");
            let checked = check(&broken);
            assert!(!errors(&checked).is_empty(), "{broken}");
            let fixed = apply(&broken, "t.nurture", &checked).expect("a fix");
            assert_only_spans_changed(&broken, &fixed);
            assert_eq!(fixed.text, expected);
            assert!(errors(&check(&fixed.text)).is_empty(), "{}", fixed.text);
        }
    }

    /// A suggestion that is not machine-applicable is never applied, and
    /// of two overlapping edits only the first is.
    #[test]
    fn only_safe_and_non_overlapping_edits_are_applied() {
        let text = "abc def";
        let at = |start, end, replacement: &str, applicability| Suggestion {
            file: 0,
            span: crate::base::span::Span { start, end },
            replacement: replacement.to_string(),
            message: String::new(),
            applicability,
        };
        let safe = Applicability::MachineApplicable;
        let first = at(0, 3, "xyz", safe);
        let overlapping = at(1, 5, "!!", safe);
        let later = at(4, 7, "uvw", safe);
        let fixed = apply_suggestions(text, [&first, &overlapping, &later]).expect("fixed");
        assert_eq!(fixed.text, "xyz uvw");
        assert_eq!(fixed.changes.len(), 2);
        let fixed = apply_suggestions(text, [&overlapping]).expect("fixed");
        assert_eq!(fixed.text, "a!!ef");
        // Through `apply`: a diagnostic whose suggestion may be wrong.
        let text = "stages Alpha -> Beta\nrule r:\n  when points >= 1\n  then move to beta\n";
        let mut checked = check(text);
        assert!(apply(text, "t.nurture", &checked).is_some());
        for d in &mut checked.diagnostics {
            for s in &mut d.suggestions {
                s.applicability = Applicability::MaybeIncorrect;
            }
        }
        assert!(apply(text, "t.nurture", &checked).is_none());
    }

    /// The property over real files: every name used in a shipped example
    /// (each reference the checker records), misspelt by swapping two
    /// letters, is put back by `--fix` exactly where it was misspelt (or
    /// left alone), and nothing else in the file changes.
    #[test]
    fn a_misspelt_use_in_every_example_is_fixed_in_place() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut tried = 0;
        let mut restored = 0;
        let mut paths: Vec<_> = std::fs::read_dir(&examples)
            .expect("examples")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "nurture"))
            .collect();
        paths.sort();
        for path in paths {
            let original = std::fs::read_to_string(&path).expect("read");
            let checked = crate::driver::check_source(&path, "t.nurture", original.clone());
            assert!(errors(&checked).is_empty(), "{}", path.display());
            let mut spans: Vec<(usize, usize)> = checked
                .symbols
                .all_references()
                .iter()
                .filter(|r| r.file == 0 && r.span.end - r.span.start >= 4)
                .map(|r| (r.span.start, r.span.end))
                .collect();
            spans.sort();
            spans.dedup();
            // At most about 25 a file: each is a whole check.
            let step = spans.len() / 25 + 1;
            for (start, end) in spans.into_iter().step_by(step) {
                let word = &original[start..end];
                let mut letters: Vec<char> = word.chars().collect();
                letters.swap(1, 2);
                let typo: String = letters.into_iter().collect();
                if typo == word || !word.is_ascii() {
                    continue;
                }
                let broken = format!("{}{typo}{}", &original[..start], &original[end..]);
                let checked = crate::driver::check_source(&path, "t.nurture", broken.clone());
                tried += 1;
                let Some(fixed) = apply(&broken, "t.nurture", &checked) else {
                    continue;
                };
                assert_only_spans_changed(&broken, &fixed);
                for change in &fixed.changes {
                    assert_eq!(
                        (change.start, change.old.as_str()),
                        (start, typo.as_str()),
                        "{}: a fix away from the misspelt word",
                        path.display()
                    );
                }
                if fixed.text == original {
                    restored += 1;
                }
            }
        }
        assert!(tried >= 60, "only {tried} misspellings tried");
        assert!(restored * 10 >= tried * 9, "{restored} of {tried} restored");
    }
}
