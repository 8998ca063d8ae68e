//! RFC 6901 JSON Pointers: parsing, escapes, array indices.

use core::fmt;

/// A parsed JSON Pointer (RFC 6901): the text as written and its unescaped reference tokens.
///
/// `""` is the whole document; every other pointer starts with `/`. `~0` is `~` and `~1` is `/`;
/// any other `~` sequence is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    text: String,
    tokens: Vec<String>,
}

impl Pointer {
    /// Parses `text` as a JSON Pointer.
    ///
    /// # Errors
    /// A static description when `text` is not empty and does not start with `/`, or contains a
    /// `~` not followed by `0` or `1`.
    pub fn parse(text: &str) -> Result<Pointer, &'static str> {
        if text.is_empty() {
            return Ok(Pointer { text: String::new(), tokens: Vec::new() });
        }
        let rest = text.strip_prefix('/').ok_or("a JSON pointer must be empty or start with '/'")?;
        let mut tokens = Vec::new();
        for raw in rest.split('/') {
            tokens.push(unescape(raw)?);
        }
        Ok(Pointer { text: text.to_owned(), tokens })
    }

    /// The pointer as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The unescaped reference tokens (empty for the whole document).
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether this pointer refers to the whole document.
    pub fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether `self` is a proper prefix of `other` (token-wise): `/a` is a proper prefix of
    /// `/a/b`, not of `/ab` nor of `/a`.
    pub fn is_proper_prefix_of(&self, other: &Pointer) -> bool {
        self.tokens.len() < other.tokens.len() && other.tokens.iter().zip(&self.tokens).all(|(a, b)| a == b)
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn unescape(raw: &str) -> Result<String, &'static str> {
    if !raw.contains('~') {
        return Ok(raw.to_owned());
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return Err("'~' must be followed by '0' or '1' in a JSON pointer"),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// What an array reference token means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArrayIndex {
    /// A decimal index without leading zeros.
    At(usize),
    /// `-`: the (nonexistent) element after the last one.
    End,
}

/// Parses an array reference token: `0`, or digits not starting with `0`, or `-`.
/// `None` for anything else (`01`, `1e0`, `-1`, ` 1`, an index that overflows `usize`).
pub(crate) fn array_index(token: &str) -> Option<ArrayIndex> {
    if token == "-" {
        return Some(ArrayIndex::End);
    }
    let bytes = token.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) || (bytes.len() > 1 && bytes[0] == b'0') {
        return None;
    }
    token.parse::<usize>().ok().map(ArrayIndex::At)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_unescapes() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("/", &[""]),
            ("/a/b", &["a", "b"]),
            ("/a~1b", &["a/b"]),
            ("/m~0n", &["m~n"]),
            ("/~01", &["~1"]),
            ("/~10", &["/0"]),
            ("//", &["", ""]),
        ];
        for (text, want) in cases {
            let p = Pointer::parse(text).unwrap();
            assert_eq!(p.tokens(), *want, "{text}");
            assert_eq!(p.as_str(), *text);
        }
    }

    #[test]
    fn rejects_bad_pointers() {
        for text in ["a", "a/b", "/~2", "/~", "/a~", "#/a"] {
            assert!(Pointer::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn array_indices() {
        let cases = [
            ("0", Some(ArrayIndex::At(0))),
            ("10", Some(ArrayIndex::At(10))),
            ("-", Some(ArrayIndex::End)),
            ("01", None),
            ("00", None),
            ("1e0", None),
            ("-1", None),
            ("", None),
            (" 1", None),
            ("+1", None),
            ("99999999999999999999999999", None),
        ];
        for (t, want) in cases {
            assert_eq!(array_index(t), want, "{t}");
        }
    }

    #[test]
    fn proper_prefix() {
        let p = |s| Pointer::parse(s).unwrap();
        assert!(p("/a").is_proper_prefix_of(&p("/a/b")));
        assert!(p("").is_proper_prefix_of(&p("/a")));
        assert!(!p("/a").is_proper_prefix_of(&p("/a")));
        assert!(!p("/a").is_proper_prefix_of(&p("/ab")));
    }
}
