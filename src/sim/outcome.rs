//! What a dry run records about one contact.

use crate::base::value::Instant;
use crate::ir::{Action, RuleId, StageId};

/// What became of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Took effect (stage moves, points, tags, …).
    Done,
    /// A message went out at the decision instant.
    Sent,
    /// A message went out later (quiet hours or a frequency cap).
    Delayed,
    /// A message was dropped by a frequency cap.
    Dropped,
    /// A message was not sent to this contact at all.
    Suppressed,
    /// The action had nothing to do (a forward move to a stage already
    /// reached) or its `unless` held.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Sent => "sent",
            Status::Delayed => "delayed",
            Status::Dropped => "dropped",
            Status::Suppressed => "suppressed",
            Status::Skipped => "skipped",
        }
    }
}

/// Why an action was delayed, dropped, suppressed or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    QuietHours,
    FrequencyCap,
    AlreadySent,
    Unsubscribed,
    DoNotContact,
    /// `move to` a stage the contact has already reached or passed.
    NotForward,
    /// `move back to` a stage that is not below the current one.
    NotBackward,
    /// The step's `unless` condition held.
    Unless,
    /// A tag or list membership to remove was not there.
    NotPresent,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::QuietHours => "quiet hours",
            Reason::FrequencyCap => "frequency cap",
            Reason::AlreadySent => "already sent to this contact",
            Reason::Unsubscribed => "contact unsubscribed",
            Reason::DoNotContact => "contact is do-not-contact",
            Reason::NotForward => "stage already reached or passed",
            Reason::NotBackward => "move back to a stage that is not lower",
            Reason::Unless => "unless condition held",
            Reason::NotPresent => "nothing to remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    /// When the rule decided the action.
    pub at: Instant,
    pub rule: RuleId,
    pub action: Action,
    pub status: Status,
    pub reason: Option<Reason>,
    /// For sends that go out: when (the decision instant, or later for a
    /// delayed send).
    pub deliver_at: Option<Instant>,
    /// For a delayed send taken back before it went out: when and why it
    /// was held. `status` is then [`Status::Suppressed`] and `reason` says
    /// why it was withdrawn.
    pub withdrawn: Option<Withdrawal>,
}

/// A delayed send withdrawn before its delivery time (the contact
/// unsubscribed or was marked do-not-contact in between).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// When it was taken back.
    pub at: Instant,
    /// When it would have gone out.
    pub held_until: Instant,
    /// What held it (quiet hours, a frequency cap).
    pub held_by: Option<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub from: Option<StageId>,
    pub to: StageId,
    pub at: Instant,
    /// Seconds spent in `from`, when it is known when the contact entered it.
    pub seconds_in_from: Option<i64>,
    pub rule: RuleId,
}

/// One line of a contact's story, for `--timeline` and `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceEntry {
    Event {
        at: Instant,
        index: usize,
    },
    RuleFired {
        at: Instant,
        rule: RuleId,
    },
    Action(ActionRecord),
    Waiting {
        at: Instant,
        rule: RuleId,
        until: Instant,
    },
    Resumed {
        at: Instant,
        rule: RuleId,
    },
    Exited {
        at: Instant,
        rule: RuleId,
    },
    Stopped {
        at: Instant,
        rule: RuleId,
    },
    Decayed {
        at: Instant,
        from: i64,
        to: i64,
    },
    /// A delayed send taken back before its delivery; `record` is the
    /// action as it finally stands.
    Cancelled {
        at: Instant,
        record: ActionRecord,
    },
}

/// Everything the reports need about one contact's run.
#[derive(Debug, Clone, Default)]
pub struct ContactOutcome {
    pub initial_stage: Option<StageId>,
    pub final_stage: Option<StageId>,
    pub final_points: i64,
    pub transitions: Vec<Transition>,
    /// How often each rule fired, by rule id.
    pub fired: Vec<u32>,
    pub actions: Vec<ActionRecord>,
    /// Sequences still waiting when the run ended.
    pub pending_sequences: u32,
    /// Membership of each segment at the end of the run, by segment id.
    pub segments_at_end: Vec<bool>,
    /// Present only when a trace was asked for.
    pub trace: Option<Vec<TraceEntry>>,
    /// Scripts that failed at run time (each counted as false).
    pub script_errors: Vec<crate::eval::script::ScriptError>,
    /// Set when the contact's run hit a record limit and stopped there:
    /// what it holds is the run up to that instant only.
    pub stopped: Option<Stopped>,
    /// With a watch ([`super::watch`]): a watched rule could have fired
    /// at some point of the run.
    pub watch_tripped: bool,
}

/// Which per-contact limit a run hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// More rule firings than the limit.
    Firings,
    /// More recorded actions than the limit.
    Actions,
}

/// Where a contact's run stopped at a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    pub limit: Limit,
    /// The rule that would have gone past the limit.
    pub rule: RuleId,
    pub at: Instant,
}
