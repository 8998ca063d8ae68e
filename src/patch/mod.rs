//! RFC 6902 JSON Patch over RFC 6901 pointers, atomic, and the token patch policy.
//!
//! Two implementations of one semantics:
//! - [`apply_patch`] works on a [`serde_json::Value`] tree. It is the reference: short, obviously
//!   correct, and atomic because it patches a copy (the input is never touched).
//! - [`apply_patch_json`] patches JSON *text*: it validates the document once, then expands only
//!   the containers on the paths the operations touch and splices every other byte through
//!   unchanged (key order and number spelling are kept). A differential test checks that both
//!   agree, on success and on failure.
//!
//! Semantics beyond the RFC's letter (all pinned by tests):
//! - numbers compare by value in `test` (`1` equals `1.0`);
//! - array indices are `0` or digits without a leading zero, or `-` (only meaningful for `add`);
//! - moving a value into one of its own children is an error (`move_into_child`);
//! - `remove` of the whole document (`""`) is an error (`cannot_remove_root`);
//! - nesting is limited to [`MAX_DEPTH`] and the values created by `copy` to [`MAX_COPIED_NODES`],
//!   so a small patch cannot blow up memory or the stack.
//!
//! Every error names the operation index and the pointer at fault (see [`PatchError`]).

use core::fmt;

use serde_json::{Map, Number, Value};

mod pointer;
pub mod policy;
mod text;
pub use text::{Piece, Spliced, Utf16Offsets};

pub use pointer::Pointer;
use pointer::{array_index, ArrayIndex};

/// The deepest nesting a document may have, before or after a patch (`[]` has depth 1). It is
/// the limit `serde_json` parses (127), so every patched document can be parsed again.
pub const MAX_DEPTH: usize = 127;

/// The most JSON values that `copy` operations of one patch may create in total.
pub const MAX_COPIED_NODES: usize = 1 << 20;

/// Which input a [`PatchError::InvalidJson`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonInput {
    /// The document to patch.
    Document,
    /// The patch (the array of operations).
    Patch,
}

