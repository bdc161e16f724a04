//! One contact's run, plainly: walk time forward from instant to instant;
//! at every instant evaluate every rule from scratch.

use super::calendar;
use super::eval::{State, View};
use super::Semantics;
use chrono_tz::Tz;
use nurture::base::value::{Instant, Value};
use nurture::base::vocab::{CapPolicy, Channel};
use nurture::data::{Contact, Event};
use nurture::ir::{builtin, Action, Cond, Program, RuleId, Step, StepKind, Trigger};
use nurture::sim::{ActionRecord, Reason, Status, Transition, Withdrawal};
use std::collections::BTreeSet;

/// What the reference records about one contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub initial_stage: Option<nurture::ir::StageId>,
    pub final_stage: Option<nurture::ir::StageId>,
    pub final_points: i64,
    pub final_tags: BTreeSet<String>,
    pub final_fields: Vec<Option<Value>>,
    pub transitions: Vec<Transition>,
    pub fired: Vec<u32>,
    pub actions: Vec<ActionRecord>,
    pub pending: u32,
    pub segments_at_end: Vec<bool>,
}

/// A message the run decided to send (and has not taken back).
struct Send {
    channel: Channel,
    message: usize,
    deliver_at: Instant,
    /// Index of its record in `Outcome::actions`.
    record: usize,
    withdrawn: bool,
}

/// A sequence suspended by a wait: the step lists it is inside, outermost
/// first, each with the index of the next step to run.
struct Pending<'p> {
    resume_at: Instant,
    serial: u64,
    rule: RuleId,
    fired_at: Instant,
    frames: Vec<(&'p [Step], usize)>,
}

pub struct Run<'p> {
    program: &'p Program,
    semantics: &'p Semantics,
    tz: Tz,
    from: Instant,
    to: Instant,
    tick: i64,
    order: Vec<RuleId>,
    /// From when the contact exists: its `created_at`, or its first event
    /// when earlier; `None`: always (docs/language.md, "When a contact
    /// exists").
    exists_from: Option<Instant>,
    data: &'p [Event],
    applied: usize,
    state: State,
    stage_since: Option<Instant>,
    sends: Vec<Send>,
    pending: Vec<Pending<'p>>,
    serial: u64,
    last_fired: Vec<Option<Instant>>,
    decays_done: i64,
    out: Outcome,
}

pub fn simulate(
    program: &Program,
    semantics: &Semantics,
    contact: &Contact,
    events: &[Event],
    from: Instant,
    to: Instant,
    tick: i64,
) -> Outcome {
    // Rules run by priority, highest first, then in file order.
    let mut order: Vec<RuleId> = program.rules.ids().collect();
    order.sort_by(|a, b| {
        program.rules[b.index()]
            .priority
            .cmp(&program.rules[a.index()].priority)
            .then(a.cmp(b))
    });
    let mut fields = contact.fields.clone();
    fields.resize(program.fields.len(), None);
    let mut run = Run {
        program,
        semantics,
        tz: program.settings.timezone,
        from,
        to,
        tick,
        order,
        exists_from: contact
            .created_at
            .map(|created| events.iter().map(|e| e.at).fold(created, Instant::min)),
        data: events,
        applied: 0,
        state: State {
            stage: contact.stage.map(nurture::ir::StageId::new),
            points: contact.points,
            tags: contact.tags.iter().cloned().collect(),
            lists: BTreeSet::new(),
            fields,
            unsubscribed: false,
            do_not_contact: false,
        },
        stage_since: contact.created_at.filter(|_| contact.stage.is_some()),
        sends: Vec::new(),
        pending: Vec::new(),
        serial: 0,
        last_fired: vec![None; program.rules.len()],
        decays_done: 0,
        out: Outcome {
            initial_stage: contact.stage.map(nurture::ir::StageId::new),
            final_stage: None,
            final_points: 0,
            final_tags: BTreeSet::new(),
            final_fields: Vec::new(),
            transitions: Vec::new(),
            fired: vec![0; program.rules.len()],
            actions: Vec::new(),
            pending: 0,
            segments_at_end: Vec::new(),
        },
    };
    run.run();
    run.finish()
}

