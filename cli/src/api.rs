//! The commands that call the service's `/tk/v1` API.
//!
//! Exit status: 0 success, 1 the service refused (its `{error: {code, message, field}}` is
//! printed), 2 usage or transport error. `--json` prints the response body as the service sent
//! it (on a refusal too).

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::args::{stdin_text, Args, Fail};

struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
}

/// A response: status and parsed body (`Null` when empty).
struct Resp {
    status: u16,
    body: Value,
}

fn base_url(a: &Args) -> Result<String, Fail> {
    let url = match a.value("url") {
        Some(u) => u.to_owned(),
        None => std::env::var("TOKENKIT_URL").map_err(|_| Fail::Usage("no service URL: pass --url or set TOKENKIT_URL".into()))?,
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(Fail::Usage(format!("--url must be an http:// or https:// URL, got {url:?}")));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The API token: `TOKENKIT_TOKEN`, or with `--token-stdin` the first line of `stdin_lines`.
fn api_token(a: &Args, stdin_lines: &mut Vec<String>) -> Result<String, Fail> {
    let t = if a.flag("token-stdin") {
        if stdin_lines.is_empty() {
            return Err(Fail::Usage("--token-stdin: no token on standard input".into()));
        }
        stdin_lines.remove(0)
    } else {
        std::env::var("TOKENKIT_TOKEN").map_err(|_| Fail::Usage("no token: set TOKENKIT_TOKEN or pass --token-stdin".into()))?
    };
    let t = t.trim().to_owned();
    if t.is_empty() {
        return Err(Fail::Usage("the API token is empty".into()));
    }
    Ok(t)
}

impl Client {
    fn new(a: &Args, stdin_lines: &mut Vec<String>) -> Result<Client, Fail> {
        let base = base_url(a)?;
        let token = api_token(a, stdin_lines)?;
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build().into();
        Ok(Client { agent, base, auth: format!("Bearer {token}") })
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Resp, Fail> {
        let url = format!("{}{path}", self.base);
        let auth = self.auth.as_str();
        let r = match method {
            "GET" => self.agent.get(&url).header("authorization", auth).call(),
            "DELETE" => self.agent.delete(&url).header("authorization", auth).call(),
            _ => self.agent.post(&url).header("authorization", auth).content_type("application/json").send(body.unwrap_or(&json!({})).to_string()),
        };
        let mut r = r.map_err(|e| Fail::Error(format!("{method} {url}: {e}")))?;
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().map_err(|e| Fail::Error(format!("{method} {url}: reading the response: {e}")))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| Fail::Error(format!("{method} {url}: {status}, not JSON: {}", text.chars().take(200).collect::<String>())))?
        };
        Ok(Resp { status, body })
    }
}

/// Prints the service's refusal; returns exit status 1.
fn refused(a: &Args, r: &Resp) -> u8 {
    if a.flag("json") {
        println!("{}", r.body);
    }
    let e = &r.body["error"];
    let code = e["code"].as_str().unwrap_or("error");
    let message = e["message"].as_str().unwrap_or("(no message)");
    match e["field"].as_str() {
        Some(f) => eprintln!("tokenkit: {} {code}: {message} (field {f})", r.status),
        None => eprintln!("tokenkit: {} {code}: {message}", r.status),
    }
    1
}

fn ok(r: &Resp) -> bool {
    (200..300).contains(&r.status)
}

/// A `--scope` value: JSON text, or `@FILE` for a file holding it.
fn scope_arg(a: &Args) -> Result<Option<Value>, Fail> {
    let Some(s) = a.value("scope") else { return Ok(None) };
    let text = match s.strip_prefix('@') {
        Some(f) => std::fs::read_to_string(f).map_err(|e| Fail::Error(format!("{f}: {e}")))?,
        None => s.to_owned(),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| Fail::Usage(format!("--scope is not JSON: {e}")))
}

/// `--lifetime` / `--grace`: a number of seconds is sent as a number, anything else as text.
fn lifetime_value(s: &str) -> Value {
    match s.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(s),
    }
}

/// Adds the given string options to `body`.
fn put(body: &mut Map<String, Value>, a: &Args, fields: &[(&str, &str)]) {
    for (opt, field) in fields {
        if let Some(v) = a.value(opt) {
            body.insert((*field).to_owned(), if *opt == "lifetime" || *opt == "grace" { lifetime_value(v) } else { json!(v) });
        }
    }
}

