//! IP address blocks (CIDR) for a token's `allowedIps`: parse, normalise, match, contain.
//!
//! **One address space.** Every address is a 128-bit IPv6 address; an IPv4 address `a.b.c.d` is
//! its IPv4-mapped form `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), and an IPv4 block `a.b.c.d/p` is
//! the IPv6 block `::ffff:a.b.c.d/(96 + p)`. So a client that reaches the service as
//! `::ffff:10.1.2.3` (a dual-stack socket) is `10.1.2.3` and matches `10.0.0.0/8`; `::/0` allows
//! every client, IPv4 ones too; `0.0.0.0/0` allows every IPv4 client and no other. Containment
//! and matching are plain prefix arithmetic on the 128-bit value, with no special case.
//!
//! **Text.** A block is `<address>` or `<address>/<prefix>`: a bare address is a single address
//! (`/32` for IPv4, `/128` for IPv6). Addresses are parsed by `core::net`'s `Ipv4Addr` (four
//! decimal octets, no leading zeros, no shorthand like `10.1`) and `Ipv6Addr` (RFC 4291 text,
//! `::` compression, an embedded IPv4 tail; no zone `%eth0`, no brackets). The prefix is decimal
//! without a sign or leading zeros, at most 32 after an IPv4 address and 128 after an IPv6 one.
//! No whitespace. Host bits past the prefix are cleared (`10.1.2.3/8` is stored `10.0.0.0/8`).
//!
//! **Normalised form.** A block inside `::ffff:0:0/96` with a prefix of at least 96 is written as
//! IPv4 (`::ffff:10.0.0.0/104` → `10.0.0.0/8`); every other block as compressed IPv6 (RFC 5952,
//! as `Ipv6Addr`'s `Display` writes it); the prefix is always written.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

/// The most characters a block's text may have (the longest valid text is 49:
/// `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128`).
pub const CIDR_TEXT_MAX: usize = 64;

const MAPPED: u128 = 0xffff_u128 << 32;
const MAPPED_MASK: u128 = !0u128 << 32;

/// An address block: the first address (host bits cleared) and the prefix length (0–128) in
/// the one 128-bit space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: u128,
    prefix: u8,
}

/// Why a block's text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(pub &'static str);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        !0u128 << (128 - u32::from(prefix.min(128)))
    }
}

/// An address in the one space: IPv4 as its mapped form; IPv6 as it is.
pub fn parse_addr(text: &str) -> Result<u128, CidrError> {
    if text.contains(':') {
        Ipv6Addr::from_str(text).map(u128::from).map_err(|_| CidrError("not an IPv6 address"))
    } else {
        Ipv4Addr::from_str(text).map(|a| MAPPED | u128::from(u32::from(a))).map_err(|_| CidrError("not an IPv4 address"))
    }
}

fn parse_prefix(text: &str, max: u8) -> Result<u8, CidrError> {
    let ok = !text.is_empty() && text.len() <= 3 && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    let n: u16 = if ok { text.parse().map_err(|_| CidrError("the prefix is not a number"))? } else { return Err(CidrError("the prefix must be a decimal number without leading zeros")) };
    if n > u16::from(max) {
        return Err(CidrError(if max == 32 { "an IPv4 prefix is at most 32" } else { "an IPv6 prefix is at most 128" }));
    }
    Ok(n as u8)
}

impl Cidr {
    /// Parses `<address>` or `<address>/<prefix>` (module docs), clearing host bits.
    pub fn parse(text: &str) -> Result<Cidr, CidrError> {
        if text.is_empty() {
            return Err(CidrError("an address block must not be empty"));
        }
        if text.len() > CIDR_TEXT_MAX {
            return Err(CidrError("an address block is at most 64 characters"));
        }
        let (a, p) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let v6 = a.contains(':');
        let addr = parse_addr(a)?;
        let prefix = match p {
            None => 128,
            Some(p) if v6 => parse_prefix(p, 128)?,
            Some(p) => 96 + parse_prefix(p, 32)?,
        };
        Ok(Cidr::new(addr, prefix))
    }

