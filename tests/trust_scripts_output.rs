//! Issue 10, through the real binary: the rhai sandbox (hole 6: no
//! `sleep`, host calls charged by the events they walk), script failures
//! reported the same way by every command that runs scripts (result bug 4),
//! and output errors (hole 5: a closed pipe ends quietly, a failed write is
//! E0810 and exit 2, never a panic).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_in, Limits, Run, StdoutTo};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A scratch folder holding `files`.
fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = common::scratch(name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

const CONTACTS: &str =
    "id,stage,created_at\nc1,Lead,2025-01-01T00:00:00Z\nc2,Lead,2025-01-01T00:00:00Z\n";
const EVENTS: &str = "contact_id,type,at,amount\nc1,purchase,2025-01-02T00:00:00Z,5\nc2,purchase,2025-01-02T00:00:00Z,7\n";

/// Rules whose script `spin` never ends (the operations limit stops it).
const SPIN: &str = "stages Lead, Customer\nscript spin ```\nloop { }\n```\n\
                    segment spinning = script spin\n\
                    rule promote: when script spin then move to Customer\n";

fn data_args<'a>(rules: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        rules,
        "--contacts",
        "contacts.csv",
        "--events",
        "events.csv",
    ];
    args.extend_from_slice(extra);
    args
}

fn campaign(name: &str, rules: &str) -> PathBuf {
    folder(
        name,
        &[
            ("r.nurture", rules),
            ("contacts.csv", CONTACTS),
            ("events.csv", EVENTS),
        ],
    )
}

fn assert_no_panic(run: &Run, what: &str) {
    run.assert_clean_exit(what);
}

// ------------------------------------------------------------ hole 6: sleep

#[test]
fn sleep_does_not_exist_in_the_sandbox() {
    let rules = "stages Lead\nscript nap ```\nsleep(3600);\ntrue\n```\nsegment s = script nap\n\
                 test \"naps\" {\n  given contact points 0\n  expect in segment s\n}\n";
    let dir = campaign("sleep", rules);
    let check = nurture_in(&dir, &["check", "r.nurture"]);
    assert_no_panic(&check, "check");
    assert_eq!(check.code(), Some(1), "{}", check.stdout);
    assert!(check.stdout.contains("E0702"), "{}", check.stdout);
    assert!(
        check
            .stdout
            .contains("`sleep` is not available in the sandbox"),
        "{}",
        check.stdout
    );
    // The commands that run scripts refuse the file instead of hanging.
    let simulate = nurture_in(&dir, &{
        let mut a = vec!["simulate"];
        a.extend(data_args("r.nurture", &[]));
        a
    });
    assert_no_panic(&simulate, "simulate");
    assert_eq!(simulate.code(), Some(2), "{}", simulate.stderr);
    let test = nurture_in(&dir, &["test", "r.nurture"]);
    assert_no_panic(&test, "test");
    assert_eq!(test.code(), Some(1), "{}", test.stdout);
    // The same in an imported `.rhai` file, with the float form.
    let dir = folder(
        "sleep-rhai",
        &[
            ("nap.rhai", "fn nap() { sleep(0.5); true }\n"),
            (
                "r.nurture",
                "import \"nap.rhai\"\nstages Lead\nsegment s = script nap\n",
            ),
        ],
    );
    let check = nurture_in(&dir, &["check", "r.nurture"]);
    assert_eq!(check.code(), Some(1), "{}", check.stdout);
    assert!(check.stdout.contains("E0702"), "{}", check.stdout);
}

// ------------------------------------------------- hole 6: host-call cost

/// 20,000 `count()` calls over 100,000 events took 12 s for one evaluation:
/// each call walked every event and cost rhai one operation. Now every
/// event walked spends one of the 1,000,000 event visits of an evaluation,
/// so the script stops after ten walks, with the limit named (E0705).
#[test]
fn many_host_calls_over_many_events_hit_the_event_visits_limit() {
    let mut events = String::from("contact_id,type,at,amount\n");
    for i in 0..100_000 {
        let _ = writeln!(
            events,
            "c1,purchase,2025-01-02T00:{:02}:{:02}Z,1",
            (i / 60) % 60,
            i % 60
        );
    }
    let rules = "stages Lead\n\
        script heavy ```\nlet n = 0;\nfor i in 0..20000 { n += count(\"purchase\"); }\nn > 0\n```\n\
        script caught ```\nlet n = 0;\nfor i in 0..20000 { try { n += count(\"purchase\"); } catch { } }\nn >= 0\n```\n\
        segment heavy = script heavy\nsegment caught = script caught\n";
    let dir = folder(
        "event-visits",
        &[
            ("r.nurture", rules),
            ("contacts.csv", "id,stage\nc1,Lead\n"),
            ("events.csv", &events),
        ],
    );
    let run = nurture_in(
        &dir,
        &data_args("r.nurture", &["--at", "2025-01-03"])
            .into_iter()
            .fold(vec!["segments"], |mut a, x| {
                a.push(x);
                a
            }),
    );
    assert_no_panic(&run, "segments");
    assert_eq!(run.code(), Some(1), "{}\n{}", run.stdout, run.stderr);
    let limit = "error[E0705]: script `heavy` for contact `c1` at 2025-01-03T00:00:00Z: \
                 stopped: the contact view walked more than 1000000 events (limit `event visits`)";
    assert!(run.stderr.contains(limit), "{}", run.stderr);
    // Catching the error does not turn a partial count into a result.
    assert!(
        run.stderr
            .contains("error[E0705]: script `caught` for contact `c1`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: 2 script evaluations failed and counted as false"),
        "{}",
        run.stderr
    );
    // Both segments count the contact as not in (a failed script is false).
    assert!(run.stdout.contains("heavy            0"), "{}", run.stdout);
}