impl JsonInput {
    fn name(self) -> &'static str {
        match self {
            JsonInput::Document => "document",
            JsonInput::Patch => "patch",
        }
    }
}

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PatchError {
    /// The document or patch text is not JSON.
    InvalidJson {
        /// Which input.
        input: JsonInput,
        /// What the parser said.
        message: String,
    },
    /// The patch is not an array of operations.
    NotAnArray,
    /// An operation is malformed: not an object, unknown `op`, a missing or mistyped member.
    InvalidOperation {
        /// Index of the operation.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A `path` or `from` is not a valid JSON Pointer (does not start with `/`, or a bad `~` escape).
    InvalidPointer {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
        /// What is wrong.
        message: &'static str,
    },
    /// The pointer names a location whose parent, or which itself, does not exist.
    PathNotFound {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
    },
    /// A reference token applied to an array is not an index (`01`, `1e0`, `-1`, `foo`).
    InvalidArrayIndex {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
    },
    /// An array index is past the end (for `add`: greater than the length; otherwise: not less).
    IndexOutOfBounds {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
    },
    /// `move` from a location into one of its own children.
    MoveIntoChild {
        /// Index of the operation.
        index: usize,
        /// The `from` pointer.
        from: String,
        /// The `path` pointer.
        pointer: String,
    },
    /// `remove` with the pointer `""`.
    CannotRemoveRoot {
        /// Index of the operation.
        index: usize,
    },
    /// A `test` operation found a different value.
    TestFailed {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
    },
    /// The document, or the document after an operation, nests deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Index of the operation, or `None` when the input document itself is too deep.
        index: Option<usize>,
        /// The pointer as written, when an operation is at fault.
        pointer: Option<String>,
    },
    /// The patch's `copy` operations would create more than [`MAX_COPIED_NODES`] values.
    TooLarge {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
    },
    /// Token policy: this path may not be changed through this API (immutable or unknown).
    ForbiddenPath {
        /// Index of the operation.
        index: usize,
        /// The pointer as written.
        pointer: String,
        /// Why, e.g. "immutable field".
        reason: &'static str,
    },
    /// Token policy: this operation is not allowed on this path (e.g. `remove /name`).
    ForbiddenOperation {
        /// Index of the operation.
        index: usize,
        /// The operation name.
        op: &'static str,
        /// The pointer as written.
        pointer: String,
    },
    /// Token policy: after the patch, a field has an invalid value.
    InvalidTokenField {
        /// The field as a pointer, e.g. `/name`.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// Token policy: the patch would move the expiry later (or remove it).
    ExpiryExtended {
        /// The field as a pointer, e.g. `/expiresAt`.
        pointer: String,
    },
    /// Token policy: the patched expiry is not after `now`.
    ExpiryInPast {
        /// The field as a pointer, e.g. `/expiresAt`.
        pointer: String,
    },
    /// Token policy: the patched scope grants more than the caller's own scope.
    ScopeNotCovered {
        /// The scope field, e.g. `/scope`.
        pointer: String,
        /// What the patched scope has beyond the caller's (from the scope engine).
        reason: String,
    },
    /// Token policy: no such dialect.
    UnknownDialect {
        /// The name given.
        name: String,
    },
}

impl PatchError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            PatchError::InvalidJson { .. } => "invalid_json",
            PatchError::NotAnArray => "invalid_patch",
            PatchError::InvalidOperation { .. } => "invalid_operation",
            PatchError::InvalidPointer { .. } => "invalid_pointer",
            PatchError::PathNotFound { .. } => "path_not_found",
            PatchError::InvalidArrayIndex { .. } => "invalid_array_index",
            PatchError::IndexOutOfBounds { .. } => "index_out_of_bounds",
            PatchError::MoveIntoChild { .. } => "move_into_child",
            PatchError::CannotRemoveRoot { .. } => "cannot_remove_root",
            PatchError::TestFailed { .. } => "test_failed",
            PatchError::TooDeep { .. } => "too_deep",
            PatchError::TooLarge { .. } => "patch_too_large",
            PatchError::ForbiddenPath { .. } => "patch_forbidden_path",
            PatchError::ForbiddenOperation { .. } => "patch_forbidden_operation",
            PatchError::InvalidTokenField { .. } => "invalid_token_field",
            PatchError::ExpiryExtended { .. } => "expiry_extended",
            PatchError::ExpiryInPast { .. } => "expiry_in_past",
            PatchError::ScopeNotCovered { .. } => "scope_not_covered",
            PatchError::UnknownDialect { .. } => "unknown_dialect",
        }
    }

    /// The index of the failing operation, when the error is about one operation.
    pub fn operation_index(&self) -> Option<usize> {
        match self {
            PatchError::InvalidOperation { index, .. }
            | PatchError::InvalidPointer { index, .. }
            | PatchError::PathNotFound { index, .. }
            | PatchError::InvalidArrayIndex { index, .. }
            | PatchError::IndexOutOfBounds { index, .. }
            | PatchError::MoveIntoChild { index, .. }
            | PatchError::CannotRemoveRoot { index }
            | PatchError::TestFailed { index, .. }
            | PatchError::TooLarge { index, .. }
            | PatchError::ForbiddenPath { index, .. }
            | PatchError::ForbiddenOperation { index, .. } => Some(*index),
            PatchError::TooDeep { index, .. } => *index,
            _ => None,
        }
    }

    /// The JSON Pointer at fault, when there is one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            PatchError::InvalidPointer { pointer, .. }
            | PatchError::PathNotFound { pointer, .. }
            | PatchError::InvalidArrayIndex { pointer, .. }
            | PatchError::IndexOutOfBounds { pointer, .. }
            | PatchError::MoveIntoChild { pointer, .. }
            | PatchError::TestFailed { pointer, .. }
            | PatchError::TooLarge { pointer, .. }
            | PatchError::ForbiddenPath { pointer, .. }
            | PatchError::ForbiddenOperation { pointer, .. }
            | PatchError::InvalidTokenField { pointer, .. }
            | PatchError::ExpiryExtended { pointer }
            | PatchError::ExpiryInPast { pointer }
            | PatchError::ScopeNotCovered { pointer, .. } => Some(pointer),
            PatchError::CannotRemoveRoot { .. } => Some(""),
            PatchError::TooDeep { pointer, .. } => pointer.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::InvalidJson { input, message } => write!(f, "the {} is not valid JSON: {message}", input.name()),
            PatchError::NotAnArray => f.write_str("a JSON patch must be an array of operations"),
            PatchError::InvalidOperation { index, message } => write!(f, "operation {index} is invalid: {message}"),
            PatchError::InvalidPointer { index, pointer, message } => {
                write!(f, "operation {index}: invalid JSON pointer '{pointer}': {message}")
            }
            PatchError::PathNotFound { index, pointer } => write!(f, "operation {index}: path '{pointer}' does not exist"),
            PatchError::InvalidArrayIndex { index, pointer } => {
                write!(f, "operation {index}: path '{pointer}' uses an invalid array index")
            }
            PatchError::IndexOutOfBounds { index, pointer } => {
                write!(f, "operation {index}: array index in '{pointer}' is out of bounds")
            }
            PatchError::MoveIntoChild { index, from, pointer } => {
                write!(f, "operation {index}: cannot move '{from}' into its own child '{pointer}'")
            }
            PatchError::CannotRemoveRoot { index } => write!(f, "operation {index}: cannot remove the whole document"),
            PatchError::TestFailed { index, pointer } => write!(f, "operation {index}: test failed at '{pointer}'"),
            PatchError::TooDeep { index: Some(index), pointer } => write!(
                f,
                "operation {index}: the result at '{}' would nest deeper than {MAX_DEPTH} levels",
                pointer.as_deref().unwrap_or("")
            ),
            PatchError::TooDeep { index: None, .. } => write!(f, "the document nests deeper than {MAX_DEPTH} levels"),
            PatchError::TooLarge { index, pointer } => {
                write!(f, "operation {index}: copying to '{pointer}' would create more than {MAX_COPIED_NODES} values")
            }
            PatchError::ForbiddenPath { index, pointer, reason } => {
                write!(f, "operation {index}: path '{pointer}' may not be changed ({reason})")
            }
            PatchError::ForbiddenOperation { index, op, pointer } => {
                write!(f, "operation {index}: '{op}' is not allowed on '{pointer}'")
            }
            PatchError::InvalidTokenField { pointer, message } => write!(f, "invalid token field '{pointer}': {message}"),
            PatchError::ExpiryExtended { pointer } => {
                write!(f, "'{pointer}' may only be shortened by a patch, not extended or removed")
            }
            PatchError::ExpiryInPast { pointer } => write!(f, "'{pointer}' must be in the future"),
            PatchError::ScopeNotCovered { pointer, reason } => {
                write!(f, "the patched scope at '{pointer}' is not covered by the caller's scope: {reason}")
            }
            PatchError::UnknownDialect { name } => write!(f, "unknown token patch dialect '{name}'"),
        }
    }
}

