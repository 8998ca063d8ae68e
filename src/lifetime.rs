//! Lifetime inputs to expiry instants; caps; rotation grace.
//!
//! Every way the four seed APIs and the dashboard say "how long a token lives" becomes one
//! [`Lifetime`], and [`Lifetime::expires_at`] turns it into an expiry instant given `now`
//! (`None` = never expires). The core never reads the clock: `now` is always a parameter.
//!
//! | input | meaning |
//! |---|---|
//! | `never` | no expiry |
//! | `one-week` `one-month` `three-months` `six-months` `one-year` | Akinon's presets: 7 days; 1, 3, 6 calendar months; 1 calendar year |
//! | `7-days` `30-days` `60-days` `90-days` | fixed numbers of days (days are 24 h: UTC has no DST) |
//! | TTL seconds (integer, or its decimal text) | `-1` = never (Space / LoopBack); `0` and other negatives are rejected |
//! | ISO 8601 duration (`P30D`, `P1M`, `PT12H`, `P1Y2M10DT2H30M`, `P2W`) | added in UTC, calendar units on the civil date |
//! | RFC 3339 instant (`2027-01-01T00:00:00Z`, `…+02:00`) | that instant; a UTC offset is required |
//!
//! Months and years are calendar arithmetic on the UTC date, clamped to the end of the month:
//! Jan 31 + `one-month` = Feb 28 (Feb 29 in a leap year); Feb 29 + `one-year` = Feb 28. The
//! arithmetic is [`crate::time`]'s: years and months on the UTC civil date first, the day clamped,
//! then weeks and days, then the time units.
//!
//! Results are truncated to whole milliseconds (JS `Date`, D1 epoch ms), so
//! [`format_instant`] of an expiry equals JS `new Date(ms).toISOString()`. An expiry is the first
//! instant at which the token is no longer valid ([`is_expired`]: `now >= expiry`). An expiry that
//! is not after `now` is an error ([`LifetimeError::InPast`]), so is an instant past year 9999
//! ([`LifetimeError::Overflow`]); nothing here panics.

use core::{fmt, str::FromStr};

pub use crate::time::{Span, Timestamp};

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LifetimeError {
    /// The input is not any accepted lifetime form, or is a malformed duration / instant.
    InvalidLifetime {
        /// What is wrong.
        reason: &'static str,
    },
    /// A TTL in seconds that is `0`, negative other than `-1`, or not a whole number.
    InvalidTtl {
        /// What is wrong.
        reason: &'static str,
    },
    /// A time (for example `now`, or a stored expiry) is not an RFC 3339 instant.
    InvalidInstant,
    /// The lifetime ends at or before `now` (a past instant, a negative or zero duration).
    InPast,
    /// The expiry would be beyond what can be represented (after 9999-12-31).
    Overflow,
    /// The lifetime is longer than the maximum allowed (cap mode [`CapMode::Error`]).
    ExceedsMaximum {
        /// The latest allowed expiry.
        latest: Timestamp,
    },
    /// A token would outlive the token or account that issues it.
    OutlivesIssuer {
        /// The issuer's expiry.
        issuer: Timestamp,
    },
}

impl LifetimeError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            LifetimeError::InvalidLifetime { .. } => "invalid_lifetime",
            LifetimeError::InvalidTtl { .. } => "invalid_ttl",
            LifetimeError::InvalidInstant => "invalid_instant",
            LifetimeError::InPast => "lifetime_in_past",
            LifetimeError::Overflow => "lifetime_overflow",
            LifetimeError::ExceedsMaximum { .. } => "lifetime_exceeds_maximum",
            LifetimeError::OutlivesIssuer { .. } => "outlives_issuer",
        }
    }
}

