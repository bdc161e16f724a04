#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

#[test]
fn engines_are_named_by_url_or_duckdb_file() {
    assert_eq!(
        Engine::parse("postgres://me@localhost:5432/crm"),
        Ok(Engine::Postgres(
            "postgres://me@localhost:5432/crm".to_string()
        ))
    );
    assert!(matches!(
        Engine::parse("postgresql://h/db"),
        Ok(Engine::Postgres(_))
    ));
    assert_eq!(
        Engine::parse("duckdb:data/warehouse.duckdb"),
        Ok(Engine::DuckDb(PathBuf::from("data/warehouse.duckdb")))
    );
    assert!(Engine::parse("duckdb:")
        .unwrap_err()
        .contains("needs the database file"));
    let unknown = Engine::parse("mysql://root:hunter2@db/crm").unwrap_err();
    assert!(
        unknown.contains("postgres://USER@HOST:PORT/DATABASE"),
        "{unknown}"
    );
    assert!(!unknown.contains("hunter2"), "{unknown}");
}

#[test]
fn passwords_are_never_shown() {
    assert_eq!(
        redact("postgres://me:s3cret@db:5432/crm"),
        "postgres://me:***@db:5432/crm"
    );
    assert_eq!(
        redact("postgres://me:p@ss@db/crm"),
        "postgres://me:***@db/crm"
    );
    assert_eq!(redact("postgres://me@db/crm"), "postgres://me@db/crm");
    assert_eq!(redact("postgres://db"), "postgres://db");
    assert_eq!(
        redact("postgres://db/crm?user=me&password=s3cret&sslmode=disable"),
        "postgres://db/crm?user=me&password=***&sslmode=disable"
    );
    assert_eq!(
        redact("postgres://me:x@db?PASSWORD=y"),
        "postgres://me:***@db?PASSWORD=***"
    );
    assert_eq!(redact("duckdb:file"), "duckdb:file");
}

fn program(text: &str) -> Program {
    crate::driver::check_source(
        std::path::Path::new("t.nurture"),
        "t.nurture",
        text.to_string(),
    )
    .program
    .expect("a program")
}

fn row(cells: &[&str]) -> Vec<Vec<Option<String>>> {
    vec![cells.iter().map(|c| Some(c.to_string())).collect()]
}

#[test]
fn counts_are_read_in_program_order_and_event_rules_have_none() {
    let program = program(
        "stages Lead, MQL\nemail welcome\nsegment a = points >= 1\nsegment b = points >= 2\n\
         rule r1:\n  when points >= 3\n  then add 1 point\n\
         rule r2:\n  on opened email welcome\n  then add 1 point\n\
         rule r3:\n  when points >= 4\n  then add 1 point\n",
    );
    let counts = read_counts(&program, 7, &row(&["10", "5", "4", "3", "2"])).unwrap();
    assert_eq!(
        counts,
        EngineCounts {
            at: 7,
            contacts: 10,
            segments: vec![5, 4],
            rule_conditions: vec![Some(3), None, Some(2)],
            notes: Vec::new(),
        }
    );
    let short = read_counts(&program, 7, &row(&["10", "5"])).unwrap_err();
    assert_eq!(short.code, codes::ENGINE_FAILED);
    assert!(
        short
            .message
            .contains("2 columns where the query returns 5"),
        "{}",
        short.message
    );
    let text = read_counts(&program, 7, &row(&["10", "5", "x", "3", "2"])).unwrap_err();
    assert!(
        text.message.contains("`x` where the query returns a count"),
        "{}",
        text.message
    );
    let none = read_counts(&program, 7, &[]).unwrap_err();
    assert!(none.message.contains("0 rows"), "{}", none.message);
}
