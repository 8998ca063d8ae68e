//! UTC instants and ISO 8601 durations: the small part of date-time handling tokenkit needs,
//! without a dependency.
//!
//! - [`Timestamp`]: an instant, nanosecond precision, in the range
//!   `-009999-01-02T01:59:59Z` ..= `9999-12-30T22:00:00.999999999Z` (the range tokenkit has
//!   always had: it is jiff's, whose parser and arithmetic this module replaces).
//! - [`Timestamp::parse`]: RFC 3339 with the Temporal (RFC 9557) extensions jiff accepted —
//!   `T`, `t` or a space; a required offset `Z`/`z`/`±hh[:mm[:ss[.f]]]` (or the basic forms
//!   without colons); a fraction of up to 9 digits after `.` or `,`; optional minutes and
//!   seconds; a leap second `:60` read as `:59`; the basic date form `20270101`; six-digit
//!   signed years (`+002027`, `-000001`); trailing `[…]` annotations, checked for syntax and
//!   otherwise ignored (the offset decides the instant).
//! - [`Span`]: an ISO 8601 duration, unit by unit (`P1D` and `PT24H` are different spans), with
//!   jiff's per-unit limits, so an input is accepted or refused exactly as before.
//! - [`Timestamp::checked_add_span`]: calendar arithmetic in UTC — years and months first on the
//!   civil date, the day clamped to the end of the month, then weeks and days, then the time
//!   units as an exact duration (jiff's `Zoned` arithmetic in the UTC zone).
//!
//! Days from civil dates and back are Howard Hinnant's algorithms
//! (<https://howardhinnant.github.io/date_algorithms.html>).

use core::{fmt, str::FromStr};

const NANOS_PER_SEC: i128 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// The first second tokenkit represents: `-009999-01-02T01:59:59Z`.
const MIN_SECOND: i64 = -377_705_023_201;
/// The last second tokenkit represents: `9999-12-30T22:00:00Z`.
const MAX_SECOND: i64 = 253_402_207_200;
/// Civil dates: `-9999-01-01` ..= `9999-12-31`, as days since 1970-01-01.
const MIN_DAY: i64 = -4_371_587;
const MAX_DAY: i64 = 2_932_896;
/// Largest UTC offset: ±25:59:59.
const MAX_OFFSET_SECONDS: i64 = 93_599;

/// A time or duration that is malformed or outside the supported range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeError;

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid or out-of-range time")
    }
}

impl std::error::Error for TimeError {}

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

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap_year(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// The number of days in month `m` (1-12) of year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap_year(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---- durations ----------------------------------------------------------------------------

/// The largest magnitude of each unit of a [`Span`], largest unit first (jiff's limits: each
/// unit alone can just span the supported range of instants).
const LIMITS: [i64; 10] = [
    19_998,                  // years
    239_976,                 // months
    1_043_497,               // weeks
    7_304_484,               // days
    175_307_616,             // hours
    10_518_456_960,          // minutes
    631_107_417_600,         // seconds
    631_107_417_600_000,     // milliseconds
    631_107_417_600_000_000, // microseconds
    i64::MAX,                // nanoseconds
];
/// Nanoseconds per unit, for the time units (index 4 = hours … 9 = nanoseconds).
const UNIT_NANOS: [i128; 10] = [0, 0, 0, 0, 3_600_000_000_000, 60_000_000_000, 1_000_000_000, 1_000_000, 1_000, 1];

/// A duration kept unit by unit, as written (`P1D` has one day, `PT24H` 24 hours): a sign and
/// a non-negative magnitude per unit. Equality is unit by unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// -1, 0 (every unit is zero) or 1.
    sign: i8,
    /// Magnitudes, largest unit first: years, months, weeks, days, hours, minutes, seconds,
    /// milliseconds, microseconds, nanoseconds (the order of [`LIMITS`] and [`UNIT_NANOS`]).
    units: [i64; 10],
}

/// Indexes of the calendar units in [`Span::units`].
const YEARS: usize = 0;
const MONTHS: usize = 1;
const WEEKS: usize = 2;
const DAYS: usize = 3;
/// Index of the first time unit (hours) and of nanoseconds.
const HOURS: usize = 4;
const NANOS: usize = 9;

impl Span {
    /// `n` days.
    pub const fn days(n: u32) -> Span {
        Span::one(DAYS, n)
    }

