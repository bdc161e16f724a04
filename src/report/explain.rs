//! `nurture explain` as text and JSON: the explanation `eval::explain`
//! builds, rendered like every other report.

use crate::base::number::counted;
use crate::base::time::{local, rfc3339};
use crate::base::value::Instant;
use crate::eval::explain::{Clause, RuleExplanation, Verdict};
use crate::eval::ContactState;
use crate::ir::Program;
use crate::sim::TraceEntry;
use serde_json::{json, Value as Json};
use std::fmt::Write;

/// One contact explained at one instant.
pub struct Explained<'a> {
    pub program: &'a Program,
    pub contact: &'a str,
    pub at: Instant,
    pub state: &'a ContactState,
    /// The run up to `at`, for the rules fired so far.
    pub trace: &'a [TraceEntry],
    pub rules: &'a [RuleExplanation],
    /// From when the contact exists (`Contact::exists_from`).
    pub exists_from: Option<Instant>,
}

impl Explained<'_> {
    /// Whether the contact exists at the explained instant; before, it is
    /// in no segment and no rule applies to it, so no rule is explained.
    fn exists(&self) -> bool {
        self.exists_from.is_none_or(|from| from <= self.at)
    }

    fn rules(&self) -> &[RuleExplanation] {
        if self.exists() {
            self.rules
        } else {
            &[]
        }
    }

    /// `local-time rule` for every rule fired so far.
    fn history(&self) -> Vec<String> {
        let tz = self.program.settings.timezone;
        self.trace
            .iter()
            .filter_map(|entry| match entry {
                TraceEntry::RuleFired { at, rule } => Some(format!(
                    "{} {}",
                    local(*at, tz),
                    self.program.rule_name(*rule)
                )),
                _ => None,
            })
            .collect()
    }
}

/// The human explanation.
pub fn human(explained: &Explained<'_>) -> String {
    let program = explained.program;
    let state = explained.state;
    let tz = program.settings.timezone;
    let stage = state.stage.map_or("(no stage)", |s| program.stages.name(s));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Contact {} at {}",
        explained.contact,
        local(explained.at, tz)
    );
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
    if let Some(from) = explained.exists_from.filter(|_| !explained.exists()) {
        let _ = writeln!(
            out,
            "  not created yet: the contact exists from {} (its created_at, or its first event when earlier); until then it is in no segment and no rule applies to it",
            local(from, tz)
        );
    }
    let history = explained.history();
    if !history.is_empty() {
        let _ = writeln!(out, "  rules fired so far:");
        for line in &history {
            let _ = writeln!(out, "    {line}");
        }
    }
    for rule in explained.rules() {
        let _ = writeln!(
            out,
            "\nrule {}: {}",
            program.rule_name(rule.rule),
            verdict(program, rule.verdict, explained.at)
        );
        if let Some(clause) = &rule.condition {
            render(clause, 2, &mut out);
        }
    }
    out
}

/// The JSON explanation.
pub fn json(explained: &Explained<'_>) -> Json {
    let program = explained.program;
    let state = explained.state;
    let rules: Vec<Json> = explained
        .rules()
        .iter()
        .map(|rule| {
            json!({
                "rule": program.rule_name(rule.rule),
                "verdict": verdict(program, rule.verdict, explained.at),
                "condition": rule.condition,
            })
        })
        .collect();
    json!({
        "contact": explained.contact,
        "at": rfc3339(explained.at),
        "exists": explained.exists(),
        "exists_from": explained.exists_from.map(rfc3339),
        "stage": state.stage.map(|s| program.stages.name(s)),
        "points": state.points,
        "tags": state.tags,
        "unsubscribed": state.unsubscribed,
        "do_not_contact": state.do_not_contact,
        "fired": explained.history(),
        "rules": rules,
    })
}

/// A rule's verdict in words.
fn verdict(program: &Program, verdict: Verdict, at: Instant) -> String {
    let tz = program.settings.timezone;
    match verdict {
        Verdict::NotFired { holds_now: true } => {
            "the condition holds now, so the rule fires at this instant".into()
        }
        Verdict::NotFired { holds_now: false } => {
            "has not fired: the condition does not hold (✗ marks what fails)".into()
        }
        Verdict::Fired {
            fired,
            last,
            repeat: None,
        } => format!(
            "fired {}, last at {}; it fires once per contact",
            times(fired),
            local(last, tz)
        ),
        Verdict::Fired {
            fired,
            last,
            repeat: Some(every),
        } => {
            let next = crate::sim::calendar::add_duration(last, every, tz);
            if next <= at {
                format!(
                    "fired {}, last at {}; may fire again now if the condition holds",
                    times(fired),
                    local(last, tz)
                )
            } else {
                format!(
                    "fired {}, last at {}; repeats no sooner than {}",
                    times(fired),
                    local(last, tz),
                    local(next, tz)
                )
            }
        }
        Verdict::Event { matching, fired } => format!(
            "event rule: {} so far; fired {} in the run",
            counted(matching as u64, "matching event", "matching events"),
            times(fired)
        ),
    }
}

fn times(n: u32) -> String {
    counted(n.into(), "time", "times")
}

/// Renders a clause tree with ✓ / ✗ marks, indented.
pub fn render(clause: &Clause, indent: usize, out: &mut String) {
    let mark = if clause.holds { "✓" } else { "✗" };
    out.push_str(&" ".repeat(indent));
    out.push_str(mark);
    out.push(' ');
    out.push_str(&clause.text);
    if let Some(detail) = &clause.detail {
        out.push_str("  — ");
        out.push_str(detail);
    }
    out.push('\n');
    for part in &clause.parts {
        render(part, indent + 2, out);
    }
}
