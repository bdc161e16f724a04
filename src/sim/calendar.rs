//! Local-time arithmetic in the campaign time zone: quiet hours, `wait
//! until 09:00`, daily ticks. Days with a daylight-saving change have 23 or
//! 25 hours; everything here goes through local dates so "09:00" stays
//! 09:00 on those days.

use crate::check::ir::QuietHours;
use crate::check::values::start_of_day;
use crate::value::Instant;
use chrono::{NaiveDate, NaiveTime, Offset, TimeZone, Timelike};

const DAY: i64 = 86_400;

/// Minutes after local midnight of an instant.
pub fn minute_of_day(instant: Instant, tz: chrono_tz::Tz) -> u32 {
    tz.timestamp_opt(instant, 0)
        .single()
        .map(|t| t.hour() * 60 + t.minute())
        .unwrap_or(0)
}

fn local_date(instant: Instant, tz: chrono_tz::Tz) -> NaiveDate {
    tz.timestamp_opt(instant, 0)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The instant of a local time on a local date. A time that does not exist
/// (skipped by a DST change) moves to the first instant after the gap; a
/// time that exists twice takes the earlier.
pub fn at_local(date: NaiveDate, minute: u32, tz: chrono_tz::Tz) -> Instant {
    let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
    let mut naive = date.and_time(time);
    for _ in 0..8 {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.timestamp();
        }
        naive += chrono::Duration::minutes(15);
    }
    start_of_day(date, tz) + i64::from(minute) * 60
}

/// The first instant strictly after `instant` whose local time is `minute`.
pub fn next_local_time(instant: Instant, minute: u32, tz: chrono_tz::Tz) -> Instant {
    let mut date = local_date(instant, tz);
    for _ in 0..3 {
        let candidate = at_local(date, minute, tz);
        if candidate > instant {
            return candidate;
        }
        date = date.succ_opt().unwrap_or(date);
    }
    instant + DAY
}

impl QuietHours {
    /// Whether a send at this instant falls in the quiet period.
    pub fn contains(&self, instant: Instant, tz: chrono_tz::Tz) -> bool {
        let m = minute_of_day(instant, tz);
        if self.from_minute < self.to_minute {
            m >= self.from_minute && m < self.to_minute
        } else {
            m >= self.from_minute || m < self.to_minute
        }
    }

    /// When the quiet period containing `instant` ends.
    pub fn end_after(&self, instant: Instant, tz: chrono_tz::Tz) -> Instant {
        next_local_time(instant, self.to_minute, tz)
    }
}

/// `instant` plus a duration. Whole days are calendar days in the campaign
/// time zone, so `wait 7 days` from 10:00 lands at 10:00 even across a
/// daylight-saving change; other durations are exact seconds.
pub fn add_duration(instant: Instant, seconds: i64, tz: chrono_tz::Tz) -> Instant {
    if seconds <= 0 || seconds % DAY != 0 {
        return instant.saturating_add(seconds);
    }
    let Some(local) = tz.timestamp_opt(instant, 0).single() else {
        return instant.saturating_add(seconds);
    };
    let Some(date) = local
        .date_naive()
        .checked_add_days(chrono::Days::new((seconds / DAY) as u64))
    else {
        return instant.saturating_add(seconds);
    };
    let naive = date.and_time(local.time());
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp(),
        // The same wall time falls in a DST gap that day: keep the offset
        // it had, which lands just after the gap.
        None => naive.and_utc().timestamp() - i64::from(local.offset().fix().local_minus_utc()),
    }
}

/// Evaluation ticks from `from` to `to` inclusive: every `every` seconds
/// starting at the first local midnight at or after `from`. Whole-day
/// periods step by local days, so ticks stay at 00:00 across DST changes.
pub fn ticks(from: Instant, to: Instant, every: i64, tz: chrono_tz::Tz) -> Vec<Instant> {
    let mut ticks = Vec::new();
    if every <= 0 || from > to {
        return ticks;
    }
    let first_date = local_date(from, tz);
    let mut t = start_of_day(first_date, tz);
    if t < from {
        t = at_local(first_date.succ_opt().unwrap_or(first_date), 0, tz);
    }
    let whole_days = every % DAY == 0;
    let mut date = local_date(t, tz);
    while t <= to {
        ticks.push(t);
        if whole_days {
            date = date
                .checked_add_days(chrono::Days::new((every / DAY) as u64))
                .unwrap_or(date);
            let next = at_local(date, 0, tz);
            if next <= t {
                break;
            }
            t = next;
        } else {
            t += every;
        }
    }
    ticks
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Warsaw;

    fn instant(text: &str) -> Instant {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn quiet_hours_wrap_past_midnight() {
        let quiet = QuietHours {
            from_minute: 21 * 60,
            to_minute: 8 * 60,
        };
        // 22:30 Warsaw (CET, UTC+1) is quiet and ends at 08:00 local.
        let late = instant("2024-01-10T21:30:00Z");
        assert!(quiet.contains(late, Warsaw));
        assert_eq!(
            quiet.end_after(late, Warsaw),
            instant("2024-01-11T07:00:00Z")
        );
        assert!(!quiet.contains(instant("2024-01-10T12:00:00Z"), Warsaw));
    }

    #[test]
    fn ticks_stay_at_local_midnight_across_dst() {
        // Warsaw moves to summer time on 2024-03-31.
        let ticks = ticks(
            instant("2024-03-30T00:00:00+01:00"),
            instant("2024-04-01T00:00:00+02:00"),
            DAY,
            Warsaw,
        );
        assert_eq!(
            ticks,
            vec![
                instant("2024-03-30T00:00:00+01:00"),
                instant("2024-03-31T00:00:00+01:00"),
                instant("2024-04-01T00:00:00+02:00"),
            ]
        );
        // The day of the change is 23 hours long.
        assert_eq!(ticks[2] - ticks[1], 23 * 3600);
    }

    #[test]
    fn whole_days_are_calendar_days() {
        // 2025-03-29 10:00 CET + 2 days = 2025-03-31 10:00 CEST (47 hours).
        let start = instant("2025-03-29T10:00:00+01:00");
        assert_eq!(
            add_duration(start, 2 * DAY, Warsaw),
            instant("2025-03-31T10:00:00+02:00")
        );
        assert_eq!(add_duration(start, 3600, Warsaw), start + 3600);
        // 02:30 on the day of the change does not exist: one hour later.
        let before_gap = instant("2025-03-29T02:30:00+01:00");
        assert_eq!(
            add_duration(before_gap, DAY, Warsaw),
            instant("2025-03-30T03:30:00+02:00")
        );
    }

    #[test]
    fn a_local_time_in_the_dst_gap_moves_past_it() {
        // 02:30 does not exist in Warsaw on 2024-03-31.
        let date = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        assert_eq!(
            at_local(date, 150, Warsaw),
            instant("2024-03-31T03:00:00+02:00")
        );
    }
}