    /// `n` calendar months.
    pub const fn months(n: u32) -> Span {
        Span::one(MONTHS, n)
    }

    /// `n` calendar years.
    pub const fn years(n: u32) -> Span {
        Span::one(YEARS, n)
    }

    /// `n` of the unit at `unit` alone.
    const fn one(unit: usize, n: u32) -> Span {
        let mut units = [0; 10];
        units[unit] = n as i64;
        Span { sign: if n > 0 { 1 } else { 0 }, units }
    }

    const ZERO: Span = Span { sign: 0, units: [0; 10] };

    /// Parses an ISO 8601 duration as jiff's Temporal parser did: an optional ASCII sign, `P`,
    /// date units `Y` `M` `W` `D` in that order, then optionally `T` and time units `H` `M` `S`
    /// in that order; designators in either case; a fraction (`.` or `,`, up to 9 digits) only
    /// on the last time unit; at least one unit; each unit within its limit (a time unit too
    /// large for itself carries into the smaller units).
    ///
    /// # Errors
    /// [`TimeError`] for anything else.
    pub fn parse(input: &str) -> Result<Span, TimeError> {
        parse_span(input.as_bytes()).ok_or(TimeError)
    }

    /// True when the span is negative (and not zero).
    pub fn is_negative(&self) -> bool {
        self.sign < 0
    }

    /// True when every unit is zero.
    pub fn is_zero(&self) -> bool {
        self.sign == 0
    }

    /// The years, with the span's sign.
    pub fn get_years(&self) -> i64 {
        self.signed(YEARS)
    }

    /// The months, with the span's sign.
    pub fn get_months(&self) -> i64 {
        self.signed(MONTHS)
    }

    /// The weeks, with the span's sign.
    pub fn get_weeks(&self) -> i64 {
        self.signed(WEEKS)
    }

    /// The days, with the span's sign.
    pub fn get_days(&self) -> i64 {
        self.signed(DAYS)
    }

    fn signed(&self, unit: usize) -> i64 {
        self.units.get(unit).map_or(0, |v| v * i64::from(self.sign))
    }

    /// Every unit with the span's sign, largest first: years, months, weeks, days, hours,
    /// minutes, seconds, milliseconds, microseconds, nanoseconds.
    pub fn units(&self) -> [i64; 10] {
        let sign = i64::from(self.sign);
        self.units.map(|v| v * sign)
    }

    /// The hours, minutes, seconds and sub-second units as nanoseconds, without the sign.
    fn time_nanos(&self) -> i128 {
        self.units.iter().zip(&UNIT_NANOS).skip(HOURS).map(|(&v, &n)| i128::from(v) * n).sum()
    }

    fn unit_mut(&mut self, i: usize) -> Option<&mut i64> {
        self.units.get_mut(i)
    }

    /// Adds `nanos` (≥ 0) of time at unit `from` (4 = hours, 5 = minutes, 6 = seconds): whole
    /// units there, up to the unit's limit, the rest carried into the smaller units (jiff's
    /// `fractional_time_to_span`). `None` when even nanoseconds overflow.
    fn carry_time(&mut self, from: usize, mut nanos: i128) -> Option<()> {
        for i in from..9 {
            let per = *UNIT_NANOS.get(i)?;
            let limit = i128::from(*LIMITS.get(i)?);
            let slot = self.unit_mut(i)?;
            let mut total = nanos / per + i128::from(*slot);
            nanos %= per;
            if total > limit {
                nanos += (total - limit) * per;
                total = limit;
            }
            *slot = i64::try_from(total).ok()?;
        }
        if nanos != 0 {
            let slot = self.unit_mut(NANOS)?;
            *slot = i64::try_from(nanos + i128::from(*slot)).ok()?;
        }
        Some(())
    }
}

// ---- parsers ------------------------------------------------------------------------------

struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.first().copied()
    }

    fn peek_is(&self, set: &[u8]) -> bool {
        self.peek().is_some_and(|c| set.contains(&c))
    }

    fn bump(&mut self) {
        self.b = self.b.get(1..).unwrap_or_default();
    }

    /// Consumes the next byte if it is one of `set`.
    fn eat(&mut self, set: &[u8]) -> bool {
        let hit = self.peek_is(set);
        if hit {
            self.bump();
        }
        hit
    }

    /// Consumes a first byte that passes `first`, then every following byte that passes
    /// `rest`; false (nothing consumed) when the first byte does not pass.
    fn word(&mut self, first: impl Fn(u8) -> bool, rest: impl Fn(u8) -> bool) -> bool {
        if !self.peek().is_some_and(first) {
            return false;
        }
        self.bump();
        while self.peek().is_some_and(&rest) {
            self.bump();
        }
        true
    }

    fn two_digits_next(&self) -> bool {
        self.b.get(..2).is_some_and(|p| p.iter().all(u8::is_ascii_digit))
    }

    /// Exactly `n` ASCII digits, as a number in `lo..=hi`.
    fn fixed(&mut self, n: usize, lo: i64, hi: i64) -> Option<i64> {
        let digits = self.b.get(..n)?;
        let mut v: i64 = 0;
        for &c in digits {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        self.b = self.b.get(n..)?;
        (lo..=hi).contains(&v).then_some(v)
    }

    /// An optional fraction: `.` or `,` then 1 to 9 digits (a 10th digit is left unread), as
    /// nanoseconds. `Some(None)` when there is no separator; `None` for a separator without
    /// digits.
    fn fraction(&mut self) -> Option<Option<u32>> {
        if !self.eat(b".,") {
            return Some(None);
        }
        let mut v: u32 = 0;
        let mut n = 0;
        while n < 9 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            v = v * 10 + u32::from(self.peek()? - b'0');
            self.bump();
            n += 1;
        }
        if n == 0 {
            return None;
        }
        Some(Some(v * 10u32.pow(9 - n)))
    }

    /// A duration unit letter from `letters` (upper case; either case is read), consumed:
    /// `first` plus its place in `letters`, i.e. its index in the span's units; `None` for
    /// anything else or the end.
    fn unit(&mut self, letters: &[u8], first: usize) -> Option<usize> {
        let b = self.peek()?.to_ascii_uppercase();
        let at = letters.iter().position(|&l| l == b)?;
        self.bump();
        Some(first + at)
    }

    /// An unsigned integer of at most 21 digits (more are left unread); `None` on `u64`
    /// overflow, `Some(None)` when no digit is next.
    fn unit_value(&mut self) -> Option<Option<u64>> {
        let mut v: u64 = 0;
        let mut n = 0;
        while n <= 20 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            v = v.checked_mul(10)?.checked_add(u64::from(self.peek()? - b'0'))?;
            self.bump();
            n += 1;
        }
        Some((n > 0).then_some(v))
    }

    /// Time separator: in extended form a `:` (consumed), in basic form two digits ahead.
    fn time_separator(&mut self, extended: bool) -> bool {
        if extended {
            self.eat(b":")
        } else {
            self.two_digits_next()
        }
    }
}

fn parse_timestamp(input: &[u8]) -> Option<Timestamp> {
    let mut c = Cursor { b: input };
    // Date: YYYY or ±YYYYYY, then MM and DD, with `-` between all or none.
    let year = if c.peek_is(b"+-") {
        let negative = c.peek() == Some(b'-');
        c.bump();
        let y = c.fixed(6, 0, 9999)?;
        if negative && y == 0 {
            return None;
        }
        if negative {
            -y
        } else {
            y
        }
    } else {
        c.fixed(4, 0, 9999)?
    };
    let extended = c.peek() == Some(b'-');
    let date_separator = |c: &mut Cursor<'_>| if extended { c.eat(b"-") } else { !c.peek_is(b"-") };
    if !date_separator(&mut c) {
        return None;
    }
    let month = c.fixed(2, 1, 12)? as u32;
    if !date_separator(&mut c) {
        return None;
    }
    let day = c.fixed(2, 1, 31)? as u32;
    if day > days_in_month(year, month) {
        return None;
    }
    // Time (required): hh[:mm[:ss[.f]]] or hh[mm[ss[.f]]].
    if !c.eat(b"Tt ") {
        return None;
    }
    let hour = c.fixed(2, 0, 23)?;
    let extended = c.peek() == Some(b':');
    let (mut minute, mut second, mut nanosecond) = (0, 0, 0);
    if c.time_separator(extended) {
        minute = c.fixed(2, 0, 59)?;
        if c.time_separator(extended) {
            second = c.fixed(2, 0, 60)?.min(59);
            nanosecond = c.fraction()?.unwrap_or(0);
        }
    }
    // Offset (required).
    let offset = match c.peek()? {
        b'Z' | b'z' => {
            c.bump();
            0
        }
        b'+' | b'-' => parse_offset(&mut c, true)?,
        _ => return None,
    };
    // Annotations, then the end.
    if c.peek() == Some(b'[') {
        parse_annotations(&mut c)?;
    }
    if !c.b.is_empty() {
        return None;
    }
    let local = days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + minute * 60 + second;
    let nanos = i128::from(local - offset) * NANOS_PER_SEC + i128::from(nanosecond);
    Timestamp::from_nanosecond(nanos).ok()
}

