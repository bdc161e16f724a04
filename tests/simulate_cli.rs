//! `nurture simulate`, `explain` and `generate` through the real binary:
//! snapshots of the reports people and machines read, exit codes, and the
//! data reconciliation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{nurture, Run};
use std::path::{Path, PathBuf};

const RULES: &str = "examples/b2b_lifecycle.nurture";
const CONTACTS: &str = "examples/data/b2b_contacts.csv";
const EVENTS: &str = "examples/data/b2b_events.csv";

/// A scratch folder of this test file's own (names are shared across
/// test binaries that run at the same time).
fn temp_dir(name: &str) -> PathBuf {
    common::scratch(&format!("simulate-{name}"))
}

fn stdout(output: &Run) -> String {
    output.stdout.clone()
}

fn stderr(output: &Run) -> String {
    output.stderr.clone()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_main_job_reports_a_readable_funnel() {
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("Nothing was sent"));
    insta::assert_snapshot!("b2b_human_report", report);
}

#[test]
fn the_json_report_has_the_fixed_keys() {
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--format",
        "json",
        "--by",
        "channel",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    for key in [
        "contacts",
        "from",
        "to",
        "stages",
        "transitions",
        "rules",
        "actions",
        "data",
    ] {
        assert!(report.get(key).is_some(), "missing key {key}");
    }
    let stage = &report["stages"][0];
    for key in ["stage", "at_start", "at_end", "entered"] {
        assert!(stage.get(key).is_some(), "stage entry lacks {key}");
    }
    let transition = &report["transitions"][0];
    for key in ["from", "to", "count", "median_days"] {
        assert!(transition.get(key).is_some(), "transition lacks {key}");
    }
    let data = &report["data"];
    for input in ["contacts", "events"] {
        let read = data[input]["read"].as_u64().unwrap();
        let used = data[input]["used"].as_u64().unwrap();
        let rejected = data[input]["rejected"].as_u64().unwrap();
        assert_eq!(read, used + rejected, "{input} reconcile");
    }
    assert_eq!(report["by"]["field"], "channel");
    insta::assert_json_snapshot!("b2b_json_report", report);
}

#[test]
fn output_is_identical_for_one_and_two_threads() {
    let dir = temp_dir("threads");
    let mut results = Vec::new();
    for threads in ["1", "2"] {
        let outbox = dir.join(format!("outbox-{threads}.jsonl"));
        let output = nurture(&[
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--format",
            "json",
            "--threads",
            threads,
            "--outbox",
            outbox.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0));
        results.push((stdout(&output), std::fs::read_to_string(&outbox).unwrap()));
    }
    assert_eq!(results[0], results[1]);
}

#[test]
fn the_outbox_holds_every_action_as_a_json_line() {
    let dir = temp_dir("outbox");
    let outbox = dir.join("outbox.jsonl");
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--format",
        "json",
        "--outbox",
        outbox.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let actions_in_report: u64 = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["count"].as_u64().unwrap())
        .sum();
    let lines = std::fs::read_to_string(&outbox).unwrap();
    let mut count = 0;
    for line in lines.lines() {
        let action: serde_json::Value = serde_json::from_str(line).unwrap();
        for key in ["at", "contact", "rule", "action", "details", "status"] {
            assert!(action.get(key).is_some(), "outbox line lacks {key}: {line}");
        }
        count += 1;
    }
    assert_eq!(count, actions_in_report);
}

#[test]
fn a_timeline_tells_one_contacts_story() {
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--timeline",
        "c023",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    let timeline = &report[report
        .find("Timeline of contact c023")
        .expect("timeline present")..];
    insta::assert_snapshot!("b2b_timeline_c023", timeline);
}

