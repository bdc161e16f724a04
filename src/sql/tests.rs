//! Unit tests of the SQL compiler on small programs (the whole examples are
//! snapshot-tested in tests/sql_snapshots.rs and run in DuckDB by
//! tests/sql_agreement.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use super::*;

fn program(source: &str) -> Program {
    let checked = crate::driver::check_source(
        std::path::Path::new("t.nurture"),
        "t.nurture",
        source.to_string(),
    );
    checked.program.expect("a program")
}

fn sql(source: &str, dialect: Dialect) -> String {
    let mut options = SqlOptions::new(dialect);
    options.at = Some(1_750_000_000);
    compile(&program(source), &options).expect("compiles")
}

#[test]
fn one_question_asked_twice_is_one_cte() {
    let text = sql(
        "segment a = opened 3 emails in last 30 days\nsegment b = opened 5 emails in last 30 days\n",
        Dialect::DuckDb,
    );
    assert_eq!(
        text.matches("_count_email_opened_in_last_30_days AS (")
            .count(),
        1
    );
    assert!(text.contains("COALESCE(q0.value, 0) AS q0"), "{text}");
    assert!(text.contains("(q0 >= 3) AS \"segment_a\""), "{text}");
    assert!(text.contains("(q0 >= 5) AS \"segment_b\""), "{text}");
}

#[test]
fn scripts_are_refused_with_their_code_and_span() {
    let source = "script always: bool ```\ntrue\n```\nsegment s = script always\n";
    let errors = compile(&program(source), &SqlOptions::new(Dialect::Postgres)).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code.as_str(), "E0901");
    assert_eq!(
        &source[errors[0].span.start..errors[0].span.end],
        "script always"
    );
}

#[test]
fn a_regex_a_dialect_cannot_match_is_refused() {
    let source = "field title: text\nsegment s = title matches \"a\\\\bceo\"\n";
    let errors = compile(&program(source), &SqlOptions::new(Dialect::DuckDb)).unwrap_err();
    assert_eq!(errors[0].code.as_str(), "E0903");
    assert!(errors[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("word boundary"));
}

#[test]
fn segments_using_segments_come_a_level_later() {
    let text = sql(
        "segment a = points > 3\nsegment b = in segment a and points < 9\n",
        Dialect::Postgres,
    );
    let a = text.find("AS \"segment_a\"").unwrap();
    let level2 = text.find("nurture_level_2 AS (").unwrap();
    let b = text.find("AS \"segment_b\"").unwrap();
    assert!(a < level2 && level2 < b, "{text}");
}
