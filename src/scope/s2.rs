//! S2 resource-set scopes.
//!
//! `{basins, streams, access_tokens, op_groups, ops, auto_prefix_streams}`. Each resource set is
//! `{"exact": s}` (byte equality) or `{"prefix": s}` (`starts_with`); missing, `null` and
//! `{"exact": ""}` match nothing (normalised to `null`), `{"prefix": ""}` matches everything.
//! Effective operations = explicit `ops` ∪ the operations of every granted op group, per the
//! table [`GROUPS`] (S2 does not publish one; this follows its gRPC service split × read/write,
//! as decided in `docs/scopes.md`).
//!
//! A request names the operation in `action` and the resources it touches in `basin`,
//! `stream`, `accessToken` (or the shorthand `resource`: `"<basin>"`, `"<basin>/<stream>"`, or
//! the token id for token operations). Which resources an operation needs is [`needs`]; an
//! operation is allowed when it is effective and every resource it needs is in its set.
//!
//! Auto-prefixing: with `auto_prefix_streams`, `streams` must be a prefix set; hosts rewrite
//! stream names on the way in ([`S2Scope::prefix_stream`], [`S2Scope::prefix_list`]) and strip
//! them on the way out ([`S2Scope::strip_stream`]); checks see the stored (prefixed) names.
//!
//! Attenuation is exact and complete per resource set and for the op set: the child's effective
//! operations must be a subset of the parent's, and each of the child's resource sets must
//! match no name the parent's does not (prefix `p` ⊇ prefix/exact `c` iff `c` starts with `p`;
//! exact ⊇ only the same exact; anything ⊇ the empty set).

use serde_json::{json, Map, Value};

use super::{Decision, Request, ScopeError};

/// The fields of an S2 scope.
pub const FIELDS: &[&str] = &["basins", "streams", "access_tokens", "op_groups", "ops", "auto_prefix_streams"];

/// The 24 operations of the S2 API.
pub const OPERATIONS: [&str; 24] = [
    "list-basins",
    "create-basin",
    "delete-basin",
    "reconfigure-basin",
    "get-basin-config",
    "issue-access-token",
    "revoke-access-token",
    "list-access-tokens",
    "list-streams",
    "create-stream",
    "delete-stream",
    "get-stream-config",
    "reconfigure-stream",
    "check-tail",
    "append",
    "read",
    "trim",
    "fence",
    "account-metrics",
    "basin-metrics",
    "stream-metrics",
    "list-locations",
    "get-default-location",
    "set-default-location",
];

/// Op-group membership: (group, permission, operations). Every operation is in exactly one.
pub const GROUPS: [(&str, &str, &[&str]); 6] = [
    ("account", "read", &["list-basins", "get-basin-config", "list-access-tokens", "account-metrics", "list-locations", "get-default-location"]),
    ("account", "write", &["create-basin", "delete-basin", "reconfigure-basin", "issue-access-token", "revoke-access-token", "set-default-location"]),
    ("basin", "read", &["list-streams", "get-stream-config", "basin-metrics"]),
    ("basin", "write", &["create-stream", "delete-stream", "reconfigure-stream"]),
    ("stream", "read", &["check-tail", "read", "stream-metrics"]),
    ("stream", "write", &["append", "trim", "fence"]),
];

/// The op-group names, in the order of a scope's `op_groups`.
pub(crate) const GROUP_NAMES: [&str; 3] = ["account", "basin", "stream"];

/// The resources an operation touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Account-wide (listings are filtered by the sets, not refused).
    Nothing,
    /// A basin.
    Basin,
    /// A basin and a stream in it.
    Stream,
    /// An access-token id.
    AccessToken,
}

/// Which resources `op` needs (`None` for an unknown operation).
pub fn needs(op: &str) -> Option<Needs> {
    Some(match op {
        "list-basins" | "list-access-tokens" | "account-metrics" | "list-locations" | "get-default-location" | "set-default-location" => Needs::Nothing,
        "create-basin" | "delete-basin" | "reconfigure-basin" | "get-basin-config" | "list-streams" | "basin-metrics" => Needs::Basin,
        "create-stream" | "delete-stream" | "get-stream-config" | "reconfigure-stream" | "check-tail" | "append" | "read" | "trim" | "fence" | "stream-metrics" => Needs::Stream,
        "issue-access-token" | "revoke-access-token" => Needs::AccessToken,
        _ => return None,
    })
}

