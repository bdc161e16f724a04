//! Parse speed. Run in release, alone:
//! `cargo test --release --lib syntax::tests::perf -- --ignored --nocapture`

use super::generate::{rules_with_bytes, rules_with_lines};
use crate::syntax::parse;
use std::time::Instant;

fn best_of(runs: usize, source: &str) -> std::time::Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let file = parse(source).unwrap();
            let elapsed = start.elapsed();
            assert!(!file.items.is_empty());
            elapsed
        })
        .min()
        .unwrap()
}

#[test]
#[ignore = "timing; run in release"]
fn parse_time_of_large_files() {
    let ten_thousand_lines = rules_with_lines(10_000);
    let five_mb = rules_with_bytes(5 * 1024 * 1024);
    for (what, source) in [("10,000 lines", &ten_thousand_lines), ("5 MiB", &five_mb)] {
        let lines = source.lines().count();
        let time = best_of(5, source);
        println!(
            "{what}: {} bytes, {lines} lines, parsed in {time:?}",
            source.len()
        );
    }
}

/// The fewest pest calls that parse `source`, found by bisection. Changes
/// pest's global limit, so it runs alone.
#[test]
#[ignore = "measurement; changes a global setting"]
fn calls_needed_per_byte() {
    let source = rules_with_lines(1_000);
    let (mut low, mut high) = (1usize, 1usize << 40);
    while low < high {
        let mid = low + (high - low) / 2;
        pest::set_call_limit(std::num::NonZeroUsize::new(mid));
        if parse(&source).is_ok() {
            high = mid
        } else {
            low = mid + 1
        }
    }
    println!(
        "{} bytes need {low} calls: {} per byte",
        source.len(),
        low / source.len()
    );
}

#[test]
#[ignore = "timing; run in release"]
fn parse_time_by_phase() {
    use crate::syntax::grammar::{NurtureGrammar, Rule};
    use pest::Parser;
    let source = rules_with_lines(10_000);
    let t = Instant::now();
    let _ = crate::syntax::prescan::prescan(&source).unwrap();
    println!("prescan {:?}", t.elapsed());
    let t = Instant::now();
    let pairs = NurtureGrammar::parse(Rule::file, &source).unwrap();
    println!("pest {:?}", t.elapsed());
    let t = Instant::now();
    let n = pairs.flatten().count();
    println!("walk all {n} pairs {:?}", t.elapsed());
    let pairs = NurtureGrammar::parse(Rule::file, &source).unwrap();
    let t = Instant::now();
    let (items, _) = crate::syntax::lower::file(pairs.into_iter().next().unwrap());
    println!("lower {} items {:?}", items.len(), t.elapsed());
}

#[test]
#[ignore = "profiling loop"]
fn pest_loop() {
    use crate::syntax::grammar::{NurtureGrammar, Rule};
    use pest::Parser;
    let source = rules_with_lines(10_000);
    let t = Instant::now();
    for _ in 0..20 {
        let pairs = NurtureGrammar::parse(Rule::file, &source).unwrap();
        assert!(!pairs.is_empty());
    }
    println!("pest x20 {:?}", t.elapsed());
}

fn calls_for(source: &str) -> usize {
    use crate::syntax::grammar::{NurtureGrammar, Rule};
    use pest::Parser;
    let (mut low, mut high) = (1usize, 1usize << 36);
    while low < high {
        let mid = low + (high - low) / 2;
        pest::set_call_limit(std::num::NonZeroUsize::new(mid));
        if NurtureGrammar::parse(Rule::file, source).is_ok() {
            high = mid
        } else {
            low = mid + 1
        }
    }
    low
}

#[test]
#[ignore = "measurement; changes a global setting"]
fn calls_per_construct() {
    let base = calls_for("segment s = x = 1\n");
    for snippet in [
        "segment s = x = 1\n",
        "segment s = x = 1 and x = 1\n",
        "segment s = country in [\"PL\", \"DE\"]\n",
        "segment s = opened 5 emails\n",
        "segment s = opened 3 emails in last 30 days\n",
        "segment s = stage >= Customer\n",
        "segment s = budget is set\n",
        "segment s = total purchase amount in last 365 days >= 1000\n",
        "rule r: if x = 1 then stop\n",
        "rule r: if x = 1 then move to MQL\n",
        "rule r: if x = 1 then wait 7 days\n",
        "email a\n",
        "email a, b, c, d\n",
        "# comment\n",
        "        \n",
    ] {
        let source = snippet.repeat(100);
        let calls = calls_for(&source);
        println!(
            "{:>7} calls/100 {:>6.1}/byte  {snippet:?}",
            calls - base,
            (calls - base) as f64 / source.len() as f64
        );
    }
}

#[test]
#[ignore = "profiling loop"]
fn full_parse_loop() {
    let source = rules_with_lines(10_000);
    let t = Instant::now();
    for _ in 0..20 {
        parse(&source).unwrap();
    }
    println!("parse x20 {:?}", t.elapsed());
}
