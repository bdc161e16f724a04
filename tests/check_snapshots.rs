//! Snapshots of what `nurture check` prints, for every diagnostic code.
//!
//! Each code has a minimal failing file `tests/fixtures/diagnostics/CODE.nurture`
//! (the same example docs/diagnostics.md shows). The real binary checks it
//! from inside that folder, so the file names in the snapshots are short and
//! the snapshots are exactly what the docs quote. Review a changed snapshot
//! with `cargo insta review`, or accept all with `INSTA_UPDATE=always`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture, nurture_in, Run};
use nurture::cli::docs_section;
use nurture::diagnostics::codes::CODES;
use nurture::diagnostics::Severity;
use std::path::PathBuf;

/// The folder of the per-code fixtures.
fn diagnostics_dir() -> PathBuf {
    common::fixtures().join("diagnostics")
}

/// E0107 needs a file over 8 MiB, E0216 a chain of 257 segments: the
/// committed fixture is the file's last part, and the test puts the rest
/// in front of it (8 MiB of comment lines; the chain's first 255 links).
pub const PADDED: &[&str] = &["E0107", "E0216"];
const PADDING_BYTES: usize = 8 * 1024 * 1024;

/// Codes whose example needs a file git cannot hold (a FIFO): the test
/// copies the fixture to a scratch folder and makes that file next to it.
pub const PREPARED: &[&str] = &["E0007", "E0009"];

/// Codes that stop the run (exit 2, the report on stderr) instead of
/// being a diagnostic of the checked file.
pub const RUN_ERRORS: &[&str] = &["E0009"];

/// Makes the special file the example of a [`PREPARED`] code needs.
fn prepare(code: &str, dir: &std::path::Path) {
    let fifo = match code {
        "E0007" => "pipe.nurture",
        "E0009" => "nurture.toml",
        _ => panic!("{code} has no preparation"),
    };
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join(fifo))
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {fifo}");
}

/// What the report of a code is: stdout, or stderr for a run error.
fn report(code: &str, run: &Run) -> String {
    if RUN_ERRORS.contains(&code) {
        run.stderr.clone()
    } else {
        run.stdout.clone()
    }
}

/// Checks the fixture of `code` in `format` (from the folder it lives in).
fn check_fixture(code: &str, format: &str) -> Run {
    let file = format!("{code}.nurture");
    if PREPARED.contains(&code) {
        let dir = common::scratch(&format!("prepared-{code}-{format}"));
        std::fs::copy(diagnostics_dir().join(&file), dir.join(&file)).expect("copy fixture");
        prepare(code, &dir);
        return nurture_in(&dir, &["check", &file, "--format", format]);
    }
    if PADDED.contains(&code) {
        let dir = common::scratch(&format!("padded-{code}-{format}"));
        let tail = std::fs::read(diagnostics_dir().join(&file)).expect("read fixture");
        let whole = if code == "E0216" {
            chained(&tail)
        } else {
            padded(&tail)
        };
        std::fs::write(dir.join(&file), whole).expect("write padded fixture");
        return nurture_in(&dir, &["check", &file, "--format", format]);
    }
    nurture_in(&diagnostics_dir(), &["check", &file, "--format", format])
}

/// `tail` after exactly [`PADDING_BYTES`] of 64-byte comment lines.
fn padded(tail: &[u8]) -> Vec<u8> {
    let line = "# padding: this file is generated to be over the size limit....\n";
    assert_eq!(line.len(), 64);
    let mut bytes = line.repeat(PADDING_BYTES / 64).into_bytes();
    bytes.extend_from_slice(tail);
    bytes
}

