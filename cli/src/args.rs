//! Command-line parsing (lexopt): positionals, long options with a value, flags. Each command
//! then says which options it takes ([`Args::only`]).

use std::collections::BTreeMap;
use std::ffi::OsString;

/// Why a command stopped.
#[derive(Debug)]
pub enum Fail {
    /// Bad usage (exit 2, with a pointer to `--help`).
    Usage(String),
    /// Anything else that is not the command's own "found"/"refused" answer (exit 2).
    Error(String),
}

/// Options that take a value.
const VALUED: &[&str] = &[
    "url", "name", "description", "scope", "lifetime", "grace", "owner", "role", "limit", "cursor", "expired",
    "expiring-within-days", "pepper-file", "pepper-version", "prefix", "account", "member", "sql-file", "action",
    "resource", "allow",
];
/// Options that are flags.
const FLAGS: &[&str] = &["json", "token-stdin", "git", "staged", "all", "no-default-excludes", "binary", "help", "version"];
/// Accepted everywhere.
const GLOBAL: &[&str] = &["url", "json", "token-stdin", "help", "version"];

/// Parsed arguments.
#[derive(Debug, Default)]
pub struct Args {
    /// Command words and operands, in order.
    pub pos: Vec<String>,
    values: BTreeMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Parses `argv` (without the program name).
    pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Result<Args, String> {
        use lexopt::prelude::*;
        let mut p = lexopt::Parser::from_args(argv);
        let mut a = Args::default();
        while let Some(arg) = p.next().map_err(|e| e.to_string())? {
            match arg {
                Short('h') => a.flags.push("help".into()),
                Long(name) if VALUED.contains(&name) => {
                    let name = name.to_owned();
                    let v = p.value().map_err(|e| e.to_string())?.string().map_err(|e| e.to_string())?;
                    if a.values.insert(name.clone(), v).is_some() {
                        return Err(format!("--{name} given twice"));
                    }
                }
                Long(name) if FLAGS.contains(&name) => a.flags.push(name.to_owned()),
                Value(v) => a.pos.push(v.string().map_err(|e| e.to_string())?),
                other => return Err(other.unexpected().to_string()),
            }
        }
        Ok(a)
    }

    /// Is the flag `--name` given?
    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// The value of `--name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Refuses options other than `allowed` (and the global ones), and more than `max_pos`
    /// positionals (command words included).
    pub fn only(&self, allowed: &[&str], max_pos: usize) -> Result<(), Fail> {
        for k in self.values.keys().chain(self.flags.iter()) {
            if !allowed.contains(&k.as_str()) && !GLOBAL.contains(&k.as_str()) {
                return Err(Fail::Usage(format!("{} does not take --{k}", self.pos.join(" "))));
            }
        }
        if self.pos.len() > max_pos {
            return Err(Fail::Usage(format!("unexpected argument {:?}", self.pos[max_pos])));
        }
        Ok(())
    }
}

/// Reads standard input whole (the way secrets come in).
pub fn stdin_text() -> Result<String, Fail> {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut s).map_err(|e| Fail::Error(format!("reading standard input: {e}")))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<Args, String> {
        Args::parse(v.iter().map(OsString::from))
    }

    #[test]
    fn options_anywhere_with_or_without_equals() {
        let a = parse(&["--url", "http://x", "tokens", "create", "--name=n", "--json", "--scope", "{}"]).unwrap();
        assert_eq!(a.pos, ["tokens", "create"]);
        assert_eq!((a.value("url"), a.value("name"), a.value("scope")), (Some("http://x"), Some("n"), Some("{}")));
        assert!(a.flag("json") && !a.flag("all"));
        assert!(a.only(&["name", "scope"], 2).is_ok());
        assert!(matches!(a.only(&["name"], 2), Err(Fail::Usage(m)) if m.contains("--scope")));
        assert!(matches!(a.only(&["name", "scope"], 1), Err(Fail::Usage(_))));
    }

    #[test]
    fn unknown_and_repeated_options_are_refused() {
        assert!(parse(&["scan", "--nope"]).is_err());
        assert!(parse(&["scan", "-x"]).is_err());
        assert!(parse(&["tokens", "create", "--name", "a", "--name", "b"]).unwrap_err().contains("twice"));
        assert!(parse(&["tokens", "create", "--name"]).is_err());
        assert!(parse(&["--json=1"]).is_err());
    }
}
