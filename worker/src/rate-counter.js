// The rate-limit counter: one Durable Object per rate-limited token (named by the token row's
// seq), so every use of the token anywhere is counted in one place, exactly (docs/service.md,
// "Conditions of use"). It only counts: the core decides the window a use falls in
// (decideConditions → {counter: "rate", window}) and what the count means. A DO runs one event
// at a time, and its storage calls hold further events (input gates), so two concurrent uses
// can never read the same count.
import { DurableObject } from "cloudflare:workers";

export class RateCounter extends DurableObject {
  /**
   * Counts one use in `window` and returns the window's count including it. Keeps the counts of
   * the newest two windows seen (a use from an isolate whose clock is a little behind still
   * lands in its own window).
   */
  async hit(window) {
    if (!Number.isSafeInteger(window)) throw new TypeError("window must be an integer");
    if (this.counts === undefined) this.counts = (await this.ctx.storage.get("counts")) ?? {};
    const counts = this.counts;
    const n = (counts[window] ?? 0) + 1;
    counts[window] = n;
    const keep = Object.keys(counts).map(Number).sort((a, b) => b - a).slice(0, 2);
    for (const k of Object.keys(counts)) if (!keep.includes(Number(k))) delete counts[k];
    this.#persist();
    return n;
  }

  /**
   * Writes the counts at most every PERSIST_MS, after the answers: the count in memory is the
   * decision's source (this object runs one hit at a time) and lives as long as the object; the
   * write only carries it over a restart. A write per hit would serialise every use of the token
   * behind a storage commit (bench/controls.bench.mjs: ~190 verifies/s on wrangler dev instead of
   * ~480). An eviction waits for the pending timer; only a crash can forget the last PERSIST_MS
   * of a window's uses (then up to that many more pass), never count one twice.
   */
  #persist() {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.ctx.storage.put("counts", this.counts);
    }, PERSIST_MS);
  }
}

/** How often at most the counts are written to the object's storage. */
const PERSIST_MS = 100;