impl std::error::Error for PatchError {}

/// One RFC 6902 operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Adds `value` at `path` (inserting into arrays, replacing object members).
    Add {
        /// Where.
        path: Pointer,
        /// What.
        value: Value,
    },
    /// Removes the value at `path`.
    Remove {
        /// Where.
        path: Pointer,
    },
    /// Replaces the existing value at `path`.
    Replace {
        /// Where.
        path: Pointer,
        /// The new value.
        value: Value,
    },
    /// Removes the value at `from` and adds it at `path`.
    Move {
        /// Source.
        from: Pointer,
        /// Target.
        path: Pointer,
    },
    /// Adds a copy of the value at `from` at `path`.
    Copy {
        /// Source.
        from: Pointer,
        /// Target.
        path: Pointer,
    },
    /// Checks that the value at `path` equals `value` (numbers by value).
    Test {
        /// Where.
        path: Pointer,
        /// The expected value.
        value: Value,
    },
}

impl Operation {
    /// The operation's name as in the patch (`"add"`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Add { .. } => "add",
            Operation::Remove { .. } => "remove",
            Operation::Replace { .. } => "replace",
            Operation::Move { .. } => "move",
            Operation::Copy { .. } => "copy",
            Operation::Test { .. } => "test",
        }
    }

    /// The target pointer (`path`).
    pub fn path(&self) -> &Pointer {
        match self {
            Operation::Add { path, .. }
            | Operation::Remove { path }
            | Operation::Replace { path, .. }
            | Operation::Move { path, .. }
            | Operation::Copy { path, .. }
            | Operation::Test { path, .. } => path,
        }
    }

    /// The source pointer (`from`) of `move` and `copy`.
    pub fn from(&self) -> Option<&Pointer> {
        match self {
            Operation::Move { from, .. } | Operation::Copy { from, .. } => Some(from),
            _ => None,
        }
    }

    /// The operation's `value`, for `add`, `replace` and `test`.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Operation::Add { value, .. } | Operation::Replace { value, .. } | Operation::Test { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The operation as JSON (`{"op":…, "path":…, …}`).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("op".into(), Value::String(self.name().into()));
        if let Some(from) = self.from() {
            m.insert("from".into(), Value::String(from.as_str().into()));
        }
        m.insert("path".into(), Value::String(self.path().as_str().into()));
        if let Some(v) = self.value() {
            m.insert("value".into(), v.clone());
        }
        Value::Object(m)
    }
}

