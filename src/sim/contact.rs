//! One contact's dry run: its timeline of instants, the rules that fire at
//! each, and the actions they take. This is section 4 of the product brief in code;
//! `docs/language.md` ("Semantics") says the same in words.

use super::calendar::{add_duration, local_time_at_or_after, period_end, periods_between};
use super::outcome::{
    ActionRecord, ContactOutcome, Limit, Reason, Status, Stopped, TraceEntry, Transition,
    Withdrawal,
};
use super::sends::Outbox;
use crate::base::value::Instant;
use crate::base::vocab::Channel;
use crate::data::{Contact, Event};
use crate::eval::{Clock, ContactState, Context, EventView};
use crate::ir::time::depends_on_time;
use crate::ir::{self, builtin, Action, MessageId, Program, RuleId, Step, StepKind, Trigger};
use std::collections::HashMap;

/// What every contact's run shares.
pub struct RunPlan<'p> {
    pub program: &'p Program,
    pub from: Instant,
    pub to: Instant,
    /// Periodic evaluation instants (the same for every contact).
    pub ticks: &'p [Instant],
    /// Rules in the order they run within an instant: priority first, then
    /// file order.
    pub order: Vec<RuleId>,
    /// Per rule: whether time alone can make it fire (a time-dependent
    /// condition, or `repeat every`). Ticks with nothing new evaluate only
    /// these; the others cannot have changed.
    pub time_dependent: Vec<bool>,
    /// The time-dependent condition rules, in run order.
    pub timed_order: Vec<RuleId>,
    /// Per time-dependent rule whose condition is an `and`: the parts time
    /// cannot change. While they are false and nothing happens, the rule
    /// cannot fire, so quiet ticks skip it.
    gates: Vec<Option<ir::Cond>>,
    /// Declared messages by name, to recognise sends in the data.
    email_ids: HashMap<String, MessageId>,
    sms_ids: HashMap<String, MessageId>,
    /// The most rule firings, and the most actions, one contact's run may
    /// record; at the limit the contact's run stops and says so in
    /// [`ContactOutcome::stopped`]. This bounds a run's memory per contact.
    pub max_records: u64,
    /// Another version's rules to watch (`nurture diff`): the outcome then
    /// says whether any of them could have fired ([`super::watch`]).
    pub watch: Option<&'p super::watch::Watch<'p>>,
}

/// The default of [`RunPlan::max_records`] (`--max-actions-per-contact`):
/// far above what a real contact does in a run (a daily rule with two
/// actions for ten years records 7,300), small enough that a chunk of
/// contacts at the limit fits in memory.
pub const DEFAULT_MAX_RECORDS: u64 = 10_000;

impl<'p> RunPlan<'p> {
    pub fn new(program: &'p Program, from: Instant, to: Instant, ticks: &'p [Instant]) -> Self {
        let mut order: Vec<RuleId> = program.rules.ids().collect();
        // Stable sort: equal priorities keep file order.
        order.sort_by_key(|&r| {
            std::cmp::Reverse(program.rules.get(r).map_or(0, |rule| rule.priority))
        });
        let time_dependent = program
            .rules
            .iter()
            .map(|rule| match &rule.trigger {
                Trigger::Condition(condition) => {
                    rule.repeat.is_some() || depends_on_time(program, condition)
                }
                Trigger::Event(_) => false,
            })
            .collect::<Vec<bool>>();
        let timed_order = order
            .iter()
            .copied()
            .filter(|&r| time_dependent.get(r.index()).copied().unwrap_or(false))
            .collect();
        let gates = program
            .rules
            .iter()
            .zip(&time_dependent)
            .map(|(rule, &timed)| match &rule.trigger {
                Trigger::Condition(condition) if timed => timeless_part(program, condition),
                _ => None,
            })
            .collect();
        let ids = |names: &[String]| {
            names
                .iter()
                .enumerate()
                .map(|(id, name)| (name.clone(), MessageId::new(id)))
                .collect()
        };
        RunPlan {
            program,
            from,
            to,
            ticks,
            order,
            time_dependent,
            timed_order,
            gates,
            email_ids: ids(&program.emails),
            sms_ids: ids(&program.sms),
            max_records: DEFAULT_MAX_RECORDS,
            watch: None,
        }
    }

