//! Suggestions as data: every did-you-mean of a rules file comes out of
//! `nurture check --format json` as an edit (a place and its replacement
//! text), and applying the edits, as an editor's quick fix does, makes the
//! file check clean. The real binary, through `tests/common`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, scratch};
use serde_json::Value;
use std::path::Path;

/// One did-you-mean site: a file with one typo, and the edit expected.
struct Case {
    name: &'static str,
    source: &'static str,
    code: &'static str,
    /// Where the edit applies: line, column, end line, end column (1-based,
    /// the end just past the last character).
    at: (u64, u64, u64, u64),
    replacement: &'static str,
}

const CASES: &[Case] = &[
    // The span is the string literal, quotes included, and so is the fix.
    Case {
        name: "time_zone",
        source: "campaign \"Newsletter\" {\n  timezone \"Europe/Warsw\"\n}\n",
        code: "E0403",
        at: (2, 12, 2, 26),
        replacement: "\"Europe/Warsaw\"",
    },
    Case {
        name: "property_in_a_filter",
        source: "stages Lead, Customer\n\nrule big_buyer:\n  when purchased where amont >= 100 in last 30 days\n  then move to Customer\n",
        code: "E0210",
        at: (4, 24, 4, 29),
        replacement: "amount",
    },
    Case {
        name: "property_of_an_aggregate",
        source: "stages Lead, Customer\n\nrule big_spender:\n  when total purchase amont in last 30 days >= 100\n  then move to Customer\n",
        code: "E0210",
        at: (4, 23, 4, 28),
        replacement: "amount",
    },
    // The diagnostic points at the comment; the fix at the id inside it.
    Case {
        name: "lint_id_in_an_allow",
        source: "# nurture: allow(  unused-declarations )\nemail winback\n\nemail welcome\n\non submitted any form then send email welcome\n",
        code: "unused-allow",
        at: (1, 20, 1, 39),
        replacement: "unused-declaration",
    },
    Case {
        name: "item_keyword",
        source: "stages Lead, MQL\n\nrulle hot:\n  when opened 3 emails\n  then move to MQL\n",
        code: "E0101",
        at: (3, 1, 3, 6),
        replacement: "rule",
    },
    // The error is at `5`, the test that does not parse; the misspelt
    // word is the one before it.
    Case {
        name: "condition_keyword",
        source: "stages Lead, MQL\n\nrule hot:\n  when opend 5 emails\n  then move to MQL\n",
        code: "E0101",
        at: (4, 8, 4, 13),
        replacement: "opened",
    },
    Case {
        name: "duration_unit",
        source: "stages Lead, MQL\n\nrule hot:\n  when opened 5 emails\n  then wait 7 dyas,\n       move to MQL\n",
        code: "E0101",
        at: (5, 15, 5, 19),
        replacement: "days",
    },
    Case {
        name: "transposed_keyword",
        source: "stages Lead, MQL\n\non submitted any form then move ot MQL\n",
        code: "E0101",
        at: (3, 33, 3, 35),
        replacement: "to",
    },
    Case {
        name: "stage_name",
        source: "stages Lead, MQL\n\non submitted any form then move to MQLL\n",
        code: "E0201",
        at: (3, 36, 3, 40),
        replacement: "MQL",
    },
];

/// `nurture check --format json` of `file` in `dir`, with its exit code.
fn check(dir: &Path, file: &str) -> (Option<i32>, Value) {
    let run = nurture_in(dir, &["check", "--format", "json", file]);
    run.assert_clean_exit(file);
    (run.code(), run.json())
}

fn diagnostics(report: &Value) -> Vec<Value> {
    report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn suggestions(diagnostic: &Value) -> Vec<Value> {
    diagnostic["suggestions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a whole number in {value}"))
}

/// A directory holding `name.nurture` (and an empty `nurture.toml`, so no
/// project configuration from further up applies).
fn project(case: &str, name: &str, source: &str) -> std::path::PathBuf {
    let dir = scratch(&format!("suggestions-{case}"));
    std::fs::write(dir.join("nurture.toml"), "").unwrap();
    std::fs::write(dir.join(format!("{name}.nurture")), source).unwrap();
    dir
}

/// The byte offset of a 1-based line and character column of `text`.
fn offset(text: &str, line: u64, column: u64) -> usize {
    let mut start = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index as u64 + 1 == line {
            let chars = usize::try_from(column - 1).unwrap();
            return start
                + line_text
                    .char_indices()
                    .nth(chars)
                    .map_or(line_text.len(), |(i, _)| i);
        }
        start += line_text.len();
    }
    panic!("{text:?} has no line {line}")
}

/// Applies every suggestion of a check report to `text`, last first, as a
/// quick fix would; the edits must not overlap.
fn apply(text: &str, report: &Value) -> String {
    let mut edits: Vec<(usize, usize, String)> = diagnostics(report)
        .iter()
        .flat_map(suggestions)
        .map(|s| {
            let start = offset(text, number(&s, "line"), number(&s, "column"));
            let end = offset(text, number(&s, "end_line"), number(&s, "end_column"));
            (start, end, s["replacement"].as_str().unwrap().to_string())
        })
        .collect();
    edits.sort();
    for pair in edits.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping edits {edits:?}");
    }
    let mut out = text.to_string();
    for (start, end, replacement) in edits.iter().rev() {
        out.replace_range(*start..*end, replacement);
    }
    out
}

