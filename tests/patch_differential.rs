//! Differential test: the text-splicing `apply_patch_json` against the tree reference
//! `apply_patch_json_tree`, on random documents (compact, pretty, with duplicate keys, sometimes
//! invalid) and random patches (valid and invalid pointers, all six ops). Both must succeed
//! with the same document, or fail with the same code, operation index and pointer.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use tokenkit::patch::{apply_patch_json, apply_patch_json_pieces, apply_patch_json_tree};

/// Tokens that often exist in the generated documents, for pointers that often resolve.
const PATH_TOKENS: &[&str] = &["a", "b", "", "0", "1", "-", "a", "0"];
const TOKENS: &[&str] = &["a", "b", "c", "", "0", "1", "2", "-", "01", "1e0", "~", "/", "x y", "é"];

fn escape(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

fn pointer() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => prop::collection::vec(prop::sample::select(PATH_TOKENS), 0..4)
            .prop_map(|ts| ts.iter().map(|t| format!("/{}", escape(t))).collect::<String>()),
        1 => prop::collection::vec(prop::sample::select(TOKENS), 0..4)
            .prop_map(|ts| ts.iter().map(|t| format!("/{}", escape(t))).collect::<String>()),
        1 => Just("a".to_string()),
        1 => Just("/~2".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(PATH_TOKENS).prop_map(|s| json!(s)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(|n| json!(n)),
        Just(json!(1.0)),
        Just(json!(2.5)),
        Just(json!(u64::MAX)),
        prop::sample::select(TOKENS).prop_map(|s| json!(s)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(TOKENS), inner.clone()), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
            prop::collection::vec((prop::sample::select(PATH_TOKENS), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
        ]
    })
}

fn operation() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(&["add", "add", "remove", "replace", "move", "copy", "test", "test"][..]);
    (op, pointer(), pointer(), value(), 0..60u8).prop_map(|(op, path, from, value, quirk)| {
        let mut m = Map::new();
        m.insert("op".into(), json!(op));
        m.insert("path".into(), json!(path));
        if matches!(op, "move" | "copy") && quirk != 0 {
            m.insert("from".into(), json!(from));
        }
        if matches!(op, "add" | "replace" | "test") && quirk != 1 {
            m.insert("value".into(), value);
        }
        if quirk == 2 {
            m.insert("path".into(), json!(5));
        }
        if quirk == 3 {
            m.insert("op".into(), json!("bogus"));
        }
        Value::Object(m)
    })
}

/// The document's text: compact, pretty, with a duplicated first key, or broken.
fn doc_text(v: &Value, style: u8) -> String {
    match style {
        0..=3 => v.to_string(),
        4..=6 => serde_json::to_string_pretty(v).unwrap(),
        7 | 9 | 10 | 11 => match v {
            Value::Object(m) if !m.is_empty() => {
                let s = v.to_string();
                let (k, _) = m.iter().next().unwrap();
                format!("{{{}:\"dup\",{}", json!(k), &s[1..])
            }
            _ => format!(" {v}\n"),
        },
        _ => {
            let s = v.to_string();
            let mut cut = s.len() / 2;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s[..cut].to_string()
        }
    }
}

fn check(doc: &str, patch: &str) -> Result<(), TestCaseError> {
    let tree = apply_patch_json_tree(doc, patch);
    let text = apply_patch_json(doc, patch);
    // The pieces the wasm facade joins from slices of its inputs make the same text.
    let pieces = apply_patch_json_pieces(doc, patch).map(|s| s.join(doc, patch).unwrap());
    match (&text, &pieces) {
        (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "doc {} patch {}", doc, patch),
        (Err(a), Err(b)) => prop_assert_eq!(a.code(), b.code()),
        _ => prop_assert!(false, "pieces disagree: {:?} {:?}", text, pieces),
    }
    match (&tree, &text) {
        (Ok(a), Ok(b)) => {
            let a: Value = serde_json::from_str(a).unwrap();
            let b: Value = serde_json::from_str(b).map_err(|e| TestCaseError::fail(format!("text output not JSON: {e}: {b}")))?;
            prop_assert_eq!(a, b, "doc {} patch {}", doc, patch);
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(
                (a.code(), a.operation_index(), a.pointer()),
                (b.code(), b.operation_index(), b.pointer()),
                "doc {} patch {}",
                doc,
                patch
            );
        }
        _ => prop_assert!(false, "disagree: tree {:?} text {:?} doc {} patch {}", tree, text, doc, patch),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn text_path_agrees_with_tree(doc in value(), style in 0..12u8, ops in prop::collection::vec(operation(), 0..6)) {
        check(&doc_text(&doc, style), &Value::Array(ops).to_string())?;
    }
}

/// Text close to JSON (brackets, quotes, escapes, number and literal characters): the validator
/// must accept exactly what serde_json accepts, and nothing may panic.
fn json_ish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(
        &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "\"a\"",
            "\"\\u00e9\"",
            "\"\\ud800\"",
            "\\",
            "\\n",
            "0",
            "1",
            "-",
            "+",
            ".",
            "e",
            "E",
            "01",
            "1.5",
            "1e400",
            "1e-7",
            "true",
            "fals",
            "null",
            " ",
            "\n",
            "\u{1}",
            "é",
            "\"\\u12\"",
            "{\"a\":1}",
            "[1,2]",
        ][..],
    );
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn validator_agrees_on_json_ish_text(doc in json_ish(), patch in json_ish()) {
        check(&doc, "[]")?;
        check("{\"a\":[1]}", &patch)?;
        check(&doc, r#"[{"op":"add","path":"/a","value":1}]"#)?;
    }
}

