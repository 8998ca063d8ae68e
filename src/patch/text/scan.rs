//! Scanning: the validating pass that builds the [`Tape`], reading a patch's operations from
//! its text, and navigation over validated (trusted) text.

use serde_json::Value;

use super::{Container, Key, Node, Source, Src, Tape, TextOp};
use crate::patch::{JsonInput, Operation, PatchError, Pointer, MAX_DEPTH};

/// The error for a text the validator rejected: `serde_json`'s own message, so both
/// implementations report the same thing.
#[cold]
pub(super) fn invalid_json(input: JsonInput, text: &str) -> PatchError {
    let message = match serde_json::from_str::<Value>(text) {
        Err(e) => e.to_string(),
        Ok(_) => "not accepted by the validator".into(),
    };
    PatchError::InvalidJson { input, message }
}

/// The string a JSON string literal (quotes included) decodes to, as serde_json decodes it.
/// Read as a `Value`, never as a `String`: a typed read links serde_json's "invalid type" path,
/// and with it core's `f64` printing (~14 KiB of the package's wasm; bench/NOTES.md).
pub(super) fn json_string(literal: &str) -> Option<String> {
    match serde_json::from_str::<Value>(literal) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Parses the patch text without building values: validates it, then reads each operation's
/// members from the text. The checks and their order are those of `parse_operation` (the
/// differential test holds them equal); `value`s stay spans of the patch text.
pub(super) fn parse_patch(text: &str) -> Result<(Source<'_>, Vec<TextOp>), PatchError> {
    let (tape, root) = match validate(text.as_bytes()) {
        Some(ok) => ok,
        None => return Err(invalid_json(JsonInput::Patch, text)),
    };
    let patch = Source { text, src: text.as_bytes(), tape };
    if patch.at(root.0) != b'[' {
        return Err(PatchError::NotAnArray);
    }
    let items = patch.expand_array(Src::Patch, root.0, root.1);
    let mut ops = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Node::Raw(_, s, e) = *item else { continue };
        ops.push(patch.parse_op(index, s, e)?);
    }
    Ok((patch, ops))
}