/// `segment s0 = points > 1` and `segment sN = in segment sN-1` up to s254,
/// then `tail` (which goes on from s255).
fn chained(tail: &[u8]) -> Vec<u8> {
    let mut text = String::from("segment s0 = points > 1\n");
    for n in 1..255 {
        text.push_str(&format!("segment s{n} = in segment s{}\n", n - 1));
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(tail);
    bytes
}

/// The codes every diagnostic in a JSON report carries.
fn json_codes(run: &Run) -> Vec<String> {
    run.json()["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
        .iter()
        .map(|d| d["code"].as_str().expect("`code` is a string").to_string())
        .collect()
}

/// The human report of a fixture: it names `code` on a line of its own (the
/// header miette prints), the JSON report has it too, the exit code follows
/// the severity, and the report matches its snapshot.
fn snapshot_code(code: &str) {
    let info = CODES
        .iter()
        .map(|c| c.info())
        .find(|info| info.code == code)
        .unwrap_or_else(|| panic!("{code} is not in the registry"));
    let human = check_fixture(code, "human");
    human.assert_clean_exit(code);
    if RUN_ERRORS.contains(&code) {
        assert_eq!(human.code(), Some(2), "exit code for {code}");
        assert!(
            human.stderr.starts_with(&format!("error[{code}]: ")),
            "{code}: {}",
            human.stderr
        );
        assert_eq!(check_fixture(code, "json").code(), Some(2));
        insta::assert_snapshot!(code, human.stderr);
        return;
    }
    assert!(
        human.stdout.lines().any(|line| line.trim() == code),
        "the human report of {code}.nurture does not show {code}:\n{}",
        human.stdout
    );
    let json = check_fixture(code, "json");
    let codes = json_codes(&json);
    assert!(
        codes.iter().any(|c| c == code),
        "{code}.nurture reports {codes:?}, not {code}"
    );
    let expected_exit = match info.severity {
        Severity::Error => 1,
        Severity::Warning => 0,
    };
    assert_eq!(human.code(), Some(expected_exit), "exit code for {code}");
    insta::assert_snapshot!(code, human.stdout);
}

macro_rules! code_snapshots {
    ($($test:ident => $code:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                snapshot_code($code);
            }
        )*
        /// Every code a snapshot test above covers.
        const SNAPSHOTTED: &[&str] = &[$($code),*];
    };
}

code_snapshots! {
    e0001_cannot_read_file => "E0001",
    e0002_not_utf8 => "E0002",
    e0003_import_cycle => "E0003",
    e0004_import_not_found => "E0004",
    e0005_import_has_rules => "E0005",
    e0006_outside_project => "E0006",
    e0007_special_file => "E0007",
    e0008_not_a_rules_file => "E0008",
    e0009_unusable_config => "E0009",
    e0101_syntax_error => "E0101",
    e0102_unclosed_string => "E0102",
    e0103_nesting_too_deep => "E0103",
    e0104_number_too_large => "E0104",
    e0105_calendar_duration => "E0105",
    e0106_duplicate_rule_clause => "E0106",
    e0107_input_too_large => "E0107",
    e0108_invalid_escape => "E0108",
    e0109_double_count => "E0109",
    e0110_count_in_event_trigger => "E0110",
    e0111_malformed_time_of_day => "E0111",
    e0201_undefined_stage => "E0201",
    e0202_undefined_message => "E0202",
    e0203_undefined_page => "E0203",
    e0204_undefined_form => "E0204",
    e0205_undefined_asset => "E0205",
    e0206_undefined_list => "E0206",
    e0207_undefined_segment => "E0207",
    e0208_undefined_field => "E0208",
    e0209_undefined_event_type => "E0209",
    e0210_undefined_property => "E0210",
    e0211_duplicate_declaration => "E0211",
    e0212_undefined_script => "E0212",
    e0213_segment_cycle => "E0213",
    e0214_duplicate_stages => "E0214",
    e0215_duplicate_setting => "E0215",
    e0216_segments_too_deep => "E0216",
    e0301_type_mismatch => "E0301",
    e0302_operator_not_applicable => "E0302",
    e0303_aggregate_needs_number => "E0303",
    e0305_since_outside_sequence => "E0305",
    e0306_time_test_on_non_time => "E0306",
    e0307_points_need_whole_number => "E0307",
    e0308_stage_needs_name => "E0308",
    e0401_invalid_duration => "E0401",
    e0402_invalid_date => "E0402",
    e0403_unknown_time_zone => "E0403",
    e0404_invalid_regex => "E0404",
    e0405_invalid_url_pattern => "E0405",
    e0406_invalid_time_of_day => "E0406",
    e0407_invalid_number => "E0407",
    e0408_page_without_pattern => "E0408",
    e0601_undefined_name_in_test => "E0601",
    e0602_invalid_test => "E0602",
    e0701_script_syntax => "E0701",
    e0702_script_unknown_function => "E0702",
    e0703_script_result_type => "E0703",
    e0704_script_value_type => "E0704",
}

#[test]
fn every_code_in_the_registry_has_a_fixture_and_a_snapshot_test() {
    for info in CODES.iter().map(|c| c.info()) {
        let fixture = diagnostics_dir().join(format!("{}.nurture", info.code));
        assert!(
            fixture.is_file(),
            "{} has no fixture {}",
            info.code,
            fixture.display()
        );
        assert!(
            SNAPSHOTTED.contains(&info.code),
            "{} has a fixture but no snapshot test in tests/check_snapshots.rs",
            info.code
        );
    }
    // And no fixture or test for a code that is not (or no longer) registered.
    for code in SNAPSHOTTED {
        assert!(
            CODES.iter().any(|i| i.as_str() == *code),
            "{code} is not registered"
        );
    }
}

/// The file with several errors and warnings the machine formats are
/// snapshotted on, relative to the crate root.
const MIXED: &str = "tests/fixtures/check/mixed.nurture";

#[test]
fn json_report_of_several_errors_and_warnings() {
    let run = nurture(&["check", MIXED, "--format", "json"]);
    run.assert_clean_exit("json");
    assert_eq!(run.code(), Some(1));
    let report = run.json();
    assert!(report["errors"].as_u64() > Some(1), "{report}");
    assert!(report["warnings"].as_u64() > Some(1), "{report}");
    let pretty = serde_json::to_string_pretty(&report).expect("serialize");
    insta::assert_snapshot!("mixed_json", pretty);
    // The output itself is one line of JSON and a newline.
    assert_eq!(run.stdout.trim_end().lines().count(), 1);
}

#[test]
fn github_annotations_of_several_errors_and_warnings() {
    let run = nurture(&["check", MIXED, "--format", "github"]);
    run.assert_clean_exit("github");
    assert_eq!(run.code(), Some(1));
    for line in run.stdout.lines() {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::warning file="),
            "not a workflow command: {line}"
        );
    }
    insta::assert_snapshot!("mixed_github", run.stdout);
}