    /// The same plan, watching another version's rules.
    pub fn with_watch(mut self, watch: &'p super::watch::Watch<'p>) -> Self {
        self.watch = Some(watch);
        self
    }

    /// The same plan with another per-contact record limit.
    pub fn with_max_records(mut self, max_records: u64) -> Self {
        self.max_records = max_records;
        self
    }
}

/// A sequence waiting to go on after a `wait`.
#[derive(Debug, Clone)]
struct Waiting {
    resume_at: Instant,
    /// Tie-breaker so sequences due at the same instant resume in the
    /// order they started waiting.
    serial: u64,
    rule: RuleId,
    fired_at: Instant,
    /// Where to go on: indices into nested step lists, see [`resume`].
    path: Vec<usize>,
}

#[derive(Debug, Clone, Copy, Default)]
struct RuleRun {
    last_fired: Option<Instant>,
    /// Sequences of this rule still waiting.
    waiting: u32,
    /// Its gate (see [`RunPlan`]) was false at the last evaluation and
    /// nothing has happened since.
    blocked: bool,
    /// The evaluation (see `ContactRun::evaluations`) at which it fired;
    /// 0 for none. A count rather than a flag, so that a new evaluation
    /// needs no pass over every rule to clear it.
    fired_in: u64,
}

/// How a run of steps ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Suspended,
    Stopped,
}

/// Runs one contact from `plan.from` to `plan.to`.
pub fn simulate_contact(
    plan: &RunPlan<'_>,
    contact: &Contact,
    events: &[Event],
    trace: bool,
) -> ContactOutcome {
    // Script errors are collected per thread; a contact runs on one thread
    // from start to finish, so what is recorded in between is its own.
    crate::eval::script::take_errors();
    let mut run = ContactRun::new(plan, contact, events, trace);
    run.run();
    run.finish()
}

/// Runs one contact up to and including instant `until` and returns its
/// state then, with the events applied so far (for `explain`).
pub fn state_at<'e>(
    plan: &RunPlan<'_>,
    contact: &Contact,
    events: &'e [Event],
    until: Instant,
) -> (
    ContactState,
    EventView<'e>,
    Vec<Option<Instant>>,
    ContactOutcome,
) {
    // As in `simulate_contact`: what this thread records from here on is
    // this contact's.
    crate::eval::script::take_errors();
    let bounded = RunPlan {
        to: until.min(plan.to),
        order: plan.order.clone(),
        time_dependent: plan.time_dependent.clone(),
        timed_order: plan.timed_order.clone(),
        gates: plan.gates.clone(),
        email_ids: plan.email_ids.clone(),
        sms_ids: plan.sms_ids.clone(),
        ..*plan
    };
    let mut run = ContactRun::new(&bounded, contact, events, true);
    run.run();
    // Events after the last instant run but at or before `until` are
    // still part of "now".
    while run.events.peek_next().is_some_and(|e| e.at <= until) {
        run.events.apply_next();
    }
    let last_fired = run.rules.iter().map(|r| r.last_fired).collect();
    let state = run.state.clone();
    let events_view = std::mem::replace(&mut run.events, EventView::new(&[], 0));
    (state, events_view, last_fired, run.finish())
}

pub(super) struct ContactRun<'p, 'e> {
    pub(super) plan: &'p RunPlan<'p>,
    program: &'p Program,
    pub(super) state: ContactState,
    pub(super) events: EventView<'e>,
    rules: Vec<RuleRun>,
    /// How many times the condition rules were evaluated (from 1).
    evaluations: u64,
    waiting: Vec<Waiting>,
    serial: u64,
    /// Rule firings so far, for [`RunPlan::max_records`].
    firings: u64,
    outbox: Outbox,
    /// When the contact entered its current stage, if known.
    stage_since: Option<Instant>,
    decay_periods_applied: i64,
    /// No decay period ends before this instant (a shortcut past the
    /// calendar arithmetic at most instants).
    decay_not_before: Instant,
    /// When the contact comes into existence (`Contact::exists_from`):
    /// no tick evaluates it before, and it is in no segment before.
    exists_from: Option<Instant>,
    /// Sends decided but not yet delivered: (index in `outcome.actions`,
    /// channel, message, delivery instant).
    undelivered: Vec<(usize, Channel, MessageId, Instant)>,
    /// Something happened (an event, an action, decay) since every
    /// condition rule was last evaluated.
    changed: bool,
    pub(super) outcome: ContactOutcome,
}

