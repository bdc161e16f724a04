//! How every command that runs scripts reports the ones that failed
//! (`segments`, `simulate`, `explain`; `test` fails the test and names the
//! failure in its report). A failed script counted as false, so the
//! numbers printed are not what the rules mean: the command prints its
//! report, then each failure on standard error with its code, then a
//! summary line, and exits 1.
//!
//! Memory is bounded: the first [`SHOWN`] failures are kept in words (in
//! contact order, so the output does not depend on threads) and the rest
//! are counted; the summary line says how many were left out.

use crate::eval::script::ScriptError;

/// How many failures are printed in full; the rest are counted.
pub const SHOWN: usize = 20;

/// The script failures of one command, in contact order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptFailures {
    /// `error[CODE]: …` lines of the first [`SHOWN`] failures.
    shown: Vec<String>,
    /// Failure records (one per contact, script and rule).
    records: u64,
    /// Failed evaluations, the repeats of each record included.
    evaluations: u64,
}

impl ScriptFailures {
    /// Adds the failures of one contact.
    pub fn add(&mut self, contact: &str, errors: &[ScriptError]) {
        for error in errors {
            self.records = self.records.saturating_add(1);
            self.evaluations = self.evaluations.saturating_add(error.evaluations());
            if self.shown.len() < SHOWN {
                self.shown.push(format!(
                    "error[{}]: {}",
                    error.code,
                    error.describe(contact)
                ));
            }
        }
    }

    /// Appends `later`, whose failures come after these (for a parallel
    /// reduce that keeps contact order).
    pub fn append(&mut self, later: ScriptFailures) {
        self.records = self.records.saturating_add(later.records);
        self.evaluations = self.evaluations.saturating_add(later.evaluations);
        let room = SHOWN.saturating_sub(self.shown.len());
        self.shown.extend(later.shown.into_iter().take(room));
    }

    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Failed evaluations in all.
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// The text for standard error (empty when nothing failed), ending in
    /// a newline.
    pub fn render(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        for line in &self.shown {
            out.push_str(line);
            out.push('\n');
        }
        let unshown = self.records.saturating_sub(self.shown.len() as u64);
        if unshown > 0 {
            out.push_str(&format!(
                "… and {unshown} more script failure(s) for other contacts or rules\n"
            ));
        }
        out.push_str(&format!(
            "error: {} script evaluation(s) failed and counted as false, so the results above are not what the rules mean\n",
            super::thousands(self.evaluations)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    fn error(script: &str, repeats: u64) -> ScriptError {
        ScriptError {
            script: script.into(),
            rule: None,
            at: 0,
            code: codes::SCRIPT_LIMIT,
            message: "stopped".into(),
            repeats,
        }
    }

    #[test]
    fn failures_are_shown_up_to_the_cap_and_all_counted() {
        let mut first = ScriptFailures::default();
        first.add("c1", &[error("a", 2)]);
        let mut rest = ScriptFailures::default();
        for i in 0..SHOWN + 5 {
            rest.add(&format!("c{}", i + 2), &[error("b", 0)]);
        }
        first.append(rest);
        let text = first.render();
        assert_eq!(text.lines().count(), SHOWN + 2, "{text}");
        assert!(text.starts_with(
            "error[E0705]: script `a` for contact `c1` at 1970-01-01T00:00:00Z: stopped (and 2 more failures"
        ));
        assert!(text.contains("… and 6 more script failure(s)"), "{text}");
        // 3 of the first contact (one and its two repeats) + 25.
        assert!(
            text.contains("error: 28 script evaluation(s) failed"),
            "{text}"
        );
        assert_eq!(ScriptFailures::default().render(), "");
    }
}
