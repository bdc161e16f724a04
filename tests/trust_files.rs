//! A hostile rules-side file must not leak, hang or crash `check` and
//! `fmt` (issue 10: secrets into the log, special files, deep import
//! chains, BOM, `nurture.toml` that is not a file, `fmt` through links).
//!
//! Every run sets a unique environment variable for the child and asserts
//! its value never appears in the output: `/proc/self/environ` of the child
//! holds it, so any path that reads and shows that file fails the test.
//! FIFOs and symbolic links are made at test time (git holds neither well).
//! Every run has the deadline of `tests/common`, so a hang fails the test.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_with, scratch, Input, Run, DEADLINE};
use std::os::unix::fs::symlink;
use std::path::Path;

const CANARY_NAME: &str = "NURTURE_SECRET_CANARY";
const CANARY: &str = "canary-7f3a9c1e-do-not-print";

/// `nurture ARGS` in `dir`, with the canary in its environment and `input`
/// on standard input; fails if the canary shows anywhere in the output.
fn run_with(dir: &Path, args: &[&str], input: Input) -> Run {
    let run = nurture_with(dir, args, input, &[(CANARY_NAME, CANARY)], DEADLINE);
    run.assert_clean_exit(&args.join(" "));
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(CANARY),
            "`nurture {}` printed the environment on {stream}:\n{}",
            args.join(" "),
            common::clip(text)
        );
    }
    run
}

fn go(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, Input::Null)
}

/// `check ARGS --format json` in `dir`, in every output format (all must be
/// free of the canary), giving the JSON report.
fn check_json(dir: &Path, args: &[&str]) -> (Run, serde_json::Value) {
    for format in ["human", "github", "sarif"] {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", format]);
        go(dir, &all);
    }
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = go(dir, &all);
    let json = run.json();
    (run, json)
}

/// The (code, file, line, column) of every diagnostic of a JSON report.
fn located(report: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn diag(code: &str, file: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (code.to_string(), file.to_string(), line, column)
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write file");
}

/// Every non-empty line of `/etc/passwd` (the file a `..` escape reaches).
fn passwd_lines() -> Vec<String> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.len() > 3)
        .map(str::to_string)
        .collect()
}

fn assert_no_passwd(run: &Run) {
    for line in passwd_lines() {
        assert!(
            !run.stdout.contains(&line) && !run.stderr.contains(&line),
            "a line of /etc/passwd was printed: {line}"
        );
    }
}

// --- Hole 1: secrets into the log -------------------------------------

