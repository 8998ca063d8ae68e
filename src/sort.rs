//! One small sort for the core's few sorts (list pages, policy candidates, object keys),
//! instead of std's: `slice::sort_by` and `sort_unstable` instantiate driftsort and ipnsort,
//! 2-3 KiB of wasm for each element type and comparator; this is a few hundred bytes.
//! Insertion sort of runs of 16, then bottom-up merges through one buffer: stable, O(n log n)
//! in the worst case, O(n) on input already in order (a merge of two runs in order is a copy),
//! which is how the service's rows mostly arrive (by insertion).

use core::cmp::Ordering;

/// Runs of this length are insertion-sorted before merging.
const RUN: usize = 16;

/// Sorts `v` by `cmp`, stably. Elements are `Copy` (references and integers at every call).
pub(crate) fn sort_by<T: Copy>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut less = |a: &T, b: &T| cmp(a, b) == Ordering::Less;
    for run in v.chunks_mut(RUN) {
        for i in 1..run.len() {
            let mut j = i;
            while j > 0 && run.get(j).zip(run.get(j - 1)).is_some_and(|(a, b)| less(a, b)) {
                run.swap(j, j - 1);
                j -= 1;
            }
        }
    }
    let n = v.len();
    if n <= RUN {
        return;
    }
    let mut buf: Vec<T> = v.to_vec();
    let mut width = RUN;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = n.min(start + width);
            let end = n.min(start + 2 * width);
            let (a, b) = (v.get(start..mid).unwrap_or_default(), v.get(mid..end).unwrap_or_default());
            if let Some(out) = buf.get_mut(start..end) {
                merge(a, b, out, &mut less);
            }
            start = end;
        }
        v.copy_from_slice(&buf);
        width *= 2;
    }
}

/// Merges the sorted runs `a` and `b` into `out` (`a.len() + b.len()` long), `a` first on ties.
fn merge<T: Copy>(a: &[T], b: &[T], out: &mut [T], less: &mut impl FnMut(&T, &T) -> bool) {
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        let take_b = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => less(y, x),
            (None, _) => true,
            (Some(_), None) => false,
        };
        let next = if take_b { b.get(j) } else { a.get(i) };
        if let Some(x) = next {
            *slot = *x;
        }
        if take_b {
            j += 1;
        } else {
            i += 1;
        }
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

    /// Stable: elements with equal keys keep their order, at every length 0-200.
    #[test]
    fn stable() {
        for len in 0..=200u32 {
            let mut v: Vec<(u32, u32)> = (0..len).map(|i| ((i * 7919) % 5, i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            sort_by(&mut v, |a, b| a.0.cmp(&b.0));
            assert_eq!(v, want, "len {len}");
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
