//! `nurture segments`: segment and rule-condition counts for every contact
//! at one instant, on the data as it is.

use super::dry_run::{self, DataArgs, Exit};
use super::{output, script_failures, usage_error, EXIT_PROBLEMS};
use crate::base::number::{counted, thousands};
use crate::base::time::{local, rfc3339};
use crate::base::value::Instant;
use crate::database::{self, CountError, Engine, Tables};
use crate::diagnostics::SourceMap;
use crate::eval::population::{counts_at, PointInTime};
use crate::ir::Program;
use clap::ValueEnum;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
// Segments on contact fields need no events (see `without_events`).
#[command(mut_arg("events", |a| a
    .required(false)
    .help("Events, as for simulate; may be left out when no segment reads events (stage, points, tags and fields only)")))]
pub struct SegmentsArgs {
    /// The rules file
    rules: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The instant: a date (00:00 campaign time) or RFC 3339 [default: the
    /// last event; without --events, the last contact's created_at]
    #[arg(long)]
    at: Option<String>,
    /// Count in a database instead of files: `postgres://USER@HOST:PORT/DB`
    /// or `duckdb:FILE`, with the tables of docs/sql.md
    #[arg(long, value_name = "DATABASE", conflicts_with_all = ["contacts", "events", "mapping"])]
    engine: Option<String>,
    /// With --engine: the contacts table (may be schema-qualified)
    #[arg(long, requires = "engine", default_value = "contacts")]
    contacts_table: String,
    /// With --engine: the events table (may be schema-qualified)
    #[arg(long, requires = "engine", default_value = "events")]
    events_table: String,
    #[arg(long, value_enum, default_value_t = SegmentsFormat::Human)]
    format: SegmentsFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SegmentsFormat {
    Human,
    Json,
}

pub fn run(args: &SegmentsArgs) -> i32 {
    match segments(args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn segments(args: &SegmentsArgs) -> Result<i32, Exit> {
    let (program, sources) = dry_run::load_program(&args.rules)?;
    let at = match &args.at {
        Some(text) => Some(
            dry_run::parse_instant(text, program.settings.timezone, false)
                .map_err(|e| Exit(usage_error(&e)))?,
        ),
        None => None,
    };
    let (at, counts) = match &args.engine {
        Some(spec) => in_database(args, spec, &program, &sources, at)?,
        None => in_process(args, &program, at)?,
    };
    render(&program, at, &counts, args.format)?;
    Ok(script_failures(&counts.script_failures))
}

/// The counts from the data files, by the interpreter.
/// `at` is `--at`; without it, the last event (or `created_at`).
fn in_process(
    args: &SegmentsArgs,
    program: &Program,
    at: Option<Instant>,
) -> Result<(Instant, PointInTime), Exit> {
    let tz = program.settings.timezone;
    let no_events = args.data.events.is_none();
    if no_events {
        without_events(program)?;
    }
    let dataset = dry_run::load_data(program, &args.data)?;
    let at = match at {
        Some(at) => at,
        None if no_events => last_created(&dataset)?,
        None => {
            dry_run::period(&dataset, None, None, tz)
                .map_err(|e| Exit(usage_error(&e)))?
                .1
        }
    };
    let mut counts = counts_at(
        program,
        &dataset.contacts,
        &dataset.events,
        &dataset.contact_event_ranges,
        at,
    );
    if no_events {
        leave_out_rules_reading_events(program, &mut counts.rule_conditions);
    }
    Ok((at, counts))
}

/// The counts from a database, by the compiled SQL (docs/sql.md): what
/// cannot be compiled is reported as `nurture sql` reports it (exit 1),
/// what fails in the database with its code (exit 2).
fn in_database(
    args: &SegmentsArgs,
    spec: &str,
    program: &Program,
    sources: &SourceMap,
    at: Option<Instant>,
) -> Result<(Instant, PointInTime), Exit> {
    let engine = Engine::parse(spec).map_err(|e| Exit(usage_error(&e)))?;
    let tables = Tables {
        contacts: args.contacts_table.clone(),
        events: args.events_table.clone(),
    };
    match database::count(&engine, program, &tables, at) {
        Ok(counts) => {
            for note in &counts.notes {
                errln!("note: the database said: {note}");
            }
            Ok((
                counts.at,
                PointInTime {
                    contacts: counts.contacts,
                    segments: counts.segments,
                    rule_conditions: counts.rule_conditions,
                    script_failures: Default::default(),
                },
            ))
        }
        Err(CountError::Uncompilable(diagnostics)) => {
            super::sql_cmd::print_uncompilable(sources, &diagnostics);
            errln!(
                "error: `{}` cannot be compiled to SQL as it is, so it cannot be counted in a database; count it on files with --contacts and --events",
                super::paths::display(&args.rules)
            );
            Err(Exit(EXIT_PROBLEMS))
        }
        Err(CountError::Engine(error)) => Err(output::coded_failure(
            error.code,
            &error.message,
            &error.help,
        )),
    }
}

fn render(
    program: &Program,
    at: Instant,
    counts: &PointInTime,
    format: SegmentsFormat,
) -> Result<(), Exit> {
    let tz = program.settings.timezone;
    match format {
        SegmentsFormat::Json => {
            let segments: Vec<_> = program
                .segments
                .iter()
                .zip(&counts.segments)
                .map(|(s, n)| json!({ "segment": s.name, "contacts": n }))
                .collect();
            let rules: Vec<_> = program
                .rules
                .iter()
                .zip(&counts.rule_conditions)
                .filter_map(|(r, n)| n.map(|n| json!({ "rule": r.name, "condition_holds": n })))
                .collect();
            let value = json!({
                "at": rfc3339(at),
                "contacts": counts.contacts,
                "segments": segments,
                "rules": rules,
            });
            output::print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ))?;
        }
        SegmentsFormat::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "At {} ({}), {}, before any rule runs:",
                local(at, tz),
                tz.name(),
                counted(counts.contacts, "contact", "contacts")
            );
            let width = program
                .segments
                .iter()
                .map(|s| s.name.len())
                .chain(program.rules.iter().map(|r| r.name.len()))
                .max()
                .unwrap_or(0);
            if !program.segments.is_empty() {
                out.push_str("\nSegments\n");
            }
            for (segment, n) in program.segments.iter().zip(&counts.segments) {
                let _ = writeln!(out, "  {:<width$}  {:>10}", segment.name, thousands(*n));
            }
            out.push_str("\nRule conditions that hold\n");
            for (rule, n) in program.rules.iter().zip(&counts.rule_conditions) {
                if let Some(n) = n {
                    let _ = writeln!(out, "  {:<width$}  {:>10}", rule.name, thousands(*n));
                }
            }
            output::print(&out)?;
        }
    }
    Ok(())
}

