//! `--outbox FILE`: every action as one JSON line, telling what finally
//! became of it and when (the format is in docs/data.md, "The outbox").

use crate::base::time::rfc3339;
use crate::ir::Action;
use crate::ir::Program;
use crate::sim::run::describe;
use crate::sim::{ActionRecord, Status};
use serde_json::{json, Value as Json};

/// One outbox line (without the newline). Every line has the same keys,
/// `null` where one does not apply, always in this order.
pub fn line(program: &Program, contact_id: &str, record: &ActionRecord) -> String {
    let key = describe(program, &record.action);
    let rule = program.rules.get(record.rule).map(|r| r.name.as_str());
    let withdrawn = record.withdrawn;
    let status = if withdrawn.is_some() {
        "withdrawn"
    } else {
        record.status.as_str()
    };
    // What held a send: for a delayed one its reason, for a withdrawn one
    // what held it before it was taken back.
    let (held_by, held_until) = match (withdrawn, record.status) {
        (Some(w), _) => (w.held_by, Some(w.held_until)),
        (None, Status::Delayed) => (record.reason, record.deliver_at),
        _ => (None, None),
    };
    // The instant the final status took effect.
    let status_at = match (withdrawn, record.deliver_at) {
        (Some(w), _) => w.at,
        (None, Some(at)) => at,
        (None, None) => record.at,
    };
    let value = json!({
        "at": rfc3339(record.at),
        "contact": contact_id,
        "rule": rule,
        "action": key.kind,
        "target": if key.target.is_empty() { Json::Null } else { Json::String(key.target) },
        "details": details(program, &record.action),
        "status": status,
        "status_at": rfc3339(status_at),
        "reason": record.reason.map(|r| r.as_str()),
        "deliver_at": record.deliver_at.map(rfc3339),
        "held_by": held_by.map(|r| r.as_str()),
        "held_until": held_until.map(rfc3339),
        "withdrawn_at": withdrawn.map(|w| rfc3339(w.at)),
    });
    value.to_string()
}

fn details(program: &Program, action: &Action) -> Json {
    match action {
        Action::SetField { field, value } => json!({
            "field": program.fields.get(*field).map(|f| f.name.as_str()),
            "value": value.to_string(),
        }),
        Action::Notify { message, .. } | Action::HandOff(message) => json!({ "message": message }),
        Action::AddPoints(n) | Action::SetPoints(n) => json!({ "points": n }),
        _ => Json::Null,
    }
}
