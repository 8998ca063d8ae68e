//! Token text format: generate, parse, checksum, mask.
//!
//! A token reads `<prefix>_<body><check>`:
//!
//! - `prefix`: `[a-z][a-z0-9]{0,15}`, default [`DEFAULT_PREFIX`] (`tk`). It names the issuer so
//!   a secret scanner (and a human) can tell what a leaked string is.
//! - `body`: [`BODY_LEN`] (30) base62 characters drawn uniformly from the OS / browser CSPRNG
//!   (`getrandom`), about 178.6 bits of entropy.
//! - `check`: CRC32 (IEEE, as computed by `crc32fast`) of the ASCII text `<prefix>_<body>`,
//!   written as exactly [`CHECK_LEN`] (6) base62 digits, most significant first, zero-padded.
//!
//! The base62 alphabet is `0-9A-Za-z` in ASCII order, so digit value = position in
//! [`ALPHABET`]. Every character of a token is `[a-z0-9_A-Z]`: a word character, so a
//! double-click selects the whole token and [`TOKEN_PATTERN`] finds it in text.
//!
//! The checksum is *not* a security feature (anyone can compute a CRC); it lets a service reject
//! a typo or a made-up string before any storage read, as GitHub's token format does.
//!
//! This module never logs, stores or echoes a secret: error messages carry positions and
//! lengths only, and [`TokenParts`]'s `Debug` hides the body.

use core::fmt;

/// The prefix used when the caller does not give one.
pub const DEFAULT_PREFIX: &str = "tk";
/// Maximum length of a prefix, in characters.
pub const MAX_PREFIX_LEN: usize = 16;
/// Number of random base62 characters in a token's body.
pub const BODY_LEN: usize = 30;
/// Number of base62 characters of the CRC32 checksum.
pub const CHECK_LEN: usize = 6;
/// Shortest possible token: 1-character prefix, `_`, body, check.
pub const MIN_TOKEN_LEN: usize = 1 + 1 + BODY_LEN + CHECK_LEN;
/// Longest possible token: 16-character prefix, `_`, body, check.
pub const MAX_TOKEN_LEN: usize = MAX_PREFIX_LEN + 1 + BODY_LEN + CHECK_LEN;
/// The base62 digits, in value order (`0-9A-Za-z`, which is also ASCII order).
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// A regular expression (JS and Rust `regex` syntax) that finds tokens in text, e.g. for a
/// secret scanner. It matches the shape only; confirm a hit with [`parse`] (checksum).
pub const TOKEN_PATTERN: &str = r"\b[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{36}\b";
/// The character placed between the prefix and the last four characters by [`mask`]
/// (U+2026 HORIZONTAL ELLIPSIS). It is not base62, so a masked token never parses as a token.
pub const MASK_ELLIPSIS: char = '\u{2026}';

/// How many random bytes are drawn per round. Each byte is accepted with probability 248/256,
/// so one round of 40 bytes yields the 30 body characters with probability > 0.999.
const RANDOM_BATCH: usize = 40;
/// A random source that keeps returning rejected bytes is broken; give up after this many rounds
/// (the chance of a healthy source needing them is far below 2^-1000).
const MAX_RANDOM_ROUNDS: usize = 64;
/// Largest multiple of 62 that fits in a byte: bytes `< 248` map to `b % 62` without bias.
const REJECT_FROM: u8 = 248;

/// Why a prefix is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrefixProblem {
    /// The text has no `_` separating a prefix from the rest.
    MissingSeparator,
    /// The prefix is empty.
    Empty,
    /// The prefix is longer than [`MAX_PREFIX_LEN`].
    TooLong,
    /// The prefix does not start with `a-z`.
    BadFirstCharacter,
    /// The prefix contains a character outside `a-z0-9` (at this character index).
    BadCharacter(usize),
}

/// Errors of this area.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SecretError {
    /// The prefix (given to [`generate`], or found in a token) is not `[a-z][a-z0-9]{0,15}`.
    MalformedPrefix(PrefixProblem),
    /// The token is not the right length (counted in characters).
    InvalidLength {
        /// Expected length in characters (for a whole token: the length its prefix implies,
        /// or [`MIN_TOKEN_LEN`]/[`MAX_TOKEN_LEN`] when it is out of range).
        expected: usize,
        /// Actual length in characters.
        actual: usize,
    },
    /// A character after the `_` is not base62.
    InvalidCharacter {
        /// Character index (0-based, in Unicode scalar values) within the whole token.
        index: usize,
    },
    /// The token is well-formed but its checksum does not match: a typo, a truncation that
    /// kept the length, or a made-up token.
    InvalidChecksum,
    /// The random source failed or is broken (it kept returning bytes that must be rejected).
    RandomUnavailable,
}

