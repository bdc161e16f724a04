//! The conventions CI users expect of a linter/formatter (issue 14, next to
//! OPA/Regal, Cedar and ruff), through the real binary: standard input with
//! `--stdin-filename`, `fmt --diff`, `--quiet`, `--color` with `NO_COLOR`
//! and `FORCE_COLOR`, `nurture docs`, `check --fix`, `test --format github`,
//! `--version` with the commit; and two silent gaps: a path with no rules
//! files, and a test file that does not compile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture, nurture_in, nurture_with, Input, DEADLINE};
use std::path::Path;

const FUNNEL: &str = "tests/fixtures/testing/funnel.nurture";

/// A rules file with a stage used in the wrong case and a misspelt
/// keyword: two safe fixes, found one after the other.
const TYPOS: &str = "stages Lead -> MQL -> SQL\n\nrulle to_mql:\n  when points >= 10\n  then move to Mql\n\nrule to_sql:\n  when stage is MQL and points >= 50\n  then move to sql\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn stdin_run(dir: &Path, args: &[&str], input: &str, env: &[(&str, &str)]) -> common::Run {
    nurture_with(dir, args, Input::Bytes(input.as_bytes()), env, DEADLINE)
}

// ---- Silent gaps ---------------------------------------------------------

#[test]
fn a_folder_without_rules_files_is_exit_2_for_check_test_and_fmt() {
    let dir = common::scratch("conventions-empty");
    std::fs::create_dir_all(dir.join("empty/.hidden")).unwrap();
    write(&dir, "empty/.hidden/skipped.nurture", "stages A\n");
    write(&dir, "empty/notes.txt", "not rules\n");
    for args in [
        &["check", "empty"][..],
        &["test", "empty"],
        &["fmt", "empty"],
        &["fmt", "--check", "empty"],
        &["fmt", "--diff", "empty"],
    ] {
        let run = nurture_in(&dir, args);
        assert_eq!(run.code(), Some(2), "{args:?}: {}", run.stdout);
        assert_eq!(
            run.stderr,
            "error: no .nurture files under `empty` (hidden folders and `target` are not searched)\n",
            "{args:?}"
        );
        assert_eq!(run.stdout, "", "{args:?}");
    }
    // A mistyped path says so, also exit 2.
    for command in ["check", "test", "fmt"] {
        let run = nurture_in(&dir, &[command, "emtpy"]);
        assert_eq!(run.code(), Some(2));
        assert_eq!(run.stderr, "error: `emtpy` does not exist\n");
    }
}

