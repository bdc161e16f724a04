//! Error recovery through the binary: a file with several broken items
//! gets every syntax error and the semantic errors of its good items, each
//! at its place, also across an import, and no "not declared" error for a
//! name that a broken item declares.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::{nurture_in, scratch};
use serde_json::Value;

/// Five broken items of different kinds in the root file (a segment with no
/// value, a field without `:`, a misspelt keyword, an event with a broken
/// body, a step without its unit) between good items with semantic errors.
const MAIN: &str = r#"import "shared.nurture"
stages Lead, MQL, Customer
segment hot = points >=
rule r1: on purchase then move to Nowhere
email welcome, nurture
field score number
rule r2: if score > 5 and in segment hot then send email welcme
rulee r3: on purchase then stop
event webinar { topic text }
rule r4: on event webinar then move to MQL, send email promo, add to list vip
campaign "x" {
  timezone "Mars/Olympus"
}
rule r5: on purchase then wait 3
"#;

/// An import with two broken items and two good ones with semantic errors.
const SHARED: &str = r#"email promo,
list vip, = "x"
segment big = budget > 10
field plan: text
segment pro = plan = 5
"#;

/// Every diagnostic expected: code, file, line, column.
const EXPECTED: &[(&str, &str, u64, u64)] = &[
    ("E0101", "main.nurture", 4, 1), // `segment hot = points >=` has no value
    ("E0201", "main.nurture", 4, 35), // stage `Nowhere`
    ("E0101", "main.nurture", 6, 13), // `field score number`: no `:`
    ("E0202", "main.nurture", 7, 58), // e-mail `welcme`
    ("E0101", "main.nurture", 8, 1), // `rulee`
    ("E0101", "main.nurture", 9, 15), // `event webinar { topic text }`
    ("E0403", "main.nurture", 12, 12), // time zone `Mars/Olympus`
    ("E0101", "main.nurture", 15, 1), // `wait 3` without a unit
    ("E0101", "shared.nurture", 2, 1), // `email promo,` then `list`
    ("E0101", "shared.nurture", 2, 9), // `list vip, = "x"`
    ("E0208", "shared.nurture", 3, 15), // field `budget`
    ("E0301", "shared.nurture", 5, 22), // `plan = 5`: text against a number
];

fn project(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("main.nurture"), MAIN).unwrap();
    std::fs::write(dir.join("shared.nurture"), SHARED).unwrap();
    dir
}

fn field<'v>(diagnostic: &'v Value, key: &str) -> &'v Value {
    diagnostic.get(key).unwrap_or(&Value::Null)
}

#[test]
fn every_syntax_error_and_every_semantic_error_of_the_good_items_in_json() {
    let dir = project("recovery_json");
    let run = nurture_in(&dir, &["check", "main.nurture", "--format", "json"]);
    run.assert_clean_exit("check");
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    let json = run.json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let found: Vec<(String, String, u64, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                field(d, "code").as_str().unwrap_or("").to_string(),
                field(d, "file").as_str().unwrap_or("").to_string(),
                field(d, "line").as_u64().unwrap_or(0),
                field(d, "column").as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, u64)> = EXPECTED
        .iter()
        .map(|(c, f, l, col)| (c.to_string(), f.to_string(), *l, *col))
        .collect();
    assert_eq!(found, expected, "{}", run.stdout);
    assert_eq!(json["errors"], EXPECTED.len());
    let syntax = EXPECTED.iter().filter(|e| e.0 == "E0101").count();
    assert_eq!(
        syntax, 7,
        "five broken items in the root file, two in the import"
    );
}

#[test]
fn names_of_broken_items_are_not_reported_undeclared() {
    let dir = project("recovery_names");
    let run = nurture_in(&dir, &["check", "main.nurture", "--format", "json"]);
    let json = run.json();
    for diagnostic in json["diagnostics"].as_array().unwrap() {
        let message = field(diagnostic, "message").as_str().unwrap_or("");
        // `hot` and `score` are declared by broken items.
        for name in ["`hot`", "`score`"] {
            assert!(
                !message.contains(name),
                "a use of {name} was reported: {message}"
            );
        }
    }
}

#[test]
fn the_human_output_shows_each_error_at_its_place_and_exits_1() {
    let dir = project("recovery_human");
    let run = nurture_in(&dir, &["check", "main.nurture"]);
    run.assert_clean_exit("check");
    assert_eq!(run.code(), Some(1));
    let out = format!("{}{}", run.stdout, run.stderr);
    for (code, file, line, column) in EXPECTED {
        assert!(
            out.contains(&format!("{file}:{line}:{column}]")),
            "{code} at {file}:{line}:{column} missing:\n{out}"
        );
    }
    assert!(out.contains("12 errors"), "{out}");
    // The first error of a file keeps the whole-file parse's message.
    assert!(out.contains("after `points >=`, found `rule`"), "{out}");
    assert!(out.contains("did you mean `rule`?"), "{out}");
}

#[test]
fn a_file_whose_broken_items_are_fixed_checks_clean() {
    let dir = scratch("recovery_fixed");
    std::fs::write(
        dir.join("main.nurture"),
        "stages Lead, MQL\nsegment hot = points >= 10\nrule r: if in segment hot then move to MQL\n",
    )
    .unwrap();
    let run = nurture_in(&dir, &["check", "main.nurture"]);
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_broken_import_line_hides_what_it_would_declare() {
    // What the import declares is unknown, so no name is called undeclared;
    // other errors of the good items are still reported.
    let dir = scratch("recovery_import");
    std::fs::write(
        dir.join("main.nurture"),
        "import shared.nurture\nstages Lead\nrule r: on purchase then move to MQL, add 5 points\nsegment s = points >= \"x\"\n",
    )
    .unwrap();
    let run = nurture_in(&dir, &["check", "main.nurture", "--format", "json"]);
    assert_eq!(run.code(), Some(1));
    let json = run.json();
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| field(d, "code").as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes[0], "E0101", "{}", run.stdout);
    assert!(!codes.contains(&"E0201"), "{}", run.stdout);
    assert!(
        codes.len() >= 2,
        "the good items are checked: {}",
        run.stdout
    );
}
