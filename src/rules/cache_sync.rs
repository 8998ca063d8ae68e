//! How stale a verification cache may be: the bound on how long a revoked, rotated or changed
//! token keeps its old meaning on an isolate other than the one that changed it.
//!
//! Each isolate of the token service caches token rows (docs/service.md, "Verification cache")
//! and follows an invalidation log that every change to a token appends to, in the change's own
//! transaction (worker/migrations/0005_invalidations.sql). These are the rules of following it:
//!
//! - [`SyncBounds`] — the poll interval and the staleness bound, from the service's
//!   configuration ([`parse_sync_bounds`]): `sync_ms ≤ max_stale_ms ≤ MAX_STALE_LIMIT_MS`;
//! - [`sync_action`] — given how long ago the isolate last read the log and whether a read is in
//!   flight, whether a request may use the cache as it is, should start a read of the log in the
//!   background, must read it first, or must not use the cache at all (past the bound while
//!   another request's read is in flight: nothing cached is served until the log is read);
//! - [`batch_plan`] — what a read of the log evicts: the listed tokens' entries, or the whole
//!   cache when the log no longer holds every entry since the isolate's cursor (it keeps the
//!   newest [`LOG_KEPT`]) or the read was cut at its limit.

use super::RuleError;

/// The default interval between two reads of the log by a busy isolate, in ms.
pub const DEFAULT_SYNC_MS: u32 = 250;
/// The default staleness bound, in ms: past it, a request reads the log before using the cache.
pub const DEFAULT_MAX_STALE_MS: u32 = 1000;
/// The greatest staleness bound accepted, in ms (the cache's own greatest TTL).
pub const MAX_STALE_LIMIT_MS: u32 = 60_000;
/// How many entries the invalidation log keeps (its triggers delete older ones).
pub const LOG_KEPT: u32 = 10_000;
/// The most entries one read of the log returns; a full page empties the cache.
pub const BATCH_LIMIT: u32 = 512;

/// The poll interval and the staleness bound, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncBounds {
    /// A request that finds the last read of the log older than this starts a new one in the background.
    pub sync_ms: u32,
    /// A request that finds the last read older than this reads the log before using the cache.
    pub max_stale_ms: u32,
}

/// What a request does with the cache, given the age of the isolate's last read of the log and
/// of the read in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncAction {
    /// The cache is in sync (or being brought in sync by the read in flight): use it.
    Use = 0,
    /// Use it, and read the log in the background.
    Refresh = 1,
    /// Past the bound: read the log first; without a successful read, do not use the cache.
    Wait = 2,
    /// Past the bound while another request's read is in flight: do not use the cache (look
    /// the rows up in D1, as with the cache off) rather than start a second read.
    Bypass = 3,
}

/// What one read of the log evicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchPlan {
    /// Nothing was listed since the cursor.
    Nothing = 0,
    /// Evict the entries of the listed tokens.
    Listed = 1,
    /// Empty the whole cache: entries since the cursor may be missing.
    All = 2,
}

fn parse_ms(raw: Option<&str>, field: &'static str, default: u32, min: u32) -> Result<u32, RuleError> {
    let Some(s) = raw else { return Ok(default) };
    let ok = !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()) && !(s.len() > 1 && s.starts_with('0'));
    match s.parse::<u32>() {
        Ok(n) if ok && (min..=MAX_STALE_LIMIT_MS).contains(&n) => Ok(n),
        _ => Err(RuleError::on(
            422,
            "invalid_field",
            field,
            format!("{field} must be a whole number of milliseconds from {min} to {MAX_STALE_LIMIT_MS}"),
        )),
    }
}