/// Without `--events`, a segment that reads events cannot be counted:
/// exit 2, naming it, rather than count it as if nothing had happened.
fn without_events(program: &crate::ir::Program) -> Result<(), Exit> {
    let segment = crate::ir::events_read::first_segment_reading_events(program)
        .and_then(|id| program.segments.get(id));
    match segment {
        Some(segment) => Err(Exit(usage_error(&format!(
            "segment `{}` reads events (what contacts did), so `segments` needs --events; only segments on contact fields (stage, points, tags, fields) are counted without it",
            segment.name
        )))),
        None => Ok(()),
    }
}

/// Without `--events` and `--at`: the latest `created_at` of a contact.
fn last_created(dataset: &crate::data::Dataset) -> Result<crate::base::value::Instant, Exit> {
    dataset
        .contacts
        .iter()
        .filter_map(|c| c.created_at)
        .max()
        .ok_or_else(|| {
            Exit(usage_error(
                "no contact has a created_at to take the instant from; give --at",
            ))
        })
}

/// Without `--events`, the conditions of rules that read events are not
/// counted (as if nothing had happened they would mislead); a note says
/// which.
fn leave_out_rules_reading_events(program: &crate::ir::Program, counts: &mut [Option<u64>]) {
    let mut left_out = Vec::new();
    for (rule, count) in program.rules.iter().zip(counts.iter_mut()) {
        if let crate::ir::Trigger::Condition(cond) = &rule.trigger {
            if count.is_some() && crate::ir::events_read::reads_events(program, cond) {
                *count = None;
                left_out.push(rule.name.as_str());
            }
        }
    }
    if !left_out.is_empty() {
        errln!(
            "note: without --events, the conditions of rules that read events are not counted: {}",
            left_out.join(", ")
        );
    }
}
