//! Glob specifiers for policy statements (`proj/*:env/production:flag/*`, `update*`).
//!
//! Rules (pinned in `docs/scopes.md` and the vectors):
//! - A specifier that is exactly `*` matches everything.
//! - Otherwise `:` separates segments and a specifier matches a value only when both have the
//!   same number of segments and each segment matches; inside a segment `*` matches any run of
//!   characters (none included) and every other character matches itself. So `proj/*` matches
//!   the project `proj/default` but not the environment `proj/default:env/production`, as in
//!   LaunchDarkly's resource hierarchy.
//! - Matching is on bytes; case-sensitive.

/// A compiled specifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    /// `None` = the universal `*`; otherwise one entry per segment.
    segments: Option<Vec<Segment>>,
    source: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    /// Literal pieces between stars; `pieces.len() == stars + 1`.
    pieces: Vec<String>,
}

impl Segment {
    fn parse(s: &str) -> Segment {
        Segment { pieces: s.split('*').map(str::to_string).collect() }
    }

    fn has_star(&self) -> bool {
        self.pieces.len() > 1
    }

    /// Plain glob match of one segment (no `:` inside either side).
    fn matches(&self, text: &str) -> bool {
        let t = text.as_bytes();
        let n = self.pieces.len();
        let first = self.pieces.first().map(String::as_bytes).unwrap_or(b"");
        if n == 1 {
            return t == first;
        }
        let last = self.pieces.last().map(String::as_bytes).unwrap_or(b"");
        if t.len() < first.len() + last.len() || !t.starts_with(first) || !t.ends_with(last) {
            return false;
        }
        // Middle pieces: leftmost match each, in order, within the window between the
        // fixed first and last pieces (greedy leftmost is optimal for `*`-only globs).
        let mut pos = first.len();
        let end = t.len() - last.len();
        for piece in self.pieces.iter().take(n - 1).skip(1) {
            let p = piece.as_bytes();
            match find(t.get(pos..end).unwrap_or(b""), p) {
                Some(at) => pos += at + p.len(),
                None => return false,
            }
        }
        true
    }

    /// Literal text every match of this segment starts with.
    fn literal_prefix(&self) -> &str {
        self.pieces.first().map(String::as_str).unwrap_or("")
    }

    /// Every string `child` matches, `self` matches too (sound, not complete): equal
    /// segments; `self` = `*`; `self` = `X*` and every match of `child` starts with `X`.
    fn covers(&self, child: &Segment) -> bool {
        if self == child {
            return true;
        }
        match self.pieces.as_slice() {
            [x, rest] if rest.is_empty() => child.literal_prefix().starts_with(x.as_str()) || (!child.has_star() && self.matches(child.literal_prefix())),
            _ => !child.has_star() && child.pieces.first().is_some_and(|lit| self.matches(lit)),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Glob {
    /// Compiles a specifier. Never fails: every string is a valid glob.
    pub fn new(spec: &str) -> Glob {
        let segments = if spec == "*" { None } else { Some(spec.split(':').map(Segment::parse).collect()) };
        Glob { segments, source: spec.to_string() }
    }

    /// The text every match starts with: up to the first `*` (empty for the universal `*`).
    pub fn literal_prefix(&self) -> &str {
        match &self.segments {
            None => "",
            Some(_) => self.source.split('*').next().unwrap_or(""),
        }
    }

    /// The specifier as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the specifier matches `value`.
    pub fn matches(&self, value: &str) -> bool {
        let Some(segs) = &self.segments else { return true };
        let mut parts = value.split(':');
        for seg in segs {
            match parts.next() {
                Some(p) if seg.matches(p) => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }

    /// Whether every value `child` matches is matched by `self` (sound; conservative when
    /// both sides have stars in ways the segment rules above cannot compare).
    pub fn covers(&self, child: &Glob) -> bool {
        match (&self.segments, &child.segments) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(p), Some(c)) => p.len() == c.len() && p.iter().zip(c).all(|(ps, cs)| ps.covers(cs)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "anything:at/all", true),
            ("*", "", true),
            ("proj/*", "proj/default", true),
            ("proj/*", "proj/default:env/production", false),
            ("proj/*:env/*", "proj/default:env/production", true),
            ("proj/*:env/production:flag/*", "proj/a:env/production:flag/x", true),
            ("proj/*:env/production:flag/*", "proj/a:env/staging:flag/x", false),
            ("proj/a*b", "proj/ab", true),
            ("proj/a*b", "proj/aXXb", true),
            ("proj/a*b", "proj/aXXbc", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "acb", false),
            ("a*a", "a", false),
            ("update*", "updateOn", true),
            ("update*", "createFlag", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("", "", true),
            ("", "x", false),
        ];
        for (spec, value, want) in cases {
            assert_eq!(Glob::new(spec).matches(value), *want, "{spec} vs {value}");
        }
    }

    #[test]
    fn covers_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "proj/*:env/*", true),
            ("proj/*", "*", false),
            ("proj/*:env/*", "proj/a:env/b", true),
            ("proj/*:env/*", "proj/a*:env/b", true),
            ("proj/a*:env/*", "proj/*:env/b", false),
            ("proj/*", "proj/*:env/*", false),
            ("proj/x", "proj/x", true),
            ("proj/*y", "proj/xy", true),
            ("proj/*y", "proj/x*y", false),
            ("update*", "updateOn", true),
            ("update*", "update*", true),
            ("update*", "updateO*", true),
            ("update*", "*", false),
        ];
        for (p, c, want) in cases {
            assert_eq!(Glob::new(p).covers(&Glob::new(c)), *want, "{p} covers {c}");
        }
    }
}
