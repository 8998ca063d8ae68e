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
//!
//! The work is split by concept: [`scan`] validates and reads text (the tape, the operations of
//! the patch text, navigation over validated spans), [`splice`] applies the operations to the
//! node tree and writes the result.

use serde_json::Value;

use super::{JsonInput, Operation, PatchError};


mod scan;
mod splice;
#[cfg(test)]
mod tests;

use scan::{invalid_json, parse_patch, validate};

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

    /// [`Tape::find`] for a container at or after the one at index `*hint` (the siblings of an
    /// expanded container come in document order): a galloping search from the hint, so a
    /// container's children cost a few probes each instead of a binary search of the whole
    /// tape. Leaves `*hint` after the container found.
    fn find_from(&self, start: usize, hint: &mut usize) -> Option<&Container> {
        let tail = self.0.get(*hint..).unwrap_or_default();
        let i = if *hint == 0 {
            tail.binary_search_by_key(&start, |c| c.start).ok()?
        } else {
            // Probe 1, 2, 4, … entries ahead until one starts at or after `start`, then search
            // between the last two probes.
            let (mut lo, mut hi) = (0usize, 0usize);
            while tail.get(hi).is_some_and(|c| c.start < start) {
                lo = hi + 1;
                hi = hi.saturating_mul(2).saturating_add(1);
            }
            let window = tail.get(lo..hi.saturating_add(1).min(tail.len())).unwrap_or_default();
            lo + window.binary_search_by_key(&start, |c| c.start).ok()?
        };
        *hint += i + 1;
        tail.get(i)
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

/// `flat`: write the whole text into [`Spliced::generated`] (one piece), as a host that wants
/// the text in one buffer needs; otherwise untouched spans stay references into the inputs.
pub(super) fn apply(doc_text: &str, patch_text: &str, flat: bool) -> Result<Spliced, PatchError> {
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
    let mut out = if flat {
        Spliced { pieces: Vec::new(), generated: Vec::with_capacity(doc_text.len() + patch_text.len() + 16), flat: true }
    } else {
        Spliced { pieces: Vec::with_capacity(64), generated: Vec::new(), flat: false }
    };
    d.write(&root, &mut out);
    Ok(out)
}

/// Where one piece of a patched text comes from: a byte range of the document, of the patch,
/// or of [`Spliced::generated`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes `start..end` of the document text.
    Document(usize, usize),
    /// Bytes `start..end` of the patch text.
    Patch(usize, usize),
    /// Bytes `start..end` of [`Spliced::generated`].
    Generated(usize, usize),
}

/// A patched text as the pieces it is made of, in order: untouched spans of the document and
/// values of the patch by reference, and the text written anew (expanded containers'
/// punctuation, escaped keys, serialised values) in [`Spliced::generated`]. A host holding the
/// inputs as strings can join the pieces without copying the untouched text (the wasm facade
/// builds a JS string from slices of its arguments); [`Spliced::join`] makes the text.
#[derive(Debug)]
pub struct Spliced {
    /// The pieces in output order (adjacent spans of one source already merged).
    pub pieces: Vec<Piece>,
    /// UTF-8 text (always whole characters: only complete JSON tokens are written).
    pub generated: Vec<u8>,
    /// Spans of the inputs are copied into `generated` too.
    flat: bool,
}

impl Spliced {
    fn raw(&mut self, w: Src, s: usize, e: usize, text: &[u8]) {
        if e <= s {
            return;
        }
        if self.flat {
            self.generated.extend_from_slice(text.get(s..e).unwrap_or_default());
            return;
        }
        match (self.pieces.last_mut(), w) {
            (Some(Piece::Document(_, end)), Src::Doc) | (Some(Piece::Patch(_, end)), Src::Patch) if *end == s => *end = e,
            _ => self.pieces.push(match w {
                Src::Doc => Piece::Document(s, e),
                Src::Patch => Piece::Patch(s, e),
            }),
        }
    }

    fn gen(&mut self, bytes: &[u8]) {
        if self.flat {
            self.generated.extend_from_slice(bytes);
            return;
        }
        let s = self.generated.len();
        self.generated.extend_from_slice(bytes);
        let e = self.generated.len();
        match self.pieces.last_mut() {
            Some(Piece::Generated(_, end)) if *end == s => *end = e,
            _ => self.pieces.push(Piece::Generated(s, e)),
        }
    }

    fn byte(&mut self, b: u8) {
        self.gen(&[b]);
    }

    /// The patched text: the pieces joined (`doc_text` and `patch_text` are the inputs given
    /// to the patch).
    pub fn join(self, doc_text: &str, patch_text: &str) -> Result<String, PatchError> {
        if self.flat {
            return utf8(self.generated);
        }
        let mut out = Vec::with_capacity(self.len());
        for p in &self.pieces {
            let bytes = match *p {
                Piece::Document(s, e) => doc_text.as_bytes().get(s..e),
                Piece::Patch(s, e) => patch_text.as_bytes().get(s..e),
                Piece::Generated(s, e) => self.generated.get(s..e),
            };
            out.extend_from_slice(bytes.unwrap_or_default());
        }
        utf8(out)
    }

    /// The length of the patched text in bytes.
    pub fn len(&self) -> usize {
        if self.flat {
            return self.generated.len();
        }
        self.pieces.iter().map(|p| match *p {
            Piece::Document(s, e) | Piece::Patch(s, e) | Piece::Generated(s, e) => e.saturating_sub(s),
        }).sum()
    }

    /// Whether the patched text is empty (never, for a valid result).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, PatchError> {
    String::from_utf8(bytes)
        .map_err(|_| PatchError::InvalidJson { input: JsonInput::Document, message: "internal error: output is not UTF-8".into() })
}

/// UTF-16 offsets of byte offsets in a UTF-8 text (what JS `String.prototype.slice` takes).
/// For an ASCII text both are the same; otherwise the count of UTF-16 units before every 4 KiB
/// block is kept, so one look-up reads at most 4 KiB.
pub struct Utf16Offsets<'a> {
    text: &'a [u8],
    /// `None`: the text is ASCII.
    blocks: Option<Vec<usize>>,
}

const UTF16_BLOCK: usize = 4096;

/// UTF-16 units in a run of whole or partial UTF-8 characters: one per leading byte, two per
/// 4-byte character's leading byte (a continuation byte counts for its character's leader).
fn utf16_units(bytes: &[u8]) -> usize {
    bytes.iter().map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0)).sum()
}

impl<'a> Utf16Offsets<'a> {
    /// `ascii`: the caller knows the text is ASCII (e.g. its UTF-16 length equals its byte
    /// length); otherwise the block table is built.
    pub fn new(text: &'a str, ascii: bool) -> Self {
        let text = text.as_bytes();
        if ascii || text.is_ascii() {
            return Utf16Offsets { text, blocks: None };
        }
        let mut blocks = Vec::with_capacity(text.len() / UTF16_BLOCK + 1);
        let mut units = 0usize;
        for chunk in text.chunks(UTF16_BLOCK) {
            blocks.push(units);
            units += utf16_units(chunk);
        }
        Utf16Offsets { text, blocks: Some(blocks) }
    }

    /// The UTF-16 offset of the byte offset `b` (a character boundary).
    pub fn at(&self, b: usize) -> usize {
        let Some(blocks) = &self.blocks else { return b };
        let block = b / UTF16_BLOCK;
        let base = blocks.get(block).copied().unwrap_or(0);
        base + utf16_units(self.text.get(block * UTF16_BLOCK..b).unwrap_or_default())
    }
}
