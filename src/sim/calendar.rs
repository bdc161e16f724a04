//! Local-time arithmetic in the campaign time zone: quiet hours, `wait
//! until 09:00`, daily ticks. Days with a daylight-saving change have 23 or
//! 25 hours; everything here goes through local dates so "09:00" stays
//! 09:00 on those days.

use crate::base::time::start_of_day;
use crate::base::value::Instant;
use crate::ir::{Duration, QuietHours};
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
    local_time_from(instant, minute, tz, false)
}

/// The first instant at or after `instant` whose local time is `minute`
/// (`wait until 09:00`: now if it is 09:00:00 now).
pub fn local_time_at_or_after(instant: Instant, minute: u32, tz: chrono_tz::Tz) -> Instant {
    local_time_from(instant, minute, tz, true)
}

fn local_time_from(instant: Instant, minute: u32, tz: chrono_tz::Tz, inclusive: bool) -> Instant {
    let mut date = local_date(instant, tz);
    for _ in 0..3 {
        let candidate = at_local(date, minute, tz);
        if candidate > instant || (inclusive && candidate == instant) {
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

/// `instant` plus a duration. A duration written in days or weeks counts
/// calendar days in the campaign time zone, so `wait 7 days` from 10:00
/// lands at 10:00 even across a daylight-saving change; one written in
/// hours or minutes is exact seconds (`wait 24 hours` is 24 real hours).
pub fn add_duration(instant: Instant, duration: Duration, tz: chrono_tz::Tz) -> Instant {
    if !duration.calendar || duration.seconds <= 0 {
        return instant.saturating_add(duration.seconds);
    }
    add_days(instant, duration.seconds / DAY, tz)
}

/// `instant` plus `days` calendar days at the same local time of day.
fn add_days(instant: Instant, days: i64, tz: chrono_tz::Tz) -> Instant {
    let exact = instant.saturating_add(days.saturating_mul(DAY));
    let Some(local) = tz.timestamp_opt(instant, 0).single() else {
        return exact;
    };
    let Some(date) = u64::try_from(days)
        .ok()
        .and_then(|days| local.date_naive().checked_add_days(chrono::Days::new(days)))
    else {
        return exact;
    };
    let naive = date.and_time(local.time());
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp(),
        // The same wall time falls in a DST gap that day: keep the offset
        // it had, which lands just after the gap.
        None => naive.and_utc().timestamp() - i64::from(local.offset().fix().local_minus_utc()),
    }
}

/// How many whole periods of `every` have passed from `from` to `now`
/// (0 before `from`). Calendar periods count local days, so a period of
/// 30 days ends at the same local time 30 days on, across DST changes too.
pub fn periods_between(from: Instant, now: Instant, every: Duration, tz: chrono_tz::Tz) -> i64 {
    if now < from || every.seconds <= 0 {
        return 0;
    }
    let estimate = (now - from) / every.seconds;
    if !every.calendar {
        return estimate;
    }
    // A calendar period differs from its exact length by at most the DST
    // shifts it spans, so the count is the estimate or one off it.
    let mut n = estimate;
    while n > 0 && period_end(from, n, every, tz) > now {
        n -= 1;
    }
    while period_end(from, n + 1, every, tz) <= now {
        n += 1;
    }
    n
}

/// When the `n`th period of `every` from `from` ends.
pub fn period_end(from: Instant, n: i64, every: Duration, tz: chrono_tz::Tz) -> Instant {
    if every.calendar {
        add_days(from, n.saturating_mul(every.seconds / DAY), tz)
    } else {
        from.saturating_add(n.saturating_mul(every.seconds))
    }
}

/// A run planned more evaluation ticks than its limit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyTicks {
    /// How many ticks the period and the tick length make (at least).
    pub planned: u64,
    pub limit: u64,
}

/// The number of ticks `ticks` would plan, without planning them: one per
/// `every` seconds plus one (DST changes make calendar ticks differ by at
/// most a few, never by a factor).
pub fn tick_count(from: Instant, to: Instant, every: i64) -> u64 {
    if every <= 0 || from > to {
        return 0;
    }
    let span = i128::from(to) - i128::from(from);
    // Plus one for `from` itself when it is not at midnight.
    u64::try_from(span / i128::from(every) + 2).unwrap_or(u64::MAX)
}

/// [`plan_ticks`] without a limit, for periods written by hand in a file
/// (a `test` block's, at daily ticks: even years 1 to 9999 are 3.65
/// million instants, 29 MB). A period from the command line goes through
/// [`plan_ticks`] with the run's limit.
pub fn ticks(from: Instant, to: Instant, every: i64, tz: chrono_tz::Tz) -> Vec<Instant> {
    plan_ticks(from, to, every, tz, u64::MAX).unwrap_or_default()
}

/// Evaluation ticks from `from` to `to` inclusive: `from` itself, then
/// every `every` seconds starting at the first local midnight at or after
/// `from`. A tick length
/// of whole days steps by local days, so ticks stay at 00:00 across DST
/// changes; a shorter one steps exactly. Refused, before anything is
/// allocated, when the period holds more than `limit` ticks.
pub fn plan_ticks(
    from: Instant,
    to: Instant,
    every: i64,
    tz: chrono_tz::Tz,
    limit: u64,
) -> Result<Vec<Instant>, TooManyTicks> {
    let planned = tick_count(from, to, every);
    if planned > limit {
        return Err(TooManyTicks { planned, limit });
    }
    let mut ticks = Vec::with_capacity(usize::try_from(planned).unwrap_or(0));
    if every <= 0 || from > to {
        return Ok(ticks);
    }
    let first_date = local_date(from, tz);
    let mut t = start_of_day(first_date, tz);
    if t < from {
        // The start of the run is always evaluated, also when it is not at
        // midnight: what holds then is seen then, not at the next tick.
        ticks.push(from);
        t = at_local(first_date.succ_opt().unwrap_or(first_date), 0, tz);
    }
    let whole_days = every % DAY == 0;
    let mut date = local_date(t, tz);
    // The estimate bounds the loop too: DST changes add at most a few
    // calendar ticks over the exact count.
    let most = limit.saturating_add(8);
    while t <= to && (ticks.len() as u64) < most {
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
            t = t.saturating_add(every);
        }
    }
    Ok(ticks)
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
            add_duration(start, Duration::days(2), Warsaw),
            instant("2025-03-31T10:00:00+02:00")
        );
        assert_eq!(
            add_duration(start, Duration::exact(3600), Warsaw),
            start + 3600
        );
        // 02:30 on the day of the change does not exist: one hour later.
        let before_gap = instant("2025-03-29T02:30:00+01:00");
        assert_eq!(
            add_duration(before_gap, Duration::days(1), Warsaw),
            instant("2025-03-30T03:30:00+02:00")
        );
    }

    #[test]
    fn hours_are_exact_across_dst() {
        // Warsaw moves to summer time on 2025-03-30: 24 hours from noon
        // UTC the day before is noon UTC, 13:00 local.
        let start = instant("2025-03-29T12:00:00Z");
        assert_eq!(
            add_duration(start, Duration::exact(24 * 3600), Warsaw),
            instant("2025-03-30T12:00:00Z")
        );
        assert_eq!(
            add_duration(start, Duration::days(1), Warsaw),
            instant("2025-03-30T11:00:00Z")
        );
    }

    #[test]
    fn calendar_periods_count_local_days() {
        let from = instant("2025-03-01T00:00:00+01:00");
        let thirty = Duration::days(30);
        // 30 calendar days on is 2025-03-31 00:00 CEST, 23 hours short of
        // 30 exact days.
        let end = instant("2025-03-31T00:00:00+02:00");
        assert_eq!(periods_between(from, end - 1, thirty, Warsaw), 0);
        assert_eq!(periods_between(from, end, thirty, Warsaw), 1);
        assert_eq!(
            periods_between(from, end, Duration::exact(30 * DAY), Warsaw),
            0
        );
        assert_eq!(periods_between(from, from - 1, thirty, Warsaw), 0);
        let later = instant("2025-06-29T00:00:00+02:00");
        assert_eq!(periods_between(from, later, thirty, Warsaw), 4);
    }

    #[test]
    fn wait_until_a_time_is_now_at_that_time() {
        let nine = instant("2025-01-10T09:00:00+01:00");
        assert_eq!(local_time_at_or_after(nine, 9 * 60, Warsaw), nine);
        assert_eq!(next_local_time(nine, 9 * 60, Warsaw), nine + DAY);
        assert_eq!(local_time_at_or_after(nine + 1, 9 * 60, Warsaw), nine + DAY);
    }

    #[test]
    fn too_many_ticks_are_refused_before_planning() {
        let err = plan_ticks(0, 10 * 365 * DAY, 60, Warsaw, 1_000_000).unwrap_err();
        assert_eq!(err.planned, 5_256_002);
        assert!(plan_ticks(0, 10 * DAY, DAY, Warsaw, 12).is_ok());
        assert_eq!(tick_count(5, 4, DAY), 0);
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
