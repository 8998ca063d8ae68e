//! Shared helpers of the fuzz targets: a byte-driven generator, independent reference
//! implementations (glob matching, RFC 6902), and generators of scopes and of requests that a
//! given scope allows (so `covers` soundness is tested on requests that matter, not only on
//! random ones that every scope denies).
//!
//! Every target reads its input as: first byte = mode; in "raw" modes the rest is text (so the
//! seed corpus from `tests/vectors` applies and libFuzzer mutates real inputs); in "structured"
//! modes the rest drives [`G`], which builds well-formed inputs from small vocabularies so that
//! deep code paths (covers, patch semantics, policy re-validation) are reached often.

use arbitrary::Unstructured;
use serde_json::{json, Map, Value};

/// A generator over the fuzzer's bytes. Exhausted input yields zeros (the first choice), so
/// every input is a valid (possibly small) case.
pub struct G<'a> {
    u: Unstructured<'a>,
}

impl<'a> G<'a> {
    /// Wraps the fuzzer's bytes.
    pub fn new(data: &'a [u8]) -> G<'a> {
        G { u: Unstructured::new(data) }
    }

    /// Whether the bytes are used up.
    pub fn is_empty(&self) -> bool {
        self.u.is_empty()
    }

    /// One byte.
    pub fn byte(&mut self) -> u8 {
        self.u.arbitrary::<u8>().unwrap_or(0)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.u.int_in_range(0..=n - 1).unwrap_or(0)
    }

    /// A coin flip.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// True with probability about `k`/256.
    pub fn chance(&mut self, k: u8) -> bool {
        self.byte() < k
    }

    /// One of `items`.
    pub fn pick<'b, T: ?Sized>(&mut self, items: &[&'b T]) -> &'b T {
        items[self.below(items.len())]
    }

    /// One of `items`, by value.
    pub fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An i64 in `lo..=hi`.
    pub fn i64_in(&mut self, lo: i64, hi: i64) -> i64 {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    /// A string of up to `max` characters from `alphabet`.
    pub fn string_from(&mut self, alphabet: &[char], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| alphabet[self.below(alphabet.len())]).collect()
    }

    /// Up to `max` items built by `f`.
    pub fn list<T>(&mut self, max: usize, mut f: impl FnMut(&mut G<'a>) -> T) -> Vec<T> {
        let n = self.below(max + 1);
        (0..n).map(|_| f(self)).collect()
    }

    /// Arbitrary text (lossy UTF-8 of the next up to `max` bytes).
    pub fn text(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        let bytes = self.u.bytes(n.min(self.u.len())).unwrap_or(&[]);
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The input as (mode byte, lossy UTF-8 text of the rest).
pub fn mode_and_text(data: &[u8]) -> Option<(u8, String)> {
    let (&mode, rest) = data.split_first()?;
    Some((mode, String::from_utf8_lossy(rest).into_owned()))
}

// ---- glob reference ---------------------------------------------------------------------------

/// Reference for `tokenkit::scope::glob::Glob::matches`, written from the documented rules
/// (docs/scopes.md) with a textbook dynamic-programming wildcard match: `*` alone matches
/// everything; otherwise `:` splits segments, the counts must be equal, and inside a segment
/// `*` matches any run of bytes.
pub fn glob_matches_ref(spec: &str, value: &str) -> bool {
    if spec == "*" {
        return true;
    }
    let ps: Vec<&str> = spec.split(':').collect();
    let vs: Vec<&str> = value.split(':').collect();
    ps.len() == vs.len() && ps.iter().zip(&vs).all(|(p, v)| wildcard(p.as_bytes(), v.as_bytes()))
}

fn wildcard(p: &[u8], t: &[u8]) -> bool {
    // dp[j] = p[..i] matches t[..j]
    let mut dp = vec![false; t.len() + 1];
    dp[0] = true;
    for &c in p {
        let mut next = vec![false; t.len() + 1];
        if c == b'*' {
            let mut any = false;
            for j in 0..=t.len() {
                any |= dp[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = dp[j - 1] && t[j - 1] == c;
            }
        }
        dp = next;
    }
    dp[t.len()]
}

/// A value a glob matches, with each `*` replaced by a filler from `g` (fillers have no `:`,
/// since a segment's star never spans segments). The universal `*` yields any value.
pub fn instantiate_glob(g: &mut G<'_>, spec: &str) -> String {
    const FILL: &[char] = &['a', 'b', 'x', '/', '-', '*', 'g', 'e', 't', '0'];
    if spec == "*" {
        return instantiate_any(g);
    }
    let mut out = String::new();
    for c in spec.chars() {
        if c == '*' {
            out.push_str(&g.string_from(FILL, 3));
        } else {
            out.push(c);
        }
    }
    out
}

fn instantiate_any(g: &mut G<'_>) -> String {
    const ANY: &[char] = &['a', 'b', ':', '/', 'x', '*', 'g', 'e', 't'];
    if g.bool() {
        g.pick(GLOB_WORDS).to_string()
    } else {
        g.string_from(ANY, 8)
    }
}

/// Building blocks of glob specifiers and of the values they are matched against: the shapes
/// of LaunchDarkly's resource and action names plus the characters that matter (`*`, `:`).
pub const GLOB_WORDS: &[&str] = &[
    "*",
    "proj/*",
    "proj/default",
    "proj/*:env/*",
    "proj/default:env/production",
    "proj/*:env/*:flag/*",
    "env/*",
    "flag/my-flag",
    "member/*",
    "role/*",
    "acct",
    "get*",
    "list*",
    "view*",
    "update*",
    "updateFlag",
    "getFlag",
    "a*b",
    "*a",
    "a*",
    "**",
    "a:*",
    "*:*",
    "",
    "a",
    "b",
    "ab",
    "a:b",
    "get",
    "x*y*z",
];

/// A glob specifier from pieces of [`GLOB_WORDS`] and random characters.
pub fn glob_spec(g: &mut G<'_>) -> String {
    const CH: &[char] = &['a', 'b', '*', ':', '/', 'x', 'g', 'e', 't'];
    match g.below(4) {
        0 | 1 => g.pick(GLOB_WORDS).to_string(),
        2 => format!("{}{}", g.pick(GLOB_WORDS), g.string_from(CH, 3)),
        _ => g.string_from(CH, 7),
    }
}

// ---- scope generators -------------------------------------------------------------------------

/// S2 operation names: the scope engine's own list of all 24.
pub const S2_OPS: &[&str] = &tokenkit::scope::s2::OPERATIONS;

const BASIN_PREFIXES: &[&str] = &["", "my", "my-basin", "my-basin-01", "other-basin", "prod-", "a1b2c3d4"];
const BASINS: &[&str] =
    &["my-basin-01", "my-basin-02", "other-basin-1", "prod-logs-1", "a1b2c3d4", "my-basin", "MY-BASIN-01", "my-basin-01-"];
const STREAM_PREFIXES: &[&str] = &["", "users/", "users/1234/", "u", "logs", "."];
const STREAMS: &[&str] = &["users/1234/events", "users/1234/", "users/9/x", "logs", "logs/a", ".", "..", "u", "x"];
const TOKEN_PREFIXES: &[&str] = &["", "ci-", "ci-a", "x", "."];
const TOKEN_IDS: &[&str] = &["ci-a", "ci-b", "x", "xy", "ci-", ".", "..", "other"];

fn resource_set(g: &mut G<'_>, prefixes: &[&str], exacts: &[&str]) -> Value {
    match g.below(5) {
        0 => Value::Null,
        1 | 2 => json!({ "prefix": g.pick(prefixes) }),
        3 => json!({ "exact": g.pick(exacts) }),
        _ => json!({ "exact": "" }),
    }
}

/// An S2 scope (JSON, tagged), usually valid.
pub fn s2_scope(g: &mut G<'_>) -> Value {
    let mut o = Map::new();
    o.insert("language".into(), json!("s2"));
    for (k, p, e) in
        [("basins", BASIN_PREFIXES, BASINS), ("streams", STREAM_PREFIXES, STREAMS), ("access_tokens", TOKEN_PREFIXES, TOKEN_IDS)]
    {
        if g.chance(230) {
            o.insert(k.into(), resource_set(g, p, e));
        }
    }
    let mut groups = Map::new();
    for grp in ["account", "basin", "stream"] {
        if g.bool() {
            groups.insert(grp.into(), json!({ "read": g.bool(), "write": g.bool() }));
        }
    }
    o.insert("op_groups".into(), Value::Object(groups));
    let ops: Vec<&str> = g.list(5, |g| g.pick(S2_OPS));
    o.insert("ops".into(), json!(ops));
    if g.chance(40) {
        o.insert("auto_prefix_streams".into(), json!(true));
    }
    Value::Object(o)
}

/// Privilege words and privileges, including wildcards.
pub const PRIVILEGES: &[&str] =
    &["*:*", "orders:*", "orders:read", "orders:write", "users:*", "users:read", "users:delete", "a.b:c-d", "x_y:z"];

/// A privileges scope.
pub fn privileges_scope(g: &mut G<'_>) -> Value {
    let list: Vec<&str> = g.list(4, |g| {
        if g.chance(20) {
            g.pick(PRIVILEGES)
        } else {
            // Skip *:* most of the time so that narrow scopes are common.
            g.pick(&PRIVILEGES[1..])
        }
    });
    json!({ "language": "privileges", "privileges": list })
}

/// Space scope names (`*` is an ordinary character there).
pub const NAMES: &[&str] = &["invoices", "documents", "clients", "*", "a", "Invoices", "invoices:read"];

/// A names scope (`scopes: null` = unrestricted).
pub fn names_scope(g: &mut G<'_>) -> Value {
    if g.chance(40) {
        return json!({ "language": "names", "scopes": null });
    }
    let list: Vec<&str> = g.list(4, |g| g.pick(NAMES));
    json!({ "language": "names", "scopes": list })
}

/// One policy statement (JSON).
pub fn statement(g: &mut G<'_>) -> Value {
    let mut o = Map::new();
    o.insert("effect".into(), json!(if g.chance(170) { "allow" } else { "deny" }));
    for (pos, neg) in [("actions", "notActions"), ("resources", "notResources")] {
        let key = if g.chance(50) { neg } else { pos };
        let mut specs: Vec<String> = g.list(2, glob_spec);
        specs.retain(|s| !s.is_empty());
        if specs.is_empty() {
            specs.push(g.pick(GLOB_WORDS).to_string());
            specs.retain(|s| !s.is_empty());
            if specs.is_empty() {
                specs.push("*".into());
            }
        }
        o.insert(key.into(), json!(specs));
    }
    Value::Object(o)
}

/// Built-in LaunchDarkly roles.
pub const ROLES: &[&str] = &["no_access", "reader", "writer", "admin", "owner"];

/// A policy scope: a role, custom role keys and inline statements, each optional.
pub fn policy_scope(g: &mut G<'_>) -> Value {
    let mut o = Map::new();
    o.insert("language".into(), json!("policy"));
    if g.bool() {
        o.insert("role".into(), json!(g.pick(ROLES)));
    }
    if g.chance(50) {
        let keys: Vec<&str> = g.list(2, |g| g.pick(&["ops", "devs", "viewer"]));
        o.insert("customRoleIds".into(), json!(keys));
    }
    let st: Vec<Value> = g.list(3, statement);
    o.insert("inlineRole".into(), Value::Array(st));
    Value::Object(o)
}

/// A scope of language `lang` (0 s2, 1 privileges, 2 policy, 3 names).
pub fn scope_of(g: &mut G<'_>, lang: usize) -> Value {
    match lang % 4 {
        0 => s2_scope(g),
        1 => privileges_scope(g),
        2 => policy_scope(g),
        _ => names_scope(g),
    }
}

/// A request (as the JSON the engine deserialises) of language `lang`. When `hint` is given
/// (the scope the request should probably be allowed by), the request is often built from it:
/// an operation it grants on names inside its sets, an instance of one of its allow statements,
/// one of its privileges or names.
pub fn request_of(g: &mut G<'_>, lang: usize, hint: Option<&Value>) -> Value {
    let from_hint = hint.is_some() && g.chance(180);
    let h = hint.cloned().unwrap_or(Value::Null);
    match lang % 4 {
        0 => {
            let op = if from_hint {
                let ops = h.get("ops").and_then(Value::as_array).cloned().unwrap_or_default();
                match ops.get(g.below(ops.len().max(1))).and_then(Value::as_str) {
                    Some(op) if g.bool() => op.to_string(),
                    _ => g.pick(S2_OPS).to_string(),
                }
            } else {
                g.pick(S2_OPS).to_string()
            };
            let name = |g: &mut G<'_>, key: &str, pool: &[&str], tail: &[char]| -> String {
                if from_hint {
                    if let Some(set) = h.get(key).and_then(Value::as_object) {
                        if let Some(e) = set.get("exact").and_then(Value::as_str) {
                            if g.bool() {
                                return e.to_string();
                            }
                        }
                        if let Some(p) = set.get("prefix").and_then(Value::as_str) {
                            return format!("{p}{}", g.string_from(tail, 6));
                        }
                    }
                }
                g.pick(pool).to_string()
            };
            let mut r = Map::new();
            r.insert("action".into(), json!(op));
            match g.below(4) {
                0 => {
                    let b = name(g, "basins", BASINS, &['a', '0', '-', 'z']);
                    let s = name(g, "streams", STREAMS, &['a', '/', '.', 'z']);
                    r.insert("resource".into(), json!(format!("{b}/{s}")));
                }
                1 => {
                    let b = name(g, "basins", BASINS, &['a', '0', '-', 'z']);
                    r.insert("resource".into(), json!(b));
                }
                _ => {
                    r.insert("basin".into(), json!(name(g, "basins", BASINS, &['a', '0', '-', 'z'])));
                    r.insert("stream".into(), json!(name(g, "streams", STREAMS, &['a', '/', '.', 'z'])));
                    r.insert("accessToken".into(), json!(name(g, "access_tokens", TOKEN_IDS, &['a', '-', '.', 'z'])));
                }
            }
            Value::Object(r)
        }
        1 => {
            let action = if from_hint {
                let list = h.get("privileges").and_then(Value::as_array).cloned().unwrap_or_default();
                match list.get(g.below(list.len().max(1))).and_then(Value::as_str) {
                    Some("*:*") => format!("{}:{}", g.pick(&["orders", "users", "zz"]), g.pick(&["read", "x"])),
                    Some(p) => match p.strip_suffix(":*") {
                        Some(d) => format!("{d}:{}", g.pick(&["read", "write", "anything"])),
                        None => p.to_string(),
                    },
                    None => g.pick(PRIVILEGES).to_string(),
                }
            } else {
                g.pick(PRIVILEGES).to_string()
            };
            json!({ "action": action })
        }
        2 => {
            let (action, resource) = if from_hint {
                let st = h.get("inlineRole").and_then(Value::as_array).cloned().unwrap_or_default();
                let allows: Vec<&Value> = st.iter().filter(|s| s.get("effect").and_then(Value::as_str) == Some("allow")).collect();
                let inst = |g: &mut G<'_>, s: Option<&Value>, key: &str| -> String {
                    match s.and_then(|s| s.get(key)).and_then(Value::as_array) {
                        Some(a) if !a.is_empty() => {
                            let spec = a[g.below(a.len())].as_str().unwrap_or("*").to_string();
                            instantiate_glob(g, &spec)
                        }
                        _ => instantiate_any(g),
                    }
                };
                let s = allows.get(g.below(allows.len().max(1))).copied();
                (inst(g, s, "actions"), inst(g, s, "resources"))
            } else {
                (instantiate_any(g), instantiate_any(g))
            };
            json!({ "action": action, "resource": resource })
        }
        _ => {
            let action = if from_hint {
                let list = h.get("scopes").and_then(Value::as_array).cloned().unwrap_or_default();
                match list.get(g.below(list.len().max(1))).and_then(Value::as_str) {
                    Some(n) => n.to_string(),
                    None => g.pick(NAMES).to_string(),
                }
            } else {
                g.pick(NAMES).to_string()
            };
            json!({ "action": action })
        }
    }
}

// ---- JSON values and an RFC 6902 reference ----------------------------------------------------

/// Object keys and pointer tokens that make patches hit (and miss) interesting places.
pub const KEYS: &[&str] = &["a", "b", "c", "", "0", "1", "~", "/", "-", "01"];

/// A small JSON value (depth at most `depth`).
pub fn value(g: &mut G<'_>, depth: usize) -> Value {
    let k = if depth == 0 { g.below(8) } else { g.below(11) };
    match k {
        0 => Value::Null,
        1 => Value::Bool(g.bool()),
        2 => json!(g.i64_in(-2, 3)),
        3 => json!(1.0),
        4 => json!(2.5),
        5 => json!(g.pick(KEYS)),
        6 => json!(u64::MAX),
        7 => json!(-0.0),
        8 | 9 => Value::Array(g.list(3, |g| value(g, depth - 1))),
        _ => {
            let mut m = Map::new();
            for _ in 0..g.below(4) {
                let key = g.pick(KEYS).to_string();
                let v = value(g, depth - 1);
                m.insert(key, v);
            }
            Value::Object(m)
        }
    }
}

fn escape(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

/// A pointer: often a path that exists in `doc` (or one step past it), sometimes random.
pub fn pointer(g: &mut G<'_>, doc: &Value) -> String {
    if g.chance(60) {
        let toks: Vec<&str> = g.list(3, |g| g.pick(KEYS));
        return toks.iter().map(|t| format!("/{}", escape(t))).collect();
    }
    let mut out = String::new();
    let mut at = doc;
    loop {
        if g.chance(90) {
            return out;
        }
        match at {
            Value::Object(m) if !m.is_empty() && g.chance(220) => {
                let (k, v) = m.iter().nth(g.below(m.len())).expect("in range");
                out.push('/');
                out.push_str(&escape(k));
                at = v;
            }
            Value::Array(a) if !a.is_empty() && g.chance(220) => {
                let i = g.below(a.len());
                out.push_str(&format!("/{i}"));
                at = &a[i];
            }
            Value::Array(a) => {
                let t = match g.below(3) {
                    0 => "-".to_string(),
                    1 => a.len().to_string(),
                    _ => format!("0{}", g.below(3)),
                };
                out.push('/');
                out.push_str(&t);
                return out;
            }
            _ => {
                out.push('/');
                out.push_str(&escape(g.pick(KEYS)));
                return out;
            }
        }
    }
}

/// One operation object, sometimes malformed (missing members, wrong types, unknown op).
pub fn operation(g: &mut G<'_>, doc: &Value) -> Value {
    let op = g.pick(&["add", "add", "remove", "replace", "move", "copy", "test", "test"]);
    let mut m = Map::new();
    m.insert("op".into(), json!(op));
    m.insert("path".into(), json!(pointer(g, doc)));
    let quirk = g.byte();
    if matches!(op, "move" | "copy") && quirk != 0 {
        m.insert("from".into(), json!(pointer(g, doc)));
    }
    if matches!(op, "add" | "replace" | "test") && quirk != 1 {
        // `test` usually compares against what is there, to pass sometimes.
        let v = if op == "test" && g.bool() {
            let p = m.get("path").and_then(Value::as_str).unwrap_or("");
            doc.pointer(p).cloned().unwrap_or(Value::Null)
        } else {
            value(g, 2)
        };
        m.insert("value".into(), v);
    }
    match quirk {
        2 => {
            m.insert("path".into(), json!(5));
        }
        3 => {
            m.insert("op".into(), json!("bogus"));
        }
        4 => {
            m.insert("path".into(), json!("a/b"));
        }
        5 => {
            m.insert("extra".into(), json!({"ignored": true}));
        }
        _ => {}
    }
    Value::Object(m)
}

/// How a reference apply failed: the operation index and a coarse kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError {
    /// Index of the failing operation.
    pub index: usize,
}

fn ref_tokens(p: &str) -> Option<Vec<String>> {
    if p.is_empty() {
        return Some(Vec::new());
    }
    let rest = p.strip_prefix('/')?;
    let mut out = Vec::new();
    for raw in rest.split('/') {
        let mut t = String::new();
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '~' {
                match chars.next() {
                    Some('0') => t.push('~'),
                    Some('1') => t.push('/'),
                    _ => return None,
                }
            } else {
                t.push(c);
            }
        }
        out.push(t);
    }
    Some(out)
}