impl fmt::Display for LifetimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LifetimeError::InvalidLifetime { reason } => write!(f, "invalid lifetime: {reason}"),
            LifetimeError::InvalidTtl { reason } => write!(f, "invalid ttl: {reason}"),
            LifetimeError::InvalidInstant => {
                f.write_str("invalid instant: expected an RFC 3339 date-time with a UTC offset, e.g. 2027-01-01T00:00:00Z")
            }
            LifetimeError::InPast => f.write_str("lifetime ends at or before now"),
            LifetimeError::Overflow => f.write_str("lifetime overflows the supported date range"),
            LifetimeError::ExceedsMaximum { latest } => {
                write!(f, "lifetime exceeds the maximum: the latest allowed expiry is {}", format_instant(*latest))
            }
            LifetimeError::OutlivesIssuer { issuer } => {
                write!(f, "token would outlive its issuer, which expires at {}", format_instant(*issuer))
            }
        }
    }
}

impl std::error::Error for LifetimeError {}

/// A named lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// `one-week`: 7 days.
    OneWeek,
    /// `one-month`: 1 calendar month.
    OneMonth,
    /// `three-months`: 3 calendar months.
    ThreeMonths,
    /// `six-months`: 6 calendar months.
    SixMonths,
    /// `one-year`: 1 calendar year.
    OneYear,
    /// `7-days`.
    Days7,
    /// `30-days`.
    Days30,
    /// `60-days`.
    Days60,
    /// `90-days`.
    Days90,
}

impl Preset {
    /// Every preset, in the order a picker shows them.
    pub const ALL: [Preset; 9] = [
        Preset::Days7,
        Preset::OneWeek,
        Preset::Days30,
        Preset::OneMonth,
        Preset::Days60,
        Preset::Days90,
        Preset::ThreeMonths,
        Preset::SixMonths,
        Preset::OneYear,
    ];

    /// The preset's input spelling (`one-month`, `30-days`, …).
    pub fn name(self) -> &'static str {
        match self {
            Preset::OneWeek => "one-week",
            Preset::OneMonth => "one-month",
            Preset::ThreeMonths => "three-months",
            Preset::SixMonths => "six-months",
            Preset::OneYear => "one-year",
            Preset::Days7 => "7-days",
            Preset::Days30 => "30-days",
            Preset::Days60 => "60-days",
            Preset::Days90 => "90-days",
        }
    }

    /// The preset spelled `name` (exact, lowercase).
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The calendar span this preset adds.
    pub fn span(self) -> Span {
        match self {
            Preset::OneWeek | Preset::Days7 => Span::days(7),
            Preset::OneMonth => Span::months(1),
            Preset::ThreeMonths => Span::months(3),
            Preset::SixMonths => Span::months(6),
            Preset::OneYear => Span::years(1),
            Preset::Days30 => Span::days(30),
            Preset::Days60 => Span::days(60),
            Preset::Days90 => Span::days(90),
        }
    }
}

/// Any accepted lifetime input (see the module docs for the forms).
///
/// Equality compares durations unit by unit (`P1D` ≠ `PT24H`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Lifetime {
    /// No expiry.
    Never,
    /// A named preset.
    Preset(Preset),
    /// A positive number of seconds.
    Ttl(i64),
    /// An ISO 8601 duration (may hold calendar units).
    Duration(Span),
    /// A fixed instant.
    At(Timestamp),
}

