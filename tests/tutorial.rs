//! docs/tutorial.md cannot drift from the tool: every command in its ```sh
//! blocks runs through the real binary and must exit as the block says
//! (0 unless a `# exit N` line comes before it), every line of the ```text
//! block that follows a command block must be in what the commands printed,
//! and the mapping, campaign and export it quotes are the shipped files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture, root};

/// One fenced block: its info string and its text.
struct Block {
    lang: String,
    text: String,
    /// Whether only blank lines separate it from the block before.
    follows_block: bool,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, bool)> = None;
    let mut blank_since_block = false;
    let mut seen_block = false;
    for line in markdown.lines() {
        match &mut open {
            Some((lang, text, follows)) => {
                if line.trim_start().starts_with("```") {
                    out.push(Block {
                        lang: lang.clone(),
                        text: std::mem::take(text),
                        follows_block: *follows,
                    });
                    open = None;
                    seen_block = true;
                    blank_since_block = true;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            None => {
                if let Some(lang) = line.trim_start().strip_prefix("```") {
                    let follows = seen_block && blank_since_block;
                    open = Some((lang.trim().to_string(), String::new(), follows));
                } else if !line.trim().is_empty() {
                    blank_since_block = false;
                }
            }
        }
    }
    assert!(open.is_none(), "an unclosed fence in docs/tutorial.md");
    out
}

/// Splits a command line into words: spaces separate, double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "an unclosed quote in `{line}`");
    if any {
        out.push(word);
    }
    out
}

/// The commands of a ```sh block with the exit code each must give.
fn commands(block: &str) -> Vec<(Vec<String>, i32)> {
    let mut out = Vec::new();
    let mut expected = 0;
    let mut pending = String::new();
    for line in block.lines() {
        let line = line.trim();
        if let Some(code) = line.strip_prefix("# exit ") {
            expected = code.trim().parse().expect("`# exit N`");
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(start) = line.strip_suffix('\\') {
            pending.push_str(start);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let words = words(&std::mem::take(&mut pending));
        assert_eq!(
            words.first().map(String::as_str),
            Some("nurture"),
            "a tutorial command that is not `nurture …`: {words:?}"
        );
        out.push((words[1..].to_vec(), expected));
        expected = 0;
    }
    out
}

fn tutorial() -> String {
    std::fs::read_to_string(root().join("docs/tutorial.md")).expect("read docs/tutorial.md")
}

#[test]
fn every_command_of_the_tutorial_runs_and_prints_what_it_says() {
    let blocks = blocks(&tutorial());
    let mut ran = Vec::new();
    let mut last_output: Option<String> = None;
    for block in &blocks {
        match block.lang.as_str() {
            "sh" => {
                let mut output = String::new();
                for (args, expected) in commands(&block.text) {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let run = nurture(&args);
                    run.assert_clean_exit(&args.join(" "));
                    assert_eq!(
                        run.code(),
                        Some(expected),
                        "`nurture {}` exited {:?}:\n{}{}",
                        args.join(" "),
                        run.code(),
                        run.stdout,
                        run.stderr
                    );
                    output.push_str(&run.stdout);
                    output.push_str(&run.stderr);
                    ran.push(args.first().map(|s| (*s).to_string()).unwrap_or_default());
                }
                last_output = Some(output);
            }
            "text" if block.follows_block && last_output.is_some() => {
                let output = last_output.take().unwrap_or_default();
                let printed: Vec<&str> = output.lines().map(str::trim_end).collect();
                for line in block.text.lines().filter(|l| !l.trim().is_empty()) {
                    assert!(
                        printed.contains(&line.trim_end()),
                        "the tutorial shows a line the command did not print:\n{line}\n--- it printed:\n{output}"
                    );
                }
            }
            "bash" | "shell" | "console" | "shell-session" => panic!(
                "a `{}` block in the tutorial: commands go in ```sh blocks, which the test runs",
                block.lang
            ),
            _ => last_output = None,
        }
    }
    // The path the tutorial promises: check, test, segments, simulate, explain.
    for command in ["check", "test", "segments", "simulate", "explain"] {
        assert!(
            ran.iter().any(|c| c == command),
            "the tutorial runs no `nurture {command}`"
        );
    }
}

#[test]
fn the_tutorial_quotes_the_shipped_mapping_campaign_and_export() {
    let blocks = blocks(&tutorial());
    let json: Vec<&Block> = blocks.iter().filter(|b| b.lang == "json").collect();
    assert_eq!(json.len(), 1, "one mapping is quoted");
    let quoted: serde_json::Value = serde_json::from_str(&json[0].text).unwrap();
    let shipped: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/mappings/hubspot_contacts.map.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(quoted, shipped, "the tutorial's mapping is the shipped one");

    let campaign: Vec<&Block> = blocks.iter().filter(|b| b.lang == "nurture").collect();
    assert_eq!(campaign.len(), 1, "one campaign is quoted");
    let shipped =
        std::fs::read_to_string(root().join("examples/mappings/first_campaign.nurture")).unwrap();
    assert_eq!(
        campaign[0].text, shipped,
        "the tutorial's campaign is examples/mappings/first_campaign.nurture"
    );

    let export = blocks
        .iter()
        .find(|b| b.lang == "text" && b.text.starts_with("Record ID,"))
        .expect("the head of the HubSpot export is quoted");
    let shipped =
        std::fs::read_to_string(root().join("examples/mappings/hubspot_contacts.csv")).unwrap();
    let head: Vec<&str> = shipped.lines().take(export.text.lines().count()).collect();
    assert_eq!(export.text.lines().collect::<Vec<_>>(), head);
}

#[test]
fn the_readme_links_the_tutorial() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains("](docs/tutorial.md)"),
        "README.md links docs/tutorial.md"
    );
}

#[test]
fn the_command_reader_splits_quotes_continuations_and_exit_codes() {
    let got = commands("# a comment\nnurture a \"b c\" \\\n  d\n# exit 2\nnurture e\n");
    assert_eq!(
        got,
        vec![
            (vec!["a".to_string(), "b c".to_string(), "d".to_string()], 0),
            (vec!["e".to_string()], 2)
        ]
    );
}
