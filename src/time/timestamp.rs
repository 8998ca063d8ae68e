//! [`Timestamp`]: an instant in UTC, its arithmetic and its RFC 3339 text.

use core::{fmt, str::FromStr};

use super::parse::parse_timestamp;
use super::{civil_from_days, days_from_civil, days_in_month, Span, TimeError, MAX_DAY, MAX_SECOND, MIN_DAY, MIN_SECOND, NANOS_PER_SEC, SECS_PER_DAY};

/// An instant in UTC with nanosecond precision.
///
/// Ordered by time. `Display` is RFC 3339 in UTC with as many fractional digits as needed, or
/// exactly as many as a precision asks for (`{:.3}` gives milliseconds, truncated).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch, rounded towards the past.
    second: i64,
    /// `0..1_000_000_000`, counted forward from `second`.
    nanosecond: u32,
}

impl Timestamp {
    /// The earliest instant: `-009999-01-02T01:59:59Z`.
    pub const MIN: Timestamp = Timestamp { second: MIN_SECOND, nanosecond: 0 };
    /// The latest instant: `9999-12-30T22:00:00.999999999Z`.
    pub const MAX: Timestamp = Timestamp { second: MAX_SECOND, nanosecond: 999_999_999 };
    /// `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Timestamp = Timestamp { second: 0, nanosecond: 0 };

    /// The instant `nanos` nanoseconds after the Unix epoch.
    ///
    /// # Errors
    /// [`TimeError`] outside [`Timestamp::MIN`] ..= [`Timestamp::MAX`].
    pub fn from_nanosecond(nanos: i128) -> Result<Timestamp, TimeError> {
        let second = i64::try_from(nanos.div_euclid(NANOS_PER_SEC)).map_err(|_| TimeError)?;
        let nanosecond = u32::try_from(nanos.rem_euclid(NANOS_PER_SEC)).map_err(|_| TimeError)?;
        let ts = Timestamp { second, nanosecond };
        if ts < Timestamp::MIN || ts > Timestamp::MAX {
            return Err(TimeError);
        }
        Ok(ts)
    }

    /// The instant `ms` milliseconds after the Unix epoch.
    ///
    /// # Errors
    /// [`TimeError`] outside the supported range.
    pub fn from_millisecond(ms: i64) -> Result<Timestamp, TimeError> {
        // As jiff: the last representable millisecond is `9999-12-30T22:00:00.000Z`, not the
        // `.999` of the last second that [`Timestamp::MAX`] reaches.
        if ms > MAX_SECOND * 1000 {
            return Err(TimeError);
        }
        Timestamp::from_nanosecond(i128::from(ms) * 1_000_000)
    }

    /// The instant `secs` seconds after the Unix epoch.
    ///
    /// # Errors
    /// [`TimeError`] outside the supported range.
    pub fn from_second(secs: i64) -> Result<Timestamp, TimeError> {
        Timestamp::from_nanosecond(i128::from(secs) * NANOS_PER_SEC)
    }

    /// Nanoseconds since the Unix epoch.
    pub fn as_nanosecond(self) -> i128 {
        i128::from(self.second) * NANOS_PER_SEC + i128::from(self.nanosecond)
    }

    /// Whole milliseconds since the Unix epoch, the fraction dropped towards 1970 (as jiff's
    /// `as_millisecond` did; expiries are whole milliseconds, so this only matters for a
    /// sub-millisecond instant before 1970).
    pub fn as_millisecond(self) -> i64 {
        // |nanos| / 1e6 fits: the range is about ±2^58 ms.
        (self.as_nanosecond() / 1_000_000) as i64
    }

    /// Whole seconds since the Unix epoch, the fraction dropped towards 1970.
    pub fn as_second(self) -> i64 {
        (self.as_nanosecond() / NANOS_PER_SEC) as i64
    }

    /// The nanoseconds within the second, counted forward from the start of the second.
    pub fn subsec_nanosecond(self) -> u32 {
        self.nanosecond
    }

    /// This instant with its sub-millisecond digits dropped (towards the past).
    pub fn truncate_to_millisecond(self) -> Timestamp {
        Timestamp { second: self.second, nanosecond: self.nanosecond - self.nanosecond % 1_000_000 }
    }

    /// `self + nanos`.
    ///
    /// # Errors
    /// [`TimeError`] when the result is outside the supported range.
    pub fn checked_add_nanos(self, nanos: i128) -> Result<Timestamp, TimeError> {
        Timestamp::from_nanosecond(self.as_nanosecond().checked_add(nanos).ok_or(TimeError)?)
    }

    /// `self + secs` seconds.
    ///
    /// # Errors
    /// [`TimeError`] when the result is outside the supported range.
    pub fn checked_add_seconds(self, secs: i64) -> Result<Timestamp, TimeError> {
        self.checked_add_nanos(i128::from(secs) * NANOS_PER_SEC)
    }

    /// Adds a span in UTC: years and months on the civil date (the day clamped to the end of
    /// the month), then weeks and days, then the time units as an exact duration. A span of
    /// time units only is an exact duration.
    ///
    /// # Errors
    /// [`TimeError`] when the result (or the civil date on the way) is out of range.
    pub fn checked_add_span(self, span: &Span) -> Result<Timestamp, TimeError> {
        let sign = i64::from(span.sign);
        let time = span.time_nanos() * i128::from(sign);
        let [years, months, weeks, days, ..] = span.units;
        if years == 0 && months == 0 && weeks == 0 && days == 0 {
            return self.checked_add_nanos(time);
        }
        let day = self.second.div_euclid(SECS_PER_DAY);
        let second_of_day = self.second.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(day);
        let months = i64::from(m) - 1 + months * sign;
        let year = y + years * sign + months.div_euclid(12);
        let month = (months.rem_euclid(12) + 1) as u32;
        if !(-9999..=9999).contains(&year) {
            return Err(TimeError);
        }
        let day = days_from_civil(year, month, d.min(days_in_month(year, month))) + (weeks * 7 + days) * sign;
        if !(MIN_DAY..=MAX_DAY).contains(&day) {
            return Err(TimeError);
        }
        let civil = i128::from(day * SECS_PER_DAY + second_of_day) * NANOS_PER_SEC + i128::from(self.nanosecond);
        Timestamp::from_nanosecond(civil)?.checked_add_nanos(time)
    }

    /// Parses an RFC 3339 instant (see the module docs for the exact grammar).
    ///
    /// # Errors
    /// [`TimeError`] for anything else, and for an instant outside the supported range.
    pub fn parse(input: &str) -> Result<Timestamp, TimeError> {
        parse_timestamp(input.as_bytes()).ok_or(TimeError)
    }

    /// The UTC civil date and time: (year, month, day, hour, minute, second).
    fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let (y, m, d) = civil_from_days(self.second.div_euclid(SECS_PER_DAY));
        let s = self.second.rem_euclid(SECS_PER_DAY) as u32;
        (y, m, d, s / 3600, s / 60 % 60, s % 60)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.civil();
        if y < 0 {
            f.write_str("-00")?;
        }
        write!(f, "{:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}", y.unsigned_abs())?;
        let digits = format!("{:09}", self.nanosecond);
        let n = match f.precision() {
            Some(p) => p.min(9),
            None => digits.trim_end_matches('0').len(),
        };
        if n > 0 {
            write!(f, ".{}", digits.get(..n).unwrap_or_default())?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Timestamp, TimeError> {
        Timestamp::parse(s)
    }
}
