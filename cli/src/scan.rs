//! `tokenkit scan`: finds tokenkit secrets in files, in git history and in staged changes.
//!
//! A candidate is what the core's [`TOKEN_PATTERN`] matches (`\b[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{36}\b`,
//! word characters being ASCII `[A-Za-z0-9_]`), found without a regex engine: `memchr` jumps to
//! each `_`, the 36 characters after it and the prefix before it are checked by hand. Every
//! candidate then goes through the core's [`secret::parse`], so only tokens whose CRC32
//! checksum is right are reported: a look-alike (the same shape, a wrong checksum) never is.
//!
//! A finding carries the token's masked form ([`secret::mask`]: prefix + last four), never the
//! secret.
//!
//! [`TOKEN_PATTERN`]: tokenkit::secret::TOKEN_PATTERN

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tokenkit::secret::{self, MAX_PREFIX_LEN};

/// Characters after the `_`: body + checksum.
const TAIL: usize = secret::BODY_LEN + secret::CHECK_LEN;
/// Bytes read per call when streaming a file.
const CHUNK: usize = 1 << 20;
/// How far into a file to look for a NUL byte before deciding it is binary (as grep and git do).
const BINARY_PROBE: usize = 8192;
/// Directories skipped while walking, unless `--no-default-excludes`.
pub const DEFAULT_EXCLUDES: &[&str] = &[".git", "node_modules", "target", ".wrangler", ".venv"];

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where a token was found in `buf`: its byte range. Calls `hit(start, end, token)` for every
/// candidate in `buf` whose `_` lies in `from..to` and whose checksum is valid. `eof` says that
/// nothing follows `buf` (so its end is a word boundary); otherwise the caller keeps
/// `to <= buf.len() - TAIL - 1` so every checked candidate is whole.
pub fn scan_buf(buf: &[u8], from: usize, to: usize, mut hit: impl FnMut(usize, usize, &str)) {
    let mut pos = from;
    while pos < to {
        let Some(off) = memchr::memchr(b'_', &buf[pos..to]) else { break };
        let u = pos + off;
        pos = u + 1;
        // After the `_`: exactly TAIL base62 characters, then a non-word byte (or the end).
        let end = u + 1 + TAIL;
        if end > buf.len() {
            continue;
        }
        if buf.get(end).is_some_and(|&b| is_word(b)) {
            continue;
        }
        if !buf[u + 1..end].iter().all(u8::is_ascii_alphanumeric) {
            continue;
        }
        // Before it: 1 to 16 characters of [a-z0-9] starting with a-z, preceded by a non-word
        // byte (or the start).
        let mut start = u;
        while start > 0 && u - start <= MAX_PREFIX_LEN && matches!(buf[start - 1], b'a'..=b'z' | b'0'..=b'9') {
            start -= 1;
        }
        let plen = u - start;
        if plen == 0 || plen > MAX_PREFIX_LEN || !buf[start].is_ascii_lowercase() {
            continue;
        }
        if start > 0 && is_word(buf[start - 1]) {
            continue;
        }
        // ASCII by construction.
        let Ok(text) = std::str::from_utf8(&buf[start..end]) else { continue };
        if secret::parse(text).is_ok() {
            hit(start, end, text);
            // The body holds no `_`: the next candidate starts after this token.
            pos = end;
        }
    }
}

/// One secret found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file (or `-` for standard input), relative as given.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based byte column.
    pub column: u64,
    /// The masked token (`tk_…Orqg`).
    pub masked: String,
    /// Its unpeppered stored digest, `sha256:<hex>` (what `tokenkit digest` prints without a
    /// pepper): the key of `--allow` lists, and the row to look up on a service without a pepper.
    pub sha256: String,
    /// The commit that added it (`--git`), if any.
    pub commit: Option<String>,
}

impl Finding {
    /// `path:line:column: masked` (with `commit:` in front for history findings).
    pub fn human(&self) -> String {
        match &self.commit {
            Some(c) => format!("{c}:{}:{}:{}: {}", self.path, self.line, self.column, self.masked),
            None => format!("{}:{}:{}: {}", self.path, self.line, self.column, self.masked),
        }
    }

