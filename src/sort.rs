//! One small in-place sort for the core's few sorts (list pages, policy candidates, object
//! keys), instead of std's: `slice::sort_by` and `sort_unstable` instantiate driftsort and
//! ipnsort, 2-3 KiB of wasm for each element type and comparator; this is a few hundred bytes.
//! Insertion sort for short slices, heapsort above: O(n log n) in the worst case, no
//! allocation, not stable (no caller has equal elements it must keep in order: each sorts by
//! a total order, or deduplicates equal elements right after).

use core::cmp::Ordering;

/// Slices up to this length are insertion-sorted.
const SHORT: usize = 16;

/// Sorts `v` by `cmp`, a total order.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut less = |a: &T, b: &T| cmp(a, b) == Ordering::Less;
    if v.len() <= SHORT {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && v.get(j).zip(v.get(j - 1)).is_some_and(|(a, b)| less(a, b)) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    // Heapsort: build a max-heap, then move the largest to the end, one at a time.
    for start in (0..v.len() / 2).rev() {
        sift_down(v, start, v.len(), &mut less);
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &mut less);
    }
}

fn sift_down<T>(v: &mut [T], mut node: usize, end: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let mut child = 2 * node + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && v.get(child).zip(v.get(child + 1)).is_some_and(|(a, b)| less(a, b)) {
            child += 1;
        }
        if !v.get(node).zip(v.get(child)).is_some_and(|(a, b)| less(a, b)) {
            return;
        }
        v.swap(node, child);
        node = child;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equals std's sort for every length 0-200 and for inputs with many equal keys, sorted,
    /// reversed and pseudo-random (a fixed xorshift, so a failure reproduces).
    #[test]
    fn agrees_with_std() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in 0..=200usize {
            for shape in 0..4 {
                let mut v: Vec<u64> = (0..len as u64)
                    .map(|i| match shape {
                        0 => next(),
                        1 => next() % 4,
                        2 => i,
                        _ => len as u64 - i,
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_unstable();
                sort_by(&mut v, u64::cmp);
                assert_eq!(v, want, "len {len} shape {shape}");
            }
        }
    }

    #[test]
    fn by_a_key_and_on_references() {
        let words = ["pear", "fig", "apple", "kiwi", "banana", "date", "cherry"];
        let mut v: Vec<&str> = words.iter().copied().cycle().take(60).collect();
        sort_by(&mut v, |a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let mut want = v.clone();
        want.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        assert_eq!(v, want);
        assert_eq!(v.first(), Some(&"fig"));
    }
}