impl SecretError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::MalformedPrefix(_) => "malformed_prefix",
            SecretError::InvalidLength { .. } => "invalid_length",
            SecretError::InvalidCharacter { .. } => "invalid_character",
            SecretError::InvalidChecksum => "invalid_checksum",
            SecretError::RandomUnavailable => "random_unavailable",
        }
    }
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::MalformedPrefix(p) => {
                f.write_str("malformed token prefix: ")?;
                match p {
                    PrefixProblem::MissingSeparator => f.write_str("no '_' after the prefix"),
                    PrefixProblem::Empty => f.write_str("the prefix is empty"),
                    PrefixProblem::TooLong => write!(f, "the prefix is longer than {MAX_PREFIX_LEN} characters"),
                    PrefixProblem::BadFirstCharacter => f.write_str("the prefix must start with a-z"),
                    PrefixProblem::BadCharacter(i) => write!(f, "character {i} is not a-z or 0-9"),
                }
            }
            SecretError::InvalidLength { expected, actual } => {
                let bound = match (*expected, *actual) {
                    (MIN_TOKEN_LEN, a) if a < MIN_TOKEN_LEN => "at least ",
                    (MAX_TOKEN_LEN, a) if a > MAX_TOKEN_LEN => "at most ",
                    _ => "",
                };
                write!(f, "invalid token length: expected {bound}{expected} characters, got {actual}")
            }
            SecretError::InvalidCharacter { index } => {
                write!(f, "invalid token character at index {index}: expected base62 (0-9, A-Z, a-z)")
            }
            SecretError::InvalidChecksum => f.write_str("invalid token checksum"),
            SecretError::RandomUnavailable => f.write_str("the random source is unavailable"),
        }
    }
}

impl std::error::Error for SecretError {}

/// The three parts of a well-formed token, borrowed from the token text.
///
/// `Debug` shows the prefix and checksum but not the body (the secret part).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenParts<'a> {
    /// The prefix, without the `_`.
    pub prefix: &'a str,
    /// The 30 random base62 characters.
    pub body: &'a str,
    /// The 6 base62 checksum characters.
    pub checksum: &'a str,
}

impl fmt::Debug for TokenParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenParts")
            .field("prefix", &self.prefix)
            .field("body", &"<redacted>")
            .field("checksum", &self.checksum)
            .finish()
    }
}

/// Checks that `prefix` is `[a-z][a-z0-9]{0,15}`.
///
/// # Errors
/// [`SecretError::MalformedPrefix`] saying what is wrong.
pub fn validate_prefix(prefix: &str) -> Result<(), SecretError> {
    let bytes = prefix.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(SecretError::MalformedPrefix(PrefixProblem::Empty));
    };
    if !first.is_ascii_lowercase() {
        return Err(SecretError::MalformedPrefix(PrefixProblem::BadFirstCharacter));
    }
    // Check characters before length so a long non-ASCII string reports the first bad character.
    for (i, c) in prefix.chars().enumerate() {
        if !(c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(SecretError::MalformedPrefix(PrefixProblem::BadCharacter(i)));
        }
    }
    if bytes.len() > MAX_PREFIX_LEN {
        return Err(SecretError::MalformedPrefix(PrefixProblem::TooLong));
    }
    Ok(())
}

/// The checksum of `<prefix>_<body>`: CRC32 as 6 base62 digits, zero-padded.
///
/// `prefix` and `body` are not validated here.
pub fn checksum(prefix: &str, body: &str) -> [u8; CHECK_LEN] {
    let crc = [prefix.as_bytes(), b"_", body.as_bytes()].iter().fold(!0u32, |c, part| crc32_update(c, part));
    encode_check(!crc)
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320: zlib's, GitHub's token checksum) of
/// `bytes`, one table lookup per byte. A token is under 300 bytes, so the 1 KiB table is enough;
/// a slice-by-16 implementation (crc32fast) ships 16 KiB of table in the wasm for no gain here.
/// The tests check it against crc32fast.
pub fn crc32(bytes: &[u8]) -> u32 {
    !crc32_update(!0, bytes)
}