    /// The finding as a JSON object.
    pub fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "path": self.path, "line": self.line, "column": self.column, "masked": self.masked, "sha256": self.sha256,
        });
        if let Some(c) = &self.commit {
            v["commit"] = c.clone().into();
        }
        v
    }
}

fn sha256_text(token: &str) -> String {
    format!("sha256:{}", tokenkit::digest::hex(&tokenkit::digest::sha256(token.as_bytes())))
}

fn masked(token: &str) -> String {
    secret::mask(token).unwrap_or_else(|_| String::from("?"))
}

/// Scans a stream: returns its findings (`path` filled in), or `None` if it is binary (a NUL
/// byte in its first 8 KiB). Reads [`CHUNK`] bytes at a time, so a file of any size is scanned
/// in bounded memory; a token split across two reads is still found.
pub fn scan_reader(mut r: impl Read, path: &str, binary_check: bool) -> io::Result<Option<Vec<Finding>>> {
    let mut found = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 2 * MAX_TOKEN_KEEP);
    // `base`: the file offset of buf[0]; `next`: where in buf the `_`s not yet looked at start.
    let (mut base, mut next) = (0u64, 0usize);
    // Lines: newlines counted up to file offset `counted`; `line` is the line there, starting at
    // file offset `line_start`.
    let (mut counted, mut line, mut line_start) = (0u64, 1u64, 0u64);
    let mut first = true;
    loop {
        let old = buf.len();
        buf.resize(old + CHUNK, 0);
        let n = read_full(&mut r, &mut buf[old..])?;
        buf.truncate(old + n);
        let eof = n == 0 || n < CHUNK;
        if first {
            first = false;
            if binary_check && memchr::memchr(0, &buf[..buf.len().min(BINARY_PROBE)]).is_some() {
                return Ok(None);
            }
        }
        // Whole candidates only: a `_` closer to the end than TAIL + 1 bytes waits for more data.
        let to = if eof { buf.len() } else { buf.len().saturating_sub(TAIL + 1).max(next) };
        scan_buf(&buf, next, to, |start, _end, token| {
            let at = base + start as u64;
            let from = (counted - base) as usize;
            let seg = &buf[from..start];
            let nl = memchr::memchr_iter(b'\n', seg).count() as u64;
            if nl > 0 {
                line += nl;
                line_start = base + memchr::memrchr(b'\n', seg).map_or(0, |i| from + i + 1) as u64;
            }
            counted = at;
            found.push(Finding { path: path.to_owned(), line, column: at - line_start + 1, masked: masked(token), sha256: sha256_text(token), commit: None });
        });
        if eof {
            return Ok(Some(found));
        }
        // Keep the bytes a later candidate may need: the prefix before the next `_` to check.
        let drop_to = to.saturating_sub(MAX_TOKEN_KEEP);
        // Count the newlines in what is dropped.
        let from = (counted - base) as usize;
        if drop_to > from {
            let seg = &buf[from..drop_to];
            let nl = memchr::memchr_iter(b'\n', seg).count() as u64;
            if nl > 0 {
                line += nl;
                line_start = base + memchr::memrchr(b'\n', seg).map_or(0, |i| from + i + 1) as u64;
            }
            counted = base + drop_to as u64;
        }
        buf.drain(..drop_to);
        base += drop_to as u64;
        next = to - drop_to;
    }
}

/// Bytes kept before the next `_` to look at, from one read to the next: the longest prefix and
/// the byte before it (the backward check reads at most 17 bytes), plus one to spare.
const MAX_TOKEN_KEEP: usize = MAX_PREFIX_LEN + 2;

