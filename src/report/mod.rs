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
