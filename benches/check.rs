//! `check` of a 10,000-line rules file (the product brief, section 8: under 100 ms).
//!
//! Run with `cargo bench --bench check`. A plain `harness = false` bench on
//! `std::time`: no dependency to build, and the figure that matters is one
//! median. It times the library (parse alone, and parse + check as
//! `nurture check` does) and the whole release binary on the same file, and
//! prints the median, fastest and slowest of the samples.
//!
//! `cargo bench --bench check -- --write FILE` also writes the generated
//! rules file, to look at or to time with other tools; `-- --calls` also
//! prints how many pest calls the file and each kind of construct need.
//! To see where parse time goes (pest, lowering), profile this bench
//! (`perf record`): its samples are a loop over the same file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// Lines in the generated file (at least; it stops after a whole block).
const LINES: usize = 10_000;
const WARMUP: usize = 3;
const SAMPLES: usize = 31;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = generate(LINES);
    if let Some(at) = args.iter().position(|a| a == "--write") {
        let path = args.get(at + 1).expect("--write FILE");
        std::fs::write(path, &text).expect("write the generated file");
    }
    let lines = text.lines().count();
    println!(
        "check: generated {lines} lines, {} KiB, {} rules, {} segments",
        text.len() / 1024,
        text.matches("\nrule ").count() + text.matches("\non ").count(),
        text.matches("\nsegment ").count()
    );

    // The generated file must be valid, or the bench would time error paths
    // (lint warnings are fine: linting is part of what `check` does).
    let checked =
        nurture::driver::check_source(Path::new("bench.nurture"), "bench.nurture", text.clone());
    assert!(
        !checked.has_errors(),
        "the generated file has diagnostics: {:#?}",
        &checked.diagnostics[..checked.diagnostics.len().min(5)]
    );

    report(
        "parse",
        &sample(|| {
            let ast = nurture::syntax::parse(&text).expect("parses");
            std::hint::black_box(ast.items.len());
        }),
    );
    report("parse + check", &sample(|| check(&text)));
    // The same file with its `matches` conditions left out: compiling a
    // regular expression is a large part of checking one.
    let plain = text.replace(REGEX_TEST, "");
    assert!(!plain.contains("matches"));
    report("parse + check, no regex", &sample(|| check(&plain)));

    // The binary end to end: start-up, read, parse, check, report.
    let dir = std::env::temp_dir().join(format!("nurture-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join("bench.nurture");
    std::fs::write(&file, &text).expect("write bench file");
    let mut process = sample(|| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_nurture"))
            .arg("check")
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run nurture");
        assert_eq!(status.code(), Some(0));
    });
    // This thread only waits for the child: its CPU time says nothing.
    process.cpu = None;
    report("`nurture check` process", &process);
    let _ = std::fs::remove_dir_all(&dir);

    // Parsing a file of the largest size the limits allow, at fewer samples.
    let big = generate_bytes(5 * 1024 * 1024);
    report(
        "parse, 5 MiB",
        &sample(|| {
            let ast = nurture::syntax::parse(&big).expect("parses");
            std::hint::black_box(ast.items.len());
        }),
    );
    if args.iter().any(|a| a == "--calls") {
        pest_calls(&text);
    }
}

/// A campaign of at least `bytes` bytes (whole blocks).
fn generate_bytes(bytes: usize) -> String {
    let mut text = generate(0);
    let mut block = 0;
    while text.len() < bytes {
        write_block(&mut text, block);
        block += 1;
    }
    text
}

/// `-- --calls`: how many pest calls the generated file and each kind of
/// construct need (the parser's call limit is set from these figures). The
/// fewest calls that parse a text are found by bisecting pest's global call
/// limit, so this runs last: it changes a setting of the whole process.
fn pest_calls(text: &str) {
    let calls = calls_for(text);
    println!(
        "check: pest calls: {} bytes need {calls}, {} per byte",
        text.len(),
        calls / text.len()
    );
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
        let calls = calls_for(&source).saturating_sub(base);
        println!(
            "check: pest calls {calls:>7}/100 {:>6.1}/byte  {snippet:?}",
            calls as f64 / source.len() as f64
        );
    }
}

/// The fewest pest calls with which `source` parses. The parser sets its
/// own limit once, on its first call, so it is called before bisecting.
fn calls_for(source: &str) -> usize {
    let _ = nurture::syntax::parse(source);
    let (mut low, mut high) = (1usize, 1usize << 36);
    while low < high {
        let mid = low + (high - low) / 2;
        pest::set_call_limit(std::num::NonZeroUsize::new(mid));
        if nurture::syntax::parse(source).is_ok() {
            high = mid
        } else {
            low = mid + 1
        }
    }
    low
}

/// Wall times and, where Linux tells, the on-CPU times of this thread, each
/// sorted. On a shared machine the CPU time shows what the code costs when
/// other processes take turns on the cores.
struct Samples {
    wall: Vec<Duration>,
    cpu: Option<Vec<Duration>>,
}

