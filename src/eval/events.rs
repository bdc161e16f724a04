//! One contact's events as the evaluator sees them at an instant: the data
//! events applied so far plus the sends the simulation itself made.

use crate::base::value::{Instant, Value};
use crate::data::Event;
use crate::ir::{builtin, EventTypeId, Window};

/// A contact's events, indexed by type, with a moving horizon.
#[derive(Debug)]
pub struct EventView<'a> {
    events: &'a [Event],
    /// Indices into `events`, grouped by event type, each group in time
    /// order; type `t`'s group is `by_type[type_start[t]..type_start[t + 1]]`.
    /// Two allocations per contact instead of one per event type.
    by_type: Vec<u32>,
    type_start: Vec<u32>,
    /// How many of `events` have been applied; later ones are the future.
    applied: usize,
    /// `email.sent` / `sms.sent` events made by the simulation, in the
    /// order they were decided (their times may be later than now).
    synthetic: Vec<Event>,
}

/// Where a window starts; it always ends at the evaluation instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lower {
    Unbounded,
    /// Events strictly after this instant.
    After(Instant),
    /// Events at or after this instant.
    From(Instant),
}

impl Lower {
    /// The start of a window evaluated at `now`, for a rule that last
    /// fired at `fired` (if it has).
    pub fn of(window: Window, now: Instant, fired: Option<Instant>) -> Lower {
        match window {
            Window::All => Lower::Unbounded,
            Window::Last(seconds) => Lower::After(now.saturating_sub(seconds)),
            Window::SinceFired => match fired {
                Some(t) => Lower::After(t),
                None => Lower::Unbounded,
            },
            Window::Since(t) => Lower::From(t),
        }
    }

    pub fn admits(self, at: Instant) -> bool {
        match self {
            Lower::Unbounded => true,
            Lower::After(t) => at > t,
            Lower::From(t) => at >= t,
        }
    }
}

impl<'a> EventView<'a> {
    pub fn new(events: &'a [Event], event_types: usize) -> Self {
        // A counting sort: count per type, turn counts into group ends,
        // then place indices from the back so each group stays in order
        // and the ends become starts.
        let mut type_start = vec![0u32; event_types + 1];
        for event in events {
            if let Some(n) = type_start.get_mut(usize::from(event.event_type) + 1) {
                *n += 1;
            }
        }
        let mut running = 0u32;
        for start in &mut type_start {
            running += *start;
            *start = running;
        }
        let total = type_start.last().copied().unwrap_or(0) as usize;
        let mut by_type = vec![0u32; total];
        for (index, event) in events.iter().enumerate().rev() {
            let t = usize::from(event.event_type) + 1;
            if let Some(end) = type_start.get_mut(t) {
                *end -= 1;
                if let Some(slot) = by_type.get_mut(*end as usize) {
                    *slot = index as u32;
                }
            }
        }
        // Each end moved back to its group's start, which is where the
        // previous type's group ends: shift by one.
        type_start.rotate_left(1);
        if let Some(last) = type_start.last_mut() {
            *last = total as u32;
        }
        EventView {
            events,
            by_type,
            type_start,
            applied: 0,
            synthetic: Vec::new(),
        }
    }

    pub fn all(&self) -> &'a [Event] {
        self.events
    }

    /// How many data events have been applied.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Marks the next data event as applied and returns it.
    pub fn apply_next(&mut self) -> Option<&'a Event> {
        let event = self.events.get(self.applied)?;
        self.applied += 1;
        Some(event)
    }

    /// The next data event not yet applied.
    pub fn peek_next(&self) -> Option<&'a Event> {
        self.events.get(self.applied)
    }

    /// Applies every event before `instant` without evaluating anything:
    /// the history before a dry run starts.
    pub fn apply_history_before(&mut self, instant: Instant) -> &'a [Event] {
        let start = self.applied;
        while self
            .events
            .get(self.applied)
            .is_some_and(|e| e.at < instant)
        {
            self.applied += 1;
        }
        self.events.get(start..self.applied).unwrap_or_default()
    }

    pub fn record_send(&mut self, event_type: EventTypeId, at: Instant, message: &str) {
        self.synthetic.push(Event {
            contact: 0,
            // Event type ids are below u16::MAX (the loader stores them so).
            event_type: event_type.index() as u16,
            at,
            properties: smallvec::smallvec![Some(Value::Text(message.into()))],
        });
    }

    /// Removes a send the simulation recorded for a later delivery.
    pub fn cancel_send(&mut self, event_type: EventTypeId, at: Instant) {
        if let Some(i) = self
            .synthetic
            .iter()
            .position(|e| usize::from(e.event_type) == event_type.index() && e.at == at)
        {
            self.synthetic.remove(i);
        }
    }

    /// Every visible event of a type in the window `lower..=now`, oldest
    /// first among data events, then the simulation's own sends.
    pub fn in_window(
        &self,
        event_type: EventTypeId,
        lower: Lower,
        now: Instant,
    ) -> impl Iterator<Item = &Event> + '_ {
        let indices = match (
            self.type_start.get(event_type.index()),
            self.type_start.get(event_type.index() + 1),
        ) {
            (Some(&start), Some(&end)) => self
                .by_type
                .get(start as usize..end as usize)
                .unwrap_or(&[]),
            _ => &[],
        };
        let applied = self.applied as u32;
        let visible_end = indices.partition_point(|&i| i < applied);
        let visible = indices.get(..visible_end).unwrap_or_default();
        // Every index in `by_type` is an index of `events` (built above).
        let at = |i: u32| self.events.get(i as usize).map_or(Instant::MAX, |e| e.at);
        let start = match lower {
            Lower::Unbounded => 0,
            Lower::After(t) => visible.partition_point(|&i| at(i) <= t),
            Lower::From(t) => visible.partition_point(|&i| at(i) < t),
        };
        let data = visible
            .get(start..)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.events.get(i as usize))
            .filter(move |e| e.at <= now);
        let synthetic_wanted = matches!(event_type, builtin::EMAIL_SENT | builtin::SMS_SENT);
        let synthetic = self.synthetic.iter().filter(move |e| {
            synthetic_wanted
                && usize::from(e.event_type) == event_type.index()
                && e.at <= now
                && lower.admits(e.at)
        });
        data.chain(synthetic)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn event(event_type: u16, at: Instant) -> Event {
        Event {
            contact: 0,
            event_type,
            at,
            properties: Default::default(),
        }
    }

    #[test]
    fn windows_are_open_at_the_start_and_closed_at_now() {
        let events = vec![event(1, 10), event(1, 20), event(1, 30)];
        let mut view = EventView::new(&events, 9);
        while view.apply_next().is_some() {}
        let count = |lower| {
            view.in_window(crate::ir::EventTypeId::new(1), lower, 30)
                .count()
        };
        assert_eq!(count(Lower::of(Window::Last(20), 30, None)), 2); // (10, 30]
        assert_eq!(count(Lower::of(Window::Last(21), 30, None)), 3);
        assert_eq!(count(Lower::From(20)), 2);
        assert_eq!(count(Lower::Unbounded), 3);
    }

    #[test]
    fn unapplied_events_are_invisible() {
        let events = vec![event(1, 10), event(1, 20)];
        let mut view = EventView::new(&events, 9);
        view.apply_next();
        assert_eq!(
            view.in_window(crate::ir::EventTypeId::new(1), Lower::Unbounded, 100)
                .count(),
            1
        );
    }
}
