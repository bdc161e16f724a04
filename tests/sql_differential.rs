//! Differential test of the SQL backend: random programs over the
//! vocabulary `nurture sql` compiles (stages, points, tags, fields of every
//! type with their tests, behaviour clauses with targets, filters, counts,
//! windows in days, weeks and hours, `different`, `no`/`never`, aggregates,
//! first/last, filters on two properties of a custom event, lists and
//! do-not-contact, segments of segments, calendar tests, page patterns, a small
//! safe set of regexes, time zones with daylight-saving changes) over
//! random contacts and events placed on window edges (T−D and T), around
//! daylight-saving days and with unset values. Each program is evaluated
//! in-process (`eval::population::contact_at`), in DuckDB and in
//! PostgreSQL; the per-contact rows (ids and every column) must be equal.
//!
//! Batched: one DuckDB process and one psql session for a batch of
//! programs, each program's tables in a schema (PostgreSQL) or a fresh
//! database (DuckDB) of its own.
//!
//! - `NURTURE_SQL_PROGRAMS`: how many programs (default 250, about a
//!   minute in CI); `NURTURE_SQL_FIRST`: the index of the first (default 0);
//! - `NURTURE_SQL_SEED`: the seed (default a fixed one; `random` picks one
//!   and prints it). Program i of seed s is the same on every machine, so a
//!   failure reproduces with `NURTURE_SQL_SEED=s NURTURE_SQL_FIRST=i
//!   NURTURE_SQL_PROGRAMS=1`.
//!
//! Needs DuckDB (target/sql-venv) and a PostgreSQL server
//! (`NURTURE_TEST_POSTGRES`, `scripts/test-postgres.sh`); fails without.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "support/sql_agree.rs"]
mod sql_agree;
#[path = "support/sql_gen.rs"]
mod sql_gen;

use sql_agree::{Engine, Job};

const DEFAULT_SEED: u64 = 20_261_202;
const BATCH: usize = 50;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if v == "random" => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            eprintln!("{name}={seed}");
            seed
        }
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