#[test]
fn explain_shows_every_rule_and_clause() {
    let output = nurture(&[
        "explain",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--contact",
        "c023",
        "--at",
        "2025-06-01",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("rule lead_to_mql"));
    assert!(text.contains('✓') || text.contains('✗'));
    insta::assert_snapshot!("b2b_explain_c023", text);

    let json = nurture(&[
        "explain",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--contact",
        "c023",
        "--at",
        "2025-06-01",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["contact"], "c023");
    assert!(value["rules"].as_array().unwrap().len() > 10);
}

#[test]
fn explain_of_an_unknown_contact_is_a_usage_error() {
    let output = nurture(&[
        "explain",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--contact",
        "nobody",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no contact with id `nobody`"));
}

const TINY_RULES: &str = "stages Subscriber, Lead\n\
field channel: text\n\
email welcome\n\
rule hello:\n  when stage is Subscriber\n  then send email welcome\n\
rule lead:\n  when opened email welcome\n  then move to Lead\n";

#[test]
fn bad_rows_stop_the_run_unless_skipped() {
    let dir = temp_dir("bad-rows");
    let rules = write(&dir, "rules.nurture", TINY_RULES);
    let contacts = write(
        &dir,
        "contacts.csv",
        "id,channel,stage\nc1,ads,Subscriber\nc2,ads,Nowhere\nc3,seo,Subscriber\n",
    );
    let events = write(
        &dir,
        "events.csv",
        "contact_id,type,at,email\nc1,email.opened,2025-01-02T10:00:00Z,welcome\nc9,email.opened,2025-01-03T10:00:00Z,welcome\nc3,email.opened,not-a-time,welcome\n",
    );
    let stopped = nurture(&[
        "simulate",
        &rules,
        "--contacts",
        &contacts,
        "--events",
        &events,
    ]);
    assert_eq!(stopped.status.code(), Some(2));
    let errors = stderr(&stopped);
    assert!(errors.contains("contacts.csv:3"), "{errors}");
    assert!(errors.contains("events.csv:3"), "{errors}");
    assert!(errors.contains("events.csv:4"), "{errors}");
    assert!(
        stdout(&stopped).is_empty(),
        "nothing is reported when the data is bad"
    );

    let skipped = nurture(&[
        "simulate",
        &rules,
        "--contacts",
        &contacts,
        "--events",
        &events,
        "--skip-bad-rows",
        "--format",
        "json",
    ]);
    assert_eq!(skipped.status.code(), Some(0), "{}", stderr(&skipped));
    let report: serde_json::Value = serde_json::from_str(&stdout(&skipped)).unwrap();
    assert_eq!(report["data"]["contacts"]["read"], 3);
    assert_eq!(report["data"]["contacts"]["used"], 2);
    assert_eq!(report["data"]["contacts"]["rejected"], 1);
    assert_eq!(report["data"]["events"]["read"], 3);
    assert_eq!(report["data"]["events"]["used"], 1);
    assert_eq!(report["data"]["events"]["rejected"], 2);
}

#[test]
fn rules_with_errors_cannot_be_simulated() {
    let dir = temp_dir("broken-rules");
    let rules = write(
        &dir,
        "rules.nurture",
        "stages A\nrule r:\n  when stage is B\n  then move to A\n",
    );
    let events = write(
        &dir,
        "events.csv",
        "contact_id,type,at\nc1,unsubscribed,2025-01-01T00:00:00Z\n",
    );
    let output = nurture(&["simulate", &rules, "--events", &events]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("E0201"));
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--tick",
            "soon",
        ],
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--by",
            "chanel",
        ],
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--from",
            "2025-13-01",
        ],
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            "missing.csv",
        ],
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--threads",
            "0",
        ],
        vec![
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--format",
            "xml",
        ],
    ] {
        let output = nurture(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let suggestion = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--by",
        "chanel",
    ]);
    assert!(stderr(&suggestion).contains("did you mean `channel`?"));
}

#[test]
fn a_period_limits_the_run() {
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        CONTACTS,
        "--events",
        EVENTS,
        "--format",
        "json",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    // Midnight in Warsaw (CET, UTC+1) and the end of 31 March (CEST, UTC+2).
    assert_eq!(report["from"], "2025-02-28T23:00:00Z");
    assert_eq!(report["to"], "2025-03-31T21:59:59Z");
}

#[test]
fn generated_data_loads_and_simulates_with_nothing_rejected() {
    let dir = temp_dir("generate");
    let out = dir.join("data");
    let generated = nurture(&[
        "generate",
        "--contacts",
        "300",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "11",
    ]);
    assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    let contacts = out.join("contacts.csv");
    let events = out.join("events.csv");
    let output = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        contacts.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["contacts"], 300);
    assert_eq!(report["data"]["events"]["rejected"], 0);
    assert_eq!(report["data"]["contacts"]["rejected"], 0);
    // The same seed gives the same files.
    let again = dir.join("again");
    nurture(&[
        "generate",
        "--contacts",
        "300",
        "--out",
        again.to_str().unwrap(),
        "--seed",
        "11",
    ]);
    assert_eq!(
        std::fs::read(&events).unwrap(),
        std::fs::read(again.join("events.csv")).unwrap()
    );
}
