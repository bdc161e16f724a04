//! How every command that runs scripts reports the ones that failed
//! (`segments`, `simulate`, `explain`; `test` fails the test and names the
//! failure in its report). A failed script counted as false, so the
//! numbers printed are not what the rules mean: the command prints its
//! report, then each failure on standard error with its code, then a
//! summary line, and exits 1. The failures are collected by `eval`
//! ([`ScriptFailures`]); this module only renders them.

use crate::base::number::counted;
use crate::eval::script_failures::ScriptFailures;

/// The text for standard error (empty when nothing failed), ending in
/// a newline.
pub fn render(failures: &ScriptFailures) -> String {
    if failures.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for line in failures.shown() {
        out.push_str(line);
        out.push('\n');
    }
    let unshown = failures
        .records()
        .saturating_sub(failures.shown().len() as u64);
    if unshown > 0 {
        out.push_str(&format!(
            "… and {} for other contacts or rules\n",
            counted(unshown, "more script failure", "more script failures")
        ));
    }
    out.push_str(&format!(
        "error: {} failed and counted as false, so the results above are not what the rules mean\n",
        counted(
            failures.evaluations(),
            "script evaluation",
            "script evaluations"
        )
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;
    use crate::eval::script::ScriptError;
    use crate::eval::script_failures::SHOWN;

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
        let text = render(&first);
        assert_eq!(text.lines().count(), SHOWN + 2, "{text}");
        assert!(text.starts_with(
            "error[E0705]: script `a` for contact `c1` at 1970-01-01T00:00:00Z: stopped (and 2 more failures"
        ));
        assert!(text.contains("… and 6 more script failures"), "{text}");
        // 3 of the first contact (one and its two repeats) + 25.
        assert!(
            text.contains("error: 28 script evaluations failed"),
            "{text}"
        );
        assert_eq!(render(&ScriptFailures::default()), "");
    }
}
