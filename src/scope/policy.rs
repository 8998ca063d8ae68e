//! IAM-style policy statements (LaunchDarkly roles and inline roles).
//!
//! A policy is `{"role"?: name|null, "customRoleIds"?: [key…], "inlineRole"?: [statement…]}`; its
//! statements are the built-in role's (below) followed by the inline ones. A statement is
//! `{"effect": "allow"|"deny", "resources"|"notResources": [spec…], "actions"|"notActions": [spec…]}`
//! with exactly one of each pair, each a non-empty list of [`Glob`] specifiers. A statement
//! matches a request when its action list matches the action (for `notActions`: matches none)
//! and its resource list matches the resource likewise.
//!
//! Evaluation: **deny overrides allow**; with no matching statement the answer is deny.
//!
//! Built-in roles, as documented policies (nested: each role can do all the one before can):
//!
//! | role | statements |
//! |---|---|
//! | `no_access` | none |
//! | `reader` | allow `get*`, `list*`, `view*` on `*` |
//! | `writer` | allow `*` on `*`; deny every action but `get*`/`list*`/`view*` on `member/*`, `role/*`, `team/*`, `service-token/*`, `acct` |
//! | `admin` | allow `*` on `*`; deny every action but `get*`/`list*`/`view*` on `acct` |
//! | `owner` | allow `*` on `*` |
//!
//! Custom roles (`customRoleIds`) are defined per account outside the core, so the core cannot
//! evaluate them: they grant nothing here and the decision says so. The keys are kept so a
//! host with a role store can resolve them.
//!
//! Attenuation ([`Policy::covers`]) is sound and conservative: every allow statement of the
//! child must be covered by one allow statement of the parent, and every deny of the parent
//! must be implied by a deny of the child or be provably disjoint from that allow statement.
//! Custom role keys of the child must be held by the parent, whose every deny the child must
//! repeat — unless the parent allows everything with no deny (an `owner`), which may issue any key.
//! Glob containment is decided segment by segment ([`Glob::covers`]).

use serde_json::{json, Map, Value};

use super::glob::Glob;
use super::{Decision, Request, ScopeError, MAX_RULES, MAX_STRING};

/// The built-in roles, lowest first.
pub const ROLES: [&str; 5] = ["no_access", "reader", "writer", "admin", "owner"];

const READ_VERBS: [&str; 3] = ["get*", "list*", "view*"];

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement forbids, overriding any allow.
    Deny,
}

/// A positive or negative list of specifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum Specs {
    /// Matches what any of the globs match.
    Any(Vec<Glob>),
    /// Matches what none of the globs match.
    Not(Vec<Glob>),
}

impl Specs {
    fn matches(&self, value: &str) -> bool {
        match self {
            Specs::Any(g) => g.iter().any(|g| g.matches(value)),
            Specs::Not(g) => !g.iter().any(|g| g.matches(value)),
        }
    }

    /// Every value `child` matches, `self` matches (sound).
    fn covers(&self, child: &Specs) -> bool {
        match (self, child) {
            (Specs::Any(p), Specs::Any(c)) => c.iter().all(|cg| p.iter().any(|pg| pg.covers(cg))),
            // Everything except P ⊇ C when each C glob is disjoint from each P glob.
            (Specs::Not(p), Specs::Any(c)) => c.iter().all(|cg| p.iter().all(|pg| disjoint(pg, cg))),
            // Everything except P ⊇ everything except C when P ⊆ C.
            (Specs::Not(p), Specs::Not(c)) => p.iter().all(|pg| c.iter().any(|cg| cg.covers(pg))),
            (Specs::Any(p), Specs::Not(_)) => p.iter().any(|g| g.as_str() == "*"),
        }
    }

