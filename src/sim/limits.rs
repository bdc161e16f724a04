//! How much one run may plan and keep, and what it says when a run goes
//! past that (docs/language.md section 10, "Run limits"; codes E0801 and
//! E0802 in docs/diagnostics.md).

use super::calendar::TooManyTicks;
use super::outcome::{Limit, Stopped};
use crate::base::number::thousands;
use crate::diagnostics::codes::{self, Code};
use crate::ir::Program;

/// The limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Evaluation ticks the period may hold (`--max-ticks`).
    pub max_ticks: u64,
    /// Rule firings, and actions, per contact (`--max-actions-per-contact`).
    pub max_records: u64,
}

/// The default of `--max-ticks`: ten years of hourly ticks, or about two
/// years of ticks every minute (8 MB of instants).
pub const DEFAULT_MAX_TICKS: u64 = 1_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_ticks: DEFAULT_MAX_TICKS,
            max_records: super::contact::DEFAULT_MAX_RECORDS,
        }
    }
}

/// Why a run stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStop {
    /// The period holds more ticks than the limit; nothing was run.
    TooManyTicks(TooManyTicks),
    /// A contact hit the per-contact record limit; contacts before it were
    /// run (and handed to the sink), it and those after were not.
    ContactLimit {
        contact: String,
        /// The contact's position in the data.
        index: usize,
        stopped: Stopped,
        limit: u64,
    },
}

/// A run-limit error in words: its code, the message and the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopMessage {
    pub code: Code,
    pub message: String,
    pub help: String,
}

impl StopMessage {
    /// `error[E0801]: …` and a `help:` line, as the commands print it.
    pub fn render(&self) -> String {
        format!(
            "error[{}]: {}\n  help: {}\n",
            self.code, self.message, self.help
        )
    }
}

/// What a period of too many ticks is called in the message, and which
/// flags change it: `simulate` has `--from`/`--to`/`--max-ticks`, `explain`
/// `--from`/`--at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Simulate,
    Explain,
}

impl RunStop {
    pub fn message(&self, program: &Program, command: Command) -> StopMessage {
        let tz = program.settings.timezone;
        match self {
            RunStop::TooManyTicks(too_many) => too_many_ticks(too_many, command),
            RunStop::ContactLimit {
                contact,
                stopped,
                limit,
                ..
            } => {
                let rule = program
                    .rules
                    .get(stopped.rule)
                    .map_or("?", |r| r.name.as_str());
                let what = match stopped.limit {
                    Limit::Firings => "rule firings",
                    Limit::Actions => "actions",
                };
                StopMessage {
                    code: codes::CONTACT_LIMIT,
                    message: format!(
                        "contact `{contact}` went past {} {what} at {} (rule `{rule}`); the run stopped there, and its results would be incomplete",
                        thousands(*limit),
                        crate::base::time::local(stopped.at, tz),
                    ),
                    help: "a rule that repeats very often (`repeat every 1 minute`) or a very long period makes this many; check the rule, or raise --max-actions-per-contact".into(),
                }
            }
        }
    }
}

fn too_many_ticks(too_many: &TooManyTicks, command: Command) -> StopMessage {
    let flags = match command {
        Command::Simulate => {
            "use a longer --tick or a shorter period (--from, --to), or raise --max-ticks"
        }
        Command::Explain => "use a longer --tick or a later --from",
    };
    StopMessage {
        code: codes::TOO_MANY_TICKS,
        message: format!(
            "the period and the tick make {} evaluation ticks, more than the limit of {}; nothing was run",
            thousands(too_many.planned),
            thousands(too_many.limit)
        ),
        help: flags.into(),
    }
}

/// The message for a contact that stopped at the limit outside a whole
/// run (`explain`, `simulate --timeline`).
pub fn contact_stopped(
    program: &Program,
    contact: &str,
    stopped: Stopped,
    limit: u64,
) -> StopMessage {
    RunStop::ContactLimit {
        contact: contact.to_string(),
        index: 0,
        stopped,
        limit,
    }
    .message(program, Command::Simulate)
}