impl<'p, 'e> ContactRun<'p, 'e> {
    fn new(plan: &'p RunPlan<'p>, contact: &Contact, events: &'e [Event], trace: bool) -> Self {
        let program = plan.program;
        let state = ContactState::from_contact(program, contact);
        ContactRun {
            plan,
            program,
            state,
            events: EventView::new(events, program.event_types.len()),
            rules: vec![RuleRun::default(); program.rules.len()],
            evaluations: 0,
            waiting: Vec::new(),
            serial: 0,
            firings: 0,
            outbox: Outbox::default(),
            stage_since: contact.created_at.filter(|_| contact.stage.is_some()),
            decay_periods_applied: 0,
            decay_not_before: Instant::MIN,
            exists_from: contact.exists_from(events),
            changed: true,
            undelivered: Vec::new(),
            outcome: ContactOutcome {
                initial_stage: contact.stage.map(ir::StageId::new),
                fired: vec![0; program.rules.len()],
                trace: trace.then(Vec::new),
                ..ContactOutcome::default()
            },
        }
    }

    fn trace(&mut self, entry: TraceEntry) {
        if let Some(trace) = &mut self.outcome.trace {
            trace.push(entry);
        }
    }

    fn run(&mut self) {
        // History before the run changes state but fires nothing.
        for event in self.events.apply_history_before(self.plan.from) {
            self.apply_effects(event);
        }
        let starts_at = self
            .exists_from
            .unwrap_or(self.plan.from)
            .max(self.plan.from);
        let mut ticks = self
            .plan
            .ticks
            .iter()
            .copied()
            .skip_while(|&t| t < starts_at)
            .peekable();
        let mut last_evaluated: Option<Instant> = None;
        while self.outcome.stopped.is_none() {
            let next_event = self
                .events
                .peek_next()
                .map(|e| e.at)
                .filter(|&t| t <= self.plan.to);
            let next_resume = self
                .waiting
                .iter()
                .map(|w| w.resume_at)
                .min()
                .filter(|&t| t <= self.plan.to);
            let next_tick = ticks.peek().copied();
            let Some(now) = [next_event, next_resume, next_tick]
                .into_iter()
                .flatten()
                .min()
            else {
                break;
            };
            if next_event == Some(now) {
                self.on_event(now);
            } else if next_resume == Some(now) {
                self.on_resume(now);
            } else {
                ticks.next();
                // A tick adds nothing at an instant already evaluated.
                if last_evaluated != Some(now) {
                    self.evaluate_instant(now);
                }
            }
            last_evaluated = Some(now);
            while ticks.peek().is_some_and(|&t| t < now) {
                ticks.next();
            }
        }
    }

    fn finish(mut self) -> ContactOutcome {
        let clock = Clock::new(self.plan.to, self.program.settings.timezone);
        crate::eval::script::set_rule(None);
        let context = Context::new(self.program, clock, &self.state, &self.events, None);
        let exists = self.exists_from.is_none_or(|from| from <= self.plan.to);
        self.outcome.segments_at_end = (0..self.program.segments.len())
            .map(|id| exists && context.in_segment(crate::ir::SegmentId::new(id)))
            .collect();
        self.outcome.script_errors = crate::eval::script::take_errors();
        self.outcome.final_stage = self.state.stage;
        self.outcome.final_points = self.state.points;
        self.outcome.pending_sequences = self.waiting.len() as u32;
        self.outcome
    }