#[test]
fn random_programs_agree_in_the_interpreter_duckdb_and_postgresql() {
    let seed = env_u64("NURTURE_SQL_SEED", DEFAULT_SEED);
    let count = env_u64("NURTURE_SQL_PROGRAMS", 250) as usize;
    let first = env_u64("NURTURE_SQL_FIRST", 0) as usize;
    eprintln!("NURTURE_SQL_SEED={seed} NURTURE_SQL_FIRST={first} NURTURE_SQL_PROGRAMS={count}");
    let mut failures = Vec::new();
    let mut compared = 0usize;
    // Cells true and false over the run: a generator whose tests were
    // almost always one way would prove little.
    let (mut trues, mut falses) = (0usize, 0usize);
    let indices: Vec<usize> = (first..first + count).collect();
    for batch in indices.chunks(BATCH) {
        let dir = common::scratch(&format!("sql-differential-{seed}-{}", batch[0]));
        let cases: Vec<sql_gen::Case> = batch
            .iter()
            .map(|&i| sql_gen::Case::generate(seed, i))
            .collect();
        let jobs: Vec<Job> = cases
            .iter()
            .map(|case| {
                let sub = dir.join(format!("p{}", case.index));
                std::fs::create_dir_all(&sub).unwrap();
                let program = sql_agree::program_from(&sub, &case.rules).unwrap_or_else(|d| {
                    panic!(
                        "generated program {} does not check:\n{}\n{d}",
                        case.index, case.rules
                    )
                });
                let contacts = sub.join("contacts.csv");
                let events = sub.join("events.csv");
                std::fs::write(&contacts, &case.contacts).unwrap();
                std::fs::write(&events, &case.events).unwrap();
                Job {
                    program,
                    contacts,
                    events,
                    instants: case.instants.clone(),
                    parameter: Some(case.index % case.instants.len()),
                }
            })
            .collect();
        // Both engines at once: each is a process of its own.
        let name = format!("diff-{seed}-{}", batch[0]);
        // A batch an engine rejects as a whole (a script PostgreSQL stops
        // at) says how to run just that batch again; the engine's own
        // message is printed above by the panic.
        let (duck, pg) = std::thread::scope(|scope| {
            let duck = scope.spawn(|| sql_agree::run(Engine::DuckDb, &name, &jobs));
            let pg = scope.spawn(|| sql_agree::run(Engine::Postgres, &name, &jobs));
            let again = format!(
                "reproduce with NURTURE_SQL_SEED={seed} NURTURE_SQL_FIRST={} NURTURE_SQL_PROGRAMS={}",
                batch[0],
                batch.len()
            );
            (
                duck.join()
                    .unwrap_or_else(|_| panic!("DuckDB failed on a batch; {again}")),
                pg.join()
                    .unwrap_or_else(|_| panic!("PostgreSQL failed on a batch; {again}")),
            )
        });
        for ((case, job), (d, p)) in cases.iter().zip(&jobs).zip(duck.iter().zip(&pg)) {
            let dataset = sql_agree::load(&job.program, &job.contacts, &job.events);
            for (k, &at) in job.instants.iter().enumerate() {
                let want = sql_agree::expected(&job.program, &dataset, at);
                compared += 1;
                for row in &want {
                    trues += row.iter().skip(1).filter(|c| *c == "true").count();
                    falses += row.iter().skip(1).filter(|c| *c == "false").count();
                }
                for (engine, answer) in [(Engine::DuckDb, &d[k]), (Engine::Postgres, &p[k])] {
                    if let Some(why) = sql_agree::disagreement(answer, &want) {
                        failures.push(format!(
                            "=== program {} (NURTURE_SQL_SEED={seed} NURTURE_SQL_FIRST={} NURTURE_SQL_PROGRAMS=1), {} at {}{}:\n{why}\n--- rules\n{}\n--- contacts.csv\n{}--- events.csv\n{}",
                            case.index,
                            case.index,
                            engine.name(),
                            nurture::base::time::rfc3339(at),
                            if job.parameter == Some(k) { " (as a parameter)" } else { "" },
                            case.rules,
                            case.contacts,
                            case.events
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{count} programs, {compared} instants compared, {trues} cells true, {falses} false");
    let cells = trues + falses;
    assert!(
        cells > 0 && trues * 10 >= cells && falses * 10 >= cells,
        "the generated cases decide little: {trues} cells true, {falses} false"
    );
    assert!(
        failures.is_empty(),
        "{} disagreements (the first 5):\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// A disagreement names the contact, the column and both values; a
/// different set of contacts names both lists; a failed query its error.
#[test]
fn a_disagreement_says_where_the_rows_differ() {
    let header = vec!["contact_id".to_string(), "segment_s0".to_string()];
    let row = |id: &str, v: &str| vec![id.to_string(), v.to_string()];
    let want = vec![row("a", "true"), row("b", "false")];
    let same: sql_agree::Answer = Ok((header.clone(), want.clone()));
    assert_eq!(sql_agree::disagreement(&same, &want), None);
    let cell: sql_agree::Answer = Ok((header.clone(), vec![row("a", "true"), row("b", "true")]));
    assert_eq!(
        sql_agree::disagreement(&cell, &want).unwrap(),
        "  b segment_s0: SQL true, interpreter false"
    );
    let ids: sql_agree::Answer = Ok((header, vec![row("a", "true")]));
    assert_eq!(
        sql_agree::disagreement(&ids, &want).unwrap(),
        "contacts differ: SQL [\"a\"], interpreter [\"a\", \"b\"]"
    );
    let failed: sql_agree::Answer = Err("syntax error".to_string());
    assert_eq!(
        sql_agree::disagreement(&failed, &want).unwrap(),
        "the query failed: syntax error"
    );
}

/// Case i of a seed is the same whenever it is made, and seeds differ.
#[test]
fn a_generated_case_reproduces_from_its_seed_and_index() {
    let a = sql_gen::Case::generate(7, 3);
    let b = sql_gen::Case::generate(7, 3);
    assert_eq!(
        (&a.rules, &a.contacts, &a.events, &a.instants),
        (&b.rules, &b.contacts, &b.events, &b.instants)
    );
    let c = sql_gen::Case::generate(8, 3);
    assert_ne!((&a.rules, &a.contacts), (&c.rules, &c.contacts));
}