/// Parses a patch (a JSON array of operation objects) into [`Operation`]s.
///
/// Members other than `op`, `path`, `from` and `value` are ignored (RFC 6902 §4). `value` may be
/// `null` but must be present for `add`, `replace` and `test`.
///
/// # Errors
/// [`PatchError::NotAnArray`], [`PatchError::InvalidOperation`] or [`PatchError::InvalidPointer`],
/// naming the first bad operation. A document that is deeper than [`MAX_DEPTH`] in a `value`
/// gives [`PatchError::TooDeep`].
pub fn parse_operations(patch: &Value) -> Result<Vec<Operation>, PatchError> {
    let items = patch.as_array().ok_or(PatchError::NotAnArray)?;
    items.iter().enumerate().map(|(i, v)| parse_operation(i, v)).collect()
}

/// Parses patch text. See [`parse_operations`].
///
/// # Errors
/// [`PatchError::InvalidJson`] (with `input` = patch) and the errors of [`parse_operations`].
pub fn parse_patch_json(text: &str) -> Result<Vec<Operation>, PatchError> {
    let v: Value = serde_json::from_str(text).map_err(|e| PatchError::InvalidJson { input: JsonInput::Patch, message: e.to_string() })?;
    parse_operations(&v)
}

fn parse_operation(index: usize, v: &Value) -> Result<Operation, PatchError> {
    let bad = |message: String| PatchError::InvalidOperation { index, message };
    let obj = v.as_object().ok_or_else(|| bad("an operation must be an object".into()))?;
    let op = match obj.get("op") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(bad("'op' must be a string".into())),
        None => return Err(bad("missing 'op'".into())),
    };
    let pointer = |member: &str| -> Result<Pointer, PatchError> {
        match obj.get(member) {
            Some(Value::String(s)) => {
                Pointer::parse(s).map_err(|message| PatchError::InvalidPointer { index, pointer: s.clone(), message })
            }
            Some(_) => Err(bad(format!("'{member}' must be a string"))),
            None => Err(bad(format!("missing '{member}'"))),
        }
    };
    let value = || -> Result<Value, PatchError> { obj.get("value").cloned().ok_or_else(|| bad(format!("missing 'value' for '{op}'"))) };
    let operation = match op {
        "add" => Operation::Add { path: pointer("path")?, value: value()? },
        "remove" => Operation::Remove { path: pointer("path")? },
        "replace" => Operation::Replace { path: pointer("path")?, value: value()? },
        "move" => Operation::Move { from: pointer("from")?, path: pointer("path")? },
        "copy" => Operation::Copy { from: pointer("from")?, path: pointer("path")? },
        "test" => Operation::Test { path: pointer("path")?, value: value()? },
        other => {
            let mut shown: String = other.chars().take(32).collect();
            if shown.len() < other.len() {
                shown.push('…');
            }
            return Err(bad(format!("unknown op '{shown}'")));
        }
    };
    if let Some(v) = operation.value() {
        if depth(v) > MAX_DEPTH {
            return Err(PatchError::TooDeep { index: Some(index), pointer: Some(operation.path().as_str().into()) });
        }
    }
    Ok(operation)
}

