#!/usr/bin/env python3
"""Regenerates tokens.json with an implementation independent of the Rust one (zlib.crc32).

Run from the repository root: python3 tests/vectors/secret/generate.py
"""
import json, zlib, pathlib

A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

def check(prefix, body):
    n = zlib.crc32(f"{prefix}_{body}".encode())
    s = ""
    for _ in range(6):
        n, r = divmod(n, 62)
        s = A[r] + s
    return s

def token(prefix, body):
    return f"{prefix}_{body}{check(prefix, body)}"

valid = []
for prefix, body in [
    ("tk", "0123456789ABCDEFGHIJKLMNOPQRST"),
    ("tk", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
    ("tk", "000000000000000000000000000000"),
    ("a", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1"),
    ("s2", "Xy7Qm2Lp9Rt4Vw6Zb8Nc3Kd5Hf1Gj0"),
    ("abcdefghijklmnop", "HelloWorldHelloWorldHelloWorld"),
    ("ghp", "16C7e42F292c6912E7710c838347Ae"),
]:
    t = token(prefix, body)
    valid.append({"token": t, "prefix": prefix, "body": body, "checksum": t[-6:], "mask": f"{prefix}_\u2026{t[-4:]}"})

good = valid[0]["token"]
invalid = [
    {"token": "", "code": "invalid_length"},
    {"token": "tk_", "code": "invalid_length"},
    {"token": good[:-1], "code": "invalid_length"},
    {"token": good + "0", "code": "invalid_length"},
    {"token": "x" * 200, "code": "invalid_length"},
    {"token": good.replace("_", "0"), "code": "malformed_prefix"},
    {"token": "TK" + good[2:], "code": "malformed_prefix"},
    {"token": "9k" + good[2:], "code": "malformed_prefix"},
    {"token": "t-" + good[2:], "code": "malformed_prefix"},
    {"token": "_tk" + good[3:], "code": "malformed_prefix"},
    {"token": good[:10] + "-" + good[11:], "code": "invalid_character"},
    {"token": good[:10] + "\u00e9" + good[11:], "code": "invalid_character"},
    {"token": good[:10] + "\U0001F600" + good[11:], "code": "invalid_character"},
    {"token": good[:10] + " " + good[11:], "code": "invalid_character"},
    {"token": good[:10] + "_" + good[11:], "code": "invalid_character"},
    {"token": good[:10] + ("a" if good[10] != "a" else "b") + good[11:], "code": "invalid_checksum"},
    {"token": good[:-1] + ("a" if good[-1] != "a" else "b"), "code": "invalid_checksum"},
    {"token": "tj" + good[2:], "code": "invalid_checksum"},
    {"token": good.swapcase().replace("TK", "tk", 1), "code": "invalid_checksum"},
    {"token": valid[0]["mask"], "code": "invalid_length"},
]
out = {
    "about": "Token format vectors. Checksums computed by generate.py with Python's zlib.crc32, independently of the Rust code.",
    "valid": valid,
    "invalid": invalid,
}
path = pathlib.Path(__file__).with_name("tokens.json")
path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
