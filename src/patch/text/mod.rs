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