    fn on_event(&mut self, now: Instant) {
        let Some(event) = self.events.apply_next() else {
            return;
        };
        self.changed = true;
        let index = self.events.applied() - 1;
        self.trace(TraceEntry::Event { at: now, index });
        self.apply_effects(event);
        self.decay(now);
        self.watch_event(now, event);
        let (plan, program) = (self.plan, self.program);
        for &rule_id in &plan.order {
            let Some(Trigger::Event(matcher)) = program.rules.get(rule_id).map(|r| &r.trigger)
            else {
                continue;
            };
            let matched = {
                let clock = Clock::new(now, self.program.settings.timezone);
                let context = Context::new(self.program, clock, &self.state, &self.events, None);
                context.matches(matcher, event)
            };
            if matched {
                self.fire(rule_id, now);
                self.watch_event(now, event);
            }
        }
        self.condition_rules(now);
    }

    fn on_resume(&mut self, now: Instant) {
        self.changed = true;
        self.decay(now);
        loop {
            let due = self
                .waiting
                .iter()
                .enumerate()
                .filter(|(_, w)| w.resume_at == now)
                .min_by_key(|(_, w)| w.serial)
                .map(|(i, _)| i);
            let Some(index) = due else { break };
            let waiting = self.waiting.swap_remove(index);
            let program = self.program;
            let (Some(run), Some(rule)) = (
                self.rules.get_mut(waiting.rule.index()),
                program.rules.get(waiting.rule),
            ) else {
                continue;
            };
            run.waiting = run.waiting.saturating_sub(1);
            crate::eval::script::set_rule(Some(waiting.rule.index()));
            let exit = rule
                .exit
                .as_ref()
                .is_some_and(|exit| self.holds_in_sequence(exit, waiting.fired_at, now));
            if exit {
                self.trace(TraceEntry::Exited {
                    at: now,
                    rule: waiting.rule,
                });
                continue;
            }
            self.trace(TraceEntry::Resumed {
                at: now,
                rule: waiting.rule,
            });
            let flow = self.resume(
                &rule.steps,
                &waiting.path,
                &mut Vec::new(),
                waiting.rule,
                waiting.fired_at,
                now,
            );
            if flow == Flow::Stopped {
                self.trace(TraceEntry::Stopped {
                    at: now,
                    rule: waiting.rule,
                });
            }
        }
        self.condition_rules(now);
    }

    fn evaluate_instant(&mut self, now: Instant) {
        self.decay(now);
        self.condition_rules(now);
    }

    /// Condition rules to a fixpoint: passes repeat while any rule fires,
    /// and each rule fires at most once per instant, so this ends.
    fn condition_rules(&mut self, now: Instant) {
        // With nothing new since the last full evaluation, only rules that
        // time alone can change need looking at.
        let mut only_time_dependent = !self.changed;
        if self.changed {
            // Gates are judged afresh against what has changed.
            for run in &mut self.rules {
                run.blocked = false;
            }
        }
        self.evaluations += 1;
        let evaluation = self.evaluations;
        let (plan, program) = (self.plan, self.program);
        self.watch_conditions(now);
        loop {
            let mut any = false;
            let order = if only_time_dependent {
                &plan.timed_order
            } else {
                &plan.order
            };
            for &rule_id in order {
                let Some(run) = self.rules.get(rule_id.index()) else {
                    continue;
                };
                if run.fired_in == evaluation
                    || (only_time_dependent && run.blocked)
                    || !self.eligible(rule_id, now)
                {
                    continue;
                }
                let Some(Trigger::Condition(condition)) =
                    program.rules.get(rule_id).map(|r| &r.trigger)
                else {
                    continue;
                };
                crate::eval::script::set_rule(Some(rule_id.index()));
                let clock = Clock::new(now, program.settings.timezone);
                let context = Context::new(program, clock, &self.state, &self.events, None);
                let blocked = match plan.gates.get(rule_id.index()) {
                    Some(Some(gate)) => !context.holds(gate),
                    _ => false,
                };
                let holds = !blocked && context.holds(condition);
                if let Some(run) = self.rules.get_mut(rule_id.index()) {
                    run.blocked = blocked;
                    run.fired_in = if holds { evaluation } else { 0 };
                }
                if holds {
                    any = true;
                    self.fire(rule_id, now);
                    self.watch_conditions(now);
                    // Its actions may enable any rule, timed or not.
                    only_time_dependent = false;
                }
            }
            if !any {
                break;
            }
        }
        self.changed = false;
    }

