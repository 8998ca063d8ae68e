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
//!
//! One concept per file: [`Timestamp`] in `timestamp.rs`, [`Span`] in `span.rs`, the civil
//! calendar in `civil.rs`, the RFC 3339 and ISO 8601 parsers in `parse.rs`.

use core::fmt;

mod civil;
mod parse;
mod span;
#[cfg(test)]
mod tests;
mod timestamp;

pub use civil::{civil_from_days, days_from_civil, days_in_month, is_leap_year};
pub use span::Span;
pub use timestamp::Timestamp;

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
