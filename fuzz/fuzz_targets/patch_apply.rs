//! RFC 6902 JSON Patch: the text implementation (`apply_patch_json`), the tree implementation
//! (`apply_patch`), and an independent reference (`tokenkit_fuzz::ref_apply`).
//!
//! Properties: text and tree agree on every input, on success (same JSON) and on failure (same
//! code, operation index and pointer); on shallow documents both agree with the reference;
//! failure is all-or-nothing and located: if operation `i` fails, operations `0..i` apply and
//! operation `i` alone then fails the same way, and the input is unchanged; success equals
//! applying the operations one at a time.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokenkit::patch::{apply_patch, apply_patch_json, apply_patch_json_tree, parse_operations};
use tokenkit_fuzz::{mode_and_text, operation, ref_apply, value, G};

fn text_vs_tree(doc: &str, patch: &str) {
    let tree = apply_patch_json_tree(doc, patch);
    let text = apply_patch_json(doc, patch);
    match (&tree, &text) {
        (Ok(a), Ok(b)) => {
            let a: Value = serde_json::from_str(a).unwrap();
            let b: Value = serde_json::from_str(b).unwrap_or_else(|e| panic!("text output is not JSON: {e}: {b}"));
            assert_eq!(a, b, "doc {doc} patch {patch}");
        }
        (Err(a), Err(b)) => assert_eq!(
            (a.code(), a.operation_index(), a.pointer()),
            (b.code(), b.operation_index(), b.pointer()),
            "doc {doc} patch {patch}"
        ),
        _ => panic!("text and tree disagree: tree {tree:?} text {text:?} doc {doc} patch {patch}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        // Raw: "<document>\n<patch>" (the seeds are the json-patch-tests cases).
        let (doc, patch) = text.split_once('\n').unwrap_or((&text, "[]"));
        text_vs_tree(doc, patch);
        return;
    }
    let mut g = G::new(&data[1..]);
    let doc = value(&mut g, 3);
    let mut work = doc.clone();
    let mut ops_json = Vec::new();
    for _ in 0..g.below(5) {
        let op = operation(&mut g, &work);
        // Let later operations see paths created by earlier ones.
        if let Ok(ops) = parse_operations(&Value::Array(vec![op.clone()])) {
            if let Ok(next) = apply_patch(&work, &ops) {
                work = next;
            }
        }
        ops_json.push(op);
    }
    let patch = Value::Array(ops_json);
    let (doc_text, patch_text) = (doc.to_string(), patch.to_string());
    text_vs_tree(&doc_text, &patch_text);
    let reference = ref_apply(&doc, &patch);
    let Ok(ops) = parse_operations(&patch) else {
        assert!(reference.is_none(), "reference parses a patch tokenkit refuses: {patch}");
        return;
    };
    let reference = reference.unwrap_or_else(|| panic!("tokenkit parses a patch the reference refuses: {patch}"));
    let snapshot = doc.clone();
    let result = apply_patch(&doc, &ops);
    assert_eq!(doc, snapshot, "the input changed");
    match (&result, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "tokenkit and the reference disagree: doc {doc} patch {patch}"),
        (Err(e), Err(r)) => assert_eq!(e.operation_index(), Some(r.index), "failing index: doc {doc} patch {patch}: {e}"),
        _ => panic!("tokenkit {result:?} vs reference {reference:?}: doc {doc} patch {patch}"),
    }
    match &result {
        Ok(out) => {
            let mut step = doc.clone();
            for op in &ops {
                step = apply_patch(&step, std::slice::from_ref(op)).expect("a step of a successful patch fails alone");
            }
            assert_eq!(&step, out, "one at a time differs");
        }
        Err(e) => {
            let i = e.operation_index().expect("an operation error has an index");
            let before = apply_patch(&doc, &ops[..i]).expect("the operations before the failing one apply");
            let alone = apply_patch(&before, &ops[i..=i]).expect_err("the failing operation alone succeeds");
            assert_eq!((alone.code(), alone.pointer()), (e.code(), e.pointer()));
        }
    }
});