// ---------------------------------------------------------------------------------------------
// Value helpers shared by both implementations.

/// JSON equality with numbers compared by value: `1 == 1.0`, `-0 == 0`; exact for integer
/// literals of any size (no rounding through `f64`). Literals with a fraction or exponent compare
/// as the `f64` serde_json parsed, which may differ in the last place from the correctly rounded
/// one for a mantissa past 2^53 or a large exponent (docs/patch.md).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_eq(x, y),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w))),
        _ => a == b,
    }
}

fn number_eq(a: &Number, b: &Number) -> bool {
    match (integral(a), integral(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

/// The number as an exact integer, when it is one (floats with no fraction within ±2^120).
fn integral(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    const LIMIT: f64 = 1.329_227_995_784_916e36; // 2^120
    if f.fract() == 0.0 && f.abs() < LIMIT {
        // In range and integral, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        return Some(f as i128);
    }
    None
}

/// The nesting depth of `v` (scalars 0, `[]` 1, `[[1]]` 2). Iterative: safe on any input.
pub fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Array(a) => {
                max = max.max(d + 1);
                stack.extend(a.iter().map(|c| (c, d + 1)));
            }
            Value::Object(o) => {
                max = max.max(d + 1);
                stack.extend(o.values().map(|c| (c, d + 1)));
            }
            _ => {}
        }
    }
    max
}

