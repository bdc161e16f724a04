//! The dry-run report a marketing person reads.

use super::{DataCounts, RowCounts};
use crate::base::number::{counted, thousands};
use crate::base::time::local_date;
use crate::ir::Program;
use crate::sim::run::{never_fired, Funnel, Summary};
use crate::sim::Status;
use std::fmt::Write;

pub fn summary(
    program: &Program,
    summary: &Summary,
    data: &DataCounts,
    by: Option<&str>,
) -> String {
    let tz = program.settings.timezone;
    let mut out = String::new();
    let name = program
        .settings
        .campaign_name
        .as_deref()
        .unwrap_or("campaign");
    let days = ((summary.to - summary.from) as f64 / 86_400.0)
        .round()
        .max(0.0) as u64;
    let _ = writeln!(
        out,
        "Dry run of \"{name}\": {}, {} to {} ({}, {})",
        counted(summary.funnel.contacts, "contact", "contacts"),
        local_date(summary.from, tz),
        local_date(summary.to, tz),
        counted(days, "day", "days"),
        tz.name()
    );
    out.push_str("Nothing was sent: every action below is what would have happened.\n\n");
    out.push_str("Funnel\n");
    funnel_table(&mut out, program, &summary.funnel);
    if let Some(by) = by {
        for (value, funnel) in &summary.groups {
            let _ = writeln!(
                out,
                "\nFunnel for {by} = {value} ({})",
                counted(funnel.contacts, "contact", "contacts")
            );
            funnel_table(&mut out, program, funnel);
        }
    }
    transitions(&mut out, program, summary);
    segments(&mut out, program, summary);
    rules(&mut out, program, summary);
    actions(&mut out, summary);
    if summary.pending_sequences > 0 {
        let _ = writeln!(
            out,
            "\n{} sequences were still waiting when the run ended.",
            thousands(summary.pending_sequences)
        );
    }
    out.push_str("\nData\n");
    data_line(&mut out, "contacts", data.contacts);
    data_line(&mut out, "events", data.events);
    out
}

fn funnel_table(out: &mut String, program: &Program, funnel: &Funnel) {
    let width = program
        .stages
        .iter()
        .map(String::len)
        .chain([10])
        .max()
        .unwrap_or(10);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}",
        "stage", "at start", "entered", "at end", "reached", "conversion"
    );
    for (id, name) in program.stages.iter().enumerate() {
        let counts = funnel.stages.get(id).cloned().unwrap_or_default();
        let conversion = funnel
            .conversion(crate::ir::StageId::new(id))
            .map(|c| format!("{:.1}%", c * 100.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>10}",
            name,
            thousands(counts.at_start),
            thousands(counts.entered),
            thousands(counts.at_end),
            thousands(counts.reached),
            conversion
        );
    }
    if funnel.no_stage_at_start > 0 || funnel.no_stage_at_end > 0 {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>9}",
            "(no stage)",
            thousands(funnel.no_stage_at_start),
            "",
            thousands(funnel.no_stage_at_end)
        );
    }
}

fn transitions(out: &mut String, program: &Program, summary: &Summary) {
    if summary.transitions.is_empty() {
        out.push_str("\nNo contact changed stage.\n");
        return;
    }
    out.push_str("\nStage moves\n");
    for ((from, to), stats) in &summary.transitions {
        let from = from.map_or("(no stage)", |s| program.stages.name(s));
        let median = stats
            .median_days()
            .map(|d| format!("median {d:.1} days in {from}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<32} {:>9}  {}",
            format!("{from} → {}", program.stages.name(*to)),
            thousands(stats.count),
            median
        );
    }
}

fn segments(out: &mut String, program: &Program, summary: &Summary) {
    if program.segments.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nSegments at the end ({})",
        local_date(summary.to, program.settings.timezone)
    );
    let width = program
        .segments
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    let total = summary.funnel.contacts.max(1) as f64;
    for (segment, &n) in program.segments.iter().zip(&summary.segments_at_end) {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>5.1}%",
            segment.name,
            thousands(n),
            n as f64 * 100.0 / total
        );
    }
}

fn rules(out: &mut String, program: &Program, summary: &Summary) {
    out.push_str("\nRules\n");
    let width = program
        .rules
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0);
    for (rule, (fired, contacts)) in program.rules.iter().zip(&summary.rules) {
        if *fired == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<width$}  fired {} for {}",
            rule.name,
            counted(*fired, "time", "times"),
            counted(*contacts, "contact", "contacts")
        );
    }
    let never = never_fired(summary);
    if !never.is_empty() {
        let names: Vec<&str> = never.iter().map(|&r| program.rule_name(r)).collect();
        let _ = writeln!(out, "  never fired: {}", names.join(", "));
    }
}

fn actions(out: &mut String, summary: &Summary) {
    if summary.actions.is_empty() {
        out.push_str("\nNo actions.\n");
        return;
    }
    out.push_str("\nActions\n");
    for (key, counts) in &summary.actions {
        let label = if key.target.is_empty() {
            key.kind.to_string()
        } else {
            format!("{} {}", key.kind, key.target)
        };
        let mut parts = Vec::new();
        for status in [
            Status::Done,
            Status::Sent,
            Status::Delayed,
            Status::Dropped,
            Status::Suppressed,
            Status::Skipped,
        ] {
            let n = counts.count(status);
            if n == 0 {
                continue;
            }
            let reasons: Vec<String> = counts
                .by_reason
                .iter()
                .filter(|((s, _), _)| *s == status)
                .map(|((_, reason), n)| format!("{}: {}", reason.as_str(), thousands(*n)))
                .collect();
            if reasons.is_empty() {
                parts.push(format!("{} {}", thousands(n), status.as_str()));
            } else {
                parts.push(format!(
                    "{} {} ({})",
                    thousands(n),
                    status.as_str(),
                    reasons.join(", ")
                ));
            }
        }
        let _ = writeln!(out, "  {:<32} {}", label, parts.join(", "));
    }
}

fn data_line(out: &mut String, what: &str, counts: RowCounts) {
    let _ = writeln!(
        out,
        "  {:<9} {} read = {} used + {} rejected",
        what,
        thousands(counts.read),
        thousands(counts.used),
        thousands(counts.rejected)
    );
}
