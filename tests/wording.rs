//! Small slips a newcomer notices: counts read as English ("1 day",
//! "1 test", "fired 1 time", never "(s)"), and `segments` does not speak of
//! a simulation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{nurture, nurture_in};

const RULES: &str = "examples/b2b_lifecycle.nurture";
const CONTACTS: &str = "examples/data/b2b_contacts.csv";
const EVENTS: &str = "examples/data/b2b_events.csv";

#[test]
fn no_output_of_the_main_commands_counts_with_an_s_in_brackets() {
    let runs = [
        nurture(&["check", "examples/"]),
        nurture(&["test", "examples/"]),
        nurture(&[
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
        ]),
        nurture(&[
            "simulate",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--timeline",
            "c042",
        ]),
        nurture(&[
            "explain",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
            "--contact",
            "c042",
        ]),
        nurture(&[
            "segments",
            RULES,
            "--contacts",
            CONTACTS,
            "--events",
            EVENTS,
        ]),
    ];
    for run in runs {
        assert_eq!(run.code(), Some(0), "{}", run.stderr);
        for text in [&run.stdout, &run.stderr] {
            assert!(!text.contains("(s)"), "{}", common::clip(text));
        }
    }
}

#[test]
fn one_of_a_thing_is_singular() {
    let dir = common::scratch("wording-one");
    std::fs::write(
        dir.join("r.nurture"),
        "stages Lead, MQL\nemail welcome\n\nrule to_mql:\n  when opened email welcome\n  then move to MQL\n\n\
         test \"an open makes an MQL\" {\n  given contact stage Lead\n  events\n    2025-01-01T10:00:00Z opened email welcome\n  expect stage MQL\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("e.csv"),
        "contact_id,type,at,email\nc1,email.opened,2025-01-01T10:00:00Z,welcome\n",
    )
    .unwrap();
    let test = nurture_in(&dir, &["test", "r.nurture"]);
    assert!(
        test.stdout.contains("1 passed, 0 failed, 1 test in 1 file"),
        "{}",
        test.stdout
    );
    let simulate = nurture_in(
        &dir,
        &[
            "simulate",
            "r.nurture",
            "--events",
            "e.csv",
            "--to",
            "2025-01-01",
        ],
    );
    assert!(
        simulate.stdout.starts_with(
            "Dry run of \"campaign\": 1 contact, 2025-01-01 to 2025-01-01 (1 day, UTC)"
        ),
        "{}",
        simulate.stdout
    );
    let explain = nurture_in(
        &dir,
        &[
            "explain",
            "r.nurture",
            "--events",
            "e.csv",
            "--contact",
            "c1",
        ],
    );
    assert!(
        explain
            .stdout
            .contains("fired 1 time, last at 2025-01-01 10:00 +00:00"),
        "{}",
        explain.stdout
    );
    let segments = nurture_in(&dir, &["segments", "r.nurture", "--events", "e.csv"]);
    assert!(
        segments
            .stdout
            .contains(", 1 contact, before any rule runs"),
        "{}",
        segments.stdout
    );
}

#[test]
fn bad_rows_stop_segments_without_speaking_of_a_simulation() {
    let dir = common::scratch("wording-bad-rows");
    std::fs::write(
        dir.join("r.nurture"),
        "stages Lead\nsegment all = points >= 0\n",
    )
    .unwrap();
    std::fs::write(dir.join("c.csv"), "id,points\nc1,many\n").unwrap();
    let run = nurture_in(&dir, &["segments", "r.nurture", "--contacts", "c.csv"]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: 1 bad row; nothing was run."),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("simulated"), "{}", run.stderr);
}
