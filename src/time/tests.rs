//! Unit tests of the time module.

use super::span::HOURS;
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
