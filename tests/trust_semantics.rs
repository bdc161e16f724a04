//! Issue 10, language, checker and evaluator: the result bugs 5 to 8 and
//! the deep segment chains of hole 4, each through the real binary with
//! the hand-worked expectation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, scratch, Run};
use serde_json::Value;
use std::path::Path;

/// Writes `files` (name, text) into a fresh scratch folder.
fn folder(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = scratch(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write scratch file");
    }
    dir
}

/// `segments … --format json` in `dir`: the count of every segment by name.
fn segment_counts(dir: &Path, args: &[&str]) -> Vec<(String, u64)> {
    let mut all = vec!["segments"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = nurture_in(dir, &all);
    run.assert_clean_exit("segments");
    assert_eq!(run.code(), Some(0), "segments failed:\n{}", run.stderr);
    run.json()["segments"]
        .as_array()
        .expect("segments is an array")
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap().to_string(),
                s["contacts"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn named(counts: &[(&str, u64)]) -> Vec<(String, u64)> {
    counts.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

// ------------------------------------------- result bug 5: contacts without a stage

const STAGES: &str = r#"stages Subscriber, Lead

segment below_lead = stage < Lead
segment not_lead = stage not in [Lead]
segment is_not_lead = stage is not Lead
segment at_most_lead = stage <= Lead
segment no_stage = stage is not set
segment staged = stage is set
segment not_below = not stage < Lead

rule below: when stage < Lead then add tag "below"
rule unstaged: when stage is not set then add tag "unstaged"
"#;

/// c1 has no stage, c2 is a Subscriber, c3 a Lead. By language §10 a
/// contact without a stage fails every stage test but `stage is not set`.
#[test]
fn a_contact_without_a_stage_fails_every_stage_test_in_segments() {
    let dir = folder(
        "stageless-segments",
        &[
            ("rules.nurture", STAGES),
            ("contacts.csv", "id,stage\nc1,\nc2,Subscriber\nc3,Lead\n"),
            (
                "events.csv",
                "contact_id,at,type\nc1,2025-01-01T00:00:00Z,page.visited\n",
            ),
        ],
    );
    let counts = segment_counts(
        &dir,
        &[
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
        ],
    );
    assert_eq!(
        counts,
        named(&[
            ("below_lead", 1),   // c2
            ("not_lead", 1),     // c2
            ("is_not_lead", 1),  // c2
            ("at_most_lead", 2), // c2, c3
            ("no_stage", 1),     // c1
            ("staged", 2),       // c2, c3
            ("not_below", 2),    // c1, c3
        ])
    );
}

/// The same answers in a test: segments, `expect stage`, and the rules the
/// real simulator runs.
#[test]
fn tests_judge_a_contact_without_a_stage_like_segments_and_rules() {
    let passing = format!(
        "{STAGES}
test \"no stage\" {{
  given contact points 0
  at 2025-01-01
  expect not in segment below_lead
  expect not in segment not_lead
  expect not in segment is_not_lead
  expect in segment no_stage
  expect in segment not_below
  expect not stage < Lead
  expect not stage <= Lead
  expect not stage >= Subscriber
  expect not tag \"below\"
  expect tag \"unstaged\"
  expect not fired below
}}

test \"a subscriber\" {{
  given contact stage Subscriber
  at 2025-01-01
  expect in segment below_lead
  expect stage < Lead
  expect tag \"below\"
  expect not tag \"unstaged\"
}}
"
    );
    let dir = folder("stageless-tests", &[("rules.nurture", &passing)]);
    let run = nurture_in(&dir, &["test", "rules.nurture"]);
    run.assert_clean_exit("test");
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("2 passed, 0 failed"), "{}", run.stdout);

    // What used to pass both ways: now exactly one of them does.
    let contradicting = format!(
        "{STAGES}
test \"both ways\" {{
  given contact points 0
  at 2025-01-01
  expect in segment below_lead
  expect not stage < Lead
}}
"
    );
    let dir = folder("stageless-tests-fail", &[("rules.nurture", &contradicting)]);
    let run = nurture_in(&dir, &["test", "rules.nurture", "--format", "json"]);
    run.assert_clean_exit("test");
    assert_eq!(run.code(), Some(1));
    let failures = &run.json()["files"][0]["tests"][0]["failures"];
    let failed: Vec<&str> = failures
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["expectation"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["expect in segment below_lead"], "{failures}");
}