    /// No value matches both (sound: `true` only when provably disjoint).
    fn disjoint(&self, other: &Specs) -> bool {
        match (self, other) {
            (Specs::Any(a), Specs::Any(b)) => a.iter().all(|x| b.iter().all(|y| disjoint(x, y))),
            // `a` only holds values that `not b` excludes.
            (Specs::Any(a), Specs::Not(b)) | (Specs::Not(b), Specs::Any(a)) => {
                a.iter().all(|x| b.iter().any(|y| y.covers(x)))
            }
            (Specs::Not(_), Specs::Not(_)) => false,
        }
    }

    fn to_json(&self, pos: &str, neg: &str) -> (String, Value) {
        let (k, g) = match self {
            Specs::Any(g) => (pos, g),
            Specs::Not(g) => (neg, g),
        };
        (k.to_string(), Value::Array(g.iter().map(|g| Value::String(g.as_str().to_string())).collect()))
    }
}

/// Sound glob disjointness: `true` only when no value can match both.
fn disjoint(a: &Glob, b: &Glob) -> bool {
    let (sa, sb) = (a.as_str(), b.as_str());
    if sa == "*" || sb == "*" {
        return false;
    }
    let pa: Vec<&str> = sa.split(':').collect();
    let pb: Vec<&str> = sb.split(':').collect();
    if pa.len() != pb.len() {
        return true;
    }
    pa.iter().zip(&pb).any(|(x, y)| segments_disjoint(x, y))
}

fn segments_disjoint(x: &str, y: &str) -> bool {
    let (xs, ys) = (x.contains('*'), y.contains('*'));
    if !xs && !ys {
        return x != y;
    }
    let head = |s: &str| s.split('*').next().unwrap_or("").to_string();
    let tail = |s: &str| s.rsplit('*').next().unwrap_or("").to_string();
    let (hx, hy) = (head(x), head(y));
    let (tx, ty) = (tail(x), tail(y));
    let heads_clash = !(hx.starts_with(&hy) || hy.starts_with(&hx));
    let tails_clash = !(tx.ends_with(&ty) || ty.ends_with(&tx));
    heads_clash || tails_clash || (!xs && !Glob::new(y).matches(x)) || (!ys && !Glob::new(x).matches(y))
}

/// One policy statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Allow or deny.
    pub effect: Effect,
    /// Which actions it applies to.
    pub actions: Specs,
    /// Which resources it applies to.
    pub resources: Specs,
}

impl Statement {
    fn new(effect: Effect, actions: Specs, resources: Specs) -> Statement {
        Statement { effect, actions, resources }
    }

    fn matches(&self, action: &str, resource: &str) -> bool {
        self.actions.matches(action) && self.resources.matches(resource)
    }

    fn covers(&self, child: &Statement) -> bool {
        self.actions.covers(&child.actions) && self.resources.covers(&child.resources)
    }

    /// `allow` of every action on every resource.
    fn is_allow_all(&self) -> bool {
        let star = |s: &Specs| matches!(s, Specs::Any(g) if g.iter().any(|g| g.as_str() == "*"));
        self.effect == Effect::Allow && star(&self.actions) && star(&self.resources)
    }

    fn disjoint(&self, other: &Statement) -> bool {
        self.actions.disjoint(&other.actions) || self.resources.disjoint(&other.resources)
    }

