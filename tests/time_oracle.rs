//! `tokenkit::time` against jiff, the library it replaced (a native dev-dependency only).
//!
//! The oracle is the code tokenkit used before: jiff's Temporal `DateTimeParser` for instants,
//! its `SpanParser` for ISO 8601 durations, `Zoned` (UTC) arithmetic for spans, truncation to
//! milliseconds, and the same routing of a lifetime's text. Every property compares the whole
//! result (value or error code) on generated inputs: grammar variants, mutated strings, month
//! ends, leap years (2000, 1900, 2100, negative years), the range edges.
#![cfg(not(target_arch = "wasm32"))]

use jiff::{civil::Date, tz::TimeZone};
use proptest::prelude::*;
use tokenkit::lifetime::{self, Lifetime, LifetimeError, Preset};
use tokenkit::time::{Span, Timestamp};

#[path = "oracle/jiff_lifetime.rs"]
mod jiff_oracle;
use jiff_oracle::{j_units, old_expires_at, J_INSTANTS, J_SPANS};

const MIN_NS: i128 = -377_705_023_201 * 1_000_000_000;
const MAX_NS: i128 = 253_402_207_200 * 1_000_000_000 + 999_999_999;

fn j_ts(ns: i128) -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(ns).unwrap()
}

fn ts(ns: i128) -> Timestamp {
    Timestamp::from_nanosecond(ns).unwrap()
}

fn new_expires_at(input: &str, now: Timestamp) -> Result<Option<i128>, &'static str> {
    lifetime::expires_at(input, now).map(|o| o.map(Timestamp::as_nanosecond)).map_err(|e: LifetimeError| e.code())
}

/// Checks one text against the oracle as an instant, a duration and a lifetime.
fn same_as_jiff(text: &str, now_ns: i128) -> Result<(), TestCaseError> {
    let old = J_INSTANTS.parse_timestamp(text).map(|t| t.as_nanosecond()).ok();
    let new = Timestamp::parse(text).map(Timestamp::as_nanosecond).ok();
    prop_assert_eq!(new, old, "instant {:?}", text);
    let old = J_SPANS.parse_span(text).map(|s| j_units(&s)).ok();
    let new = Span::parse(text).map(|s| s.units()).ok();
    prop_assert_eq!(new, old, "duration {:?}", text);
    prop_assert_eq!(new_expires_at(text, ts(now_ns)), old_expires_at(text, j_ts(now_ns)), "lifetime {:?} from {}", text, now_ns);
    Ok(())
}

// ---- generators --------------------------------------------------------------------------

/// Instants anywhere in the range, near its edges, and at month ends of interesting years.
fn instant() -> impl Strategy<Value = i128> {
    let day_ns = 86_400_000_000_000i128;
    prop_oneof![
        MIN_NS..=MAX_NS,
        (0i128..40 * day_ns).prop_map(|d| MIN_NS + d),
        (0i128..40 * day_ns).prop_map(|d| MAX_NS - d),
        (1_600_000_000i128 * 1_000_000_000)..(2_100_000_000i128 * 1_000_000_000),
        month_end(),
    ]
}

fn month_end() -> impl Strategy<Value = i128> {
    let years = prop::sample::select(vec![2000i16, 1900, 2100, 2024, 2023, 2025, 1970, 1969, 0, -1, -4, -100, -9999, 9998, 9999, 1600]);
    (years, 1i8..=12, 0i8..3, 0i64..86_400_000_000_000).prop_filter_map("in range", |(y, m, back, nanos)| {
        let d = Date::new(y, m, 1).ok()?;
        let d = Date::new(y, m, d.days_in_month() - back).ok()?;
        let t = d.to_zoned(TimeZone::UTC).ok()?.timestamp().as_nanosecond() + i128::from(nanos);
        (MIN_NS..=MAX_NS).contains(&t).then_some(t)
    })
}

fn pick(options: &[&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options.to_vec()).prop_map(str::to_string)
}

fn digits(max_len: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(b"0123456789".to_vec()), 0..=max_len).prop_map(|v| String::from_utf8(v).unwrap())
}