/// The basin, stream and token id a request names, after the `resource` shorthand.
struct Names<'a> {
    basin: Option<&'a str>,
    stream: Option<&'a str>,
    token: Option<&'a str>,
}

/// Resolves the names an operation needs from `basin`/`stream`/`accessToken`, else from the
/// `resource` shorthand (`<basin>`, `<basin>/<stream>` split at the first `/`, or the token id),
/// and refuses a name S2 would refuse: a set such as `{"prefix": ""}` must not let a malformed
/// name (`..`, an upper-case basin) through as a match.
fn resolve_names(need: Needs, req: &Request) -> Result<Names<'_>, ScopeError> {
    let res = req.resource.as_deref();
    let from_res = |explicit: Option<&str>| if explicit.is_some() { false } else { res.is_some() };
    let mut n = Names { basin: None, stream: None, token: None };
    let mut fields = ("basin", "stream", "accessToken");
    match need {
        Needs::Nothing => {}
        Needs::Basin => {
            n.basin = req.basin.as_deref().or(res);
            if from_res(req.basin.as_deref()) {
                fields.0 = "resource";
            }
        }
        Needs::Stream => {
            let (rb, rs) = match res {
                Some(r) => match r.split_once('/') {
                    Some((b, s)) => (Some(b), Some(s)),
                    None => (Some(r), None),
                },
                None => (None, None),
            };
            n.basin = req.basin.as_deref().or(rb);
            n.stream = req.stream.as_deref().or(rs);
            if req.basin.is_none() && rb.is_some() {
                fields.0 = "resource";
            }
            if req.stream.is_none() && rs.is_some() {
                fields.1 = "resource";
            }
        }
        Needs::AccessToken => {
            n.token = req.access_token.as_deref().or(res);
            if from_res(req.access_token.as_deref()) {
                fields.2 = "resource";
            }
        }
    }
    let bad = |field: &str, what: &str| Err(ScopeError::bad_request(field, format!("names an invalid {what}")));
    if n.basin.is_some_and(|b| !is_basin_name(b)) {
        return bad(fields.0, "basin (8-48 bytes of [a-z0-9-], not starting or ending with -)");
    }
    if n.stream.is_some_and(|s| !is_stream_name(s)) {
        return bad(fields.1, "stream (1-512 bytes, not . or ..)");
    }
    if n.token.is_some_and(|t| !is_token_id(t)) {
        return bad(fields.2, "access token id (1-96 bytes, not . or ..)");
    }
    Ok(n)
}

/// A normalised resource set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSet {
    /// Matches nothing (`null`, missing or `{"exact": ""}`).
    None,
    /// Matches exactly this name.
    Exact(String),
    /// Matches every name starting with this (`""` = everything).
    Prefix(String),
}

impl ResourceSet {
    fn parse(field: &str, v: Option<&Value>) -> Result<ResourceSet, ScopeError> {
        let o = match v {
            None | Some(Value::Null) => return Ok(ResourceSet::None),
            Some(Value::Object(o)) => o,
            Some(_) => return Err(ScopeError::invalid(field, "must be {\"exact\": name}, {\"prefix\": name} or null")),
        };
        if o.len() != 1 {
            return Err(ScopeError::invalid(field, "must have exactly one key, exact or prefix"));
        }
        match (o.get("exact"), o.get("prefix")) {
            (Some(Value::String(e)), None) if e.is_empty() => Ok(ResourceSet::None),
            (Some(Value::String(e)), None) => Ok(ResourceSet::Exact(e.clone())),
            (None, Some(Value::String(p))) => Ok(ResourceSet::Prefix(p.clone())),
            _ => Err(ScopeError::invalid(field, "must be {\"exact\": string} or {\"prefix\": string}")),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            ResourceSet::None => Value::Null,
            ResourceSet::Exact(e) => json!({ "exact": e }),
            ResourceSet::Prefix(p) => json!({ "prefix": p }),
        }
    }

