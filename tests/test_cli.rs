//! `nurture test` through the real binary: passing and failing tests,
//! `--filter`, the JSON and JUnit outputs, `--coverage`, and the shipped
//! examples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::nurture;

const FUNNEL: &str = "tests/fixtures/testing/funnel.nurture";

#[test]
fn human_report_shows_passes_failures_and_the_explain_trace() {
    let run = nurture(&["test", FUNNEL]);
    run.assert_clean_exit("test");
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "ok   tests/fixtures/testing/funnel.nurture:27 a subscriber gets the welcome e-mail"
        ),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("ok   tests/fixtures/testing/funnel.nurture:34 an engaged lead becomes an MQL"));
    assert!(run
        .stdout
        .contains("FAIL tests/fixtures/testing/funnel.nurture:49 wrong on purpose"));
    // Expected vs actual, then the clause tree of the rule that moves to MQL.
    assert!(run.stdout.contains("expected: stage MQL"), "{}", run.stdout);
    assert!(run.stdout.contains("actual:   stage Lead"));
    assert!(run.stdout.contains("rule to_mql: fired 0 times"));
    assert!(
        run.stdout.contains("✗ points >= 10  — points are 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("expected: not sent email welcome"));
    assert!(run.stdout.contains("2 passed, 1 failed, 3 tests in 1 file"));
}

#[test]
fn filter_selects_tests_by_name() {
    let run = nurture(&["test", FUNNEL, "--filter", "engaged"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("an engaged lead becomes an MQL"));
    assert!(!run.stdout.contains("welcome e-mail"));
    assert!(run.stdout.contains("1 passed, 0 failed, 1 test in 1 file"));
}

#[test]
fn json_report_counts_and_details_failures() {
    let run = nurture(&["test", FUNNEL, "--format", "json"]);
    assert_eq!(run.code(), Some(1));
    let json = run.json();
    assert_eq!(json["tests"], 3);
    assert_eq!(json["passed"], 2);
    assert_eq!(json["failed"], 1);
    let tests = json["files"][0]["tests"].as_array().unwrap();
    assert_eq!(tests[0]["name"], "a subscriber gets the welcome e-mail");
    assert_eq!(tests[0]["passed"], true);
    let failures = tests[2]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0]["expectation"], "expect stage MQL");
    assert_eq!(failures[0]["expected"], "stage MQL");
    assert_eq!(failures[0]["actual"], "stage Lead");
    assert_eq!(failures[0]["line"], 53);
    assert!(failures[0]["explanation"]
        .as_str()
        .unwrap()
        .contains("rule to_mql"));
}

#[test]
fn junit_report_is_xml_with_the_right_counts() {
    let run = nurture(&["test", FUNNEL, "--format", "junit"]);
    assert_eq!(run.code(), Some(1));
    let doc = roxmltree::Document::parse(&run.stdout).expect("JUnit output parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(
        suites[0].attribute("name"),
        Some("tests/fixtures/testing/funnel.nurture")
    );
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    // Names with markup characters survive escaping.
    assert_eq!(
        cases[2].attribute("name"),
        Some("wrong on purpose: <escaped> & \"quoted\"")
    );
    let failures: Vec<_> = cases[2]
        .children()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2);
    assert!(failures[0]
        .attribute("message")
        .unwrap()
        .contains("expected stage MQL, actual stage Lead"));
    assert!(cases[0].children().all(|n| !n.has_tag_name("failure")));
}

#[test]
fn coverage_lists_rules_no_test_fired() {
    let run = nurture(&["test", FUNNEL, "--coverage"]);
    assert!(
        run.stdout.contains("not exercised: rule never_fires"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("not exercised: rule to_mql"));
    let json = nurture(&["test", FUNNEL, "--coverage", "--format", "json"]).json();
    assert_eq!(
        json["files"][0]["uncovered_rules"],
        serde_json::json!(["never_fires"])
    );
}

#[test]
fn a_file_with_check_errors_fails_and_usage_errors_exit_2() {
    let dir = common::scratch("test-cli-errors");
    std::fs::write(
        dir.join("bad.nurture"),
        "stages Lead\ntest \"x\" {\n  at 2025-01-01\n  expect stage Leed\n}\n",
    )
    .unwrap();
    let run = common::nurture_in(&dir, &["test", "bad.nurture"]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("E0601"), "{}", run.stdout);
    let missing = nurture(&["test", "no/such/dir"]);
    assert_eq!(missing.code(), Some(2));
    let bad_flag = nurture(&["test", FUNNEL, "--format", "xml"]);
    assert_eq!(bad_flag.code(), Some(2));
}

#[test]
fn output_is_deterministic() {
    let first = nurture(&["test", "examples", "--format", "json", "--coverage"]);
    let second = nurture(&["test", "examples", "--format", "json", "--coverage"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn every_shipped_example_has_passing_tests() {
    let run = nurture(&["test", "examples", "--format", "json"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    let json = run.json();
    assert_eq!(json["failed"], 0);
    for file in json["files"].as_array().unwrap() {
        let name = file["file"].as_str().unwrap();
        if name.contains("/shared/") {
            continue;
        }
        let tests = file["tests"].as_array().unwrap().len();
        assert!((3..=6).contains(&tests), "{name} has {tests} tests");
    }
}