impl Lifetime {
    /// Parses the text form: `never`, a preset name, a TTL as decimal integer text, an ISO 8601
    /// duration (starts with `P`, optionally signed), or an RFC 3339 instant. Exact spelling:
    /// no trimming, presets and `never` are lowercase.
    ///
    /// # Errors
    /// [`LifetimeError::InvalidLifetime`], [`LifetimeError::InvalidTtl`] (`"0"`, `"-5"`), or
    /// [`LifetimeError::Overflow`] for a TTL that does not fit in 64 bits.
    pub fn parse(input: &str) -> Result<Lifetime, LifetimeError> {
        if input == "never" {
            return Ok(Lifetime::Never);
        }
        if let Some(p) = Preset::from_name(input) {
            return Ok(Lifetime::Preset(p));
        }
        let unsigned = input.strip_prefix(['-', '+']).unwrap_or(input);
        if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return match input.parse::<i64>() {
                Ok(secs) => Lifetime::from_ttl_seconds(secs),
                // Past i64: a negative one is as invalid as any negative but -1.
                Err(_) if input.starts_with('-') => Lifetime::from_ttl_seconds(i64::MIN),
                Err(_) => Err(LifetimeError::Overflow),
            };
        }
        if unsigned.starts_with(['P', 'p']) {
            return match Span::parse(input) {
                Ok(span) => Ok(Lifetime::Duration(span)),
                Err(_) => Err(LifetimeError::InvalidLifetime { reason: "not a valid ISO 8601 duration" }),
            };
        }
        if input.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return match parse_instant(input) {
                Ok(ts) => Ok(Lifetime::At(ts)),
                Err(_) => Err(LifetimeError::InvalidLifetime {
                    reason: "not a valid RFC 3339 instant (a UTC offset such as Z is required)",
                }),
            };
        }
        Err(LifetimeError::InvalidLifetime {
            reason: "expected a preset, never, a ttl in seconds, an ISO 8601 duration or an RFC 3339 instant",
        })
    }

    /// A TTL in seconds: `-1` is [`Lifetime::Never`], a positive number is [`Lifetime::Ttl`].
    ///
    /// # Errors
    /// [`LifetimeError::InvalidTtl`] for `0` and negatives other than `-1`.
    pub fn from_ttl_seconds(secs: i64) -> Result<Lifetime, LifetimeError> {
        match secs {
            -1 => Ok(Lifetime::Never),
            0 => Err(LifetimeError::InvalidTtl { reason: "0 is not a lifetime (use -1 for never)" }),
            s if s < 0 => Err(LifetimeError::InvalidTtl { reason: "negative ttl (only -1, never, is allowed)" }),
            s => Ok(Lifetime::Ttl(s)),
        }
    }

    /// The expiry instant for a token created at `now`, or `None` for never.
    ///
    /// # Errors
    /// [`LifetimeError::InPast`] when the result is not after `now`,
    /// [`LifetimeError::Overflow`] when it is past the supported range.
    ///
    /// # Example
    /// ```
    /// use tokenkit::lifetime::{Lifetime, format_instant};
    /// let now: tokenkit::time::Timestamp = "2025-01-31T10:00:00Z".parse().unwrap();
    /// let exp = Lifetime::parse("one-month").unwrap().expires_at(now).unwrap().unwrap();
    /// assert_eq!(format_instant(exp), "2025-02-28T10:00:00.000Z");
    /// ```
    pub fn expires_at(&self, now: Timestamp) -> Result<Option<Timestamp>, LifetimeError> {
        let raw = match self {
            Lifetime::Never => return Ok(None),
            Lifetime::At(ts) => *ts,
            Lifetime::Ttl(secs) => now.checked_add_seconds(*secs).map_err(|_| LifetimeError::Overflow)?,
            Lifetime::Preset(p) => add_span(now, p.span())?,
            Lifetime::Duration(span) => {
                if span.is_negative() || span.is_zero() {
                    return Err(LifetimeError::InPast);
                }
                add_span(now, *span)?
            }
        };
        // Whole milliseconds, through `from_millisecond`: an expiry within the last second of
        // the range (after 9999-12-30T22:00:00.000Z) is an overflow, as it always was.
        let expiry = Timestamp::from_millisecond(raw.truncate_to_millisecond().as_millisecond()).map_err(|_| LifetimeError::Overflow)?;
        if expiry <= now {
            return Err(LifetimeError::InPast);
        }
        Ok(Some(expiry))
    }
}

