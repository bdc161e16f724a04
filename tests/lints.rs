//! Every lint through the real binary: it fires on its fixture (the bad
//! example of the registry and docs), is silent on the good example, and is
//! suppressed by `nurture.toml` and by an inline allow comment.
//!
//! Lints have their own registry (`nurture::lint::LINTS`), separate from
//! the checker's codes, so their fixtures live in `tests/fixtures/lints/ID.nurture`
//! and their human reports are snapshotted here as `lints__ID`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, Run};
use nurture::lint::{Level, LINTS};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn lints_dir() -> PathBuf {
    common::fixtures().join("lints")
}

/// A scratch folder holding `file.nurture` with `text`, and a
/// `nurture.toml` with `config` when given.
fn project(name: &str, text: &str, config: Option<&str>) -> PathBuf {
    let dir = common::scratch(&format!("lints-{name}"));
    std::fs::write(dir.join("file.nurture"), text).expect("write rules");
    if let Some(config) = config {
        std::fs::write(dir.join("nurture.toml"), config).expect("write config");
    }
    dir
}

/// Turns every lint on at warning level, so the off-by-default ones are
/// tested too.
fn all_on() -> String {
    all_on_but("")
}

/// [`all_on`] without a line for `except`.
fn all_on_but(except: &str) -> String {
    let mut config = String::from("[lints]\n");
    for lint in LINTS {
        if lint.default == Level::Off && lint.id != except {
            config.push_str(&format!("{} = \"warning\"\n", lint.id));
        }
    }
    config
}

fn check_json(dir: &Path, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["check", "file.nurture", "--format", "json"];
    args.extend_from_slice(extra);
    let run = nurture_in(dir, &args);
    run.assert_clean_exit("json");
    let json = run.json();
    (run, json)
}