    /// The block of `prefix` bits (at most 128) containing `addr`.
    pub fn new(addr: u128, prefix: u8) -> Cidr {
        let prefix = prefix.min(128);
        Cidr { addr: addr & mask(prefix), prefix }
    }

    /// The first address.
    pub fn addr(&self) -> u128 {
        self.addr
    }

    /// The prefix length in the 128-bit space (an IPv4 `/8` is 104).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Is the address `addr` (in the one space) in this block?
    pub fn contains_addr(&self, addr: u128) -> bool {
        addr & mask(self.prefix) == self.addr
    }

    /// Is every address of `other` in this block? (`other` ⊆ `self`)
    pub fn contains(&self, other: &Cidr) -> bool {
        self.prefix <= other.prefix && self.contains_addr(other.addr)
    }

    fn is_v4(&self) -> bool {
        self.prefix >= 96 && self.addr & MAPPED_MASK == MAPPED
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_v4() {
            write!(f, "{}/{}", Ipv4Addr::from(self.addr as u32), self.prefix - 96)
        } else {
            write!(f, "{}/{}", Ipv6Addr::from(self.addr), self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Cidr::parse(s).map(|c| c.to_string()).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn parse_and_normalise() {
        let cases = [
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("10.1.2.3/8", "10.0.0.0/8"),
            ("10.1.2.3", "10.1.2.3/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("255.255.255.255/32", "255.255.255.255/32"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("2001:DB8:0:0::1", "2001:db8::1/128"),
            ("::/0", "::/0"),
            ("::1", "::1/128"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:192.0.2.1", "192.0.2.1/32"),
            ("::ffff:0:0/96", "0.0.0.0/0"),
            ("::ffff:0:0/95", "::fffe:0:0/95"),
            ("2001:db8::1/64", "2001:db8::/64"),
        ];
        for (i, o) in cases {
            assert_eq!(norm(i), o, "{i}");
        }
    }

    #[test]
    fn refused() {
        for bad in [
            "", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "010.0.0.1", "10.1", "10.0.0.0/8 ", " 10.0.0.0/8", "1.2.3.4.5",
            "256.0.0.0", "::/129", "fe80::1%eth0", "[::1]", "::1/1000", "10.0.0.0/8/8", "abc", "1.2.3.4/32x", "gggg::",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Cidr::parse(&"1".repeat(65)).is_err());
    }

    #[test]
    fn containment_and_match() {
        let c = |s| Cidr::parse(s).unwrap();
        let a = |s| parse_addr(s).unwrap();
        assert!(c("10.0.0.0/8").contains(&c("10.1.0.0/16")));
        assert!(!c("10.1.0.0/16").contains(&c("10.0.0.0/8")));
        assert!(c("0.0.0.0/0").contains(&c("192.0.2.1")));
        assert!(!c("0.0.0.0/0").contains(&c("::1")));
        assert!(c("::/0").contains(&c("0.0.0.0/0")));
        assert!(c("::/0").contains(&c("2001:db8::/32")));
        assert!(c("10.0.0.0/8").contains_addr(a("::ffff:10.9.9.9")));
        assert!(c("10.0.0.0/8").contains_addr(a("10.255.255.255")));
        assert!(!c("10.0.0.0/8").contains_addr(a("11.0.0.0")));
        assert!(!c("0.0.0.0/0").contains_addr(a("2001:db8::1")));
        assert!(c("2001:db8::/32").contains_addr(a("2001:db8:ffff::1")));
        assert!(c("1.2.3.4").contains_addr(a("1.2.3.4")) && !c("1.2.3.4").contains_addr(a("1.2.3.5")));
        assert!(c("::1").contains_addr(a("::1")) && !c("::1").contains_addr(a("::2")));
    }
}