fn query(a: &Args, params: &[(&str, &str)]) -> String {
    let mut q = Vec::new();
    for (opt, name) in params {
        if let Some(v) = a.value(opt) {
            q.push(format!("{name}={}", pct(v)));
        }
    }
    if a.flag("all") {
        q.push("all=true".into());
    }
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn pct(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn id_arg(a: &Args, what: &str) -> Result<String, Fail> {
    let id = a.pos.get(2).ok_or_else(|| Fail::Usage(format!("{} needs {what}", a.pos[..2].join(" "))))?;
    Ok(pct(id))
}

/// `tokens …`, `accounts …`, `members …`.
pub fn run(a: &Args) -> Result<u8, Fail> {
    let sub = a.pos.get(1).map(String::as_str).unwrap_or("");
    let cmd = format!("{} {sub}", a.pos[0]);
    // Check the arguments before anything else (reading stdin, the network).
    let (opts, max_pos): (&[&str], usize) = match cmd.as_str() {
        "tokens list" => (&["all", "limit", "cursor", "name", "expired", "expiring-within-days"], 2),
        "tokens get" | "tokens revoke" | "members list" => (&[], 3),
        "tokens create" => (&["name", "description", "scope", "lifetime"], 2),
        "tokens rotate" => (&["grace"], 3),
        "accounts create" => (&["name", "owner", "scope", "lifetime"], 2),
        "members add" => (&["name", "role", "scope", "lifetime"], 3),
        _ => return Err(Fail::Usage(format!("unknown command {:?}", cmd.trim()))),
    };
    a.only(opts, max_pos)?;
    let mut lines = if a.flag("token-stdin") { stdin_text()?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect() } else { Vec::new() };
    let c = Client::new(a, &mut lines)?;
    let json_out = a.flag("json");
    match cmd.as_str() {
        "tokens list" => {
            let q = query(a, &[("limit", "limit"), ("cursor", "cursor"), ("name", "name"), ("expired", "expired"), ("expiring-within-days", "expiring_within_days")]);
            let r = c.call("GET", &format!("/tk/v1/tokens{q}"), None)?;
            if !ok(&r) {
                return Ok(refused(a, &r));
            }
            if json_out {
                println!("{}", r.body);
            } else {
                let rows: Vec<Vec<String>> = r.body["tokens"].as_array().map(|v| v.iter().map(token_row).collect()).unwrap_or_default();
                print!("{}", table(&TOKEN_HEADER, &rows));
                if let Some(n) = r.body["next_cursor"].as_str() {
                    println!("(more: --cursor {n})");
                }
            }
        }
        "tokens get" => {
            let r = c.call("GET", &format!("/tk/v1/tokens/{}", id_arg(a, "a token id")?), None)?;
            if !ok(&r) {
                return Ok(refused(a, &r));
            }
            if json_out {
                println!("{}", r.body);
            } else {
                print!("{}", table(&TOKEN_HEADER, &[token_row(&r.body)]));
            }
        }
        "tokens create" => {
            let mut body = Map::new();
            put(&mut body, a, &[("name", "name"), ("description", "description"), ("lifetime", "lifetime")]);
            if let Some(s) = scope_arg(a)? {
                body.insert("scope".into(), s);
            }
            let r = c.call("POST", "/tk/v1/tokens", Some(&Value::Object(body)))?;
            return Ok(issued(a, &r, "created token"));
        }
        "tokens rotate" => {
            let mut body = Map::new();
            put(&mut body, a, &[("grace", "grace")]);
            let r = c.call("POST", &format!("/tk/v1/tokens/{}/rotate", id_arg(a, "a token id")?), Some(&Value::Object(body)))?;
            if ok(&r) && !json_out {
                if let Some(p) = r.body["previous_expires_at"].as_str() {
                    println!("the previous secret works until {p}");
                } else {
                    println!("the previous secret no longer works");
                }
            }
            return Ok(issued(a, &r, "rotated token"));
        }
        "tokens revoke" => {
            let id = id_arg(a, "a token id")?;
            let r = c.call("DELETE", &format!("/tk/v1/tokens/{id}"), None)?;
            if !ok(&r) {
                return Ok(refused(a, &r));
            }
            if json_out {
                println!("{}", json!({"revoked": a.pos[2]}));
            } else {
                println!("revoked token {}", a.pos[2]);
            }
        }
        "accounts create" => {
            let mut body = Map::new();
            put(&mut body, a, &[("name", "name"), ("owner", "owner"), ("lifetime", "lifetime")]);
            if let Some(s) = scope_arg(a)? {
                body.insert("scope".into(), s);
            }
            let r = c.call("POST", "/tk/v1/accounts", Some(&Value::Object(body)))?;
            if ok(&r) && !json_out {
                println!("created account {} ({})", r.body["account"]["id"].as_str().unwrap_or("?"), r.body["account"]["name"].as_str().unwrap_or("?"));
                print_member(&r.body["member"]);
            }
            return Ok(issued(a, &r, "first token"));
        }
        "members add" => {
            let account = id_arg(a, "an account id")?;
            let mut body = Map::new();
            put(&mut body, a, &[("name", "name"), ("role", "role"), ("lifetime", "lifetime")]);
            if let Some(s) = scope_arg(a)? {
                body.insert("scope".into(), s);
            }
            let r = c.call("POST", &format!("/tk/v1/accounts/{account}/members"), Some(&Value::Object(body)))?;
            if ok(&r) && !json_out {
                print_member(&r.body["member"]);
            }
            return Ok(issued(a, &r, "first token"));
        }
        "members list" => {
            let r = c.call("GET", &format!("/tk/v1/accounts/{}/members", id_arg(a, "an account id")?), None)?;
            if !ok(&r) {
                return Ok(refused(a, &r));
            }
            if json_out {
                println!("{}", r.body);
            } else {
                let rows: Vec<Vec<String>> = r.body["members"].as_array().map(|v| v.iter().map(|m| ["id", "name", "role", "createdAt"].iter().map(|k| cell(&m[*k])).collect()).collect()).unwrap_or_default();
                print!("{}", table(&["ID", "NAME", "ROLE", "CREATED"], &rows));
            }
        }
        _ => unreachable!("checked above"),
    }
    Ok(0)
}

fn print_member(m: &Value) {
    println!("member {} ({}, {})", cell(&m["id"]), cell(&m["name"]), cell(&m["role"]));
}

/// A response that carries a new secret (`{token, secret}`): the token's row and the secret,
/// shown once.
fn issued(a: &Args, r: &Resp, what: &str) -> u8 {
    if !ok(r) {
        return refused(a, r);
    }
    if a.flag("json") {
        println!("{}", r.body);
        return 0;
    }
    println!("{what}:");
    print!("{}", table(&TOKEN_HEADER, &[token_row(&r.body["token"])]));
    println!("\nsecret (shown once; store it now):\n\n    {}\n", r.body["secret"].as_str().unwrap_or("?"));
    0
}

const TOKEN_HEADER: [&str; 6] = ["ID", "NAME", "HINT", "SCOPE", "EXPIRES", "LAST USED"];

fn token_row(t: &Value) -> Vec<String> {
    vec![cell(&t["id"]), cell(&t["name"]), cell(&t["hint"]), scope_summary(&t["scope"]), or_never(&t["expiresAt"]), or_never_used(&t["lastUsedAt"])]
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn or_never(v: &Value) -> String {
    if v.is_null() {
        "never".into()
    } else {
        cell(v)
    }
}

fn or_never_used(v: &Value) -> String {
    if v.is_null() {
        "-".into()
    } else {
        cell(v)
    }
}

/// One line for a scope: its language and what it grants in short.
fn scope_summary(s: &Value) -> String {
    let lang = s["language"].as_str().unwrap_or("?");
    let detail = match lang {
        "policy" => s["role"].as_str().map(String::from).unwrap_or_else(|| "inline".into()),
        "names" => s["scopes"].as_array().map(|v| v.iter().map(cell).collect::<Vec<_>>().join(",")).unwrap_or_default(),
        "privileges" => s["privileges"].as_array().map(|v| v.iter().map(cell).collect::<Vec<_>>().join(",")).unwrap_or_default(),
        _ => String::new(),
    };
    let out = if detail.is_empty() { lang.to_owned() } else { format!("{lang}:{detail}") };
    if out.chars().count() > 40 {
        format!("{}…", out.chars().take(39).collect::<String>())
    } else {
        out
    }
}

/// A plain text table: columns padded to their widest cell (in characters).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w[i] - c.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// `tokenkit verify --url`: asks the service (`POST /tk/v1/verify`) about the token on stdin.
/// With `--token-stdin`, stdin holds two lines: the caller's token, then the token to verify.
pub fn verify(a: &Args) -> Result<u8, Fail> {
    let mut lines: Vec<String> = stdin_text()?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let c = Client::new(a, &mut lines)?;
    if lines.len() != 1 {
        return Err(Fail::Usage("expected the token to verify on standard input (one line)".into()));
    }
    let mut body = json!({"token": lines[0]});
    if let Some(action) = a.value("action") {
        let mut req = json!({"action": action});
        if let Some(r) = a.value("resource") {
            req["resource"] = json!(r);
        }
        body["request"] = req;
    } else if a.value("resource").is_some() {
        return Err(Fail::Usage("--resource needs --action".into()));
    }
    let r = c.call("POST", "/tk/v1/verify", Some(&body))?;
    if !ok(&r) {
        return Ok(refused(a, &r));
    }
    let valid = r.body["valid"].as_bool() == Some(true);
    if a.flag("json") {
        println!("{}", r.body);
    } else if valid {
        println!("valid: token {} of {}, expires {}", cell(&r.body["tokenId"]), cell(&r.body["owner"]), or_never(&r.body["expiresAt"]));
    } else {
        println!("invalid: {}: {}", cell(&r.body["code"]), cell(&r.body["reason"]));
    }
    Ok(if valid { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_by_characters() {
        let t = table(&["A", "BB"], &[vec!["tk_…abcd".into(), "x".into()], vec!["1".into(), "yy".into()]]);
        assert_eq!(t, "A         BB\ntk_…abcd  x\n1         yy\n");
    }

    #[test]
    fn scope_summaries_and_values() {
        assert_eq!(scope_summary(&json!({"language": "policy", "role": "owner"})), "policy:owner");
        assert_eq!(scope_summary(&json!({"language": "names", "scopes": ["a", "b"]})), "names:a,b");
        assert_eq!(scope_summary(&json!({"language": "s2"})), "s2");
        assert_eq!(lifetime_value("3600"), json!(3600));
        assert_eq!(lifetime_value("-1"), json!(-1));
        assert_eq!(lifetime_value("one-week"), json!("one-week"));
        assert_eq!(pct("a b/é"), "a%20b%2F%C3%A9");
    }
}
