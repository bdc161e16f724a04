//! `nurture explain`: why one contact is where it is.

use super::dry_run::{self, DataArgs, Exit};
use super::simulate_cmd::contact_index;
use super::{output, script_failures, usage_error};
use crate::eval::explain::explain_rules;
use crate::eval::script_failures::ScriptFailures;
use crate::eval::Clock;
use crate::report::explain::{self, Explained};
use crate::sim::{state_at, RunPlan};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rules file
    rules: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The contact to explain
    #[arg(long)]
    contact: String,
    /// The instant to explain: a date or RFC 3339 [default: the last event]
    #[arg(long)]
    at: Option<String>,
    /// Start of the run that leads up to --at [default: first event]
    #[arg(long)]
    from: Option<String>,
    /// How often time-based conditions are re-evaluated: a duration as in the rules, e.g. `1 day`, `6 hours`
    #[arg(long, default_value = "1 day")]
    tick: String,
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExplainFormat {
    Human,
    Json,
}

pub fn run(args: &ExplainArgs) -> i32 {
    match explain_contact(args) {
        Ok(code) | Err(Exit(code)) => code,
    }
}

fn explain_contact(args: &ExplainArgs) -> Result<i32, Exit> {
    let (program, sources) = dry_run::load_program(&args.rules)?;
    let tz = program.settings.timezone;
    let tick = dry_run::parse_duration(&args.tick).map_err(|e| Exit(usage_error(&e)))?;
    let dataset = dry_run::load_data(&program, &args.data)?;
    let index = contact_index(&dataset, &args.contact).map_err(|e| Exit(usage_error(&e)))?;
    let (from, last) = dry_run::period(&dataset, args.from.as_deref(), None, tz)
        .map_err(|e| Exit(usage_error(&e)))?;
    let at = match &args.at {
        Some(text) => dry_run::parse_instant(text, tz, false).map_err(|e| Exit(usage_error(&e)))?,
        None => last,
    };
    let ticks =
        crate::sim::calendar::plan_ticks(from, at, tick, tz, crate::sim::run::DEFAULT_MAX_TICKS)
            .map_err(|too_many| {
                let why = crate::sim::limits::RunStop::TooManyTicks(too_many);
                super::output::error_text(
                    &why.message(&program, crate::sim::limits::Command::Explain)
                        .render(),
                );
                Exit(super::EXIT_USAGE)
            })?;
    let plan = RunPlan::new(&program, from, at, &ticks);
    let Some(contact) = dataset.contacts.get(index) else {
        return Err(Exit(usage_error("the contact is not in the data")));
    };
    let (state, events, last_fired, outcome) =
        state_at(&plan, contact, dataset.events_of(index), at);
    if let Some(stopped) = outcome.stopped {
        let why =
            crate::sim::limits::contact_stopped(&program, &contact.id, stopped, plan.max_records);
        super::output::error_text(&why.render());
        return Err(Exit(super::EXIT_USAGE));
    }
    let clock = Clock::new(at, tz);
    let rules = explain_rules(
        &program,
        &sources,
        clock,
        &state,
        &events,
        &outcome.fired,
        &last_fired,
    );
    // The run up to `at` and the explanations both ran scripts: a failure
    // in either is reported as every command reports it, and exits 1.
    let mut failures = ScriptFailures::default();
    failures.add(&contact.id, &outcome.script_errors);
    failures.add(&contact.id, &crate::eval::script::take_errors());
    let explained = Explained {
        program: &program,
        contact: &contact.id,
        at,
        state: &state,
        trace: outcome.trace.as_deref().unwrap_or(&[]),
        rules: &rules,
        exists_from: contact.exists_from(dataset.events_of(index)),
    };
    match args.format {
        ExplainFormat::Human => output::print(&explain::human(&explained))?,
        ExplainFormat::Json => output::print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&explain::json(&explained)).unwrap_or_default()
        ))?,
    }
    Ok(script_failures(&failures))
}
