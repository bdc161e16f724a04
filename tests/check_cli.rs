//! `nurture check` as CI runs it: the real binary, its exit codes, its
//! output formats and how it walks directories (the product brief, section 5).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture, nurture_in};
use serde_json::Value;

const EXAMPLE: &str = "examples/b2b_lifecycle.nurture";
const WITH_ERROR: &str = "tests/fixtures/diagnostics/E0201.nurture";
const WITH_WARNING: &str = "tests/fixtures/lints/unused-declaration.nurture";
const NOT_UTF8: &str = "tests/fixtures/diagnostics/E0002.nurture";
const MIXED: &str = "tests/fixtures/check/mixed.nurture";
const TREE: &str = "tests/fixtures/tree";

fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
}

fn field<'v>(diagnostic: &'v Value, key: &str) -> &'v str {
    diagnostic[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is not a string in {diagnostic}"))
}

fn number(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a whole number in {value}"))
}

// ---------------------------------------------------------------- exit codes

#[test]
fn a_good_file_exits_0_in_every_format() {
    for format in ["human", "json", "github", "sarif"] {
        let run = nurture(&["check", EXAMPLE, "--format", format]);
        run.assert_clean_exit(format);
        assert_eq!(run.code(), Some(0), "{format}: {}", run.stdout);
    }
    let run = nurture(&["check", EXAMPLE, "--deny-warnings"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert_eq!(run.stdout, "checked 1 file: 0 errors, 0 warnings\n");
}

#[test]
fn a_file_with_errors_exits_1_in_every_format() {
    for format in ["human", "json", "github", "sarif"] {
        let run = nurture(&["check", WITH_ERROR, "--format", format]);
        run.assert_clean_exit(format);
        assert_eq!(run.code(), Some(1), "{format}: {}", run.stdout);
    }
}

#[test]
fn warnings_exit_0_unless_denied() {
    let run = nurture(&["check", WITH_WARNING]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("unused-declaration"), "{}", run.stdout);
    for format in ["human", "json", "github", "sarif"] {
        let run = nurture(&["check", WITH_WARNING, "--deny-warnings", "--format", format]);
        run.assert_clean_exit(format);
        assert_eq!(run.code(), Some(1), "{format}: {}", run.stdout);
    }
}

#[test]
fn a_missing_path_exits_2_and_says_which() {
    let run = nurture(&["check", "tests/fixtures/no-such-file.nurture"]);
    run.assert_clean_exit("missing path");
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr.contains("no-such-file.nurture"),
        "{}",
        run.stderr
    );
    // A missing path among good ones still means "could not run as asked".
    let run = nurture(&["check", EXAMPLE, "tests/fixtures/no-such-dir"]);
    assert_eq!(run.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    let run = nurture(&["check", EXAMPLE, "--format", "xml"]);
    run.assert_clean_exit("bad format");
    assert_eq!(run.code(), Some(2));
    let run = nurture(&["check", EXAMPLE, "--no-such-flag"]);
    assert_eq!(run.code(), Some(2));
}

#[test]
fn a_non_utf8_file_is_e0002_and_exits_1() {
    let run = nurture(&["check", NOT_UTF8, "--format", "json"]);
    run.assert_clean_exit("not UTF-8");
    assert_eq!(run.code(), Some(1));
    let report = run.json();
    let found = diagnostics(&report);
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(field(&found[0], "code"), "E0002");
    assert_eq!(field(&found[0], "file"), NOT_UTF8);
    assert_eq!(number(&found[0], "line"), 1);
    assert_eq!(number(&found[0], "column"), 1);
    // Other files are still checked.
    let run = nurture(&["check", NOT_UTF8, EXAMPLE, "--format", "json"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(number(&run.json(), "files"), 2);
}

// ------------------------------------------------------------- directories

#[test]
fn a_directory_means_every_nurture_file_under_it_in_sorted_order() {
    let run = nurture(&["check", TREE, "--format", "json"]);
    run.assert_clean_exit("tree");
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    let report = run.json();
    // a.nurture, b/c.nurture, z.nurture; not b/notes.txt, and not the
    // files under the hidden `.hidden/` or under `target/`.
    assert_eq!(number(&report, "files"), 3, "{report}");
    let files: Vec<&str> = diagnostics(&report)
        .iter()
        .map(|d| field(d, "file"))
        .collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/tree/a.nurture",
            "tests/fixtures/tree/b/c.nurture"
        ],
        "{report}"
    );
    // The same input gives byte-identical output, run after run.
    for _ in 0..3 {
        assert_eq!(
            nurture(&["check", TREE, "--format", "json"]).stdout,
            run.stdout
        );
        assert_eq!(
            nurture(&["check", TREE]).stdout,
            nurture(&["check", TREE]).stdout
        );
    }
}

#[test]
fn no_path_means_the_current_directory() {
    let run = nurture_in(&common::root().join(TREE), &["check", "--format", "json"]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    let report = run.json();
    assert_eq!(number(&report, "files"), 3);
    let files: Vec<&str> = diagnostics(&report)
        .iter()
        .map(|d| field(d, "file"))
        .collect();
    // Shown without a leading `./`.
    assert_eq!(files, ["a.nurture", "b/c.nurture"], "{report}");
}

#[test]
fn a_file_named_twice_is_checked_once() {
    let run = nurture(&["check", WITH_ERROR, WITH_ERROR, "--format", "json"]);
    let report = run.json();
    assert_eq!(number(&report, "files"), 1, "{report}");
    assert_eq!(number(&report, "errors"), 1, "{report}");
}

#[test]
fn a_file_imported_by_two_checked_files_reports_its_diagnostics_once() {
    let one = "tests/fixtures/imports/one.nurture";
    let two = "tests/fixtures/imports/two.nurture";
    for args in [
        vec!["check", one, two, "--format", "json"],
        // The folder: shared.nurture is also checked as a file of its own.
        vec!["check", "tests/fixtures/imports", "--format", "json"],
    ] {
        let run = nurture(&args);
        assert_eq!(run.code(), Some(1), "{}", run.stdout);
        let report = run.json();
        let found = diagnostics(&report);
        assert_eq!(found.len(), 1, "{report}");
        assert_eq!(field(&found[0], "code"), "E0405");
        assert_eq!(
            field(&found[0], "file"),
            "tests/fixtures/imports/shared.nurture"
        );
        assert_eq!(number(&report, "errors"), 1);
    }
    let run = nurture(&["check", one, two]);
    assert_eq!(run.stdout.matches("E0405").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout
            .ends_with("checked 2 files: 1 error, 0 warnings\n"),
        "{}",
        run.stdout
    );
}

// ------------------------------------------------------------------- formats

#[test]
fn json_has_exactly_the_keys_product_md_fixes() {
    let run = nurture(&["check", MIXED, "--format", "json"]);
    let report = run.json();
    let mut top: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    top.sort_unstable();
    assert_eq!(top, ["diagnostics", "errors", "files", "warnings"]);
    let found = diagnostics(&report);
    assert!(!found.is_empty());
    let mut errors = 0;
    let mut warnings = 0;
    for d in found {
        let mut keys: Vec<&str> = d
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            // The one key beyond the product brief's: fixes as data, only
            // on a diagnostic that has any (docs/diagnostics.md).
            .filter(|key| *key != "suggestions")
            .collect();
        keys.sort_unstable();
        if let Some(suggestions) = d.get("suggestions") {
            let suggestions = suggestions.as_array().expect("an array");
            assert!(!suggestions.is_empty(), "{d}");
            for s in suggestions {
                assert!(
                    s["replacement"].is_string() && s["message"].is_string(),
                    "{d}"
                );
                assert!(
                    number(s, "line") >= 1 && number(s, "end_column") >= 1,
                    "{d}"
                );
            }
        }
        assert_eq!(
            keys,
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "file",
                "help",
                "line",
                "message",
                "severity"
            ],
            "{d}"
        );
        match field(d, "severity") {
            "error" => errors += 1,
            "warning" => warnings += 1,
            other => panic!("severity `{other}`"),
        }
        let code = field(d, "code");
        assert!(
            (code.len() == 5 && (code.starts_with('E') || code.starts_with('W')))
                || nurture::lint::registry::find(code).is_some(),
            "{code}"
        );
        assert!(!field(d, "message").is_empty());
        assert!(d["help"].is_null() || d["help"].is_string(), "{d}");
        let (line, column) = (number(d, "line"), number(d, "column"));
        let (end_line, end_column) = (number(d, "end_line"), number(d, "end_column"));
        assert!(line >= 1 && column >= 1, "1-based: {d}");
        assert!(
            (end_line, end_column) >= (line, column),
            "end before start: {d}"
        );
    }
    assert_eq!(number(&report, "errors"), errors);
    assert_eq!(number(&report, "warnings"), warnings);
    assert_eq!(number(&report, "files"), 1);
}

#[test]
fn json_lines_and_columns_are_1_based_and_count_characters() {
    // `  then move to Mql` on line 5: `Mql` is at columns 16..19.
    let report = nurture(&["check", WITH_ERROR, "--format", "json"]).json();
    let d = &diagnostics(&report)[0];
    assert_eq!(
        (
            number(d, "line"),
            number(d, "column"),
            number(d, "end_line"),
            number(d, "end_column")
        ),
        (5, 16, 5, 19),
        "{d}"
    );
    // An error at the very first character is at 1:1.
    let dir = common::scratch("cli-columns");
    std::fs::write(dir.join("first.nurture"), "oops\n").expect("write");
    // `Zürich` and `→` are one column each, though more than one byte.
    std::fs::write(
        dir.join("wide.nurture"),
        "field city: text\nsegment s = city = \"Zürich→\" or town = \"x\"\n",
    )
    .expect("write");
    let report = nurture_in(
        &dir,
        &["check", "first.nurture", "wide.nurture", "--format", "json"],
    )
    .json();
    let found = diagnostics(&report);
    assert_eq!(found.len(), 2, "{report}");
    assert_eq!(
        (number(&found[0], "line"), number(&found[0], "column")),
        (1, 1)
    );
    assert_eq!(field(&found[1], "code"), "E0208");
    assert_eq!(
        (
            number(&found[1], "line"),
            number(&found[1], "column"),
            number(&found[1], "end_column")
        ),
        (2, 33, 37),
        "{report}"
    );
}

#[test]
fn the_summary_line_counts_files_errors_and_warnings() {
    let run = nurture(&["check", MIXED]);
    assert!(
        run.stdout
            .ends_with("\nchecked 1 file: 4 errors, 3 warnings\n"),
        "{}",
        run.stdout
    );
    let run = nurture(&["check", TREE]);
    assert!(
        run.stdout
            .ends_with("\nchecked 3 files: 1 error, 1 warning\n"),
        "{}",
        run.stdout
    );
    let run = nurture(&["check", EXAMPLE, "tests/fixtures/tree/z.nurture"]);
    assert_eq!(run.stdout, "checked 2 files: 0 errors, 0 warnings\n");
}

#[test]
fn human_output_has_code_location_caret_and_help() {
    let run = nurture(&["check", WITH_ERROR]);
    let out = &run.stdout;
    assert!(out.contains("E0201"), "{out}");
    assert!(out.contains("stage `Mql` is not declared"), "{out}");
    assert!(
        out.contains("[tests/fixtures/diagnostics/E0201.nurture:5:16]"),
        "{out}"
    );
    assert!(out.contains("───"), "no caret line: {out}");
    assert!(out.contains("help: did you mean `MQL`?"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "colour codes with NO_COLOR set: {out}"
    );
}

#[test]
fn github_annotations_are_one_workflow_command_per_diagnostic() {
    let json = nurture(&["check", MIXED, "--format", "json"]).json();
    let run = nurture(&["check", MIXED, "--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), diagnostics(&json).len(), "{}", run.stdout);
    for (line, d) in lines.iter().zip(diagnostics(&json)) {
        let expected = format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={} ",
            field(d, "severity"),
            field(d, "file"),
            number(d, "line"),
            number(d, "column"),
            number(d, "end_line"),
            number(d, "end_column"),
            field(d, "code"),
        );
        assert!(line.starts_with(&expected), "{line}\nexpected {expected}");
        // The message is on the same line: newlines are escaped.
        assert!(line.contains("::"), "{line}");
    }
}

#[test]
fn sarif_results_match_the_json_diagnostics() {
    let json = nurture(&["check", MIXED, "--format", "json"]).json();
    let sarif = nurture(&["check", MIXED, "--format", "sarif"]).json();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(results.len(), diagnostics(&json).len());
    for (result, d) in results.iter().zip(diagnostics(&json)) {
        assert_eq!(result["ruleId"], d["code"]);
        let index = usize::try_from(number(result, "ruleIndex")).expect("index");
        assert_eq!(
            rules[index]["id"], d["code"],
            "ruleIndex points at its rule"
        );
        assert_eq!(result["level"], d["severity"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(region["endLine"], d["end_line"]);
        assert_eq!(region["endColumn"], d["end_column"]);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            d["file"]
        );
    }
}
