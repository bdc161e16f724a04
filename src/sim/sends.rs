//! Whether, and when, a message goes out: consent, once-per-contact,
//! quiet hours and frequency caps (the product brief, section 4, "Sends").

use super::outcome::{Reason, Status};
use crate::base::value::Instant;
use crate::base::vocab::{CapPolicy, Channel};
use crate::eval::ContactState;
use crate::ir::{MessageId, Settings};
use std::collections::BTreeSet;

/// The messages one contact has been sent in this run.
#[derive(Debug, Default)]
pub struct Outbox {
    sent: BTreeSet<(Channel, MessageId)>,
    /// Delivery instants per channel, for frequency caps.
    deliveries: Vec<(Channel, Instant)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub status: Status,
    pub reason: Option<Reason>,
    /// When the message goes out; `None` if it does not.
    pub deliver_at: Option<Instant>,
}

impl Outbox {
    /// A message the data says was already sent: it counts for
    /// once-per-contact (when it is a declared message) and for caps.
    pub fn record_history(&mut self, channel: Channel, message: Option<MessageId>, at: Instant) {
        if let Some(message) = message {
            self.sent.insert((channel, message));
        }
        self.deliveries.push((channel, at));
    }

    /// Takes back a send that has not gone out yet (the contact withdrew
    /// consent before its delivery time).
    pub fn cancel(&mut self, channel: Channel, message: MessageId, deliver_at: Instant) {
        self.sent.remove(&(channel, message));
        if let Some(i) = self
            .deliveries
            .iter()
            .position(|&(c, at)| c == channel && at == deliver_at)
        {
            self.deliveries.remove(i);
        }
    }

    pub fn decide(
        &mut self,
        settings: &Settings,
        state: &ContactState,
        channel: Channel,
        message: MessageId,
        again: bool,
        now: Instant,
    ) -> Decision {
        let refuse = |status, reason| Decision {
            status,
            reason: Some(reason),
            deliver_at: None,
        };
        if state.unsubscribed {
            return refuse(Status::Suppressed, Reason::Unsubscribed);
        }
        if state.do_not_contact {
            return refuse(Status::Suppressed, Reason::DoNotContact);
        }
        if !again && self.sent.contains(&(channel, message)) {
            return refuse(Status::Suppressed, Reason::AlreadySent);
        }
        let cap = settings.caps.iter().find(|cap| cap.channel == channel);
        let tz = settings.timezone;
        let mut deliver = now;
        let mut reason = None;
        // Each round that moves the delivery moves it past a quiet period
        // or past one earlier delivery, so this many rounds always settle.
        let max_rounds = 2 * (self.deliveries.len() + 2);
        for _ in 0..max_rounds {
            let mut moved = false;
            if let Some(quiet) = settings.quiet_hours {
                if quiet.contains(deliver, tz) {
                    deliver = quiet.end_after(deliver, tz);
                    reason.get_or_insert(Reason::QuietHours);
                    moved = true;
                }
            }
            if let Some(cap) = cap {
                let mut recent: Vec<Instant> = self
                    .deliveries
                    .iter()
                    .filter(|(c, at)| {
                        *c == channel && *at > deliver - cap.per_seconds && *at <= deliver
                    })
                    .map(|(_, at)| *at)
                    .collect();
                if recent.len() >= cap.limit as usize {
                    if cap.policy == CapPolicy::Drop {
                        return refuse(Status::Dropped, Reason::FrequencyCap);
                    }
                    recent.sort_unstable();
                    // The earliest instant at which the window holds one
                    // fewer than the limit: the limit-th latest delivery
                    // leaves it (there are at least `limit`).
                    let Some(&expiring) = recent
                        .iter()
                        .rev()
                        .nth((cap.limit as usize).saturating_sub(1))
                    else {
                        break;
                    };
                    deliver = expiring + cap.per_seconds;
                    reason.get_or_insert(Reason::FrequencyCap);
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        self.sent.insert((channel, message));
        self.deliveries.push((channel, deliver));
        Decision {
            status: if deliver > now {
                Status::Delayed
            } else {
                Status::Sent
            },
            reason,
            deliver_at: Some(deliver),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FrequencyCap, QuietHours};

    fn state() -> ContactState {
        ContactState {
            stage: None,
            points: 0,
            tags: BTreeSet::new(),
            lists: BTreeSet::new(),
            fields: Vec::new(),
            unsubscribed: false,
            do_not_contact: false,
        }
    }

    const DAY: i64 = 86_400;

    #[test]
    fn a_message_goes_once_unless_again() {
        let settings = Settings::default();
        let mut outbox = Outbox::default();
        let first = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(0),
            false,
            100,
        );
        assert_eq!(first.status, Status::Sent);
        let second = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(0),
            false,
            200,
        );
        assert_eq!(second.reason, Some(Reason::AlreadySent));
        let again = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(0),
            true,
            300,
        );
        assert_eq!(again.status, Status::Sent);
    }

    #[test]
    fn consent_suppresses_sends() {
        let settings = Settings::default();
        let mut outbox = Outbox::default();
        let mut unsubscribed = state();
        unsubscribed.unsubscribed = true;
        let d = outbox.decide(
            &settings,
            &unsubscribed,
            Channel::Email,
            crate::ir::MessageId::new(0),
            false,
            0,
        );
        assert_eq!(
            (d.status, d.reason),
            (Status::Suppressed, Some(Reason::Unsubscribed))
        );
        let mut dnc = state();
        dnc.do_not_contact = true;
        let d = outbox.decide(
            &settings,
            &dnc,
            Channel::Sms,
            crate::ir::MessageId::new(0),
            false,
            0,
        );
        assert_eq!(d.reason, Some(Reason::DoNotContact));
    }

    #[test]
    fn caps_delay_until_the_window_frees_or_drop() {
        let mut settings = Settings::default();
        settings.caps.push(FrequencyCap {
            channel: Channel::Email,
            limit: 1,
            per_seconds: 2 * DAY,
            policy: CapPolicy::Delay,
        });
        let mut outbox = Outbox::default();
        outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(0),
            false,
            0,
        );
        let d = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(1),
            false,
            DAY,
        );
        assert_eq!(d.status, Status::Delayed);
        assert_eq!(d.deliver_at, Some(2 * DAY));
        settings.caps[0].policy = CapPolicy::Drop;
        let d = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(2),
            false,
            2 * DAY + 10,
        );
        assert_eq!(
            (d.status, d.reason),
            (Status::Dropped, Some(Reason::FrequencyCap))
        );
        // SMS has no cap.
        let d = outbox.decide(
            &settings,
            &state(),
            Channel::Sms,
            crate::ir::MessageId::new(0),
            false,
            2 * DAY,
        );
        assert_eq!(d.status, Status::Sent);
    }

    #[test]
    fn quiet_hours_delay_to_their_end() {
        let settings = Settings {
            quiet_hours: Some(QuietHours {
                from_minute: 21 * 60,
                to_minute: 8 * 60,
            }),
            ..Settings::default()
        };
        let mut outbox = Outbox::default();
        let d = outbox.decide(
            &settings,
            &state(),
            Channel::Email,
            crate::ir::MessageId::new(0),
            false,
            22 * 3600,
        );
        assert_eq!(d.status, Status::Delayed);
        assert_eq!(d.reason, Some(Reason::QuietHours));
        assert_eq!(d.deliver_at, Some(DAY + 8 * 3600));
    }
}
