//! Unit tests of the text engine: the validator against `serde_json`, untouched bytes, duplicate keys.

use serde_json::Value;

use super::scan::validate;


#[test]
fn validator_agrees_with_serde_json() {
    let cases = [
        "1",
        " 1 ",
        "-0",
        "01",
        "1.",
        ".5",
        "1e5",
        "1E+5",
        "1e",
        "-",
        "+1",
        "1e400",
        "-1e400",
        "1e-400",
        "123456789012345678901234567890",
        "true",
        "tru",
        "null",
        "nul",
        "\"a\"",
        "\"\\u00e9\"",
        "\"\\ud800\"",
        "\"\\ud800\\udc00\"",
        "\"\\udc00\"",
        "\"\\x\"",
        "\"a\nb\"",
        "\"\\u12\"",
        "[]",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{}",
        "{\"a\":1}",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":1}x",
        "[1]]",
        "[[]",
        "",
        " ",
        "{\"a\":[1,{\"b\":null}]}",
        "\"\\/\"",
        "[1,2,3]\n",
        "\u{feff}1",
        "[\"é\"]",
        "1e308",
        "1e309",
        "9e307",
        "0e99999",
        "1e-99999999999999999999",
        "1.5e99",
        "-1e99",
        "\"abcdefghijklmnop\\\"qrstuvwxyz\"",
        "\"abcdefgh\u{1}ijklmnop\"",
        "\"0123456789abcdef0123456789\"",
        "[\"abcdefgh\\\\\",\"x\"]",
    ];
    for c in cases {
        let mine = validate(c.as_bytes()).is_some();
        let theirs = serde_json::from_str::<Value>(c).is_ok();
        assert_eq!(mine, theirs, "{c:?}");
    }
}

#[test]
fn depth_limit_matches_serde_json() {
    for n in [126, 127, 128, 129] {
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(validate(text.as_bytes()).is_some(), serde_json::from_str::<Value>(&text).is_ok(), "{n}");
    }
}

#[test]
fn keeps_untouched_bytes() {
    let doc = "{ \"b\" : 1.50, \"a\": [1, 2 ,3], \"k\\u0041\": {\"x\" : 1e2} }";
    let out = crate::patch::apply_patch_json(doc, r#"[{"op":"add","path":"/a/1","value":9},{"op":"replace","path":"/kA/x","value":7}]"#).unwrap();
    // Expanded containers keep the untouched runs of members as written.
    assert_eq!(out, r#"{"b" : 1.50,"a":[1,9,2 ,3],"kA":{"x":7}}"#);
    let out = crate::patch::apply_patch_json(doc, "[]").unwrap();
    assert_eq!(out, doc.trim());
}

#[test]
fn duplicate_keys_last_wins() {
    let out = crate::patch::apply_patch_json(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"test","path":"/a","value":3}]"#).unwrap();
    assert_eq!(out, r#"{"a":3,"b":2}"#); // the root was expanded on the way to /a
    let out = crate::patch::apply_patch_json(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"add","path":"/c","value":0}]"#).unwrap();
    assert_eq!(out, r#"{"a":3,"b":2,"c":0}"#);
    let out = crate::patch::apply_patch_json(r#"{"a":1,"b":2,"a":3}"#, r#"[{"op":"remove","path":"/b"}]"#).unwrap();
    assert_eq!(out, r#"{"a":3}"#);
}

#[test]
fn utf16_offsets_match_encode_utf16() {
    use crate::patch::Utf16Offsets;
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(["a", "é", "€", "𝄞", "\"k\":1,"][i % 5]);
    }
    let offsets = Utf16Offsets::new(&text, false);
    for (b, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        assert_eq!(offsets.at(b), text.get(..b).unwrap().encode_utf16().count(), "byte {b}");
    }
    let ascii = "x".repeat(9000);
    let offsets = Utf16Offsets::new(&ascii, true);
    assert_eq!(offsets.at(8191), 8191);
}

#[test]
fn pieces_join_to_the_text_and_reference_the_inputs() {
    use crate::patch::{apply_patch_json, apply_patch_json_pieces, Piece};
    let doc = r#"{"a":[1,2,3],"big":"untouched text here","b":{"c":1}}"#;
    let patch = r#"[{"op":"add","path":"/a/-","value":{"deep":"value from the patch"}},{"op":"remove","path":"/b/c"}]"#;
    let spliced = apply_patch_json_pieces(doc, patch).unwrap();
    assert_eq!(spliced.len(), apply_patch_json(doc, patch).unwrap().len());
    assert!(spliced.pieces.iter().any(|p| matches!(p, Piece::Patch(..))), "{:?}", spliced.pieces);
    assert!(spliced.pieces.iter().any(|p| matches!(p, Piece::Document(..))), "{:?}", spliced.pieces);
    // Adjacent pieces of one source are merged.
    for w in spliced.pieces.windows(2) {
        match (w[0], w[1]) {
            (Piece::Document(_, e), Piece::Document(s, _)) | (Piece::Patch(_, e), Piece::Patch(s, _)) | (Piece::Generated(_, e), Piece::Generated(s, _)) => assert_ne!(e, s),
            _ => {}
        }
    }
    assert_eq!(spliced.join(doc, patch).unwrap(), apply_patch_json(doc, patch).unwrap());
}
