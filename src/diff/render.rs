//! `nurture diff` output: human, JSON, Markdown (a pull-request comment)
//! and GitHub annotations. Each shows the same [`Diff`].

use super::{Diff, MessageDiff, Pair, RuleChange, RuleDiff};
use crate::base::number::thousands;
use crate::base::time::{local, rfc3339};
use crate::diagnostics::render::github_command;
use crate::sim::Status;
use serde_json::{json, Value as Json};
use std::fmt::Write;

/// The send statuses shown, with the word used for each.
const SEND_STATUSES: [(Status, &str); 5] = [
    (Status::Sent, "sent"),
    (Status::Delayed, "held"),
    (Status::Dropped, "dropped"),
    (Status::Suppressed, "suppressed"),
    (Status::Skipped, "skipped"),
];

/// `5 → 7 (+2)`, or `5` when unchanged.
pub fn pair(p: Pair) -> String {
    if p.changed() {
        let d = p.delta();
        let sign = if d > 0 { "+" } else { "" };
        format!(
            "{} → {} ({sign}{d})",
            thousands(p.before),
            thousands(p.after)
        )
    } else {
        thousands(p.before)
    }
}

fn status_pair(m: &MessageDiff, status: Status) -> Pair {
    Pair {
        before: m.count(false, status),
        after: m.count(true, status),
    }
}

/// The rules worth showing: changed in definition or in how often they fire.
fn rules_of_note(diff: &Diff) -> Vec<&RuleDiff> {
    diff.rules
        .iter()
        .filter(|r| r.change != RuleChange::Same || r.fired.changed() || r.contacts.changed())
        .collect()
}

fn rule_change(rule: &RuleDiff) -> String {
    match &rule.change {
        RuleChange::Renamed(from) => format!("renamed from {from}"),
        other => other.as_str().to_string(),
    }
}

fn period(diff: &Diff) -> String {
    format!(
        "{} to {}",
        local(diff.from, diff.timezone),
        local(diff.to, diff.timezone)
    )
}

fn headline(diff: &Diff) -> String {
    if diff.changed.count == 0 {
        format!(
            "no contact's story changes ({} contacts)",
            thousands(diff.contacts)
        )
    } else {
        format!(
            "{} of {} contacts change their story",
            thousands(diff.changed.count),
            thousands(diff.contacts)
        )
    }
}

/// The human report.
pub fn human(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Diff {} → {}, {}",
        diff.before_label,
        diff.after_label,
        period(diff)
    );
    let _ = writeln!(out, "  {}", headline(diff));
    for (kind, changed) in diff.kinds.iter().filter(|(_, c)| c.count > 0) {
        let _ = writeln!(
            out,
            "    {:<34} {:>8}  e.g. {}",
            kind.describe(),
            thousands(changed.count),
            changed.sample.join(", ")
        );
    }
    let _ = writeln!(out, "\nStages (reached · at end)");
    for stage in &diff.stages {
        let note = match (stage.in_before, stage.in_after) {
            (true, false) => " (removed)",
            (false, true) => " (added)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {:<20} {:<22} {}{note}",
            stage.name,
            pair(stage.reached),
            pair(stage.at_end)
        );
    }
    if diff.no_stage_at_end.before + diff.no_stage_at_end.after > 0 {
        let _ = writeln!(
            out,
            "  {:<20} {:<22} {}",
            "(no stage)",
            "",
            pair(diff.no_stage_at_end)
        );
    }
    let _ = writeln!(out, "\nMessages");
    if diff.messages.is_empty() {
        let _ = writeln!(out, "  none sent by either version");
    }
    for message in &diff.messages {
        let mut parts: Vec<String> = SEND_STATUSES
            .iter()
            .filter(|(s, _)| status_pair(message, *s) != Pair::default())
            .map(|(s, word)| format!("{word} {}", pair(status_pair(message, *s))))
            .collect();
        if message.newly > 0 {
            parts.push(format!("{} newly get it", thousands(message.newly)));
        }
        if message.no_longer > 0 {
            parts.push(format!("{} no longer get it", thousands(message.no_longer)));
        }
        let _ = writeln!(
            out,
            "  {} {}: {}",
            message.key.kind,
            message.key.target,
            parts.join(", ")
        );
    }
    let noted = rules_of_note(diff);
    let _ = writeln!(out, "\nRules (fired · for contacts)");
    for rule in &noted {
        let _ = writeln!(
            out,
            "  {:<28} {:<22} {:<22} {}",
            rule.name,
            pair(rule.fired),
            pair(rule.contacts),
            rule_change(rule)
        );
    }
    let same = diff.rules.len() - noted.len();
    if same > 0 {
        let _ = writeln!(
            out,
            "  {} the same, firing as often",
            crate::base::number::counted(same as u64, "rule", "rules")
        );
    }
    if !diff.partings.is_empty() {
        let _ = writeln!(out, "\nWhere the stories part");
        for parting in &diff.partings {
            let _ = writeln!(out, "{}", parting_text(diff, parting, "  "));
        }
    }
    out
}

