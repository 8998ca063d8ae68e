#![cfg(not(target_arch = "wasm32"))]
//! Replays `tests/vectors/dialect/*.json`: each vendor's documented requests (and every error
//! path) against the dialect functions, checking exact statuses and bodies. The same files are
//! replayed through the wasm package by `tests/js/dialect.test.mjs`.
//!
//! A case is `{name, op, caller?, …args, expect}`; `expect` is `{"ok": value}` or
//! `{"status", "code", "body"}` (or `"bodyCode"` to check only the vendor's `code` when the
//! message quotes a parser's text).

use std::fs;

use serde_json::{json, Value};
use tokenkit::dialect::{self, akinon, launchdarkly as ld, s2, space, Caller, Credentials, Dialect, DialectError, Failure, Response, Token};

struct File {
    dialect: Dialect,
    now: i64,
    callers: Value,
    tokens: Vec<Token>,
}

impl File {
    fn caller(&self, case: &Value) -> Caller {
        let name = case["caller"].as_str().unwrap_or("root");
        serde_json::from_value(self.callers[name].clone()).unwrap_or_else(|e| panic!("caller {name}: {e}"))
    }
    fn token(&self, id: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.id == id)
    }
}

fn s(case: &Value, k: &str) -> String {
    case[k].as_str().unwrap_or_else(|| panic!("case {} needs string {k}", case["name"])).to_string()
}

fn resp(r: Response) -> Value {
    serde_json::to_value(r).unwrap()
}