    /// Condition rules fire on entry once, or again after `repeat every`
    /// once the previous run's sequence has finished.
    fn eligible(&self, rule_id: RuleId, now: Instant) -> bool {
        let (Some(run), Some(rule)) = (
            self.rules.get(rule_id.index()),
            self.program.rules.get(rule_id),
        ) else {
            return false;
        };
        match (run.last_fired, rule.repeat) {
            (None, _) => true,
            (Some(last), Some(every)) => {
                run.waiting == 0 && now >= add_duration(last, every, self.program.settings.timezone)
            }
            (Some(_), None) => false,
        }
    }

    fn fire(&mut self, rule_id: RuleId, now: Instant) {
        if self.outcome.stopped.is_some() {
            return;
        }
        if self.firings >= self.plan.max_records {
            self.stop(Limit::Firings, rule_id, now);
            return;
        }
        let program = self.program;
        let (Some(run), Some(fired), Some(rule)) = (
            self.rules.get_mut(rule_id.index()),
            self.outcome.fired.get_mut(rule_id.index()),
            program.rules.get(rule_id),
        ) else {
            return;
        };
        self.firings += 1;
        run.last_fired = Some(now);
        *fired = fired.saturating_add(1);
        self.trace(TraceEntry::RuleFired {
            at: now,
            rule: rule_id,
        });
        let flow = self.run_steps(&rule.steps, &mut Vec::new(), 0, rule_id, now, now);
        if flow == Flow::Stopped {
            self.trace(TraceEntry::Stopped {
                at: now,
                rule: rule_id,
            });
        }
    }

