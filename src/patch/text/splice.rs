//! Splicing: applying the operations to the node tree (expanding only the containers a pointer
//! passes through) and writing the result, raw spans byte for byte.

use serde_json::Value;

use super::scan::fingerprint;
use super::{Doc, Key, Node, Source, Spliced, Src, TextOp};
use crate::patch::pointer::{array_index, ArrayIndex};
use crate::patch::{child_index, count_nodes, depth, json_eq, not_found, Operation, PatchError, Pointer, MAX_COPIED_NODES, MAX_DEPTH};

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

    pub(super) fn apply_one(&self, root: &mut Node, index: usize, top: &TextOp, copied: &mut usize) -> Result<(), PatchError> {
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

    pub(super) fn write(&self, n: &Node, out: &mut Spliced) {
        match n {
            Node::Raw(w, s, e) => out.raw(*w, *s, *e, self.source(*w).src),
            Node::Val(v) => {
                // Serialising a Value cannot fail (string keys only).
                out.gen(&serde_json::to_vec(v).unwrap_or_default());
            }
            Node::Obj(entries) => {
                out.byte(b'{');
                let mut i = 0;
                while let Some((k, c)) = entries.get(i) {
                    if i > 0 {
                        out.byte(b',');
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
                            out.raw(*w, ks.saturating_sub(1), end, source.src);
                            i = j;
                            continue;
                        }
                    }
                    match k {
                        // The key's bytes between its quotes, with the quotes.
                        Key::Raw(w, ks, ke) => out.raw(*w, ks.saturating_sub(1), ke + 1, self.source(*w).src),
                        Key::Owned(s) => {
                            out.gen(&serde_json::to_vec(s).unwrap_or_default());
                        }
                    }
                    out.byte(b':');
                    self.write(c, out);
                    i += 1;
                }
                out.byte(b'}');
            }
            Node::Arr(items) => {
                out.byte(b'[');
                let mut i = 0;
                while let Some(c) = items.get(i) {
                    if i > 0 {
                        out.byte(b',');
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
                        out.raw(w, s, end, source.src);
                        i = j;
                        continue;
                    }
                    self.write(c, out);
                    i += 1;
                }
                out.byte(b']');
            }
        }
    }
}
