//! The text-splicing implementation of [`super::apply_patch_json`].
//!
//! 1. One validating pass over the document (the same grammar and limits as `serde_json`)
//!    records every container's span, height and value count in a *tape*, in document order.
//! 2. The document becomes one [`Node::Raw`] span. An operation walks its pointer and *expands*
//!    only the containers it passes through into [`Node::Obj`] / [`Node::Arr`], whose children
//!    stay raw spans; skipping a child container is one tape look-up, not a scan.
//! 3. Values from the patch are [`Node::Val`] trees. The output writes raw spans back byte for
//!    byte and only the expanded containers compactly.
//!
//! The operations mirror the tree implementation step by step (same checks, same order, same
//! errors), which `tests/patch_differential.rs` checks on random documents and patches.

use serde_json::{Number, Value};

use super::pointer::{array_index, ArrayIndex};
use super::{child_index, count_nodes, depth, json_eq, not_found, JsonInput, Operation, PatchError, Pointer, MAX_COPIED_NODES, MAX_DEPTH};

/// Per-container facts gathered by the validating pass, indexed in document order.
struct Tape(Vec<Container>);

#[derive(Clone, Copy)]
struct Container {
    start: usize,
    end: usize,
    nodes: usize,
    height: u8,
}

impl Tape {
    fn find(&self, start: usize) -> Option<&Container> {
        let i = self.0.binary_search_by_key(&start, |c| c.start).ok()?;
        self.0.get(i)
    }
}

/// Which text a span points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Doc,
    Patch,
}

#[derive(Clone, Debug)]
enum Key {
    /// The bytes between the quotes, which contain no escape.
    Raw(Src, usize, usize),
    Owned(String),
}

#[derive(Clone, Debug)]
enum Node {
    /// A validated value, as a span of the document or patch text (no surrounding whitespace).
    Raw(Src, usize, usize),
    /// A value built from a decoded container (the children of an expanded patch value).
    Val(Value),
    Obj(Vec<(Key, Node)>),
    Arr(Vec<Node>),
}

/// One validated text and its tape.
struct Source<'a> {
    text: &'a str,
    src: &'a [u8],
    tape: Tape,
}

struct Doc<'a> {
    doc: Source<'a>,
    patch: Source<'a>,
}

/// An operation whose `value` is a span of the patch text.
struct TextOp {
    op: Operation,
    value: Option<(usize, usize)>,
}

pub(super) fn apply(doc_text: &str, patch_text: &str) -> Result<String, PatchError> {
    let (tape, root) = match validate(doc_text.as_bytes()) {
        Some(ok) => ok,
        None => return Err(invalid_json(JsonInput::Document, doc_text)),
    };
    let doc = Source { text: doc_text, src: doc_text.as_bytes(), tape };
    let (patch, ops) = parse_patch(patch_text)?;
    let d = Doc { doc, patch };
    let mut root = Node::Raw(Src::Doc, root.0, root.1);
    let mut copied = 0usize;
    for (index, op) in ops.iter().enumerate() {
        d.apply_one(&mut root, index, op, &mut copied)?;
    }
    let mut out = Vec::with_capacity(doc_text.len() + patch_text.len() + 16);
    d.write(&root, &mut out);
    String::from_utf8(out)
        .map_err(|_| PatchError::InvalidJson { input: JsonInput::Document, message: "internal error: output is not UTF-8".into() })
}

/// The error for a text the validator rejected: `serde_json`'s own message, so both
/// implementations report the same thing.
#[cold]
fn invalid_json(input: JsonInput, text: &str) -> PatchError {
    let message = match serde_json::from_str::<Value>(text) {
        Err(e) => e.to_string(),
        Ok(_) => "not accepted by the validator".into(),
    };
    PatchError::InvalidJson { input, message }
}

