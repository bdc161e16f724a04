//! The data schema a checked program declares: what `data` must find in
//! the contacts and events it loads for this program to run over them.
//!
//! It is built here, by a consumer of both, so that `data` knows its own
//! schema type and nothing of programs (the layering in
//! `docs/architecture.md`).

use crate::data::{EventTypeSchema, Schema};
use crate::ir::Program;

impl From<&Program> for Schema {
    /// The declared fields, the event types (built-ins first, in the
    /// program's order, so event type indices agree), the stages and the
    /// campaign time zone.
    fn from(program: &Program) -> Schema {
        Schema {
            fields: program
                .fields
                .iter()
                .map(|f| (f.name.clone(), f.ty))
                .collect(),
            event_types: program
                .event_types
                .iter()
                .map(|t| EventTypeSchema {
                    name: t.name.clone(),
                    properties: t.properties.to_vec(),
                })
                .collect(),
            stages: program.stages.to_vec(),
            timezone: program.settings.timezone,
        }
    }
}