/// `±hh[:mm[:ss[.f]]]` or `±hh[mm[ss[.f]]]` (seconds only when `subminute`), as seconds east
/// of UTC (a fraction of a second rounds half up). The cursor is on the sign.
fn parse_offset(c: &mut Cursor<'_>, subminute: bool) -> Option<i64> {
    let negative = c.peek() == Some(b'-');
    c.bump();
    let mut secs = c.fixed(2, 0, 25)? * 3600;
    let extended = c.peek() == Some(b':');
    if c.time_separator(extended) {
        secs += c.fixed(2, 0, 59)? * 60;
        if !subminute {
            if c.peek() == Some(b':') {
                return None;
            }
        } else if c.time_separator(extended) {
            secs += c.fixed(2, 0, 59)?;
            if c.fraction()?.is_some_and(|n| n >= 500_000_000) {
                secs += 1;
            }
        }
    }
    if secs > MAX_OFFSET_SECONDS {
        return None;
    }
    Some(if negative { -secs } else { secs })
}

/// RFC 9557 suffixes: an optional time zone (`[Europe/Paris]`, `[!+02:00]`), then any number
/// of `[key=value-value]` annotations (a critical `[!key=…]` one is refused). Syntax only.
fn parse_annotations(c: &mut Cursor<'_>) -> Option<()> {
    // The time zone annotation, if the first bracket holds one.
    let start = c.b;
    c.bump(); // '['
    c.eat(b"!");
    let mut is_tz = true;
    if c.peek_is(b"+-") {
        parse_offset(c, false)?;
    } else {
        iana_component(c)?;
        if c.peek() == Some(b'=') {
            // A key=value annotation after all: parse it below.
            c.b = start;
            is_tz = false;
        } else {
            while c.eat(b"/") {
                iana_component(c)?;
            }
        }
    }
    if is_tz && !c.eat(b"]") {
        return None;
    }
    while c.eat(b"[") {
        let critical = c.eat(b"!");
        let key_start = |b: u8| b == b'_' || b.is_ascii_lowercase();
        if !c.word(key_start, |b| key_start(b) || b == b'-' || b.is_ascii_digit()) || !c.eat(b"=") {
            return None;
        }
        loop {
            if !c.word(|b| b.is_ascii_alphanumeric(), |b| b.is_ascii_alphanumeric()) {
                return None;
            }
            if !c.eat(b"-") {
                break;
            }
        }
        if !c.eat(b"]") || critical {
            return None;
        }
    }
    Some(())
}

fn iana_component(c: &mut Cursor<'_>) -> Option<()> {
    c.word(|b| b == b'_' || b == b'.' || b.is_ascii_alphabetic(), |b| matches!(b, b'_' | b'.' | b'+' | b'-') || b.is_ascii_alphanumeric())
        .then_some(())
}