/// The message `check` gives the one error of `bad.nurture`, as its JSON
/// has it (so these tests hold whatever its wording).
fn broken_message(dir: &Path) -> String {
    let run = nurture_in(dir, &["check", "bad.nurture", "--format", "json"]);
    run.json()["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A test file with a check error and how every `test --format` shows it.
/// Each test has a folder of its own (`name`): they run in parallel.
fn broken_test_file(name: &str) -> std::path::PathBuf {
    let dir = common::scratch(name);
    write(
        &dir,
        "bad.nurture",
        "stages Lead\ntest \"x\" {\n  at 2025-01-01\n  expect stage Leed\n}\n",
    );
    dir
}

#[test]
fn a_test_file_that_does_not_compile_is_a_failing_junit_test_case() {
    let dir = broken_test_file("conventions-broken-1");
    let run = nurture_in(&dir, &["test", "bad.nurture", "--format", "junit"]);
    assert_eq!(run.code(), Some(1));
    let doc = roxmltree::Document::parse(&run.stdout).expect("JUnit parses");
    let root = doc.root_element();
    assert_eq!(root.attribute("tests"), Some("1"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 1, "a reporter must see one test, not 0");
    assert_eq!(cases[0].attribute("name"), Some("bad.nurture"));
    assert_eq!(cases[0].attribute("file"), Some("bad.nurture"));
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    let message = failure.attribute("message").unwrap();
    assert_eq!(
        message,
        format!(
            "the file has 1 error, so no test ran: bad.nurture:4:16: error[E0601]: {}",
            broken_message(&dir)
        )
    );
    // The body is the rendered diagnostic: code, place, code frame, help.
    let body = failure.text().unwrap();
    assert!(body.contains("E0601"), "{body}");
    assert!(body.contains("[bad.nurture:4:16]"), "{body}");
    assert!(body.contains("did you mean `Lead`?"), "{body}");
    insta::assert_snapshot!("junit_broken_file", run.stdout);
}

#[test]
fn a_test_file_that_does_not_compile_fails_in_every_test_format() {
    let dir = broken_test_file("conventions-broken-2");
    let json = nurture_in(&dir, &["test", "bad.nurture", "--format", "json"]);
    assert_eq!(json.code(), Some(1));
    let value = json.json();
    assert_eq!(value["files_with_errors"], 1);
    assert_eq!(
        value["files"][0]["diagnostics"],
        serde_json::json!([format!(
            "bad.nurture:4:16: error[E0601]: {}",
            broken_message(&dir)
        )])
    );
    let github = nurture_in(&dir, &["test", "bad.nurture", "--format", "github"]);
    assert_eq!(github.code(), Some(1));
    // The check's own annotation, as `check --format github` prints it.
    let check = nurture_in(&dir, &["check", "bad.nurture", "--format", "github"]);
    assert_eq!(github.stdout, check.stdout);
    assert!(
        github
            .stdout
            .starts_with("::error file=bad.nurture,line=4,col=16,"),
        "{}",
        github.stdout
    );
    let human = nurture_in(&dir, &["test", "bad.nurture"]);
    assert_eq!(human.code(), Some(1));
    assert!(human
        .stdout
        .contains("bad.nurture: cannot run tests, the file has 1 error:"));
}

// ---- test --format github ------------------------------------------------

#[test]
fn test_format_github_annotates_each_failed_expectation() {
    let run = nurture(&["test", FUNNEL, "--format", "github"]);
    assert_eq!(run.code(), Some(1));
    let lines: Vec<&str> = run.stdout.lines().collect();
    // Two failed expectations of one test; passing tests print nothing.
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=tests/fixtures/testing/funnel.nurture,line=53,\
             title=nurture test failed%3A wrong on purpose%3A <escaped> & \"quoted\"::\
             test \"wrong on purpose: <escaped> & \"quoted\"\": expect stage MQL: \
             expected stage MQL, actual stage Lead%0A"
        ),
        "{}",
        lines[0]
    );
    assert!(lines.iter().all(|l| l.starts_with("::error file=")));
    let passing = nurture(&["test", "examples", "--format", "github"]);
    assert_eq!(passing.code(), Some(0));
    assert_eq!(passing.stdout, "");
}

// ---- standard input ------------------------------------------------------

#[test]
fn check_stdin_with_stdin_filename_names_it_finds_its_config_and_imports() {
    let dir = common::scratch("conventions-stdin");
    write(
        &dir,
        "proj/nurture.toml",
        "[lints]\nunreachable-stage = \"off\"\n",
    );
    write(
        &dir,
        "proj/sub/shared.nurture",
        "stages Lead -> MQL -> SQL\n",
    );
    let text = "import \"shared.nurture\"\n\nrule r:\n  when points >= 10\n  then move to MQ\n";
    let run = stdin_run(
        &dir,
        &["check", "-", "--stdin-filename", "proj/sub/new.nurture"],
        text,
        &[],
    );
    assert_eq!(run.code(), Some(1), "{}{}", run.stdout, run.stderr);
    // Named as given; the import was found next to it; the project's
    // config turned `unreachable-stage` (SQL) off.
    assert!(
        run.stdout.contains("[proj/sub/new.nurture:5:16]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("stage `MQ` is not declared"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("unreachable-stage"), "{}", run.stdout);
    assert!(run
        .stdout
        .ends_with("checked 1 file: 1 error, 0 warnings\n"));
    // Without it, `<stdin>` stands in the current folder: no import there.
    let bare = stdin_run(&dir, &["check", "-"], text, &[]);
    assert_eq!(bare.code(), Some(1));
    assert!(bare.stdout.contains("E0004"), "{}", bare.stdout);
    assert!(bare.stdout.contains("[<stdin>:1:8]"), "{}", bare.stdout);
    // The fixed text checks clean, config applied.
    let good = text.replace("MQ\n", "MQL\n");
    let run = stdin_run(
        &dir,
        &["check", "-", "--stdin-filename", "proj/sub/new.nurture"],
        &good,
        &[],
    );
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert_eq!(run.stdout, "checked 1 file: 0 errors, 0 warnings\n");
}

#[test]
fn fmt_stdin_writes_the_text_and_check_and_diff_name_it() {
    let dir = common::scratch("conventions-fmt-stdin");
    let messy = "stages   Lead -> MQL\n";
    let run = stdin_run(&dir, &["fmt", "-"], messy, &[]);
    assert_eq!(run.code(), Some(0));
    assert_eq!(run.stdout, "stages Lead, MQL\n");
    let check = stdin_run(
        &dir,
        &["fmt", "--check", "-", "--stdin-filename", "rules/a.nurture"],
        messy,
        &[],
    );
    assert_eq!(check.code(), Some(1));
    assert_eq!(check.stdout, "would reformat: rules/a.nurture\n");
    let clean = stdin_run(&dir, &["fmt", "--check", "-"], "stages Lead, MQL\n", &[]);
    assert_eq!(clean.code(), Some(0));
    assert_eq!(clean.stdout, "");
    let diff = stdin_run(
        &dir,
        &["fmt", "--diff", "-", "--stdin-filename", "rules/a.nurture"],
        messy,
        &[],
    );
    assert_eq!(diff.code(), Some(1));
    assert_eq!(
        diff.stdout,
        "--- rules/a.nurture\n+++ rules/a.nurture\n@@ -1 +1 @@\n-stages   Lead -> MQL\n+stages Lead, MQL\n"
    );
}

// ---- fmt --diff ----------------------------------------------------------

#[test]
fn fmt_diff_prints_a_unified_diff_writes_nothing_and_exits_1() {
    let dir = common::scratch("conventions-fmt-diff");
    let messy =
        "stages Lead -> MQL\n\n\n\nrule to_mql:\n    when points >= 10\n    then move to MQL\n";
    write(&dir, "a.nurture", messy);
    write(&dir, "clean.nurture", "stages Lead, MQL\n");
    let run = nurture_in(&dir, &["fmt", "--diff", "."]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("a.nurture")).unwrap(),
        messy
    );
    insta::assert_snapshot!("fmt_diff", run.stdout);
    // Applying the diff is what `fmt` writes.
    let formatted = nurture_in(&dir, &["fmt", "a.nurture"]);
    assert_eq!(formatted.code(), Some(0));
    let after = nurture_in(&dir, &["fmt", "--diff", "."]);
    assert_eq!(after.code(), Some(0));
    assert_eq!(after.stdout, "");
}

// ---- --quiet and --color -------------------------------------------------

#[test]
fn quiet_prints_only_problems_before_or_after_the_command() {
    for args in [
        &["--quiet", "check", "examples"][..],
        &["check", "examples", "-q"],
        &["test", "examples", "--quiet"],
        &["fmt", "--check", "examples", "--quiet"],
    ] {
        let run = nurture(args);
        assert_eq!(run.code(), Some(0), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        assert_eq!(run.stderr, "", "{args:?}");
    }
    // Problems are still shown, with their summary.
    let failing = nurture(&["test", FUNNEL, "-q"]);
    assert_eq!(failing.code(), Some(1));
    assert!(!failing.stdout.contains("ok   "), "{}", failing.stdout);
    assert!(failing
        .stdout
        .contains("FAIL tests/fixtures/testing/funnel.nurture:"));
    assert!(failing.stdout.contains("2 passed, 1 failed, 3 tests"));
    let dir = broken_test_file("conventions-broken-3");
    let check = nurture_in(&dir, &["-q", "check", "bad.nurture"]);
    assert_eq!(check.code(), Some(1));
    assert!(check.stdout.contains("E0601"));
    assert!(check
        .stdout
        .ends_with("checked 1 file: 1 error, 0 warnings\n"));
    // fmt writes without saying so.
    let dir = common::scratch("conventions-quiet-fmt");
    write(&dir, "a.nurture", "stages   A -> B\n");
    let fmt = nurture_in(&dir, &["fmt", "-q", "."]);
    assert_eq!((fmt.code(), fmt.stdout.as_str()), (Some(0), ""));
    assert_eq!(
        std::fs::read_to_string(dir.join("a.nurture")).unwrap(),
        "stages A, B\n"
    );
    // generate's counts are not problems.
    let out = common::scratch("conventions-quiet-generate");
    let generated = nurture(&[
        "generate",
        "--contacts",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(generated.code(), Some(0));
    assert_eq!(generated.stderr, "");
    assert!(out.join("contacts.csv").exists());
}

#[test]
fn color_follows_the_flag_then_no_color_then_force_color() {
    let dir = broken_test_file("conventions-broken-4");
    let escape = "\u{1b}[";
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let run = nurture_with(&dir, args, Input::Null, env, DEADLINE);
        assert_eq!(run.code(), Some(1));
        run.stdout.contains(escape)
    };
    // The harness sets NO_COLOR=1 and stdout is a pipe.
    assert!(!colored(&["check", "bad.nurture"], &[]));
    assert!(colored(&["check", "bad.nurture", "--color", "always"], &[]));
    assert!(colored(&["--color=always", "check", "bad.nurture"], &[]));
    assert!(!colored(
        &["check", "bad.nurture", "--color", "never"],
        &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]
    ));
    // auto: NO_COLOR (non-empty) wins over FORCE_COLOR …
    assert!(!colored(&["check", "bad.nurture"], &[("FORCE_COLOR", "1")]));
    // … an empty NO_COLOR is unset, and FORCE_COLOR colours a pipe.
    assert!(colored(
        &["check", "bad.nurture"],
        &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]
    ));
    assert!(!colored(
        &["check", "bad.nurture"],
        &[("NO_COLOR", ""), ("FORCE_COLOR", "0")]
    ));
    let bad = nurture(&["check", "--color", "sometimes"]);
    assert_eq!(bad.code(), Some(2));
    // Usage errors and help follow the same rule.
    let usage = |args: &[&str], env: &[(&str, &str)]| {
        let run = nurture_with(&dir, args, Input::Null, env, DEADLINE);
        assert_eq!(run.code(), Some(2));
        run.stderr.contains(escape)
    };
    assert!(!usage(&["check", "--nope"], &[]));
    assert!(usage(&["check", "--nope", "--color=always"], &[]));
    assert!(usage(
        &["check", "--nope"],
        &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]
    ));
    let help = |args: &[&str]| {
        let run = nurture_with(&dir, args, Input::Null, &[], DEADLINE);
        assert_eq!(run.code(), Some(0));
        run.stdout.contains(escape)
    };
    assert!(!help(&["check", "--help"]));
    assert!(help(&["check", "--help", "--color", "always"]));
}

// ---- nurture docs --------------------------------------------------------

#[test]
fn docs_shows_a_codes_section_a_lints_and_lists_them_all() {
    let run = nurture(&["docs", "E0201"]);
    assert_eq!(run.code(), Some(0));
    assert!(run
        .stdout
        .starts_with("## E0201\n\n**undefined-stage** · error."));
    assert!(!run.stdout.contains("## E0202"));
    let docs = std::fs::read_to_string(common::root().join("docs/diagnostics.md")).unwrap();
    assert!(
        docs.contains(run.stdout.trim_end()),
        "the section is the docs' text"
    );
    let lint = nurture(&["docs", "unused-declaration"]);
    assert_eq!(lint.code(), Some(0));
    assert!(lint.stdout.starts_with("## unused-declaration\n"));
    // Case does not matter.
    assert_eq!(nurture(&["docs", "e0201"]).stdout, run.stdout);
    let data = nurture(&["docs", "D004"]);
    assert_eq!(data.code(), Some(0));
    assert!(data
        .stdout
        .contains("| D004 | `stage` is not one of the declared stages. |"));
    let all = nurture(&["docs"]);
    assert_eq!(all.code(), Some(0));
    for code in ["E0001", "E0201", "E0810", "unused-declaration", "D004"] {
        assert!(
            all.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{code} "))),
            "{code} is not listed"
        );
    }
}

#[test]
fn docs_of_an_unknown_code_suggests_one_and_exits_2() {
    let run = nurture(&["docs", "unused-declaraton"]);
    assert_eq!(run.code(), Some(2));
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: `unused-declaraton` is not a Nurture code or lint\n  help: did you mean `unused-declaration`?\n"
    );
    let far = nurture(&["docs", "zzzz-nothing"]);
    assert_eq!(far.code(), Some(2));
    assert!(far
        .stderr
        .contains("`nurture docs` lists every code and lint"));
}

