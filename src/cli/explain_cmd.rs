//! `nurture explain`: why one contact is where it is.

use super::dry_run::{self, DataArgs, Exit};
use super::simulate_cmd::contact_index;
use super::{output, script_failures, usage_error};
use crate::eval::explain::{explain, render, Clause};
use crate::eval::{Clock, Context};
use crate::ir::{Program, Trigger};
use crate::report::local;
use crate::report::script_failures::ScriptFailures;
use crate::sim::{state_at, RunPlan, TraceEntry};
use clap::ValueEnum;
use serde_json::json;
use std::fmt::Write;
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
    /// How often time-based conditions are re-evaluated, e.g. `1 day`
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

/// What explain says about one rule.
struct RuleExplanation {
    name: String,
    verdict: String,
    condition: Option<Clause>,
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
    let mut explanations = Vec::new();
    for (rule_id, rule) in program.rules.iter().enumerate() {
        crate::eval::script::set_rule(Some(rule_id));
        let fired = outcome.fired.get(rule_id).copied().unwrap_or(0);
        let last = last_fired.get(rule_id).copied().flatten();
        let context = Context::new(&program, clock, &state, &events, last);
        let (verdict, condition) = match &rule.trigger {
            Trigger::Condition(condition) => {
                let clause = explain(&context, &sources, rule.file, condition);
                (
                    condition_verdict(&program, rule_id, fired, last, clause.holds, at),
                    Some(clause),
                )
            }
            Trigger::Event(matcher) => {
                let matching = events
                    .in_window(matcher.event_type, crate::eval::Lower::Unbounded, at)
                    .filter(|e| context.matches(matcher, e))
                    .count();
                (
                    format!("event rule: {matching} matching event(s) so far; fired {fired} time(s) in the run"),
                    None,
                )
            }
        };
        explanations.push(RuleExplanation {
            name: rule.name.clone(),
            verdict,
            condition,
        });
    }
    crate::eval::script::set_rule(None);
    // The run up to `at` and the explanations both ran scripts: a failure
    // in either is reported as every command reports it, and exits 1.
    let mut failures = ScriptFailures::default();
    failures.add(&contact.id, &outcome.script_errors);
    failures.add(&contact.id, &crate::eval::script::take_errors());
    let stage = state.stage.map_or("(no stage)", |s| {
        crate::report::stage_name(&program, s.index())
    });
    let history: Vec<String> = outcome
        .trace
        .iter()
        .flatten()
        .filter_map(|entry| match entry {
            TraceEntry::RuleFired { at, rule } => Some(format!(
                "{} {}",
                local(*at, tz),
                crate::report::rule_name(&program, rule.index())
            )),
            _ => None,
        })
        .collect();
    match args.format {
        ExplainFormat::Human => {
            let mut out = String::new();
            let _ = writeln!(out, "Contact {} at {}", contact.id, local(at, tz));
            let tags: Vec<&str> = state.tags.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "  stage {stage}, {} points, tags: {}{}{}",
                state.points,
                if tags.is_empty() {
                    "-".to_string()
                } else {
                    tags.join(", ")
                },
                if state.unsubscribed {
                    ", unsubscribed"
                } else {
                    ""
                },
                if state.do_not_contact {
                    ", do not contact"
                } else {
                    ""
                },
            );
            if !history.is_empty() {
                let _ = writeln!(out, "  rules fired so far:");
                for line in &history {
                    let _ = writeln!(out, "    {line}");
                }
            }
            for explanation in &explanations {
                let _ = writeln!(out, "\nrule {}: {}", explanation.name, explanation.verdict);
                if let Some(clause) = &explanation.condition {
                    render(clause, 2, &mut out);
                }
            }
            output::print(&out)?;
        }
        ExplainFormat::Json => {
            let rules: Vec<_> = explanations
                .iter()
                .map(|e| json!({ "rule": e.name, "verdict": e.verdict, "condition": e.condition }))
                .collect();
            let value = json!({
                "contact": contact.id,
                "at": crate::report::rfc3339(at),
                "stage": state.stage.map(|s| crate::report::stage_name(&program, s.index())),
                "points": state.points,
                "tags": state.tags,
                "unsubscribed": state.unsubscribed,
                "do_not_contact": state.do_not_contact,
                "fired": history,
                "rules": rules,
            });
            output::print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            ))?;
        }
    }
    Ok(script_failures(&failures))
}

fn condition_verdict(
    program: &Program,
    rule_id: usize,
    fired: u32,
    last_fired: Option<i64>,
    holds_now: bool,
    at: i64,
) -> String {
    let tz = program.settings.timezone;
    let Some(rule) = program.rules.get(crate::ir::RuleId::new(rule_id)) else {
        return String::new();
    };
    match (last_fired, rule.repeat) {
        (None, _) if holds_now => {
            "the condition holds now, so the rule fires at this instant".into()
        }
        (None, _) => "has not fired: the condition does not hold (✗ marks what fails)".into(),
        (Some(last), None) => format!(
            "fired {fired} time(s), last at {}; it fires once per contact",
            local(last, tz)
        ),
        (Some(last), Some(every)) => {
            let next = crate::sim::calendar::add_duration(last, every, tz);
            if next <= at {
                format!(
                    "fired {fired} time(s), last at {}; may fire again now if the condition holds",
                    local(last, tz)
                )
            } else {
                format!(
                    "fired {fired} time(s), last at {}; repeats no sooner than {}",
                    local(last, tz),
                    local(next, tz)
                )
            }
        }
    }
}
