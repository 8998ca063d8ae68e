//! The parsers: RFC 3339 instants (with the RFC 9557 suffixes) and ISO 8601 durations.

use super::span::{HOURS, LIMITS, UNIT_NANOS};
use super::{days_from_civil, days_in_month, Span, Timestamp, MAX_OFFSET_SECONDS, NANOS_PER_SEC, SECS_PER_DAY};

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

pub(super) fn parse_timestamp(input: &[u8]) -> Option<Timestamp> {
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

pub(super) fn parse_span(input: &[u8]) -> Option<Span> {
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
