//! The README's "A short tour" runs as written: every command of its shell
//! block, with `RULES`, `C` and `E` standing for the B2B example and its
//! sample data (as the README says) and the files it writes redirected
//! into a scratch folder. A tour line that names a contact, a flag or a
//! format that does not exist fails here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::nurture_in;

/// The tour's commands: comments cut, indented lines joined to the command
/// above them, quotes kept together (`--tick "1 day"`).
fn tour_commands() -> Vec<Vec<String>> {
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
    commands.iter().map(|c| split_words(c)).collect()
}

fn split_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[test]
fn every_tour_command_runs_on_the_shipped_example() {
    let commands = tour_commands();
    assert!(commands.len() >= 8, "{commands:?}");
    let scratch = common::scratch("readme-tour");
    let root = common::root();
    for words in commands {
        assert_eq!(words[0], "nurture", "{words:?}");
        let args: Vec<String> = words[1..]
            .iter()
            .map(|w| match w.as_str() {
                "RULES" => "examples/b2b_lifecycle.nurture".to_string(),
                "C" => "examples/data/b2b_contacts.csv".to_string(),
                "E" => "examples/data/b2b_events.csv".to_string(),
                "/tmp/data" | "actions.jsonl" => scratch
                    .join(w.trim_start_matches("/tmp/"))
                    .display()
                    .to_string(),
                _ => w.clone(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = nurture_in(&root, &args);
        assert_eq!(
            run.code(),
            Some(0),
            "nurture {}\n{}\n{}",
            args.join(" "),
            common::clip(&run.stdout),
            common::clip(&run.stderr)
        );
        if args.contains(&"--timeline") {
            assert!(run.stdout.contains("start: stage"), "{}", run.stdout);
        }
    }
    assert!(scratch.join("actions.jsonl").is_file());
    assert!(scratch.join("data").is_dir());
}
