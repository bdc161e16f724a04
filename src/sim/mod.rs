//! Dry runs: every contact along its own timeline, in parallel, with
//! results that do not depend on the thread count.

pub mod calendar;
pub mod contact;
pub mod outcome;
pub mod run;
pub mod sends;

pub use contact::{simulate_contact, state_at, RunPlan};
pub use outcome::{Action, ActionRecord, ContactOutcome, Reason, Status, TraceEntry, Transition};
