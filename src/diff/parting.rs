//! Where two stories part: for one contact, the first instant at which
//! the traced runs of the two versions differ, what each does then, and
//! the clauses that read differently then, as `explain` shows them.

use super::{match_rules, DiffConfig, Version};
use crate::base::value::Instant;
use crate::eval::explain::{explain_rules, RuleExplanation};
use crate::eval::Clock;
use crate::report::explain::render;
use crate::report::timeline::{entry_at, entry_line};
use crate::sim::{simulate_contact, state_at, RunPlan};

/// One sampled contact's parting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parting {
    pub contact: String,
    /// The first instant the two timelines differ (`None`: they never do,
    /// e.g. only a rule's name changed).
    pub at: Option<Instant>,
    /// The timeline lines of each version at that instant, from the first
    /// one that differs.
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// The rules whose explanation differs at that instant.
    pub rules: Vec<RuleClauses>,
}

/// One rule explained at the parting instant, in each version that has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleClauses {
    pub rule: String,
    /// The clauses with ✓/✗ as `explain` renders them; for an event rule,
    /// how often it fired so far.
    pub before: Option<String>,
    pub after: Option<String>,
}

fn timeline(version: &Version<'_>, plan: &RunPlan<'_>, index: usize) -> Vec<(Instant, String)> {
    let population = version.population;
    let (Some(contact), events) = (population.contacts.get(index), population.events_of(index))
    else {
        return Vec::new();
    };
    let outcome = simulate_contact(plan, contact, events, true);
    outcome
        .trace
        .iter()
        .flatten()
        .filter_map(|entry| {
            entry_line(version.program, events, entry).map(|line| (entry_at(entry), line))
        })
        .collect()
}

/// The explanation of every rule at `at`, rendered.
fn explained(version: &Version<'_>, plan: &RunPlan<'_>, index: usize, at: Instant) -> Vec<String> {
    let population = version.population;
    let Some(contact) = population.contacts.get(index) else {
        return Vec::new();
    };
    let (state, events, last_fired, outcome) =
        state_at(plan, contact, population.events_of(index), at);
    let clock = Clock::new(at, version.program.settings.timezone);
    let rules = explain_rules(
        version.program,
        version.sources,
        clock,
        &state,
        &events,
        &outcome.fired,
        &last_fired,
    );
    // The explanation's scripts ran here, not in the diffed runs.
    crate::eval::script::take_errors();
    rules.iter().map(text).collect()
}

fn text(rule: &RuleExplanation) -> String {
    match &rule.condition {
        Some(clause) => {
            let mut out = String::new();
            render(clause, 0, &mut out);
            out
        }
        None => match rule.verdict {
            crate::eval::explain::Verdict::Event { matching, fired } => {
                format!("{matching} matching events so far, fired {fired} times\n")
            }
            _ => String::new(),
        },
    }
}

/// The partings of the contacts `ids` (contact ids, in the order given).
pub fn partings(
    before: &Version<'_>,
    after: &Version<'_>,
    config: &DiffConfig,
    ids: &[&str],
) -> Vec<Parting> {
    let ticks = |v: &Version<'_>| {
        crate::sim::calendar::plan_ticks(
            config.from,
            config.to,
            config.tick_seconds,
            v.program.settings.timezone,
            config.limits.max_ticks,
        )
        .unwrap_or_default()
    };
    let (before_ticks, after_ticks) = (ticks(before), ticks(after));
    let max = config.limits.max_records;
    let before_plan =
        RunPlan::new(before.program, config.from, config.to, &before_ticks).with_max_records(max);
    let after_plan =
        RunPlan::new(after.program, config.from, config.to, &after_ticks).with_max_records(max);
    let table = match_rules(before, after);
    let mut out = Vec::new();
    for &id in ids {
        let Some(index) = before.population.contacts.iter().position(|c| c.id == id) else {
            continue;
        };
        let b = timeline(before, &before_plan, index);
        let a = timeline(after, &after_plan, index);
        let first = b.iter().zip(&a).position(|(x, y)| x != y);
        let from = first.unwrap_or(a.len().min(b.len()));
        let at = match first {
            Some(i) => b
                .get(i)
                .map(|x| x.0)
                .into_iter()
                .chain(a.get(i).map(|y| y.0))
                .min(),
            // One timeline is the other with more at its end.
            None => b.get(a.len()).or_else(|| a.get(b.len())).map(|x| x.0),
        };
        let Some(at) = at else {
            out.push(Parting {
                contact: id.to_string(),
                at: None,
                before: Vec::new(),
                after: Vec::new(),
                rules: Vec::new(),
            });
            continue;
        };
        // What each version does at that instant, from the first line
        // that differs.
        let lines_at = |lines: &[(Instant, String)]| -> Vec<String> {
            lines
                .iter()
                .skip(from)
                .filter(|(t, _)| *t == at)
                .map(|(_, l)| l.clone())
                .collect()
        };
        let before_rules = explained(before, &before_plan, index, at);
        let after_rules = explained(after, &after_plan, index, at);
        let mut rules = Vec::new();
        for (slot, rule) in table.rules.iter().enumerate() {
            let find = |keys: &[usize], texts: &[String]| {
                keys.iter()
                    .position(|&k| k == slot)
                    .and_then(|id| texts.get(id).cloned())
            };
            let b_text = find(&table.before, &before_rules);
            let a_text = find(&table.after, &after_rules);
            if b_text != a_text {
                rules.push(RuleClauses {
                    rule: rule.name.clone(),
                    before: b_text,
                    after: a_text,
                });
            }
        }
        out.push(Parting {
            contact: id.to_string(),
            at: Some(at),
            before: lines_at(&b),
            after: lines_at(&a),
            rules,
        });
    }
    out
}
