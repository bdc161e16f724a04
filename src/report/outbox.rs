//! `--outbox FILE`: every action as one JSON line.

use super::rfc3339;
use crate::check::ir::Program;
use crate::sim::run::describe;
use crate::sim::{Action, ActionRecord};
use serde_json::{json, Value as Json};

/// One outbox line (without the newline).
pub fn line(program: &Program, contact_id: &str, record: &ActionRecord) -> String {
    let key = describe(program, &record.action);
    let value = json!({
        "at": rfc3339(record.at),
        "contact": contact_id,
        "rule": program.rules[record.rule].name,
        "action": key.kind,
        "target": if key.target.is_empty() { Json::Null } else { Json::String(key.target) },
        "details": details(program, &record.action),
        "status": record.status.as_str(),
        "reason": record.reason.map(|r| r.as_str()),
        "deliver_at": record.deliver_at.map(rfc3339),
    });
    value.to_string()
}

fn details(program: &Program, action: &Action) -> Json {
    match action {
        Action::SetField { field, value } => json!({
            "field": program.fields[*field].name,
            "value": value.to_string(),
        }),
        Action::Notify { message, .. } | Action::HandOff(message) => json!({ "message": message }),
        Action::AddPoints(n) | Action::SetPoints(n) => json!({ "points": n }),
        _ => Json::Null,
    }
}
