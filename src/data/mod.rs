//! TEMPORARY stub of the data module (being written on the `data` branch).

use crate::value::{Instant, Value};

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub fields: Vec<Option<Value>>,
    pub stage: Option<usize>,
    pub points: i64,
    pub tags: Vec<String>,
    pub created_at: Option<Instant>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub contact: u32,
    pub event_type: u16,
    pub at: Instant,
    pub properties: Vec<Option<Value>>,
}
