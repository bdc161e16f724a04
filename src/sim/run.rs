//! A whole dry run: contacts in parallel chunks, folded into a [`Summary`]
//! in contact order so the result never depends on the thread count.

use super::contact::{simulate_contact, RunPlan};
pub use super::limits::{Limits, RunStop, DEFAULT_MAX_TICKS};
use super::outcome::{ActionRecord, ContactOutcome, Reason, Status};
use crate::base::value::Instant;
use crate::base::vocab::{Channel, Recipient};
use crate::data::{Contact, Event};
use crate::ir::Action;
use crate::ir::{FieldId, Program, RuleId, StageId};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::ops::Range;

/// Contacts simulated per parallel batch at most; bounds memory for
/// outcomes.
const CHUNK: usize = 4096;

/// The most action records and rule firings the contacts of one batch may
/// hold together: the batch is made smaller when the per-contact limit is
/// high, so a batch of contacts all at the limit still fits in memory
/// (an action record is about a hundred bytes).
const BATCH_RECORDS: u64 = 4_000_000;

/// What a dry run covers.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub from: Instant,
    pub to: Instant,
    pub tick_seconds: i64,
    /// Break the funnel down by this field.
    pub by_field: Option<FieldId>,
}

/// A contact with its events, as the run needs them.
pub struct Population<'d> {
    pub contacts: &'d [Contact],
    pub events: &'d [Event],
    pub ranges: &'d [Range<usize>],
}

impl<'d> Population<'d> {
    /// The contacts and events of a loaded dataset.
    pub fn of(dataset: &'d crate::data::Dataset) -> Self {
        Population {
            contacts: &dataset.contacts,
            events: &dataset.events,
            ranges: &dataset.contact_event_ranges,
        }
    }

    pub fn events_of(&self, contact: usize) -> &[Event] {
        self.ranges
            .get(contact)
            .and_then(|r| self.events.get(r.clone()))
            .unwrap_or(&[])
    }
}

/// Per stage: contacts there at the start and end, and how many entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageCounts {
    pub at_start: u64,
    pub at_end: u64,
    pub entered: u64,
    /// Contacts that were at this stage or a later one at some point.
    pub reached: u64,
}

/// The funnel of one group of contacts (all of them, or one `--by` value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Funnel {
    pub contacts: u64,
    /// Indexed by stage id.
    pub stages: Vec<StageCounts>,
    /// Contacts with no stage at the start / end.
    pub no_stage_at_start: u64,
    pub no_stage_at_end: u64,
}

impl Funnel {
    pub fn new(stages: usize) -> Self {
        Funnel {
            stages: vec![StageCounts::default(); stages],
            ..Funnel::default()
        }
    }

    pub fn add(&mut self, outcome: &ContactOutcome) {
        self.contacts += 1;
        match outcome
            .initial_stage
            .and_then(|s| self.stages.get_mut(s.index()))
        {
            Some(counts) => counts.at_start += 1,
            None => self.no_stage_at_start += 1,
        }
        match outcome
            .final_stage
            .and_then(|s| self.stages.get_mut(s.index()))
        {
            Some(counts) => counts.at_end += 1,
            None => self.no_stage_at_end += 1,
        }
        let mut entered = vec![false; self.stages.len()];
        for transition in &outcome.transitions {
            if let Some(flag) = entered.get_mut(transition.to.index()) {
                *flag = true;
            }
        }
        let highest = outcome
            .transitions
            .iter()
            .map(|t| Some(t.to))
            .chain([outcome.initial_stage])
            .max()
            .flatten();
        for (stage, (counts, was_entered)) in self.stages.iter_mut().zip(entered).enumerate() {
            if was_entered {
                counts.entered += 1;
            }
            if highest.is_some_and(|h| h >= crate::ir::StageId::new(stage)) {
                counts.reached += 1;
            }
        }
    }

    /// Share of contacts that reached a stage among those that reached the
    /// one before it; the first stage has no previous one.
    pub fn conversion(&self, stage: StageId) -> Option<f64> {
        let previous = self.stages.get(stage.index().checked_sub(1)?)?.reached;
        let here = self.stages.get(stage.index())?.reached;
        (previous > 0).then(|| here as f64 / previous as f64)
    }
}

/// The action kinds reports group by, with the target where there is one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionKey {
    pub kind: &'static str,
    pub target: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionCounts {
    pub by_status: BTreeMap<Status, u64>,
    pub by_reason: BTreeMap<(Status, Reason), u64>,
}