/// Instants spelled in every way the grammar has, valid or nearly.
fn instant_text() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        (0u32..10_000).prop_map(|y| format!("{y:04}")),
        (pick(&["+", "-"]), 0u32..12_000).prop_map(|(s, y)| format!("{s}{y:06}")),
        pick(&["1970", "2000", "1900", "2100", "2024", "9999", "0000", "-000000", "+000000", "-009999", "-010000", "12345", "999", "-2024"]),
    ];
    let month = prop_oneof![(1u32..=12).prop_map(|m| format!("{m:02}")), pick(&["00", "13", "1", "02", "2"])];
    let day = prop_oneof![(1u32..=31).prop_map(|d| format!("{d:02}")), pick(&["00", "32", "29", "30", "31", "1"])];
    let date = (year, pick(&["-", "", "-", "/"]), month, pick(&["-", "", "-"]), day).prop_map(|(y, s1, m, s2, d)| format!("{y}{s1}{m}{s2}{d}"));
    let frac = (pick(&[".", ",", ""]), digits(11)).prop_map(|(s, d)| format!("{s}{d}"));
    let time = (0u32..=25, pick(&[":", "", ":"]), 0u32..=61, pick(&[":", "", ":"]), 0u32..=61, frac, 0u8..4).prop_map(
        |(h, s1, m, s2, s, f, parts)| match parts {
            0 => format!("{h:02}"),
            1 => format!("{h:02}{s1}{m:02}"),
            _ => format!("{h:02}{s1}{m:02}{s2}{s:02}{f}"),
        },
    );
    let offset = prop_oneof![
        pick(&["Z", "z", "", "+00:00", "-00:00", "+02:00", "-23:59", "+25:59", "+26:00", "+05:30:15", "+0530", "+05", "-05:3015", "+25:59:59.5", "+25:59:59.4", "+01:00:00.999999999", "+01:00:60", "+01:60", "Z ", "UTC", "+1"]),
        (pick(&["+", "-"]), 0u32..=26, pick(&[":", ""]), 0u32..=60, pick(&["", ":", ""]), 0u32..=60, pick(&["", ".5", ",49", ".", ".0000000001"]))
            .prop_map(|(s, h, c1, m, c2, sec, f)| if c2.is_empty() { format!("{s}{h:02}{c1}{m:02}") } else { format!("{s}{h:02}{c1}{m:02}{c2}{sec:02}{f}") }),
    ];
    let annotation = pick(&[
        "", "", "", "[Europe/Paris]", "[!Europe/Paris]", "[u-ca=iso8601]", "[!u-ca=iso8601]", "[+02:00]", "[-0230]", "[+02:00:00]", "[+26:00]",
        "[a][b]", "[Foo=bar]", "[x=y-z]", "[]", "[Etc/GMT+1]", "[_x]", "[.x]", "[1a]", "[a/]", "[a=]", "[a=b][c=d]", "[Europe/Paris][u-ca=iso8601]",
        "[Europe/Paris][Europe/London]", "[UTC", "[Z]", "[!+01:00]", "[a=b-]", "[a_b-c=1-2-3]", "[A=b]", "[a=b]x", "[Europe/Paris]]",
    ]);
    (date, pick(&["T", "t", " ", "T", "_", ""]), time, offset, annotation).prop_map(|(d, t, tm, o, a)| format!("{d}{t}{tm}{o}{a}"))
}

/// ISO 8601 durations (and near misses), with values at and around each unit's limit.
fn duration_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        4 => (0u64..400).prop_map(|v| v.to_string()),
        1 => pick(&["0", "00", "19998", "19999", "239976", "239977", "1043497", "1043498", "7304484", "7304485", "175307616", "175307617",
            "10518456960", "10518456961", "631107417600", "631107417601", "9223372036854775807", "9223372036854775808",
            "18446744073709551615", "18446744073709551616", "000000000000000000001", "0000000000000000000001", "2562047788015215",
            "153722867280912930", "99999999999"]),
    ];
    let frac = pick(&["", "", "", ".5", ",25", ".0001", ".000000001", ".9999999999", ".", ".123456789"]);
    let unit = (value, frac, pick(&["Y", "M", "W", "D", "H", "M", "S", "y", "m", "w", "d", "h", "s", "X", ""]));
    let units = prop::collection::vec(unit.prop_map(|(v, f, u)| format!("{v}{f}{u}")), 0..5);
    let time_units = prop::collection::vec(
        (
            prop_oneof![(0u64..200).prop_map(|v| v.to_string()), pick(&["175307617", "10518456961", "631107417601", "9223372036854775807", "2562047788015216"])],
            pick(&["", "", ".5", ",001", ".000000001", ".75"]),
            pick(&["H", "M", "S", "h", "m", "s"]),
        )
            .prop_map(|(v, f, u)| format!("{v}{f}{u}")),
        0..4,
    );
    (pick(&["", "", "+", "-", "−"]), pick(&["P", "p", "P", "Q"]), units, pick(&["", "T", "t", "T"]), time_units).prop_map(|(s, p, d, t, tu)| {
        let tail = if t.is_empty() { String::new() } else { format!("{t}{}", tu.concat()) };
        format!("{s}{p}{}{tail}", d.concat())
    })
}