fn crc32_update(mut crc: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        crc = CRC32_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    crc
}

static CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Writes `n` as exactly [`CHECK_LEN`] base62 digits, most significant first.
/// 62^6 = 56,800,235,584 > 2^32, so every `u32` fits.
pub fn encode_check(mut n: u32) -> [u8; CHECK_LEN] {
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Generates a new token with `prefix` (use [`DEFAULT_PREFIX`] for the default) from the
/// operating system's (or the browser's `crypto.getRandomValues`) CSPRNG.
///
/// # Errors
/// [`SecretError::MalformedPrefix`] for a bad prefix; [`SecretError::RandomUnavailable`] if the
/// random source fails.
///
/// # Example
/// ```
/// let t = tokenkit::secret::generate("tk").unwrap();
/// assert!(t.starts_with("tk_") && t.len() == 39);
/// assert!(tokenkit::secret::parse(&t).is_ok());
/// ```
pub fn generate(prefix: &str) -> Result<String, SecretError> {
    generate_with_rng(prefix, getrandom::fill)
}

/// [`generate`] with an injected random source: `fill` must fill the whole slice with random
/// bytes or fail. Deterministic given a deterministic `fill` (for tests).
///
/// Body characters come from rejection sampling: a byte `b < 248` becomes digit `b % 62`, other
/// bytes are discarded, so every digit is exactly equally likely.
///
/// # Errors
/// As [`generate`]. A source that keeps returning only bytes ≥ 248 is treated as broken
/// ([`SecretError::RandomUnavailable`]) instead of looping forever.
pub fn generate_with_rng<F, E>(prefix: &str, mut fill: F) -> Result<String, SecretError>
where
    F: FnMut(&mut [u8]) -> Result<(), E>,
{
    validate_prefix(prefix)?;
    let mut body = [0u8; BODY_LEN];
    let mut have = 0;
    let mut buf = [0u8; RANDOM_BATCH];
    for _ in 0..MAX_RANDOM_ROUNDS {
        fill(&mut buf).map_err(|_| SecretError::RandomUnavailable)?;
        for &b in &buf {
            if have == BODY_LEN {
                break;
            }
            if b < REJECT_FROM {
                body[have] = ALPHABET[usize::from(b % 62)];
                have += 1;
            }
        }
        if have == BODY_LEN {
            break;
        }
    }
    // Wipe the raw random bytes; the body itself is returned to the caller.
    buf.fill(0);
    if have != BODY_LEN {
        return Err(SecretError::RandomUnavailable);
    }
    let mut out = String::with_capacity(prefix.len() + 1 + BODY_LEN + CHECK_LEN);
    out.push_str(prefix);
    out.push('_');
    // `body` holds only ALPHABET bytes (ASCII), so each byte is one character.
    out.extend(body.iter().map(|&b| char::from(b)));
    body.fill(0);
    let check = checksum(prefix, &out[prefix.len() + 1..]);
    out.extend(check.iter().map(|&b| char::from(b)));
    Ok(out)
}

/// Parses and checks a token: length, prefix, characters, checksum — in that order.
///
/// 1. The length in characters must be within [`MIN_TOKEN_LEN`]..=[`MAX_TOKEN_LEN`]
///    ([`SecretError::InvalidLength`]; empty input lands here).
/// 2. Everything before the first `_` must be a valid prefix ([`SecretError::MalformedPrefix`];
///    no `_` at all is [`PrefixProblem::MissingSeparator`]).
/// 3. Everything after it must be base62 ([`SecretError::InvalidCharacter`]), and exactly
///    36 characters ([`SecretError::InvalidLength`]).
/// 4. The last 6 characters must be the checksum of the rest ([`SecretError::InvalidChecksum`]).
///
/// No whitespace trimming: `" tk_…"` is rejected, so the caller decides what to strip.
///
/// # Example
/// ```
/// use tokenkit::secret;
/// let t = secret::generate_with_rng("tk", |b: &mut [u8]| { b.fill(7); Ok::<(), ()>(()) }).unwrap();
/// let p = secret::parse(&t).unwrap();
/// assert_eq!(p.prefix, "tk");
/// assert_eq!(secret::parse("tk_nope").unwrap_err().code(), "invalid_length");
/// ```
pub fn parse(token: &str) -> Result<TokenParts<'_>, SecretError> {
    // Bound the work on huge inputs: a byte length above 4 × MAX is certainly too long.
    let actual = if token.len() > 4 * MAX_TOKEN_LEN { token.len() } else { token.chars().count() };
    if actual < MIN_TOKEN_LEN {
        return Err(SecretError::InvalidLength { expected: MIN_TOKEN_LEN, actual });
    }
    if actual > MAX_TOKEN_LEN {
        return Err(SecretError::InvalidLength { expected: MAX_TOKEN_LEN, actual });
    }
    let Some((prefix, rest)) = token.split_once('_') else {
        return Err(SecretError::MalformedPrefix(PrefixProblem::MissingSeparator));
    };
    validate_prefix(prefix)?;
    let offset = prefix.len() + 1; // prefix is ASCII here, so bytes == characters
    for (i, c) in rest.chars().enumerate() {
        if !c.is_ascii_alphanumeric() {
            return Err(SecretError::InvalidCharacter { index: offset + i });
        }
    }
    if rest.len() != BODY_LEN + CHECK_LEN {
        return Err(SecretError::InvalidLength { expected: offset + BODY_LEN + CHECK_LEN, actual });
    }
    // `rest` is ASCII, so splitting at a byte index is on a character boundary.
    let (body, check) = rest.split_at(BODY_LEN);
    if checksum(prefix, body).as_slice() != check.as_bytes() {
        return Err(SecretError::InvalidChecksum);
    }
    Ok(TokenParts { prefix, body, checksum: check })
}