#[test]
fn agree_on_edge_cases() {
    let cases = [
        (r#"{"a":{"b":1}}"#, r#"[{"op":"move","from":"/a","path":""},{"op":"test","path":"/b","value":2}]"#),
        (r#"{"a":[1,2]}"#, r#"[{"op":"move","from":"/a/0","path":"/a/2"}]"#),
        (r#"{"a":[1,2]}"#, r#"[{"op":"move","from":"/a/0","path":"/a/1"}]"#),
        (r#"{"a":1e400}"#, r#"[]"#),
        (r#"{"a":"\ud800"}"#, r#"[]"#),
        (r#"{"a":1}"#, r#"{"op":"add"}"#),
        (r#"{"a":1}"#, r#"[{"op":"copy","from":"/a","path":"/b"},{"op":"test","path":"/b","value":1.0}]"#),
        (r#"[[[[1]]]]"#, r#"[{"op":"copy","from":"/0","path":"/0/0/0/-"}]"#),
        ("  7  ", r#"[{"op":"test","path":"","value":7.0}]"#),
        // Patch-text quirks: duplicate members (last wins), non-object operations, wrong types.
        (r#"{"a":1}"#, r#"[{"op":"add","op":"remove","path":"/a","value":2}]"#),
        (r#"{"a":1}"#, r#"[{"op":"remove","path":"/zz","path":"/a"}]"#),
        (r#"{"a":1}"#, r#"[{"op":"test","path":"/a","value":2,"value":1}]"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":1}, 5]"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":1}, {"op":5,"path":"/a"}]"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":1}, {"path":"/a"}]"#),
        (r#"{"a":1}"#, r#"[{"op":"move","path":"/b","from":7}]"#),
        (r#"{"a":1}"#, r#"[{"op":"copy","from":"/a","path":"/~1bA"},{"op":"test","path":"/\/bA","value":1}]"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":{"x":[1,{"y":null}]}},{"op":"add","path":"/b/x/1/z","value":2}]"#),
        (r#"{"a":1}"#, r#"{"op":"add","path":"/b","value":1}"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":1}"#),
        (r#"{"a":1}"#, r#"[]  x"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":1e400}]"#),
        (r#"{"a":1}"#, r#"[{"op":"add","path":"/b","value":12.50}]"#),
    ];
    for (doc, patch) in cases {
        check(doc, patch).unwrap();
    }
    // Wide objects (the sorted duplicate check and hashed merge), with and without duplicates.
    let mut wide: Vec<String> = (0..40).map(|i| format!("\"k{i}\" : {i}")).collect();
    for patch in [
        r#"[{"op":"remove","path":"/k3"},{"op":"replace","path":"/k39","value":0},{"op":"test","path":"/k20","value":20}]"#,
        r#"[{"op":"move","from":"/k0","path":"/k1"},{"op":"copy","from":"/k5","path":"/new"}]"#,
    ] {
        check(&format!("{{ {} }}", wide.join(" , ")), patch).unwrap();
        wide.push("\"k7\": \"dup\"".into());
        wide.insert(0, "\"k39\": [1, 2]".into());
        check(&format!("{{\n{}\n}}", wide.join(",\n")), patch).unwrap();
    }
    // Depth limit: both reject growing past MAX_DEPTH the same way.
    let deep = format!("{}{}", "[".repeat(126), "]".repeat(126));
    let path = "/0".repeat(125);
    check(&deep, &format!(r#"[{{"op":"add","path":"{path}/0","value":[[1]]}}]"#)).unwrap();
    check(&deep, &format!(r#"[{{"op":"copy","from":"","path":"{path}/0"}}]"#)).unwrap();
    let mut doubling = vec![];
    for _ in 0..25 {
        doubling.push(json!({"op": "copy", "from": "/a", "path": "/a/-"}));
    }
    check(r#"{"a":[1]}"#, &Value::Array(doubling).to_string()).unwrap();
}
