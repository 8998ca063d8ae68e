//! One token table, four dialects: a token issued through one dialect is stored in the common
//! model, listed back in that dialect's shape, and invisible to the other three (which cannot
//! express its scope). This plays the worker's part: turn each draft into a stored `Token`.

use serde_json::{json, Map, Value};
use tokenkit::dialect::{akinon, launchdarkly as ld, s2, space, Caller, Token, TokenDraft};

const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn caller(scope: Value) -> Caller {
    Caller { conditions: None, account: "acct".into(), owner: "64f0000000000000000000a1".into(), token_id: "root".into(), scope, expires_at: None }
}

/// What the worker does with a draft: pick an id, keep the last four of the secret.
fn store(draft: TokenDraft, id: &str, secret: &str) -> Token {
    let hint: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    Token { conditions: None,
        id: draft.id.unwrap_or_else(|| id.to_string()),
        account: "acct".into(),
        owner: "64f0000000000000000000a1".into(),
        name: draft.name,
        description: draft.description,
        scope: draft.scope,
        created_at: NOW,
        updated_at: NOW,
        expires_at: draft.expires_at,
        last_used_at: None,
        hint,
        meta: draft.meta,
        version: 1,
    }
}

#[test]
fn each_dialect_sees_its_own_tokens_only() {
    let s2_root = caller(json!({"language":"s2","basins":{"prefix":""},"streams":{"prefix":""},"access_tokens":{"prefix":""},
        "op_groups":{"account":{"read":true,"write":true},"basin":{"read":true,"write":true},"stream":{"read":true,"write":true}},"ops":[]}));
    let ak_root = caller(json!({"language":"privileges","privileges":["*:*"]}));
    let ld_root = caller(json!({"language":"policy","role":"admin"}));
    let sp_root = caller(json!({"language":"names","scopes":null}));

    let secrets = ["tk_s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2AAAA", "tk_akakakakakakakakakakakakakakakBBBB", "tk_ldldldldldldldldldldldldldldldCCCC", "tk_spspspspspspspspspspspspspspspDDDD"];
    let tokens = vec![
        store(s2::parse_issue(r#"{"id":"ci","scope":{"streams":{"prefix":"logs/"},"ops":["read"]}}"#, &s2_root, NOW).unwrap(), "-", secrets[0]),
        store(akinon::parse_create(r#"{"name":"ak","lifetime":"one-month","privileges":["product:read"]}"#, &ak_root, NOW).unwrap(), "650000000000000000000001", secrets[1]),
        store(ld::parse_create(r#"{"name":"ld","role":"writer"}"#, &ld_root, NOW).unwrap(), "650000000000000000000002", secrets[2]),
        store(space::parse_create(r#"{"ttl":3600}"#, "64f0000000000000000000a1", &sp_root, NOW).unwrap(), "650000000000000000000003", secrets[3]),
    ];

    let s2_list = s2::list_response(&tokens, &s2::parse_list_query("").unwrap(), &s2_root).unwrap().body.unwrap();
    assert_eq!(s2_list["access_tokens"].as_array().map(Vec::len), Some(1));
    assert_eq!(s2_list["access_tokens"][0]["id"], "ci");
    assert_eq!(s2_list["access_tokens"][0]["scope"]["streams"], json!({"prefix":"logs/"}));

    let ak_list = akinon::list_response(&tokens, &json!({}), &ak_root).unwrap().body.unwrap();
    assert_eq!(ak_list.as_array().map(Vec::len), Some(1));
    assert_eq!(ak_list[0]["_id"], "650000000000000000000001");
    assert_eq!(ak_list[0]["token"], "********BBBB");
    assert_eq!(ak_list[0]["expiresOn"], "2026-02-01T00:00:00.000Z");

    let ld_list = ld::list_response(&tokens, &ld::parse_list_query("showAll=true").unwrap(), &ld_root).unwrap().body.unwrap();
    assert_eq!(ld_list["totalCount"], 1);
    assert_eq!(ld_list["items"][0]["_id"], "650000000000000000000002");
    assert_eq!(ld_list["items"][0]["token"], "CCCC");
    assert_eq!(ld_list["items"][0]["role"], "writer");

    let sp_list = space::list_response(&tokens, "64f0000000000000000000a1", &sp_root).unwrap().body.unwrap();
    assert_eq!(sp_list, json!([{"id":"650000000000000000000003","ttl":3600,"created":"2026-01-01T00:00:00.000Z","userId":"64f0000000000000000000a1"}]));

    // The create responses show the secret once, each in its vendor's field.
    assert_eq!(s2::issue_response(secrets[0]).body, Some(json!({"access_token": secrets[0]})));
    assert_eq!(akinon::create_response(&tokens[1], secrets[1]).unwrap().body.unwrap()["token"], secrets[1]);
    assert_eq!(ld::token_response(&tokens[2], Some(secrets[2]), 201).unwrap().body.unwrap()["token"], secrets[2]);
    assert_eq!(space::create_response(&tokens[3], secrets[3]).unwrap().body.unwrap()["id"], secrets[3]);

    // Each token renders in its own dialect and in no other.
    let renders = |t: &Token| {
        [
            s2::render_info(t).is_some(),
            akinon::create_response(t, "x").is_some(),
            ld::render(t, None).is_some(),
            space::render(t, None).is_some(),
        ]
    };
    for (i, t) in tokens.iter().enumerate() {
        let mut want = [false; 4];
        want[i] = true;
        assert_eq!(renders(t), want, "token {i}");
    }

    // And each dialect's delete refuses the others' tokens with its own 404.
    assert!(akinon::check_delete(Some(&tokens[1]), &ak_root).is_ok());
    assert_eq!(akinon::check_delete(Some(&tokens[3]), &ak_root).unwrap_err().status(), 404);
    assert!(ld::check_access(Some(&tokens[2]), &ld_root).is_ok());
    assert_eq!(ld::check_access(Some(&tokens[1]), &ld_root).unwrap_err().status(), 404);
    assert!(space::check_delete(Some(&tokens[3]), &sp_root).is_ok());
    assert_eq!(space::check_delete(Some(&tokens[2]), &sp_root).unwrap_err().status(), 404);
}

#[test]
fn the_common_model_round_trips_through_json() {
    let t = Token { conditions: None,
        id: "x".into(),
        account: "a".into(),
        owner: "o".into(),
        name: "n".into(),
        description: Some("d".into()),
        scope: json!({"language":"names","scopes":["a"]}),
        created_at: 1,
        updated_at: 2,
        expires_at: None,
        last_used_at: Some(3),
        hint: "wxyz".into(),
        meta: Map::new(),
        version: 7,
    };
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(
        v,
        json!({"id":"x","account":"a","owner":"o","name":"n","description":"d","scope":{"language":"names","scopes":["a"]},
               "createdAt":1,"updatedAt":2,"expiresAt":null,"lastUsedAt":3,"hint":"wxyz","version":7})
    );
    assert_eq!(serde_json::from_value::<Token>(v).unwrap(), t);
    // The store's own fields (digest, rotation state) may ride along; they never reach output.
    let row = json!({"id":"x","account":"a","owner":"o","scope":{"language":"names","scopes":null},"createdAt":1,"updatedAt":1,"digest":"sha256:00"});
    let t: Token = serde_json::from_value(row).unwrap();
    assert!(!serde_json::to_string(&space::render(&t, None)).unwrap().contains("sha256"));
    // A missing required field is an error, not a default.
    assert!(serde_json::from_value::<Token>(json!({"id":"x","account":"a","scope":{},"createdAt":1,"updatedAt":1})).is_err());
}