    /// Whether the set holds `name`.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            ResourceSet::None => false,
            ResourceSet::Exact(e) => e == name,
            ResourceSet::Prefix(p) => name.starts_with(p.as_str()),
        }
    }

    /// Every name `child` holds, `self` holds.
    pub fn covers(&self, child: &ResourceSet) -> bool {
        match (self, child) {
            (_, ResourceSet::None) => true,
            (ResourceSet::None, _) => false,
            (ResourceSet::Exact(p), ResourceSet::Exact(c)) => p == c,
            (ResourceSet::Exact(_), ResourceSet::Prefix(_)) => false,
            (ResourceSet::Prefix(p), ResourceSet::Exact(c) | ResourceSet::Prefix(c)) => c.starts_with(p.as_str()),
        }
    }

    fn describe(&self) -> String {
        match self {
            ResourceSet::None => "none".into(),
            ResourceSet::Exact(e) => format!("exact {e:?}"),
            ResourceSet::Prefix(p) if p.is_empty() => "all (prefix \"\")".into(),
            ResourceSet::Prefix(p) => format!("prefix {p:?}"),
        }
    }
}

fn basin_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Valid basin name: 8–48 bytes of `[a-z0-9-]`, starting and ending with `[a-z0-9]`.
pub fn is_basin_name(s: &str) -> bool {
    (8..=48).contains(&s.len()) && basin_chars(s) && !s.starts_with('-') && !s.ends_with('-')
}

/// Valid stream name: 1–512 bytes, not `.` or `..`.
pub fn is_stream_name(s: &str) -> bool {
    (1..=512).contains(&s.len()) && s != "." && s != ".."
}

/// Valid access-token id: 1–96 bytes, not `.` or `..`.
pub fn is_token_id(s: &str) -> bool {
    (1..=96).contains(&s.len()) && s != "." && s != ".."
}

fn check_set(field: &str, set: &ResourceSet, max: usize, exact_ok: fn(&str) -> bool, what: &str) -> Result<(), ScopeError> {
    match set {
        ResourceSet::None => Ok(()),
        ResourceSet::Exact(e) if exact_ok(e) => Ok(()),
        ResourceSet::Exact(_) => Err(ScopeError::invalid(format!("{field}.exact"), format!("not a valid {what}"))),
        // Only basin prefixes have a character rule (a basin name cannot start with `-`);
        // stream and token-id prefixes are any bytes up to the name's maximum length.
        ResourceSet::Prefix(p) if p.len() <= max && (field != "basins" || (basin_chars(p) && !p.starts_with('-'))) => Ok(()),
        ResourceSet::Prefix(_) => Err(ScopeError::invalid(format!("{field}.prefix"), format!("not a valid {what} prefix"))),
    }
}

/// A validated, normalised S2 scope.
#[derive(Debug, Clone, PartialEq)]
pub struct S2Scope {
    /// Basins the token may touch.
    pub basins: ResourceSet,
    /// Streams the token may touch.
    pub streams: ResourceSet,
    /// Access-token ids the token may list, issue or revoke.
    pub access_tokens: ResourceSet,
    /// `[account, basin, stream]` × `(read, write)`.
    pub groups: [(bool, bool); 3],
    /// Explicitly granted operations (not expanded from groups), deduplicated.
    pub ops: Vec<String>,
    /// Whether stream names are rewritten under the `streams` prefix.
    pub auto_prefix_streams: bool,
}

