//! Hostile input through the real binary (the product brief, section 7): truncated,
//! random, binary, huge and deeply nested files. Whatever the input,
//! `nurture check` must end by itself within the deadline, without a panic
//! or a signal, with exit code 0, 1 or 2, and its JSON report must be JSON
//! whose error count agrees with the exit code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_with_deadline, Run, DEADLINE};
use std::path::Path;
use std::time::Duration;

/// The unoptimised binary parses about ten times slower than a release
/// build; the multi-megabyte cases get more time there. With
/// `cargo test --release --test hostile` every case is held to [`DEADLINE`].
fn big_deadline() -> Duration {
    if cfg!(debug_assertions) {
        DEADLINE * 6
    } else {
        DEADLINE
    }
}

/// Checks `bytes` as `NAME.nurture` in every output format.
fn survives(dir: &Path, name: &str, bytes: &[u8]) {
    survives_within(dir, name, bytes, DEADLINE);
}

fn survives_within(dir: &Path, name: &str, bytes: &[u8], deadline: Duration) {
    survives_in_formats(
        dir,
        name,
        bytes,
        deadline,
        &["json", "human", "github", "sarif"],
    );
}

fn survives_in_formats(dir: &Path, name: &str, bytes: &[u8], deadline: Duration, formats: &[&str]) {
    let file = format!("{name}.nurture");
    std::fs::write(dir.join(&file), bytes).expect("write hostile file");
    for format in formats {
        let run = nurture_with_deadline(dir, &["check", &file, "--format", format], deadline);
        let what = format!("{file} ({} bytes) --format {format}", bytes.len());
        run.assert_clean_exit(&what);
        if *format == "json" {
            consistent(&run, &what);
        }
    }
}

/// The JSON report parses and agrees with the exit code.
fn consistent(run: &Run, what: &str) {
    let report = run.json();
    let errors = report["errors"]
        .as_u64()
        .unwrap_or_else(|| panic!("{what}: no `errors`"));
    match run.code() {
        Some(0) => assert_eq!(errors, 0, "{what}: exit 0 with errors"),
        Some(1) => assert!(errors > 0, "{what}: exit 1 without errors"),
        other => panic!("{what}: exit {other:?} for a file that exists"),
    }
}

/// A small, seeded, dependency-free generator (SplitMix64), so every run
/// tests the same files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }
}

fn example() -> Vec<u8> {
    std::fs::read(common::root().join("examples/b2b_lifecycle.nurture")).expect("read example")
}

#[test]
fn every_prefix_of_the_example() {
    let dir = common::scratch("hostile-prefixes");
    let text = example();
    let cuts = 30;
    for i in 0..=cuts {
        // Raw byte offsets: some cut a multi-byte character in half.
        let end = text.len() * i / cuts;
        survives(&dir, &format!("prefix-{end}"), &text[..end]);
    }
    // And a cut inside each multi-byte character of the example.
    for (at, _) in String::from_utf8_lossy(&text)
        .char_indices()
        .filter(|(_, c)| c.len_utf8() > 1)
        .take(5)
    {
        survives(&dir, &format!("split-char-{at}"), &text[..at + 1]);
    }
}

#[test]
fn every_suffix_and_middle_cut_of_the_example() {
    let dir = common::scratch("hostile-suffixes");
    let text = example();
    let cuts = 10;
    for i in 1..cuts {
        let at = text.len() * i / cuts;
        survives_in_formats(
            &dir,
            &format!("suffix-{at}"),
            &text[at..],
            DEADLINE,
            &["json", "human"],
        );
        let mut holed = text[..at].to_vec();
        holed.extend_from_slice(&text[(at + 97).min(text.len())..]);
        survives_in_formats(
            &dir,
            &format!("hole-{at}"),
            &holed,
            DEADLINE,
            &["json", "human"],
        );
    }
}

#[test]
fn two_hundred_random_byte_files() {
    let dir = common::scratch("hostile-random-bytes");
    let mut rng = Rng(0x5EED_0001);
    for i in 0..200 {
        let len = rng.below(4096);
        let bytes: Vec<u8> = match i % 4 {
            // Any bytes: mostly not UTF-8.
            0 => (0..len).map(|_| (rng.next() & 0xFF) as u8).collect(),
            // Printable ASCII and line breaks: always UTF-8, never Nurture.
            1 => (0..len)
                .map(|_| match rng.below(20) {
                    0 => b'\n',
                    _ => b' ' + (rng.below(95) as u8),
                })
                .collect(),
            // Random code points, including controls and astral ones.
            2 => (0..len / 4)
                .filter_map(|_| {
                    char::from_u32(u32::try_from(rng.next() % 0x11_0000).expect("fits"))
                })
                .collect::<String>()
                .into_bytes(),
            // Bytes from the example's alphabet, so the parser gets further.
            _ => {
                let source = example();
                (0..len).map(|_| source[rng.below(source.len())]).collect()
            }
        };
        survives_in_formats(
            &dir,
            &format!("random-{i}"),
            &bytes,
            DEADLINE,
            &["json", "human"],
        );
    }
}

