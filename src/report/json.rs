//! The machine-readable summary section 5 of the product brief fixes for
//! `simulate --format json`.

use super::DataCounts;
use crate::base::time::rfc3339;
use crate::ir::Program;
use crate::sim::run::{never_fired, Funnel, Summary};
use crate::sim::Status;
use serde_json::{json, Value as Json};

pub fn summary(program: &Program, summary: &Summary, data: &DataCounts, by: Option<&str>) -> Json {
    let optional_stage =
        |s: Option<crate::ir::StageId>| s.map(|s| program.stages.name(s).to_string());
    let transitions: Vec<Json> = summary
        .transitions
        .iter()
        .map(|((from, to), stats)| {
            json!({
                "from": optional_stage(*from),
                "to": program.stages.name(*to),
                "count": stats.count,
                "median_days": stats.median_days().map(round2),
            })
        })
        .collect();
    let rules: Vec<Json> = program
        .rules
        .iter()
        .zip(&summary.rules)
        .map(|(rule, (fired, contacts))| {
            json!({ "name": rule.name, "fired": fired, "contacts": contacts })
        })
        .collect();
    let actions: Vec<Json> = summary
        .actions
        .iter()
        .map(|(key, counts)| {
            let reasons: Vec<Json> = counts
                .by_reason
                .iter()
                .map(|((status, reason), n)| {
                    json!({ "status": status.as_str(), "reason": reason.as_str(), "count": n })
                })
                .collect();
            let suppressed = counts.count(Status::Suppressed)
                + counts.count(Status::Dropped)
                + counts.count(Status::Skipped);
            json!({
                "kind": key.kind,
                "target": key.target,
                "count": counts.total(),
                "done": counts.count(Status::Done),
                "sent": counts.count(Status::Sent),
                "delayed": counts.count(Status::Delayed),
                "dropped": counts.count(Status::Dropped),
                "skipped": counts.count(Status::Skipped),
                "suppressed": suppressed,
                "reasons": reasons,
            })
        })
        .collect();
    let never: Vec<&str> = never_fired(summary)
        .into_iter()
        .map(|r| program.rule_name(r))
        .collect();
    let mut report = json!({
        "campaign": program.settings.campaign_name,
        "timezone": program.settings.timezone.name(),
        "contacts": summary.funnel.contacts,
        "from": rfc3339(summary.from),
        "to": rfc3339(summary.to),
        "stages": funnel_stages(program, &summary.funnel),
        "no_stage": {
            "at_start": summary.funnel.no_stage_at_start,
            "at_end": summary.funnel.no_stage_at_end,
        },
        "transitions": transitions,
        "segments_at_end": program
            .segments
            .iter()
            .zip(&summary.segments_at_end)
            .map(|(segment, n)| json!({ "segment": segment.name, "contacts": n }))
            .collect::<Vec<_>>(),
        "rules": rules,
        "rules_never_fired": never,
        "actions": actions,
        "pending_sequences": summary.pending_sequences,
        "data": data,
    });
    if let (Some(by), Some(object)) = (by, report.as_object_mut()) {
        let groups: Vec<Json> = summary
            .groups
            .iter()
            .map(|(value, funnel)| {
                json!({
                    "value": value,
                    "contacts": funnel.contacts,
                    "stages": funnel_stages(program, funnel),
                })
            })
            .collect();
        object.insert("by".into(), json!({ "field": by, "groups": groups }));
    }
    report
}

fn funnel_stages(program: &Program, funnel: &Funnel) -> Vec<Json> {
    program
        .stages
        .iter()
        .enumerate()
        .map(|(id, name)| {
            let counts = funnel.stages.get(id).cloned().unwrap_or_default();
            json!({
                "stage": name,
                "at_start": counts.at_start,
                "entered": counts.entered,
                "at_end": counts.at_end,
                "reached": counts.reached,
                "conversion_from_previous": funnel.conversion(crate::ir::StageId::new(id)).map(round4),
            })
        })
        .collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
