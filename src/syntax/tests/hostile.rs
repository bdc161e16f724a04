//! Hostile input: every case returns promptly with an error or an AST.

use super::generate::rules_with_bytes;
use crate::syntax::{codes, parse};

/// Parses and checks that error spans are in bounds. (Hangs would stop the
/// test run; speed is measured by `benches/check.rs`, not asserted here.)
fn survives(source: &str) -> Result<(), Vec<crate::diagnostics::Code>> {
    match parse(source) {
        Ok(_) => Ok(()),
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                assert!(error.span.start <= error.span.end && error.span.end <= source.len());
                assert!(
                    source.is_char_boundary(error.span.start)
                        && source.is_char_boundary(error.span.end)
                );
                assert!(!error.message.is_empty());
            }
            Err(errors.iter().map(|e| e.code).collect())
        }
    }
}

#[test]
fn empty_and_blank_files_parse() {
    assert!(survives("").is_ok());
    assert!(survives("  \n\t\r\n# only a comment").is_ok());
}

#[test]
fn ten_thousand_nested_parens() {
    let source = format!(
        "segment s = {}x = 1{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_eq!(survives(&source), Err(vec![codes::TOO_DEEP]));
    let unbalanced = "(".repeat(10_000);
    assert_eq!(survives(&unbalanced), Err(vec![codes::TOO_DEEP]));
    let brackets = format!("segment s = x in {}", "[".repeat(10_000));
    assert_eq!(survives(&brackets), Err(vec![codes::TOO_DEEP]));
}

#[test]
fn a_hundred_thousand_nots() {
    let source = format!("segment s = {}x = 1", "not ".repeat(100_000));
    assert_eq!(survives(&source), Err(vec![codes::TOO_DEEP]));
}

#[test]
fn deeply_nested_branches() {
    let source = format!(
        "rule a: if x = 1 then {}stop{}",
        "if x = 1 then ".repeat(10_000),
        " end".repeat(10_000)
    );
    assert_eq!(survives(&source), Err(vec![codes::TOO_DEEP]));
}

#[test]
fn alternating_nots_and_parens() {
    let source = format!("segment s = {}x = 1{}", "not (".repeat(60), ")".repeat(60));
    assert!(survives(&source).is_ok());
}

#[test]
fn a_five_megabyte_string_literal() {
    let source = format!("segment s = x = \"{}\"", "a".repeat(5 * 1024 * 1024));
    assert!(survives(&source).is_ok());
    let unclosed = format!("segment s = x = \"{}", "a".repeat(5 * 1024 * 1024));
    assert_eq!(survives(&unclosed), Err(vec![codes::UNCLOSED_STRING]));
}

#[test]
fn nul_bytes_and_control_characters() {
    assert!(survives("\0").is_err());
    assert!(survives("stages A\0B").is_err());
    assert!(survives("segment s = x = \"a\0b\"").is_ok());
    let error = parse("segment s = x = \u{7}").unwrap_err().remove(0);
    assert!(error.message.contains("\\u{7}"), "{}", error.message);
}

#[test]
fn non_ascii_text() {
    assert!(survives("segment s = x = \"zażółć\" # komentarz ✓").is_ok());
    assert!(survives("segment żółw = x = 1").is_err());
    assert!(survives("stages A → B → C").is_ok());
    assert!(survives("→→→").is_err());
    assert!(survives("🙂").is_err());
}

/// Half a megabyte here; `tests/hostile.rs` runs the 5 MB file through the
/// release-mode binary, where it takes seconds rather than minutes.
#[test]
fn a_large_valid_file() {
    let source = rules_with_bytes(512 * 1024);
    assert!(survives(&source).is_ok());
}

#[test]
fn every_truncation_of_the_fixture_returns() {
    let fixture = super::FIXTURE;
    for end in (0..=fixture.len()).filter(|&i| fixture.is_char_boundary(i)) {
        let _ = survives(&fixture[..end]);
    }
}

#[test]
fn pseudo_random_bytes() {
    // A fixed xorshift stream: the same "random" files on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<char> = " \n\t\"#()[]{},:=<>!%-→0123456789abcdefghijklmnopqrstuvwxyzAZ_\\é\0"
        .chars()
        .collect();
    for _ in 0..300 {
        let len = (next() % 400) as usize;
        let source: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = survives(&source);
    }
}

#[test]
fn fixture_words_shuffled() {
    let words: Vec<&str> = super::FIXTURE.split_whitespace().collect();
    let mut state: u64 = 42;
    for _ in 0..200 {
        let source: String = (0..60)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                words[(state >> 33) as usize % words.len()]
            })
            .collect::<Vec<_>>()
            .join(" ");
        let _ = survives(&source);
    }
}