/// The bounds from the configuration's `VERIFY_CACHE_SYNC_MS` and `VERIFY_CACHE_MAX_STALE_MS`
/// (decimal text; `None` = the default). Refused with `invalid_field` on the variable at fault:
/// not a whole number of ms from 1 to 60000, or the interval above the bound.
pub fn parse_sync_bounds(sync: Option<&str>, max_stale: Option<&str>) -> Result<SyncBounds, RuleError> {
    let sync_ms = parse_ms(sync, "VERIFY_CACHE_SYNC_MS", DEFAULT_SYNC_MS, 1)?;
    let max_stale_ms = parse_ms(max_stale, "VERIFY_CACHE_MAX_STALE_MS", DEFAULT_MAX_STALE_MS, 1)?;
    if sync_ms > max_stale_ms {
        return Err(RuleError::on(
            422,
            "invalid_field",
            "VERIFY_CACHE_SYNC_MS",
            format!("VERIFY_CACHE_SYNC_MS ({sync_ms}) must not exceed VERIFY_CACHE_MAX_STALE_MS ({max_stale_ms})"),
        ));
    }
    Ok(SyncBounds { sync_ms, max_stale_ms })
}

/// How long a read of the log counts as in flight, in multiples of the staleness bound: a read
/// whose request was cancelled may never settle, and must not stop the isolate reading the log
/// for longer than that (the bound itself stays kept meanwhile: past it, the cache is bypassed).
pub const INFLIGHT_LEASE_BOUNDS: u32 = 2;

/// What a request does with the cache when the isolate's last successful read of the log began
/// `since_ms` ago, and the read in flight (if any) began `inflight_ms` ago.
///
/// - A negative or NaN `since_ms` (a clock step back, never read) is past the bound.
/// - A read in flight counts for less than [`INFLIGHT_LEASE_BOUNDS`] × `max_stale_ms`; a
///   negative or NaN age (a clock step back) counts as in flight (the lease is not extended by
///   a clock that went back beyond it: its age is taken as 0).
/// - While one is in flight no other read is started: within the bound the cache is used
///   ([`SyncAction::Use`]), past it the cache is not used ([`SyncAction::Bypass`]).
pub fn sync_action(since_ms: f64, inflight_ms: Option<f64>, bounds: SyncBounds) -> SyncAction {
    let lease = f64::from(bounds.max_stale_ms) * f64::from(INFLIGHT_LEASE_BOUNDS);
    let busy = match inflight_ms {
        None => false,
        Some(age) => age.is_nan() || age < lease,
    };
    let past = since_ms.is_nan() || since_ms < 0.0 || since_ms >= f64::from(bounds.max_stale_ms);
    match (past, busy) {
        (true, true) => SyncAction::Bypass,
        (true, false) => SyncAction::Wait,
        (false, _) if since_ms < f64::from(bounds.sync_ms) || busy => SyncAction::Use,
        (false, _) => SyncAction::Refresh,
    }
}