    fn parse(i: usize, v: &Value) -> Result<Statement, ScopeError> {
        let at = |k: &str| format!("inlineRole[{i}].{k}");
        let Value::Object(o) = v else { return Err(ScopeError::invalid(format!("inlineRole[{i}]"), "must be an object")) };
        for k in o.keys() {
            if !matches!(k.as_str(), "effect" | "resources" | "notResources" | "actions" | "notActions") {
                return Err(ScopeError::invalid(at(k), "unknown field in a statement"));
            }
        }
        let effect = match o.get("effect").and_then(Value::as_str) {
            Some("allow") => Effect::Allow,
            Some("deny") => Effect::Deny,
            _ => return Err(ScopeError::invalid(at("effect"), "must be \"allow\" or \"deny\"")),
        };
        let specs = |pos: &str, neg: &str| -> Result<Specs, ScopeError> {
            let (key, val, negative) = match (o.get(pos), o.get(neg)) {
                (Some(v), None) => (pos, v, false),
                (None, Some(v)) => (neg, v, true),
                _ => return Err(ScopeError::invalid(at(pos), format!("a statement needs exactly one of {pos} or {neg}"))),
            };
            let Value::Array(a) = val else { return Err(ScopeError::invalid(at(key), "must be an array of strings")) };
            if a.is_empty() || a.len() > MAX_RULES {
                return Err(ScopeError::invalid(at(key), format!("must hold 1 to {MAX_RULES} specifiers")));
            }
            let mut globs = Vec::with_capacity(a.len());
            for (j, s) in a.iter().enumerate() {
                match s.as_str() {
                    Some(s) if !s.is_empty() && s.len() <= MAX_STRING && !s.chars().any(char::is_control) => {
                        globs.push(Glob::new(s))
                    }
                    _ => {
                        return Err(ScopeError::invalid(
                            format!("{}[{j}]", at(key)),
                            "must be a non-empty string of at most 512 bytes without control characters",
                        ))
                    }
                }
            }
            Ok(if negative { Specs::Not(globs) } else { Specs::Any(globs) })
        };
        Ok(Statement::new(effect, specs("actions", "notActions")?, specs("resources", "notResources")?))
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("effect".into(), json!(if self.effect == Effect::Allow { "allow" } else { "deny" }));
        let (k, v) = self.resources.to_json("resources", "notResources");
        o.insert(k, v);
        let (k, v) = self.actions.to_json("actions", "notActions");
        o.insert(k, v);
        Value::Object(o)
    }
}

fn globs(list: &[&str]) -> Vec<Glob> {
    list.iter().map(|s| Glob::new(s)).collect()
}

/// The statements of a built-in role (see the module table).
pub fn role_statements(role: &str) -> Option<Vec<Statement>> {
    let all = || Specs::Any(globs(&["*"]));
    let allow_all = || Statement::new(Effect::Allow, all(), all());
    let deny_writes_on = |res: &[&str]| Statement::new(Effect::Deny, Specs::Not(globs(&READ_VERBS)), Specs::Any(globs(res)));
    Some(match role {
        "no_access" => vec![],
        "reader" => vec![Statement::new(Effect::Allow, Specs::Any(globs(&READ_VERBS)), all())],
        "writer" => vec![allow_all(), deny_writes_on(&["member/*", "role/*", "team/*", "service-token/*", "acct"])],
        "admin" => vec![allow_all(), deny_writes_on(&["acct"])],
        "owner" => vec![allow_all()],
        _ => return None,
    })
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    role: Option<String>,
    custom_role_ids: Vec<String>,
    inline: Vec<Statement>,
}