/// Parses the patch text without building values: validates it, then reads each operation's
/// members from the text. The checks and their order are those of `parse_operation` (the
/// differential test holds them equal); `value`s stay spans of the patch text.
fn parse_patch(text: &str) -> Result<(Source<'_>, Vec<TextOp>), PatchError> {
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
    fn parse_op(&self, index: usize, s: usize, e: usize) -> Result<TextOp, PatchError> {
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

    fn decode_string(&self, s: usize, e: usize) -> String {
        self.decode_str(s, e).into_owned()
    }

    /// The string literal at `s..e`, borrowed from the text when it has no escape.
    fn decode_str(&self, s: usize, e: usize) -> std::borrow::Cow<'_, str> {
        let inner = self.src.get(s + 1..e.saturating_sub(1)).unwrap_or_default();
        if !inner.contains(&b'\\') {
            return std::borrow::Cow::Borrowed(self.text.get(s + 1..e.saturating_sub(1)).unwrap_or_default());
        }
        std::borrow::Cow::Owned(serde_json::from_str::<String>(self.text.get(s..e).unwrap_or_default()).unwrap_or_default())
    }

    fn key_text<'k>(&'k self, k: &'k Key) -> std::borrow::Cow<'k, str> {
        match k {
            Key::Raw(_, s, e) => std::borrow::Cow::Borrowed(self.text.get(*s..*e).unwrap_or_default()),
            Key::Owned(s) => std::borrow::Cow::Borrowed(s.as_str()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[inline]
fn skip_ws(src: &[u8], mut i: usize) -> usize {
    while src.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

struct Frame {
    tape: usize,
    obj: bool,
    max_child: u8,
    nodes: usize,
}

/// Validates `src` as one JSON value with `serde_json`'s rules (nesting at most [`MAX_DEPTH`],
/// no control characters in strings, finite numbers, valid `\u` escapes). Returns the tape and
/// the root's span, or `None`.
fn validate(src: &[u8]) -> Option<(Tape, (usize, usize))> {
    let mut tape = Tape(Vec::with_capacity(src.len() / 32));
    let mut stack: Vec<Frame> = Vec::with_capacity(16);
    let mut i = skip_ws(src, 0);
    let root_start = i;
    'value: loop {
        // A value starts at `i` (whitespace already skipped).
        let b = *src.get(i)?;
        match b {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let obj = b == b'{';
                tape.0.push(Container { start: i, end: 0, nodes: 0, height: 0 });
                stack.push(Frame { tape: tape.0.len() - 1, obj, max_child: 0, nodes: 1 });
                i = skip_ws(src, i + 1);
                let close = if obj { b'}' } else { b']' };
                if src.get(i) == Some(&close) {
                    i += 1;
                    close_frame(&mut tape, &mut stack, i)?;
                } else if obj {
                    i = member_key(src, i)?;
                    continue 'value;
                } else {
                    continue 'value;
                }
            }
            b'"' => {
                i = string(src, i)?;
                scalar_done(&mut stack);
            }
            b'-' | b'0'..=b'9' => {
                i = number(src, i)?;
                scalar_done(&mut stack);
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
                scalar_done(&mut stack);
            }
            _ => return None,
        }
        // After a value: separators and closing brackets until the next value or the end.
        loop {
            let Some(top) = stack.last() else {
                let end = i;
                return (skip_ws(src, i) == src.len()).then_some((tape, (root_start, end)));
            };
            let obj = top.obj;
            i = skip_ws(src, i);
            match src.get(i) {
                Some(b',') => {
                    i = skip_ws(src, i + 1);
                    if obj {
                        i = member_key(src, i)?;
                    }
                    continue 'value;
                }
                Some(b'}') if obj => {
                    i += 1;
                    close_frame(&mut tape, &mut stack, i)?;
                }
                Some(b']') if !obj => {
                    i += 1;
                    close_frame(&mut tape, &mut stack, i)?;
                }
                _ => return None,
            }
        }
    }
}

fn scalar_done(stack: &mut [Frame]) {
    if let Some(top) = stack.last_mut() {
        top.nodes = top.nodes.saturating_add(1);
    }
}

fn close_frame(tape: &mut Tape, stack: &mut Vec<Frame>, end: usize) -> Option<()> {
    let f = stack.pop()?;
    let height = f.max_child.saturating_add(1);
    let c = tape.0.get_mut(f.tape)?;
    c.end = end;
    c.height = height;
    c.nodes = f.nodes;
    if let Some(parent) = stack.last_mut() {
        parent.max_child = parent.max_child.max(height);
        parent.nodes = parent.nodes.saturating_add(f.nodes);
    }
    Some(())
}

/// A member key and its colon, starting at `i`; returns where the value starts.
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
fn fingerprint(bytes: &[u8]) -> u64 {
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
        let text = core::str::from_utf8(src.get(start..end)?).ok()?;
        serde_json::from_str::<String>(text).ok()?;
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
        serde_json::from_str::<Number>(text).ok()?;
    }
    Some(i)
}

// ---------------------------------------------------------------------------------------------
// Navigation and operations over trusted (validated) text.

impl Source<'_> {
    fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    /// The index after the value starting at `i`.
    fn value_end(&self, i: usize) -> usize {
        match self.at(i) {
            b'{' | b'[' => self.tape.find(i).map_or(self.src.len(), |c| c.end),
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

    fn string_end(&self, start: usize) -> usize {
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
    fn only_between(&self, from: usize, to: usize, sep: u8) -> bool {
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

    fn key_of(&self, which: Src, start: usize, end: usize) -> Key {
        let inner = self.src.get(start + 1..end.saturating_sub(1)).unwrap_or_default();
        if !inner.contains(&b'\\') {
            return Key::Raw(which, start + 1, end.saturating_sub(1));
        }
        Key::Owned(self.decode_string(start, end))
    }

    /// The members of the object at `s..e`, in order, duplicates included.
    fn expand_object_raw(&self, which: Src, s: usize, e: usize) -> Vec<(Key, Node)> {
        let mut entries = Vec::with_capacity(16);
        let mut i = skip_ws(self.src, s + 1);
        while i < e && self.at(i) == b'"' {
            let ke = self.string_end(i);
            let key = self.key_of(which, i, ke);
            let mut j = skip_ws(self.src, ke);
            if self.at(j) == b':' {
                j = skip_ws(self.src, j + 1);
            }
            let ve = self.value_end(j);
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

    fn expand_array(&self, which: Src, s: usize, e: usize) -> Vec<Node> {
        let mut items = Vec::new();
        let mut i = skip_ws(self.src, s + 1);
        while i < e && self.at(i) != b']' {
            let ve = self.value_end(i);
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

impl Doc<'_> {
    fn source(&self, which: Src) -> &Source<'_> {
        match which {
            Src::Doc => &self.doc,
            Src::Patch => &self.patch,
        }
    }

    fn key_bytes<'k>(&'k self, k: &'k Key) -> &'k [u8] {
        match k {
            Key::Raw(w, s, e) => self.source(*w).src.get(*s..*e).unwrap_or_default(),
            Key::Owned(s) => s.as_bytes(),
        }
    }

    /// Turns a container node into `Obj`/`Arr` (children stay raw or values); scalars stay.
    fn expand(&self, node: &mut Node) {
        match node {
            Node::Raw(w, s, e) => {
                let (w, s, e) = (*w, *s, *e);
                let source = self.source(w);
                match source.at(s) {
                    b'{' => *node = Node::Obj(self.merge_duplicates(source.expand_object_raw(w, s, e))),
                    b'[' => *node = Node::Arr(source.expand_array(w, s, e)),
                    _ => {}
                }
            }
            Node::Val(v @ (Value::Object(_) | Value::Array(_))) => match v.take() {
                Value::Object(m) => *node = Node::Obj(m.into_iter().map(|(k, v)| (Key::Owned(k), Node::Val(v))).collect()),
                Value::Array(a) => *node = Node::Arr(a.into_iter().map(Node::Val).collect()),
                _ => {}
            },
            _ => {}
        }
    }

    /// Duplicate keys: the last value wins, at the first key's place (as parsers do).
    fn merge_duplicates(&self, entries: Vec<(Key, Node)>) -> Vec<(Key, Node)> {
        if entries.len() < 2 {
            return entries;
        }
        let dup = if entries.len() <= 32 {
            // Compare cheap fingerprints pairwise; bytes only when two collide.
            let mut fps = [0u64; 32];
            for (slot, (k, _)) in fps.iter_mut().zip(&entries) {
                *slot = fingerprint(self.key_bytes(k));
            }
            let fp = fps.get(..entries.len()).unwrap_or_default();
            fp.iter().enumerate().any(|(i, a)| {
                fp.iter().enumerate().skip(i + 1).any(|(j, b)| {
                    a == b
                        && match (entries.get(i), entries.get(j)) {
                            (Some(x), Some(y)) => self.key_bytes(&x.0) == self.key_bytes(&y.0),
                            _ => false,
                        }
                })
            })
        } else {
            let mut keys: Vec<&[u8]> = entries.iter().map(|(k, _)| self.key_bytes(k)).collect();
            crate::sort::sort_by(&mut keys, |a, b| a.cmp(b));
            keys.windows(2).any(|w| w.first() == w.get(1))
        };
        if !dup {
            return entries;
        }
        let mut merged: Vec<(Key, Node)> = Vec::with_capacity(entries.len());
        let mut at: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::with_capacity(entries.len());
        for (k, v) in entries {
            let kb = self.key_bytes(&k).to_vec();
            match at.get(&kb).and_then(|&i| merged.get_mut(i)) {
                Some(slot) => slot.1 = v,
                None => {
                    at.insert(kb, merged.len());
                    merged.push((k, v));
                }
            }
        }
        merged
    }

    fn find_key(&self, entries: &[(Key, Node)], token: &str) -> Option<usize> {
        entries.iter().position(|(k, _)| self.key_bytes(k) == token.as_bytes())
    }

    /// The node at `tokens` (expanding the containers passed through), with the tree
    /// implementation's errors.
    fn resolve<'n>(&self, mut cur: &'n mut Node, tokens: &[String], index: usize, path: &Pointer) -> Result<&'n mut Node, PatchError> {
        for t in tokens {
            self.expand(cur);
            cur = match cur {
                Node::Obj(entries) => {
                    let i = self.find_key(entries, t).ok_or_else(|| not_found(index, path))?;
                    entries.get_mut(i).map(|e| &mut e.1).ok_or_else(|| not_found(index, path))?
                }
                Node::Arr(items) => {
                    let i = child_index(index, path, items.len(), t)?;
                    items.get_mut(i).ok_or_else(|| not_found(index, path))?
                }
                _ => return Err(not_found(index, path)),
            };
        }
        Ok(cur)
    }

    fn node_depth(&self, n: &Node) -> usize {
        match n {
            Node::Raw(w, s, _) => self.source(*w).tape.find(*s).map_or(0, |c| usize::from(c.height)),
            Node::Val(v) => depth(v),
            Node::Obj(entries) => 1 + entries.iter().map(|(_, c)| self.node_depth(c)).max().unwrap_or(0),
            Node::Arr(items) => 1 + items.iter().map(|c| self.node_depth(c)).max().unwrap_or(0),
        }
    }

    fn node_count(&self, n: &Node) -> usize {
        match n {
            Node::Raw(w, s, _) => self.source(*w).tape.find(*s).map_or(1, |c| c.nodes),
            Node::Val(v) => count_nodes(v),
            Node::Obj(entries) => entries.iter().fold(1usize, |acc, (_, c)| acc.saturating_add(self.node_count(c))),
            Node::Arr(items) => items.iter().fold(1usize, |acc, c| acc.saturating_add(self.node_count(c))),
        }
    }

    /// A node as a `Value` (for `test`).
    fn to_value(&self, n: &Node) -> Value {
        match n {
            Node::Raw(w, s, e) => self.source(*w).text.get(*s..*e).and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null),
            Node::Val(v) => v.clone(),
            Node::Obj(entries) => {
                // Inserted one by one (a later duplicate wins, as with `collect`): collecting
                // into the BTreeMap would link a stable sort just for this.
                let mut m = serde_json::Map::new();
                for (k, c) in entries {
                    m.insert(String::from_utf8_lossy(self.key_bytes(k)).into_owned(), self.to_value(c));
                }
                Value::Object(m)
            }
            Node::Arr(items) => Value::Array(items.iter().map(|c| self.to_value(c)).collect()),
        }
    }

    /// Whether two nodes are spans with identical bytes (then they are equal values; the
    /// converse does not hold, so this is only a fast path).
    fn same_text(&self, a: &Node, b: &Node) -> bool {
        match (a, b) {
            (Node::Raw(wa, sa, ea), Node::Raw(wb, sb, eb)) => {
                let ta = self.source(*wa).src.get(*sa..*ea);
                ta.is_some() && ta == self.source(*wb).src.get(*sb..*eb)
            }
            _ => false,
        }
    }

    fn check_depth(&self, index: usize, path: &Pointer, d: usize) -> Result<(), PatchError> {
        if path.tokens().len().saturating_add(d) > MAX_DEPTH {
            return Err(PatchError::TooDeep { index: Some(index), pointer: Some(path.as_str().into()) });
        }
        Ok(())
    }

    fn apply_one(&self, root: &mut Node, index: usize, top: &TextOp, copied: &mut usize) -> Result<(), PatchError> {
        let value = || top.value.map_or(Node::Val(Value::Null), |(s, e)| Node::Raw(Src::Patch, s, e));
        match &top.op {
            Operation::Add { path, .. } => {
                let v = value();
                self.check_depth(index, path, self.node_depth(&v))?;
                self.add(root, index, path, v)
            }
            Operation::Remove { path } => self.remove(root, index, path).map(drop),
            Operation::Replace { path, .. } => {
                let v = value();
                self.check_depth(index, path, self.node_depth(&v))?;
                *self.resolve(root, path.tokens(), index, path)? = v;
                Ok(())
            }
            Operation::Move { from, path } => {
                if from.is_proper_prefix_of(path) {
                    return Err(PatchError::MoveIntoChild { index, from: from.as_str().into(), pointer: path.as_str().into() });
                }
                if from.tokens() == path.tokens() {
                    return self.resolve(root, from.tokens(), index, from).map(drop);
                }
                let d = self.node_depth(self.resolve(root, from.tokens(), index, from)?);
                self.check_depth(index, path, d)?;
                let v = self.remove(root, index, from)?;
                self.add(root, index, path, v)
            }
            Operation::Copy { from, path } => {
                let v = self.resolve(root, from.tokens(), index, from)?;
                self.check_depth(index, path, self.node_depth(v))?;
                *copied = copied.saturating_add(self.node_count(v));
                if *copied > MAX_COPIED_NODES {
                    return Err(PatchError::TooLarge { index, pointer: path.as_str().into() });
                }
                let v = v.clone();
                self.add(root, index, path, v)
            }
            Operation::Test { path, .. } => {
                let want = value();
                let n = self.resolve(root, path.tokens(), index, path)?;
                if self.same_text(n, &want) || json_eq(&self.to_value(n), &self.to_value(&want)) {
                    Ok(())
                } else {
                    Err(PatchError::TestFailed { index, pointer: path.as_str().into() })
                }
            }
        }
    }

    fn parent<'n, 'p>(&self, root: &'n mut Node, index: usize, path: &'p Pointer) -> Result<(&'n mut Node, &'p str), PatchError> {
        let (last, init) = path.tokens().split_last().ok_or(PatchError::CannotRemoveRoot { index })?;
        let parent = self.resolve(root, init, index, path)?;
        self.expand(parent);
        Ok((parent, last.as_str()))
    }

    fn add(&self, root: &mut Node, index: usize, path: &Pointer, value: Node) -> Result<(), PatchError> {
        if path.is_root() {
            *root = value;
            return Ok(());
        }
        let (parent, last) = self.parent(root, index, path)?;
        match parent {
            Node::Obj(entries) => {
                match self.find_key(entries, last) {
                    Some(i) => {
                        if let Some(e) = entries.get_mut(i) {
                            e.1 = value;
                        }
                    }
                    None => entries.push((Key::Owned(last.to_owned()), value)),
                }
                Ok(())
            }
            Node::Arr(items) => match array_index(last) {
                Some(ArrayIndex::End) => {
                    items.push(value);
                    Ok(())
                }
                Some(ArrayIndex::At(i)) if i <= items.len() => {
                    items.insert(i, value);
                    Ok(())
                }
                Some(ArrayIndex::At(_)) => Err(PatchError::IndexOutOfBounds { index, pointer: path.as_str().into() }),
                None => Err(PatchError::InvalidArrayIndex { index, pointer: path.as_str().into() }),
            },
            _ => Err(not_found(index, path)),
        }
    }

    fn remove(&self, root: &mut Node, index: usize, path: &Pointer) -> Result<Node, PatchError> {
        let (parent, last) = self.parent(root, index, path)?;
        match parent {
            Node::Obj(entries) => {
                let i = self.find_key(entries, last).ok_or_else(|| not_found(index, path))?;
                Ok(entries.remove(i).1)
            }
            Node::Arr(items) => {
                let i = child_index(index, path, items.len(), last)?;
                Ok(items.remove(i))
            }
            _ => Err(not_found(index, path)),
        }
    }

    fn write(&self, n: &Node, out: &mut Vec<u8>) {
        match n {
            Node::Raw(w, s, e) => out.extend_from_slice(self.source(*w).src.get(*s..*e).unwrap_or_default()),
            Node::Val(v) => {
                // Serialising a Value cannot fail (string keys only).
                out.extend_from_slice(&serde_json::to_vec(v).unwrap_or_default());
            }
            Node::Obj(entries) => {
                out.push(b'{');
                let mut i = 0;
                while let Some((k, c)) = entries.get(i) {
                    if i > 0 {
                        out.push(b',');
                    }
                    // A run of members still as they were in one text (same order, nothing
                    // removed between them) is copied in one piece, separators included.
                    // (A member is "as it was" when its value still directly follows its key:
                    // after a duplicate key is merged, the first key holds a later value.)
                    if let (Key::Raw(w, ks, ke), Node::Raw(wv, vs, mut end)) = (k, c) {
                        let source = self.source(*w);
                        if w == wv && source.only_between(ke + 1, *vs, b':') {
                            let mut j = i + 1;
                            while let Some((Key::Raw(w2, ks2, ke2), Node::Raw(wv2, vs2, ve2))) = entries.get(j) {
                                if w2 != w
                                    || wv2 != w
                                    || !source.only_between(end, ks2.saturating_sub(1), b',')
                                    || !source.only_between(ke2 + 1, *vs2, b':')
                                {
                                    break;
                                }
                                end = *ve2;
                                j += 1;
                            }
                            out.extend_from_slice(source.src.get(ks.saturating_sub(1)..end).unwrap_or_default());
                            i = j;
                            continue;
                        }
                    }
                    match k {
                        Key::Raw(..) => {
                            out.push(b'"');
                            out.extend_from_slice(self.key_bytes(k));
                            out.push(b'"');
                        }
                        Key::Owned(s) => {
                            out.extend_from_slice(&serde_json::to_vec(s).unwrap_or_default());
                        }
                    }
                    out.push(b':');
                    self.write(c, out);
                    i += 1;
                }
                out.push(b'}');
            }
            Node::Arr(items) => {
                out.push(b'[');
                let mut i = 0;
                while let Some(c) = items.get(i) {
                    if i > 0 {
                        out.push(b',');
                    }
                    if let Node::Raw(w, s, mut end) = *c {
                        let source = self.source(w);
                        let mut j = i + 1;
                        while let Some(&Node::Raw(w2, s2, e2)) = items.get(j) {
                            if w2 != w || !source.only_between(end, s2, b',') {
                                break;
                            }
                            end = e2;
                            j += 1;
                        }
                        out.extend_from_slice(source.src.get(s..end).unwrap_or_default());
                        i = j;
                        continue;
                    }
                    self.write(c, out);
                    i += 1;
                }
                out.push(b']');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_agrees_with_serde_json() {
        let cases = [
            "1",
            " 1 ",
            "-0",
            "01",
            "1.",
            ".5",
            "1e5",
            "1E+5",
            "1e",
            "-",
            "+1",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678901234567890",
            "true",
            "tru",
            "null",
            "nul",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\"\\ud800\\udc00\"",
            "\"\\udc00\"",
            "\"\\x\"",
            "\"a\nb\"",
            "\"\\u12\"",
            "[]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{}",
            "{\"a\":1}",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":1}x",
            "[1]]",
            "[[]",
            "",
            " ",
            "{\"a\":[1,{\"b\":null}]}",
            "\"\\/\"",
            "[1,2,3]\n",
            "\u{feff}1",
            "[\"é\"]",
            "1e308",
            "1e309",
            "9e307",
            "0e99999",
            "1e-99999999999999999999",
            "1.5e99",
            "-1e99",
            "\"abcdefghijklmnop\\\"qrstuvwxyz\"",
            "\"abcdefgh\u{1}ijklmnop\"",
            "\"0123456789abcdef0123456789\"",
            "[\"abcdefgh\\\\\",\"x\"]",
        ];
        for c in cases {
            let mine = validate(c.as_bytes()).is_some();
            let theirs = serde_json::from_str::<Value>(c).is_ok();
            assert_eq!(mine, theirs, "{c:?}");
        }
    }

    #[test]
    fn depth_limit_matches_serde_json() {
        for n in [126, 127, 128, 129] {
            let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
            assert_eq!(validate(text.as_bytes()).is_some(), serde_json::from_str::<Value>(&text).is_ok(), "{n}");
        }
    }

    #[test]
    fn keeps_untouched_bytes() {
        let doc = "{ \"b\" : 1.50, \"a\": [1, 2 ,3], \"k\\u0041\": {\"x\" : 1e2} }";
        let out = apply(doc, r#"[{"op":"add","path":"/a/1","value":9},{"op":"replace","path":"/kA/x","value":7}]"#).unwrap();
        // Expanded containers keep the untouched runs of members as written.
        assert_eq!(out, r#"{"b" : 1.50,"a":[1,9,2 ,3],"kA":{"x":7}}"#);
        let out = apply(doc, "[]").unwrap();
        assert_eq!(out, doc.trim());
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let out = apply(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"test","path":"/a","value":3}]"#).unwrap();
        assert_eq!(out, r#"{"a":3,"b":2}"#); // the root was expanded on the way to /a
        let out = apply(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"add","path":"/c","value":0}]"#).unwrap();
        assert_eq!(out, r#"{"a":3,"b":2,"c":0}"#);
        let out = apply(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"remove","path":"/b"}]"#).unwrap();
        assert_eq!(out, r#"{"a":3}"#);
    }
}