/// One parting as indented text.
fn parting_text(diff: &Diff, parting: &super::parting::Parting, indent: &str) -> String {
    let mut out = String::new();
    let Some(at) = parting.at else {
        let _ = writeln!(
            out,
            "{indent}{}: the timelines are the same",
            parting.contact
        );
        return out;
    };
    let _ = writeln!(
        out,
        "{indent}{} at {}",
        parting.contact,
        local(at, diff.timezone)
    );
    for (label, lines) in [("before", &parting.before), ("after", &parting.after)] {
        let _ = writeln!(out, "{indent}  {label}:");
        if lines.is_empty() {
            let _ = writeln!(out, "{indent}    (nothing happens)");
        }
        for line in lines {
            let _ = writeln!(out, "{indent}    {line}");
        }
    }
    for rule in &parting.rules {
        let _ = writeln!(out, "{indent}  rule {}:", rule.rule);
        for (label, text) in [("before", &rule.before), ("after", &rule.after)] {
            match text {
                None => {
                    let _ = writeln!(out, "{indent}    {label}: (no such rule)");
                }
                Some(text) => {
                    let _ = writeln!(out, "{indent}    {label}:");
                    for line in text.lines() {
                        let _ = writeln!(out, "{indent}      {line}");
                    }
                }
            }
        }
    }
    out
}

fn pair_json(p: Pair) -> Json {
    json!({"before": p.before, "after": p.after, "change": p.delta() as i64})
}

