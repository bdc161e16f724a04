//! The GitHub Actions workflow of docs/ci.md, run as written: every
//! `run:` step that calls `nurture` runs in a shell on a copy of the
//! shipped examples laid out as `campaigns/`, with the built binary first
//! on PATH. A changed flag or output format breaks this test, not a user's
//! pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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

#[test]
fn the_documented_workflow_runs_green_on_the_shipped_examples() {
    let commands = workflow_commands();
    for wanted in [
        "nurture check",
        "nurture fmt",
        "nurture test",
        "nurture simulate",
        "nurture diff",
    ] {
        assert!(
            commands.iter().any(|c| c.starts_with(wanted)),
            "the workflow has no `{wanted}` step: {commands:?}"
        );
    }
    let dir = common::scratch("ci-workflow");
    common::copy_dir(&common::root().join("examples"), &dir.join("campaigns"));
    // A pull request: the base branch as `origin/main`, then a change to
    // the B2B campaign's scoring threshold on top.
    common::git(&dir, &["init", "-q"]);
    common::git(&dir, &["add", "."]);
    common::git(&dir, &["commit", "-qm", "base"]);
    common::git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let campaign = dir.join("campaigns/b2b_lifecycle.nurture");
    let text = std::fs::read_to_string(&campaign).unwrap();
    assert!(text.contains("    and points >= 60\n"));
    std::fs::write(
        &campaign,
        text.replace("    and points >= 60\n", "    and points >= 40\n"),
    )
    .unwrap();
    common::git(&dir, &["commit", "-qam", "lower the MQL threshold"]);
    for command in &commands {
        // What `env: BASE: origin/${{ github.base_ref }}` sets.
        let output = common::shell_in(&dir, &format!("export BASE=origin/main; {command}"));
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
    // The comment the workflow posts says what the change does.
    let comment = std::fs::read_to_string(dir.join("diff.md")).unwrap();
    assert!(
        comment.starts_with(
            "### Nurture diff: `origin/main:campaigns/b2b_lifecycle.nurture` → `campaigns/b2b_lifecycle.nurture`"
        ),
        "{comment}"
    );
    assert!(
        comment.contains("**8 of 201 contacts change their story**"),
        "{comment}"
    );
    assert!(
        comment.contains("| `qualified_by_scoring` | changed |"),
        "{comment}"
    );
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
    let output = common::shell_in(&dir, check);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("::error file=campaigns/typo.nurture,line=3"),
        "{stdout}"
    );
}