fn parse_span(input: &[u8]) -> Option<Span> {
    let mut c = Cursor { b: input };
    let negative = c.peek() == Some(b'-');
    c.eat(b"+-");
    if !c.eat(b"Pp") {
        return None;
    }
    // Unit values as written, largest unit first (0 = years … 6 = seconds).
    let mut values = [0u64; 7];
    let mut smallest: Option<usize> = None;
    let mut fraction: Option<u32> = None;
    let mut set = |unit: usize, v: u64, smallest: &mut Option<usize>| -> Option<()> {
        if smallest.is_some_and(|s| s >= unit) {
            return None; // out of order or repeated
        }
        *smallest = Some(unit);
        *values.get_mut(unit)? = v;
        Some(())
    };
    while let Some(v) = c.unit_value()? {
        set(c.unit(b"YMWD", 0)?, v, &mut smallest)?;
    }
    if c.eat(b"Tt") {
        while let Some(v) = c.unit_value()? {
            let f = c.fraction()?;
            set(c.unit(b"HMS", HOURS)?, v, &mut smallest)?;
            if f.is_some() {
                fraction = f;
                break;
            }
        }
        if smallest.is_none_or(|s| s < HOURS) {
            return None; // `T` without a time unit
        }
    }
    if !c.b.is_empty() {
        return None;
    }
    let smallest = smallest?; // no unit at all
    let mut span = Span::ZERO;
    let nonzero = values.iter().any(|&v| v != 0) || fraction.is_some_and(|f| f != 0);
    span.sign = match (nonzero, negative) {
        (false, _) => 0,
        (true, true) => -1,
        (true, false) => 1,
    };
    for (i, &v) in values.iter().enumerate() {
        if v == 0 {
            continue;
        }
        let v = i64::try_from(v).ok()?;
        let limit = *LIMITS.get(i)?;
        if i < HOURS {
            if v > limit {
                return None;
            }
            *span.unit_mut(i)? = v;
        } else {
            // Hours alone may not exceed i64 seconds; minutes likewise.
            let per = *UNIT_NANOS.get(i)?;
            i64::try_from(i128::from(v) * per / NANOS_PER_SEC).ok()?;
            span.carry_time(i, i128::from(v) * per)?;
        }
    }
    if let Some(f) = fraction {
        let per = *UNIT_NANOS.get(smallest)?;
        span.carry_time(smallest, i128::from(f) * per / NANOS_PER_SEC)?;
    }
    Some(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_the_whole_range() {
        let mut day = MIN_DAY;
        let (mut y, mut m, mut d) = (-9999, 1, 1);
        while day <= MAX_DAY {
            assert_eq!(civil_from_days(day), (y, m, d), "day {day}");
            assert_eq!(days_from_civil(y, m, d), day);
            day += 1;
            d += 1;
            if d > days_in_month(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!((y, m, d), (10000, 1, 1));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000) && is_leap_year(2024) && is_leap_year(-4) && is_leap_year(0));
        assert!(!is_leap_year(1900) && !is_leap_year(2100) && !is_leap_year(2023) && !is_leap_year(-1));
    }

    #[test]
    fn range_edges() {
        assert_eq!(Timestamp::MIN.to_string(), "-009999-01-02T01:59:59Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-30T22:00:00.999999999Z");
        assert_eq!(Timestamp::from_second(MIN_SECOND - 1), Err(TimeError));
        assert_eq!(Timestamp::from_second(MAX_SECOND + 1), Err(TimeError));
        assert_eq!(Timestamp::from_nanosecond(-1).map(|t| t.to_string()), Ok("1969-12-31T23:59:59.999999999Z".into()));
        assert_eq!(Timestamp::from_nanosecond(-1).map(Timestamp::as_millisecond), Ok(0));
        assert_eq!(Timestamp::from_nanosecond(-1_000_001).map(Timestamp::as_millisecond), Ok(-1));
    }

    #[test]
    fn display_precision() {
        let t = Timestamp::parse("2027-01-02T03:04:05.1234Z").unwrap();
        assert_eq!(t.to_string(), "2027-01-02T03:04:05.1234Z");
        assert_eq!(format!("{t:.3}"), "2027-01-02T03:04:05.123Z");
        assert_eq!(format!("{t:.0}"), "2027-01-02T03:04:05Z");
        assert_eq!(format!("{:.3}", Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn spans_keep_units_apart() {
        assert_ne!(Span::parse("P1D"), Span::parse("PT24H"));
        assert_eq!(Span::parse("PT1.5H"), Span::parse("PT1H30M"));
        assert_eq!(Span::parse("P7D"), Ok(Span::days(7)));
        assert!(Span::parse("-P0D").unwrap().is_zero());
        assert!(Span::parse("-P1D").unwrap().is_negative());
        // A time unit over its own limit carries into smaller ones.
        assert_eq!(Span::parse("PT175307617H").map(|s| (s.units[HOURS], s.units[HOURS + 1])), Ok((175_307_616, 60)));
        assert_eq!(Span::parse("P19999Y"), Err(TimeError));
    }
}