impl Policy {
    pub(crate) fn from_json(o: &Map<String, Value>) -> Result<Policy, ScopeError> {
        let role = match o.get("role") {
            None | Some(Value::Null) => None,
            Some(Value::String(r)) if ROLES.contains(&r.as_str()) => Some(r.clone()),
            Some(_) => return Err(ScopeError::invalid("role", format!("must be one of {}", ROLES.join(", ")))),
        };
        let custom_role_ids = super::string_list(o, "customRoleIds", MAX_RULES)?.unwrap_or_default();
        for (i, k) in custom_role_ids.iter().enumerate() {
            if k.is_empty() || k.len() > MAX_STRING || k.chars().any(char::is_control) {
                return Err(ScopeError::invalid(format!("customRoleIds[{i}]"), "must be a non-empty key without control characters"));
            }
        }
        let inline = match o.get("inlineRole") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) if a.len() <= MAX_RULES => {
                a.iter().enumerate().map(|(i, v)| Statement::parse(i, v)).collect::<Result<Vec<_>, _>>()?
            }
            Some(_) => return Err(ScopeError::invalid("inlineRole", format!("must be an array of at most {MAX_RULES} statements"))),
        };
        Ok(Policy { role, custom_role_ids, inline })
    }

    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("role".into(), self.role.clone().map(Value::String).unwrap_or(Value::Null));
        o.insert("customRoleIds".into(), json!(self.custom_role_ids));
        o.insert("inlineRole".into(), Value::Array(self.inline.iter().map(Statement::to_json).collect()));
        o
    }

    /// Allows `*` on `*` and denies nothing (custom roles aside, which grant nothing here).
    pub fn is_universal(&self) -> bool {
        let st = self.statements();
        let star = |s: &Specs| matches!(s, Specs::Any(g) if g.iter().any(|g| g.as_str() == "*"));
        !st.iter().any(|(_, s)| s.effect == Effect::Deny) && st.iter().any(|(_, s)| s.effect == Effect::Allow && star(&s.actions) && star(&s.resources))
    }

    /// The built-in role, if any.
    pub fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }

    /// Every statement with its rule name: the role's first, then the inline ones.
    fn statements(&self) -> Vec<(String, Statement)> {
        let mut out = Vec::new();
        if let Some(r) = &self.role {
            for (i, s) in role_statements(r).unwrap_or_default().into_iter().enumerate() {
                out.push((format!("role:{r}[{i}]"), s));
            }
        }
        for (i, s) in self.inline.iter().enumerate() {
            out.push((format!("inlineRole[{i}]"), s.clone()));
        }
        out
    }

    pub(crate) fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = &self.role {
            parts.push(format!("role {r}"));
        }
        if !self.custom_role_ids.is_empty() {
            parts.push(format!("custom roles {}", self.custom_role_ids.join(", ")));
        }
        if !self.inline.is_empty() {
            let allows = self.inline.iter().filter(|s| s.effect == Effect::Allow).count();
            parts.push(format!("{} inline statement(s), {} allow / {} deny", self.inline.len(), allows, self.inline.len() - allows));
        }
        if parts.is_empty() {
            "policy: no statements (denies everything)".into()
        } else {
            format!("policy: {}", parts.join("; "))
        }
    }

    pub(crate) fn compile(&self) -> CompiledPolicy {
        // Denies first, then allows, each in their written order: the first matching statement
        // in this order decides (a deny if any deny matches, else the first allow).
        let (deny, allow): (Vec<_>, Vec<_>) = self.statements().into_iter().partition(|(_, s)| s.effect == Effect::Deny);
        let all: Vec<(String, Statement)> = deny.into_iter().chain(allow).collect();
        let mut index = PrefixIndex::default();
        for (i, (_, st)) in all.iter().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match &st.resources {
                Specs::Any(globs) => {
                    for g in globs {
                        index.insert(g.literal_prefix(), i);
                    }
                }
                Specs::Not(_) => index.always.push(i),
            }
        }
        CompiledPolicy { all, index, custom: self.custom_role_ids.clone() }
    }

    pub(crate) fn covers(&self, child: &Policy) -> Result<(), String> {
        let parent = self.statements();
        let child_st = child.statements();
        let parent_allows: Vec<&Statement> = parent.iter().filter(|(_, s)| s.effect == Effect::Allow).map(|(_, s)| s).collect();
        let parent_denies: Vec<&(String, Statement)> = parent.iter().filter(|(_, s)| s.effect == Effect::Deny).collect();
        let child_denies: Vec<&Statement> = child_st.iter().filter(|(_, s)| s.effect == Effect::Deny).map(|(_, s)| s).collect();
        // Custom roles: their statements live outside the core, so nothing can be proved about
        // them except by identity. A parent that allows everything with no deny (an owner) may
        // issue any key; otherwise the parent must hold the key itself, and each of its denies
        // must bind the child too (else the child's copy of the role would escape them).
        let unrestricted = parent_denies.is_empty() && parent_allows.iter().any(|s| s.is_allow_all());
        if !unrestricted && !child.custom_role_ids.is_empty() {
            if let Some(k) = child.custom_role_ids.iter().find(|k| !self.custom_role_ids.contains(k)) {
                return Err(format!("custom role {k:?} is not held by the issuer"));
            }
            if let Some((dname, _)) = parent_denies.iter().find(|(_, d)| !child_denies.iter().any(|cd| cd.covers(d))) {
                return Err(format!("the custom roles could allow what the issuer's {dname} denies: the new scope needs that deny too"));
            }
        }
        for (name, s) in child_st.iter().filter(|(_, s)| s.effect == Effect::Allow) {
            if !parent_allows.iter().any(|p| p.covers(s)) {
                return Err(format!("{name} allows more than any allow statement of the issuer"));
            }
            for (dname, d) in &parent_denies {
                let implied = child_denies.iter().any(|cd| cd.covers(d));
                if !implied && !s.disjoint(d) {
                    return Err(format!("{name} may allow what the issuer's {dname} denies"));
                }
            }
        }
        Ok(())
    }
}

