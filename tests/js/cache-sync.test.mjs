// The verification cache's staleness rules (src/rules/cache_sync.rs) as the package exports them
// to the token service (worker/src/cache-sync.js): the bounds from the configuration, what a
// request does with the cache by the age of the last read of the invalidation log, and what a
// read of the log evicts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tk from "./tokenkit.mjs";

test("cacheSyncBounds: defaults, accepted values, and invalid_field naming the variable at fault", () => {
  assert.deepEqual(tk.cacheSyncBounds(undefined, undefined), { syncMs: 250, maxStaleMs: 1000, batchLimit: 512 });
  assert.deepEqual(tk.cacheSyncBounds("100", "500"), { syncMs: 100, maxStaleMs: 500, batchLimit: 512 });
  assert.deepEqual(tk.cacheSyncBounds("60000", "60000").maxStaleMs, 60000);
  for (const [sync, stale, field] of [
    ["0", undefined, "VERIFY_CACHE_SYNC_MS"],
    ["250ms", undefined, "VERIFY_CACHE_SYNC_MS"],
    [" 250", undefined, "VERIFY_CACHE_SYNC_MS"],
    ["2000", undefined, "VERIFY_CACHE_SYNC_MS"],
    [undefined, "60001", "VERIFY_CACHE_MAX_STALE_MS"],
    [undefined, "1e3", "VERIFY_CACHE_MAX_STALE_MS"],
    ["500", "400", "VERIFY_CACHE_SYNC_MS"],
  ]) {
    assert.throws(
      () => tk.cacheSyncBounds(sync, stale),
      (e) => e.name === "TokenkitError" && e.code === "invalid_field" && e.field === field && e.message.includes(field),
      `${sync} ${stale}`,
    );
  }
});

test("cacheSyncAction: use, refresh in the background, or read the log first", () => {
  const at = (since) => tk.cacheSyncAction(since, undefined, 250, 1000);
  assert.deepEqual([0, 249, 250, 999, 1000, 5000, Infinity, -1, NaN].map(at), [0, 0, 1, 1, 2, 2, 2, 2, 2]);
});

test("cacheSyncAction: one read in flight at a time, the cache bypassed past the bound meanwhile, the read's lease 2 x the bound", () => {
  const at = ([since, inflight]) => tk.cacheSyncAction(since, inflight, 250, 1000);
  const cases = [[100, 50], [300, 50], [999, 1999], [1000, 0], [1500, 1999], [1000, -5], [300, 2000], [1000, 2000], [1000, Infinity]];
  assert.deepEqual(cases.map(at), [0, 0, 0, 3, 3, 3, 1, 2, 2]);
  assert.equal(tk.cacheSyncAction(300, null, 250, 1000), 1, "null is no read in flight");
});

test("cacheSyncBatch: nothing, the listed tokens, or everything when entries may be missing", () => {
  assert.equal(tk.cacheSyncBatch(7, null, 0), 0);
  assert.equal(tk.cacheSyncBatch(7, 8, 3), 1);
  assert.equal(tk.cacheSyncBatch(7, 9, 3), 2, "entry 8 was dropped from the log before this isolate read it");
  assert.equal(tk.cacheSyncBatch(7, 8, 512), 2, "a full page");
});
