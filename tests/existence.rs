//! When a contact exists (docs/language.md, "When a contact exists"): one
//! meaning for `segments`, `simulate` and `explain`. A contact derived from
//! the events exists from its first event; one with `created_at` from then
//! (or from an earlier event); one without `created_at` throughout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::nurture;
use std::path::{Path, PathBuf};

const RULES: &str = r#"stages Potential, Customer

campaign "Existence" {
  timezone "Europe/Berlin"
}

segment everyone = points >= 0
segment browsers = no purchase

rule buyer:
  when purchased at least 1 time
  then move to Customer
"#;

// `a` first appears on 10 January, `b` on 5 January.
const EVENTS: &str = "contact_id,type,at,amount
a,purchase,2025-01-10T10:00:00Z,20
b,page.visited,2025-01-05T10:00:00Z,
b,purchase,2025-02-10T10:00:00Z,30
";

// `c` is created on 20 January but visits on 8 January (the event wins);
// `d` has no created_at and no events: it exists throughout.
const CONTACTS: &str = "id,created_at
c,2025-01-20T00:00:00Z
d,
";

const CONTACT_EVENTS: &str = "contact_id,type,at
c,page.visited,2025-01-08T10:00:00Z
";

fn setup(name: &str) -> PathBuf {
    let dir = common::scratch(&format!("existence-{name}"));
    std::fs::write(dir.join("r.nurture"), RULES).unwrap();
    std::fs::write(dir.join("e.csv"), EVENTS).unwrap();
    std::fs::write(dir.join("c.csv"), CONTACTS).unwrap();
    std::fs::write(dir.join("ce.csv"), CONTACT_EVENTS).unwrap();
    dir
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// (contacts, everyone, browsers) from `segments --format json`.
fn segment_counts(dir: &Path, data: &[&str], at: &str) -> (u64, u64, u64) {
    let rules = path(dir, "r.nurture");
    let mut args = vec!["segments", rules.as_str(), "--format", "json", "--at", at];
    args.extend_from_slice(data);
    let run = nurture(&args);
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    let n = |name: &str| {
        json["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["segment"] == name)
            .unwrap()["contacts"]
            .as_u64()
            .unwrap()
    };
    (
        json["contacts"].as_u64().unwrap(),
        n("everyone"),
        n("browsers"),
    )
}

#[test]
fn segments_count_derived_contacts_only_from_their_first_event() {
    let dir = setup("segments");
    let events = path(&dir, "e.csv");
    let data = ["--events", events.as_str()];
    // Before anyone appears: nobody, not even a "potential" customer.
    assert_eq!(segment_counts(&dir, &data, "2025-01-01"), (0, 0, 0));
    // `b` has appeared (and has not bought); `a` has not appeared yet.
    assert_eq!(segment_counts(&dir, &data, "2025-01-07"), (1, 1, 1));
    // Both exist; `a` bought on the 10th.
    assert_eq!(segment_counts(&dir, &data, "2025-01-11"), (2, 2, 1));
    // The instant of the first event itself: it exists then.
    assert_eq!(
        segment_counts(&dir, &data, "2025-01-10T10:00:00Z"),
        (2, 2, 1)
    );
}

#[test]
fn an_event_before_created_at_brings_existence_forward_and_no_created_at_means_always() {
    let dir = setup("created");
    let contacts = path(&dir, "c.csv");
    let events = path(&dir, "ce.csv");
    let data = ["--contacts", contacts.as_str(), "--events", events.as_str()];
    assert_eq!(
        segment_counts(&dir, &data, "2025-01-01"),
        (1, 1, 1),
        "only d"
    );
    assert_eq!(
        segment_counts(&dir, &data, "2025-01-09"),
        (2, 2, 2),
        "c and d"
    );
}

#[test]
fn simulate_leaves_a_contact_that_does_not_exist_yet_out_of_the_segments_at_the_end() {
    let dir = setup("simulate");
    let rules = path(&dir, "r.nurture");
    let events = path(&dir, "e.csv");
    let run = nurture(&[
        "simulate",
        &rules,
        "--events",
        &events,
        "--to",
        "2025-01-07",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    let text = json.to_string();
    // The same instant through `segments` gives the same membership.
    let (_, everyone, browsers) = segment_counts(
        &dir,
        &["--events", events.as_str()],
        "2025-01-07T23:59:59+01:00",
    );
    assert_eq!((everyone, browsers), (1, 1));
    let segments = json["segments_at_end"]
        .as_array()
        .unwrap_or_else(|| panic!("no segments_at_end in {text}"));
    let n = |name: &str| {
        segments.iter().find(|s| s["segment"] == name).unwrap()["contacts"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (n("everyone"), n("browsers")),
        (everyone, browsers),
        "{text}"
    );
}

#[test]
fn explain_before_a_contact_exists_says_so_and_explains_no_rule() {
    let dir = setup("explain");
    let rules = path(&dir, "r.nurture");
    let events = path(&dir, "e.csv");
    let run = nurture(&[
        "explain",
        &rules,
        "--events",
        &events,
        "--contact",
        "a",
        "--at",
        "2025-01-07",
    ]);
    assert_eq!(run.code(), Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("not created yet: the contact exists from 2025-01-10 11:00 +01:00"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("rule buyer"), "{}", run.stdout);
    let run = nurture(&[
        "explain",
        &rules,
        "--events",
        &events,
        "--contact",
        "a",
        "--at",
        "2025-01-07",
        "--format",
        "json",
    ]);
    let json = run.json();
    assert_eq!(json["exists"], false);
    assert_eq!(json["exists_from"], "2025-01-10T10:00:00Z");
    assert_eq!(json["rules"].as_array().unwrap().len(), 0);
    // Once it exists, the rules are explained as before.
    let run = nurture(&[
        "explain",
        &rules,
        "--events",
        &events,
        "--contact",
        "a",
        "--at",
        "2025-01-11",
    ]);
    assert!(run.stdout.contains("rule buyer"), "{}", run.stdout);
    assert!(!run.stdout.contains("not created yet"), "{}", run.stdout);
}