impl FromStr for Lifetime {
    type Err = LifetimeError;
    fn from_str(s: &str) -> Result<Lifetime, LifetimeError> {
        Lifetime::parse(s)
    }
}

/// Adds a span that may hold calendar units, in UTC.
fn add_span(now: Timestamp, span: Span) -> Result<Timestamp, LifetimeError> {
    now.checked_add_span(&span).map_err(|_| LifetimeError::Overflow)
}

/// Parses `input` as a [`Lifetime`] and returns [`Lifetime::expires_at`]`(now)`.
///
/// # Errors
/// As [`Lifetime::parse`] and [`Lifetime::expires_at`].
pub fn expires_at(input: &str, now: Timestamp) -> Result<Option<Timestamp>, LifetimeError> {
    Lifetime::parse(input)?.expires_at(now)
}

/// Parses an RFC 3339 instant (a UTC offset is required; `Z` or `±hh:mm`).
///
/// # Errors
/// [`LifetimeError::InvalidInstant`].
pub fn parse_instant(input: &str) -> Result<Timestamp, LifetimeError> {
    // The parser also takes Temporal extras such as a trailing `[Europe/Paris]` annotation
    // (see `crate::time`); the offset still decides the instant, so those are harmless.
    Timestamp::parse(input).map_err(|_| LifetimeError::InvalidInstant)
}

/// RFC 3339 in UTC with exactly three fractional digits, like JS `Date.prototype.toISOString`
/// (`2027-01-01T00:00:00.000Z`). Sub-millisecond digits are dropped.
pub fn format_instant(ts: Timestamp) -> String {
    format!("{:.3}", ts.truncate_to_millisecond())
}

/// `true` when a token with this expiry is no longer valid at `now` (`now >= expiry`).
pub fn is_expired(expiry: Option<Timestamp>, now: Timestamp) -> bool {
    expiry.is_some_and(|e| now >= e)
}

/// What to do when a requested expiry is later than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CapMode {
    /// Reject it with [`LifetimeError::ExceedsMaximum`] (the default: the caller learns).
    #[default]
    Error,
    /// Shorten it to the latest allowed expiry.
    Clamp,
}

impl CapMode {
    /// `"error"` or `"clamp"`.
    pub fn from_name(name: &str) -> Option<CapMode> {
        match name {
            "error" => Some(CapMode::Error),
            "clamp" => Some(CapMode::Clamp),
            _ => None,
        }
    }
}

/// Applies a maximum: `expiry` must not be later than `latest` (`None` = no limit; an expiry of
/// `None` — never — is later than any instant).
///
/// # Errors
/// [`LifetimeError::ExceedsMaximum`] in [`CapMode::Error`] when `expiry` is later than `latest`.
pub fn cap(expiry: Option<Timestamp>, latest: Option<Timestamp>, mode: CapMode) -> Result<Option<Timestamp>, LifetimeError> {
    let Some(limit) = latest else { return Ok(expiry) };
    match expiry {
        Some(e) if e <= limit => Ok(Some(e)),
        _ => match mode {
            CapMode::Error => Err(LifetimeError::ExceedsMaximum { latest: limit }),
            CapMode::Clamp => Ok(Some(limit)),
        },
    }
}

/// [`cap`] with the maximum given as a lifetime from `now` (for example `one-year`; `never`
/// means no maximum).
///
/// # Errors
/// As [`cap`], plus [`Lifetime::expires_at`]'s errors for `max`.
///
/// # Example
/// ```
/// use tokenkit::lifetime::{cap_lifetime, expires_at, CapMode, Lifetime};
/// let now: tokenkit::time::Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
/// let max = Lifetime::parse("90-days").unwrap();
/// let wanted = expires_at("one-year", now).unwrap();
/// assert_eq!(cap_lifetime(wanted, &max, now, CapMode::Error).unwrap_err().code(), "lifetime_exceeds_maximum");
/// assert_eq!(cap_lifetime(wanted, &max, now, CapMode::Clamp).unwrap(), max.expires_at(now).unwrap());
/// ```
pub fn cap_lifetime(expiry: Option<Timestamp>, max: &Lifetime, now: Timestamp, mode: CapMode) -> Result<Option<Timestamp>, LifetimeError> {
    cap(expiry, max.expires_at(now)?, mode)
}