    /// Runs `steps` from `start`. `path` addresses `steps` inside the rule:
    /// pairs of (branch step index, arm) from the top-level list down.
    fn run_steps(
        &mut self,
        steps: &'p [Step],
        path: &mut Vec<usize>,
        start: usize,
        rule: RuleId,
        fired_at: Instant,
        now: Instant,
    ) -> Flow {
        for (index, step) in steps.iter().enumerate().skip(start) {
            if let Some(unless) = &step.unless {
                if self.holds_in_sequence(unless, fired_at, now) {
                    // A `… to script` step skipped this way records nothing,
                    // like one whose script failed: its value is unknown.
                    if let StepKind::Act(action) = &step.kind {
                        self.record(ActionRecord {
                            at: now,
                            rule,
                            action: action.clone(),
                            status: Status::Skipped,
                            reason: Some(Reason::Unless),
                            deliver_at: None,
                            withdrawn: None,
                        });
                    }
                    continue;
                }
            }
            let resume_at = match &step.kind {
                StepKind::Wait(duration) => {
                    Some(add_duration(now, *duration, self.program.settings.timezone))
                }
                // At that very time the sequence goes on now, like a
                // `wait until DATE` that has passed.
                StepKind::WaitUntilTime(minute) => Some(local_time_at_or_after(
                    now,
                    *minute,
                    self.program.settings.timezone,
                ))
                .filter(|&at| at > now),
                StepKind::WaitUntilInstant(at) => (*at > now).then_some(*at),
                StepKind::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    let arm = usize::from(!self.holds_in_sequence(condition, fired_at, now));
                    let chosen = if arm == 0 { then } else { otherwise };
                    path.extend([index, arm]);
                    let flow = self.run_steps(chosen, path, 0, rule, fired_at, now);
                    path.truncate(path.len() - 2);
                    if flow != Flow::Continue {
                        return flow;
                    }
                    continue;
                }
                StepKind::Stop => return Flow::Stopped,
                _ => {
                    self.perform(&step.kind, rule, now);
                    continue;
                }
            };
            if let Some(resume_at) = resume_at {
                let mut resume_path = path.clone();
                resume_path.push(index + 1);
                self.serial += 1;
                self.waiting.push(Waiting {
                    resume_at,
                    serial: self.serial,
                    rule,
                    fired_at,
                    path: resume_path,
                });
                if let Some(run) = self.rules.get_mut(rule.index()) {
                    run.waiting += 1;
                }
                self.trace(TraceEntry::Waiting {
                    at: now,
                    rule,
                    until: resume_at,
                });
                return Flow::Suspended;
            }
        }
        Flow::Continue
    }

    /// Goes on with a waiting sequence: `path` is pairs of (branch index,
    /// arm) ending in the index to resume at in the innermost list. When an
    /// inner list finishes, the enclosing list goes on after its branch.
    fn resume(
        &mut self,
        steps: &'p [Step],
        path: &[usize],
        prefix: &mut Vec<usize>,
        rule: RuleId,
        fired_at: Instant,
        now: Instant,
    ) -> Flow {
        match path {
            [index] => self.run_steps(steps, prefix, *index, rule, fired_at, now),
            [branch, arm, rest @ ..] => {
                let inner: &'p [Step] = match steps.get(*branch).map(|s| &s.kind) {
                    Some(StepKind::Branch {
                        then, otherwise, ..
                    }) => {
                        if *arm == 0 {
                            then
                        } else {
                            otherwise
                        }
                    }
                    _ => return Flow::Continue,
                };
                prefix.extend([*branch, *arm]);
                let flow = self.resume(inner, rest, prefix, rule, fired_at, now);
                prefix.truncate(prefix.len() - 2);
                if flow != Flow::Continue {
                    return flow;
                }
                self.run_steps(steps, prefix, branch + 1, rule, fired_at, now)
            }
            [] => Flow::Continue,
        }
    }

    fn holds_in_sequence(&self, condition: &ir::Cond, fired_at: Instant, now: Instant) -> bool {
        let clock = Clock::new(now, self.program.settings.timezone);
        Context::new(
            self.program,
            clock,
            &self.state,
            &self.events,
            Some(fired_at),
        )
        .holds(condition)
    }

    fn record(&mut self, record: ActionRecord) {
        if self.outcome.stopped.is_some() {
            return;
        }
        if self.outcome.actions.len() as u64 >= self.plan.max_records {
            self.stop(Limit::Actions, record.rule, record.at);
            return;
        }
        self.trace(TraceEntry::Action(record.clone()));
        self.outcome.actions.push(record);
    }

    /// Ends this contact's run at a record limit; the run as a whole
    /// reports it (nothing past the limit is silently left out).
    fn stop(&mut self, limit: Limit, rule: RuleId, at: Instant) {
        self.outcome.stopped = Some(Stopped { limit, rule, at });
    }

    /// Carries out one action step and records it.
    fn perform(&mut self, kind: &StepKind, rule: RuleId, now: Instant) {
        let action = match kind {
            StepKind::Act(action) => action.clone(),
            // A failed script (recorded with the rule and contact) skips
            // the step: nothing is set and no action is recorded.
            StepKind::SetPointsScript(_) | StepKind::SetFieldScript { .. } => {
                match self.script_step(kind, rule, now) {
                    Some(action) => action,
                    None => return,
                }
            }
            _ => return,
        };
        let mut record = ActionRecord {
            at: now,
            rule,
            action,
            status: Status::Done,
            reason: None,
            deliver_at: None,
            withdrawn: None,
        };
        match &record.action {
            Action::MoveTo(stage) => {
                let stage = *stage;
                if self.state.stage.is_some_and(|current| current >= stage) {
                    record.status = Status::Skipped;
                    record.reason = Some(Reason::NotForward);
                } else {
                    self.move_stage(stage, rule, now);
                }
            }
            Action::MoveBackTo(stage) => {
                let stage = *stage;
                if self.state.stage.is_some_and(|current| current > stage) {
                    self.move_stage(stage, rule, now);
                } else {
                    record.status = Status::Skipped;
                    record.reason = Some(Reason::NotBackward);
                }
            }
            Action::Send {
                channel,
                message,
                again,
            } => {
                let (channel, message) = (*channel, *message);
                let decision = self.outbox.decide(
                    &self.program.settings,
                    &self.state,
                    channel,
                    message,
                    *again,
                    now,
                );
                record.status = decision.status;
                record.reason = decision.reason;
                record.deliver_at = decision.deliver_at;
                if let Some(at) = decision.deliver_at.filter(|&at| at > now) {
                    let index = self.outcome.actions.len();
                    self.undelivered.push((index, channel, message, at));
                }
                let (event_type, names) = match channel {
                    Channel::Email => (builtin::EMAIL_SENT, &self.program.emails),
                    Channel::Sms => (builtin::SMS_SENT, &self.program.sms),
                };
                if let (Some(at), Some(name)) = (decision.deliver_at, names.get(message)) {
                    self.events.record_send(event_type, at, name);
                }
            }
            Action::AddPoints(n) => self.state.points = self.state.points.saturating_add(*n),
            Action::SetPoints(n) => self.state.points = *n,
            Action::AddTag(tag) => {
                self.state.tags.insert(tag.clone());
            }
            Action::RemoveTag(tag) => {
                let removed = self.state.tags.remove(tag);
                skip_unless_removed(removed, &mut record);
            }
            Action::AddToList(list) => {
                self.state.lists.insert(*list);
            }
            Action::RemoveFromList(list) => {
                let removed = self.state.lists.remove(list);
                skip_unless_removed(removed, &mut record);
            }
            Action::SetField { field, value } => {
                if let Some(slot) = self.state.fields.get_mut(field.index()) {
                    *slot = Some(value.clone());
                }
            }
            Action::MarkDoNotContact => {
                self.state.do_not_contact = true;
                self.cancel_undelivered(now, Reason::DoNotContact);
            }
            Action::Unsubscribe => {
                self.state.unsubscribed = true;
                self.cancel_undelivered(now, Reason::Unsubscribed);
            }
            // Recorded only: a dry run never notifies, hands off or calls.
            Action::Notify { .. } | Action::HandOff(_) | Action::Webhook(_) => {}
        }
        self.record(record);
    }

    /// `set points to script x` / `set f to script x` as the action with the
    /// script's value in place; `None` when the script failed.
    fn script_step(&self, kind: &StepKind, rule: RuleId, now: Instant) -> Option<Action> {
        let clock = Clock::new(now, self.program.settings.timezone);
        let context = Context::new(self.program, clock, &self.state, &self.events, None);
        crate::eval::script::set_rule(Some(rule.index()));
        match kind {
            StepKind::SetPointsScript(script) => {
                match crate::eval::script::value(
                    &context,
                    *script,
                    crate::base::vocab::FieldType::Number,
                )? {
                    // Rounded to the nearest whole point; `as` saturates.
                    crate::base::value::Value::Number(n) => {
                        Some(Action::SetPoints(n.round() as i64))
                    }
                    _ => None,
                }
            }
            StepKind::SetFieldScript { field, script } => {
                let ty = self.program.fields.get(*field)?.ty;
                let value = crate::eval::script::value(&context, *script, ty)?;
                Some(Action::SetField {
                    field: *field,
                    value,
                })
            }
            _ => None,
        }
    }

    fn move_stage(&mut self, stage: ir::StageId, rule: RuleId, now: Instant) {
        let seconds_in_from = self.stage_since.map(|since| now - since);
        self.outcome.transitions.push(Transition {
            from: self.state.stage,
            to: stage,
            at: now,
            seconds_in_from,
            rule,
        });
        self.state.stage = Some(stage);
        self.stage_since = Some(now);
    }

    /// Points decay by whole periods counted from the start of the run;
    /// periods written in days count calendar days (see
    /// [`periods_between`]).
    fn decay(&mut self, now: Instant) {
        let Some(decay) = self.program.decay else {
            return;
        };
        if now < self.decay_not_before {
            return;
        }
        let tz = self.program.settings.timezone;
        let due = periods_between(self.plan.from, now, decay.every, tz);
        self.decay_not_before = period_end(self.plan.from, due + 1, decay.every, tz);
        let periods = due - self.decay_periods_applied;
        if periods <= 0 {
            return;
        }
        self.decay_periods_applied = due;
        let before = self.state.points;
        let after = decayed(before, decay, periods);
        if after == before {
            return;
        }
        self.state.points = after;
        self.changed = true;
        self.trace(TraceEntry::Decayed {
            at: now,
            from: before,
            to: after,
        });
    }
}

