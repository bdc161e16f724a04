//! Calendar arithmetic in the campaign time zone, written directly on
//! chrono: local dates and wall times, the daily tick, `wait until 09:00`,
//! quiet hours, and calendar-day durations.

use chrono::{
    Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike,
};
use chrono_tz::Tz;
use nurture::base::value::Instant;
use nurture::ir::Duration;

pub const DAY: i64 = 86_400;

pub fn local(t: Instant, tz: Tz) -> NaiveDateTime {
    match tz.timestamp_opt(t, 0) {
        LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => x.naive_local(),
        LocalResult::None => chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default(),
    }
}

pub fn local_date(t: Instant, tz: Tz) -> NaiveDate {
    local(t, tz).date()
}

pub fn minute_of_day(t: Instant, tz: Tz) -> u32 {
    let l = local(t, tz);
    l.hour() * 60 + l.minute()
}

pub fn weekday(t: Instant, tz: Tz) -> chrono::Weekday {
    local_date(t, tz).weekday()
}

/// The first instant whose local wall time is at or after `naive`: the
/// wall time itself, the earlier of two when it repeats, and the end of
/// the gap when a daylight-saving change skips it.
pub fn wall_time(naive: NaiveDateTime, tz: Tz) -> Instant {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            // Search minute by minute for the first instant past the gap.
            let guess = naive.and_utc().timestamp();
            let mut t = guess - 16 * 3600;
            while local(t, tz) < naive && t < guess + 16 * 3600 {
                t += 60;
            }
            t
        }
    }
}

/// 00:00 of a local date.
pub fn midnight(date: NaiveDate, tz: Tz) -> Instant {
    wall_time(date.and_time(NaiveTime::MIN), tz)
}

/// A local time of day (minutes after midnight) on a local date.
pub fn at_minute(date: NaiveDate, minute: u32, tz: Tz) -> Instant {
    let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or(NaiveTime::MIN);
    wall_time(date.and_time(time), tz)
}

/// The next instant whose local time of day is `minute`: strictly after
/// `now`, or at `now` too when `inclusive`.
pub fn next_time_of_day(now: Instant, minute: u32, tz: Tz, inclusive: bool) -> Instant {
    let mut date = local_date(now, tz);
    for _ in 0..4 {
        let candidate = at_minute(date, minute, tz);
        if candidate > now || (inclusive && candidate == now) {
            return candidate;
        }
        date = date.succ_opt().unwrap_or(date);
    }
    now + DAY
}

/// `t` plus a duration: one written in days or weeks is that many calendar
/// days in the time zone (same wall time; a wall time skipped by a DST
/// change keeps the offset it had, so it lands after the gap), one written
/// in hours or minutes is exact seconds.
pub fn add(t: Instant, d: Duration, tz: Tz) -> Instant {
    if !d.calendar || d.seconds <= 0 {
        return t + d.seconds;
    }
    let seconds = d.seconds;
    let start = local(t, tz);
    let target = start + chrono::Duration::days(seconds / DAY);
    match tz.from_local_datetime(&target) {
        LocalResult::Single(x) => x.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            let offset = tz
                .offset_from_utc_datetime(
                    &chrono::DateTime::from_timestamp(t, 0)
                        .unwrap_or_default()
                        .naive_utc(),
                )
                .fix()
                .local_minus_utc();
            target.and_utc().timestamp() - i64::from(offset)
        }
    }
}

/// Every periodic evaluation instant from `from` to `to`: from the first
/// local midnight at or after `from`, every `every` seconds (whole days as
/// calendar days, so the tick stays at midnight).
pub fn ticks(from: Instant, to: Instant, every: i64, tz: Tz) -> Vec<Instant> {
    let mut out = Vec::new();
    let mut date = local_date(from, tz);
    if midnight(date, tz) < from {
        date = date.succ_opt().unwrap_or(date);
    }
    let first = midnight(date, tz);
    // The start of the run is an evaluation instant of its own when it is
    // not at midnight (docs/language.md section 10).
    if first > from && from <= to {
        out.push(from);
    }
    if every % DAY == 0 {
        let step = (every / DAY) as u64;
        let mut k = 0;
        while let Some(day) = date.checked_add_days(chrono::Days::new(k * step)) {
            let t = midnight(day, tz);
            if t > to {
                break;
            }
            out.push(t);
            k += 1;
        }
    } else {
        let mut t = first;
        while t <= to {
            out.push(t);
            t += every;
        }
    }
    out
}
