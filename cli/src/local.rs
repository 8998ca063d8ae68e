//! The commands that need no service: scan, verify (locally), digest, mint-root.

use std::path::PathBuf;

use serde_json::json;
use tokenkit::digest::{self, Pepper};
use tokenkit::secret;

use crate::args::{stdin_text, Args, Fail};
use crate::scan;

/// `tokenkit scan`: 0 nothing found, 1 found, 2 an error (a path that cannot be read, git
/// failing) — an incomplete scan is an error even when it found something.
pub fn scan(a: &Args) -> Result<u8, Fail> {
    a.only(&["git", "staged", "no-default-excludes", "binary", "allow"], usize::MAX)?;
    let allow = match a.value("allow") {
        Some(f) => allow_list(f)?,
        None => Vec::new(),
    };
    let opts = scan::Options { no_default_excludes: a.flag("no-default-excludes"), binary: a.flag("binary") };
    let mut paths: Vec<PathBuf> = a.pos[1..].iter().map(PathBuf::from).collect();
    if paths.is_empty() && !a.flag("staged") {
        paths.push(PathBuf::from("."));
    }
    let mut report = scan::Report::default();
    scan::scan_paths(&paths, &opts, &mut report);
    if a.flag("git") {
        // Each repository once, however many of its paths are given.
        let mut repos: Vec<PathBuf> = Vec::new();
        for p in &paths {
            if p.as_os_str() == "-" {
                continue;
            }
            let dir = if p.is_dir() { p.clone() } else { p.parent().map(PathBuf::from).filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from(".")) };
            let top = std::process::Command::new("git").arg("-C").arg(&dir).args(["rev-parse", "--show-toplevel"]).stderr(std::process::Stdio::null()).output();
            let repo = match top {
                Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim_end_matches(['\n', '\r'])),
                // Not a repository (or no git): let the scan report git's error for it.
                _ => dir,
            };
            if !repos.contains(&repo) {
                repos.push(repo);
            }
        }
        for repo in &repos {
            scan::scan_git(repo, scan::GIT_HISTORY_ARGS, &mut report);
        }
    }
    if a.flag("staged") {
        scan::scan_git(&PathBuf::from("."), scan::GIT_STAGED_ARGS, &mut report);
    }
    let before = report.findings.len();
    report.findings.retain(|f| !allow.contains(&f.sha256));
    report.allowed = (before - report.findings.len()) as u64;
    if a.flag("json") {
        let out = json!({
            "findings": report.findings.iter().map(scan::Finding::json).collect::<Vec<_>>(),
            "files": report.files,
            "binary_skipped": report.binary,
            "allowed": report.allowed,
            "errors": report.errors,
        });
        println!("{out}");
    } else {
        let mut out = String::new();
        for f in &report.findings {
            out.push_str(&f.human());
            out.push('\n');
        }
        // A closed pipe (`tokenkit scan . | head`) is not an error worth a panic.
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
        for e in &report.errors {
            eprintln!("tokenkit scan: {e}");
        }
        eprintln!(
            "tokenkit scan: {} secret{} found in {} file{} ({} binary skipped{})",
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" },
            report.files,
            if report.files == 1 { "" } else { "s" },
            report.binary,
            if report.allowed > 0 { format!(", {} allowed", report.allowed) } else { String::new() }
        );
    }
    Ok(if !report.errors.is_empty() {
        2
    } else if report.findings.is_empty() {
        0
    } else {
        1
    })
}

/// An `--allow` file: one `sha256:<hex>` digest a line (`tokenkit digest` of a token known to be
/// public, e.g. a test vector); `#` starts a comment.
fn allow_list(path: &str) -> Result<Vec<String>, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| Fail::Error(format!("{path}: {e}")))?;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        match digest::StoredDigest::parse(l) {
            Ok(d) if d.algorithm() == digest::SHA256_TAG => out.push(d.to_string()),
            _ => return Err(Fail::Usage(format!("{path}:{}: expected a sha256:<64 hex> digest (tokenkit digest, without a pepper)", i + 1))),
        }
    }
    Ok(out)
}