fn read_full(r: &mut impl Read, mut buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while !buf.is_empty() {
        match r.read(buf) {
            Ok(0) => break,
            Ok(k) => {
                n += k;
                buf = &mut buf[k..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What a scan of paths did.
#[derive(Debug, Default)]
pub struct Report {
    /// Secrets found, in walk order.
    pub findings: Vec<Finding>,
    /// Files scanned.
    pub files: u64,
    /// Files skipped as binary.
    pub binary: u64,
    /// Errors (unreadable path, failed git): `path: message`.
    pub errors: Vec<String>,
    /// Findings dropped because their digest is in the `--allow` list.
    pub allowed: u64,
}

/// Options of a scan.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also walk `.git`, `node_modules`, `target`, ….
    pub no_default_excludes: bool,
    /// Scan binary files too.
    pub binary: bool,
}

/// Scans files and directories (recursively; symbolic links are not followed; `-` is standard
/// input).
pub fn scan_paths(paths: &[PathBuf], opts: &Options, report: &mut Report) {
    for p in paths {
        if p.as_os_str() == "-" {
            scan_one(io::stdin().lock(), "-", opts, report);
            continue;
        }
        walk(p, opts, report, true);
    }
}

fn scan_one(r: impl Read, name: &str, opts: &Options, report: &mut Report) {
    match scan_reader(r, name, !opts.binary) {
        Ok(Some(f)) => {
            report.files += 1;
            report.findings.extend(f);
        }
        Ok(None) => report.binary += 1,
        Err(e) => report.errors.push(format!("{name}: {e}")),
    }
}

fn walk(p: &Path, opts: &Options, report: &mut Report, top: bool) {
    let meta = match if top { std::fs::metadata(p) } else { std::fs::symlink_metadata(p) } {
        Ok(m) => m,
        Err(e) => return report.errors.push(format!("{}: {e}", p.display())),
    };
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return report.errors.push(format!("{}: {e}", p.display())),
        };
        entries.sort();
        for e in entries {
            if !opts.no_default_excludes {
                if let Some(name) = e.file_name().and_then(|n| n.to_str()) {
                    if DEFAULT_EXCLUDES.contains(&name) && e.is_dir() {
                        continue;
                    }
                }
            }
            walk(&e, opts, report, false);
        }
    } else if meta.is_file() {
        let name = p.display().to_string();
        match File::open(p) {
            Ok(f) => scan_one(f, &name, opts, report),
            Err(e) => report.errors.push(format!("{name}: {e}")),
        }
    }
    // Symbolic links below the top, sockets, fifos, devices: skipped.
}

/// Scans the lines a unified diff adds (`git log -p` / `git diff` output, `-U0` or not):
/// `commit <hash>` lines set the commit, `+++ b/<path>` the file, `@@ … +<line>,… @@` the line
/// number; every `+` line is scanned. Binary files appear as "Binary files … differ" and are
/// not scanned.
pub fn scan_diff(r: impl BufRead, report: &mut Report) -> io::Result<()> {
    let mut r = r;
    let mut commit: Option<String> = None;
    let mut path = String::new();
    let mut line_no = 0u64;
    let mut in_hunk = false;
    let mut l = Vec::new();
    loop {
        l.clear();
        if r.read_until(b'\n', &mut l)? == 0 {
            return Ok(());
        }
        if in_hunk {
            match l.first() {
                Some(b'+') => {
                    scan_buf(&l, 1, l.len(), |start, _, token| {
                        report.findings.push(Finding { path: path.clone(), line: line_no, column: start as u64, masked: masked(token), sha256: sha256_text(token), commit: commit.clone() });
                    });
                    line_no += 1;
                    continue;
                }
                Some(b' ') => {
                    line_no += 1;
                    continue;
                }
                Some(b'-') | Some(b'\\') => continue,
                _ => in_hunk = false,
            }
        }
        if let Some(rest) = l.strip_prefix(b"commit ") {
            commit = Some(String::from_utf8_lossy(trim_eol(rest)).into_owned());
        } else if let Some(rest) = l.strip_prefix(b"+++ ") {
            path = diff_path(trim_eol(rest));
            report.files += 1;
        } else if l.starts_with(b"@@ ") {
            // `@@ -a[,b] +c[,d] @@`
            let text = String::from_utf8_lossy(&l);
            line_no = text.split(' ').find_map(|w| w.strip_prefix('+')).and_then(|w| w.split(',').next()).and_then(|n| n.parse().ok()).unwrap_or(0);
            in_hunk = true;
        }
    }
}

/// The path of a `+++ ` line: git writes `b/<path>`, followed by a tab when the path has a space,
/// and C-quoted (`"b/q\"\303\251"`) when it has a quote, a backslash, a control character or
/// (without `core.quotePath=false`) non-ASCII.
fn diff_path(p: &[u8]) -> String {
    let p = p.strip_suffix(b"\t").unwrap_or(p);
    let bytes = match p.strip_prefix(b"\"").and_then(|q| q.strip_suffix(b"\"")) {
        Some(q) => unquote_c(q),
        None => p.to_vec(),
    };
    String::from_utf8_lossy(bytes.strip_prefix(b"b/").unwrap_or(&bytes)).into_owned()
}

fn unquote_c(q: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.len());
    let mut i = 0;
    while i < q.len() {
        if q[i] != b'\\' || i + 1 == q.len() {
            out.push(q[i]);
            i += 1;
            continue;
        }
        let c = q[i + 1];
        i += 2;
        out.push(match c {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'0'..=b'7' => {
                // Three octal digits: one byte.
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    if let Some(&d @ b'0'..=b'7') = q.get(i) {
                        v = v * 8 + u32::from(d - b'0');
                        i += 1;
                    }
                }
                v as u8
            }
            other => other,
        });
    }
    out
}

