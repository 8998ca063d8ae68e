//! `tokenkit`: the operator CLI on the tokenkit core. See docs/cli.md.
//!
//! Secrets never come from the command line (argv is visible to every user of the machine):
//! a token to verify or digest is read from standard input, the API token from `TOKENKIT_TOKEN`
//! or standard input (`--token-stdin`), a pepper from a file (`--pepper-file`). A secret is
//! printed only where showing it once is the command's purpose: `mint-root`, `tokens create`,
//! `tokens rotate`, `accounts create`, `members add`.

mod api;
mod args;
mod local;
mod scan;

use std::process::ExitCode;

use args::{Args, Fail};

const USAGE: &str = "\
usage: tokenkit [--url URL] [--json] [--token-stdin] COMMAND [ARGS]

local (no network):
  scan [PATH...] [--git] [--staged] [--json] [--allow FILE] [--no-default-excludes] [--binary]
                      find tokenkit secrets (valid checksum only); exit 0 none, 1 found, 2 error
  verify [--url URL [--action A] [--resource R]]
                      check the token on stdin (format, checksum; with --url, the service)
  digest [--pepper-file F] [--pepper-version V]
                      the stored digest of the token on stdin
  mint-root [--prefix P] [--pepper-file F] [--pepper-version V] [--account ID --member ID] [--sql-file F]
                      a new root token, its digest and the SQL that stores it

API (base URL from --url or TOKENKIT_URL; token from TOKENKIT_TOKEN or --token-stdin):
  tokens list [--all] [--limit N] [--cursor C] [--name S] [--expired true|false] [--expiring-within-days N]
  tokens get ID
  tokens create --name N --scope JSON|@FILE [--description D] [--lifetime L]
  tokens rotate ID [--grace G]
  tokens revoke ID
  accounts create --name N [--owner NAME] [--scope JSON|@FILE] [--lifetime L]
  members add ACCOUNT_ID --name N [--role owner|admin|member] [--scope JSON|@FILE] [--lifetime L]
  members list ACCOUNT_ID

--json prints JSON for scripts; without it, tables for people. Docs: docs/cli.md";

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args_os().skip(1)) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if args.flag("help") || args.pos.is_empty() {
        println!("{USAGE}");
        return if args.flag("help") { ExitCode::SUCCESS } else { ExitCode::from(2) };
    }
    if args.flag("version") {
        println!("tokenkit {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let result = match args.pos[0].as_str() {
        "scan" => local::scan(&args),
        "verify" => local::verify(&args),
        "digest" => local::digest(&args),
        "mint-root" => local::mint_root(&args),
        "tokens" | "accounts" | "members" => api::run(&args),
        other => Err(Fail::Usage(format!("unknown command {other:?}"))),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fail::Usage(m)) => usage_error(&m),
        Err(Fail::Error(m)) => {
            eprintln!("tokenkit: {m}");
            ExitCode::from(2)
        }
    }
}

fn usage_error(m: &str) -> ExitCode {
    eprintln!("tokenkit: {m}\n(tokenkit --help for usage)");
    ExitCode::from(2)
}
