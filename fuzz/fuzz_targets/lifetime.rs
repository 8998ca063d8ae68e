//! Lifetimes: `Lifetime::parse` on any text, expiries, caps, outlives, rotation grace.
//!
//! Properties: an expiry is strictly after `now`, whole milliseconds, and survives
//! `format_instant` → `parse_instant`; only `never` (or TTL -1) has no expiry; a TTL adds exactly
//! its seconds and an instant is itself; expiries never go backwards when `now` moves forward;
//! `cap` never returns later than its limit and errs only when it should; the rotation grace
//! never outlives the token.
//!
//! Differential: every text is also run through the code tokenkit used before `src/time.rs`
//! (jiff's Temporal parsers, `Zoned` UTC arithmetic, the same routing), and the instant, the
//! duration's units and the lifetime's expiry or error code must be the same.
#![no_main]
// The old code path on jiff, shared with tests/time_oracle.rs.
#[path = "../../tests/oracle/jiff_lifetime.rs"]
mod jiff_oracle;
use jiff_oracle::{j_units, old_expires_at, J_INSTANTS, J_SPANS};
use libfuzzer_sys::fuzz_target;
use tokenkit::lifetime::{self, CapMode, Lifetime, LifetimeError};
use tokenkit::time::{Span, Timestamp};
use tokenkit_fuzz::{mode_and_text, G};

const MIN_MS: i64 = -377_705_023_201_000; // the minimum (-009999-01-02)
const MAX_MS: i64 = 253_402_207_200_000; // 9999-12-30

/// Truncated to the millisecond, towards the past (as `format_instant` and expiries are;
/// `as_millisecond` rounds towards 1970 instead, which differs before 1970).
fn ms(ts: Timestamp) -> Timestamp {
    ts.truncate_to_millisecond()
}

/// The same answers as jiff for `text` read as an instant, a duration and a lifetime at `now`.
fn differential(text: &str, now: Timestamp) {
    let old = J_INSTANTS.parse_timestamp(text).map(|t| t.as_nanosecond()).ok();
    assert_eq!(Timestamp::parse(text).map(Timestamp::as_nanosecond).ok(), old, "instant {text:?}");
    let old = J_SPANS.parse_span(text).map(|s| j_units(&s)).ok();
    assert_eq!(Span::parse(text).map(|s| s.units()).ok(), old, "duration {text:?}");
    let j_now = jiff::Timestamp::from_nanosecond(now.as_nanosecond()).unwrap();
    let new = lifetime::expires_at(text, now).map(|o| o.map(Timestamp::as_nanosecond)).map_err(|e| e.code());
    assert_eq!(new, old_expires_at(text, j_now), "lifetime {text:?} from {now}");
    // Formatting of the instant, as jiff printed it.
    assert_eq!(now.to_string(), j_now.to_string());
    assert_eq!(lifetime::format_instant(now), format!("{:.3}", jiff::Timestamp::from_nanosecond(ms(now).as_nanosecond()).unwrap()));
}

