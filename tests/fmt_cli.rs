//! `nurture fmt` through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::nurture;
use std::path::{Path, PathBuf};

/// A scratch folder of this test file's own (names are shared across
/// test binaries that run at the same time).
fn temp_dir(name: &str) -> PathBuf {
    common::scratch(&format!("fmt-{name}"))
}

const UNFORMATTED: &str =
    "stages A -> B\nrule r : when stage is A   then move to B and add 1 points # go\n";
const FORMATTED: &str =
    "stages A, B\nrule r:\n  when stage is A\n  then move to B, add 1 point  # go\n";

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn shipped_examples_are_formatted() {
    let out = nurture(&["fmt", "--check", "examples/"]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stdout.clone());
    assert_eq!(out.stdout.clone(), "");
}

#[test]
fn check_reports_and_leaves_the_file_alone() {
    let dir = temp_dir("check");
    let file = dir.join("a.nurture");
    std::fs::write(&file, UNFORMATTED).unwrap();
    std::fs::write(dir.join("b.nurture"), "field x: text\n").unwrap();
    let out = nurture(&["fmt", "--check", p(&dir)]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = out.stdout.clone();
    assert_eq!(stdout, format!("would reformat: {}\n", file.display()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), UNFORMATTED);
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = temp_dir("write");
    let file = dir.join("a.nurture");
    std::fs::write(&file, UNFORMATTED).unwrap();
    let out = nurture(&["fmt", p(&file)]);
    assert_eq!(out.status.code(), Some(0), "{}", out.stderr.clone());
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_eq!(formatted, FORMATTED);
    let out = nurture(&["fmt", "--check", p(&file)]);
    assert_eq!(out.status.code(), Some(0));
    // Formatting a formatted file changes nothing.
    let out = nurture(&["fmt", p(&file)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.clone(), "");
}

#[test]
fn broken_files_are_reported_and_untouched() {
    let dir = temp_dir("broken");
    let file = dir.join("bad.nurture");
    let broken = "rule r: when stage is then move to B\n";
    std::fs::write(&file, broken).unwrap();
    let out = nurture(&["fmt", p(&file)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = out.stderr.clone();
    assert!(stderr.contains("E01"), "{stderr}");
    assert!(stderr.contains("bad.nurture"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

#[test]
fn missing_paths_are_usage_errors() {
    let out = nurture(&["fmt", "no/such/file.nurture"]);
    assert_eq!(out.status.code(), Some(2));
}