impl<'p> Run<'p> {
    fn run(&mut self) {
        // History: applied, fires nothing.
        while self
            .data
            .get(self.applied)
            .is_some_and(|e| e.at < self.from)
        {
            let e = &self.data[self.applied];
            self.applied += 1;
            if usize::from(e.event_type) == builtin::UNSUBSCRIBED.index() {
                self.state.unsubscribed = true;
            }
        }
        let ticks = calendar::ticks(self.from, self.to, self.tick, self.tz);
        let mut next_tick = 0;
        loop {
            let event_at = self
                .data
                .get(self.applied)
                .map(|e| e.at)
                .filter(|&t| t <= self.to);
            let resume_at = self
                .pending
                .iter()
                .map(|p| p.resume_at)
                .min()
                .filter(|&t| t <= self.to);
            let tick_at = ticks.get(next_tick).copied();
            let Some(now) = [event_at, resume_at, tick_at].into_iter().flatten().min() else {
                break;
            };
            // At one time: each event (an instant of its own), then the
            // sequences due, then the tick.
            while self.data.get(self.applied).is_some_and(|e| e.at == now) {
                self.event_instant(now);
            }
            if self.pending.iter().any(|p| p.resume_at == now) {
                self.resume_instant(now);
            }
            if tick_at == Some(now) {
                next_tick += 1;
                if self.exists_from.is_none_or(|c| now >= c) {
                    self.decay(now);
                    self.condition_rules(now);
                }
            }
        }
    }

    fn finish(mut self) -> Outcome {
        let visible = self.visible(self.to);
        let view = self.view(self.to, None, &visible);
        let exists = self.exists_from.is_none_or(|c| c <= self.to);
        let segments = (0..self.program.segments.len())
            .map(|s| exists && view.holds(&self.program.segments[s].condition))
            .collect();
        self.out.segments_at_end = segments;
        self.out.final_stage = self.state.stage;
        self.out.final_points = self.state.points;
        self.out.final_tags = self.state.tags.clone();
        self.out.final_fields = self.state.fields.clone();
        self.out.pending = self.pending.len() as u32;
        self.out
    }

    /// The events a condition sees at `now`: the data applied so far and
    /// the simulation's own sends delivered by then.
    fn visible(&self, now: Instant) -> Vec<Event> {
        let mut events: Vec<Event> = self.data[..self.applied].to_vec();
        for send in &self.sends {
            if send.withdrawn || send.deliver_at > now {
                continue;
            }
            let (event_type, name) = match send.channel {
                Channel::Email => (builtin::EMAIL_SENT, &self.program.emails[send.message]),
                Channel::Sms => (builtin::SMS_SENT, &self.program.sms[send.message]),
            };
            events.push(Event {
                contact: 0,
                event_type: event_type.index() as u16,
                at: send.deliver_at,
                properties: smallvec::smallvec![Some(Value::Text(name.as_str().into()))],
            });
        }
        events
    }

