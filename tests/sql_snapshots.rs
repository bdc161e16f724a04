//! The SQL `nurture sql` prints for every shipped example, in both
//! dialects, through the real binary: the script when the example
//! compiles, else the diagnostics of what does not (exit 1). Plus the other
//! shapes: views, the instant as a parameter, other table names, and the
//! machine formats of the diagnostics. What the SQL means is proven in
//! tests/sql_agreement.rs; these snapshots show what changed when it changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_cases.rs"]
mod sql_cases;

use common::nurture;

use sql_cases::EXAMPLES;

#[test]
fn every_example_in_both_dialects() {
    for example in EXAMPLES {
        for dialect in ["duckdb", "postgres"] {
            let path = format!("examples/{example}.nurture");
            let run = nurture(&["sql", &path, "--dialect", dialect, "--at", "2025-07-01"]);
            run.assert_clean_exit(&path);
            let name = format!("{example}_{dialect}");
            match run.code() {
                Some(0) => {
                    assert!(run.stderr.is_empty(), "{name}: {}", run.stderr);
                    insta::assert_snapshot!(name, run.stdout);
                }
                Some(1) => {
                    assert!(run.stdout.is_empty(), "{name}: SQL printed with errors");
                    assert!(run.stderr.contains("error[E09") || run.stderr.contains("E090"));
                    insta::assert_snapshot!(format!("{name}_refused"), run.stderr);
                }
                other => panic!("{name}: exit {other:?}\n{}", run.stderr),
            }
        }
    }
}

#[test]
fn views_a_parameter_and_own_table_names() {
    for dialect in ["duckdb", "postgres"] {
        let run = nurture(&[
            "sql",
            "examples/b2b_lifecycle.nurture",
            "--dialect",
            dialect,
            "--format",
            "views",
            "--contacts-table",
            "crm.people",
            "--events-table",
            "crm.activity",
        ]);
        assert_eq!(run.code(), Some(0), "{}", run.stderr);
        insta::assert_snapshot!(format!("b2b_lifecycle_{dialect}_views"), run.stdout);
    }
}

#[test]
fn diagnostics_in_the_machine_formats() {
    for format in ["json", "github"] {
        let run = nurture(&[
            "sql",
            "examples/ecommerce_lifecycle.nurture",
            "--dialect",
            "postgres",
            "--diagnostics",
            format,
        ]);
        assert_eq!(run.code(), Some(1));
        insta::assert_snapshot!(format!("ecommerce_lifecycle_refused_{format}"), run.stdout);
    }
}

#[test]
fn a_bad_instant_or_a_broken_program_cannot_run() {
    let run = nurture(&[
        "sql",
        "examples/b2b_lifecycle.nurture",
        "--dialect",
        "duckdb",
        "--at",
        "yesterday",
    ]);
    assert_eq!(run.code(), Some(2));
    assert!(run.stdout.is_empty());
    let run = nurture(&["sql", "no-such.nurture", "--dialect", "duckdb"]);
    assert_eq!(run.code(), Some(2));
}

/// docs/diagnostics.md shows, for E0901 and E0903, an example and what
/// `nurture sql` prints for it: the real output, and the fix compiles.
#[test]
fn the_docs_of_the_sql_codes_quote_the_real_output() {
    let docs = std::fs::read_to_string(common::root().join("docs/diagnostics.md")).unwrap();
    for (code, file, dialect) in [
        ("E0901", "vip.nurture", "postgres"),
        ("E0903", "titles.nurture", "duckdb"),
    ] {
        let start = docs.find(&format!("\n## {code}\n")).unwrap();
        let end = start + 1 + docs[start + 1..].find("\n## ").unwrap();
        let section = &docs[start..end];
        // The ```nurture blocks (````nurture when they quote a script).
        let mut blocks: Vec<String> = Vec::new();
        let mut open: Option<(&str, String)> = None;
        for line in section.lines() {
            match &mut open {
                None if line == "```nurture" || line == "````nurture" => {
                    open = Some((line.trim_end_matches("nurture"), String::new()));
                }
                Some((fence, text)) if line == *fence => {
                    blocks.push(std::mem::take(text));
                    open = None;
                }
                Some((_, text)) => {
                    text.push_str(line);
                    text.push('\n');
                }
                None => {}
            }
        }
        let dir = common::scratch(&format!("sql-docs-{code}"));
        std::fs::write(dir.join(file), &blocks[0]).unwrap();
        let run = common::nurture_in(&dir, &["sql", file, "--dialect", dialect]);
        assert_eq!(run.code(), Some(1), "{code}");
        assert!(run.stderr.contains(code));
        assert!(
            section.contains(run.stderr.trim_end()),
            "the docs of {code} do not quote the real output:\n{}",
            run.stderr
        );
        std::fs::write(dir.join("fixed.nurture"), blocks.last().unwrap()).unwrap();
        let fixed = common::nurture_in(&dir, &["sql", "fixed.nurture", "--dialect", dialect]);
        assert_eq!(fixed.code(), Some(0), "{code} fix: {}", fixed.stderr);
    }
}