impl S2Scope {
    pub(crate) fn from_json(o: &Map<String, Value>) -> Result<S2Scope, ScopeError> {
        let basins = ResourceSet::parse("basins", o.get("basins"))?;
        let streams = ResourceSet::parse("streams", o.get("streams"))?;
        let access_tokens = ResourceSet::parse("access_tokens", o.get("access_tokens"))?;
        check_set("basins", &basins, 48, is_basin_name, "basin name")?;
        check_set("streams", &streams, 512, is_stream_name, "stream name")?;
        check_set("access_tokens", &access_tokens, 96, is_token_id, "access token id")?;
        let mut groups = [(false, false); 3];
        match o.get("op_groups") {
            None | Some(Value::Null) => {}
            Some(Value::Object(g)) => {
                for (k, v) in g {
                    let Some(i) = GROUP_NAMES.iter().position(|n| n == k) else {
                        return Err(ScopeError::invalid(format!("op_groups.{k}"), "unknown op group (account, basin or stream)"));
                    };
                    let slot = groups.get_mut(i).ok_or_else(|| ScopeError::invalid("op_groups", "unknown op group"))?;
                    match v {
                        Value::Null => {}
                        Value::Object(rw) => {
                            for (p, b) in rw {
                                let flag = match b {
                                    Value::Bool(b) => *b,
                                    Value::Null => false,
                                    _ => return Err(ScopeError::invalid(format!("op_groups.{k}.{p}"), "must be a boolean")),
                                };
                                match p.as_str() {
                                    "read" => slot.0 = flag,
                                    "write" => slot.1 = flag,
                                    _ => return Err(ScopeError::invalid(format!("op_groups.{k}.{p}"), "unknown permission (read or write)")),
                                }
                            }
                        }
                        _ => return Err(ScopeError::invalid(format!("op_groups.{k}"), "must be {read?, write?} or null")),
                    }
                }
            }
            Some(_) => return Err(ScopeError::invalid("op_groups", "must be an object or null")),
        }
        let mut ops: Vec<String> = Vec::new();
        for (i, op) in super::string_list(o, "ops", OPERATIONS.len() * 4)?.unwrap_or_default().into_iter().enumerate() {
            if !OPERATIONS.contains(&op.as_str()) {
                return Err(ScopeError::invalid(format!("ops[{i}]"), "not an S2 operation"));
            }
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
        let auto_prefix_streams = match o.get("auto_prefix_streams") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(ScopeError::invalid("auto_prefix_streams", "must be a boolean")),
        };
        if auto_prefix_streams && !matches!(streams, ResourceSet::Prefix(_)) {
            return Err(ScopeError::invalid("auto_prefix_streams", "needs scope.streams to be a prefix set"));
        }
        Ok(S2Scope { basins, streams, access_tokens, groups, ops, auto_prefix_streams })
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("basins".into(), self.basins.to_json());
        o.insert("streams".into(), self.streams.to_json());
        o.insert("access_tokens".into(), self.access_tokens.to_json());
        let mut g = Map::new();
        for (name, (r, w)) in GROUP_NAMES.iter().zip(self.groups) {
            g.insert((*name).to_string(), json!({ "read": r, "write": w }));
        }
        o.insert("op_groups".into(), Value::Object(g));
        o.insert("ops".into(), json!(self.ops));
        o.insert("auto_prefix_streams".into(), Value::Bool(self.auto_prefix_streams));
        o
    }

    /// Which rule grants `op`, if any: `ops[i]` or `op_groups.<group>.<perm>`.
    pub fn granting_rule(&self, op: &str) -> Option<String> {
        if let Some(i) = self.ops.iter().position(|o| o == op) {
            return Some(format!("ops[{i}]"));
        }
        for (group, perm, ops) in GROUPS {
            let i = GROUP_NAMES.iter().position(|g| *g == group).unwrap_or(0);
            let (r, w) = self.groups.get(i).copied().unwrap_or((false, false));
            if (if perm == "read" { r } else { w }) && ops.contains(&op) {
                return Some(format!("op_groups.{group}.{perm}"));
            }
        }
        None
    }

