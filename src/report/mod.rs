//! Reports of a dry run: for people, for machines, and per contact.

pub mod explain;
pub mod human;
pub mod json;
pub mod outbox;
pub mod script_failures;
pub mod timeline;

/// Rows read, used and rejected for one input; read = used + rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RowCounts {
    pub read: u64,
    pub used: u64,
    pub rejected: u64,
}

/// The data reconciliation every report ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DataCounts {
    pub contacts: RowCounts,
    pub events: RowCounts,
}

/// The name of stage `id`; `?` for an id the program does not have (ids
/// come from the program, so that is a bug, not a reason to panic).
pub fn stage_name(program: &crate::ir::Program, id: usize) -> &str {
    program
        .stages
        .get(crate::ir::StageId::new(id))
        .map_or("?", String::as_str)
}

/// The name of rule `id`; `?` for an id the program does not have.
pub fn rule_name(program: &crate::ir::Program, id: usize) -> &str {
    program
        .rules
        .get(crate::ir::RuleId::new(id))
        .map_or("?", |r| r.name.as_str())
}
