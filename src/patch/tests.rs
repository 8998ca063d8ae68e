use serde_json::json;

use super::*;

fn run(doc: Value, patch: Value) -> Result<Value, PatchError> {
    let ops = parse_operations(&patch)?;
    apply_patch(&doc, &ops)
}

#[test]
fn table_of_successes() {
    let cases = [
        (json!({"a": 1}), json!([{"op": "add", "path": "/b", "value": 2}]), json!({"a": 1, "b": 2})),
        (json!([1, 2]), json!([{"op": "add", "path": "/-", "value": 3}]), json!([1, 2, 3])),
        (json!([1, 2]), json!([{"op": "add", "path": "/0", "value": 0}]), json!([0, 1, 2])),
        (json!([1, 2]), json!([{"op": "add", "path": "/2", "value": 3}]), json!([1, 2, 3])),
        (json!({"a": 1}), json!([{"op": "add", "path": "", "value": [1]}]), json!([1])),
        (json!({"a/b": 1, "m~n": 2}), json!([{"op": "remove", "path": "/a~1b"}, {"op": "remove", "path": "/m~0n"}]), json!({})),
        (json!({"a": {"b": 1}}), json!([{"op": "move", "from": "/a/b", "path": "/c"}]), json!({"a": {}, "c": 1})),
        (json!({"a": {"b": 1}}), json!([{"op": "move", "from": "/a", "path": ""}]), json!({"b": 1})),
        (json!({"a": 1}), json!([{"op": "move", "from": "/a", "path": "/a"}]), json!({"a": 1})),
        (json!({"a": [1]}), json!([{"op": "copy", "from": "/a", "path": "/a/-"}]), json!({"a": [1, [1]]})),
        (json!({"a": 1}), json!([{"op": "test", "path": "/a", "value": 1.0}]), json!({"a": 1})),
        (json!({"a": 1.0}), json!([{"op": "test", "path": "/a", "value": 1}]), json!({"a": 1.0})),
        (json!({"a": [1, {"x": 2.0}]}), json!([{"op": "test", "path": "/a", "value": [1.0, {"x": 2}]}]), json!({"a": [1, {"x": 2.0}]})),
        (json!({"": 1}), json!([{"op": "replace", "path": "/", "value": 2}]), json!({"": 2})),
        (json!([0, 1, 2]), json!([{"op": "move", "from": "/0", "path": "/2"}]), json!([1, 2, 0])),
        (json!("s"), json!([{"op": "replace", "path": "", "value": null}]), json!(null)),
        (json!({"a": 1}), json!([]), json!({"a": 1})),
    ];
    for (doc, patch, want) in cases {
        assert_eq!(run(doc.clone(), patch.clone()).unwrap(), want, "{doc} {patch}");
    }
}