fn check(text: &str) {
    let checked = nurture::driver::check_source(
        Path::new("bench.nurture"),
        "bench.nurture",
        std::hint::black_box(text.to_string()),
    );
    assert!(checked.program.is_some());
    std::hint::black_box(checked);
}

fn sample(mut run: impl FnMut()) -> Samples {
    for _ in 0..WARMUP {
        run();
    }
    let mut wall = Vec::new();
    let mut cpu = Some(Vec::new());
    for _ in 0..SAMPLES {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        run();
        wall.push(start.elapsed());
        cpu = match (cpu, cpu_start, thread_cpu_time()) {
            (Some(mut times), Some(a), Some(b)) => {
                times.push(b.saturating_sub(a));
                Some(times)
            }
            _ => None,
        };
    }
    wall.sort_unstable();
    if let Some(times) = &mut cpu {
        times.sort_unstable();
    }
    Samples { wall, cpu }
}

/// Time this thread has spent on a CPU (Linux: `/proc/thread-self/schedstat`).
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn report(what: &str, samples: &Samples) {
    let sorted = &samples.wall;
    let median = sorted[sorted.len() / 2];
    let cpu = match &samples.cpu {
        Some(cpu) => {
            format!("   on-CPU median {:>8.2} ms", ms(cpu[cpu.len() / 2]))
        }
        _ => String::new(),
    };
    println!(
        "check: {what:<26} median {:>8.2} ms   min {:>8.2} ms   max {:>8.2} ms{cpu}   ({} samples)",
        ms(median),
        ms(sorted[0]),
        ms(sorted[sorted.len() - 1]),
        sorted.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A campaign of at least `lines` lines, built from blocks of realistic
/// declarations, segments and rules (the shapes of the shipped examples).
fn generate(lines: usize) -> String {
    let mut text = String::from(
        "# Generated for the `check` benchmark.\n\
         stages Subscriber, Lead, MQL, SQL, Customer, Loyal, Ambassador\n\
         \n\
         campaign \"Benchmark\" {\n  timezone \"Europe/Warsaw\"\n  quiet hours 21:00 to 08:00\n  at most 1 email per 2 days\n  at most 2 sms per 7 days then drop\n}\n\
         \n\
         field company_size: number\nfield country: text\nfield channel: text\nfield job_title: text\n\
         field budget: number\nfield birthday: date\nfield interests: list of text\nfield vip: bool\n\
         \n\
         event referral { referred: text, value: number }\n\
         decay points by 10% every 30 days\n\n",
    );
    let mut block = 0;
    let mut count = text.lines().count();
    while count < lines {
        let before = text.len();
        write_block(&mut text, block);
        count += text[before..].lines().count();
        block += 1;
    }
    text
}

/// The one regular expression of each block.
const REGEX_TEST: &str = "job_title matches \"(?i)(head|director|chief|vp|founder)\" or ";

fn write_block(text: &mut String, i: usize) {
    let _ = write!(
        text,
        r#"# --- programme {i} ---------------------------------------------------------
email welcome_{i}, nurture_{i}, sales_intro_{i}, winback_{i}
sms flash_{i}
page pricing_{i} = "/products/{i}/pricing*"
page cases_{i} = "https://example.com/cases/{i}/*"
form demo_{i}, webinar_{i}
asset sheet_{i}
list newsletter_{i}

segment engaged_{i} =
  opened 3 emails in last 30 days or clicked any email in last 14 days

segment interested_{i} =
  visited pricing_{i} 2 times in last 30 days or downloaded asset sheet_{i}
  or (country in ["PL", "DE", "FR"] and company_size >= 50)

segment decision_maker_{i} =
  {REGEX_TEST}company_size < 20

segment hot_{i} = in segment engaged_{i} and in segment interested_{i} and points >= 40

on visited pricing_{i} then add 10 points
on visited cases_{i} then add 5 points
on submitted form webinar_{i} then add 10 points, add to list newsletter_{i}
on purchase where amount > 500 then add tag "big_order_{i}"

rule welcome_{i}:
  when stage is Subscriber and not has tag "welcomed_{i}"
  then send email welcome_{i}, add tag "welcomed_{i}"

rule mql_{i} priority 5:
  if opened 5 emails and visited pricing_{i} and in segment hot_{i}
  then move to MQL and send email nurture_{i}

rule sql_{i}:
  when stage is MQL and in segment decision_maker_{i}
   and (budget is not set or budget >= 5000)
  then move to SQL, notify sales "Programme {i} lead", hand off to crm "Scored {i}",
       send email sales_intro_{i}

rule demo_{i} priority 10:
  when submitted form demo_{i} or total purchase amount in last 365 days >= 1000
  then move to SQL, notify sales "Demo {i}", add tag "hot"

rule winback_{i}:
  when stage >= Customer and no purchase in last 90 days
  then send email winback_{i}, wait 7 days,
       if opened any email since then add 5 points else send sms flash_{i} end
  exit when stage >= Loyal or in list newsletter_{i}
  repeat every 180 days

"#
    );
}