/// The lines of standard input, trimmed, empty ones dropped.
fn stdin_lines() -> Result<Vec<String>, Fail> {
    Ok(stdin_text()?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
}

fn one_token_from_stdin() -> Result<String, Fail> {
    let mut lines = stdin_lines()?;
    match lines.len() {
        1 => Ok(lines.remove(0)),
        0 => Err(Fail::Usage("expected the token on standard input".into())),
        _ => Err(Fail::Usage("expected one token on standard input, got several lines".into())),
    }
}

/// `tokenkit verify`: 0 valid, 1 not.
pub fn verify(a: &Args) -> Result<u8, Fail> {
    a.only(&["action", "resource"], 1)?;
    if a.value("url").is_some() || std::env::var_os("TOKENKIT_URL").is_some() {
        return crate::api::verify(a);
    }
    if a.value("action").is_some() || a.value("resource").is_some() {
        return Err(Fail::Usage("--action and --resource need the service (--url)".into()));
    }
    let token = one_token_from_stdin()?;
    let r = secret::parse(&token);
    if a.flag("json") {
        let v = match &r {
            Ok(_) => json!({"valid": true, "masked": secret::mask(&token).ok()}),
            Err(e) => json!({"valid": false, "code": e.code(), "message": e.to_string()}),
        };
        println!("{v}");
    } else {
        match &r {
            Ok(_) => println!("valid: {} (format and checksum; not checked against a service)", secret::mask(&token).unwrap_or_default()),
            Err(e) => println!("invalid: {}: {e}", e.code()),
        }
    }
    Ok(if r.is_ok() { 0 } else { 1 })
}

/// The pepper of `--pepper-file` (its bytes, one trailing newline removed) named by
/// `--pepper-version` (default `v1`), or none.
fn pepper(a: &Args) -> Result<Option<Pepper>, Fail> {
    let Some(path) = a.value("pepper-file") else {
        if a.value("pepper-version").is_some() {
            return Err(Fail::Usage("--pepper-version needs --pepper-file".into()));
        }
        return Ok(None);
    };
    let mut key = std::fs::read(path).map_err(|e| Fail::Error(format!("{path}: {e}")))?;
    if key.ends_with(b"\n") {
        key.pop();
        if key.ends_with(b"\r") {
            key.pop();
        }
    }
    let version = a.value("pepper-version").unwrap_or("v1");
    let p = Pepper::new(version, &key).map_err(|e| Fail::Error(format!("pepper: {}: {e}", e.code())));
    key.fill(0);
    p.map(Some)
}

/// `tokenkit digest`: the stored digest of the token on stdin, as the service computes it.
pub fn digest(a: &Args) -> Result<u8, Fail> {
    a.only(&["pepper-file", "pepper-version"], 1)?;
    let pepper = pepper(a)?;
    let token = one_token_from_stdin()?;
    if let Err(e) = secret::parse(&token) {
        eprintln!("tokenkit: not a token: {}: {e}", e.code());
        return Ok(1);
    }
    let d = digest::digest(&token, pepper.as_ref()).map_err(|e| Fail::Error(e.to_string()))?.to_string();
    if a.flag("json") {
        println!("{}", json!({"digest": d, "masked": secret::mask(&token).ok()}));
    } else {
        println!("{d}");
    }
    Ok(0)
}

fn random_id() -> Result<String, Fail> {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|e| Fail::Error(format!("random source: {e}")))?;
    Ok(digest::hex(&b))
}

fn check_id(what: &str, id: &str) -> Result<(), Fail> {
    // Ids go into SQL text: only the characters ids are made of.
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Fail::Usage(format!("--{what} must be an id (letters, digits, - and _)")));
    }
    Ok(())
}

/// The SQL that stores a root token as `scripts/bootstrap-root.mjs` does: with `fresh`, the root
/// account `acc` and its owner `mem` first; then the token row `id` (digest and hint only, never
/// the secret).
pub fn root_sql(fresh: bool, acc: &str, mem: &str, id: &str, digest: &str, hint: &str, now_ms: u128) -> String {
    // The text the bootstrap stores (JSON.stringify's key order).
    let scope = r#"{"language":"policy","role":"owner","customRoleIds":[],"inlineRole":[]}"#;
    let mut sql = String::new();
    if fresh {
        sql.push_str(&format!("INSERT INTO accounts (id, name, is_root, created_at) VALUES ('{acc}', 'root', 1, {now_ms});\n"));
        sql.push_str(&format!("INSERT INTO members (id, account_id, name, role, created_at) VALUES ('{mem}', '{acc}', 'root', 'owner', {now_ms});\n"));
    }
    sql.push_str(&format!(
        "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version) \
         VALUES ('{id}', '{acc}', '{mem}', 'tokenkit', 'root', 'created by tokenkit mint-root', '{scope}', 'policy', '{digest}', '{}', '{{}}', {now_ms}, {now_ms}, NULL, 1);\n",
        hint.replace('\'', "''")
    ));
    sql
}

