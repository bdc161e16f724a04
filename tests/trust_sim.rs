//! The simulator's time semantics and run bounds (issue 10): each result
//! bug, hole and documented edge with its hand-worked expectation, through
//! the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, scratch, Run};
use serde_json::Value;
use std::path::Path;

/// Writes `rules`, `contacts` and `events` into a fresh folder.
fn setup(name: &str, rules: &str, contacts: &str, events: &str) -> std::path::PathBuf {
    let dir = scratch(&format!("trust-sim-{name}"));
    std::fs::write(dir.join("rules.nurture"), rules).unwrap();
    std::fs::write(dir.join("contacts.csv"), contacts).unwrap();
    std::fs::write(dir.join("events.csv"), events).unwrap();
    dir
}

/// `simulate` with an outbox; the outbox lines parsed.
fn outbox(dir: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "simulate",
        "rules.nurture",
        "--contacts",
        "contacts.csv",
        "--events",
        "events.csv",
        "--outbox",
        "outbox.jsonl",
    ];
    args.extend_from_slice(extra);
    let run = nurture_in(dir, &args);
    run.assert_clean_exit("simulate");
    assert_eq!(run.code(), Some(0), "stderr:\n{}", run.stderr);
    std::fs::read_to_string(dir.join("outbox.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `(at, action target, status)` of every outbox line.
fn actions(lines: &[Value]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .map(|l| {
            (
                l["at"].as_str().unwrap().to_string(),
                format!(
                    "{} {}",
                    l["action"].as_str().unwrap(),
                    l["target"].as_str().unwrap_or("")
                )
                .trim()
                .to_string(),
                l["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn triple(at: &str, what: &str, status: &str) -> (String, String, String) {
    (at.to_string(), what.to_string(), status.to_string())
}

// ------------------------------------------------------ result bug 1: decay

/// The lines of a timeline that report decay, without the time stamps.
fn decays(dir: &Path, contact: &str) -> Vec<String> {
    let run = nurture_in(
        dir,
        &[
            "simulate",
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--from",
            "2025-01-01",
            "--to",
            "2025-03-15",
            "--timeline",
            contact,
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    run.stdout
        .lines()
        .filter(|l| l.contains("decayed") || l.contains("end:"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn percentage_decay_takes_the_percentage_rounded_down() {
    let dir = setup(
        "decay",
        "stages Lead\ndecay points by 10% every 30 days\n",
        "id,stage,points\nfive,Lead,5\nfifteen,Lead,15\nnegative,Lead,-20\n",
        "contact_id,type,at\n",
    );
    // 10% of 5 is 0.5, rounded down to 0: five points stay five, and no
    // decay is reported.
    assert_eq!(decays(&dir, "five"), ["end: stage Lead, 5 points"]);
    // 10% of 15 is 1.5 → 1 (Jan 31), 10% of 14 is 1.4 → 1 (Mar 2).
    assert_eq!(
        decays(&dir, "fifteen"),
        [
            "2025-01-31 00:00 +00:00  points decayed from 15 to 14",
            "2025-03-02 00:00 +00:00  points decayed from 14 to 13",
            "end: stage Lead, 13 points",
        ]
    );
    // A negative balance does not decay.
    assert_eq!(decays(&dir, "negative"), ["end: stage Lead, -20 points"]);
}

#[test]
fn a_decay_period_in_days_ends_on_the_calendar_day_across_dst() {
    // Warsaw moves to summer time on 2025-03-30: 30 calendar days from
    // 2025-03-01 00:00 is 2025-03-31 00:00 CEST, 23 hours short of 30 × 24.
    let dir = setup(
        "decay-dst",
        "stages Lead\ncampaign \"c\" {\n  timezone \"Europe/Warsaw\"\n}\ndecay points by 5 every 30 days\n",
        "id,stage,points\nc1,Lead,20\n",
        "contact_id,type,at\n",
    );
    let run = nurture_in(
        &dir,
        &[
            "simulate",
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "--timeline",
            "c1",
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("2025-03-31 00:00 +02:00  points decayed from 20 to 15"),
        "{}",
        run.stdout
    );
}

// ------------------------------------------------ result bug 2: exact hours

const WAITS: &str = r#"stages Lead

campaign "c" {
  timezone "Europe/Warsaw"
}

form f24
form f48
form f3
form d1

on submitted form f24 then wait 24 hours, add tag "t24"
on submitted form f48 then wait 48 hours, add tag "t48"
on submitted form f3 then wait 3 hours, add tag "t3"
on submitted form d1 then wait 1 day, add tag "d1"
"#;

#[test]
fn waits_in_hours_are_exact_and_in_days_calendar_across_dst() {
    let dir = setup(
        "waits",
        WAITS,
        "id,stage\nc1,Lead\n",
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-03-29T12:00:00Z,f24\n\
         c1,form.submitted,2025-03-29T12:00:00Z,f48\n\
         c1,form.submitted,2025-03-29T12:00:00Z,f3\n\
         c1,form.submitted,2025-03-29T12:00:00Z,d1\n",
    );
    let lines = outbox(&dir, &["--to", "2025-04-01"]);
    let mut got = actions(&lines);
    got.sort();
    assert_eq!(
        got,
        [
            // 1 day: 13:00 local on the 29th (CET) to 13:00 local on the
            // 30th (CEST), 23 real hours.
            triple("2025-03-30T11:00:00Z", "add tag d1", "done"),
            // 24 and 48 hours are real hours.
            triple("2025-03-30T12:00:00Z", "add tag t24", "done"),
            triple("2025-03-29T15:00:00Z", "add tag t3", "done"),
            triple("2025-03-31T12:00:00Z", "add tag t48", "done"),
        ]
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
}

#[test]
fn repeat_every_hours_is_exact_across_dst() {
    // Fires at the run start (2025-03-29 00:00 CET = 03-28T23:00Z), and
    // again every 24 real hours at the next tick or event at or after
    // that: hourly ticks make the instants visible.
    let dir = setup(
        "repeat-hours",
        "stages Lead\ncampaign \"c\" {\n  timezone \"Europe/Warsaw\"\n}\nrule r:\n  when stage = Lead\n  then add 1 point\n  repeat every 24 hours\n",
        "id,stage\nc1,Lead\n",
        "contact_id,type,at\n",
    );
    let lines = outbox(
        &dir,
        &[
            "--from",
            "2025-03-29",
            "--to",
            "2025-03-30T23:30:00Z",
            "--tick",
            "1 hour",
        ],
    );
    let at: Vec<&str> = lines.iter().map(|l| l["at"].as_str().unwrap()).collect();
    assert_eq!(
        at,
        [
            "2025-03-28T23:00:00Z",
            "2025-03-29T23:00:00Z",
            "2025-03-30T23:00:00Z"
        ]
    );
}

// ------------------------------------------- result bug 3: wait until 09:00

#[test]
fn wait_until_a_time_at_that_time_goes_on_now() {
    let dir = setup(
        "wait-until",
        "stages Lead\ncampaign \"c\" {\n  timezone \"Europe/Warsaw\"\n}\nform a\nform b\n\
         on submitted form a then wait until 09:00, add tag \"now\"\n\
         on submitted form b then wait until 09:00, add tag \"tomorrow\"\n",
        "id,stage\nc1,Lead\n",
        // 08:00Z is 09:00 in Warsaw in winter; 08:00:30Z is past it.
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-01-10T08:00:00Z,a\n\
         c1,form.submitted,2025-01-10T08:00:30Z,b\n",
    );
    let lines = outbox(&dir, &["--to", "2025-01-12"]);
    assert_eq!(
        actions(&lines),
        [
            triple("2025-01-10T08:00:00Z", "add tag now", "done"),
            triple("2025-01-11T08:00:00Z", "add tag tomorrow", "done"),
        ]
    );
}

// ------------------------------------------------------- hole 7: run limits

/// Runs the binary under `prlimit --as=BYTES`, so an unbounded allocation
/// fails (abort or allocation error) instead of taking the machine.
fn limited(dir: &Path, bytes: u64, args: &[&str]) -> Run {
    common::nurture_memory_limited(dir, args, bytes, common::StdinFrom::Null)
}

const GIB: u64 = 1 << 30;

const NUDGE: &str = "stages Lead\n\nrule nudge:\n  when stage = Lead\n  then add 1 point\n  repeat every 1 minute\n";

fn nudge_dir(name: &str) -> std::path::PathBuf {
    let contacts: String = (1..=8).map(|i| format!("c{i},Lead\n")).collect();
    setup(
        name,
        NUDGE,
        &format!("id,stage\n{contacts}"),
        "contact_id,type,at\n",
    )
}

fn simulate_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "simulate",
        "rules.nurture",
        "--contacts",
        "contacts.csv",
        "--events",
        "events.csv",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn too_many_ticks_is_refused_before_planning() {
    let dir = nudge_dir("ticks");
    for (from, to, planned) in [
        ("2025-01-01", "2035-01-01", "5,260,321"),
        ("0001-01-01", "9999-12-31", "5,258,964,961"),
    ] {
        let run = limited(
            &dir,
            GIB,
            &simulate_args(&["--tick", "1 minute", "--from", from, "--to", to]),
        );
        run.assert_clean_exit("too many ticks");
        assert_eq!(run.code(), Some(2), "{}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!(
                "error[E0801]: the period and the tick make {planned} evaluation ticks, more than the limit of 1,000,000"
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("raise --max-ticks"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    // explain plans ticks from --from to --at the same way.
    std::fs::write(
        dir.join("one.csv"),
        "contact_id,type,at\nc1,unsubscribed,2025-01-01T00:00:00Z\n",
    )
    .unwrap();
    let run = limited(
        &dir,
        GIB,
        &[
            "explain",
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "one.csv",
            "--contact",
            "c1",
            "--tick",
            "1 minute",
            "--from",
            "0001-01-01",
            "--at",
            "9999-12-31",
        ],
    );
    run.assert_clean_exit("explain");
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.starts_with("error[E0801]"), "{}", run.stderr);
    assert!(run.stderr.contains("a later --from"), "{}", run.stderr);
}

#[test]
fn a_runaway_contact_stops_the_run_within_memory() {
    let dir = nudge_dir("runaway");
    // Ten years of minute ticks, allowed: 8 contacts firing every minute
    // kept 1.7 GB for 2 contacts before the limit.
    let run = limited(
        &dir,
        GIB,
        &simulate_args(&[
            "--tick",
            "1 minute",
            "--from",
            "2025-01-01",
            "--to",
            "2035-01-01",
            "--max-ticks",
            "6000000",
            "--outbox",
            "outbox.jsonl",
        ]),
    );
    run.assert_clean_exit("runaway");
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    // 10,000 firings a minute apart from 2025-01-01 00:00: the 10,001st
    // would be at minute 10,000, 2025-01-07 22:40.
    assert_eq!(
        run.stderr,
        "error[E0802]: contact `c1` went past 10,000 rule firings at 2025-01-07 22:40 +00:00 (rule `nudge`); the run stopped there, and its results would be incomplete\n  \
         help: a rule that repeats very often (`repeat every 1 minute`) or a very long period makes this many; check the rule, or raise --max-actions-per-contact\n"
    );
    assert_eq!(run.stdout, "");
    // No contact got into the outbox: c1 is the first.
    assert_eq!(
        std::fs::read_to_string(dir.join("outbox.jsonl")).unwrap(),
        ""
    );
}

#[test]
fn a_raised_record_limit_lets_a_busy_contact_finish() {
    let dir = nudge_dir("raised");
    // Thirty days of minutes: 43,200 firings per contact.
    let run = limited(
        &dir,
        GIB,
        &simulate_args(&[
            "--tick",
            "1 minute",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-30",
            "--max-actions-per-contact",
            "50000",
            "--format",
            "json",
        ]),
    );
    run.assert_clean_exit("raised");
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let report = run.json();
    let points: u64 = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "add points")
        .map(|a| a["count"].as_u64().unwrap())
        .sum();
    assert_eq!(points, 8 * 30 * 1440);
}

// ----------------------------------------------- edges the docs now settle

const SENDS: &str = r#"stages Lead

campaign "c" {
  timezone "UTC"
  quiet hours 21:00 to 08:00
  at most 1 email per 2 days then drop
}

email hello
form go

on submitted form go then send email hello again
"#;

#[test]
fn quiet_hours_start_at_their_first_minute_and_end_before_their_last() {
    let dir = setup(
        "quiet",
        &SENDS.replace("  at most 1 email per 2 days then drop\n", ""),
        "id,stage\nc1,Lead\nc2,Lead\nc3,Lead\n",
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-01-06T20:59:59Z,go\n\
         c2,form.submitted,2025-01-06T21:00:00Z,go\n\
         c3,form.submitted,2025-01-07T08:00:00Z,go\n",
    );
    let lines = outbox(&dir, &["--to", "2025-01-08"]);
    let status: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["contact"].as_str().unwrap(),
                l["status"].as_str().unwrap(),
                l["deliver_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("c1", "sent", "2025-01-06T20:59:59Z"),
            ("c2", "delayed", "2025-01-07T08:00:00Z"),
            ("c3", "sent", "2025-01-07T08:00:00Z"),
        ]
    );
}

#[test]
fn a_cap_window_excludes_its_far_edge_and_drops_do_not_count() {
    let dir = setup(
        "cap",
        &SENDS.replace("  quiet hours 21:00 to 08:00\n", ""),
        "id,stage\nc1,Lead\n",
        // Monday 10:00, Wednesday 09:59:59 (inside the 2 days: dropped),
        // Wednesday 10:00 (exactly 2 days on: outside the window, and the
        // drop before does not count, so it goes).
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-01-06T10:00:00Z,go\n\
         c1,form.submitted,2025-01-08T09:59:59Z,go\n\
         c1,form.submitted,2025-01-08T10:00:00Z,go\n",
    );
    let lines = outbox(&dir, &["--to", "2025-01-09"]);
    assert_eq!(
        actions(&lines),
        [
            triple("2025-01-06T10:00:00Z", "send email hello", "sent"),
            triple("2025-01-08T09:59:59Z", "send email hello", "dropped"),
            triple("2025-01-08T10:00:00Z", "send email hello", "sent"),
        ]
    );
}

#[test]
fn from_is_an_evaluation_instant_and_a_to_date_covers_its_day() {
    let dir = setup(
        "period",
        "stages Lead\nform late\nrule seen:\n  when stage = Lead\n  then add tag \"seen\"\non submitted form late then add tag \"late\"\n",
        "id,stage\nc1,Lead\n",
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-01-02T23:59:59Z,late\n\
         c1,form.submitted,2025-01-03T00:00:00Z,late\n",
    );
    let lines = outbox(
        &dir,
        &["--from", "2025-01-01T10:00:00Z", "--to", "2025-01-02"],
    );
    assert_eq!(
        actions(&lines),
        [
            // At the start of the run, not at the next midnight.
            triple("2025-01-01T10:00:00Z", "add tag seen", "done"),
            // 23:59:59 of the --to day is in the run; the next 00:00 is not.
            triple("2025-01-02T23:59:59Z", "add tag late", "done"),
        ]
    );
}

#[test]
fn different_pages_are_told_apart_without_query_strings() {
    let dir = setup(
        "pages",
        "stages Lead\nrule two:\n  when visited 2 different pages\n  then add tag \"two\"\n",
        "id,stage\nc1,Lead\n",
        "contact_id,type,at,url\n\
         c1,page.visited,2025-01-06T10:00:00Z,/pricing?ref=a\n\
         c1,page.visited,2025-01-06T11:00:00Z,/pricing?ref=b#plans\n\
         c1,page.visited,2025-01-06T12:00:00Z,/docs\n",
    );
    let lines = outbox(&dir, &[]);
    assert_eq!(
        actions(&lines),
        [triple("2025-01-06T12:00:00Z", "add tag two", "done")]
    );
}

// ------------------------------------------------------------- the outbox

/// The JSON lines docs/data.md shows under "The outbox".
fn documented_outbox() -> Vec<String> {
    let docs = std::fs::read_to_string(common::root().join("docs/data.md")).unwrap();
    let section = docs
        .split("## The outbox")
        .nth(1)
        .expect("docs/data.md has a section on the outbox");
    let block = section
        .split("```json\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section shows outbox lines");
    block.lines().map(str::to_string).collect()
}

#[test]
fn the_outbox_tells_the_final_fate_of_each_send_as_the_docs_show() {
    let dir = setup(
        "outbox",
        "stages Lead\n\ncampaign \"Outbox\" {\n  timezone \"UTC\"\n  quiet hours 21:00 to 08:00\n}\n\nemail welcome\nform demo\n\non submitted form demo then send email welcome\n",
        "id,stage\nc1,Lead\nc2,Lead\nc3,Lead\n",
        "contact_id,type,at,form\n\
         c1,form.submitted,2025-01-06T12:00:00Z,demo\n\
         c2,form.submitted,2025-01-06T22:00:00Z,demo\n\
         c3,form.submitted,2025-01-06T22:00:00Z,demo\n\
         c3,unsubscribed,2025-01-06T23:30:00Z,\n",
    );
    outbox(&dir, &["--from", "2025-01-06", "--to", "2025-01-07"]);
    let written = std::fs::read_to_string(dir.join("outbox.jsonl")).unwrap();
    let written: Vec<String> = written.lines().map(str::to_string).collect();
    assert_eq!(written, documented_outbox());
    // Hand-worked: the withdrawn send keeps its decision time, what held it
    // and until when, and when and why it was withdrawn.
    let withdrawn: Value = serde_json::from_str(&written[2]).unwrap();
    assert_eq!(withdrawn["at"], "2025-01-06T22:00:00Z");
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["held_by"], "quiet hours");
    assert_eq!(withdrawn["held_until"], "2025-01-07T08:00:00Z");
    assert_eq!(withdrawn["withdrawn_at"], "2025-01-06T23:30:00Z");
    assert_eq!(withdrawn["reason"], "contact unsubscribed");
    // The report still counts it as suppressed, by its reason.
    let run = nurture_in(
        &dir,
        &[
            "simulate",
            "rules.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--from",
            "2025-01-06",
            "--to",
            "2025-01-07",
            "--format",
            "json",
        ],
    );
    let report = run.json();
    let send = &report["actions"][0];
    assert_eq!(send["sent"], 1, "{send}");
    assert_eq!(send["delayed"], 1, "{send}");
}

// ---------------------------------------------- E08xx docs quote the truth

/// Every `$ nurture …` example in the E0801/E0802 sections of
/// docs/diagnostics.md, run on the E0801 example, prints what the docs
/// quote below it.
#[test]
fn run_limit_docs_quote_the_real_output() {
    let docs = std::fs::read_to_string(common::root().join("docs/diagnostics.md")).unwrap();
    let section = docs
        .split("# Running: E08xx")
        .nth(1)
        .and_then(|s| s.split("\n# ").next())
        .expect("docs/diagnostics.md has the Running section");
    let dir = scratch("trust-sim-docs");
    std::fs::write(dir.join("spam.nurture"), NUDGE).unwrap();
    std::fs::write(dir.join("contacts.csv"), "id,stage\nc1,Lead\n").unwrap();
    std::fs::write(dir.join("none.csv"), "contact_id,type,at\n").unwrap();
    let mut examples = 0;
    let mut lines = section.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(command) = line.strip_prefix("$ nurture ") else {
            continue;
        };
        let mut expected = String::new();
        while let Some(out) = lines.next_if(|l| !l.starts_with("```")) {
            expected.push_str(out);
            expected.push('\n');
        }
        // Words as a shell splits them: `--tick "1 minute"` is one argument.
        let args: Vec<String> = command
            .split('"')
            .enumerate()
            .flat_map(|(i, part)| {
                if i % 2 == 1 {
                    vec![part.to_string()]
                } else {
                    part.split_whitespace().map(str::to_string).collect()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = nurture_in(&dir, &args);
        assert_eq!(run.code(), Some(2), "{command}: {}", run.stderr);
        assert_eq!(run.stderr, expected, "{command}");
        examples += 1;
    }
    assert_eq!(examples, 2);
}