    /// Explicit ops ∪ ops of granted groups, in [`OPERATIONS`] order.
    pub fn effective_ops(&self) -> Vec<&'static str> {
        OPERATIONS.iter().copied().filter(|op| self.granting_rule(op).is_some()).collect()
    }

    pub(crate) fn summary(&self) -> String {
        let ops = self.effective_ops();
        let mut s = format!("s2: {} op(s)", ops.len());
        if ops.len() <= 4 && !ops.is_empty() {
            s = format!("s2: {}", ops.join(", "));
        }
        s.push_str(&format!(
            "; basins {}, streams {}, tokens {}",
            self.basins.describe(),
            self.streams.describe(),
            self.access_tokens.describe()
        ));
        if self.auto_prefix_streams {
            s.push_str("; auto-prefixed streams");
        }
        s
    }

    pub(crate) fn check(&self, req: &Request) -> Result<Decision, ScopeError> {
        let op = req.action.as_str();
        let Some(need) = needs(op) else {
            return Err(ScopeError::bad_request("action", "not an S2 operation"));
        };
        let names = resolve_names(need, req)?;
        let Some(rule) = self.granting_rule(op) else {
            return Ok(Decision::deny(None, format!("operation {op} is not granted: not in ops, and no op group grants it")));
        };
        let mut why = vec![format!("operation {op} is granted by {rule}")];
        let mut test = |kind: &str, set: &ResourceSet, name: Option<&str>| -> Option<Decision> {
            let Some(name) = name else {
                return Some(Decision::deny(None, format!("operation {op} needs a {kind}, and the request names none")));
            };
            if set.matches(name) {
                why.push(format!("{kind} {name:?} is in {}", set.describe()));
                None
            } else {
                Some(Decision::deny(None, format!("{kind} {name:?} is outside the scope's {kind}s ({})", set.describe())))
            }
        };
        let denied = match need {
            Needs::Nothing => None,
            Needs::Basin => test("basin", &self.basins, names.basin),
            Needs::Stream => test("basin", &self.basins, names.basin).or_else(|| test("stream", &self.streams, names.stream)),
            Needs::AccessToken => test("access token", &self.access_tokens, names.token),
        };
        Ok(match denied {
            Some(d) => d,
            None => Decision::allow(rule, format!("allowed: {}", why.join("; "))),
        })
    }

    pub(crate) fn covers(&self, child: &S2Scope) -> Result<(), String> {
        let missing: Vec<&str> = child.effective_ops().into_iter().filter(|op| self.granting_rule(op).is_none()).collect();
        if !missing.is_empty() {
            return Err(format!("operations not permitted to the issuer: {}", missing.join(", ")));
        }
        for (name, p, c) in [
            ("basins", &self.basins, &child.basins),
            ("streams", &self.streams, &child.streams),
            ("access_tokens", &self.access_tokens, &child.access_tokens),
        ] {
            if !p.covers(c) {
                return Err(format!("{name} {} is broader than the issuer's {}", c.describe(), p.describe()));
            }
        }
        Ok(())
    }

    fn stream_prefix(&self) -> Result<Option<&str>, ScopeError> {
        if !self.auto_prefix_streams {
            return Ok(None);
        }
        match &self.streams {
            ResourceSet::Prefix(p) => Ok(Some(p.as_str())),
            _ => Err(ScopeError::AutoPrefixUnavailable),
        }
    }

    /// Rewrites a client's stream name to the stored name (unchanged without auto-prefixing).
    ///
    /// # Errors
    /// [`ScopeError::InvalidRequest`] (field `stream`) when auto-prefixing and the client's name
    /// is not a stream name or the prefixed name exceeds 512 bytes;
    /// [`ScopeError::AutoPrefixUnavailable`] if `streams` is not a prefix set (cannot happen for
    /// a scope built by [`S2Scope::from_json`]).
    pub fn prefix_stream(&self, name: &str) -> Result<String, ScopeError> {
        let Some(p) = self.stream_prefix()? else { return Ok(name.to_string()) };
        if !is_stream_name(name) {
            return Err(ScopeError::bad_request("stream", "not a valid stream name (1-512 bytes, not . or ..)"));
        }
        prefixed("stream", p, name)
    }

    /// Strips the prefix from a stored stream name for the client.
    ///
    /// # Errors
    /// [`ScopeError::StreamOutsidePrefix`] when the stored name does not carry the prefix.
    pub fn strip_stream(&self, stored: &str) -> Result<String, ScopeError> {
        match self.stream_prefix()? {
            Some(p) => stored.strip_prefix(p).map(str::to_string).ok_or(ScopeError::StreamOutsidePrefix),
            None => Ok(stored.to_string()),
        }
    }

    /// Rewrites list-streams `prefix` and `start_after` (an empty `start_after` stays empty, so
    /// the listing starts at the scope's prefix).
    ///
    /// # Errors
    /// [`ScopeError::InvalidRequest`] (field `prefix` or `startAfter`) when a prefixed value
    /// exceeds 512 bytes; as [`S2Scope::prefix_stream`] otherwise.
    pub fn prefix_list(&self, prefix: &str, start_after: &str) -> Result<(String, String), ScopeError> {
        let Some(p) = self.stream_prefix()? else { return Ok((prefix.to_string(), start_after.to_string())) };
        let s = if start_after.is_empty() { String::new() } else { prefixed("startAfter", p, start_after)? };
        Ok((prefixed("prefix", p, prefix)?, s))
    }
}

