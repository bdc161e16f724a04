//! The README's "A short tour" runs as written: every command of its shell
//! block, with `RULES`, `C` and `E` standing for the B2B example and its
//! sample data (as the README says), in a scratch copy of the examples. A tour line that names a contact, a flag or a
//! format that does not exist fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// The tour's commands: comments cut, indented lines joined to the command
/// above them.
fn tour_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let tour = &readme[readme.find("## A short tour").expect("a tour section")..];
    let start = tour.find("```sh\n").unwrap() + 6;
    let block = &tour[start..start + tour[start..].find("```").unwrap()];
    let mut commands: Vec<String> = Vec::new();
    for line in block.lines() {
        let text = line.split("  #").next().unwrap().trim_end();
        if line.starts_with(char::is_whitespace) {
            let last = commands
                .last_mut()
                .expect("a continuation follows a command");
            last.push(' ');
            last.push_str(text.trim());
        } else if !text.is_empty() {
            commands.push(text.to_string());
        }
    }
    commands
}

/// Each command runs in a shell (pipes and quotes as a reader types them)
/// in a scratch folder holding a copy of `examples/` and a `draft.nurture`,
/// so `check --fix` and `generate` write nothing into the repository.
#[test]
fn every_tour_command_runs_on_the_shipped_example() {
    let commands = tour_commands();
    assert!(commands.len() >= 8, "{commands:?}");
    let dir = common::scratch("readme-tour");
    common::copy_dir(&common::root().join("examples"), &dir.join("examples"));
    std::fs::copy(
        common::root().join("examples/sales_funnel.nurture"),
        dir.join("draft.nurture"),
    )
    .unwrap();
    for command in &commands {
        assert!(command.contains("nurture "), "{command}");
        let command = command
            .replace("RULES", "examples/b2b_lifecycle.nurture")
            .replace(" C ", " examples/data/b2b_contacts.csv ")
            .replace(" E ", " examples/data/b2b_events.csv ")
            .replace("/tmp/data", "generated");
        let output = common::shell_in(&dir, &command);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "`{command}` failed ({}):\n{}\n{}",
            output.status,
            common::clip(&stdout),
            common::clip(&String::from_utf8_lossy(&output.stderr))
        );
        if command.contains("--timeline") {
            assert!(stdout.contains("start: stage"), "{stdout}");
        }
    }
    assert!(dir.join("actions.jsonl").is_file());
    assert!(dir.join("generated/events.csv").is_file());
    // The examples came out of the tour as they went in.
    for name in ["b2b_lifecycle.nurture", "sales_funnel.nurture"] {
        assert_eq!(
            std::fs::read_to_string(dir.join("examples").join(name)).unwrap(),
            std::fs::read_to_string(common::root().join("examples").join(name)).unwrap()
        );
    }
}