#[test]
fn an_absolute_import_of_proc_self_environ_is_refused_at_the_import() {
    let dir = scratch("trust-environ-import");
    write(
        &dir.join("main.nurture"),
        "email welcome\nimport \"/proc/self/environ\"\n",
    );
    let (run, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(located(&report), vec![diag("E0006", "main.nurture", 2, 8)]);
}

#[test]
fn a_dotdot_import_of_etc_passwd_is_refused_and_nothing_of_it_shown() {
    let dir = scratch("trust-passwd-import");
    write(
        &dir.join("main.nurture"),
        "import \"../../../../../../../../etc/passwd\"\n",
    );
    let (run, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(located(&report), vec![diag("E0006", "main.nurture", 1, 8)]);
    assert_no_passwd(&run);
    let human = run_with(&dir, &["check", "main.nurture"], Input::Null);
    assert_no_passwd(&human);
}

#[test]
fn an_import_through_a_link_that_leads_outside_is_refused() {
    let dir = scratch("trust-link-import");
    symlink("/proc/self/environ", dir.join("env.nurture")).unwrap();
    symlink("/etc/passwd", dir.join("passwd.nurture")).unwrap();
    symlink("/proc/self/environ", dir.join("env.rhai")).unwrap();
    symlink("/dev/zero", dir.join("zero.rhai")).unwrap();
    write(
        &dir.join("main.nurture"),
        "import \"env.nurture\"\nimport \"passwd.nurture\"\nimport \"env.rhai\"\nimport \"zero.rhai\"\n",
    );
    let (run, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        located(&report),
        (1..=4)
            .map(|line| diag("E0006", "main.nurture", line, 8))
            .collect::<Vec<_>>()
    );
    assert_no_passwd(&run);
}

#[test]
fn a_link_to_proc_self_environ_in_a_checked_folder_is_reported_not_read() {
    let dir = scratch("trust-environ-walk");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    symlink("/proc/self/environ", dir.join("rules/evil.nurture")).unwrap();
    write(&dir.join("rules/good.nurture"), "email welcome\n");
    let (run, report) = check_json(&dir, &["rules"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(report["files"], 2);
    assert_eq!(
        located(&report),
        vec![diag("E0006", "rules/evil.nurture", 1, 1)]
    );
    // Named on the command line, the same.
    let (_, report) = check_json(&dir, &["rules/evil.nurture"]);
    assert_eq!(
        located(&report),
        vec![diag("E0006", "rules/evil.nurture", 1, 1)]
    );
}

#[test]
fn files_of_the_project_that_are_not_rules_are_never_imported() {
    let dir = scratch("trust-dotenv");
    let secret = format!("TOKEN={CANARY}\n");
    write(&dir.join(".env"), &secret);
    symlink(".env", dir.join("env-link.nurture")).unwrap();
    write(
        &dir.join("main.nurture"),
        "import \".env\"\nimport \"env-link.nurture\"\n",
    );
    let (run, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        located(&report),
        vec![
            diag("E0008", "main.nurture", 1, 8),
            diag("E0008", "main.nurture", 2, 8),
        ]
    );
    // And a `.nurture` link to it found in a folder walk is refused too.
    let (_, report) = check_json(&dir, &["."]);
    assert!(
        located(&report).contains(&diag("E0008", "env-link.nurture", 1, 1)),
        "{report}"
    );
}

#[test]
fn imports_inside_the_project_through_links_and_a_nurture_toml_still_work() {
    let dir = scratch("trust-inside");
    std::fs::create_dir_all(dir.join("campaigns/q1")).unwrap();
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    write(&dir.join("shared/content.nurture"), "email welcome\n");
    symlink("content.nurture", dir.join("shared/alias.nurture")).unwrap();
    write(
        &dir.join("campaigns/q1/main.nurture"),
        "import \"../../shared/alias.nurture\"\nrule greet:\n  when points >= 0\n  then send email welcome\n",
    );
    // Without a nurture.toml the project is campaigns/q1: `..` leaves it.
    let (_, report) = check_json(&dir, &["campaigns/q1/main.nurture"]);
    assert_eq!(
        located(&report),
        vec![diag("E0006", "campaigns/q1/main.nurture", 1, 8)]
    );
    // A nurture.toml at the top makes the whole tree the project.
    write(&dir.join("nurture.toml"), "");
    let (run, report) = check_json(&dir, &["campaigns/q1/main.nurture"]);
    assert_eq!(
        report["diagnostics"],
        serde_json::json!([]),
        "{}",
        run.stdout
    );
    assert_eq!(run.code(), Some(0));
}

// --- Hole 2: special files ----------------------------------------------

#[test]
fn a_fifo_in_a_checked_folder_is_reported_without_blocking() {
    let dir = scratch("trust-fifo-walk");
    mkfifo(&dir.join("x.nurture"));
    write(&dir.join("good.nurture"), "email welcome\n");
    let (run, report) = check_json(&dir, &["."]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(located(&report), vec![diag("E0007", "x.nurture", 1, 1)]);
    // fmt reports it and formats the rest; test does not wait on it either.
    let fmt = run_with(&dir, &["fmt", "--check", "."], Input::Null);
    assert_eq!(fmt.code(), Some(1), "{}", fmt.stderr);
    assert!(fmt.stderr.contains("error[E0007]"), "{}", fmt.stderr);
    let test = run_with(&dir, &["test", "."], Input::Null);
    assert_ne!(test.code(), Some(0));
}

#[test]
fn an_import_of_a_fifo_is_refused_without_opening_it() {
    let dir = scratch("trust-fifo-import");
    mkfifo(&dir.join("pipe.nurture"));
    mkfifo(&dir.join("pipe.rhai"));
    write(
        &dir.join("main.nurture"),
        "import \"pipe.nurture\"\nimport \"pipe.rhai\"\n",
    );
    let (run, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        located(&report),
        vec![
            diag("E0007", "main.nurture", 1, 8),
            diag("E0007", "main.nurture", 2, 8),
        ]
    );
}

#[test]
fn check_dev_stdin_with_stdin_held_open_does_not_block() {
    let dir = scratch("trust-dev-stdin");
    let run = run_with(
        &dir,
        &["check", "/dev/stdin", "--format", "json"],
        Input::HeldOpen,
    );
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_eq!(
        located(&run.json()),
        vec![diag("E0007", "/dev/stdin", 1, 1)]
    );
}

#[test]
fn endless_devices_are_never_read_as_rules_or_imports() {
    let dir = scratch("trust-devices");
    for device in ["/dev/zero", "/dev/urandom"] {
        let (run, report) = check_json(&dir, &[device]);
        assert_eq!(run.code(), Some(1), "{device}");
        assert_eq!(located(&report), vec![diag("E0007", device, 1, 1)]);
    }
    // Through links in the project: outside it, so refused before opening.
    symlink("/dev/zero", dir.join("zero.nurture")).unwrap();
    symlink("/dev/urandom", dir.join("random.rhai")).unwrap();
    write(
        &dir.join("main.nurture"),
        "import \"zero.nurture\"\nimport \"random.rhai\"\n",
    );
    let (_, report) = check_json(&dir, &["main.nurture"]);
    assert_eq!(
        located(&report),
        vec![
            diag("E0006", "main.nurture", 1, 8),
            diag("E0006", "main.nurture", 2, 8),
        ]
    );
}

#[test]
fn a_dash_reads_standard_input_for_check_and_fmt() {
    let dir = scratch("trust-dash");
    write(&dir.join("content.nurture"), "email welcome\n");
    let rules =
        b"import \"content.nurture\"\nrule greet:\n  when points >= 0\n  then send email welcom\n";
    let run = run_with(
        &dir,
        &["check", "-", "--format", "json"],
        Input::Bytes(rules),
    );
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    let found = located(&run.json());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "E0202");
    assert_eq!((found[0].1.as_str(), found[0].2), ("<stdin>", 4));
    let fmt = run_with(&dir, &["fmt", "-"], Input::Bytes(b"email   welcome\n"));
    assert_eq!(fmt.code(), Some(0), "{}", fmt.stderr);
    assert_eq!(fmt.stdout, "email welcome\n");
    let fmt = run_with(
        &dir,
        &["fmt", "--check", "-"],
        Input::Bytes(b"email   welcome\n"),
    );
    assert_eq!(fmt.code(), Some(1));
}

// --- Hole 4 (imports): a deep chain -------------------------------------

#[test]
fn twenty_thousand_chained_imports_check_without_overflowing_the_stack() {
    let dir = scratch("trust-import-chain");
    let n = 20_000;
    for i in 0..n {
        let mut text = String::new();
        if i + 1 < n {
            text.push_str(&format!("import \"f{}.nurture\"\n", i + 1));
        }
        text.push_str(&format!("field x{i}: number\n"));
        write(&dir.join(format!("f{i}.nurture")), &text);
    }
    let run = go(&dir, &["check", "f0.nurture", "--format", "json"]);
    assert_eq!(run.code(), Some(0), "{}", common::clip(&run.stderr));
    assert_eq!(run.json()["errors"], 0);
    // The same chain closed into a cycle at its far end: one E0003, there.
    write(
        &dir.join(format!("f{}.nurture", n - 1)),
        &format!("import \"f0.nurture\"\nfield x{}: number\n", n - 1),
    );
    let run = go(&dir, &["check", "f0.nurture", "--format", "json"]);
    assert_eq!(run.code(), Some(1));
    let found = located(&run.json());
    assert_eq!(
        found,
        vec![diag("E0003", &format!("f{}.nurture", n - 1), 1, 8)]
    );
}

// --- Hole 9: BOM, nurture.toml, fmt writes ------------------------------

#[test]
fn a_byte_order_mark_is_ignored_and_columns_count_from_after_it() {
    let dir = scratch("trust-bom");
    std::fs::write(
        dir.join("bom.nurture"),
        b"\xEF\xBB\xBFstages Lead, Customer\nsegment s = stage < Leed\n",
    )
    .unwrap();
    let (run, report) = check_json(&dir, &["bom.nurture"]);
    assert_eq!(run.code(), Some(1));
    // `Leed` is at line 2, column 21: the mark is on line 1 and no column.
    assert_eq!(located(&report), vec![diag("E0201", "bom.nurture", 2, 21)]);
    std::fs::write(dir.join("ok.nurture"), b"\xEF\xBB\xBFemail welcome\n").unwrap();
    let (run, _) = check_json(&dir, &["ok.nurture"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    // An imported file may start with one too.
    write(&dir.join("main.nurture"), "import \"ok.nurture\"\n");
    let (run, _) = check_json(&dir, &["main.nurture"]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    // fmt: the canonical layout has no mark.
    let fmt = go(&dir, &["fmt", "--check", "ok.nurture"]);
    assert_eq!(fmt.code(), Some(1));
    assert!(fmt.stdout.contains("would reformat: ok.nurture"));
    let fmt = go(&dir, &["fmt", "ok.nurture"]);
    assert_eq!(fmt.code(), Some(0), "{}", fmt.stderr);
    assert_eq!(
        std::fs::read(dir.join("ok.nurture")).unwrap(),
        b"email welcome\n"
    );
}

#[test]
fn a_nurture_toml_that_is_a_fifo_or_a_device_stops_the_run_with_e0009() {
    let dir = scratch("trust-config-fifo");
    write(&dir.join("main.nurture"), "email welcome\n");
    mkfifo(&dir.join("nurture.toml"));
    let run = go(&dir, &["check", "main.nurture"]);
    assert_eq!(run.code(), Some(2), "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error[E0009]: `nurture.toml` is a named pipe (FIFO)"),
        "{}",
        run.stderr
    );
    let dir = scratch("trust-config-device");
    write(&dir.join("main.nurture"), "email welcome\n");
    symlink("/dev/zero", dir.join("nurture.toml")).unwrap();
    let run = go(&dir, &["check", "main.nurture"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr
            .starts_with("error[E0009]: `nurture.toml` is a device"),
        "{}",
        run.stderr
    );
}

/// `email   welcome`, which fmt rewrites as `email welcome`.
const UNFORMATTED: &str = "email   welcome\n";

#[test]
fn fmt_replaces_a_file_by_rename_never_writing_into_it() {
    let dir = scratch("trust-fmt-rename");
    let file = dir.join("a.nurture");
    write(&file, UNFORMATTED);
    // A hard link shares the file's bytes: writing in place would change
    // it too, a rename leaves it as it was.
    std::fs::hard_link(&file, dir.join("witness")).unwrap();
    let run = go(&dir, &["fmt", "a.nurture"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "email welcome\n");
    assert_eq!(
        std::fs::read_to_string(dir.join("witness")).unwrap(),
        UNFORMATTED
    );
    // No temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.nurture", "witness"]);
}

#[test]
fn fmt_formats_a_link_where_it_leads_inside_the_project_and_refuses_one_outside() {
    let outside = scratch("trust-fmt-outside-target");
    write(&outside.join("theirs.nurture"), UNFORMATTED);
    let dir = scratch("trust-fmt-links");
    write(&dir.join("real.nurture"), UNFORMATTED);
    symlink("real.nurture", dir.join("link.nurture")).unwrap();
    symlink(outside.join("theirs.nurture"), dir.join("out.nurture")).unwrap();
    let run = go(&dir, &["fmt", "link.nurture"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("real.nurture")).unwrap(),
        "email welcome\n"
    );
    let meta = std::fs::symlink_metadata(dir.join("link.nurture")).unwrap();
    assert!(meta.file_type().is_symlink(), "the link stays a link");
    let run = go(&dir, &["fmt", "out.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr.contains("error[E0006]"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(outside.join("theirs.nurture")).unwrap(),
        UNFORMATTED,
        "a file outside the project is never written"
    );
    let meta = std::fs::symlink_metadata(dir.join("out.nurture")).unwrap();
    assert!(meta.file_type().is_symlink());
}