#[test]
fn every_did_you_mean_is_an_edit_at_the_misspelt_text() {
    for case in CASES {
        let dir = project(case.name, "bad", case.source);
        let (code, report) = check(&dir, "bad.nurture");
        assert!(matches!(code, Some(0 | 1)), "{}: exit {code:?}", case.name);
        let with: Vec<Value> = diagnostics(&report)
            .into_iter()
            .filter(|d| !suggestions(d).is_empty())
            .collect();
        assert_eq!(with.len(), 1, "{}: {report:#}", case.name);
        let diagnostic = &with[0];
        assert_eq!(diagnostic["code"], case.code, "{}", case.name);
        let found = suggestions(diagnostic);
        assert_eq!(found.len(), 1, "{}: {diagnostic:#}", case.name);
        let suggestion = &found[0];
        let at = (
            number(suggestion, "line"),
            number(suggestion, "column"),
            number(suggestion, "end_line"),
            number(suggestion, "end_column"),
        );
        assert_eq!(at, case.at, "{}: {suggestion:#}", case.name);
        assert_eq!(suggestion["replacement"], case.replacement, "{}", case.name);
        assert_eq!(suggestion["file"], "bad.nurture", "{}", case.name);
        // The human help line is the suggestion's message.
        let shown = case.replacement.trim_matches('"');
        assert_eq!(
            suggestion["message"],
            format!("did you mean `{shown}`?"),
            "{}",
            case.name
        );
        assert_eq!(diagnostic["help"], suggestion["message"], "{}", case.name);
    }
}

#[test]
fn applying_the_suggestions_makes_each_file_check_clean() {
    for case in CASES {
        let dir = project(&format!("{}-fixed", case.name), "bad", case.source);
        let (_, report) = check(&dir, "bad.nurture");
        let fixed = apply(case.source, &report);
        assert_ne!(fixed, case.source, "{}: nothing to apply", case.name);
        std::fs::write(dir.join("bad.nurture"), &fixed).unwrap();
        let (code, report) = check(&dir, "bad.nurture");
        assert_eq!(code, Some(0), "{}: {fixed}\n{report:#}", case.name);
        assert!(
            diagnostics(&report).is_empty(),
            "{}: {fixed}\n{report:#}",
            case.name
        );
    }
}

/// Every typo of the cases in one file. Error recovery reports one syntax
/// error per broken item and the lints wait for a checked program, so, as
/// in an editor, the fixes come in rounds: apply, check again.
#[test]
fn quick_fixes_in_rounds_clean_a_file_with_every_kind_of_typo() {
    let source = "campaign \"Newsletter\" {\n  timezone \"Europe/Warsw\"\n}\n\n\
        stages Lead, MQL, Customer\n\n\
        # nurture: allow(unused-declarations)\nemail winback\n\nemail welcome\n\n\
        rulle hot:\n  when opend 5 emails\n  then wait 7 dyas,\n       move ot MQLL\n\n\
        rule big_buyer:\n  when purchased where amont >= 100 in last 30 days\n    \
        and total purchase amont in last 30 days >= 100\n  then move to Customer\n\n\
        on submitted any form then send email welcome\n";
    let dir = project("all", "all", source);
    let mut text = source.to_string();
    let mut applied: Vec<String> = Vec::new();
    for _round in 0..10 {
        let (code, report) = check(&dir, "all.nurture");
        let found = diagnostics(&report);
        if found.is_empty() {
            assert_eq!(code, Some(0), "{text}");
            applied.sort();
            assert_eq!(
                applied,
                [
                    "\"Europe/Warsaw\"",
                    "MQL",
                    "amount",
                    "amount",
                    "days",
                    "opened",
                    "rule",
                    "to",
                    "unused-declaration",
                ],
                "{text}"
            );
            return;
        }
        // Every problem of this file is a typo or follows from one (the
        // declaration the misspelt allow fails to cover is reported
        // unused), so each round has fixes to apply.
        assert!(
            found.iter().any(|d| !suggestions(d).is_empty()),
            "no fix to apply in {report:#}\nfor\n{text}"
        );
        applied.extend(
            found
                .iter()
                .flat_map(suggestions)
                .map(|s| s["replacement"].as_str().unwrap().to_string()),
        );
        text = apply(&text, &report);
        std::fs::write(dir.join("all.nurture"), &text).unwrap();
    }
    panic!("still not clean after 10 rounds:\n{text}");
}

#[test]
fn sarif_carries_the_same_edits_as_fixes() {
    for case in CASES {
        let dir = project(&format!("{}-sarif", case.name), "bad", case.source);
        let run = nurture_in(&dir, &["check", "--format", "sarif", "bad.nurture"]);
        run.assert_clean_exit(case.name);
        let log = run.json();
        let fixes: Vec<&Value> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["fixes"].as_array())
            .flatten()
            .collect();
        assert_eq!(fixes.len(), 1, "{}: {log:#}", case.name);
        let replacement = &fixes[0]["artifactChanges"][0]["replacements"][0];
        let region = &replacement["deletedRegion"];
        let at = (
            number(region, "startLine"),
            number(region, "startColumn"),
            number(region, "endLine"),
            number(region, "endColumn"),
        );
        assert_eq!(at, case.at, "{}: {replacement:#}", case.name);
        assert_eq!(
            replacement["insertedContent"]["text"], case.replacement,
            "{}",
            case.name
        );
    }
}
