//! The `tokenkit` binary end to end, without a service: scan (files, `--git`, `--staged`, exit
//! statuses, masking, `--json`), verify (local), digest, mint-root.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tokenkit::{digest, secret};

fn run(args: &[&str], cwd: &Path, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenkit"))
        .args(args)
        .current_dir(cwd)
        .env_remove("TOKENKIT_URL")
        .env_remove("TOKENKIT_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading its input (a usage error): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn all_output(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn lookalike(t: &str) -> String {
    let mut s = t.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == 'a' { 'b' } else { 'a' });
    assert!(secret::parse(&s).is_err());
    s
}

fn git(dir: &Path, args: &[&str]) {
    let s = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(s.success(), "git {args:?}");
}

#[test]
fn scan_reports_valid_tokens_masked_with_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let t = secret::generate("tk").unwrap();
    let u = secret::generate("acme").unwrap();
    std::fs::write(d.path().join("a.env"), format!("# config\nTOKEN={t}\nFAKE={}\n", lookalike(&t))).unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    std::fs::write(d.path().join("sub/b.json"), format!("{{\"k\": \"{u}\"}}")).unwrap();
    let o = run(&["scan", "."], d.path(), "");
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let text = out(&o);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines, [format!("./a.env:2:7: {}", secret::mask(&t).unwrap()), format!("./sub/b.json:1:8: {}", secret::mask(&u).unwrap())]);
    // Never the secret, anywhere.
    assert!(!all_output(&o).contains(&t) && !all_output(&o).contains(&u[5..]));

    let o = run(&["scan", "--json", "a.env", "sub"], d.path(), "");
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["files"], 2);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    assert_eq!(v["findings"][0]["path"], "a.env");
    assert_eq!(v["findings"][0]["line"], 2);
    assert_eq!(v["findings"][0]["column"], 7);
    assert_eq!(v["findings"][0]["masked"], secret::mask(&t).unwrap());
    assert!(!out(&o).contains(&t));
}

#[test]
fn lookalikes_only_is_exit_0_and_errors_are_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let t = secret::generate("tk").unwrap();
    // Same shape, wrong checksum; plus a valid token glued into a longer word (not a match).
    std::fs::write(d.path().join("x.txt"), format!("{}\n{}\nX{t}\n", lookalike(&t), lookalike(&secret::generate("zz").unwrap()))).unwrap();
    let o = run(&["scan", "."], d.path(), "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert_eq!(out(&o), "");
    assert!(String::from_utf8_lossy(&o.stderr).contains("0 secrets found in 1 file"));

    // An allow list of digests: the allowed token is not reported.
    std::fs::write(d.path().join("y.txt"), format!("{t}\n")).unwrap();
    assert_eq!(run(&["scan", "y.txt"], d.path(), "").status.code(), Some(1));
    let dg = out(&run(&["digest"], d.path(), &t));
    std::fs::write(d.path().join("allow"), format!("# public test vector\n{dg}\n")).unwrap();
    let o = run(&["scan", "--allow", "allow", "y.txt"], d.path(), "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 allowed"));
    std::fs::write(d.path().join("allow"), format!("{t}\n")).unwrap();
    assert_eq!(run(&["scan", "--allow", "allow", "y.txt"], d.path(), "").status.code(), Some(2), "a token is not a digest");
    std::fs::remove_file(d.path().join("y.txt")).unwrap();

    let o = run(&["scan", "no-such-file"], d.path(), "");
    assert_eq!(o.status.code(), Some(2));
    // An incomplete scan is an error even when it found something.
    std::fs::write(d.path().join("y.txt"), &t).unwrap();
    assert_eq!(run(&["scan", "y.txt", "no-such-file"], d.path(), "").status.code(), Some(2));
    // Usage errors.
    assert_eq!(run(&["scan", "--bogus"], d.path(), "").status.code(), Some(2));
    assert_eq!(run(&["scan", "--pepper-file", "x"], d.path(), "").status.code(), Some(2));
}