// ---- check --fix ---------------------------------------------------------

#[test]
fn check_fix_applies_safe_fixes_says_what_changed_and_reports_what_is_left() {
    let dir = common::scratch("conventions-fix");
    write(&dir, "typos.nurture", TYPOS);
    let run = nurture_in(&dir, &["check", "--fix", "typos.nurture"]);
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!("check_fix", run.stdout);
    let fixed = std::fs::read_to_string(dir.join("typos.nurture")).unwrap();
    assert_eq!(
        fixed,
        TYPOS
            .replace("rulle", "rule")
            .replace("to Mql", "to MQL")
            .replace("to sql", "to SQL")
    );
    // Nothing is left to fix: a second run changes nothing.
    let again = nurture_in(&dir, &["check", "--fix", "typos.nurture"]);
    assert_eq!(again.code(), Some(0));
    assert!(!again.stdout.contains("fixed "), "{}", again.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.join("typos.nurture")).unwrap(),
        fixed
    );
}

#[test]
fn check_fix_leaves_what_is_not_safe_and_keeps_exit_1_for_it() {
    let dir = common::scratch("conventions-fix-unsafe");
    // `Zzz` is close to no stage: no suggestion, nothing to apply.
    let text = "stages Lead -> MQL\n\nrule r:\n  when points >= 10\n  then move to Zzz\n";
    write(&dir, "a.nurture", text);
    let run = nurture_in(&dir, &["check", "--fix", "a.nurture"]);
    assert_eq!(run.code(), Some(1));
    assert!(!run.stdout.contains("fixed "), "{}", run.stdout);
    assert!(run.stdout.contains("E0201"));
    assert_eq!(
        std::fs::read_to_string(dir.join("a.nurture")).unwrap(),
        text
    );
}

