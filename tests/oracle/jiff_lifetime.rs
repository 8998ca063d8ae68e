//! The oracle for `tokenkit::time` and `tokenkit::lifetime`: the code tokenkit used before
//! `src/time.rs`, on jiff (jiff's Temporal `DateTimeParser` for instants, its `SpanParser` for
//! ISO 8601 durations, `Zoned` (UTC) arithmetic for spans, truncation to milliseconds, the same
//! routing of a lifetime's text). One copy, included by `tests/time_oracle.rs` and by the
//! `lifetime` fuzz target (`#[path]`), so the two cannot drift apart.

use jiff::{
    fmt::temporal::{DateTimeParser, SpanParser},
    tz::TimeZone,
    SignedDuration,
};
use tokenkit::lifetime::Preset;

pub static J_SPANS: SpanParser = SpanParser::new();
pub static J_INSTANTS: DateTimeParser = DateTimeParser::new();

/// A jiff span's units, in the order of `tokenkit::time::Span::units`.
pub fn j_units(s: &jiff::Span) -> [i64; 10] {
    [
        s.get_years().into(),
        s.get_months().into(),
        s.get_weeks().into(),
        s.get_days().into(),
        s.get_hours().into(),
        s.get_minutes(),
        s.get_seconds(),
        s.get_milliseconds(),
        s.get_microseconds(),
        s.get_nanoseconds(),
    ]
}

/// The expiry as tokenkit computed it with jiff (the code before `src/time.rs`), as epoch
/// nanoseconds, or the error code.
pub fn old_expires_at(input: &str, now: jiff::Timestamp) -> Result<Option<i128>, &'static str> {
    enum L {
        Never,
        Span(jiff::Span, bool),
        Ttl(i64),
        At(jiff::Timestamp),
    }
    let preset = |name: &str| -> Option<jiff::Span> {
        let s = jiff::Span::new();
        Some(match Preset::from_name(name)?.name() {
            "one-week" | "7-days" => s.days(7),
            "one-month" => s.months(1),
            "three-months" => s.months(3),
            "six-months" => s.months(6),
            "one-year" => s.years(1),
            "30-days" => s.days(30),
            "60-days" => s.days(60),
            "90-days" => s.days(90),
            other => panic!("unknown preset {other}"),
        })
    };
    let unsigned = input.strip_prefix(['-', '+']).unwrap_or(input);
    let l = if input == "never" {
        L::Never
    } else if let Some(span) = preset(input) {
        L::Span(span, false)
    } else if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        match input.parse::<i64>() {
            // docs/core.md: any negative but -1 is invalid_ttl, also one past i64.
            Err(_) if input.starts_with('-') => return Err("invalid_ttl"),
            Err(_) => return Err("lifetime_overflow"),
            Ok(-1) => L::Never,
            Ok(s) if s <= 0 => return Err("invalid_ttl"),
            Ok(s) => L::Ttl(s),
        }
    } else if unsigned.starts_with(['P', 'p']) {
        L::Span(J_SPANS.parse_span(input).map_err(|_| "invalid_lifetime")?, true)
    } else if input.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        L::At(J_INSTANTS.parse_timestamp(input).map_err(|_| "invalid_lifetime")?)
    } else {
        return Err("invalid_lifetime");
    };
    let raw = match l {
        L::Never => return Ok(None),
        L::At(t) => t,
        L::Ttl(s) => now.checked_add(SignedDuration::from_secs(s)).map_err(|_| "lifetime_overflow")?,
        L::Span(span, check) => {
            if check && (span.is_negative() || span.is_zero()) {
                return Err("lifetime_in_past");
            }
            now.to_zoned(TimeZone::UTC).checked_add(span).map(|z| z.timestamp()).map_err(|_| "lifetime_overflow")?
        }
    };
    let ms = i64::try_from(raw.as_nanosecond().div_euclid(1_000_000)).map_err(|_| "lifetime_overflow")?;
    let e = jiff::Timestamp::from_millisecond(ms).map_err(|_| "lifetime_overflow")?;
    if e <= now {
        return Err("lifetime_in_past");
    }
    Ok(Some(e.as_nanosecond()))
}