/// The JSON report: every number, every rule and message.
pub fn json(diff: &Diff) -> Json {
    let tz = diff.timezone;
    json!({
        "before": diff.before_label,
        "after": diff.after_label,
        "from": rfc3339(diff.from),
        "to": rfc3339(diff.to),
        "contacts": diff.contacts,
        "contacts_run_once": diff.run_once,
        "changed": {
            "contacts": diff.changed.count,
            "sample": diff.changed.sample,
            "by_kind": diff.kinds.iter().map(|(kind, c)| json!({
                "kind": kind.as_str(),
                "contacts": c.count,
                "sample": c.sample,
            })).collect::<Vec<_>>(),
        },
        "stages": diff.stages.iter().map(|s| json!({
            "stage": s.name,
            "reached": pair_json(s.reached),
            "at_end": pair_json(s.at_end),
            "in_before": s.in_before,
            "in_after": s.in_after,
        })).collect::<Vec<_>>(),
        "no_stage_at_end": pair_json(diff.no_stage_at_end),
        "messages": diff.messages.iter().map(|m| {
            let mut statuses = serde_json::Map::new();
            for (status, word) in SEND_STATUSES {
                statuses.insert(word.to_string(), pair_json(status_pair(m, status)));
            }
            json!({
                "kind": m.key.kind,
                "message": m.key.target,
                "statuses": statuses,
                "newly": m.newly,
                "no_longer": m.no_longer,
            })
        }).collect::<Vec<_>>(),
        "rules": diff.rules.iter().map(|r| json!({
            "rule": r.name,
            "change": r.change.as_str(),
            "renamed_from": match &r.change { RuleChange::Renamed(from) => json!(from), _ => Json::Null },
            "fired": pair_json(r.fired),
            "contacts": pair_json(r.contacts),
            "before_at": r.before_at.as_ref().map(|l| json!({"file": l.file, "line": l.line})),
            "after_at": r.after_at.as_ref().map(|l| json!({"file": l.file, "line": l.line})),
        })).collect::<Vec<_>>(),
        "partings": diff.partings.iter().map(|p| json!({
            "contact": p.contact,
            "at": p.at.map(|at| local(at, tz)),
            "before": p.before,
            "after": p.after,
            "rules": p.rules.iter().map(|r| json!({
                "rule": r.rule,
                "before": r.before.as_ref().map(|t| t.lines().collect::<Vec<_>>()),
                "after": r.after.as_ref().map(|t| t.lines().collect::<Vec<_>>()),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "any_change": diff.any_change(),
    })
}

/// A table cell: `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn ids(sample: &[String]) -> String {
    sample
        .iter()
        .map(|id| format!("`{}`", cell(id)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Markdown table and a blank line, nothing when there are no rows. A
/// heading ending in `:` is right-aligned (the colon is not shown).
fn table(out: &mut String, headings: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    let names: Vec<&str> = headings.iter().map(|h| h.trim_end_matches(':')).collect();
    let rules: Vec<&str> = headings
        .iter()
        .map(|h| if h.ends_with(':') { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |", names.join(" | "));
    let _ = writeln!(out, "| {} |", rules.join(" | "));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

/// `body` folded under a `<details>` summary.
fn fold(out: &mut String, summary: &str, body: &str) {
    let _ = write!(
        out,
        "<details><summary>{summary}</summary>\n\n{body}</details>\n\n"
    );
}

/// A compact summary for a pull-request comment: the headline and the
/// changed stages in the open, the rest folded in `<details>`.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Nurture diff: `{}` → `{}`\n",
        cell(&diff.before_label),
        cell(&diff.after_label)
    );
    let _ = writeln!(out, "**{}**, {}.\n", headline(diff), period(diff));
    let kinds: Vec<Vec<String>> = diff
        .kinds
        .iter()
        .filter(|(_, c)| c.count > 0)
        .map(|(kind, c)| {
            vec![
                kind.describe().to_string(),
                thousands(c.count),
                ids(&c.sample),
            ]
        })
        .collect();
    table(&mut out, &["contacts who", "count:", "e.g."], &kinds);
    let stages: Vec<Vec<String>> = diff
        .stages
        .iter()
        .filter(|s| s.reached.changed() || s.at_end.changed())
        .map(|s| vec![cell(&s.name), pair(s.reached), pair(s.at_end)])
        .collect();
    table(&mut out, &["stage", "reached:", "at end:"], &stages);
    let messages: Vec<Vec<String>> = diff
        .messages
        .iter()
        .filter(|m| m.changed())
        .map(|m| {
            let mut row = vec![format!("{} {}", m.key.kind, cell(&m.key.target))];
            for status in [
                Status::Sent,
                Status::Delayed,
                Status::Dropped,
                Status::Suppressed,
            ] {
                row.push(pair(status_pair(m, status)));
            }
            row.push(thousands(m.newly));
            row.push(thousands(m.no_longer));
            row
        })
        .collect();
    if !messages.is_empty() {
        let mut body = String::new();
        table(
            &mut body,
            &[
                "message",
                "sent:",
                "held:",
                "dropped:",
                "suppressed:",
                "newly get it:",
                "no longer get it:",
            ],
            &messages,
        );
        fold(
            &mut out,
            &format!("Messages: {} changed", messages.len()),
            &body,
        );
    }
    let rules: Vec<Vec<String>> = rules_of_note(diff)
        .into_iter()
        .map(|r| {
            vec![
                format!("`{}`", cell(&r.name)),
                cell(&rule_change(r)),
                pair(r.fired),
                pair(r.contacts),
            ]
        })
        .collect();
    if !rules.is_empty() {
        let mut body = String::new();
        table(
            &mut body,
            &["rule", "change", "fired:", "for contacts:"],
            &rules,
        );
        fold(
            &mut out,
            &format!("Rules: {} changed or firing differently", rules.len()),
            &body,
        );
    }
    if !diff.partings.is_empty() {
        let mut body = String::new();
        for parting in &diff.partings {
            body.push_str("```text\n");
            body.push_str(&parting_text(diff, parting, ""));
            body.push_str("```\n\n");
        }
        fold(
            &mut out,
            &format!(
                "Where the stories part: {} sampled contacts",
                diff.partings.len()
            ),
            &body,
        );
    }
    out
}

/// GitHub annotations: one notice on the line of each rule added, removed,
/// renamed or changed (the after version's line; the before version's for
/// a removed rule) with its effect, and one for the whole change.
pub fn github(diff: &Diff) -> String {
    let mut out = String::new();
    for rule in diff.rules.iter().filter(|r| r.change != RuleChange::Same) {
        let Some(at) = rule.after_at.as_ref().or(rule.before_at.as_ref()) else {
            continue;
        };
        let message = format!(
            "rule {} ({}): fired {} times for {} contacts",
            rule.name,
            rule_change(rule),
            pair(rule.fired),
            pair(rule.contacts)
        );
        out.push_str(&github_command(
            "notice",
            &[
                ("file", at.file.clone()),
                ("line", at.line.to_string()),
                ("title", "nurture diff".to_string()),
            ],
            &message,
        ));
    }
    out.push_str(&github_command(
        "notice",
        &[("title", "nurture diff".to_string())],
        &headline(diff),
    ));
    out
}