/// Statements indexed by the literal prefix of their resource specifiers (the text before the
/// first `*`): a statement can only match a resource that starts with one of its prefixes, so
/// a check walks the resource's bytes down a trie and evaluates only those candidates.
#[derive(Debug, Clone, Default)]
struct PrefixIndex {
    /// Trie nodes; node 0 is the root (prefix "").
    nodes: Vec<Node>,
    /// Statements with `notResources`: candidates for every resource.
    always: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    next: Vec<(u8, u32)>,
    here: Vec<u32>,
}

impl PrefixIndex {
    fn insert(&mut self, prefix: &str, stmt: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(Node::default());
        }
        let mut at = 0usize;
        for &b in prefix.as_bytes() {
            let found = self.nodes.get(at).and_then(|n| n.next.iter().find(|(c, _)| *c == b)).map(|(_, n)| *n as usize);
            at = match found {
                Some(n) => n,
                None => {
                    let id = self.nodes.len();
                    self.nodes.push(Node::default());
                    if let Some(n) = self.nodes.get_mut(at) {
                        n.next.push((b, u32::try_from(id).unwrap_or(u32::MAX)));
                    }
                    id
                }
            };
        }
        if let Some(n) = self.nodes.get_mut(at) {
            if !n.here.contains(&stmt) {
                n.here.push(stmt);
            }
        }
    }

    /// Every statement that may match `resource`, sorted, without duplicates.
    fn candidates(&self, resource: &str) -> Vec<u32> {
        let mut out = self.always.clone();
        let mut at = 0usize;
        if let Some(root) = self.nodes.first() {
            out.extend_from_slice(&root.here);
        }
        for &b in resource.as_bytes() {
            let Some(next) = self.nodes.get(at).and_then(|n| n.next.iter().find(|(c, _)| *c == b)) else { break };
            at = next.1 as usize;
            if let Some(n) = self.nodes.get(at) {
                out.extend_from_slice(&n.here);
            }
        }
        crate::sort::sort_by(&mut out, u32::cmp);
        out.dedup();
        out
    }
}

/// A policy compiled for matching.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    all: Vec<(String, Statement)>,
    index: PrefixIndex,
    custom: Vec<String>,
}

impl CompiledPolicy {
    /// The first statement, denies first, that matches.
    fn first_match(&self, action: &str, resource: &str) -> Option<&(String, Statement)> {
        self.index
            .candidates(resource)
            .into_iter()
            .filter_map(|i| self.all.get(i as usize))
            .find(|(_, s)| s.matches(action, resource))
    }

    pub(crate) fn check(&self, req: &Request) -> Result<Decision, ScopeError> {
        // An empty resource is no resource, as on the fast path (`Compiled::allows_action`).
        let Some(resource) = req.resource.as_deref().filter(|r| !r.is_empty()) else {
            return Err(ScopeError::bad_request("resource", "policy scopes need a resource, e.g. proj/default:env/production:flag/my-flag"));
        };
        let action = req.action.as_str();
        match self.first_match(action, resource) {
            Some((name, s)) if s.effect == Effect::Deny => {
                Ok(Decision::deny(Some(name.clone()), format!("denied by {name}: deny overrides allow")))
            }
            Some((name, _)) => Ok(Decision::allow(name.clone(), format!("allowed by {name}"))),
            None => {
                let mut reason = format!("no statement allows {action} on {resource}");
                if !self.custom.is_empty() {
                    reason.push_str(" (custom roles are not evaluated by tokenkit's core)");
                }
                Ok(Decision::deny(None, reason))
            }
        }
    }