fn check(text: &str, now: Timestamp, later: Timestamp, other: Option<Timestamp>) {
    differential(text, now);
    let parsed = Lifetime::parse(text);
    assert_eq!(parsed, text.parse::<Lifetime>(), "FromStr differs");
    if let Ok(ts) = lifetime::parse_instant(text) {
        assert_eq!(lifetime::parse_instant(&lifetime::format_instant(ts)), Ok(ms(ts)));
        if text.as_bytes().first().is_some_and(u8::is_ascii_digit) && !text.bytes().all(|b| b.is_ascii_digit()) && !text.ends_with("-days")
        {
            assert_eq!(parsed, Ok(Lifetime::At(ts)), "an instant {text:?} is not read as one");
        }
    }
    let Ok(l) = parsed else { return };
    let exp = l.expires_at(now);
    match &exp {
        Ok(None) => assert!(matches!(l, Lifetime::Never)),
        Ok(Some(e)) => {
            assert!(*e > now, "expiry {e} not after now {now}");
            assert_eq!(e.as_nanosecond() % 1_000_000, 0, "not whole milliseconds");
            assert_eq!(lifetime::parse_instant(&lifetime::format_instant(*e)), Ok(*e));
            assert!(!lifetime::is_expired(Some(*e), now) && lifetime::is_expired(Some(*e), *e));
            match &l {
                Lifetime::At(ts) => assert_eq!(*e, ms(*ts)),
                Lifetime::Ttl(s) => assert_eq!(*e, ms(now.checked_add_seconds(*s).unwrap())),
                Lifetime::Never => panic!("never has an expiry"),
                _ => {}
            }
        }
        Err(LifetimeError::InPast) => {
            if let Lifetime::At(ts) = &l {
                assert!(ms(*ts) <= now);
            }
        }
        Err(LifetimeError::Overflow) => {}
        Err(e) => panic!("unexpected expires_at error {e:?}"),
    }
    // Monotone in `now` for fixed-length lifetimes. (Not for months and years: clamping to the
    // month's end maps Feb 29 01:00 + 1 year before Feb 28 03:00 + 1 year, as documented.)
    let calendar = match &l {
        Lifetime::Preset(p) => p.span().get_months() != 0 || p.span().get_years() != 0,
        Lifetime::Duration(s) => s.get_months() != 0 || s.get_years() != 0,
        _ => false,
    };
    if let (false, Ok(Some(e1)), Ok(Some(e2))) = (calendar, &exp, l.expires_at(later)) {
        assert!(*e1 <= e2, "expiry went backwards: now {now} -> {e1}, later {later} -> {e2}");
    }
    let exp = exp.ok().flatten();
    // cap: never later than the limit; Error mode errs exactly when over it.
    for mode in [CapMode::Error, CapMode::Clamp] {
        match lifetime::cap(exp, other, mode) {
            Ok(r) => {
                if let Some(limit) = other {
                    assert!(r.is_some_and(|r| r <= limit));
                } else {
                    assert_eq!(r, exp);
                }
            }
            Err(LifetimeError::ExceedsMaximum { latest }) => {
                assert_eq!(mode, CapMode::Error);
                assert_eq!(Some(latest), other);
                assert!(exp.is_none_or(|e| e > latest));
            }
            Err(e) => panic!("unexpected cap error {e:?}"),
        }
    }
    let outlives = lifetime::check_outlives(exp, other);
    assert_eq!(outlives.is_ok(), other.is_none() || exp.is_some_and(|e| Some(e) <= other));
    // Rotation grace: min(now + grace, the token's expiry).
    if let Ok(r) = lifetime::rotation_grace_expiry(&l, other, now) {
        match other {
            Some(t) => assert!(r.is_some_and(|r| r <= t)),
            None => assert_eq!(r, exp),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    let default_now: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    if mode % 2 == 0 {
        // Raw: "<lifetime>\n<now as RFC 3339>" (now optional).
        let (l, now) = text.split_once('\n').unwrap_or((&text, ""));
        let now = lifetime::parse_instant(now).map(ms).unwrap_or(default_now);
        check(l, now, now.checked_add_seconds(86_400 * 40).unwrap_or(now), None);
        return;
    }
    let mut g = G::new(&data[1..]);
    let now = Timestamp::from_millisecond(if g.bool() { g.i64_in(MIN_MS, MAX_MS) } else { g.i64_in(1_600_000_000_000, 2_000_000_000_000) })
        .unwrap();
    let later = Timestamp::from_millisecond(now.as_millisecond().saturating_add(g.i64_in(0, 400 * 86_400_000)).min(MAX_MS)).unwrap();
    let other = g.bool().then(|| {
        Timestamp::from_millisecond(now.as_millisecond().saturating_add(g.i64_in(-86_400_000, 800 * 86_400_000)).clamp(MIN_MS, MAX_MS))
            .unwrap()
    });
    let n = g.i64_in(i64::MIN, i64::MAX);
    let small = g.i64_in(-3, 400);
    let text = match g.below(12) {
        0 => g
            .pick(&["never", "one-week", "one-month", "three-months", "six-months", "one-year", "7-days", "30-days", "60-days", "90-days"])
            .to_string(),
        1 => n.to_string(),
        2 => small.to_string(),
        3 => format!("P{small}{}", g.pick(&["D", "M", "Y", "W"])),
        4 => format!("PT{small}{}", g.pick(&["H", "M", "S", ".5S"])),
        5 => format!(
            "{}P{}Y{}M{}DT{}H{}M{}S",
            g.pick(&["", "-", "+"]),
            g.below(20),
            g.below(30),
            g.below(40),
            g.below(30),
            g.below(70),
            g.below(70)
        ),
        6 => lifetime::format_instant(other.unwrap_or(now)),
        7 => format!(
            "{}{}",
            lifetime::format_instant(later).trim_end_matches('Z'),
            g.pick(&["Z", "+02:00", "-23:59", "", "+00:00[Europe/Paris]"])
        ),
        8 => {
            format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", g.below(10000), g.below(14), g.below(33), g.below(25), g.below(61), g.below(61))
        }
        9 => format!("{}{}", g.pick(&["+", "-", "0", "00"]), small),
        _ => g.text(24),
    };
    check(&text, now, later, other);
});