#[test]
fn stdin_binary_files_and_default_excludes() {
    let d = tempfile::tempdir().unwrap();
    let t = secret::generate("tk").unwrap();
    let o = run(&["scan", "-"], d.path(), &format!("x\n  {t}\n"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o).trim(), format!("-:2:3: {}", secret::mask(&t).unwrap()));

    std::fs::create_dir_all(d.path().join("node_modules/p")).unwrap();
    std::fs::write(d.path().join("node_modules/p/i.js"), &t).unwrap();
    let mut bin = b"\x00\x01PNG".to_vec();
    bin.extend_from_slice(format!(" {t} ").as_bytes());
    std::fs::write(d.path().join("img.bin"), &bin).unwrap();
    let o = run(&["scan", "."], d.path(), "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("(1 binary skipped)"));
    let o = run(&["scan", "--no-default-excludes", "--binary", "--json", "."], d.path(), "");
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let paths: Vec<_> = v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths, ["./img.bin", "./node_modules/p/i.js"]);
}

#[test]
fn git_history_and_staged_changes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let t = secret::generate("tk").unwrap();
    let u = secret::generate("tk").unwrap();
    git(p, &["init", "-q"]);
    std::fs::write(p.join("README"), "hello\n").unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "one"]);
    // A token committed on main, then removed: gone from the tree, still in history.
    std::fs::write(p.join("config.env"), format!("A=1\nKEY={t}\nFAKE={}\n", lookalike(&t))).unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "oops"]);
    std::fs::write(p.join("config.env"), "A=1\n").unwrap();
    git(p, &["commit", "-q", "-am", "remove"]);
    // Another only on a side branch (found with --all).
    git(p, &["checkout", "-q", "-b", "side"]);
    std::fs::write(p.join("side.txt"), format!("x {u}\n")).unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "side"]);
    git(p, &["checkout", "-q", "main"]);

    let o = run(&["scan", "."], p, "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let o = run(&["scan", "--git", "--json", "."], p, "");
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let mut got: Vec<_> = v["findings"].as_array().unwrap().iter().map(|f| (f["path"].as_str().unwrap().to_owned(), f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap(), f["masked"].as_str().unwrap().to_owned(), f["commit"].as_str().unwrap().len())).collect();
    got.sort();
    assert_eq!(got, [("config.env".into(), 2, 5, secret::mask(&t).unwrap(), 40), ("side.txt".into(), 1, 3, secret::mask(&u).unwrap(), 40)]);
    let o = run(&["scan", "--git", "."], p, "");
    assert!(!all_output(&o).contains(&t) && !all_output(&o).contains(&u));
    // Two paths of one repository: its history is read once.
    std::fs::create_dir(p.join("sub")).unwrap();
    let o = run(&["scan", "--git", "sub", "README"], p, "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o).lines().count(), 2, "{}", out(&o));

    // Staged: what the next commit would add (the pre-commit hook).
    let o = run(&["scan", "--staged"], p, "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    std::fs::write(p.join("new.txt"), format!("\n\nlet k = \"{t}\";\n")).unwrap();
    assert_eq!(run(&["scan", "--staged"], p, "").status.code(), Some(0), "not staged yet");
    git(p, &["add", "new.txt"]);
    let o = run(&["scan", "--staged"], p, "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(out(&o).trim(), format!("new.txt:3:10: {}", secret::mask(&t).unwrap()));

    // Not a repository: an error.
    let e = tempfile::tempdir().unwrap();
    assert_eq!(run(&["scan", "--git", "."], e.path(), "").status.code(), Some(2));
}

#[test]
fn verify_locally() {
    let d = tempfile::tempdir().unwrap();
    let t = secret::generate("tk").unwrap();
    let o = run(&["verify"], d.path(), &format!("{t}\n"));
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).starts_with(&format!("valid: {}", secret::mask(&t).unwrap())));
    assert!(!all_output(&o).contains(&t));
    let o = run(&["verify", "--json"], d.path(), &lookalike(&t));
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!((v["valid"].as_bool(), v["code"].as_str()), (Some(false), Some("invalid_checksum")));
    assert_eq!(run(&["verify"], d.path(), "tk_short").status.code(), Some(1));
    assert_eq!(run(&["verify"], d.path(), "").status.code(), Some(2));
}