#[test]
fn explain_shows_a_stage_test_false_for_a_contact_without_a_stage() {
    let dir = folder(
        "stageless-explain",
        &[
            ("rules.nurture", STAGES),
            ("contacts.csv", "id,stage\nc1,\n"),
            (
                "events.csv",
                "contact_id,at,type\nc1,2025-01-01T00:00:00Z,page.visited\n",
            ),
        ],
    );
    let run = nurture_in(
        &dir,
        &[
            "explain",
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--contact",
            "c1",
            "--format",
            "json",
        ],
    );
    run.assert_clean_exit("explain");
    let report = run.json();
    let rule = |name: &str| -> Value {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap_or_else(|| panic!("no rule {name} in {report}"))
            .clone()
    };
    assert_eq!(rule("below")["condition"]["holds"], false);
    assert_eq!(rule("unstaged")["condition"]["holds"], true);
    assert_eq!(
        report["fired"],
        serde_json::json!(["2025-01-01 00:00 +00:00 unstaged"])
    );
}

/// A condition no contact can pass under the rule is a lint warning.
#[test]
fn a_stage_test_below_the_first_stage_is_an_impossible_condition() {
    let dir = folder(
        "stageless-lint",
        &[(
            "rules.nurture",
            "stages Subscriber, Lead\nsegment nobody = stage < Subscriber\nsegment fine = stage is not set or stage < Lead\n",
        )],
    );
    let run = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    run.assert_clean_exit("check");
    let lines: Vec<u64> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "impossible-condition")
        .map(|d| d["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [2], "{}", run.stdout);
}

// ------------------------------------------- result bug 6: `less than D ago`

/// At 2025-02-01 with D = 7 days, now − D is 2025-01-25T00:00:00Z.
/// future: 2025-03-01 (after now − D, after now); recent: 2025-01-30;
/// edge: exactly now − D; old: 2025-01-01.
#[test]
fn less_than_ago_is_true_for_future_values_and_within_last_is_not() {
    let rules = "field last_seen: datetime
field seen_on: date
segment t = last_seen less than 7 days ago
segment t_date = seen_on less than 7 days ago
segment few = last_seen fewer than 7 days ago
segment inside = last_seen within last 7 days
segment inside_date = seen_on within last 7 days
segment older = last_seen more than 7 days ago
segment older_date = seen_on more than 7 days ago
";
    let contacts = "id,last_seen,seen_on
future,2025-03-01T00:00:00Z,2025-03-01
recent,2025-01-30T00:00:00Z,2025-01-30
edge,2025-01-25T00:00:00Z,2025-01-25
old,2025-01-01T00:00:00Z,2025-01-01
";
    let dir = folder(
        "less-than-ago",
        &[
            ("rules.nurture", rules),
            ("contacts.csv", contacts),
            (
                "events.csv",
                "contact_id,at,type\nold,2025-01-01T00:00:00Z,page.visited\n",
            ),
        ],
    );
    let counts = segment_counts(
        &dir,
        &[
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--at",
            "2025-02-01",
        ],
    );
    assert_eq!(
        counts,
        named(&[
            ("t", 2),           // future, recent
            ("t_date", 2),      // future, recent
            ("few", 2),         // future, recent
            ("inside", 1),      // recent
            ("inside_date", 1), // recent
            ("older", 1),       // old
            ("older_date", 1),  // old
        ])
    );
}

// ------------------------------------------- result bug 7: `at least twice`

#[test]
fn once_and_twice_take_count_words_and_format_round_trips() {
    let rules = "form demo
segment twice_or_more = submitted form demo at least twice
segment at_most_once = submitted form demo at most once
segment exactly_once = submitted form demo exactly once
segment more_than_once = submitted form demo more than once
segment bare_twice = submitted form demo twice
";
    let events = "contact_id,at,type,form
one,2025-01-01T00:00:00Z,form.submitted,demo
two,2025-01-01T00:00:00Z,form.submitted,demo
two,2025-01-02T00:00:00Z,form.submitted,demo
";
    let dir = folder(
        "once-twice",
        &[("rules.nurture", rules), ("events.csv", events)],
    );
    let check = nurture_in(&dir, &["check", "rules.nurture"]);
    assert_eq!(check.code(), Some(0), "{}", check.stdout);
    let counts = segment_counts(&dir, &["rules.nurture", "--events", "events.csv"]);
    assert_eq!(
        counts,
        named(&[
            ("twice_or_more", 1),  // two
            ("at_most_once", 1),   // one
            ("exactly_once", 1),   // one
            ("more_than_once", 1), // two
            ("bare_twice", 1),     // two
        ])
    );
    // fmt writes the canonical counts, which mean the same and are a fixed
    // point; the counts stay the same.
    let fmt = nurture_in(&dir, &["fmt", "rules.nurture"]);
    assert_eq!(fmt.code(), Some(0), "{}", fmt.stderr);
    let formatted = std::fs::read_to_string(dir.join("rules.nurture")).unwrap();
    assert!(
        formatted.contains("submitted form demo 2 times\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("submitted form demo at most 1 time\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("submitted form demo exactly 1 time\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("submitted form demo more than 1 time\n"),
        "{formatted}"
    );
    let again = nurture_in(&dir, &["fmt", "--check", "rules.nurture"]);
    assert_eq!(again.code(), Some(0), "{}", again.stdout);
    assert_eq!(
        segment_counts(&dir, &["rules.nurture", "--events", "events.csv"]),
        counts
    );
}

// ------------------------------------------- result bug 8: points are whole numbers

fn check_one(name: &str, rules: &str) -> Run {
    let dir = folder(name, &[("rules.nurture", rules)]);
    let run = nurture_in(&dir, &["check", "rules.nurture"]);
    run.assert_clean_exit("check");
    run
}

#[test]
fn a_fractional_points_test_says_points_are_whole_numbers() {
    let run = check_one("points-fraction", "segment cold = points <= 0.5\n");
    assert_eq!(run.code(), Some(1));
    assert!(run.stdout.contains("E0307"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("points are whole numbers, so they cannot be compared with `0.5`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("e.g. `points <= 0`"), "{}", run.stdout);
    assert!(!run.stdout.contains("not declared"), "{}", run.stdout);

    for (text, words) in [
        ("points is 5", "write `points = 5`"),
        ("points is set", "points are always set"),
        ("points in [1, 2]", "tested only with"),
        ("points = \"high\"", "compared with a whole number"),
    ] {
        let run = check_one("points-other", &format!("segment s = {text}\n"));
        assert!(run.stdout.contains("E0307"), "{text}: {}", run.stdout);
        assert!(run.stdout.contains(words), "{text}: {}", run.stdout);
    }
    // A declared field called `points` is the field.
    let run = check_one(
        "points-field",
        "field points: number\nsegment cold = points <= 0.5\n",
    );
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
}

#[test]
fn a_quoted_stage_says_stages_are_tested_by_name() {
    let run = check_one(
        "stage-quoted",
        "stages Lead, MQL\nsegment leads = stage = \"Lead\"\n",
    );
    assert_eq!(run.code(), Some(1));
    assert!(run.stdout.contains("E0308"), "{}", run.stdout);
    assert!(run.stdout.contains("`stage is Lead`"), "{}", run.stdout);
    assert!(!run.stdout.contains("not declared"), "{}", run.stdout);
}

// ------------------------------------------- hole 4: deep chains of segments

/// `segment s0 = points > 1`, then `segment sN = in segment sN-1` up to
/// `s{n-1}`, and a rule on the last; `reversed` makes each segment use the
/// next one instead (declared before the segment it uses).
fn chain(n: usize, reversed: bool) -> String {
    let mut text = String::new();
    if reversed {
        for i in 0..n - 1 {
            text.push_str(&format!("segment s{i} = in segment s{}\n", i + 1));
        }
        text.push_str(&format!("segment s{} = points > 1\n", n - 1));
        text.push_str("rule r: when in segment s0 then add tag \"x\"\n");
    } else {
        text.push_str("segment s0 = points > 1\n");
        for i in 1..n {
            text.push_str(&format!("segment s{i} = in segment s{}\n", i - 1));
        }
        text.push_str(&format!(
            "rule r: when in segment s{} then add tag \"x\"\n",
            n - 1
        ));
    }
    text
}

const ONE_EVENT: &str = "contact_id,at,type\nc1,2025-01-01T00:00:00Z,page.visited\n";

fn json_codes(run: &Run) -> Vec<String> {
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// 30,000 chained segments (0.9 MB) aborted `simulate` with a stack
/// overflow. Now `check` refuses the chain with one E0216, at s256, the
/// first segment that nests 257 deep, and every command stops cleanly.
#[test]
fn thirty_thousand_chained_segments_are_refused_at_check_time() {
    let dir = folder(
        "chain-30000",
        &[
            ("rules.nurture", &chain(30_000, false)),
            ("events.csv", ONE_EVENT),
        ],
    );
    let check = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    check.assert_clean_exit("check");
    assert_eq!(check.code(), Some(1));
    assert_eq!(json_codes(&check), ["E0216"]);
    assert_eq!(
        check.json()["diagnostics"][0]["line"],
        257,
        "{}",
        check.stdout
    );
    // Commands that run the rules cannot run as asked (2); `test` reports a
    // file with errors as a failure (1).
    for (args, code) in [
        (
            &["simulate", "rules.nurture", "--events", "events.csv"][..],
            2,
        ),
        (
            &[
                "explain",
                "rules.nurture",
                "--events",
                "events.csv",
                "--contact",
                "c1",
            ],
            2,
        ),
        (&["segments", "rules.nurture", "--events", "events.csv"], 2),
        (&["test", "rules.nurture"], 1),
    ] {
        let run = nurture_in(&dir, args);
        run.assert_clean_exit(args[0]);
        assert_eq!(run.code(), Some(code), "{}: {}", args[0], run.stderr);
        assert!(
            run.stdout.contains("E0216") || run.stderr.contains("E0216"),
            "{}: {}{}",
            args[0],
            run.stdout,
            run.stderr
        );
    }
}

/// Segments that use segments declared after them walked the cycle check
/// once per link, recursively: 30,000 overflowed `check`'s stack.
#[test]
fn a_long_chain_of_forward_references_is_checked_without_recursion() {
    let dir = folder("chain-reversed", &[("rules.nurture", &chain(30_000, true))]);
    let check = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    check.assert_clean_exit("check");
    assert_eq!(check.code(), Some(1));
    // s29999 has depth 1, s(29999 - k) depth k + 1: s29743 is the first
    // past 256, on line 29744.
    assert_eq!(json_codes(&check), ["E0216"]);
    assert_eq!(check.json()["diagnostics"][0]["line"], 29_744);
}

/// The longest chain the limit allows runs everywhere: 255 segments and a
/// rule condition `in segment s254` (depth 256).
#[test]
fn the_longest_allowed_chain_runs_in_every_command() {
    let dir = folder(
        "chain-255",
        &[
            ("rules.nurture", &chain(255, false)),
            ("events.csv", ONE_EVENT),
        ],
    );
    let check = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    assert_eq!(json_codes(&check), Vec::<String>::new(), "{}", check.stdout);
    for args in [
        &["simulate", "rules.nurture", "--events", "events.csv"][..],
        &[
            "explain",
            "rules.nurture",
            "--events",
            "events.csv",
            "--contact",
            "c1",
        ],
        &["segments", "rules.nurture", "--events", "events.csv"],
    ] {
        let run = nurture_in(&dir, args);
        run.assert_clean_exit(args[0]);
        assert_eq!(run.code(), Some(0), "{}: {}", args[0], run.stderr);
    }
    // One segment more, and the rule's condition is what passes the limit.
    let dir = folder("chain-256", &[("rules.nurture", &chain(256, false))]);
    let check = nurture_in(&dir, &["check", "rules.nurture", "--format", "json"]);
    assert_eq!(json_codes(&check), ["E0216"]);
    assert_eq!(check.json()["diagnostics"][0]["line"], 257);
}

/// Segments that each use the one before twice: following `in segment`
/// afresh at every use took 2^40 steps in `simulate` (which asks whether a
/// rule can change by time alone) and in `explain` (which printed every
/// expansion). Each segment is now looked at once.
#[test]
fn segments_used_twice_at_every_level_stay_linear() {
    let mut rules = String::from("segment s0 = points > 1\n");
    for i in 1..40 {
        rules.push_str(&format!(
            "segment s{i} = in segment s{p} and in segment s{p}\n",
            p = i - 1
        ));
    }
    rules.push_str("rule r: when in segment s39 then add tag \"x\"\n");
    let dir = folder(
        "diamond",
        &[("rules.nurture", &rules), ("events.csv", ONE_EVENT)],
    );
    let simulate = nurture_in(
        &dir,
        &["simulate", "rules.nurture", "--events", "events.csv"],
    );
    simulate.assert_clean_exit("simulate");
    assert_eq!(simulate.code(), Some(0), "{}", simulate.stderr);
    let explain = nurture_in(
        &dir,
        &[
            "explain",
            "rules.nurture",
            "--events",
            "events.csv",
            "--contact",
            "c1",
        ],
    );
    explain.assert_clean_exit("explain");
    assert_eq!(explain.code(), Some(0), "{}", explain.stderr);
    // Each segment expanded once, its second use "explained above": the
    // rule's clause, and per segment s1..s39 its `and` and two uses, then
    // s0's clause; one more ✗ is in the legend "(✗ marks what fails)".
    assert_eq!(explain.stdout.matches("explained above").count(), 39);
    assert_eq!(explain.stdout.matches("✗").count(), 1 + 39 * 3 + 1 + 1);
}
