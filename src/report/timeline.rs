//! `--timeline ID`: one contact's story, step by step.

use crate::base::time::local;
use crate::data::{Contact, Event};
use crate::ir::Program;
use crate::sim::run::describe;
use crate::sim::{ContactOutcome, Status, TraceEntry};
use std::fmt::Write;

pub fn render(
    program: &Program,
    contact: &Contact,
    events: &[Event],
    outcome: &ContactOutcome,
) -> String {
    let stage = |s: Option<crate::ir::StageId>| {
        s.map_or("(no stage)".to_string(), |s| {
            program.stages.name(s).to_string()
        })
    };
    let mut out = String::new();
    let _ = writeln!(out, "Timeline of contact {}", contact.id);
    let _ = writeln!(
        out,
        "  start: stage {}, {} points{}",
        stage(outcome.initial_stage),
        contact.points,
        tags(&contact.tags)
    );
    for entry in outcome.trace.iter().flatten() {
        let Some(line) = entry_line(program, events, entry) else {
            continue;
        };
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(
        out,
        "  end: stage {}, {} points",
        stage(outcome.final_stage),
        outcome.final_points
    );
    if outcome.pending_sequences > 0 {
        let _ = writeln!(
            out,
            "  {} still waiting",
            crate::base::number::counted(outcome.pending_sequences.into(), "sequence", "sequences")
        );
    }
    out
}

/// One trace entry as a timeline line (without the indent), `None` for an
/// event the data does not hold.
pub fn entry_line(program: &Program, events: &[Event], entry: &TraceEntry) -> Option<String> {
    let tz = program.settings.timezone;
    let line = match entry {
        TraceEntry::Event { at, index } => {
            let event = events.get(*index)?;
            format!(
                "{}  event {}{}",
                local(*at, tz),
                event_name(program, event),
                event_details(program, event)
            )
        }
        TraceEntry::RuleFired { at, rule } => {
            format!(
                "{}  rule {} fired",
                local(*at, tz),
                program.rule_name(*rule)
            )
        }
        TraceEntry::Action(record) => {
            let key = describe(program, &record.action);
            let mut text = format!("{}    {} {}", local(record.at, tz), key.kind, key.target);
            let text_trimmed = text.trim_end().len();
            text.truncate(text_trimmed);
            let _ = write!(text, ": {}", record.status.as_str());
            if record.status == Status::Delayed {
                if let Some(at) = record.deliver_at {
                    let _ = write!(text, " until {}", local(at, tz));
                }
            }
            if let Some(reason) = record.reason {
                let _ = write!(text, " ({})", reason.as_str());
            }
            text
        }
        TraceEntry::Waiting { at, rule, until } => format!(
            "{}    {} waits until {}",
            local(*at, tz),
            program.rule_name(*rule),
            local(*until, tz)
        ),
        TraceEntry::Resumed { at, rule } => {
            format!(
                "{}  rule {} goes on after its wait",
                local(*at, tz),
                program.rule_name(*rule)
            )
        }
        TraceEntry::Exited { at, rule } => format!(
            "{}  rule {} stopped: its exit condition holds",
            local(*at, tz),
            program.rule_name(*rule)
        ),
        TraceEntry::Stopped { at, rule } => {
            format!(
                "{}  rule {} stopped",
                local(*at, tz),
                program.rule_name(*rule)
            )
        }
        TraceEntry::Cancelled { at, record } => {
            let key = describe(program, &record.action);
            format!(
                "{}    {} {}: not delivered ({})",
                local(*at, tz),
                key.kind,
                key.target,
                record.reason.map_or("cancelled", |r| r.as_str())
            )
        }
        TraceEntry::Decayed { at, from, to } => {
            format!("{}  points decayed from {from} to {to}", local(*at, tz))
        }
    };
    Some(line)
}

/// The instant a trace entry happened at.
pub fn entry_at(entry: &TraceEntry) -> crate::base::value::Instant {
    match entry {
        TraceEntry::Event { at, .. }
        | TraceEntry::RuleFired { at, .. }
        | TraceEntry::Waiting { at, .. }
        | TraceEntry::Resumed { at, .. }
        | TraceEntry::Exited { at, .. }
        | TraceEntry::Stopped { at, .. }
        | TraceEntry::Decayed { at, .. }
        | TraceEntry::Cancelled { at, .. } => *at,
        TraceEntry::Action(record) => record.at,
    }
}

fn tags(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(", tags {}", tags.join(", "))
    }
}

pub fn event_name<'p>(program: &'p Program, event: &Event) -> &'p str {
    program
        .event_types
        .get(crate::ir::EventTypeId::new(event.event_type as usize))
        .map_or("?", |t| t.name.as_str())
}

/// ` (email=welcome, url=/pricing)`
pub fn event_details(program: &Program, event: &Event) -> String {
    let Some(event_type) = program
        .event_types
        .get(crate::ir::EventTypeId::new(event.event_type as usize))
    else {
        return String::new();
    };
    let parts: Vec<String> = event_type
        .properties
        .iter()
        .zip(&event.properties)
        .filter_map(|((name, _), value)| {
            value.as_ref().map(|v| match v {
                crate::base::value::Value::Text(t) => format!("{name}={t}"),
                other => format!("{name}={other}"),
            })
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