/// A string with one byte replaced, removed or inserted.
fn mutate(s: String, at: usize, op: u8, byte: u8) -> String {
    let mut b = s.into_bytes();
    let i = if b.is_empty() { 0 } else { at % (b.len() + 1) };
    match op % 3 {
        0 if i < b.len() => b[i] = byte,
        1 if i < b.len() => {
            b.remove(i);
        }
        _ => b.insert(i, byte),
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn mutation_byte() -> impl Strategy<Value = u8> {
    prop::sample::select(b"0123456789:-+.,TtZzPpYMWDHS []=!/_aZ\x00\xff".to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Instants in every spelling: same instant or same refusal; as lifetimes, the same expiry.
    #[test]
    fn instants_match(text in instant_text(), now in instant()) {
        same_as_jiff(&text, now)?;
    }

    #[test]
    fn mutated_instants_match(text in instant_text(), at in any::<usize>(), op in any::<u8>(), byte in mutation_byte(), now in instant()) {
        same_as_jiff(&mutate(text, at, op, byte), now)?;
    }

    /// Durations: same units (so the same equality) or same refusal, and the same expiry
    /// (calendar arithmetic, clamping, overflow) from instants across the range.
    #[test]
    fn durations_match(text in duration_text(), now in instant()) {
        same_as_jiff(&text, now)?;
    }

    #[test]
    fn mutated_durations_match(text in duration_text(), at in any::<usize>(), op in any::<u8>(), byte in mutation_byte(), now in instant()) {
        same_as_jiff(&mutate(text, at, op, byte), now)?;
    }

    /// Calendar spans built from parts, from month ends and leap days: the same expiry.
    #[test]
    fn calendar_spans_match(y in 0u32..30, m in 0u32..40, w in 0u32..6, d in 0u32..70, h in 0u32..50, min in 0u32..100, s in 0u32..100, now in instant()) {
        same_as_jiff(&format!("P{y}Y{m}M{w}W{d}DT{h}H{min}M{s}S"), now)?;
        same_as_jiff(&format!("P{m}M"), now)?;
        same_as_jiff(&format!("P{y}Y{d}D"), now)?;
    }

    /// Presets, TTLs and formatted instants as lifetimes.
    #[test]
    fn other_lifetimes_match(which in 0usize..9, ttl in any::<i64>(), small in -3i64..100_000_000, later in instant(), now in instant()) {
        same_as_jiff(Preset::ALL[which].name(), now)?;
        same_as_jiff(&ttl.to_string(), now)?;
        same_as_jiff(&small.to_string(), now)?;
        same_as_jiff(&format!("+{small}"), now)?;
        same_as_jiff(&lifetime::format_instant(ts(later)), now)?;
        same_as_jiff(&j_ts(later).to_string(), now)?;
    }

    /// Formatting: `Display` (shortest fraction), `{:.3}` and `format_instant` (JS
    /// `toISOString`) as jiff printed them; milliseconds as jiff counted them.
    #[test]
    fn formatting_matches(ns in instant(), p in 0usize..12) {
        let (t, j) = (ts(ns), j_ts(ns));
        prop_assert_eq!(t.to_string(), j.to_string());
        prop_assert_eq!(format!("{t:.p$}"), format!("{j:.p$}"));
        // jiff's from_millisecond stops at 9999-12-30T22:00:00.000Z, short of its Timestamp::MAX:
        // past it there is no millisecond instant to print, in jiff or here.
        let ms = i64::try_from(ns.div_euclid(1_000_000)).unwrap();
        match jiff::Timestamp::from_millisecond(ms) {
            Ok(jms) => prop_assert_eq!(lifetime::format_instant(t), format!("{jms:.3}")),
            Err(_) => prop_assert!(Timestamp::from_millisecond(ms).is_err()),
        }
        prop_assert_eq!(t.as_millisecond(), j.as_millisecond());
        prop_assert_eq!(t.as_second(), j.as_second());
        prop_assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
    }

    /// Epoch milliseconds in and out of range (the JS `now` argument, D1's stored expiries).
    #[test]
    fn milliseconds_match(ms in prop_oneof![any::<i64>(), -377_705_023_201_010i64..-377_705_023_200_990, 253_402_207_199_990i64..253_402_207_200_010]) {
        let old = jiff::Timestamp::from_millisecond(ms).map(|t| t.as_nanosecond()).ok();
        prop_assert_eq!(Timestamp::from_millisecond(ms).map(Timestamp::as_nanosecond).ok(), old);
    }

    /// Lifetime equality is unit by unit, as jiff's `fieldwise` was.
    #[test]
    fn equality_matches(a in duration_text(), b in duration_text()) {
        if let (Ok(ja), Ok(jb)) = (J_SPANS.parse_span(&a), J_SPANS.parse_span(&b)) {
            prop_assert_eq!(Lifetime::parse(&a) == Lifetime::parse(&b), ja.fieldwise() == jb.fieldwise(), "{:?} vs {:?}", a, b);
        }
    }
}

#[test]
fn range_and_limits_match_jiff() {
    assert_eq!(Timestamp::MIN.as_nanosecond(), jiff::Timestamp::MIN.as_nanosecond());
    assert_eq!(Timestamp::MAX.as_nanosecond(), jiff::Timestamp::MAX.as_nanosecond());
    // Each unit's limit: the limit parses, one more does not (time units carry instead).
    for (unit, limit) in [("Y", 19_998u64), ("M", 239_976), ("W", 1_043_497), ("D", 7_304_484)] {
        for v in [limit, limit + 1] {
            let text = format!("P{v}{unit}");
            assert_eq!(Span::parse(&text).map(|s| s.units()).ok(), J_SPANS.parse_span(&text).map(|s| j_units(&s)).ok(), "{text}");
        }
    }
    for text in ["PT175307616H", "PT175307617H", "PT10518456961M", "PT631107417601S", "PT9223372036854775807S", "PT2562047788015215H", "PT2562047788015216H"] {
        assert_eq!(Span::parse(text).map(|s| s.units()).ok(), J_SPANS.parse_span(text).map(|s| j_units(&s)).ok(), "{text}");
    }
}

#[test]
fn documented_cases_match_jiff() {
    let now = 1_738_317_600 * 1_000_000_000i128; // 2025-01-31T10:00:00Z
    for text in [
        "2027-01-01T00:00:00Z", "2027-01-01 00:00:00Z", "2027-01-01t00:00:00z", "2027-01-01T00:00:00Z[Europe/Paris]", "2026-12-31T23:59:60Z",
        "20270101T000000Z", "2027-01-01T00Z", "2027-01-01T00:00Z", "2027-01-01T00:00:00,5Z", "2027-01-01T00:00:00.1234567891Z", "+002027-01-01T00:00:00Z",
        "2027-01-01", "2027-01-01T00:00:00", "2027-02-30T00:00:00Z", "P30D", "P1M", "PT12H", "P1Y2M10DT2H30M", "P2W", "PT0.5S", "PT0.0001S", "PT1.5H",
        "P1.5D", "PT1.5H30M", "P1DT", "P000000000000000000001D", "P0000000000000000000001D", "PT000000000000000000001.5S", "P1D1Y", "p1y1m1w1dt1h1m1s", "P8000Y", "P99999999999Y", "-P1D", "+P1D", "one-month", "six-months", "-1", "0",
    ] {
        same_as_jiff(text, now).unwrap();
        same_as_jiff(text, MAX_NS - 86_400_000_000_000).unwrap();
        same_as_jiff(text, MIN_NS).unwrap();
    }
}