/// `tokenkit mint-root`: a new root token, shown once, with its digest and the SQL to store it.
pub fn mint_root(a: &Args) -> Result<u8, Fail> {
    a.only(&["prefix", "pepper-file", "pepper-version", "account", "member", "sql-file"], 1)?;
    let (account, member) = (a.value("account"), a.value("member"));
    if account.is_some() != member.is_some() {
        return Err(Fail::Usage("--account and --member go together (the root account and its owner)".into()));
    }
    if let (Some(acc), Some(mem)) = (account, member) {
        check_id("account", acc)?;
        check_id("member", mem)?;
    }
    let pepper = pepper(a)?;
    let token = secret::generate(a.value("prefix").unwrap_or(secret::DEFAULT_PREFIX)).map_err(|e| Fail::Usage(format!("{}: {e}", e.code())))?;
    let digest = digest::digest(&token, pepper.as_ref()).map_err(|e| Fail::Error(e.to_string()))?.to_string();
    let hint = secret::mask(&token).map_err(|e| Fail::Error(e.to_string()))?;
    let (new_account, new_member, id) = (random_id()?, random_id()?, random_id()?);
    let (acc, mem) = (account.unwrap_or(&new_account), member.unwrap_or(&new_member));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let sql = root_sql(account.is_none(), acc, mem, &id, &digest, &hint, now);
    if let Some(f) = a.value("sql-file") {
        std::fs::write(f, &sql).map_err(|e| Fail::Error(format!("{f}: {e}")))?;
    }
    if a.flag("json") {
        println!(
            "{}",
            json!({"token": token, "digest": digest, "hint": hint, "id": id, "account": acc, "member": mem, "sql": sql})
        );
        return Ok(0);
    }
    let store = match a.value("sql-file") {
        Some(f) => format!("The SQL below is in {f}. Store the token with:\n\n    npx wrangler d1 execute DB --remote --env ENV -c worker/.deploy.ENV.json --file {f}\n\n(ENV: staging or production; make deploy writes worker/.deploy.ENV.json, docs/deploy.md)\n"),
        None => "Store the token by running the SQL below against the service's D1 database, e.g. saved as root.sql:\n\n    npx wrangler d1 execute DB --remote --env ENV -c worker/.deploy.ENV.json --file root.sql\n\n(ENV: staging or production; make deploy writes worker/.deploy.ENV.json, docs/deploy.md)\n".into(),
    };
    let fresh = if account.is_none() {
        "\nThis creates the root account and its owner: for a database that has them already, look\n\
         their ids up and pass --account and --member instead:\n\n    \
         SELECT id FROM accounts WHERE is_root = 1;\n    \
         SELECT id FROM members WHERE account_id = '<account>' AND role = 'owner' ORDER BY created_at LIMIT 1;\n"
    } else {
        ""
    };
    let version = pepper.as_ref().map_or(String::new(), |p| format!(" (pepper {})", p.version()));
    print!(
        "tokenkit: a new root token. It is shown ONCE; store it in your password manager:\n\n    {token}\n\n\
         digest{version}: {digest}\nhint:   {hint}\n\n{store}{fresh}\n{}",
        if a.value("sql-file").is_some() { String::new() } else { sql }
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_sql_matches_the_bootstrap_rows() {
        let sql = root_sql(true, "acc1", "mem1", "id1", "sha256:00", "tk_\u{2026}abcd", 5);
        let lines: Vec<_> = sql.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("VALUES ('acc1', 'root', 1, 5)"));
        assert!(lines[1].contains("VALUES ('mem1', 'acc1', 'root', 'owner', 5)"));
        assert!(lines[2].contains(r#"'{"language":"policy","role":"owner","customRoleIds":[],"inlineRole":[]}'"#));
        assert!(lines[2].contains("'sha256:00', 'tk_\u{2026}abcd', '{}', 5, 5, NULL, 1"));
        let reissue = root_sql(false, "a", "m", "id", "d", "h", 1);
        assert_eq!(reissue.lines().count(), 1);
        assert!(reissue.contains("VALUES ('id', 'a', 'm', 'tokenkit'"));
        assert!(check_id("account", "a'b").is_err() && check_id("account", "0a1b").is_ok());
    }
}
