//! Times a person reads are campaign-local with their UTC offset, one zone
//! per line; machine output stays RFC 3339 UTC (issue: "times in one zone
//! per line").

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::nurture_in;

const RULES: &str = r#"stages Lead, MQL
email welcome

campaign "Times" {
  timezone "Europe/Berlin"
}

segment engaged = opened 2 emails in last 7 days

rule to_mql:
  when opened 2 emails in last 7 days
  then move to MQL

test "two opens in a week make an MQL" {
  given contact stage Lead
  events
    2025-02-20T10:00:00Z opened email welcome
  at 2025-03-01
  expect stage MQL
}
"#;

fn setup(name: &str) -> std::path::PathBuf {
    let dir = common::scratch(&format!("local-times-{name}"));
    std::fs::write(dir.join("r.nurture"), RULES).unwrap();
    std::fs::write(
        dir.join("e.csv"),
        "contact_id,type,at,email\nc1,email.opened,2025-02-27T10:00:00Z,welcome\n",
    )
    .unwrap();
    dir
}

#[test]
fn segments_at_a_date_prints_local_midnight_with_its_offset_and_json_stays_utc() {
    let dir = setup("segments");
    let run = nurture_in(
        &dir,
        &[
            "segments",
            "r.nurture",
            "--events",
            "e.csv",
            "--at",
            "2025-03-01",
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "At 2025-03-01 00:00 +01:00 (Europe/Berlin), 1 contact, before any rule runs:"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("2025-02-28T23:00:00Z"),
        "{}",
        run.stdout
    );
    let run = nurture_in(
        &dir,
        &[
            "segments",
            "r.nurture",
            "--events",
            "e.csv",
            "--at",
            "2025-03-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.json()["at"], "2025-02-28T23:00:00Z");
}

#[test]
fn a_failing_test_shows_its_window_in_campaign_time() {
    let dir = setup("test");
    let run = nurture_in(&dir, &["test", "r.nurture"]);
    assert_eq!(run.code(), Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "0 matching events in (2025-02-22 00:00 +01:00, 2025-03-01 00:00 +01:00]; needs at least 2"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("T23:00:00Z"), "{}", run.stdout);
    assert!(
        run.stdout.contains("rule to_mql: fired 0 times"),
        "{}",
        run.stdout
    );
}