/// The lint ids (codes) in a JSON report, with their lines.
fn found(report: &Value) -> Vec<(String, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().expect("code").to_string(),
                d["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

#[test]
fn fixtures_are_the_registry_bad_examples() {
    for lint in LINTS {
        let fixture = std::fs::read_to_string(lints_dir().join(format!("{}.nurture", lint.id)))
            .unwrap_or_else(|_| panic!("no fixture for {}", lint.id));
        assert_eq!(fixture, lint.bad, "fixture of {}", lint.id);
    }
}

#[test]
fn every_lint_fires_on_its_fixture_with_a_snapshot() {
    for lint in LINTS {
        let dir = project(&format!("bad-{}", lint.id), lint.bad, Some(&all_on()));
        let (run, report) = check_json(&dir, &[]);
        assert_eq!(run.code(), Some(0), "warnings exit 0: {}", run.stdout);
        let ids = found(&report);
        assert!(
            ids.iter().any(|(id, _)| id == lint.id),
            "{} not reported: {ids:?}",
            lint.id
        );
        let human = nurture_in(&dir, &["check", "file.nurture"]);
        human.assert_clean_exit(lint.id);
        assert!(
            human.stdout.lines().any(|line| line.trim() == lint.id),
            "{}:\n{}",
            lint.id,
            human.stdout
        );
        insta::assert_snapshot!(lint.id, human.stdout);
    }
}

#[test]
fn every_lint_is_silent_on_its_good_example() {
    for lint in LINTS {
        let dir = project(&format!("good-{}", lint.id), lint.good, Some(&all_on()));
        let (_, report) = check_json(&dir, &[]);
        let ids = found(&report);
        assert!(
            !ids.iter().any(|(id, _)| id == lint.id),
            "{} fires on its good example: {ids:?}",
            lint.id
        );
    }
}

#[test]
fn every_lint_is_suppressed_by_the_config() {
    for lint in LINTS {
        let config = format!("{}{} = \"off\"\n", all_on_but(lint.id), lint.id);
        let dir = project(&format!("config-{}", lint.id), lint.bad, Some(&config));
        let (_, report) = check_json(&dir, &[]);
        let ids = found(&report);
        assert!(
            !ids.iter().any(|(id, _)| id == lint.id),
            "{} still fires with it off: {ids:?}",
            lint.id
        );
    }
}

/// The line (1-based) of the item that holds `line`: the nearest line at
/// or above it that starts in the first column and is not a comment.
fn item_line(text: &str, line: u64) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut at = (line as usize).saturating_sub(1);
    while at > 0 {
        let l = lines[at];
        if !l.starts_with(' ') && !l.starts_with('#') && !l.is_empty() {
            break;
        }
        at -= 1;
    }
    at + 1
}

#[test]
fn every_lint_is_suppressed_by_an_inline_allow() {
    for lint in LINTS {
        if lint.id == "unused-allow" {
            continue; // an allow comment cannot be allowed by another one
        }
        let dir = project(&format!("probe-{}", lint.id), lint.bad, Some(&all_on()));
        let (_, report) = check_json(&dir, &[]);
        let mut lines: Vec<usize> = found(&report)
            .into_iter()
            .filter(|(id, _)| id == lint.id)
            .map(|(_, line)| item_line(lint.bad, line))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        let mut text: Vec<String> = lint.bad.lines().map(str::to_string).collect();
        for line in lines.iter().rev() {
            text.insert(line - 1, format!("# nurture: allow({})", lint.id));
        }
        let allowed = text.join("\n") + "\n";
        let dir = project(&format!("allow-{}", lint.id), &allowed, Some(&all_on()));
        let (_, report) = check_json(&dir, &[]);
        let ids = found(&report);
        assert!(
            !ids.iter()
                .any(|(id, _)| id == lint.id || id == "unused-allow"),
            "{} with allows:\n{allowed}\n{ids:?}",
            lint.id
        );
    }
}

#[test]
fn an_allow_that_suppresses_nothing_is_reported() {
    let text = "email welcome\n\n# nurture: allow(wait-at-end)\non submitted any form then send email welcome\n# nurture: allow(wait-at-ends)\nemail other\n";
    let dir = project("stale-allow", text, None);
    let (run, report) = check_json(&dir, &["--deny-warnings"]);
    assert_eq!(run.code(), Some(1));
    let ids = found(&report);
    assert!(ids.contains(&("unused-allow".to_string(), 3)), "{ids:?}");
    assert!(ids.contains(&("unused-allow".to_string(), 5)), "{ids:?}");
    let messages = report["diagnostics"].to_string();
    assert!(
        messages.contains("did you mean `wait-at-end`?"),
        "{messages}"
    );
}

#[test]
fn config_levels_change_severity_and_exit_code() {
    let bad = LINTS
        .iter()
        .find(|l| l.id == "wait-at-end")
        .expect("wait-at-end")
        .bad;
    let dir = project("as-error", bad, Some("[lints]\nwait-at-end = \"error\"\n"));
    let (run, report) = check_json(&dir, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert_eq!(report["errors"], 1, "{report}");
    assert_eq!(report["diagnostics"][0]["severity"], "error");
    // Without a config: a warning, exit 0, and 1 with --deny-warnings.
    let dir = project("default-level", bad, None);
    let (run, report) = check_json(&dir, &[]);
    assert_eq!(run.code(), Some(0));
    assert_eq!(report["warnings"], 1, "{report}");
    let (run, _) = check_json(&dir, &["--deny-warnings"]);
    assert_eq!(run.code(), Some(1));
}

#[test]
fn the_config_is_found_by_walking_up() {
    let bad = LINTS
        .iter()
        .find(|l| l.id == "wait-at-end")
        .expect("wait-at-end")
        .bad;
    let dir = common::scratch("lints-walk-up");
    let nested = dir.join("a").join("b");
    std::fs::create_dir_all(&nested).expect("mkdir");
    std::fs::write(nested.join("file.nurture"), bad).expect("write");
    std::fs::write(dir.join("nurture.toml"), "[lints]\nwait-at-end = \"off\"\n").expect("write");
    let run = nurture_in(&dir, &["check", "a/b/file.nurture", "--format", "json"]);
    assert_eq!(
        run.json()["diagnostics"],
        serde_json::json!([]),
        "{}",
        run.stdout
    );
    // A nearer config wins.
    std::fs::write(nested.join("nurture.toml"), "[lints]\n").expect("write");
    let run = nurture_in(&dir, &["check", "a/b/file.nurture", "--format", "json"]);
    assert_eq!(run.json()["warnings"], 1, "{}", run.stdout);
}

#[test]
fn a_bad_config_is_a_usage_error() {
    for (config, expected) in [
        (
            "[lints]\nwait-at-ends = \"off\"\n",
            "did you mean `wait-at-end`?",
        ),
        (
            "[lints]\nwait-at-end = \"deny\"\n",
            "\"off\", \"warning\" or \"error\"",
        ),
        (
            "[lints]\nwait-at-end = 1\n",
            "\"off\", \"warning\" or \"error\"",
        ),
        ("[lint]\n", "unknown table `lint`"),
        ("[lints\n", "not valid TOML"),
    ] {
        let dir = project("bad-config", "email welcome\n", Some(config));
        let run = nurture_in(&dir, &["check", "file.nurture"]);
        run.assert_clean_exit("bad config");
        assert_eq!(run.code(), Some(2), "{config}: {}", run.stdout);
        assert!(run.stderr.contains(expected), "{config}: {}", run.stderr);
        assert!(run.stderr.contains("nurture.toml"), "{}", run.stderr);
    }
}

#[test]
fn lints_flow_through_github_and_sarif() {
    let bad = LINTS
        .iter()
        .find(|l| l.id == "wait-at-end")
        .expect("wait-at-end")
        .bad;
    let dir = project("formats", bad, None);
    let run = nurture_in(&dir, &["check", "file.nurture", "--format", "github"]);
    assert!(
        run.stdout
            .starts_with("::warning file=file.nurture,line=3,")
            && run.stdout.contains("title=wait-at-end (style lint)::"),
        "{}",
        run.stdout
    );
    let run = nurture_in(&dir, &["check", "file.nurture", "--format", "sarif"]);
    let log = run.json();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for lint in LINTS {
        let rule = rules
            .iter()
            .find(|r| r["id"] == lint.id)
            .unwrap_or_else(|| panic!("no SARIF rule for {}", lint.id));
        assert_eq!(rule["fullDescription"]["text"], lint.rationale);
        assert!(rule["helpUri"]
            .as_str()
            .expect("helpUri")
            .ends_with(&format!("diagnostics.md#{}", lint.id)));
    }
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "wait-at-end");
    let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[index]["id"], "wait-at-end");
    // And the log validates against the SARIF 2.1.0 schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures().join("sarif-schema-2.1.0.json"))
            .expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn shipped_examples_are_clean_with_deny_warnings() {
    let run = common::nurture(&["check", "--deny-warnings", "examples/"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
}

#[test]
fn libraries_without_rules_report_nothing_unused() {
    let dir = project(
        "library",
        "email welcome, winback\nfield country: text\n",
        Some(&all_on()),
    );
    let (_, report) = check_json(&dir, &[]);
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report}");
}