/// "A child never outlives its issuer": `child` must not be later than `issuer` (`None` = never
/// expires). Equal is allowed. A never-expiring issuer allows anything.
///
/// # Errors
/// [`LifetimeError::OutlivesIssuer`].
pub fn check_outlives(child: Option<Timestamp>, issuer: Option<Timestamp>) -> Result<(), LifetimeError> {
    match (child, issuer) {
        (_, None) => Ok(()),
        (Some(c), Some(i)) if c <= i => Ok(()),
        (_, Some(i)) => Err(LifetimeError::OutlivesIssuer { issuer: i }),
    }
}

/// When a rotated-out (previous) secret stops working: `min(now + grace, the token's own
/// expiry)`. A grace of `never` leaves only the token's expiry. If the token has itself
/// already expired, the result is that past expiry (the previous secret is dead too).
///
/// # Errors
/// [`Lifetime::expires_at`]'s errors for `grace` (so a zero or past grace is an error: a secret
/// that should stop at once is simply not kept).
pub fn rotation_grace_expiry(grace: &Lifetime, token_expiry: Option<Timestamp>, now: Timestamp) -> Result<Option<Timestamp>, LifetimeError> {
    let grace_end = grace.expires_at(now)?;
    Ok(match (grace_end, token_expiry) {
        (None, t) => t,
        (g, None) => g,
        (Some(g), Some(t)) => Some(g.min(t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn exp(input: &str, now: &str) -> Result<Option<String>, LifetimeError> {
        expires_at(input, ts(now)).map(|o| o.map(format_instant))
    }

    #[test]
    fn presets_and_calendar_clamping() {
        let cases: &[(&str, &str, &str)] = &[
            ("one-month", "2025-01-31T10:00:00Z", "2025-02-28T10:00:00.000Z"),
            ("one-month", "2024-01-31T10:00:00Z", "2024-02-29T10:00:00.000Z"),
            ("one-month", "2025-03-31T23:59:59Z", "2025-04-30T23:59:59.000Z"),
            ("one-month", "2025-12-15T00:00:00Z", "2026-01-15T00:00:00.000Z"),
            ("one-year", "2024-02-29T12:00:00Z", "2025-02-28T12:00:00.000Z"),
            ("one-year", "2023-03-01T00:00:00Z", "2024-03-01T00:00:00.000Z"),
            ("three-months", "2025-11-30T08:00:00Z", "2026-02-28T08:00:00.000Z"),
            ("six-months", "2025-08-31T00:00:00Z", "2026-02-28T00:00:00.000Z"),
            ("one-week", "2025-12-28T05:06:07.891Z", "2026-01-04T05:06:07.891Z"),
            ("7-days", "2025-12-28T05:06:07.891Z", "2026-01-04T05:06:07.891Z"),
            ("30-days", "2025-01-31T00:00:00Z", "2025-03-02T00:00:00.000Z"),
            ("60-days", "2024-01-01T00:00:00Z", "2024-03-01T00:00:00.000Z"),
            ("90-days", "2025-01-01T00:00:00Z", "2025-04-01T00:00:00.000Z"),
            // The UTC offset of `now` does not matter: arithmetic is on the UTC date.
            ("one-month", "2025-02-01T01:00:00+02:00", "2025-02-28T23:00:00.000Z"),
        ];
        for &(input, now, want) in cases {
            assert_eq!(exp(input, now), Ok(Some(want.to_string())), "{input} from {now}");
        }
    }

    #[test]
    fn ttl_seconds() {
        let now = "2025-01-01T00:00:00Z";
        assert_eq!(exp("-1", now), Ok(None));
        assert_eq!(exp("1", now), Ok(Some("2025-01-01T00:00:01.000Z".into())));
        assert_eq!(exp("+3600", now), Ok(Some("2025-01-01T01:00:00.000Z".into())));
        assert_eq!(exp("1209600", now), Ok(Some("2025-01-15T00:00:00.000Z".into())));
        assert_eq!(exp("0", now).unwrap_err().code(), "invalid_ttl");
        assert_eq!(exp("-0", now).unwrap_err().code(), "invalid_ttl");
        assert_eq!(exp("-2", now).unwrap_err().code(), "invalid_ttl");
        assert_eq!(exp("-9223372036854775808", now).unwrap_err().code(), "invalid_ttl");
        assert_eq!(exp("-99999999999999999999", now).unwrap_err().code(), "invalid_ttl");
        assert_eq!(exp("99999999999999999999", now).unwrap_err().code(), "lifetime_overflow");
        assert_eq!(exp("9223372036854775807", now), Err(LifetimeError::Overflow));
        assert_eq!(exp("99999999999999999999999", now), Err(LifetimeError::Overflow));
        assert_eq!(exp("253402300800", now), Err(LifetimeError::Overflow)); // past 9999-12-31
        assert_eq!(Lifetime::from_ttl_seconds(-1), Ok(Lifetime::Never));
        assert_eq!(Lifetime::from_ttl_seconds(i64::MIN).unwrap_err().code(), "invalid_ttl");
        assert_eq!(Lifetime::from_ttl_seconds(i64::MAX).unwrap().expires_at(ts(now)), Err(LifetimeError::Overflow));
    }

    #[test]
    fn iso_durations() {
        let now = "2024-01-31T00:00:00Z";
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("P30D", Ok("2024-03-01T00:00:00.000Z")),
            ("P1M", Ok("2024-02-29T00:00:00.000Z")),
            ("PT12H", Ok("2024-01-31T12:00:00.000Z")),
            ("P1Y2M", Ok("2025-03-31T00:00:00.000Z")),
            ("P1Y1M", Ok("2025-02-28T00:00:00.000Z")),
            ("P1M1D", Ok("2024-03-01T00:00:00.000Z")),
            ("P2W", Ok("2024-02-14T00:00:00.000Z")),
            ("P1DT2H30M", Ok("2024-02-01T02:30:00.000Z")),
            ("PT0.5S", Ok("2024-01-31T00:00:00.500Z")),
            ("p1d", Ok("2024-02-01T00:00:00.000Z")),
            ("+P1D", Ok("2024-02-01T00:00:00.000Z")),
            ("PT0.0001S", Err("lifetime_in_past")), // truncates to now
            ("P0D", Err("lifetime_in_past")),
            ("PT0S", Err("lifetime_in_past")),
            ("-P1D", Err("lifetime_in_past")),
            ("P8000Y", Err("lifetime_overflow")),
            ("P", Err("invalid_lifetime")),
            ("P1", Err("invalid_lifetime")),
            ("P1X", Err("invalid_lifetime")),
            ("PT", Err("invalid_lifetime")),
            ("P1D ", Err("invalid_lifetime")),
            ("P99999999999Y", Err("invalid_lifetime")),
        ];
        for &(input, want) in cases {
            let got = exp(input, now);
            match want {
                Ok(w) => assert_eq!(got, Ok(Some(w.to_string())), "{input}"),
                Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "{input}"),
            }
        }
    }

    #[test]
    fn instants_and_keywords() {
        let now = "2025-06-01T00:00:00Z";
        let cases: &[(&str, Result<Option<&str>, &str>)] = &[
            ("never", Ok(None)),
            ("2027-01-01T00:00:00Z", Ok(Some("2027-01-01T00:00:00.000Z"))),
            ("2027-01-01T00:00:00.123456Z", Ok(Some("2027-01-01T00:00:00.123Z"))),
            ("2027-01-01T02:00:00+02:00", Ok(Some("2027-01-01T00:00:00.000Z"))),
            ("2025-06-01T00:00:00.001Z", Ok(Some("2025-06-01T00:00:00.001Z"))),
            ("2027-01-01 00:00:00Z", Ok(Some("2027-01-01T00:00:00.000Z"))),
            ("2027-01-01t00:00:00z", Ok(Some("2027-01-01T00:00:00.000Z"))),
            ("2027-01-01T00:00:00Z[Europe/Paris]", Ok(Some("2027-01-01T00:00:00.000Z"))),
            ("2025-06-01T00:00:00Z", Err("lifetime_in_past")),
            ("2020-01-01T00:00:00Z", Err("lifetime_in_past")),
            ("2027-01-01", Err("invalid_lifetime")),
            ("2027-01-01T00:00:00", Err("invalid_lifetime")),
            ("2027-02-30T00:00:00Z", Err("invalid_lifetime")),
            ("Never", Err("invalid_lifetime")),
            ("NEVER", Err("invalid_lifetime")),
            ("one-Month", Err("invalid_lifetime")),
            ("one_month", Err("invalid_lifetime")),
            (" one-month", Err("invalid_lifetime")),
            ("1 month", Err("invalid_lifetime")),
            ("", Err("invalid_lifetime")),
            ("-", Err("invalid_lifetime")),
            ("∞", Err("invalid_lifetime")),
            ("一个月", Err("invalid_lifetime")),
            ("3.5", Err("invalid_lifetime")),
            ("1e3", Err("invalid_lifetime")),
        ];
        for &(input, want) in cases {
            let got = exp(input, now);
            match want {
                Ok(w) => assert_eq!(got, Ok(w.map(str::to_string)), "{input:?}"),
                Err(code) => assert_eq!(got.map_err(|e| e.code()), Err(code), "{input:?}"),
            }
        }
    }

    #[test]
    fn near_the_end_of_time_is_an_error_not_a_panic() {
        let late = ts("9999-12-01T00:00:00Z");
        for input in ["one-month", "one-year", "90-days", "P1Y", "31536000"] {
            assert_eq!(expires_at(input, late), Err(LifetimeError::Overflow), "{input}");
        }
        assert_eq!(expires_at("never", Timestamp::MAX), Ok(None));
        assert_eq!(expires_at("1", Timestamp::MAX), Err(LifetimeError::Overflow));
        assert_eq!(expires_at("P1D", Timestamp::MIN).map(|o| o.is_some()), Ok(true));
    }

    #[test]
    fn preset_names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
            assert_eq!(Lifetime::parse(p.name()), Ok(Lifetime::Preset(p)));
        }
        assert_eq!(Preset::ALL.len(), 9);
    }

    #[test]
    fn caps() {
        let a = Some(ts("2025-01-01T00:00:00Z"));
        let b = Some(ts("2026-01-01T00:00:00Z"));
        let err = |l: Option<Timestamp>| Err(LifetimeError::ExceedsMaximum { latest: l.unwrap() });
        type Case = (Option<Timestamp>, Option<Timestamp>, CapMode, Result<Option<Timestamp>, LifetimeError>);
        let cases: &[Case] = &[
            (a, b, CapMode::Error, Ok(a)),
            (a, b, CapMode::Clamp, Ok(a)),
            (a, a, CapMode::Error, Ok(a)),
            (b, a, CapMode::Error, err(a)),
            (b, a, CapMode::Clamp, Ok(a)),
            (None, a, CapMode::Error, err(a)),
            (None, a, CapMode::Clamp, Ok(a)),
            (None, None, CapMode::Error, Ok(None)),
            (b, None, CapMode::Error, Ok(b)),
        ];
        for (i, (e, l, m, want)) in cases.iter().enumerate() {
            assert_eq!(&cap(*e, *l, *m), want, "case {i}");
        }
        let now = ts("2025-01-31T00:00:00Z");
        let one_month = Lifetime::Preset(Preset::OneMonth);
        let wanted = expires_at("P40D", now).unwrap();
        assert_eq!(cap_lifetime(wanted, &one_month, now, CapMode::Clamp), Ok(Some(ts("2025-02-28T00:00:00Z"))));
        assert_eq!(cap_lifetime(wanted, &Lifetime::Never, now, CapMode::Error), Ok(wanted));
        assert_eq!(CapMode::from_name("clamp"), Some(CapMode::Clamp));
        assert_eq!(CapMode::from_name("Clamp"), None);
    }

    #[test]
    fn outlives() {
        let t = ts("2025-01-01T00:00:00Z");
        let (a, b) = (Some(t), Some(ts("2026-01-01T00:00:00Z")));
        assert_eq!(check_outlives(a, b), Ok(()));
        assert_eq!(check_outlives(a, a), Ok(()));
        assert_eq!(check_outlives(b, a), Err(LifetimeError::OutlivesIssuer { issuer: t }));
        assert_eq!(check_outlives(None, a), Err(LifetimeError::OutlivesIssuer { issuer: t }));
        assert_eq!(check_outlives(None, None), Ok(()));
        assert_eq!(check_outlives(b, None), Ok(()));
    }

    #[test]
    fn rotation_grace() {
        let now = ts("2025-01-01T00:00:00Z");
        let day = Lifetime::parse("P1D").unwrap();
        let own = Some(ts("2025-01-01T12:00:00Z"));
        let far = Some(ts("2026-01-01T00:00:00Z"));
        assert_eq!(rotation_grace_expiry(&day, own, now), Ok(own));
        assert_eq!(rotation_grace_expiry(&day, far, now), Ok(Some(ts("2025-01-02T00:00:00Z"))));
        assert_eq!(rotation_grace_expiry(&day, None, now), Ok(Some(ts("2025-01-02T00:00:00Z"))));
        assert_eq!(rotation_grace_expiry(&Lifetime::Never, far, now), Ok(far));
        assert_eq!(rotation_grace_expiry(&Lifetime::Never, None, now), Ok(None));
        assert_eq!(rotation_grace_expiry(&Lifetime::parse("PT0S").unwrap(), far, now), Err(LifetimeError::InPast));
    }

    #[test]
    fn expiry_check_and_format() {
        let e = ts("2025-01-01T00:00:00Z");
        assert!(!is_expired(Some(e), ts("2024-12-31T23:59:59.999Z")));
        assert!(is_expired(Some(e), e));
        assert!(is_expired(Some(e), ts("2025-01-01T00:00:00.001Z")));
        assert!(!is_expired(None, Timestamp::MAX));
        assert_eq!(format_instant(ts("2025-01-01T00:00:00.999999Z")), "2025-01-01T00:00:00.999Z");
        assert_eq!(format_instant(Timestamp::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_instant(ts("1969-12-31T23:59:59.9999Z")), "1969-12-31T23:59:59.999Z");
        assert_eq!(parse_instant("nope"), Err(LifetimeError::InvalidInstant));
    }

    #[test]
    fn error_codes_are_distinct_and_messages_lowercase() {
        let t = Timestamp::UNIX_EPOCH;
        let all = [
            LifetimeError::InvalidLifetime { reason: "x" },
            LifetimeError::InvalidTtl { reason: "x" },
            LifetimeError::InvalidInstant,
            LifetimeError::InPast,
            LifetimeError::Overflow,
            LifetimeError::ExceedsMaximum { latest: t },
            LifetimeError::OutlivesIssuer { issuer: t },
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            let m = e.to_string();
            assert!(m.starts_with(|c: char| c.is_ascii_lowercase()) && !m.ends_with('.'), "{m}");
        }
    }
}
