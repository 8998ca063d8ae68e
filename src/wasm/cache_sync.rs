//! JS bindings for `crate::rules::cache_sync`: how stale the token service's verification cache
//! may be, and what a read of the invalidation log evicts (docs/service.md, "Many isolates").
//! The per-request call (`cacheSyncAction`) takes and returns plain numbers: it runs on every
//! lookup the cache could answer.

use wasm_bindgen::prelude::*;

use super::to_js;
use crate::rules::cache_sync::{self, SyncBounds};
use crate::Error;

#[wasm_bindgen(typescript_custom_section)]
const TS_CACHE_SYNC: &'static str = r#"
/** The verification cache's staleness bounds (`cacheSyncBounds`), in ms; `batchLimit` entries at most per read of the log. */
export interface CacheSyncBounds { syncMs: number; maxStaleMs: number; batchLimit: number }
/** `cacheSyncAction`: 0 use the cache, 1 use it and read the log in the background, 2 read the log first, 3 do not use the cache (another read is in flight past the bound). */
export type CacheSyncAction = 0 | 1 | 2 | 3;
/** `cacheSyncBatch`: 0 nothing to evict, 1 evict the listed tokens' entries, 2 empty the cache. */
export type CacheSyncBatch = 0 | 1 | 2;
"#;

/// The bounds from `VERIFY_CACHE_SYNC_MS` and `VERIFY_CACHE_MAX_STALE_MS` (decimal text;
/// undefined = the default, 250 and 1000): whole ms from 1 to 60000, the interval not above the
/// bound. Throws 422 `invalid_field` naming the variable at fault.
#[wasm_bindgen(js_name = cacheSyncBounds, unchecked_return_type = "CacheSyncBounds")]
pub fn cache_sync_bounds(sync: Option<String>, #[wasm_bindgen(js_name = maxStale)] max_stale: Option<String>) -> Result<JsValue, Error> {
    let b = cache_sync::parse_sync_bounds(sync.as_deref(), max_stale.as_deref())?;
    to_js(&serde_json::json!({ "syncMs": b.sync_ms, "maxStaleMs": b.max_stale_ms, "batchLimit": cache_sync::BATCH_LIMIT }))
}

/// What a request does with the cache when the isolate's last successful read of the log began
/// `sinceMs` ago and the read in flight `inflightMs` ago (undefined: none), under the bounds
/// (`syncMs`, `maxStaleMs` from `cacheSyncBounds`). A read counts as in flight for less than
/// 2 × `maxStaleMs`.
#[wasm_bindgen(js_name = cacheSyncAction, unchecked_return_type = "CacheSyncAction")]
pub fn cache_sync_action(
    #[wasm_bindgen(js_name = sinceMs)] since_ms: f64,
    #[wasm_bindgen(js_name = inflightMs)] inflight_ms: Option<f64>,
    #[wasm_bindgen(js_name = syncMs)] sync_ms: u32,
    #[wasm_bindgen(js_name = maxStaleMs)] max_stale_ms: u32,
) -> u8 {
    cache_sync::sync_action(since_ms, inflight_ms, SyncBounds { sync_ms, max_stale_ms }) as u8
}

/// What a read of the log past `cursor` evicts, given its first entry's seq (null: none) and
/// how many entries it returned.
#[wasm_bindgen(js_name = cacheSyncBatch, unchecked_return_type = "CacheSyncBatch")]
pub fn cache_sync_batch(cursor: f64, first: Option<f64>, count: u32) -> u8 {
    cache_sync::batch_plan(cursor, first, count) as u8
}
