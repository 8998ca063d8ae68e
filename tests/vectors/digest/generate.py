#!/usr/bin/env python3
"""Regenerates vectors.json: known-answer tests from the standards, plus token digests computed
with Python's hashlib/hmac (independent of the Rust code).

Run from the repository root: python3 tests/vectors/digest/generate.py
"""
import hashlib, hmac, json, pathlib

sha256 = [
    # FIPS 180-4 / NIST CSRC example values (SHA256.pdf), plus the empty message.
    {"source": "FIPS 180-4 example: one-block message", "messageHex": b"abc".hex(),
     "digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"source": "FIPS 180-4 example: two-block (448-bit) message",
     "messageHex": b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".hex(),
     "digest": "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"source": "empty message", "messageHex": "",
     "digest": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
]
for v in sha256:
    assert hashlib.sha256(bytes.fromhex(v["messageHex"])).hexdigest() == v["digest"]

aa131 = "aa" * 131
rfc4231 = [
    ("RFC 4231 test case 1", "0b" * 20, b"Hi There".hex(),
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    ("RFC 4231 test case 2", b"Jefe".hex(), b"what do ya want for nothing?".hex(),
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ("RFC 4231 test case 3", "aa" * 20, "dd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    ("RFC 4231 test case 4", "0102030405060708090a0b0c0d0e0f10111213141516171819", "cd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    ("RFC 4231 test case 6", aa131, b"Test Using Larger Than Block-Size Key - Hash Key First".hex(),
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ("RFC 4231 test case 7", aa131,
     b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".hex(),
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]
hmacs = []
for source, key, msg, want in rfc4231:
    assert hmac.new(bytes.fromhex(key), bytes.fromhex(msg), hashlib.sha256).hexdigest() == want
    hmacs.append({"source": source, "keyHex": key, "messageHex": msg, "mac": want})

pepper_v1 = {"version": "v1", "key": "correct horse battery staple 0123456789"}
pepper_v2 = {"version": "2026-11", "key": "another pepper, at least thirty-two bytes"}
tokens = ["tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg", "ключ🔑"]
digests = []
for t in tokens:
    digests.append({"token": t, "digest": "sha256:" + hashlib.sha256(t.encode()).hexdigest()})
    for p in (pepper_v1, pepper_v2):
        mac = hmac.new(p["key"].encode(), t.encode(), hashlib.sha256).hexdigest()
        digests.append({"token": t, "pepper": p, "digest": f"hmac-sha256:{p['version']}:{mac}"})

h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
malformed = [
    {"digest": "", "code": "malformed_digest"},
    {"digest": h, "code": "malformed_digest"},
    {"digest": "sha256:" + h[:63], "code": "malformed_digest"},
    {"digest": "sha256:" + h.upper(), "code": "malformed_digest"},
    {"digest": "sha256:" + h + "00", "code": "malformed_digest"},
    {"digest": "hmac-sha256:" + h, "code": "malformed_digest"},
    {"digest": "SHA256:" + h, "code": "unsupported_digest_algorithm"},
    {"digest": "sha512:" + h, "code": "unsupported_digest_algorithm"},
    {"digest": "hmac-sha256::" + h, "code": "invalid_key_version"},
    {"digest": "hmac-sha256:v/1:" + h, "code": "invalid_key_version"},
]
out = {
    "about": "SHA-256 and HMAC-SHA-256 known answers (FIPS 180-4, RFC 4231 section 4) and token digests computed with Python hashlib/hmac.",
    "sha256": sha256,
    "hmacSha256": hmacs,
    "peppers": [pepper_v1, pepper_v2],
    "tokenDigests": digests,
    "malformed": malformed,
}
pathlib.Path(__file__).with_name("vectors.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