fn trim_eol(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Runs git in `repo` with `args` and scans the diff it prints (`git log -p` or `git diff`).
/// The arguments are fixed by this program: no secret is ever passed to git.
pub fn scan_git(repo: &Path, args: &[&str], report: &mut Report) {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(repo).args(["-c", "core.quotePath=false", "-c", "diff.noprefix=false"]).args(args);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return report.errors.push(format!("git: {e}")),
    };
    let Some(out) = child.stdout.take() else { return report.errors.push("git: no output".into()) };
    if let Err(e) = scan_diff(BufReader::with_capacity(1 << 16, out), report) {
        report.errors.push(format!("git output: {e}"));
    }
    match child.wait_with_output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => report.errors.push(format!("{}: git {}: {}", repo.display(), args.first().unwrap_or(&""), String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => report.errors.push(format!("git: {e}")),
    }
}

/// Every commit reachable from any ref, with the lines each one adds.
pub const GIT_HISTORY_ARGS: &[&str] = &["log", "-p", "--all", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--format=commit %H"];
/// The changes staged for the next commit.
pub const GIT_STAGED_ARGS: &[&str] = &["diff", "--cached", "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames"];

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(prefix: &str, seed: u8) -> String {
        let mut n = seed;
        secret::generate_with_rng(prefix, |b: &mut [u8]| {
            for x in b {
                *x = n;
                n = n.wrapping_mul(31).wrapping_add(7) % 248;
            }
            Ok::<(), ()>(())
        })
        .unwrap()
    }

    /// Same shape, wrong checksum.
    fn lookalike(t: &str) -> String {
        let mut s = t.to_owned();
        let last = s.pop().unwrap();
        s.push(if last == 'a' { 'b' } else { 'a' });
        assert!(secret::parse(&s).is_err());
        s
    }

    fn hits(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        scan_buf(text.as_bytes(), 0, text.len(), |s, e, t| {
            assert_eq!(&text[s..e], t);
            v.push(t.to_owned());
        });
        v
    }

    #[test]
    fn finds_tokens_not_lookalikes() {
        let a = tok("tk", 1);
        let b = tok("abcdefghijklmnop", 2);
        let c = tok("s2", 3);
        let text = format!("x = \"{a}\"\n{} {b}\n_{}_ ({c}) {}\n", lookalike(&a), lookalike(&c), lookalike(&b));
        assert_eq!(hits(&text), vec![a.clone(), b, c]);
        // A look-alike alone finds nothing.
        assert!(hits(&lookalike(&a)).is_empty());
        // The whole text, the token alone.
        assert_eq!(hits(&a), vec![a.clone()]);
    }

    #[test]
    fn word_boundaries_as_the_pattern() {
        let t = tok("tk", 9);
        // A word character glued on either side: no longer the pattern's match.
        for glued in [format!("X{t}"), format!("_{t}"), format!("{t}0"), format!("{t}_"), format!("{t}a")] {
            assert!(hits(&glued).is_empty(), "{glued}");
        }
        // Non-word neighbours, including non-ASCII bytes: found.
        for ok in [format!("-{t}-"), format!("é{t}é"), format!("\"{t}\""), format!("{t}.")] {
            assert_eq!(hits(&ok), vec![t.clone()], "{ok}");
        }
        // A longer lowercase run before `_` makes a 17+ character prefix: not a token.
        let long = tok("abcdefghijklmnop", 4);
        assert!(hits(&format!("q{long}")).is_empty());
        // A prefix starting with a digit is not one (though parse would see `9tk` as malformed anyway).
        assert!(hits(&format!("9{t}")).is_empty());
    }

    #[test]
    fn lines_columns_and_masking_in_a_stream() {
        let t = tok("tk", 5);
        let text = format!("one\ntwo {t}\n\nfour\n  {t} {t}\n");
        let f = scan_reader(text.as_bytes(), "f.txt", true).unwrap().unwrap();
        let at: Vec<_> = f.iter().map(|f| (f.line, f.column)).collect();
        assert_eq!(at, vec![(2, 5), (5, 3), (5, 43)]);
        let m = secret::mask(&t).unwrap();
        for x in &f {
            assert_eq!(x.masked, m);
            assert!(!x.human().contains(&t) && x.human().starts_with("f.txt:"));
            assert!(!x.json().to_string().contains(&t[3..20]));
            assert_eq!(x.sha256, tokenkit::digest::digest(&t, None).unwrap().to_string());
        }
    }

    #[test]
    fn tokens_across_chunk_boundaries() {
        // Place a token at every offset around the 1 MiB read boundary; each is found once, with
        // the right line and column.
        for t in [tok("tk", 6), tok("abcdefghijklmnop", 7)] {
        for shift in 0..(t.len() + 20) {
            let at = CHUNK - t.len() - 5 + shift;
            let mut text = vec![b'a'; at];
            for i in (0..at).step_by(100) {
                text[i] = b'\n';
            }
            text[at - 1] = b' ';
            text.extend_from_slice(t.as_bytes());
            text.extend_from_slice(b" tail\n");
            let f = scan_reader(&text[..], "big", true).unwrap().unwrap();
            assert_eq!(f.len(), 1, "shift {shift}");
            let nl = text[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            let last_nl = text[..at].iter().rposition(|&b| b == b'\n').unwrap();
            assert_eq!((f[0].line, f[0].column), (nl + 1, (at - last_nl) as u64), "shift {shift}");
        }
        }
    }

    #[test]
    fn a_reader_that_returns_little_at_a_time() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(7).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let t = tok("pk", 8);
        let text = format!("a\nb {t}\n");
        let f = scan_reader(Trickle(text.as_bytes()), "-", true).unwrap().unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].line, f[0].column), (2, 3));
    }

    #[test]
    fn binary_files_are_skipped_unless_asked() {
        let t = tok("tk", 10);
        let data = format!("\0\x01\x02 {t} ");
        assert_eq!(scan_reader(data.as_bytes(), "b", true).unwrap(), None);
        assert_eq!(scan_reader(data.as_bytes(), "b", false).unwrap().unwrap().len(), 1);
    }

    #[test]
    fn diff_paths_as_git_writes_them() {
        assert_eq!(diff_path(b"b/src/a.rs"), "src/a.rs");
        assert_eq!(diff_path(b"b/a b.txt\t"), "a b.txt");
        assert_eq!(diff_path(br#""b/q\"\303\251\\x\tz.txt""#), "q\"\u{e9}\\x\tz.txt");
        assert_eq!(diff_path(b"/dev/null"), "/dev/null");
    }

    #[test]
    fn diffs_report_added_lines_only() {
        let t = tok("tk", 11);
        let u = tok("tk", 12);
        let diff = format!(
            "commit abc123\n\ndiff --git a/x.env b/x.env\nindex 1..2 100644\n--- a/x.env\n+++ b/x.env\n@@ -3 +3,2 @@\n-OLD={u}\n+NEW={t}\n+NOPE={}\n\\ No newline at end of file\ncommit def456\n+++ b/y\n@@ -0,0 +10 @@\n+  {u}\n",
            lookalike(&t)
        );
        let mut r = Report::default();
        scan_diff(diff.as_bytes(), &mut r).unwrap();
        let got: Vec<_> = r.findings.iter().map(|f| (f.commit.clone().unwrap(), f.path.clone(), f.line, f.column)).collect();
        assert_eq!(got, vec![("abc123".into(), "x.env".into(), 3, 5), ("def456".into(), "y".into(), 10, 3)]);
    }
}