/// What a read of the log past `cursor` evicts, given the first entry's seq (`None`: none
/// returned) and how many it returned. The log is gapless in commit order, so a first entry
/// other than `cursor + 1` means older entries were deleted before this isolate read them; a
/// read cut at [`BATCH_LIMIT`] may leave entries for the next read, which a cache emptied now
/// does not need.
pub fn batch_plan(cursor: f64, first: Option<f64>, count: u32) -> BatchPlan {
    match first {
        None => BatchPlan::Nothing,
        Some(f) if f == cursor + 1.0 && count < BATCH_LIMIT => BatchPlan::Listed,
        Some(_) => BatchPlan::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: SyncBounds = SyncBounds { sync_ms: 250, max_stale_ms: 1000 };

    #[test]
    fn bounds_default_and_validate() {
        assert_eq!(parse_sync_bounds(None, None).unwrap(), B);
        assert_eq!(parse_sync_bounds(Some("100"), Some("500")).unwrap(), SyncBounds { sync_ms: 100, max_stale_ms: 500 });
        assert_eq!(parse_sync_bounds(Some("1"), Some("60000")).unwrap(), SyncBounds { sync_ms: 1, max_stale_ms: 60000 });
        for (s, m, field) in [
            (Some("0"), None, "VERIFY_CACHE_SYNC_MS"),
            (Some("250ms"), None, "VERIFY_CACHE_SYNC_MS"),
            (Some("0250"), None, "VERIFY_CACHE_SYNC_MS"),
            (Some(""), None, "VERIFY_CACHE_SYNC_MS"),
            (Some("-1"), None, "VERIFY_CACHE_SYNC_MS"),
            (None, Some("60001"), "VERIFY_CACHE_MAX_STALE_MS"),
            (None, Some("1e3"), "VERIFY_CACHE_MAX_STALE_MS"),
            (Some("2000"), None, "VERIFY_CACHE_SYNC_MS"),
            (Some("500"), Some("400"), "VERIFY_CACHE_SYNC_MS"),
            (Some("99999999999"), None, "VERIFY_CACHE_SYNC_MS"),
        ] {
            let e = parse_sync_bounds(s, m).unwrap_err();
            assert_eq!((e.code, e.status, e.field.as_deref()), ("invalid_field", 422, Some(field)), "{s:?} {m:?}");
        }
    }

    #[test]
    fn action_by_age_without_a_read_in_flight() {
        for (since, want) in [
            (0.0, SyncAction::Use),
            (249.9, SyncAction::Use),
            (250.0, SyncAction::Refresh),
            (999.0, SyncAction::Refresh),
            (1000.0, SyncAction::Wait),
            (f64::INFINITY, SyncAction::Wait),
            (-1.0, SyncAction::Wait),
            (f64::NAN, SyncAction::Wait),
        ] {
            assert_eq!(sync_action(since, None, B), want, "since {since}");
        }
        let tight = SyncBounds { sync_ms: 10, max_stale_ms: 10 };
        assert_eq!(sync_action(9.0, None, tight), SyncAction::Use);
        assert_eq!(sync_action(10.0, None, tight), SyncAction::Wait);
    }

    #[test]
    fn a_read_in_flight_is_not_doubled_and_its_lease_ends() {
        // (since, in flight for, action): the lease is 2 x 1000 ms
        for (since, inflight, want) in [
            (100.0, 50.0, SyncAction::Use),
            (300.0, 50.0, SyncAction::Use),
            (999.0, 1999.0, SyncAction::Use),
            (1000.0, 0.0, SyncAction::Bypass),
            (1500.0, 1999.9, SyncAction::Bypass),
            (f64::INFINITY, 10.0, SyncAction::Bypass),
            (f64::NAN, 10.0, SyncAction::Bypass),
            (1000.0, -5.0, SyncAction::Bypass),
            (1000.0, f64::NAN, SyncAction::Bypass),
            // a read that never settled stops counting after the lease
            (300.0, 2000.0, SyncAction::Refresh),
            (1000.0, 2000.0, SyncAction::Wait),
            (1000.0, f64::INFINITY, SyncAction::Wait),
        ] {
            assert_eq!(sync_action(since, Some(inflight), B), want, "since {since}, in flight {inflight}");
        }
        let long = SyncBounds { sync_ms: 250, max_stale_ms: 60_000 };
        assert_eq!(sync_action(60_000.0, Some(119_999.0), long), SyncAction::Bypass);
        assert_eq!(sync_action(60_000.0, Some(120_000.0), long), SyncAction::Wait);
    }

    #[test]
    fn batch_plans() {
        assert_eq!(batch_plan(7.0, None, 0), BatchPlan::Nothing);
        assert_eq!(batch_plan(7.0, Some(8.0), 3), BatchPlan::Listed);
        assert_eq!(batch_plan(7.0, Some(9.0), 3), BatchPlan::All, "entry 8 was deleted before it was read");
        assert_eq!(batch_plan(7.0, Some(8.0), BATCH_LIMIT), BatchPlan::All, "a full page");
        assert_eq!(batch_plan(0.0, Some(1.0), 1), BatchPlan::Listed);
    }
}