/// The number of JSON values in `v`, itself included. Iterative.
pub(crate) fn count_nodes(v: &Value) -> usize {
    let mut n = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n = n.saturating_add(1);
        match v {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// The tree implementation (the reference).

/// Applies `ops` to a copy of `doc` and returns the patched copy; `doc` is never modified.
///
/// # Errors
/// The first failing operation's error ([`PatchError`] carries its index and pointer); nothing
/// of the patch is applied then. [`PatchError::TooDeep`] with no index if `doc` itself nests
/// deeper than [`MAX_DEPTH`].
///
/// # Example
/// ```
/// use serde_json::json;
/// use tokenkit::patch::{apply_patch, parse_operations};
/// let doc = json!({"name": "ci", "tags": ["a"]});
/// let ops = parse_operations(&json!([
///     {"op": "replace", "path": "/name", "value": "deploy"},
///     {"op": "add", "path": "/tags/-", "value": "b"},
/// ])).unwrap();
/// assert_eq!(apply_patch(&doc, &ops).unwrap(), json!({"name": "deploy", "tags": ["a", "b"]}));
///
/// let failing = parse_operations(&json!([{"op": "test", "path": "/name", "value": "x"}])).unwrap();
/// let err = apply_patch(&doc, &failing).unwrap_err();
/// assert_eq!((err.code(), err.operation_index(), err.pointer()), ("test_failed", Some(0), Some("/name")));
/// ```
pub fn apply_patch(doc: &Value, ops: &[Operation]) -> Result<Value, PatchError> {
    if depth(doc) > MAX_DEPTH {
        return Err(PatchError::TooDeep { index: None, pointer: None });
    }
    let mut work = doc.clone();
    let mut copied = 0usize;
    for (index, op) in ops.iter().enumerate() {
        apply_one(&mut work, index, op, &mut copied)?;
    }
    Ok(work)
}

/// Parses `doc_text` and `patch_text`, applies the patch with the tree implementation, and
/// serialises the result compactly (keys in `serde_json`'s map order). [`apply_patch_json`] is
/// the fast path with the same semantics; this one is its reference.
///
/// # Errors
/// [`PatchError::InvalidJson`] for either input, then as [`apply_patch`].
pub fn apply_patch_json_tree(doc_text: &str, patch_text: &str) -> Result<String, PatchError> {
    let doc: Value =
        serde_json::from_str(doc_text).map_err(|e| PatchError::InvalidJson { input: JsonInput::Document, message: e.to_string() })?;
    let ops = parse_patch_json(patch_text)?;
    let out = apply_patch(&doc, &ops)?;
    Ok(out.to_string())
}

/// Patches JSON text: `doc_text` with the operations in `patch_text`, returning the new text.
///
/// Only the containers on the paths the operations touch are parsed; everything else is copied
/// through byte for byte (so key order, number spelling and the formatting of untouched parts
/// are kept; touched containers are written compactly). Semantics and errors are those of
/// [`apply_patch`], which a differential test checks.
///
/// # Errors
/// [`PatchError::InvalidJson`] for either input (the whole document is validated), then the
/// first failing operation's error; the result is all-or-nothing.
///
/// # Example
/// ```
/// use tokenkit::patch::apply_patch_json;
/// let out = apply_patch_json(
///     r#"{"name":"ci","n":1.50,"scope":{"ops":["read"]}}"#,
///     r#"[{"op":"add","path":"/scope/ops/-","value":"write"}]"#,
/// ).unwrap();
/// assert_eq!(out, r#"{"name":"ci","n":1.50,"scope":{"ops":["read","write"]}}"#);
/// ```
pub fn apply_patch_json(doc_text: &str, patch_text: &str) -> Result<String, PatchError> {
    text::apply(doc_text, patch_text, true)?.join(doc_text, patch_text)
}

/// [`apply_patch_json`] without joining the result: the patched text as [`Spliced`] pieces
/// (spans of the two inputs and newly written text), for a host that can join them without
/// copying the untouched text (the wasm facade slices its JS string arguments).
///
/// # Errors
/// Those of [`apply_patch_json`].
pub fn apply_patch_json_pieces(doc_text: &str, patch_text: &str) -> Result<Spliced, PatchError> {
    text::apply(doc_text, patch_text, false)
}

fn apply_one(doc: &mut Value, index: usize, op: &Operation, copied: &mut usize) -> Result<(), PatchError> {
    match op {
        Operation::Add { path, value } => {
            check_depth(index, path, value)?;
            add(doc, index, path, value.clone())
        }
        Operation::Remove { path } => remove(doc, index, path).map(drop),
        Operation::Replace { path, value } => {
            check_depth(index, path, value)?;
            let slot = get_mut(doc, index, path)?;
            *slot = value.clone();
            Ok(())
        }
        Operation::Move { from, path } => {
            if from.is_proper_prefix_of(path) {
                return Err(PatchError::MoveIntoChild { index, from: from.as_str().into(), pointer: path.as_str().into() });
            }
            if from == path || from.tokens() == path.tokens() {
                // Moving a value onto itself: it must exist, and nothing changes.
                return get_mut(doc, index, from).map(drop);
            }
            check_depth(index, path, get(doc, index, from)?)?;
            let v = remove(doc, index, from)?;
            add(doc, index, path, v)
        }
        Operation::Copy { from, path } => {
            let v = get(doc, index, from)?;
            check_depth(index, path, v)?;
            *copied = copied.saturating_add(count_nodes(v));
            if *copied > MAX_COPIED_NODES {
                return Err(PatchError::TooLarge { index, pointer: path.as_str().into() });
            }
            let v = v.clone();
            add(doc, index, path, v)
        }
        Operation::Test { path, value } => {
            if json_eq(get(doc, index, path)?, value) {
                Ok(())
            } else {
                Err(PatchError::TestFailed { index, pointer: path.as_str().into() })
            }
        }
    }
}

fn check_depth(index: usize, path: &Pointer, v: &Value) -> Result<(), PatchError> {
    if path.tokens().len().saturating_add(depth(v)) > MAX_DEPTH {
        return Err(PatchError::TooDeep { index: Some(index), pointer: Some(path.as_str().into()) });
    }
    Ok(())
}

fn not_found(index: usize, path: &Pointer) -> PatchError {
    PatchError::PathNotFound { index, pointer: path.as_str().into() }
}

/// Resolves one reference token in a container, for reading (the element must exist).
fn child_index(index: usize, path: &Pointer, len: usize, token: &str) -> Result<usize, PatchError> {
    match array_index(token) {
        Some(ArrayIndex::At(i)) if i < len => Ok(i),
        Some(_) => Err(PatchError::IndexOutOfBounds { index, pointer: path.as_str().into() }),
        None => Err(PatchError::InvalidArrayIndex { index, pointer: path.as_str().into() }),
    }
}

fn get<'a>(doc: &'a Value, index: usize, path: &Pointer) -> Result<&'a Value, PatchError> {
    let mut cur = doc;
    for t in path.tokens() {
        cur = match cur {
            Value::Object(m) => m.get(t.as_str()).ok_or_else(|| not_found(index, path))?,
            Value::Array(a) => {
                let i = child_index(index, path, a.len(), t)?;
                a.get(i).ok_or_else(|| not_found(index, path))?
            }
            _ => return Err(not_found(index, path)),
        };
    }
    Ok(cur)
}

