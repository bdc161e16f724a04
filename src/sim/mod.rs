//! Dry runs: every contact along its own timeline, in parallel, with
//! results that do not depend on the thread count.

pub mod calendar;
pub mod contact;
pub mod limits;
pub mod outcome;
pub mod run;
mod schema;
pub mod sends;
pub mod watch;

pub use contact::{simulate_contact, state_at, RunPlan, DEFAULT_MAX_RECORDS};
pub use outcome::{
    ActionRecord, ContactOutcome, Limit, Reason, Status, Stopped, TraceEntry, Transition,
    Withdrawal,
};