impl ActionCounts {
    pub fn total(&self) -> u64 {
        self.by_status.values().sum()
    }

    pub fn count(&self, status: Status) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// Everything the reports show about a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub from: Instant,
    pub to: Instant,
    pub funnel: Funnel,
    /// Per `(from, to)` stage move: how long contacts spent in `from`.
    pub transitions: BTreeMap<(Option<StageId>, StageId), TransitionStats>,
    /// Per rule: times fired, and contacts it fired for.
    pub rules: Vec<(u64, u64)>,
    pub actions: BTreeMap<ActionKey, ActionCounts>,
    pub pending_sequences: u64,
    /// Contacts in each segment at the end of the run, by segment id.
    pub segments_at_end: Vec<u64>,
    /// Funnels per value of the `--by` field, `(not set)` for none.
    pub groups: BTreeMap<String, Funnel>,
    /// The run-time script errors, in contact order: the first ones in
    /// words naming the script, the rule and the contact, all counted (a
    /// failed script counts as false).
    pub script_errors: crate::eval::script_failures::ScriptFailures,
    /// Set when the run stopped at a limit: the rest is then incomplete.
    pub stopped: Option<RunStop>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitionStats {
    pub count: u64,
    /// Seconds in the previous stage, where known; sorted at the end.
    pub durations: Vec<i64>,
}

impl TransitionStats {
    /// Median days in the previous stage, when any duration is known.
    pub fn median_days(&self) -> Option<f64> {
        let n = self.durations.len();
        if n == 0 {
            return None;
        }
        let upper = *self.durations.get(n / 2)? as f64;
        let mid = if n % 2 == 1 {
            upper
        } else {
            (*self.durations.get(n / 2 - 1)? as f64 + upper) / 2.0
        };
        Some(mid / 86_400.0)
    }
}

/// Names the kind and target of an action, for grouping and output.
pub fn describe(program: &Program, action: &Action) -> ActionKey {
    let (kind, target) = match action {
        Action::MoveTo(s) => ("move to", program.stages.name(*s).to_string()),
        Action::MoveBackTo(s) => ("move back to", program.stages.name(*s).to_string()),
        Action::Send {
            channel: Channel::Email,
            message,
            ..
        } => ("send email", program.emails.name(*message).to_string()),
        Action::Send {
            channel: Channel::Sms,
            message,
            ..
        } => ("send sms", program.sms.name(*message).to_string()),
        Action::AddPoints(n) if *n >= 0 => ("add points", n.to_string()),
        Action::AddPoints(n) => ("remove points", (-n).to_string()),
        Action::SetPoints(n) => ("set points", n.to_string()),
        Action::AddTag(t) => ("add tag", t.clone()),
        Action::RemoveTag(t) => ("remove tag", t.clone()),
        Action::AddToList(l) => ("add to list", program.lists.name(*l).to_string()),
        Action::RemoveFromList(l) => ("remove from list", program.lists.name(*l).to_string()),
        Action::SetField { field, .. } => (
            "set field",
            program
                .fields
                .get(*field)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
        ),
        Action::Notify {
            recipient: Recipient::Sales,
            ..
        } => ("notify", "sales".to_string()),
        Action::Notify {
            recipient: Recipient::Owner,
            ..
        } => ("notify", "owner".to_string()),
        Action::HandOff(_) => ("hand off", "crm".to_string()),
        Action::Webhook(url) => ("webhook", url.clone()),
        Action::MarkDoNotContact => ("mark do not contact", String::new()),
        Action::Unsubscribe => ("unsubscribe", String::new()),
    };
    ActionKey { kind, target }
}

/// Receives every contact's outcome in contact order.
pub trait OutcomeSink {
    fn contact(&mut self, index: usize, contact: &Contact, outcome: &ContactOutcome);
}

impl OutcomeSink for () {
    fn contact(&mut self, _: usize, _: &Contact, _: &ContactOutcome) {}
}

/// Runs every contact and folds the outcomes into a summary, with the
/// default [`Limits`].
pub fn run(
    program: &Program,
    population: &Population<'_>,
    config: &RunConfig,
    sink: &mut dyn OutcomeSink,
    progress: &mut dyn FnMut(usize),
) -> Summary {
    run_limited(
        program,
        population,
        config,
        Limits::default(),
        sink,
        progress,
    )
}

/// Runs every contact and folds the outcomes into a summary. `progress`
/// is called after each chunk with the number of contacts done. At a limit
/// the run stops and says why in [`Summary::stopped`]; the sink has then
/// seen the contacts before the one that hit it, and no other.
pub fn run_limited(
    program: &Program,
    population: &Population<'_>,
    config: &RunConfig,
    limits: Limits,
    sink: &mut dyn OutcomeSink,
    progress: &mut dyn FnMut(usize),
) -> Summary {
    let mut summary = Summary {
        from: config.from,
        to: config.to,
        funnel: Funnel::new(program.stages.len()),
        rules: vec![(0, 0); program.rules.len()],
        segments_at_end: vec![0; program.segments.len()],
        ..Summary::default()
    };
    let ticks = match super::calendar::plan_ticks(
        config.from,
        config.to,
        config.tick_seconds,
        program.settings.timezone,
        limits.max_ticks,
    ) {
        Ok(ticks) => ticks,
        Err(too_many) => {
            summary.stopped = Some(RunStop::TooManyTicks(too_many));
            return summary;
        }
    };
    let plan =
        RunPlan::new(program, config.from, config.to, &ticks).with_max_records(limits.max_records);
    let chunk = usize::try_from(BATCH_RECORDS / limits.max_records.max(1))
        .unwrap_or(CHUNK)
        .clamp(1, CHUNK);
    let total = population.contacts.len();
    let mut done = 0;
    for contacts in population.contacts.chunks(chunk) {
        let outcomes: Vec<ContactOutcome> = contacts
            .par_iter()
            .enumerate()
            .map(|(offset, contact)| {
                simulate_contact(&plan, contact, population.events_of(done + offset), false)
            })
            .collect();
        for (offset, (contact, outcome)) in contacts.iter().zip(&outcomes).enumerate() {
            let index = done + offset;
            if let Some(stopped) = outcome.stopped {
                summary.stopped = Some(RunStop::ContactLimit {
                    contact: contact.id.to_string(),
                    index,
                    stopped,
                    limit: limits.max_records,
                });
                return summary;
            }
            fold(program, config, &mut summary, contact, outcome);
            sink.contact(index, contact, outcome);
        }
        done += contacts.len();
        progress(done);
    }
    debug_assert_eq!(done, total);
    for stats in summary.transitions.values_mut() {
        stats.durations.sort_unstable();
    }
    summary
}

fn fold(
    program: &Program,
    config: &RunConfig,
    summary: &mut Summary,
    contact: &Contact,
    outcome: &ContactOutcome,
) {
    summary.funnel.add(outcome);
    summary
        .script_errors
        .add(&contact.id, &outcome.script_errors);
    if let Some(field) = config.by_field {
        let key = contact
            .fields
            .get(field.index())
            .and_then(Option::as_ref)
            .map(|v| match v {
                crate::base::value::Value::Text(t) => t.to_string(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "(not set)".to_string());
        summary
            .groups
            .entry(key)
            .or_insert_with(|| Funnel::new(program.stages.len()))
            .add(outcome);
    }
    for transition in &outcome.transitions {
        let stats = summary
            .transitions
            .entry((transition.from, transition.to))
            .or_default();
        stats.count += 1;
        if let Some(seconds) = transition.seconds_in_from {
            stats.durations.push(seconds);
        }
    }
    for (totals, &fired) in summary.rules.iter_mut().zip(&outcome.fired) {
        if fired > 0 {
            totals.0 += u64::from(fired);
            totals.1 += 1;
        }
    }
    for record in &outcome.actions {
        tally_action(program, summary, record);
    }
    summary.pending_sequences += u64::from(outcome.pending_sequences);
    for (count, &member) in summary
        .segments_at_end
        .iter_mut()
        .zip(&outcome.segments_at_end)
    {
        *count += u64::from(member);
    }
}

fn tally_action(program: &Program, summary: &mut Summary, record: &ActionRecord) {
    let counts = summary
        .actions
        .entry(describe(program, &record.action))
        .or_default();
    *counts.by_status.entry(record.status).or_default() += 1;
    if let Some(reason) = record.reason {
        *counts.by_reason.entry((record.status, reason)).or_default() += 1;
    }
}

/// The rules that never fired, by id.
pub fn never_fired(summary: &Summary) -> Vec<RuleId> {
    summary
        .rules
        .iter()
        .enumerate()
        .filter(|(_, (fired, _))| *fired == 0)
        .map(|(id, _)| RuleId::new(id))
        .collect()
}