fn get_mut<'a>(doc: &'a mut Value, index: usize, path: &Pointer) -> Result<&'a mut Value, PatchError> {
    let mut cur = doc;
    for t in path.tokens() {
        cur = match cur {
            Value::Object(m) => m.get_mut(t.as_str()).ok_or_else(|| not_found(index, path))?,
            Value::Array(a) => {
                let i = child_index(index, path, a.len(), t)?;
                a.get_mut(i).ok_or_else(|| not_found(index, path))?
            }
            _ => return Err(not_found(index, path)),
        };
    }
    Ok(cur)
}

/// The parent container of `path` (which must not be the root) and the last token.
fn parent_mut<'a, 'p>(doc: &'a mut Value, index: usize, path: &'p Pointer) -> Result<(&'a mut Value, &'p str), PatchError> {
    let (last, init) = path.tokens().split_last().ok_or(PatchError::CannotRemoveRoot { index })?;
    let mut cur = doc;
    for t in init {
        cur = match cur {
            Value::Object(m) => m.get_mut(t.as_str()).ok_or_else(|| not_found(index, path))?,
            Value::Array(a) => {
                let i = child_index(index, path, a.len(), t)?;
                a.get_mut(i).ok_or_else(|| not_found(index, path))?
            }
            _ => return Err(not_found(index, path)),
        };
    }
    Ok((cur, last.as_str()))
}

fn add(doc: &mut Value, index: usize, path: &Pointer, value: Value) -> Result<(), PatchError> {
    if path.is_root() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = parent_mut(doc, index, path)?;
    match parent {
        Value::Object(m) => {
            m.insert(last.to_owned(), value);
            Ok(())
        }
        Value::Array(a) => match array_index(last) {
            Some(ArrayIndex::End) => {
                a.push(value);
                Ok(())
            }
            Some(ArrayIndex::At(i)) if i <= a.len() => {
                a.insert(i, value);
                Ok(())
            }
            Some(ArrayIndex::At(_)) => Err(PatchError::IndexOutOfBounds { index, pointer: path.as_str().into() }),
            None => Err(PatchError::InvalidArrayIndex { index, pointer: path.as_str().into() }),
        },
        _ => Err(not_found(index, path)),
    }
}

fn remove(doc: &mut Value, index: usize, path: &Pointer) -> Result<Value, PatchError> {
    let (parent, last) = parent_mut(doc, index, path)?;
    match parent {
        Value::Object(m) => m.remove(last).ok_or_else(|| not_found(index, path)),
        Value::Array(a) => {
            let i = child_index(index, path, a.len(), last)?;
            Ok(a.remove(i))
        }
        _ => Err(not_found(index, path)),
    }
}

#[cfg(test)]
mod tests;