#[test]
fn a_fractional_or_negative_window_fails_with_a_clear_message() {
    let rules = "stages Lead\nscript half ```\ncount(\"purchase\", 7.5) > 0\n```\n\
                 script back ```\ncount(\"purchase\", -3) > 0\n```\n\
                 segment half = script half\nsegment back = script back\n";
    let dir = campaign("fractional-window", rules);
    let mut args = vec!["segments"];
    args.extend(data_args("r.nurture", &["--at", "2025-01-03"]));
    let run = nurture_in(&dir, &args);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "error[E0706]: script `half` for contact `c1` at 2025-01-03T00:00:00Z: failed: \
             Runtime error: `count` was given a window of 7.5 days; a window is a whole number of days (write 7 or 8), or -1 for all time"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the window is -3 days; a window is a whole number of days, 0 or more, or -1 for all time"),
        "{}",
        run.stderr
    );
}

// ------------------------------------- result bug 4: failures, every command

#[test]
fn segments_reports_script_failures_and_exits_1() {
    let dir = campaign("segments-failures", SPIN);
    for format in ["human", "json"] {
        let mut args = vec!["segments"];
        args.extend(data_args(
            "r.nurture",
            &["--at", "2025-01-03", "--format", format],
        ));
        let run = nurture_in(&dir, &args);
        assert_no_panic(&run, "segments");
        assert_eq!(run.code(), Some(1), "{format}: {}", run.stderr);
        // The report is still written, then the failures, in contact order.
        assert!(!run.stdout.is_empty());
        let expected = "error[E0705]: script `spin` for contact `c1` at 2025-01-03T00:00:00Z: \
             stopped: more than 100000 operations (limit `operations`)\n\
             error[E0705]: script `spin` in rule `promote` for contact `c1` at 2025-01-03T00:00:00Z: \
             stopped: more than 100000 operations (limit `operations`)\n\
             error[E0705]: script `spin` for contact `c2` at 2025-01-03T00:00:00Z: \
             stopped: more than 100000 operations (limit `operations`)\n\
             error[E0705]: script `spin` in rule `promote` for contact `c2` at 2025-01-03T00:00:00Z: \
             stopped: more than 100000 operations (limit `operations`)\n\
             error: 4 script evaluations failed and counted as false, so the results above are not what the rules mean\n";
        assert_eq!(run.stderr, expected, "{format}");
    }
}