    fn view<'v>(
        &'v self,
        now: Instant,
        fired_at: Option<Instant>,
        events: &'v [Event],
    ) -> View<'v> {
        View {
            program: self.program,
            semantics: self.semantics,
            now,
            tz: self.tz,
            state: &self.state,
            events,
            fired_at,
        }
    }

    fn holds(&self, cond: &Cond, now: Instant, fired_at: Option<Instant>) -> bool {
        let events = self.visible(now);
        self.view(now, fired_at, &events).holds(cond)
    }

    fn event_instant(&mut self, now: Instant) {
        let index = self.applied;
        self.applied += 1;
        let event = &self.data[index];
        if usize::from(event.event_type) == builtin::UNSUBSCRIBED.index() {
            self.state.unsubscribed = true;
            self.withdraw(now, Reason::Unsubscribed);
        }
        self.decay(now);
        for position in 0..self.order.len() {
            let rule = self.order[position];
            let Trigger::Event(matcher) = &self.program.rules[rule.index()].trigger else {
                continue;
            };
            let matched = {
                let events = self.visible(now);
                self.view(now, None, &events).matches(matcher, event)
            };
            if matched {
                self.fire(rule, now);
            }
        }
        self.condition_rules(now);
    }

    fn resume_instant(&mut self, now: Instant) {
        self.decay(now);
        loop {
            let next = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.resume_at == now)
                .min_by_key(|(_, p)| p.serial)
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let p = self.pending.remove(i);
            let exit = self.program.rules[p.rule.index()].exit.as_ref();
            if exit.is_some_and(|c| self.holds(c, now, Some(p.fired_at))) {
                continue;
            }
            self.run_frames(p.frames, p.rule, p.fired_at, now);
        }
        self.condition_rules(now);
    }

    /// Passes over the condition rules until one fires none; each fires at
    /// most once per instant.
    fn condition_rules(&mut self, now: Instant) {
        let mut fired_here = vec![false; self.program.rules.len()];
        loop {
            let mut any = false;
            for position in 0..self.order.len() {
                let rule = self.order[position];
                let Trigger::Condition(cond) = &self.program.rules[rule.index()].trigger else {
                    continue;
                };
                if fired_here[rule.index()] || !self.eligible(rule, now) {
                    continue;
                }
                if self.holds(cond, now, None) {
                    fired_here[rule.index()] = true;
                    any = true;
                    self.fire(rule, now);
                }
            }
            if !any {
                break;
            }
        }
    }

    /// First firing, or `repeat every` has passed and no sequence of the
    /// rule is waiting.
    fn eligible(&self, rule: RuleId, now: Instant) -> bool {
        let Some(last) = self.last_fired[rule.index()] else {
            return true;
        };
        let Some(every) = self.program.rules[rule.index()].repeat else {
            return false;
        };
        let waiting = self.pending.iter().any(|p| p.rule == rule);
        !waiting && now >= calendar::add(last, every, self.tz)
    }

    fn fire(&mut self, rule: RuleId, now: Instant) {
        self.last_fired[rule.index()] = Some(now);
        self.out.fired[rule.index()] += 1;
        let program: &'p Program = self.program;
        let steps: &'p [Step] = &program.rules[rule.index()].steps;
        self.run_frames(vec![(steps, 0)], rule, now, now);
    }

    fn run_frames(
        &mut self,
        mut frames: Vec<(&'p [Step], usize)>,
        rule: RuleId,
        fired_at: Instant,
        now: Instant,
    ) {
        loop {
            let Some(top) = frames.last_mut() else { return };
            let (steps, index) = *top;
            let Some(step) = steps.get(index) else {
                frames.pop();
                continue;
            };
            top.1 += 1;
            if let Some(unless) = &step.unless {
                if self.holds(unless, now, Some(fired_at)) {
                    if let StepKind::Act(action) = &step.kind {
                        self.out.actions.push(ActionRecord {
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
                StepKind::Wait(duration) => Some(calendar::add(now, *duration, self.tz)),
                StepKind::WaitUntilTime(minute) => {
                    let inclusive = self.semantics.wait_until_time_includes_now;
                    Some(calendar::next_time_of_day(now, *minute, self.tz, inclusive))
                }
                StepKind::WaitUntilInstant(at) => Some(*at),
                StepKind::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    let arm = if self.holds(condition, now, Some(fired_at)) {
                        then
                    } else {
                        otherwise
                    };
                    frames.push((arm, 0));
                    continue;
                }
                StepKind::Stop => return,
                kind => {
                    self.perform(kind, rule, now);
                    continue;
                }
            };
            if let Some(at) = resume_at.filter(|&at| at > now) {
                self.serial += 1;
                self.pending.push(Pending {
                    resume_at: at,
                    serial: self.serial,
                    rule,
                    fired_at,
                    frames,
                });
                return;
            }
        }
    }

    fn perform(&mut self, kind: &StepKind, rule: RuleId, now: Instant) {
        let StepKind::Act(action) = kind else {
            panic!("the reference simulator does not run scripts: {kind:?}");
        };
        let action = action.clone();
        let mut record = ActionRecord {
            at: now,
            rule,
            action,
            status: Status::Done,
            reason: None,
            deliver_at: None,
            withdrawn: None,
        };
        let skip = |record: &mut ActionRecord, reason| {
            record.status = Status::Skipped;
            record.reason = Some(reason);
        };
        match kind {
            StepKind::Act(Action::MoveTo(stage)) => {
                if self
                    .state
                    .stage
                    .is_some_and(|s| s >= nurture::ir::StageId::new(stage.index()))
                {
                    skip(&mut record, Reason::NotForward);
                } else {
                    self.move_to(stage.index(), rule, now);
                }
            }
            StepKind::Act(Action::MoveBackTo(stage)) => {
                if self
                    .state
                    .stage
                    .is_some_and(|s| s > nurture::ir::StageId::new(stage.index()))
                {
                    self.move_to(stage.index(), rule, now);
                } else {
                    skip(&mut record, Reason::NotBackward);
                }
            }
            StepKind::Act(Action::Send {
                channel,
                message,
                again,
            }) => {
                let (status, reason, deliver_at) =
                    self.decide(*channel, message.index(), *again, now);
                record.status = status;
                record.reason = reason;
                record.deliver_at = deliver_at;
                if let Some(at) = deliver_at {
                    self.sends.push(Send {
                        channel: *channel,
                        message: message.index(),
                        deliver_at: at,
                        record: self.out.actions.len(),
                        withdrawn: false,
                    });
                }
            }
            StepKind::Act(Action::AddPoints(n)) => {
                self.state.points = self.state.points.saturating_add(*n)
            }
            StepKind::Act(Action::SetPoints(n)) => self.state.points = *n,
            StepKind::Act(Action::AddTag(t)) => {
                self.state.tags.insert(t.clone());
            }
            StepKind::Act(Action::RemoveTag(t)) => {
                let removed = self.state.tags.remove(t);
                if !removed {
                    skip(&mut record, Reason::NotPresent);
                }
            }
            StepKind::Act(Action::AddToList(l)) => {
                self.state.lists.insert(nurture::ir::ListId::new(l.index()));
            }
            StepKind::Act(Action::RemoveFromList(l)) => {
                let removed = self.state.lists.remove(l);
                if !removed {
                    skip(&mut record, Reason::NotPresent);
                }
            }
            StepKind::Act(Action::SetField { field, value }) => {
                self.state.fields[field.index()] = Some(value.clone())
            }
            StepKind::Act(Action::MarkDoNotContact) => {
                self.state.do_not_contact = true;
                self.withdraw(now, Reason::DoNotContact);
            }
            StepKind::Act(Action::Unsubscribe) => {
                self.state.unsubscribed = true;
                self.withdraw(now, Reason::Unsubscribed);
            }
            _ => {}
        }
        self.out.actions.push(record);
    }

    fn move_to(&mut self, stage: usize, rule: RuleId, now: Instant) {
        self.out.transitions.push(Transition {
            from: self.state.stage,
            to: nurture::ir::StageId::new(stage),
            at: now,
            seconds_in_from: self.stage_since.map(|s| now - s),
            rule,
        });
        self.state.stage = Some(nurture::ir::StageId::new(stage));
        self.stage_since = Some(now);
    }

    /// Whether a message goes out, and when.
    fn decide(
        &self,
        channel: Channel,
        message: usize,
        again: bool,
        now: Instant,
    ) -> (Status, Option<Reason>, Option<Instant>) {
        if self.state.unsubscribed {
            return (Status::Suppressed, Some(Reason::Unsubscribed), None);
        }
        if self.state.do_not_contact {
            return (Status::Suppressed, Some(Reason::DoNotContact), None);
        }
        let (sent_type, name) = match channel {
            Channel::Email => (builtin::EMAIL_SENT, &self.program.emails[message]),
            Channel::Sms => (builtin::SMS_SENT, &self.program.sms[message]),
        };
        let data_sends: Vec<&Event> = self.data[..self.applied]
            .iter()
            .filter(|e| usize::from(e.event_type) == sent_type.index())
            .collect();
        let own_sends: Vec<&Send> = self
            .sends
            .iter()
            .filter(|s| !s.withdrawn && s.channel == channel)
            .collect();
        if !again {
            let in_data = data_sends.iter().any(
                |e| matches!(e.properties.first(), Some(Some(Value::Text(t))) if **t == **name),
            );
            let by_us = own_sends.iter().any(|s| s.message == message);
            if in_data || by_us {
                return (Status::Suppressed, Some(Reason::AlreadySent), None);
            }
        }
        let deliveries: Vec<Instant> = data_sends
            .iter()
            .map(|e| e.at)
            .chain(own_sends.iter().map(|s| s.deliver_at))
            .collect();
        let settings = &self.program.settings;
        let cap = settings.caps.iter().find(|c| c.channel == channel);
        let mut at = now;
        let mut reason = None;
        loop {
            if let Some(q) = settings.quiet_hours {
                let m = calendar::minute_of_day(at, self.tz);
                let quiet = if q.from_minute < q.to_minute {
                    m >= q.from_minute && m < q.to_minute
                } else {
                    m >= q.from_minute || m < q.to_minute
                };
                if quiet {
                    at = calendar::next_time_of_day(at, q.to_minute, self.tz, false);
                    reason.get_or_insert(Reason::QuietHours);
                    continue;
                }
            }
            if let Some(cap) = cap {
                let mut recent: Vec<Instant> = deliveries
                    .iter()
                    .copied()
                    .filter(|&d| d > at - cap.per_seconds && d <= at)
                    .collect();
                let limit = cap.limit as usize;
                if recent.len() >= limit {
                    if cap.policy == CapPolicy::Drop {
                        return (Status::Dropped, Some(Reason::FrequencyCap), None);
                    }
                    // Wait until enough of them have left the window.
                    recent.sort();
                    at = recent[recent.len() - limit] + cap.per_seconds;
                    reason.get_or_insert(Reason::FrequencyCap);
                    continue;
                }
            }
            break;
        }
        let status = if at > now {
            Status::Delayed
        } else {
            Status::Sent
        };
        (status, reason, Some(at))
    }

    /// Consent withdrawn: sends not yet delivered are taken back.
    fn withdraw(&mut self, now: Instant, reason: Reason) {
        for send in &mut self.sends {
            if !send.withdrawn && send.deliver_at > now {
                send.withdrawn = true;
                let record = &mut self.out.actions[send.record];
                // The outbox keeps what held it and until when.
                record.withdrawn = Some(Withdrawal {
                    at: now,
                    held_until: send.deliver_at,
                    held_by: record.reason,
                });
                record.status = Status::Suppressed;
                record.reason = Some(reason);
                record.deliver_at = None;
            }
        }
    }

    /// Whole periods since the start of the run; only positive balances
    /// decay, never below zero.
    fn decay(&mut self, now: Instant) {
        let Some(decay) = self.program.decay else {
            return;
        };
        // Period n ends n periods after the start of the run (calendar days
        // when written in days or weeks); count them one by one.
        let period_end = |n: i64| {
            let every = nurture::ir::Duration {
                seconds: decay.every.seconds * n,
                calendar: decay.every.calendar,
            };
            calendar::add(self.from, every, self.tz)
        };
        while decay.every.seconds > 0 && period_end(self.decays_done + 1) <= now {
            self.decays_done += 1;
            let p = self.state.points;
            if p <= 0 {
                continue;
            }
            self.state.points = if decay.percent {
                let amount = if self.semantics.percent_decay_rounds_amount {
                    i128::from(p) * i128::from(decay.amount) / 100
                } else {
                    i128::from(p) - i128::from(p) * i128::from(100 - decay.amount) / 100
                };
                (i128::from(p) - amount).max(0) as i64
            } else {
                (p - decay.amount).max(0)
            };
        }
    }
}