#[test]
fn digest_with_and_without_a_pepper() {
    let d = tempfile::tempdir().unwrap();
    let t = secret::generate("tk").unwrap();
    let o = run(&["digest"], d.path(), &format!("{t}\n"));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(out(&o).trim(), digest::digest(&t, None).unwrap().to_string());
    let key = "0123456789abcdef0123456789abcdef-pepper";
    std::fs::write(d.path().join("pepper"), format!("{key}\n")).unwrap();
    let o = run(&["digest", "--pepper-file", "pepper", "--pepper-version", "v2"], d.path(), &t);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let want = digest::digest(&t, Some(&digest::Pepper::new("v2", key.as_bytes()).unwrap())).unwrap().to_string();
    assert!(want.starts_with("hmac-sha256:v2:"));
    assert_eq!(out(&o).trim(), want);
    std::fs::write(d.path().join("short"), "short").unwrap();
    assert_eq!(run(&["digest", "--pepper-file", "short"], d.path(), &t).status.code(), Some(2));
    assert_eq!(run(&["digest"], d.path(), &lookalike(&t)).status.code(), Some(1));
}

#[test]
fn mint_root_prints_the_token_once_with_its_digest_and_sql() {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["mint-root", "--json"], d.path(), "");
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let t = v["token"].as_str().unwrap();
    assert!(secret::parse(t).is_ok() && t.starts_with("tk_"));
    let dg = digest::digest(t, None).unwrap().to_string();
    assert_eq!(v["digest"], dg.as_str());
    let sql = v["sql"].as_str().unwrap();
    assert_eq!(sql.lines().count(), 3);
    assert!(sql.contains(&dg) && !sql.contains(t));

    std::fs::write(d.path().join("pepper"), "p".repeat(32)).unwrap();
    let o = run(&["mint-root", "--prefix", "acme", "--pepper-file", "pepper", "--account", "a1", "--member", "m1", "--sql-file", "root.sql"], d.path(), "");
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let text = out(&o);
    let token = text.lines().map(str::trim).find(|l| l.starts_with("acme_")).unwrap();
    assert_eq!(text.matches(token).count(), 1, "the secret is shown once");
    let sql = std::fs::read_to_string(d.path().join("root.sql")).unwrap();
    let want = digest::digest(token, Some(&digest::Pepper::new("v1", "p".repeat(32).as_bytes()).unwrap())).unwrap().to_string();
    assert!(sql.contains(&want) && sql.contains("'a1', 'm1'") && !sql.contains(token) && sql.lines().count() == 1);
    assert_eq!(run(&["mint-root", "--account", "a1"], d.path(), "").status.code(), Some(2));
    assert_eq!(run(&["mint-root", "--prefix", "Bad"], d.path(), "").status.code(), Some(2));
}

#[test]
fn git_history_paths_with_spaces_quotes_and_non_ascii() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let t = secret::generate("tk").unwrap();
    git(p, &["init", "-q"]);
    for name in ["a b.txt", "q\"\u{e9}.txt", "tab\there.txt"] {
        std::fs::write(p.join(name), format!("x {t}\n")).unwrap();
    }
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "odd names"]);
    let o = run(&["scan", "--git", "--json", "."], p, "");
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let mut history: Vec<_> = v["findings"].as_array().unwrap().iter().filter(|f| f["commit"].is_string()).map(|f| f["path"].as_str().unwrap().to_owned()).collect();
    history.sort();
    assert_eq!(history, ["a b.txt", "q\"\u{e9}.txt", "tab\there.txt"]);
}