#[test]
fn simulate_and_explain_report_failures_the_same_way() {
    let dir = campaign("simulate-explain-failures", SPIN);
    let mut args = vec!["simulate"];
    args.extend(data_args(
        "r.nurture",
        &["--from", "2025-01-01", "--to", "2025-01-02"],
    ));
    let run = nurture_in(&dir, &args);
    assert_no_panic(&run, "simulate");
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error[E0705]: script `spin` in rule `promote` for contact `c1` at 2025-01-01T00:00:00Z: \
             stopped: more than 100000 operations (limit `operations`) (and "
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().last().unwrap().starts_with("error: ")
            && run
                .stderr
                .contains("script evaluations failed and counted as false"),
        "{}",
        run.stderr
    );
    let mut args = vec!["explain"];
    args.extend(data_args(
        "r.nurture",
        &["--contact", "c1", "--at", "2025-01-02"],
    ));
    let run = nurture_in(&dir, &args);
    assert_no_panic(&run, "explain");
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert!(run.stdout.contains("script spin stopped"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("error[E0705]: script `spin` in rule `promote` for contact `c1`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("counted as false"), "{}", run.stderr);
}

#[test]
fn a_test_whose_script_fails_names_the_code() {
    let rules = format!(
        "{SPIN}test \"spins\" {{\n  given contact points 0\n  events\n    \
         2025-01-02T10:00:00Z purchase amount 5\n  expect not in segment spinning\n}}\n"
    );
    let dir = campaign("test-failures", &rules);
    let run = nurture_in(&dir, &["test", "r.nurture"]);
    assert_no_panic(&run, "test");
    assert_eq!(run.code(), Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("FAIL"), "{}", run.stdout);
    assert!(
        run.stdout.contains("actual:   error[E0705]: script `spin`"),
        "{}",
        run.stdout
    );
}

// ------------------------------------------------- hole 5: output errors

/// A campaign every command can run, with a test and a file `fmt` would
/// change, so that each writes something to standard output.
fn clean_campaign(name: &str) -> PathBuf {
    let rules = "stages Lead, Customer\n\
                 segment buyers = purchased at least 1 times\n\
                 rule promote: when in segment buyers then move to Customer\n\
                 test \"a buyer becomes a customer\" {\n  given contact points 0\n  events\n    \
                 2025-01-02T10:00:00Z purchase amount 5\n  expect stage Customer\n}\n";
    folder(
        name,
        &[
            ("r.nurture", rules),
            ("ugly.nurture", "stages   Lead\n"),
            ("contacts.csv", CONTACTS),
            ("events.csv", EVENTS),
        ],
    )
}

/// Every command and what it exits with when its output is written.
fn commands() -> Vec<(Vec<&'static str>, i32)> {
    let data = ["--contacts", "contacts.csv", "--events", "events.csv"];
    let with = |head: &[&'static str], tail: &[&'static str]| -> Vec<&'static str> {
        head.iter()
            .chain(data.iter())
            .chain(tail)
            .copied()
            .collect()
    };
    vec![
        (vec!["check", "r.nurture"], 0),
        (vec!["check", "r.nurture", "--format", "sarif"], 0),
        (vec!["fmt", "--check", "ugly.nurture"], 1),
        (vec!["test", "r.nurture"], 0),
        (vec!["test", "r.nurture", "--format", "junit"], 0),
        (with(&["simulate", "r.nurture"], &[]), 0),
        (with(&["simulate", "r.nurture"], &["--timeline", "c1"]), 0),
        (with(&["simulate", "r.nurture"], &["--format", "json"]), 0),
        (with(&["explain", "r.nurture"], &["--contact", "c1"]), 0),
        (with(&["segments", "r.nurture"], &[]), 0),
        (vec!["--help"], 0),
        (vec!["--version"], 0),
        (vec!["simulate", "--help"], 0),
    ]
}

/// Runs `nurture ARGS` in `dir` with its standard output a closed pipe or
/// `/dev/full` (the shared bounded runner), failing the test on a timeout.
fn run_with_stdout(dir: &Path, args: &[&str], stdout: StdoutTo) -> (Option<i32>, String) {
    let limited = common::nurture_limited(
        dir,
        args,
        &Limits {
            memory_bytes: None,
            stdout,
            ..Limits::default()
        },
    );
    assert!(
        !limited.timed_out,
        "`nurture {}` did not finish within the deadline",
        args.join(" ")
    );
    (limited.run.code(), limited.run.stderr)
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_commands_own_exit_code() {
    let dir = clean_campaign("closed-pipe");
    for (args, code) in commands() {
        let (exit, stderr) = run_with_stdout(&dir, &args, StdoutTo::ClosedPipe);
        assert_eq!(exit, Some(code), "`{}`: {stderr}", args.join(" "));
        assert_eq!(stderr, "", "`{}` printed on stderr", args.join(" "));
    }
    // A check that finds errors still says so when its reader went away.
    let bad = folder(
        "closed-pipe-bad",
        &[(
            "bad.nurture",
            "stages Lead\nrule r: when stage = Nope then move to Lead\n",
        )],
    );
    let (exit, stderr) = run_with_stdout(&bad, &["check", "bad.nurture"], StdoutTo::ClosedPipe);
    assert_eq!(exit, Some(1), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_full_disk_is_e0810_and_exit_2() {
    let dir = clean_campaign("dev-full");
    for (args, _) in commands() {
        let (exit, stderr) = run_with_stdout(&dir, &args, StdoutTo::DevFull);
        assert_eq!(exit, Some(2), "`{}`: {stderr}", args.join(" "));
        assert_eq!(
            stderr,
            "error[E0810]: cannot write the output to standard output: No space left on device (os error 28)\n  \
             help: free space on the device, or send the output somewhere that can take it\n",
            "`{}`",
            args.join(" ")
        );
    }
}

#[test]
fn output_files_that_cannot_be_written_are_e0811_and_exit_2() {
    let dir = clean_campaign("output-files");
    let run = nurture_in(
        &dir,
        &[
            "simulate",
            "r.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--outbox",
            "/dev/full",
        ],
    );
    assert_no_panic(&run, "outbox");
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error[E0811]: cannot write the outbox `/dev/full`: No space left on device"),
        "{}",
        run.stderr
    );
    let run = nurture_in(
        &dir,
        &[
            "simulate",
            "r.nurture",
            "--contacts",
            "contacts.csv",
            "--events",
            "events.csv",
            "--outbox",
            "no/such/dir/outbox.jsonl",
        ],
    );
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error[E0811]: cannot write the outbox `no/such/dir/outbox.jsonl`"),
        "{}",
        run.stderr
    );
    // `generate --out` naming a file, not a folder.
    let run = nurture_in(&dir, &["generate", "--contacts", "3", "--out", "r.nurture"]);
    assert_no_panic(&run, "generate");
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error[E0811]: cannot write to r.nurture: "),
        "{}",
        run.stderr
    );
}
