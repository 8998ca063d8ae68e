//! Lifetimes against the shared vectors (`tests/vectors/lifetime/expiry.json`) and properties
//! of the calendar arithmetic.
#![cfg(not(target_arch = "wasm32"))]

use jiff::{civil::Date, tz::TimeZone};
use proptest::prelude::*;
use serde_json::Value;
use tokenkit::lifetime::{self, format_instant, Lifetime, Preset};
use tokenkit::time::Timestamp;

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/lifetime/expiry.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn expiry_vectors() {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for c in cases {
        let now: Timestamp = c["now"].as_str().unwrap().parse().unwrap();
        let got = match &c["lifetime"] {
            Value::String(s) => Lifetime::parse(s).and_then(|l| l.expires_at(now)),
            Value::Number(n) => Lifetime::from_ttl_seconds(n.as_i64().unwrap()).and_then(|l| l.expires_at(now)),
            other => panic!("bad vector {other}"),
        };
        let label = format!("{} from {}", c["lifetime"], c["now"]);
        match c.get("error") {
            Some(code) => assert_eq!(got.map_err(|e| e.code()), Err(code.as_str().unwrap()), "{label}"),
            None => {
                let want = c["expiresAt"].as_str().map(str::to_string);
                assert_eq!(got.map(|o| o.map(format_instant)), Ok(want), "{label}");
            }
        }
    }
}

fn days_in_month(y: i16, m: i8) -> i8 {
    Date::new(y, m, 1).unwrap().days_in_month()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Month presets land on the same day of the target month, or on its last day when the
    /// month is shorter; the time of day is unchanged.
    #[test]
    fn months_clamp_to_month_end(y in 1970i16..2500, m in 1i8..=12, d in 1i8..=31, secs in 0i64..86_400, which in 0usize..4) {
        prop_assume!(d <= days_in_month(y, m));
        let (preset, months) = [(Preset::OneMonth, 1), (Preset::ThreeMonths, 3), (Preset::SixMonths, 6), (Preset::OneYear, 12)][which];
        // The civil dates come from jiff, independently of tokenkit's own calendar code.
        let start = Date::new(y, m, d).unwrap().to_zoned(TimeZone::UTC).unwrap().timestamp() + jiff::SignedDuration::from_secs(secs);
        let start = Timestamp::from_nanosecond(start.as_nanosecond()).unwrap();
        let end = Lifetime::Preset(preset).expires_at(start).unwrap().unwrap();
        let end_dt = jiff::Timestamp::from_nanosecond(end.as_nanosecond()).unwrap().to_zoned(TimeZone::UTC);
        let total = i32::from(y) * 12 + i32::from(m) - 1 + months;
        let (ty, tm) = ((total / 12) as i16, (total % 12 + 1) as i8);
        prop_assert_eq!((end_dt.year(), end_dt.month()), (ty, tm));
        prop_assert_eq!(end_dt.day(), d.min(days_in_month(ty, tm)));
        prop_assert_eq!(end.as_second().rem_euclid(86_400), secs);
    }

    /// Any string: a result or an error, never a panic; a result is always after now.
    #[test]
    fn parse_total(s in any::<String>(), now_s in -10_000_000_000i64..200_000_000_000) {
        let now = Timestamp::from_second(now_s).unwrap();
        if let Ok(Some(e)) = lifetime::expires_at(&s, now) {
            prop_assert!(e > now);
        }
    }

    /// ISO-looking strings exercise the duration parser harder than arbitrary text does.
    #[test]
    fn iso_like_total(s in "[+-]?[Pp][0-9.,YMWDTHS]{0,12}") {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        if let Ok(Some(e)) = lifetime::expires_at(&s, now) {
            prop_assert!(e > now);
        }
    }

    /// TTL: exactly `secs` seconds later, for every positive ttl that stays in range.
    #[test]
    fn ttl_is_exact(secs in 1i64..100_000_000_000) {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let e = Lifetime::from_ttl_seconds(secs).unwrap().expires_at(now);
        match e {
            Ok(Some(e)) => prop_assert_eq!(e.as_second() - now.as_second(), secs),
            Err(err) => prop_assert_eq!(err.code(), "lifetime_overflow"),
            Ok(None) => prop_assert!(false, "a ttl never means never"),
        }
    }
}