#[test]
fn two_hundred_random_token_soups() {
    // Words and symbols of the language in random order: each file gets
    // deep into the grammar before it fails (or, rarely, parses).
    const TOKENS: &[&str] = &[
        "stages",
        "A",
        ",",
        "B",
        "campaign",
        "\"c\"",
        "{",
        "}",
        "timezone",
        "\"UTC\"",
        "quiet",
        "hours",
        "21:00",
        "to",
        "08:00",
        "at",
        "most",
        "1",
        "email",
        "per",
        "2",
        "days",
        "field",
        "f",
        ":",
        "number",
        "text",
        "page",
        "p",
        "=",
        "\"/p*\"",
        "form",
        "d",
        "segment",
        "s",
        "rule",
        "r",
        "when",
        "if",
        "then",
        "else",
        "end",
        "on",
        "opened",
        "clicked",
        "visited",
        "submitted",
        "purchase",
        "5",
        "emails",
        "in",
        "last",
        "30",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        "move",
        "send",
        "wait",
        "7",
        "add",
        "points",
        "tag",
        "\"hot\"",
        "stage",
        ">=",
        "is",
        "set",
        "where",
        "amount",
        ">",
        "100",
        "total",
        "since",
        "2024-01-01",
        "exit",
        "repeat",
        "every",
        "unless",
        "again",
        "notify",
        "sales",
        "\n",
        "#",
        "\"",
        "event",
        "import",
        "\"x.nurture\"",
        "decay",
        "by",
        "10",
        "%",
        "priority",
        "matches",
        "\"(?i)x\"",
        "\\",
        "'",
        "==",
        "→",
        "ü",
        "\t",
    ];
    let dir = common::scratch("hostile-token-soups");
    let mut rng = Rng(0x5EED_0002);
    for i in 0..200 {
        let count = 1 + rng.below(300);
        let mut text = String::new();
        for _ in 0..count {
            text.push_str(TOKENS[rng.below(TOKENS.len())]);
            text.push(' ');
        }
        survives_in_formats(
            &dir,
            &format!("soup-{i}"),
            text.as_bytes(),
            DEADLINE,
            &["json", "human"],
        );
    }
}