/// `true` when `token` parses (shape and checksum). Never fails.
pub fn is_well_formed(token: &str) -> bool {
    parse(token).is_ok()
}

/// The display form of a token: prefix, `_`, an ellipsis (U+2026), and the token's last four
/// characters — e.g. `tk_…a1B2`. Safe to store and show; it never parses as a token.
///
/// The last four characters are part of the checksum, so they reveal at most 24 bits about the
/// body through the CRC, and nothing directly; the body keeps more than 150 bits of entropy.
///
/// # Errors
/// Whatever [`parse`] returns: only valid tokens are masked, so a masked string is always
/// derived from a real token (and arbitrary input is never echoed).
pub fn mask(token: &str) -> Result<String, SecretError> {
    let p = parse(token)?;
    let tail = p.checksum.get(CHECK_LEN - 4..).unwrap_or(p.checksum);
    let mut out = String::with_capacity(p.prefix.len() + 1 + 3 + 4);
    out.push_str(p.prefix);
    out.push('_');
    out.push(MASK_ELLIPSIS);
    out.push_str(tail);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fill function that writes 0, 1, 2, … (wrapping) across calls.
    fn counter() -> impl FnMut(&mut [u8]) -> Result<(), ()> {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                *b = next;
                next = next.wrapping_add(1);
            }
            Ok(())
        }
    }

    #[test]
    fn encode_check_known_values() {
        // CRC32("123456789") = 0xCBF43926 = 3421780262, the standard CRC-32 check value.
        // Expected strings computed independently (Python: repeated divmod by 62 over this alphabet).
        let cases: &[(u32, &str)] = &[
            (0, "000000"),
            (1, "000001"),
            (61, "00000z"),
            (62, "000010"),
            (u32::MAX, "4gfFC3"),
            (0xCBF4_3926, "3jZRME"),
        ];
        for &(n, want) in cases {
            assert_eq!(core::str::from_utf8(&encode_check(n)).unwrap(), want, "n = {n}");
        }
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn crc32_is_crc32fast() {
        assert_eq!(crc32(b""), 0);
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1031).collect();
        for len in 0..bytes.len() {
            assert_eq!(crc32(&bytes[..len]), crc32fast::hash(&bytes[..len]), "len {len}");
        }
        // checksum() feeds the parts separately: same as one buffer.
        let whole = crc32fast::hash(b"tk_0123456789ABCDEFGHIJKLMNOPQRST");
        assert_eq!(checksum("tk", "0123456789ABCDEFGHIJKLMNOPQRST"), encode_check(whole));
    }

    #[test]
    fn generate_with_counter_is_exact() {
        // Bytes 0..30 are all accepted, so the body is the first 30 alphabet digits.
        let t = generate_with_rng("tk", counter()).unwrap();
        assert_eq!(t, format!("tk_0123456789ABCDEFGHIJKLMNOPQRST{}", core::str::from_utf8(&checksum("tk", "0123456789ABCDEFGHIJKLMNOPQRST")).unwrap()));
        assert_eq!(t, "tk_0123456789ABCDEFGHIJKLMNOPQRST4IOrqg");
        assert!(parse(&t).is_ok());
    }

    #[test]
    fn generate_rejects_high_bytes() {
        // 248..=255 are rejected; 0..=247 map to b % 62.
        let mut calls = 0;
        let t = generate_with_rng("x", |buf: &mut [u8]| {
            calls += 1;
            for (i, b) in buf.iter_mut().enumerate() {
                *b = if calls == 1 { 248 + (i as u8 % 8) } else { 62 + i as u8 };
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert_eq!(&t[2..32], "0123456789ABCDEFGHIJKLMNOPQRST");
    }

    #[test]
    fn generate_fails_on_broken_or_failing_source() {
        let stuck = generate_with_rng("tk", |b: &mut [u8]| {
            b.fill(255);
            Ok::<(), ()>(())
        });
        assert_eq!(stuck, Err(SecretError::RandomUnavailable));
        let failing = generate_with_rng("tk", |_: &mut [u8]| Err(()));
        assert_eq!(failing, Err(SecretError::RandomUnavailable));
    }

    #[test]
    fn generate_real_tokens_parse_and_differ() {
        let a = generate(DEFAULT_PREFIX).unwrap();
        let b = generate(DEFAULT_PREFIX).unwrap();
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.len(), 39);
            assert!(parse(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn prefixes() {
        use PrefixProblem::*;
        let cases: &[(&str, Option<PrefixProblem>)] = &[
            ("tk", None),
            ("a", None),
            ("s2", None),
            ("abcdefghijklmnop", None),
            ("", Some(Empty)),
            ("abcdefghijklmnopq", Some(TooLong)),
            ("1tk", Some(BadFirstCharacter)),
            ("Tk", Some(BadFirstCharacter)),
            ("tK", Some(BadCharacter(1))),
            ("t-k", Some(BadCharacter(1))),
            ("t_k", Some(BadCharacter(1))),
            ("té", Some(BadCharacter(1))),
            ("é", Some(BadFirstCharacter)),
        ];
        for &(p, want) in cases {
            let got = validate_prefix(p).err();
            assert_eq!(got, want.map(SecretError::MalformedPrefix), "prefix {p:?}");
            assert_eq!(generate_with_rng(p, counter()).err(), want.map(SecretError::MalformedPrefix), "generate {p:?}");
        }
    }

    #[test]
    fn parse_table() {
        let good = generate_with_rng("tk", counter()).unwrap();
        let long_prefix = generate_with_rng("abcdefghijklmnop", counter()).unwrap();
        let mut flipped = good.clone();
        flipped.replace_range(5..6, "X"); // body typo
        let mut bad_check = good.clone();
        bad_check.replace_range(38..39, "J");
        let case_swapped = good.replacen("ABC", "abc", 1);
        type Want = Result<(), SecretError>;
        let cases: Vec<(String, Want)> = vec![
            (good.clone(), Ok(())),
            (long_prefix.clone(), Ok(())),
            (String::new(), Err(SecretError::InvalidLength { expected: MIN_TOKEN_LEN, actual: 0 })),
            ("tk_".into(), Err(SecretError::InvalidLength { expected: MIN_TOKEN_LEN, actual: 3 })),
            (good[..38].into(), Err(SecretError::InvalidLength { expected: 39, actual: 38 })),
            (good[..37].into(), Err(SecretError::InvalidLength { expected: MIN_TOKEN_LEN, actual: 37 })),
            (format!("{good}0"), Err(SecretError::InvalidLength { expected: 39, actual: 40 })),
            (format!("a{long_prefix}"), Err(SecretError::InvalidLength { expected: MAX_TOKEN_LEN, actual: 54 })),
            ("x".repeat(10_000), Err(SecretError::InvalidLength { expected: MAX_TOKEN_LEN, actual: 10_000 })),
            (good.replace('_', "0"), Err(SecretError::MalformedPrefix(PrefixProblem::MissingSeparator))),
            (good.replacen("tk", "TK", 1), Err(SecretError::MalformedPrefix(PrefixProblem::BadFirstCharacter))),
            (good.replacen("tk_", "_tk", 1), Err(SecretError::MalformedPrefix(PrefixProblem::Empty))),
            (good.replacen("tk_", "t-_", 1), Err(SecretError::MalformedPrefix(PrefixProblem::BadCharacter(1)))),
            (good.replacen("0", "-", 1), Err(SecretError::InvalidCharacter { index: 3 })),
            (good.replacen("T", "_", 1), Err(SecretError::InvalidCharacter { index: 32 })),
            (good.replacen("5", "é", 1), Err(SecretError::InvalidCharacter { index: 8 })),
            (good.replacen("5", "😀", 1), Err(SecretError::InvalidCharacter { index: 8 })),
            (good.replacen("5", " ", 1), Err(SecretError::InvalidCharacter { index: 8 })),
            (format!(" {}", &good[1..]), Err(SecretError::MalformedPrefix(PrefixProblem::BadFirstCharacter))),
            (format!("{} ", &good[..38]), Err(SecretError::InvalidCharacter { index: 38 })),
            (good.replace("tk_", "tk2_"), Err(SecretError::InvalidChecksum)),
            (flipped, Err(SecretError::InvalidChecksum)),
            (bad_check, Err(SecretError::InvalidChecksum)),
            (case_swapped, Err(SecretError::InvalidChecksum)),
        ];
        for (token, want) in cases {
            let got = parse(&token).map(|_| ());
            assert_eq!(got, want, "token {token:?}");
            assert_eq!(is_well_formed(&token), want.is_ok());
        }
    }

    #[test]
    fn parse_returns_parts() {
        let t = generate_with_rng("abc1", counter()).unwrap();
        let p = parse(&t).unwrap();
        assert_eq!(p.prefix, "abc1");
        assert_eq!(p.body, "0123456789ABCDEFGHIJKLMNOPQRST");
        assert_eq!(p.checksum, &t[35..]);
        assert_eq!(format!("{}_{}{}", p.prefix, p.body, p.checksum), t);
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(p.body) && dbg.contains("<redacted>"), "{dbg}");
    }

    #[test]
    fn mask_table() {
        let t = generate_with_rng("tk", counter()).unwrap();
        assert_eq!(mask(&t).unwrap(), "tk_\u{2026}Orqg");
        let long = generate_with_rng("abcdefghijklmnop", counter()).unwrap();
        let m = mask(&long).unwrap();
        assert!(m.starts_with("abcdefghijklmnop_\u{2026}") && m.ends_with(&long[long.len() - 4..]));
        assert_eq!(m.chars().count(), 16 + 1 + 1 + 4);
        // A masked token is not a token, and masking needs a valid token.
        assert_eq!(parse(&mask(&t).unwrap()).err().map(|e| e.code()), Some("invalid_length"));
        for bad in ["", "tk_short", "hello world", "\u{0}"] {
            assert!(mask(bad).is_err(), "{bad:?}");
        }
        let mut typo = t.clone();
        typo.replace_range(10..11, "z");
        assert_eq!(mask(&typo), Err(SecretError::InvalidChecksum));
    }

    #[test]
    fn error_codes_are_distinct_and_messages_lowercase() {
        let all = [
            SecretError::MalformedPrefix(PrefixProblem::Empty),
            SecretError::InvalidLength { expected: 39, actual: 0 },
            SecretError::InvalidCharacter { index: 3 },
            SecretError::InvalidChecksum,
            SecretError::RandomUnavailable,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            let m = e.to_string();
            assert!(m.starts_with(|c: char| c.is_ascii_lowercase()) && !m.ends_with('.'), "{m}");
        }
    }

    #[test]
    fn pattern_shape_matches_generated_length() {
        // The regex literal encodes BODY_LEN + CHECK_LEN; keep them in sync.
        assert!(TOKEN_PATTERN.contains(&format!("{{{}}}", BODY_LEN + CHECK_LEN)));
        assert!(TOKEN_PATTERN.contains(&format!("{{0,{}}}", MAX_PREFIX_LEN - 1)));
    }
}