/// Points after `periods` decay periods. Only a positive balance decays
/// and decay never takes it below 0; a negative balance stays as it is.
/// `N%` takes N% of the points, rounded down, each period: 10% of 15 is 1
/// (15 → 14 → 13), and 10% of 5 is 0, so 5 points stay 5.
pub fn decayed(points: i64, decay: ir::PointsDecay, periods: i64) -> i64 {
    if points <= 0 || periods <= 0 {
        return points;
    }
    if !decay.percent {
        return points
            .saturating_sub(decay.amount.saturating_mul(periods))
            .max(0);
    }
    let mut points = points;
    for _ in 0..periods {
        // In 128 bits: the product overflows 64 for large balances. The
        // cut is at most the points (the percentage is at most 100).
        let cut = i128::from(points) * i128::from(decay.amount) / 100;
        let cut = i64::try_from(cut).unwrap_or(points);
        // Once the cut rounds down to nothing, no later period changes
        // anything either; this also bounds the loop (a positive cut
        // shrinks the points by at least 1%).
        if cut <= 0 {
            break;
        }
        points -= cut;
    }
    points
}

/// Removing what is not there is recorded as skipped, not done.
fn skip_unless_removed(removed: bool, record: &mut ActionRecord) {
    if !removed {
        record.status = Status::Skipped;
        record.reason = Some(Reason::NotPresent);
    }
}

