//! The script failures of a run, collected where scripts are evaluated;
//! `crate::report::script_failures` renders them.
//!
//! Memory is bounded: the first [`SHOWN`] failures are kept in words (in
//! contact order, so the output does not depend on threads) and the rest
//! are counted; the summary line says how many were left out.

use super::script::ScriptError;

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

    /// The `error[CODE]: …` lines kept in words, at most [`SHOWN`].
    pub fn shown(&self) -> &[String] {
        &self.shown
    }

    /// Failure records in all (one per contact, script and rule).
    pub fn records(&self) -> u64 {
        self.records
    }
}
