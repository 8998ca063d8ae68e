//! [`Span`]: an ISO 8601 duration, kept unit by unit.

use super::parse::parse_span;
use super::TimeError;

/// The largest magnitude of each unit of a [`Span`], largest unit first (jiff's limits: each
/// unit alone can just span the supported range of instants).
pub(super) const LIMITS: [i64; 10] = [
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
pub(super) const UNIT_NANOS: [i128; 10] = [0, 0, 0, 0, 3_600_000_000_000, 60_000_000_000, 1_000_000_000, 1_000_000, 1_000, 1];

/// A duration kept unit by unit, as written (`P1D` has one day, `PT24H` 24 hours): a sign and
/// a non-negative magnitude per unit. Equality is unit by unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// -1, 0 (every unit is zero) or 1.
    pub(super) sign: i8,
    /// Magnitudes, largest unit first: years, months, weeks, days, hours, minutes, seconds,
    /// milliseconds, microseconds, nanoseconds (the order of [`LIMITS`] and [`UNIT_NANOS`]).
    pub(super) units: [i64; 10],
}

/// Indexes of the calendar units in [`Span::units`].
const YEARS: usize = 0;
const MONTHS: usize = 1;
const WEEKS: usize = 2;
const DAYS: usize = 3;
/// Index of the first time unit (hours) and of nanoseconds.
pub(super) const HOURS: usize = 4;
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

    pub(super) const ZERO: Span = Span { sign: 0, units: [0; 10] };

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
    pub(super) fn time_nanos(&self) -> i128 {
        self.units.iter().zip(&UNIT_NANOS).skip(HOURS).map(|(&v, &n)| i128::from(v) * n).sum()
    }

    pub(super) fn unit_mut(&mut self, i: usize) -> Option<&mut i64> {
        self.units.get_mut(i)
    }

    /// Adds `nanos` (≥ 0) of time at unit `from` (4 = hours, 5 = minutes, 6 = seconds): whole
    /// units there, up to the unit's limit, the rest carried into the smaller units (jiff's
    /// `fractional_time_to_span`). `None` when even nanoseconds overflow.
    pub(super) fn carry_time(&mut self, from: usize, mut nanos: i128) -> Option<()> {
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