impl Source<'_> {
    pub(super) fn parse_op(&self, index: usize, s: usize, e: usize) -> Result<TextOp, PatchError> {
        let bad = |message: String| PatchError::InvalidOperation { index, message };
        if self.at(s) != b'{' {
            return Err(bad("an operation must be an object".into()));
        }
        // The last occurrence of a member wins, as when the patch is parsed into a map.
        let (mut op, mut path, mut from, mut value) = (None, None, None, None);
        for (key, node) in self.expand_object_raw(Src::Patch, s, e) {
            let Node::Raw(_, vs, ve) = node else { continue };
            let slot = match self.key_text(&key).as_ref() {
                "op" => &mut op,
                "path" => &mut path,
                "from" => &mut from,
                "value" => &mut value,
                _ => continue,
            };
            *slot = Some((vs, ve));
        }
        let string = |span: (usize, usize)| -> Option<std::borrow::Cow<'_, str>> {
            (self.at(span.0) == b'"').then(|| self.decode_str(span.0, span.1))
        };
        let op_name = match op {
            None => return Err(bad("missing 'op'".into())),
            Some(span) => string(span).ok_or_else(|| bad("'op' must be a string".into()))?,
        };
        let pointer = |member: &str, span: Option<(usize, usize)>| -> Result<Pointer, PatchError> {
            let span = span.ok_or_else(|| bad(format!("missing '{member}'")))?;
            let text = string(span).ok_or_else(|| bad(format!("'{member}' must be a string")))?;
            Pointer::parse(&text).map_err(|message| PatchError::InvalidPointer { index, pointer: text.into_owned(), message })
        };
        let need_value = || value.ok_or_else(|| bad(format!("missing 'value' for '{op_name}'")));
        let unit = Value::Null; // the value lives in the patch text (TextOp::value)
        let (op, value) = match op_name.as_ref() {
            "add" => (Operation::Add { path: pointer("path", path)?, value: unit }, Some(need_value()?)),
            "remove" => (Operation::Remove { path: pointer("path", path)? }, None),
            "replace" => (Operation::Replace { path: pointer("path", path)?, value: unit }, Some(need_value()?)),
            "move" => (Operation::Move { from: pointer("from", from)?, path: pointer("path", path)? }, None),
            "copy" => (Operation::Copy { from: pointer("from", from)?, path: pointer("path", path)? }, None),
            "test" => (Operation::Test { path: pointer("path", path)?, value: unit }, Some(need_value()?)),
            other => {
                let mut shown: String = other.chars().take(32).collect();
                if shown.len() < other.len() {
                    shown.push('…');
                }
                return Err(bad(format!("unknown op '{shown}'")));
            }
        };
        // (A value inside a validated patch nests at most MAX_DEPTH - 2 deep, so parse_operation's
        // depth check cannot fail here.)
        Ok(TextOp { op, value })
    }

    pub(super) fn decode_string(&self, s: usize, e: usize) -> String {
        self.decode_str(s, e).into_owned()
    }

    /// The string literal at `s..e`, borrowed from the text when it has no escape.
    pub(super) fn decode_str(&self, s: usize, e: usize) -> std::borrow::Cow<'_, str> {
        let inner = self.src.get(s + 1..e.saturating_sub(1)).unwrap_or_default();
        if !inner.contains(&b'\\') {
            return std::borrow::Cow::Borrowed(self.text.get(s + 1..e.saturating_sub(1)).unwrap_or_default());
        }
        std::borrow::Cow::Owned(json_string(self.text.get(s..e).unwrap_or_default()).unwrap_or_default())
    }

    pub(super) fn key_text<'k>(&'k self, k: &'k Key) -> std::borrow::Cow<'k, str> {
        match k {
            Key::Raw(_, s, e) => std::borrow::Cow::Borrowed(self.text.get(*s..*e).unwrap_or_default()),
            Key::Owned(s) => std::borrow::Cow::Borrowed(s.as_str()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[inline(always)]
fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while src.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

#[derive(Clone, Copy)]
struct Frame {
    tape: usize,
    obj: bool,
    max_child: u8,
    nodes: usize,
}

/// Validates `src` as one JSON value with `serde_json`'s rules (nesting at most [`MAX_DEPTH`],
/// no control characters in strings, finite numbers, valid `\u` escapes). Returns the tape and
/// the root's span, or `None`.
///
/// The innermost open container lives in the local `cur` (its parents on `stack`), so the
/// per-value bookkeeping touches registers, not the stack's memory.
pub(super) fn validate(src: &[u8]) -> Option<(Tape, (usize, usize))> {
    let mut tape = Tape(Vec::with_capacity(src.len() / 32));
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    // Open containers; `cur` is meaningful only when `depth > 0`.
    let mut depth = 0usize;
    let mut cur = Frame { tape: 0, obj: false, max_child: 0, nodes: 0 };
    let mut i = skip_ws(src, 0);
    let root_start = i;
    'value: loop {
        // A value starts at `i` (whitespace already skipped).
        let b = *src.get(i)?;
        match b {
            b'{' | b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                let obj = b == b'{';
                tape.0.push(Container { start: i, end: 0, nodes: 0, height: 0 });
                if depth > 0 {
                    stack.push(cur);
                }
                cur = Frame { tape: tape.0.len() - 1, obj, max_child: 0, nodes: 1 };
                depth += 1;
                i = skip_ws(src, i + 1);
                let close = if obj { b'}' } else { b']' };
                if src.get(i) == Some(&close) {
                    i += 1;
                    close_frame(&mut tape, &mut stack, &mut cur, &mut depth, i)?;
                } else if obj {
                    i = member_key(src, i)?;
                    continue 'value;
                } else {
                    continue 'value;
                }
            }
            b'"' => {
                i = string(src, i)?;
                cur.nodes = cur.nodes.saturating_add(1);
            }
            b'-' | b'0'..=b'9' => {
                i = number(src, i)?;
                cur.nodes = cur.nodes.saturating_add(1);
            }
            b't' | b'f' | b'n' => {
                let lit: &[u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if src.get(i..i + lit.len())? != lit {
                    return None;
                }
                i += lit.len();
                cur.nodes = cur.nodes.saturating_add(1);
            }
            _ => return None,
        }
        // After a value: separators and closing brackets until the next value or the end.
        loop {
            if depth == 0 {
                let end = i;
                return (skip_ws(src, i) == src.len()).then_some((tape, (root_start, end)));
            }
            i = skip_ws(src, i);
            match src.get(i) {
                Some(b',') => {
                    i = skip_ws(src, i + 1);
                    if cur.obj {
                        i = member_key(src, i)?;
                    }
                    continue 'value;
                }
                Some(b'}') if cur.obj => {
                    i += 1;
                    close_frame(&mut tape, &mut stack, &mut cur, &mut depth, i)?;
                }
                Some(b']') if !cur.obj => {
                    i += 1;
                    close_frame(&mut tape, &mut stack, &mut cur, &mut depth, i)?;
                }
                _ => return None,
            }
        }
    }
}

/// Closes the innermost container `cur` at `end` and makes its parent (if any) current.
#[inline(always)]
fn close_frame(tape: &mut Tape, stack: &mut Vec<Frame>, cur: &mut Frame, depth: &mut usize, end: usize) -> Option<()> {
    let height = cur.max_child.saturating_add(1);
    let c = tape.0.get_mut(cur.tape)?;
    c.end = end;
    c.height = height;
    c.nodes = cur.nodes;
    *depth -= 1;
    if *depth > 0 {
        let nodes = cur.nodes;
        *cur = stack.pop()?;
        cur.max_child = cur.max_child.max(height);
        cur.nodes = cur.nodes.saturating_add(nodes);
    }
    Some(())
}

/// A member key and its colon, starting at `i`; returns where the value starts.
#[inline(always)]
fn member_key(src: &[u8], i: usize) -> Option<usize> {
    if src.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_ws(src, string(src, i)?);
    if src.get(i) != Some(&b':') {
        return None;
    }
    Some(skip_ws(src, i + 1))
}

/// FNV-1a of a key, for duplicate detection.
pub(super) fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A mask whose lowest set bit marks the first byte of `w` (little-endian) that is `"`, `\\` or
/// below 0x20; zero if there is none (SWAR: eight bytes per step; bits above the lowest
/// may be false positives, the lowest is exact).
#[inline(always)]
fn special_mask(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let quote = has_zero(w ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    quote | backslash | control
}

/// A string starting at the quote at `i`; returns the index after the closing quote.
#[inline(always)]
fn string(src: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut unicode_escape = false;
    loop {
        // Skip eight ordinary bytes at a time.
        while let Some(chunk) = src.get(i..i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
            let mask = special_mask(u64::from_le_bytes(word));
            if mask != 0 {
                i += (mask.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let b = *src.get(i)?;
        match b {
            b'"' => break,
            b'\\' => {
                match *src.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => unicode_escape = true,
                    _ => return None,
                }
                i += 2;
            }
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
    let end = i + 1;
    if unicode_escape {
        // Hex digits and surrogate pairing: exactly as serde_json decides.
        json_string(core::str::from_utf8(src.get(start..end)?).ok()?)?;
    }
    Some(end)
}

/// A number starting at `i` (JSON grammar, finite as `serde_json` parses it).
fn number(src: &[u8], start: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        let s = i;
        while src.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i - s)
    };
    let mut i = start;
    if src.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_digits;
    match src.get(i) {
        Some(b'0') => {
            i += 1;
            int_digits = 1;
        }
        Some(b'1'..=b'9') => (i, int_digits) = digits(i),
        _ => return None,
    }
    // Below 10^300 a number is certainly finite; only larger ones (or long exponents) are
    // handed to serde_json to decide exactly as the tree implementation's parser does.
    let mut simple = int_digits <= 300;
    if src.get(i) == Some(&b'.') {
        let (j, n) = digits(i + 1);
        if n == 0 {
            return None;
        }
        i = j;
    }
    if matches!(src.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(src.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (j, n) = digits(i);
        if n == 0 {
            return None;
        }
        // A short exponent keeps the magnitude below 10^(300 + 99).
        simple = simple && n <= 2 && int_digits <= 200;
        i = j;
    }
    if !simple {
        let text = core::str::from_utf8(src.get(start..i)?).ok()?;
        // As a `Value` (a `Number` would do the same): see `json_string`.
        serde_json::from_str::<Value>(text).ok().filter(Value::is_number)?;
    }
    Some(i)
}

// ---------------------------------------------------------------------------------------------
// Navigation and operations over trusted (validated) text.

impl Source<'_> {
    pub(super) fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    /// The index after the value starting at `i`; `hint` is a tape index at or before the
    /// value's container (0 when unknown; see [`Tape::find_from`]), advanced past it.
    pub(super) fn value_end_from(&self, i: usize, hint: &mut usize) -> usize {
        match self.at(i) {
            b'{' | b'[' => self.tape.find_from(i, hint).map_or(self.src.len(), |c| c.end),
            b'"' => self.string_end(i),
            _ => {
                let mut j = i;
                while j < self.src.len() && !matches!(self.at(j), b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    j += 1;
                }
                j
            }
        }
    }

    pub(super) fn string_end(&self, start: usize) -> usize {
        let mut i = start + 1;
        loop {
            // Eight bytes at a time to the next quote or backslash (the text is validated).
            while let Some(chunk) = self.src.get(i..i + 8) {
                let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
                let mask = special_mask(u64::from_le_bytes(word));
                if mask != 0 {
                    i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match self.src.get(i) {
                None => return self.src.len(),
                Some(b'"') => return i + 1,
                Some(b'\\') => i += 2,
                Some(_) => i += 1,
            }
        }
    }

    /// Whether `src[from..to]` is exactly one `sep` with optional whitespace around it (two
    /// neighbouring members or elements of one container, or a key and its value).
    pub(super) fn only_between(&self, from: usize, to: usize, sep: u8) -> bool {
        let Some(gap) = self.src.get(from..to) else { return false };
        let mut seps = 0;
        for &b in gap {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                _ if b == sep => seps += 1,
                _ => return false,
            }
        }
        seps == 1
    }

    pub(super) fn key_of(&self, which: Src, start: usize, end: usize) -> Key {
        let inner = self.src.get(start + 1..end.saturating_sub(1)).unwrap_or_default();
        if !inner.contains(&b'\\') {
            return Key::Raw(which, start + 1, end.saturating_sub(1));
        }
        Key::Owned(self.decode_string(start, end))
    }

    /// The members of the object at `s..e`, in order, duplicates included.
    pub(super) fn expand_object_raw(&self, which: Src, s: usize, e: usize) -> Vec<(Key, Node)> {
        let mut entries = Vec::with_capacity(16);
        let mut hint = 0;
        let mut i = skip_ws(self.src, s + 1);
        while i < e && self.at(i) == b'"' {
            let ke = self.string_end(i);
            let key = self.key_of(which, i, ke);
            let mut j = skip_ws(self.src, ke);
            if self.at(j) == b':' {
                j = skip_ws(self.src, j + 1);
            }
            let ve = self.value_end_from(j, &mut hint);
            entries.push((key, Node::Raw(which, j, ve)));
            i = skip_ws(self.src, ve);
            if self.at(i) == b',' {
                i = skip_ws(self.src, i + 1);
            } else {
                break;
            }
        }
        entries
    }

    pub(super) fn expand_array(&self, which: Src, s: usize, e: usize) -> Vec<Node> {
        let mut items = Vec::new();
        let mut hint = 0;
        let mut i = skip_ws(self.src, s + 1);
        while i < e && self.at(i) != b']' {
            let ve = self.value_end_from(i, &mut hint);
            if ve <= i {
                break;
            }
            items.push(Node::Raw(which, i, ve));
            i = skip_ws(self.src, ve);
            if self.at(i) == b',' {
                i = skip_ws(self.src, i + 1);
            } else {
                break;
            }
        }
        items
    }
}
