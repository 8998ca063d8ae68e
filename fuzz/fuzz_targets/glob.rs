//! Policy glob specifiers: `Glob::matches` against an independent dynamic-programming matcher,
//! and `Glob::covers` soundness on values instantiated from the child glob.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tokenkit::scope::glob::Glob;
use tokenkit_fuzz::{glob_matches_ref, glob_spec, instantiate_glob, mode_and_text, G};

fuzz_target!(|data: &[u8]| {
    let Some((mode, text)) = mode_and_text(data) else { return };
    if mode % 2 == 0 {
        // Raw: "<spec>\n<value>\n<value>…"
        let mut lines = text.split('\n');
        let spec = lines.next().unwrap_or("");
        let glob = Glob::new(spec);
        assert_eq!(glob.as_str(), spec);
        for v in lines {
            assert_eq!(glob.matches(v), glob_matches_ref(spec, v), "spec {spec:?} value {v:?}");
            assert!(v.starts_with(glob.literal_prefix()) || !glob.matches(v), "literal prefix {:?} of {spec:?}", glob.literal_prefix());
        }
        return;
    }
    let mut g = G::new(&data[1..]);
    let (a, b) = (glob_spec(&mut g), glob_spec(&mut g));
    let (ga, gb) = (Glob::new(&a), Glob::new(&b));
    let covers = ga.covers(&gb);
    assert!(ga.covers(&ga), "{a:?} does not cover itself");
    for _ in 0..16 {
        let v = if g.chance(200) { instantiate_glob(&mut g, &b) } else { instantiate_glob(&mut g, &a) };
        let (ma, mb) = (ga.matches(&v), gb.matches(&v));
        assert_eq!(ma, glob_matches_ref(&a, &v), "spec {a:?} value {v:?}");
        assert_eq!(mb, glob_matches_ref(&b, &v), "spec {b:?} value {v:?}");
        assert!(!ma || v.starts_with(ga.literal_prefix()), "literal prefix of {a:?} vs {v:?}");
        if covers && mb {
            assert!(ma, "{a:?} covers {b:?} but does not match {v:?}");
        }
    }
});