#[test]
fn table_of_failures() {
    // (doc, patch, code, operation index, pointer)
    let cases = [
        (json!({}), json!({"op": "add"}), "invalid_patch", None, None),
        (json!({}), json!([1]), "invalid_operation", Some(0), None),
        (json!({}), json!([{"op": "spam", "path": "/a"}]), "invalid_operation", Some(0), None),
        (json!({}), json!([{"op": "add", "path": "/a"}]), "invalid_operation", Some(0), None),
        (json!({}), json!([{"op": "move", "path": "/a"}]), "invalid_operation", Some(0), None),
        (json!({}), json!([{"op": "add", "path": null, "value": 1}]), "invalid_operation", Some(0), None),
        (json!({}), json!([{"op": "add", "path": "a", "value": 1}]), "invalid_pointer", Some(0), Some("a")),
        (json!({}), json!([{"op": "add", "path": "/~2", "value": 1}]), "invalid_pointer", Some(0), Some("/~2")),
        (json!([1, 2]), json!([{"op": "test", "path": "/01", "value": 2}]), "invalid_array_index", Some(0), Some("/01")),
        (json!([1, 2]), json!([{"op": "add", "path": "/1e0", "value": 2}]), "invalid_array_index", Some(0), Some("/1e0")),
        (json!([1, 2]), json!([{"op": "add", "path": "/3", "value": 2}]), "index_out_of_bounds", Some(0), Some("/3")),
        (json!([1, 2]), json!([{"op": "remove", "path": "/2"}]), "index_out_of_bounds", Some(0), Some("/2")),
        (json!([1, 2]), json!([{"op": "remove", "path": "/-"}]), "index_out_of_bounds", Some(0), Some("/-")),
        (json!({"a": 1}), json!([{"op": "remove", "path": "/b"}]), "path_not_found", Some(0), Some("/b")),
        (json!({"a": 1}), json!([{"op": "add", "path": "/a/b", "value": 1}]), "path_not_found", Some(0), Some("/a/b")),
        (json!({"a": 1}), json!([{"op": "remove", "path": ""}]), "cannot_remove_root", Some(0), Some("")),
        (json!({"a": {"b": 1}}), json!([{"op": "move", "from": "/a", "path": "/a/b/c"}]), "move_into_child", Some(0), Some("/a/b/c")),
        (json!({"a": {}}), json!([{"op": "move", "from": "", "path": "/a/b"}]), "move_into_child", Some(0), Some("/a/b")),
        (json!({"a": 1}), json!([{"op": "copy", "from": "/x", "path": "/b"}]), "path_not_found", Some(0), Some("/x")),
        (json!({"a": 1}), json!([{"op": "add", "path": "/b", "value": 1}, {"op": "test", "path": "/a", "value": "1"}]), "test_failed", Some(1), Some("/a")),
        (json!({"a": 1.5}), json!([{"op": "test", "path": "/a", "value": 1}]), "test_failed", Some(0), Some("/a")),
        // The json-patch crate's panic: move into the root, then a failing test.
        (json!({"a": {"b": 1}}), json!([{"op": "move", "from": "/a", "path": ""}, {"op": "test", "path": "/b", "value": 2}]), "test_failed", Some(1), Some("/b")),
        (json!([]), json!([{"op": "move", "from": "/0", "path": "/1"}]), "index_out_of_bounds", Some(0), Some("/0")),
    ];
    for (doc, patch, code, op, ptr) in cases {
        let before = doc.clone();
        let err = run(doc.clone(), patch.clone()).unwrap_err();
        assert_eq!((err.code(), err.operation_index(), err.pointer()), (code, op, ptr), "{doc} {patch}: {err}");
        assert_eq!(doc, before);
        let msg = err.to_string();
        assert!(!msg.ends_with('.') && msg.chars().next().is_some_and(|c| !c.is_uppercase()), "{msg}");
    }
}

#[test]
fn numbers_compare_by_value() {
    let eq = [(json!(1), json!(1.0)), (json!(0), json!(-0.0)), (json!(u64::MAX), json!(u64::MAX)), (json!(-5), json!(-5.0))];
    for (a, b) in eq {
        assert!(json_eq(&a, &b), "{a} {b}");
        assert!(json_eq(&b, &a), "{b} {a}");
    }
    let ne = [
        (json!(1), json!(1.5)),
        (json!(u64::MAX), json!(18446744073709551615.0)), // the float is 2^64, not 2^64 - 1
        (json!(1), json!("1")),
        (json!({"a": 1}), json!({"a": 1, "b": 2})),
        (json!([1]), json!([1, 1])),
    ];
    for (a, b) in ne {
        assert!(!json_eq(&a, &b), "{a} {b}");
    }
}

#[test]
fn depth_and_copy_limits() {
    // Nest 126 arrays: adding a 2-deep value under it exceeds MAX_DEPTH.
    let mut doc = json!(0);
    for _ in 0..126 {
        doc = json!([doc]);
    }
    let path = "/0".repeat(126);
    let err = run(doc.clone(), json!([{"op": "add", "path": path, "value": [[1]]}])).unwrap_err();
    assert_eq!(err.code(), "too_deep");
    assert!(run(doc, json!([{"op": "add", "path": path, "value": [1]}])).is_ok());

    // Doubling by copy: 2^21 values after 21 copies.
    let mut ops = vec![];
    for _ in 0..25 {
        ops.push(json!({"op": "copy", "from": "/a", "path": "/a/-"}));
    }
    let err = run(json!({"a": [1]}), Value::Array(ops)).unwrap_err();
    assert_eq!(err.code(), "patch_too_large");
}

#[test]
fn operations_round_trip_to_json() {
    let patch = json!([
        {"op": "add", "path": "/a", "value": 1},
        {"op": "remove", "path": "/a"},
        {"op": "replace", "path": "/a", "value": null},
        {"op": "move", "from": "/a", "path": "/b"},
        {"op": "copy", "from": "/a", "path": "/b"},
        {"op": "test", "path": "/a", "value": [1]},
    ]);
    let ops = parse_operations(&patch).unwrap();
    assert_eq!(Value::Array(ops.iter().map(Operation::to_json).collect()), patch);
}