/// The parts of a condition's top-level `and` that time alone cannot
/// change, as one condition; `None` when there are none.
fn timeless_part(program: &Program, condition: &ir::Cond) -> Option<ir::Cond> {
    let ir::CondKind::And(parts) = &condition.kind else {
        return None;
    };
    let timeless: Vec<ir::Cond> = parts
        .iter()
        .filter(|part| !depends_on_time(program, part))
        .cloned()
        .collect();
    (!timeless.is_empty()).then_some(ir::Cond {
        kind: ir::CondKind::And(timeless),
        span: condition.span,
    })
}

impl ContactRun<'_, '_> {
    /// What an event does by itself, before any rule: an unsubscribe
    /// withdraws consent (and stops sends not yet delivered); a send in
    /// the data counts for once-per-contact and frequency caps.
    fn apply_effects(&mut self, event: &Event) {
        let message = || match event.properties.first() {
            Some(Some(crate::base::value::Value::Text(name))) => Some(&**name),
            _ => None,
        };
        self.state.apply_event(event);
        match ir::EventTypeId::new(usize::from(event.event_type)) {
            builtin::UNSUBSCRIBED => self.cancel_undelivered(event.at, Reason::Unsubscribed),
            builtin::EMAIL_SENT => {
                let id = message().and_then(|m| self.plan.email_ids.get(m).copied());
                self.outbox.record_history(Channel::Email, id, event.at);
            }
            builtin::SMS_SENT => {
                let id = message().and_then(|m| self.plan.sms_ids.get(m).copied());
                self.outbox.record_history(Channel::Sms, id, event.at);
            }
            _ => {}
        }
    }

    /// Sends delayed past `now` do not go out once consent is withdrawn.
    fn cancel_undelivered(&mut self, now: Instant, reason: Reason) {
        let (cancelled, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.undelivered)
            .into_iter()
            .partition(|&(_, _, _, at)| at > now);
        self.undelivered = kept;
        for (index, channel, message, at) in cancelled {
            self.outbox.cancel(channel, message, at);
            let event_type = match channel {
                Channel::Email => builtin::EMAIL_SENT,
                Channel::Sms => builtin::SMS_SENT,
            };
            self.events.cancel_send(event_type, at);
            if let Some(record) = self.outcome.actions.get_mut(index) {
                record.withdrawn = Some(Withdrawal {
                    at: now,
                    held_until: at,
                    held_by: record.reason,
                });
                record.status = Status::Suppressed;
                record.reason = Some(reason);
                record.deliver_at = None;
                let record = record.clone();
                self.trace(TraceEntry::Cancelled { at: now, record });
            }
        }
    }
}