fn run(f: &File, case: &Value) -> Result<Value, DialectError> {
    let op = case["op"].as_str().unwrap();
    let c = || f.caller(case);
    let now = f.now;
    let draft = |d: dialect::TokenDraft| serde_json::to_value(d).unwrap();
    let lookup = |k: &str| f.token(&s(case, k)).cloned();
    Ok(match (f.dialect, op) {
        (_, "credential") => {
            let creds: Credentials = serde_json::from_value(case["credentials"].clone()).unwrap();
            json!(dialect::credential(f.dialect, &creds)?)
        }
        (_, "error") => {
            let failure = Failure::from_code(&s(case, "failure")).unwrap();
            resp(Response::from(&DialectError::new(f.dialect, failure, s(case, "message"))))
        }
        (_, "render") => {
            let t = lookup("id").unwrap();
            json!({
                "s2": s2::render_info(&t),
                "akinon": akinon::create_response(&t, &akinon::masked(&t.hint)).and_then(|r| r.body),
                "launchdarkly": ld::render(&t, None),
                "space": space::render(&t, None),
            })
        }
        (Dialect::S2, "issue") => draft(s2::parse_issue(&s(case, "body"), &c(), now)?),
        (Dialect::S2, "issue_response") => resp(s2::issue_response(&s(case, "secret"))),
        (Dialect::S2, "list") => resp(s2::list_response(&f.tokens, &s2::parse_list_query(&s(case, "query"))?, &c())?),
        (Dialect::S2, "list_ids") => {
            let r = resp(s2::list_response(&f.tokens, &s2::parse_list_query(&s(case, "query"))?, &c())?);
            let ids: Vec<Value> = r["body"]["access_tokens"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect();
            json!({ "ids": ids, "has_more": r["body"]["has_more"] })
        }
        (Dialect::S2, "revoke") => json!(s2::parse_revoke(&s(case, "segment"), &c())?),
        (Dialect::Akinon, "create") => draft(akinon::parse_create(&s(case, "body"), &c(), now)?),
        (Dialect::Akinon, "create_response") => resp(akinon::create_response(&lookup("id").unwrap(), &s(case, "secret")).unwrap()),
        (Dialect::Akinon, "list") => resp(akinon::list_response(&f.tokens, &case["organization"], &c())?),
        (Dialect::Akinon, "token_id") => json!(akinon::parse_token_id(&s(case, "raw"))?),
        (Dialect::Akinon, "delete") => {
            let id = akinon::parse_token_id(&s(case, "raw"))?;
            akinon::check_delete(f.token(&id), &c())?;
            json!(id)
        }
        (Dialect::Akinon, "organization") => {
            let p: Vec<String> = serde_json::from_value(case["privileges"].clone()).unwrap();
            akinon::organization(&s(case, "account"), &s(case, "orgName"), &s(case, "owner"), &p, case["createdAt"].as_i64().unwrap())
        }
        (Dialect::LaunchDarkly, "create") => draft(ld::parse_create(&s(case, "body"), &c(), now)?),
        (Dialect::LaunchDarkly, "token_response") => {
            let t = lookup("id").unwrap();
            resp(ld::token_response(&t, case["secret"].as_str(), case["status"].as_u64().unwrap() as u16)?)
        }
        (Dialect::LaunchDarkly, "list") => resp(ld::list_response(&f.tokens, &ld::parse_list_query(&s(case, "query"))?, &c())?),
        (Dialect::LaunchDarkly, "list_ids") => {
            let r = resp(ld::list_response(&f.tokens, &ld::parse_list_query(&s(case, "query"))?, &c())?);
            let ids: Vec<Value> = r["body"]["items"].as_array().unwrap().iter().map(|t| t["_id"].clone()).collect();
            json!({ "ids": ids, "totalCount": r["body"]["totalCount"], "links": r["body"]["_links"] })
        }
        (Dialect::LaunchDarkly, "access") => {
            ld::check_access(f.token(&s(case, "id")), &c())?;
            json!(null)
        }
        (Dialect::LaunchDarkly, "patch") => {
            let t = lookup("id").unwrap();
            let out = ld::apply_patch(&t, &s(case, "body"), &c(), now)?;
            resp(ld::token_response(&out, None, 200)?)
        }
        (Dialect::LaunchDarkly, "reset") => json!(ld::parse_reset(&s(case, "query"), &lookup("id").unwrap(), &c(), now)?),
        (Dialect::Space, "create") => draft(space::parse_create(&s(case, "body"), &s(case, "path"), &c(), now)?),
        (Dialect::Space, "create_response") => resp(space::create_response(&lookup("id").unwrap(), &s(case, "secret")).unwrap()),
        (Dialect::Space, "list") => resp(space::list_response(&f.tokens, &s(case, "path"), &c())?),
        (Dialect::Space, "delete") => {
            let id = space::parse_delete(&s(case, "path"), &s(case, "tokenId"), &c())?;
            space::check_delete(f.token(&id), &c())?;
            json!(id)
        }
        (d, op) => panic!("no op {op} for {d:?}"),
    })
}

fn replay(file: &str) -> usize {
    let path = format!("{}/tests/vectors/dialect/{file}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let f = File {
        dialect: Dialect::from_name(v["dialect"].as_str().unwrap()).unwrap(),
        now: v["now"].as_i64().unwrap(),
        callers: v["callers"].clone(),
        tokens: serde_json::from_value(v["tokens"].clone()).unwrap(),
    };
    let mut failures = Vec::new();
    let cases = v["cases"].as_array().unwrap();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let exp = &case["expect"];
        let got = run(&f, case);
        let problem = match (got, exp.get("ok")) {
            (Ok(v), Some(want)) if &v == want => None,
            (Ok(v), Some(want)) => Some(format!("got {v}\n   want {want}")),
            (Ok(v), None) => Some(format!("expected an error, got {v}")),
            (Err(e), Some(_)) => Some(format!("unexpected error {e} -> {}", e.body())),
            (Err(e), None) => {
                let mut p = Vec::new();
                if exp["status"].as_u64() != Some(u64::from(e.status())) {
                    p.push(format!("status {} want {}", e.status(), exp["status"]));
                }
                if let Some(code) = exp["code"].as_str() {
                    if code != e.code() {
                        p.push(format!("code {} want {code}", e.code()));
                    }
                }
                if let Some(b) = exp.get("body") {
                    if *b != e.body() {
                        p.push(format!("body {}\n   want {b}", e.body()));
                    }
                }
                if let Some(bc) = exp.get("bodyCode") {
                    if e.body()["code"] != *bc {
                        p.push(format!("body {} want code {bc}", e.body()));
                    }
                }
                if exp.get("body").is_none() && exp.get("bodyCode").is_none() {
                    p.push("vector checks no body".into());
                }
                // Every error's Display is lowercase-led with no final period.
                let d = e.to_string();
                if d.ends_with('.') {
                    p.push(format!("display ends with a period: {d}"));
                }
                (!p.is_empty()).then(|| p.join("; "))
            }
        };
        if let Some(p) = problem {
            failures.push(format!("{file}: {name}: {p}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    cases.len()
}

#[test]
fn s2_vectors() {
    assert!(replay("s2.json") > 40);
}

#[test]
fn akinon_vectors() {
    assert!(replay("akinon.json") > 20);
}

#[test]
fn launchdarkly_vectors() {
    assert!(replay("launchdarkly.json") > 30);
}

#[test]
fn space_vectors() {
    assert!(replay("space.json") > 20);
}