    pub(crate) fn allows_str(&self, action: &str, resource: &str) -> bool {
        self.first_match(action, resource).is_some_and(|(_, s)| s.effect == Effect::Allow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pol(v: Value) -> Policy {
        let Value::Object(o) = v else { panic!("object") };
        Policy::from_json(&o).expect("valid policy")
    }

    /// The prefix index never changes an answer: indexed checks equal a linear scan
    /// (deny overrides allow) over every statement, for all small combinations.
    #[test]
    fn index_agrees_with_linear_scan() {
        let pool = [
            json!({"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]}),
            json!({"effect": "deny", "actions": ["delete*"], "resources": ["proj/a:env/*:flag/*"]}),
            json!({"effect": "allow", "actions": ["get*"], "resources": ["*"]}),
            json!({"effect": "allow", "notActions": ["get*"], "resources": ["proj/a*"]}),
            json!({"effect": "deny", "actions": ["*"], "notResources": ["proj/*"]}),
            json!({"effect": "allow", "actions": ["set*"], "resources": ["acct", "member/*"]}),
            json!({"effect": "deny", "actions": ["setX"], "resources": ["member/x"]}),
        ];
        let requests = [
            ("getX", "proj/a"), ("deleteFlag", "proj/a:env/p:flag/f"), ("deleteFlag", "proj/b:env/p:flag/f"),
            ("setX", "member/x"), ("setX", "member/y"), ("setY", "acct"), ("getX", "other"), ("putX", "proj/ab"), ("getX", ""),
        ];
        let mut checked = 0;
        for mask in 0u32..(1 << pool.len()) {
            let st: Vec<Value> = pool.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| v.clone()).collect();
            for role in [None, Some("reader"), Some("writer")] {
                let p = pol(json!({"role": role, "inlineRole": st}));
                let c = p.compile();
                let all = p.statements();
                for (a, r) in requests {
                    let deny = all.iter().any(|(_, s)| s.effect == Effect::Deny && s.matches(a, r));
                    let allow = all.iter().any(|(_, s)| s.effect == Effect::Allow && s.matches(a, r));
                    assert_eq!(c.allows_str(a, r), allow && !deny, "{st:?} {role:?} {a} {r}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 128 * 3 * 9);
    }

    #[test]
    fn roles_are_nested() {
        for pair in ROLES.windows(2) {
            let (lo, hi) = (pol(json!({"role": pair[0]})), pol(json!({"role": pair[1]})));
            assert!(hi.covers(&lo).is_ok(), "{} covers {}", pair[1], pair[0]);
            if pair[0] != "no_access" {
                assert!(lo.covers(&hi).is_err(), "{} must not cover {}", pair[0], pair[1]);
            }
        }
    }

    #[test]
    fn deny_overrides_allow() {
        let p = pol(json!({"inlineRole": [
            {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]},
            {"effect": "deny", "actions": ["deleteFlag"], "resources": ["proj/*:env/production:flag/*"]}
        ]}))
        .compile();
        let d = p.check(&Request::on("deleteFlag", "proj/a:env/production:flag/x")).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.rule.as_deref(), Some("inlineRole[1]"));
        let d = p.check(&Request::on("deleteFlag", "proj/a:env/staging:flag/x")).unwrap();
        assert!(d.allowed);
        assert_eq!(d.rule.as_deref(), Some("inlineRole[0]"));
        let d = p.check(&Request::on("deleteFlag", "proj/a")).unwrap();
        assert!(!d.allowed);
        assert_eq!(d.rule, None);
    }

    #[test]
    fn not_lists() {
        let p = pol(json!({"inlineRole": [
            {"effect": "allow", "notActions": ["delete*"], "notResources": ["proj/secret"]}
        ]}))
        .compile();
        assert!(p.allows_str("updateFlag", "proj/a"));
        assert!(!p.allows_str("deleteFlag", "proj/a"));
        assert!(!p.allows_str("updateFlag", "proj/secret"));
    }

    #[test]
    fn builtin_role_rules() {
        let w = pol(json!({"role": "writer"})).compile();
        assert!(w.allows_str("updateFlag", "proj/a:env/b:flag/c"));
        assert!(w.allows_str("viewMember", "member/x"));
        assert!(!w.allows_str("deleteMember", "member/x"));
        let r = pol(json!({"role": "reader"})).compile();
        assert!(r.allows_str("viewProject", "proj/a"));
        assert!(!r.allows_str("updateFlag", "proj/a:env/b:flag/c"));
        assert!(!pol(json!({"role": "no_access"})).compile().allows_str("viewProject", "proj/a"));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = [
            (json!({"role": "superuser"}), "role"),
            (json!({"inlineRole": [{"effect": "maybe", "actions": ["*"], "resources": ["*"]}]}), "inlineRole[0].effect"),
            (json!({"inlineRole": [{"effect": "allow", "actions": ["*"]}]}), "inlineRole[0].resources"),
            (json!({"inlineRole": [{"effect": "allow", "actions": ["*"], "resources": ["*"], "notResources": ["x"]}]}), "inlineRole[0].resources"),
            (json!({"inlineRole": [{"effect": "allow", "actions": [], "resources": ["*"]}]}), "inlineRole[0].actions"),
            (json!({"inlineRole": [{"effect": "allow", "actions": [""], "resources": ["*"]}]}), "inlineRole[0].actions[0]"),
            (json!({"inlineRole": [{"effect": "allow", "actions": ["*"], "resources": ["*"], "extra": 1}]}), "inlineRole[0].extra"),
            (json!({"customRoleIds": [1]}), "customRoleIds[0]"),
        ];
        for (v, field) in bad {
            let Value::Object(o) = v else { panic!() };
            let e = Policy::from_json(&o).unwrap_err();
            assert_eq!(e.field(), Some(field), "{e}");
        }
    }

    #[test]
    fn covers_with_inline_statements() {
        let parent = pol(json!({"inlineRole": [
            {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/*:flag/*"]},
            {"effect": "deny", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
        ]}));
        let narrower = pol(json!({"inlineRole": [
            {"effect": "allow", "actions": ["update*"], "resources": ["proj/a:env/staging:flag/*"]}
        ]}));
        assert!(parent.covers(&narrower).is_ok());
        let into_production = pol(json!({"inlineRole": [
            {"effect": "allow", "actions": ["update*"], "resources": ["proj/a:env/*:flag/*"]}
        ]}));
        assert!(parent.covers(&into_production).is_err());
        let with_same_deny = pol(json!({"inlineRole": [
            {"effect": "allow", "actions": ["update*"], "resources": ["proj/a:env/*:flag/*"]},
            {"effect": "deny", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]}
        ]}));
        assert!(parent.covers(&with_same_deny).is_ok());
        assert!(pol(json!({"customRoleIds": ["a"]})).covers(&pol(json!({"customRoleIds": ["b"]}))).is_err());
        assert!(pol(json!({"role": "owner"})).covers(&pol(json!({"customRoleIds": ["b"]}))).is_ok());
        // An admin is denied account writes; a custom role it does not hold might allow them.
        assert!(pol(json!({"role": "admin"})).covers(&pol(json!({"customRoleIds": ["b"]}))).is_err());
        // Holding the key is enough only when the issuer's denies bind the new token too.
        let holder = pol(json!({"customRoleIds": ["k"], "inlineRole": [{"effect": "deny", "actions": ["*"], "resources": ["acct"]}]}));
        assert!(holder.covers(&pol(json!({"customRoleIds": ["k"]}))).is_err());
        assert!(holder.covers(&holder).is_ok());
    }
}