fn ref_index(t: &str, len: usize, allow_end: bool) -> Option<usize> {
    if t == "-" {
        return if allow_end { Some(len) } else { None };
    }
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || (t.len() > 1 && t.starts_with('0')) {
        return None;
    }
    let i: usize = t.parse().ok()?;
    let max = if allow_end { len } else { len.checked_sub(1)? };
    (i <= max).then_some(i)
}

fn ref_get<'v>(doc: &'v Value, toks: &[String]) -> Option<&'v Value> {
    let mut at = doc;
    for t in toks {
        at = match at {
            Value::Object(m) => m.get(t)?,
            Value::Array(a) => a.get(ref_index(t, a.len(), false)?)?,
            _ => return None,
        };
    }
    Some(at)
}

fn ref_parent<'v>(doc: &'v mut Value, toks: &[String]) -> Option<&'v mut Value> {
    let mut at = doc;
    for t in toks {
        at = match at {
            Value::Object(m) => m.get_mut(t)?,
            Value::Array(a) => {
                let i = ref_index(t, a.len(), false)?;
                a.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(at)
}

fn ref_add(doc: &mut Value, toks: &[String], v: Value) -> Option<()> {
    let Some((last, parent)) = toks.split_last() else {
        *doc = v;
        return Some(());
    };
    match ref_parent(doc, parent)? {
        Value::Object(m) => {
            m.insert(last.clone(), v);
            Some(())
        }
        Value::Array(a) => {
            let i = ref_index(last, a.len(), true)?;
            a.insert(i, v);
            Some(())
        }
        _ => None,
    }
}

fn ref_remove(doc: &mut Value, toks: &[String]) -> Option<Value> {
    let (last, parent) = toks.split_last()?;
    match ref_parent(doc, parent)? {
        Value::Object(m) => m.remove(last),
        Value::Array(a) => {
            let i = ref_index(last, a.len(), false)?;
            Some(a.remove(i))
        }
        _ => None,
    }
}

/// A plain RFC 6902 implementation, written independently of `tokenkit::patch` from the RFC
/// and the crate's documented extra rules (numbers compare by value in `test`; array indices
/// without leading zeros; no move into one's own child; the root cannot be removed). Used only
/// on shallow documents, so the depth and copy-size limits never apply. `None` when the patch
/// does not parse as operations (the caller compares those cases by error code instead).
pub fn ref_apply(doc: &Value, patch: &Value) -> Option<Result<Value, RefError>> {
    let ops = patch.as_array()?;
    // Parse first: a malformed operation anywhere fails the whole patch before any apply.
    let mut parsed = Vec::new();
    for op in ops {
        let m = op.as_object()?;
        let name = m.get("op")?.as_str()?;
        let path = ref_tokens(m.get("path")?.as_str()?)?;
        let from = match name {
            "move" | "copy" => Some(ref_tokens(m.get("from")?.as_str()?)?),
            "add" | "remove" | "replace" | "test" => None,
            _ => return None,
        };
        let value = match name {
            "add" | "replace" | "test" => Some(m.get("value")?.clone()),
            _ => None,
        };
        parsed.push((name, path, from, value));
    }
    let mut work = doc.clone();
    for (index, (name, path, from, value)) in parsed.into_iter().enumerate() {
        let fail = Err(RefError { index });
        let ok = match name {
            "add" => ref_add(&mut work, &path, value.unwrap_or(Value::Null)),
            "remove" => ref_remove(&mut work, &path).map(drop),
            "replace" => match ref_parent(&mut work, &path) {
                Some(slot) => {
                    *slot = value.unwrap_or(Value::Null);
                    Some(())
                }
                None => None,
            },
            "test" => ref_get(&work, &path).filter(|v| tokenkit::patch::json_eq(v, &value.clone().unwrap_or(Value::Null))).map(drop),
            "copy" => match ref_get(&work, from.as_deref().unwrap_or(&[])).cloned() {
                Some(v) => ref_add(&mut work, &path, v),
                None => None,
            },
            _ => {
                let from = from.unwrap_or_default();
                if from.len() < path.len() && path.starts_with(&from) {
                    None
                } else if from == path {
                    ref_get(&work, &from).map(drop)
                } else {
                    match ref_remove(&mut work, &from) {
                        Some(v) => ref_add(&mut work, &path, v),
                        None => None,
                    }
                }
            }
        };
        if ok.is_none() {
            return Some(fail);
        }
    }
    Some(Ok(work))
}

// ---- dialects ---------------------------------------------------------------------------------

/// The time of every dialect case (2027-01-15T08:00:00Z).
pub const NOW: i64 = 1_800_000_000_000;

/// A caller of the dialect whose scope language is `lang`: a fixed one (index `which`, from
/// universal to narrow) or, for `which >= 4`, a generated one; sometimes in another language.
pub fn caller(g: &mut G<'_>, lang: usize, which: usize) -> tokenkit::dialect::Caller {
    let fixed: [Value; 4] = match lang % 4 {
        0 => [
            json!({"language":"s2","basins":{"prefix":""},"streams":{"prefix":""},"access_tokens":{"prefix":""},"op_groups":{"account":{"read":true,"write":true},"basin":{"read":true,"write":true},"stream":{"read":true,"write":true}}}),
            json!({"language":"s2","basins":{"prefix":"my-"},"streams":{"prefix":"users/"},"access_tokens":{"prefix":"ci-"},"op_groups":{"stream":{"read":true}},"ops":["issue-access-token","revoke-access-token","list-access-tokens","append"]}),
            json!({"language":"s2","basins":{"exact":"my-basin-01"},"streams":null,"access_tokens":{"exact":"ci-a"},"ops":["issue-access-token","read"]}),
            json!({"language":"s2","ops":["list-basins"]}),
        ],
        1 => [
            json!({"language":"privileges","privileges":["*:*"]}),
            json!({"language":"privileges","privileges":["orders:*","users:read"]}),
            json!({"language":"privileges","privileges":["orders:read"]}),
            json!({"language":"privileges","privileges":[]}),
        ],
        2 => [
            json!({"language":"policy","role":"owner"}),
            json!({"language":"policy","role":"admin"}),
            json!({"language":"policy","role":"writer"}),
            json!({"language":"policy","inlineRole":[{"effect":"allow","actions":["get*"],"resources":["proj/*"]}]}),
        ],
        _ => [
            json!({"language":"names","scopes":null}),
            json!({"language":"names","scopes":["invoices","documents"]}),
            json!({"language":"names","scopes":["invoices"]}),
            json!({"language":"names","scopes":[]}),
        ],
    };
    let scope = if which < 4 {
        fixed[which].clone()
    } else if g.chance(20) {
        let other = g.below(4);
        scope_of(g, other)
    } else {
        scope_of(g, lang)
    };
    let expires_at = match g.below(3) {
        0 => None,
        1 => Some(NOW + g.i64_in(1, 400 * 86_400) * 1000),
        _ => Some(NOW + g.i64_in(1, 10_000)),
    };
    tokenkit::dialect::Caller { conditions: None, account: "acct".into(), owner: "m1".into(), token_id: "caller".into(), scope, expires_at }
}

/// A refusal is a clear client error: a 4xx status, a JSON object body, a code.
pub fn check_refusal(e: &tokenkit::dialect::DialectError) {
    let status = e.status();
    assert!((400..500).contains(&status), "status {status} for {e:?}");
    assert!(e.body().is_object(), "error body is not an object: {}", e.body());
    assert!(!e.code().is_empty());
    let _ = e.to_string();
}

/// A draft a dialect accepted: a valid scope in the dialect's language, covered by the caller's
/// scope; an expiry after `now` and never after the caller's.
pub fn check_draft(d: &tokenkit::dialect::TokenDraft, c: &tokenkit::dialect::Caller, language: &str) {
    use tokenkit::scope::{covers_explain, Scope};
    let child = Scope::from_json(&d.scope).unwrap_or_else(|e| panic!("draft scope {} is not valid: {e}", d.scope));
    assert_eq!(child.language().as_str(), language, "draft in the wrong language");
    let parent = Scope::from_json(&c.scope).unwrap_or_else(|e| panic!("accepted a request from an invalid caller scope {}: {e}", c.scope));
    if let Err(why) = covers_explain(&parent, &child) {
        panic!("draft scope {} is broader than the caller's {}: {why}", d.scope, c.scope);
    }
    if let Some(e) = d.expires_at {
        assert!(e > NOW, "draft expires in the past: {e}");
    }
    if let Some(cap) = c.expires_at {
        assert!(d.expires_at.is_some_and(|e| e <= cap), "draft {:?} outlives the caller {cap}", d.expires_at);
    }
}

/// Stored tokens of every language, owned by the caller, another member and another account.
pub fn tokens() -> Vec<tokenkit::dialect::Token> {
    let mut out = Vec::new();
    let scopes = [
        json!({"language":"s2","basins":{"prefix":"my-"},"streams":{"prefix":""},"access_tokens":null,"ops":["read"]}),
        json!({"language":"privileges","privileges":["orders:read"]}),
        json!({"language":"policy","role":"reader","customRoleIds":[],"inlineRole":[]}),
        json!({"language":"names","scopes":["invoices"]}),
    ];
    for (i, s) in scopes.iter().enumerate() {
        for (j, (account, owner)) in [("acct", "m1"), ("acct", "m2"), ("other", "m1")].iter().enumerate() {
            out.push(
                serde_json::from_value(json!({
                    "id": format!("6109a00000000000000000{i}{j}"), "account": account, "owner": owner, "name": format!("t{i}{j}"),
                    "scope": s, "createdAt": NOW - 1000 * (i as i64 * 3 + j as i64), "updatedAt": NOW, "expiresAt": null, "hint": "abcd",
                }))
                .expect("a token"),
            );
        }
    }
    out
}
