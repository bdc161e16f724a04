//! `nurture segments`: segment and rule-condition counts for every contact
//! at one instant, on the data as it is.

use super::dry_run::{self, DataArgs, Exit};
use super::{output, script_failures, usage_error};
use crate::base::number::{counted, thousands};
use crate::base::time::{local, rfc3339};
use crate::eval::population::counts_at;
use clap::ValueEnum;
use serde_json::json;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SegmentsArgs {
    /// The rules file
    rules: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The instant: a date (00:00 campaign time) or RFC 3339 [default: the last event]
    #[arg(long)]
    at: Option<String>,
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
    let (program, _) = dry_run::load_program(&args.rules)?;
    let tz = program.settings.timezone;
    let dataset = dry_run::load_data(&program, &args.data)?;
    let at = match &args.at {
        Some(text) => dry_run::parse_instant(text, tz, false).map_err(|e| Exit(usage_error(&e)))?,
        None => {
            dry_run::period(&dataset, None, None, tz)
                .map_err(|e| Exit(usage_error(&e)))?
                .1
        }
    };
    let counts = counts_at(
        &program,
        &dataset.contacts,
        &dataset.events,
        &dataset.contact_event_ranges,
        at,
    );
    match args.format {
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
    Ok(script_failures(&counts.script_failures))
}