/// `prefix + name`, refused past S2's 512-byte stream-name limit.
fn prefixed(field: &str, prefix: &str, name: &str) -> Result<String, ScopeError> {
    if prefix.len().saturating_add(name.len()) > 512 {
        return Err(ScopeError::bad_request(field, "longer than 512 bytes once prefixed"));
    }
    Ok(format!("{prefix}{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s2(v: Value) -> S2Scope {
        let Value::Object(o) = v else { panic!("object") };
        S2Scope::from_json(&o).expect("valid")
    }

    #[test]
    fn every_operation_is_in_exactly_one_group() {
        for op in OPERATIONS {
            let n = GROUPS.iter().filter(|(_, _, ops)| ops.contains(&op)).count();
            assert_eq!(n, 1, "{op}");
            assert!(needs(op).is_some(), "{op}");
        }
        assert_eq!(GROUPS.iter().map(|(_, _, o)| o.len()).sum::<usize>(), 24);
    }

    #[test]
    fn normalises() {
        let s = s2(json!({"basins": {"exact": ""}, "streams": {"prefix": ""}, "ops": ["read", "read"]}));
        assert_eq!(s.basins, ResourceSet::None);
        let j = Value::Object(s.to_json());
        assert_eq!(j["basins"], Value::Null);
        assert_eq!(j["ops"], json!(["read"]));
        assert_eq!(j["op_groups"]["stream"], json!({"read": false, "write": false}));
    }

    #[test]
    fn validation() {
        for (v, field) in [
            (json!({"basins": {"exact": "UPPER-case"}}), "basins.exact"),
            (json!({"basins": {"exact": "short"}}), "basins.exact"),
            (json!({"basins": {"exact": "x", "prefix": "y"}}), "basins"),
            (json!({"streams": {"exact": ".."}}), "streams.exact"),
            (json!({"access_tokens": {"exact": "x".repeat(97)}}), "access_tokens.exact"),
            (json!({"ops": ["fly"]}), "ops[0]"),
            (json!({"op_groups": {"galaxy": {"read": true}}}), "op_groups.galaxy"),
            (json!({"op_groups": {"stream": {"read": "yes"}}}), "op_groups.stream.read"),
            (json!({"auto_prefix_streams": true, "streams": {"exact": "a"}}), "auto_prefix_streams"),
        ] {
            let Value::Object(o) = v else { panic!() };
            assert_eq!(S2Scope::from_json(&o).unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn checks() {
        let s = s2(json!({
            "basins": {"prefix": ""}, "streams": {"prefix": "users/1234/"},
            "access_tokens": {"exact": "x"}, "op_groups": {"stream": {"read": true, "write": true}}, "ops": ["list-streams"]
        }));
        let ok = s.check(&Request { action: "append".into(), basin: Some("my-basin-1".into()), stream: Some("users/1234/a".into()), ..Request::default() }).unwrap();
        assert!(ok.allowed, "{}", ok.reason);
        assert_eq!(ok.rule.as_deref(), Some("op_groups.stream.write"));
        let short = s.check(&Request::on("append", "my-basin-1/users/1234/a")).unwrap();
        assert!(short.allowed);
        assert!(!s.check(&Request::on("append", "my-basin-1/users/9/a")).unwrap().allowed);
        assert!(!s.check(&Request::on("append", "my-basin-1")).unwrap().allowed);
        assert!(!s.check(&Request::on("create-stream", "my-basin-1/users/1234/a")).unwrap().allowed);
        assert_eq!(s.check(&Request::on("list-streams", "my-basin-1")).unwrap().rule.as_deref(), Some("ops[0]"));
        assert!(s.check(&Request::on("revoke-access-token", "x")).map(|d| !d.allowed).unwrap());
        assert!(s.check(&Request::action("fly")).is_err());
    }

    #[test]
    fn auto_prefix() {
        let s = s2(json!({"streams": {"prefix": "t/1/"}, "auto_prefix_streams": true}));
        assert_eq!(s.prefix_stream("logs").unwrap(), "t/1/logs");
        assert_eq!(s.strip_stream("t/1/logs").unwrap(), "logs");
        assert_eq!(s.strip_stream("t/2/logs").unwrap_err(), ScopeError::StreamOutsidePrefix);
        assert_eq!(s.prefix_list("lo", "").unwrap(), ("t/1/lo".to_string(), String::new()));
        assert_eq!(s.prefix_list("", "logs").unwrap(), ("t/1/".to_string(), "t/1/logs".to_string()));
        assert_eq!(s.prefix_stream("..").unwrap_err().field(), Some("stream"));
        assert_eq!(s.prefix_stream("").unwrap_err().field(), Some("stream"));
        assert_eq!(s.prefix_stream(&"x".repeat(508)).unwrap(), format!("t/1/{}", "x".repeat(508)));
        assert_eq!(s.prefix_stream(&"x".repeat(509)).unwrap_err().field(), Some("stream"));
        assert_eq!(s.prefix_list("", &"x".repeat(510)).unwrap_err().field(), Some("startAfter"));
        let plain = s2(json!({"streams": {"exact": "a"}}));
        assert_eq!(plain.prefix_stream("a").unwrap(), "a");
        assert_eq!(plain.prefix_list("p", "q").unwrap(), ("p".to_string(), "q".to_string()));
    }

    #[test]
    fn prefixes_of_streams_and_tokens_are_any_bytes() {
        let s = s2(json!({"streams": {"prefix": "-tmp/"}, "access_tokens": {"prefix": "-"}, "basins": {"prefix": "ab"}}));
        assert_eq!(s.streams, ResourceSet::Prefix("-tmp/".into()));
        let Value::Object(o) = json!({"basins": {"prefix": "-a"}}) else { panic!() };
        assert_eq!(S2Scope::from_json(&o).unwrap_err().field(), Some("basins.prefix"));
    }

    #[test]
    fn requests_naming_invalid_names_are_errors() {
        let s = s2(json!({"basins": {"prefix": ""}, "streams": {"prefix": ""}, "access_tokens": {"prefix": ""}, "op_groups": {"stream": {"read": true}, "account": {"write": true}}}));
        for (req, field) in [
            (Request { action: "read".into(), basin: Some("Upper-Case-Basin".into()), stream: Some("s".into()), ..Request::default() }, "basin"),
            (Request { action: "read".into(), basin: Some("my-basin-1".into()), stream: Some("..".into()), ..Request::default() }, "stream"),
            (Request::on("read", "my-basin-1/.."), "resource"),
            (Request::on("read", "short/s"), "resource"),
            (Request::on("revoke-access-token", "."), "resource"),
            (Request { action: "revoke-access-token".into(), access_token: Some("x".repeat(97)), ..Request::default() }, "accessToken"),
        ] {
            let e = s.check(&req).unwrap_err();
            assert_eq!((e.code(), e.field()), ("invalid_scope_request", Some(field)), "{req:?}");
        }
        assert!(s.check(&Request::on("read", "my-basin-1/a/b/..")).unwrap().allowed, "only the whole name is checked");
    }

    #[test]
    fn set_covers_table() {
        use ResourceSet::*;
        let p = |s: &str| Prefix(s.into());
        let e = |s: &str| Exact(s.into());
        for (parent, child, want) in [
            (p(""), p("a"), true),
            (p("a"), p("ab"), true),
            (p("ab"), p("a"), false),
            (p("a"), e("abc"), true),
            (e("abc"), p("abc"), false),
            (e("abc"), e("abc"), true),
            (None, e("a"), false),
            (None, None, true),
            (e("a"), None, true),
        ] {
            assert_eq!(parent.covers(&child), want, "{parent:?} covers {child:?}");
        }
    }
}