#[test]
fn ten_thousand_nested_parentheses() {
    let dir = common::scratch("hostile-parens");
    let n = 10_000;
    let text = format!("segment s = {}points > 1{}\n", "(".repeat(n), ")".repeat(n));
    survives(&dir, "parens", text.as_bytes());
    // Unbalanced, and square brackets.
    survives(&dir, "open-parens", "(".repeat(n).as_bytes());
    let text = format!(
        "field f: text\nsegment s = f in {}\"x\"{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    survives(&dir, "brackets", text.as_bytes());
}

#[test]
fn a_hundred_thousand_nots() {
    let dir = common::scratch("hostile-nots");
    let text = format!("segment s = {}points > 1\n", "not ".repeat(100_000));
    survives(&dir, "nots", text.as_bytes());
    // `not`s separated by brackets, which the run-of-`not`s limit does not see.
    let text = format!(
        "segment s = {}points > 1{}\n",
        "not (".repeat(1_000),
        ")".repeat(1_000)
    );
    survives(&dir, "not-parens", text.as_bytes());
}

#[test]
fn deeply_nested_branches() {
    let dir = common::scratch("hostile-branches");
    for depth in [50, 200, 1_000, 10_000, 100_000] {
        let text = format!(
            "email a\nrule r:\n  when points > 1\n  then {}send email a{}\n",
            "if points > 1 then ".repeat(depth),
            " end".repeat(depth)
        );
        survives(&dir, &format!("branches-{depth}"), text.as_bytes());
        // With `else` branches too.
        let text = format!(
            "email a\nrule r:\n  when points > 1\n  then {}send email a{}\n",
            "if points > 1 then stop else ".repeat(depth),
            " end".repeat(depth)
        );
        survives(&dir, &format!("else-branches-{depth}"), text.as_bytes());
    }
}

/// Valid, realistic rules, about `size` bytes.
fn valid_rules(size: usize) -> String {
    let mut text =
        String::from("stages Subscriber, Lead, MQL, SQL, Customer\nfield country: text\n");
    let mut i = 0;
    while text.len() < size {
        text.push_str(&format!(
            "email m{i}\npage p{i} = \"/p{i}*\"\n\
             segment s{i} = opened 3 emails in last 30 days or visited p{i} or country = \"PL\"\n\
             rule r{i}:\n  when stage is Lead and in segment s{i}\n  then move to MQL, send email m{i}\n\n"
        ));
        i += 1;
    }
    text
}

#[test]
fn a_five_megabyte_valid_file() {
    let dir = common::scratch("hostile-valid-5mb");
    let text = valid_rules(5 * 1024 * 1024);
    // The human report of a valid file is one line, so one format shows it.
    survives_in_formats(
        &dir,
        "valid-5mb",
        text.as_bytes(),
        big_deadline(),
        &["json"],
    );
}

#[test]
fn a_five_megabyte_string_literal() {
    let dir = common::scratch("hostile-string-5mb");
    let big = "x".repeat(5 * 1024 * 1024);
    let text = format!("field country: text\nsegment s = country = \"{big}\"\n");
    survives_in_formats(
        &dir,
        "string-5mb",
        text.as_bytes(),
        big_deadline(),
        &["json", "human"],
    );
    // Unclosed: the error spans the whole line.
    let text = format!("field country: text\nsegment s = country = \"{big}\n");
    survives_in_formats(
        &dir,
        "unclosed-5mb",
        text.as_bytes(),
        big_deadline(),
        &["json"],
    );
}

#[test]
fn files_over_the_size_limit() {
    let dir = common::scratch("hostile-oversize");
    // Over the parser's 8 MiB limit: refused with E0107, not parsed.
    let mut text = "# a comment line of padding, repeated to make the file large\n".repeat(150_000);
    text.push_str("email welcome\n");
    survives_in_formats(
        &dir,
        "over-8mib",
        text.as_bytes(),
        big_deadline(),
        &["json"],
    );
}

#[test]
fn a_file_of_nul_bytes() {
    let dir = common::scratch("hostile-nul");
    survives(&dir, "nul", &[0u8; 100_000]);
    survives(&dir, "one-nul", &[0u8]);
    survives(&dir, "empty", b"");
    survives(&dir, "bom", "\u{feff}stages A, B\n".as_bytes());
    survives(
        &dir,
        "crlf",
        b"stages A, B\r\nemail welcome\r\non opened email then send email welcome\r\n",
    );
    survives(&dir, "lone-cr", b"stages A\remail x\r");
}

#[test]
fn a_very_long_line_in_json() {
    let dir = common::scratch("hostile-long-line-json");
    survives_in_formats(
        &dir,
        "long-line",
        long_line().as_bytes(),
        big_deadline(),
        &["json", "github", "sarif"],
    );
}

/// One line of 1.7 MB, with a syntax error at its end.
fn long_line() -> String {
    let names: Vec<String> = (0..200_000).map(|i| format!("e{i}")).collect();
    format!("email {} oops\n", names.join(", "))
}

#[test]
fn a_very_long_line_in_the_human_report() {
    let dir = common::scratch("hostile-long-line-human");
    survives_in_formats(
        &dir,
        "long-line",
        long_line().as_bytes(),
        big_deadline(),
        &["human"],
    );
}

#[test]
fn an_error_just_past_column_65535() {
    let dir = common::scratch("hostile-column-65536");
    let text = format!("email a{} oops\n", " ".repeat(65_600));
    survives_in_formats(&dir, "wide", text.as_bytes(), DEADLINE, &["human"]);
}

#[test]
fn an_error_just_before_column_65535() {
    let dir = common::scratch("hostile-column-65400");
    let text = format!("email a{} oops\n", " ".repeat(65_400));
    survives_in_formats(&dir, "wide", text.as_bytes(), DEADLINE, &["human", "json"]);
}

#[test]
fn many_files_at_once() {
    let dir = common::scratch("hostile-many-files");
    let mut rng = Rng(0x5EED_0003);
    let text = example();
    for i in 0..300 {
        let end = rng.below(text.len());
        std::fs::write(dir.join(format!("f{i:03}.nurture")), &text[..end]).expect("write");
    }
    let run = nurture_with_deadline(&dir, &["check", ".", "--format", "json"], DEADLINE);
    run.assert_clean_exit("300 truncated files");
    consistent(&run, "300 truncated files");
    assert_eq!(run.json()["files"], 300);
}
