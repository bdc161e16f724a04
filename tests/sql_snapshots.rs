//! The SQL `nurture sql` prints for every shipped example, in both
//! dialects, through the real binary: the script when the example
//! compiles, else the diagnostics of what does not (exit 1). Plus the other
//! shapes: views, the instant as a parameter, other table names, and the
//! machine formats of the diagnostics. What the SQL means is proven in
//! tests/sql_duckdb.rs; these snapshots show what changed when it changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::nurture;

const EXAMPLES: &[&str] = &[
    "ad_leads",
    "b2b_lifecycle",
    "ecommerce_lifecycle",
    "journey_milestones",
    "sales_funnel",
    "scoring_handoff",
];

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
