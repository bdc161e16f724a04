//! The GitHub Actions workflow of docs/ci.md, run as written: every
//! `run:` step that calls `nurture` runs in a shell on a copy of the
//! shipped examples laid out as `campaigns/`, with the built binary first
//! on PATH. A changed flag or output format breaks this test, not a user's
//! pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

/// The `run:` lines of the first ```yaml block of docs/ci.md that call
/// `nurture` (the install step is skipped: the test binary is on PATH).
fn workflow_commands() -> Vec<String> {
    let doc = std::fs::read_to_string(common::root().join("docs/ci.md")).unwrap();
    let start = doc.find("```yaml\n").expect("docs/ci.md has a yaml block") + 8;
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    block
        .lines()
        .filter_map(|line| line.trim().strip_prefix("run: "))
        .filter(|command| command.starts_with("nurture "))
        .map(str::to_string)
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_documented_workflow_runs_green_on_the_shipped_examples() {
    let commands = workflow_commands();
    for wanted in [
        "nurture check",
        "nurture fmt",
        "nurture test",
        "nurture simulate",
    ] {
        assert!(
            commands.iter().any(|c| c.starts_with(wanted)),
            "the workflow has no `{wanted}` step: {commands:?}"
        );
    }
    let dir = common::scratch("ci-workflow");
    copy_dir(&common::root().join("examples"), &dir.join("campaigns"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nurture")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in &commands {
        let output = Command::new("sh")
            .args(["-c", command])
            .current_dir(&dir)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "`{command}` failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // What the workflow uploads is there and readable.
    let junit = std::fs::read_to_string(dir.join("test-results.xml")).unwrap();
    assert!(
        junit.starts_with("<?xml") && junit.contains("<testcase"),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dry-run.json")).unwrap()).unwrap();
    assert_eq!(report["campaign"], "B2B lifecycle");
}

#[test]
fn the_workflow_fails_on_a_broken_campaign() {
    let commands = workflow_commands();
    let check = commands
        .iter()
        .find(|c| c.starts_with("nurture check"))
        .unwrap();
    let dir = common::scratch("ci-workflow-broken");
    std::fs::create_dir_all(dir.join("campaigns")).unwrap();
    std::fs::write(
        dir.join("campaigns/typo.nurture"),
        "stages Lead, MQL\nrule r:\n  when stage is Laed\n  then move to MQL\n",
    )
    .unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nurture")).parent().unwrap();
    let output = Command::new("sh")
        .args(["-c", check])
        .current_dir(&dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("::error file=campaigns/typo.nurture,line=3"),
        "{stdout}"
    );
}