#[test]
fn check_fix_of_a_folder_reports_an_import_as_it_is_after_its_own_fixes() {
    let dir = common::scratch("conventions-fix-import");
    // `a.nurture` is checked first and imports `shared/stages.nurture`,
    // whose misspelling is fixed when it is checked itself.
    write(&dir, "a.nurture", "import \"shared/stages.nurture\"\n\nrule r:\n  when stage is Lead and points >= 10\n  then move to MQL\n");
    write(
        &dir,
        "shared/stages.nurture",
        "stages Lead -> MQL\n\nsegmnt hot = points > 10\n",
    );
    let run = nurture_in(&dir, &["check", "--fix", "."]);
    assert_eq!(run.code(), Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("fixed shared/stages.nurture:3: `segmnt` → `segment`\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("E0101"), "{}", run.stdout);
}

#[test]
fn check_fix_on_stdin_writes_the_fixed_text_to_stdout() {
    let dir = common::scratch("conventions-fix-stdin");
    let run = stdin_run(&dir, &["check", "--fix", "-"], TYPOS, &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        TYPOS
            .replace("rulle", "rule")
            .replace("to Mql", "to MQL")
            .replace("to sql", "to SQL")
    );
    assert!(
        run.stderr
            .starts_with("fixed <stdin>:3: `rulle` → `rule`\n"),
        "{}",
        run.stderr
    );
    assert!(run
        .stderr
        .ends_with("checked 1 file: 0 errors, 0 warnings\n"));
    // The report and the text cannot share standard output.
    let refused = stdin_run(
        &dir,
        &["check", "--fix", "-", "--format", "json"],
        TYPOS,
        &[],
    );
    assert_eq!(refused.code(), Some(2));
    assert_eq!(refused.stdout, "");
    assert!(
        refused.stderr.contains("give `-` as the only path"),
        "{}",
        refused.stderr
    );
}

// ---- --version -----------------------------------------------------------

#[test]
fn version_names_the_commit_it_was_built_from() {
    let run = nurture(&["--version"]);
    assert_eq!(run.code(), Some(0));
    let line = run.stdout.trim_end();
    let rest = line
        .strip_prefix(&format!("nurture {} (", env!("CARGO_PKG_VERSION")))
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    if rest == "unknown commit" {
        return;
    }
    let commit = rest.strip_suffix(", dirty").unwrap_or(rest);
    assert!(
        commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{line}"
    );
    // Where git is there, it is HEAD's commit as of the build: HEAD itself,
    // or one HEAD has moved on from since (a commit made while the tests
    // ran), never a commit outside HEAD's history.
    if let Ok(out) = std::process::Command::new("git")
        .args(["merge-base", "--is-ancestor", commit, "HEAD"])
        .current_dir(common::root())
        .output()
    {
        assert_eq!(out.status.code(), Some(0), "{line}: not in HEAD's history");
    }
}

#[test]
fn quiet_leaves_out_the_data_notes_of_a_run_not_its_report() {
    let dir = common::scratch("conventions-quiet-simulate");
    write(
        &dir,
        "r.nurture",
        "stages Lead -> MQL\n\nrule r:\n  when points >= 10\n  then move to MQL\n",
    );
    // `extra` is not a declared field: a note, not a problem.
    write(
        &dir,
        "contacts.csv",
        "id,stage,points,extra\nc1,Lead,20,x\n",
    );
    write(
        &dir,
        "events.csv",
        "contact_id,type,at\nc1,email.opened,2025-01-02T10:00:00Z\n",
    );
    let args = [
        "simulate",
        "r.nurture",
        "--contacts",
        "contacts.csv",
        "--events",
        "events.csv",
    ];
    let loud = nurture_in(&dir, &args);
    assert_eq!(loud.code(), Some(0), "{}", loud.stderr);
    assert!(
        loud.stderr.contains("note: contacts.csv: column `extra`"),
        "{}",
        loud.stderr
    );
    let quiet = nurture_in(&dir, &[&args[..], &["--quiet"]].concat());
    assert_eq!(quiet.code(), Some(0));
    assert_eq!(quiet.stderr, "");
    assert_eq!(
        quiet.stdout, loud.stdout,
        "the report is what was asked for"
    );
}

#[test]
fn check_fix_applies_the_hints_that_keep_the_meaning_and_only_shows_the_others() {
    let dir = common::scratch("conventions-fix-hints");
    // Applied: a duration written another way, typographic quotes, a stage
    // tested like a value.
    let safe = "stages New, Lead\nfield city: text\n\nrule r:\n  when stage = \"New\" and city = „Kraków”\n  then wait 7d, move to Lead\n";
    let run = stdin_run(&dir, &["check", "--fix", "-"], safe, &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "stages New, Lead\nfield city: text\n\nrule r:\n  when stage is New and city = \"Kraków\"\n  then wait 7 days, move to Lead\n"
    );
    // Only shown: a zone after a time (dropping it changes the time), a
    // trailing comma (a step may be missing) and an e-mail sent as an SMS
    // (another SMS may be meant).
    for unsafe_text in [
        "stages Lead\n\ncampaign \"c\" {\n  quiet hours 21:00 CET to 08:00\n}\n",
        "stages Lead, MQL\n\nrule r:\n  when points > 5\n  then move to MQL,\n\nrule s:\n  when points > 9\n  then move to MQL\n",
        "stages Lead, MQL\nemail welcome\n\nrule r:\n  when points > 5\n  then send sms welcome\n",
    ] {
        let run = stdin_run(&dir, &["check", "--fix", "-"], unsafe_text, &[]);
        assert_eq!(run.code(), Some(1), "{unsafe_text}\n{}", run.stderr);
        assert_eq!(run.stdout, unsafe_text, "{}", run.stderr);
        assert!(!run.stderr.contains("fixed "), "{}", run.stderr);
    }
}

#[test]
fn check_fix_renames_a_reserved_word_used_as_a_name_at_every_use() {
    let dir = common::scratch("conventions-fix-reserved");
    let text = "stages Lead, MQL\nsegment in = points > 5\n\nrule r:\n  when in segment in\n  then move to MQL\n";
    let run = stdin_run(&dir, &["check", "--fix", "-"], text, &[]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, text.replace("segment in", "segment in_"));
    assert!(
        run.stderr.contains("fixed <stdin>:2: `in` → `in_`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fixed <stdin>:5: `in` → `in_`"),
        "{}",
        run.stderr
    );
}