#[test]
fn sarif_log_of_several_errors_and_warnings() {
    let run = nurture(&["check", MIXED, "--format", "sarif"]);
    run.assert_clean_exit("sarif");
    assert_eq!(run.code(), Some(1));
    insta::assert_snapshot!("mixed_sarif", run.stdout);
}

#[test]
fn human_report_of_several_errors_and_warnings() {
    let run = nurture(&["check", MIXED]);
    run.assert_clean_exit("human");
    assert_eq!(run.code(), Some(1));
    insta::assert_snapshot!("mixed_human", run.stdout);
}

/// docs/diagnostics.md quotes, under `## CODE`, the fixture of the code and
/// what the tool prints for it; this keeps the three in step.
#[test]
fn docs_quote_every_fixture_and_its_real_output() {
    let docs = std::fs::read_to_string(common::root().join("docs/diagnostics.md"))
        .expect("read docs/diagnostics.md");
    for info in CODES.iter().map(|c| c.info()) {
        let section = docs_section(&docs, info.code)
            .unwrap_or_else(|| panic!("docs/diagnostics.md has no `## {}`", info.code));
        assert!(
            section.contains(info.title),
            "the docs section of {} does not name its title `{}`",
            info.code,
            info.title
        );
        let fixture = std::fs::read(diagnostics_dir().join(format!("{}.nurture", info.code)))
            .expect("read fixture");
        // A non-UTF-8 fixture is described, not quoted.
        if let Ok(text) = String::from_utf8(fixture) {
            assert!(
                section.contains(text.trim_end()),
                "the docs section of {} does not quote its fixture:\n{text}",
                info.code
            );
        }
        let human = check_fixture(info.code, "human");
        let report = without_summary(&report(info.code, &human));
        assert!(
            section.contains(report.trim_end()),
            "the docs section of {} does not quote the real output:\n{report}",
            info.code
        );
    }
}

/// The contents of every ```nurture block in a docs section.
fn nurture_blocks(section: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    let mut fence = "```";
    for line in section.lines() {
        match (&mut current, line) {
            (None, "```nurture" | "````nurture") => {
                fence = line.trim_end_matches("nurture");
                current = Some(String::new());
            }
            (Some(block), line) if line == fence => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The last ```nurture block of every code's section is its fix: checked
/// next to a copy of the fixtures' `shared/` folder (which the import
/// examples use), it must pass with no diagnostic at all.
#[test]
fn the_fix_in_the_docs_of_every_code_passes_check() {
    let docs = std::fs::read_to_string(common::root().join("docs/diagnostics.md"))
        .expect("read docs/diagnostics.md");
    let dir = common::scratch("docs-fixes");
    std::fs::create_dir_all(dir.join("shared")).expect("mkdir");
    for entry in std::fs::read_dir(diagnostics_dir().join("shared")).expect("read shared/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name").to_owned();
        std::fs::copy(&path, dir.join("shared").join(name)).expect("copy");
    }
    for info in CODES.iter().map(|c| c.info()) {
        let section = docs_section(&docs, info.code).expect("section");
        let blocks = nurture_blocks(section);
        assert!(blocks.len() >= 2, "{}: an example and a fix", info.code);
        let fix = blocks.last().expect("a fix");
        let file = format!("fixed-{}.nurture", info.code);
        std::fs::write(dir.join(&file), fix).expect("write fix");
        let run = nurture_in(&dir, &["check", &file, "--format", "json"]);
        assert_eq!(
            run.json()["diagnostics"],
            serde_json::json!([]),
            "the fix of {} in the docs does not pass:\n{fix}",
            info.code
        );
        assert_eq!(run.code(), Some(0));
    }
}

/// The report without its final `checked N files: …` line.
fn without_summary(report: &str) -> String {
    let lines: Vec<&str> = report.lines().collect();
    match lines.split_last() {
        Some((last, rest)) if last.starts_with("checked ") => rest.join("\n"),
        _ => report.to_string(),
    }
}

/// Problems in imported `.rhai` files are reported at their line and column
/// in the `.rhai` file; a missing one is E0004.
#[test]
fn rhai_file_problems_point_into_the_rhai_file() {
    let run = nurture_in(
        &common::fixtures().join("rhai"),
        &["check", "problems.nurture"],
    );
    run.assert_clean_exit("rhai");
    assert_eq!(run.code(), Some(1));
    insta::assert_snapshot!("rhai_problems", run.stdout);
}
