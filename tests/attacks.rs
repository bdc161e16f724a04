//! The hostile-input suite: every attack of issue 10's "Security and
//! resource holes" through the real binary, each held in CPU and wall time,
//! in address space (`prlimit --as`, util-linux) and in output.
//!
//! These tests assert the general safety properties only, never the exact
//! exit code or message (the tests beside each fix pin those):
//! - the run ends by itself within its deadline (no hang, no busy loop);
//! - with exit code 0, 1 or 2: no panic (101), no signal, no abort from a
//!   failed allocation under the memory limit;
//! - nothing secret reaches stdout or stderr: the child gets a canary
//!   environment variable whose value must never appear, and no line of
//!   `/etc/passwd` may appear;
//! - the output stays bounded (one megabyte unless an attack says otherwise).
//!
//! Each attack names its hole ("hole N") as numbered in the issue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture_limited, scratch, LimitedRun, Limits, StdinFrom, StdoutTo, DEADLINE};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The canary's variable name: a run that prints its environment shows it.
const CANARY_NAME: &str = "NURTURE_CANARY_SECRET";

/// The canary's value, unique to this test process.
fn canary() -> &'static str {
    static VALUE: OnceLock<String> = OnceLock::new();
    VALUE.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("canary-{}-{nanos}-do-not-print", std::process::id())
    })
}

/// The lines of `/etc/passwd` long enough to be unmistakable.
fn passwd_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        std::fs::read_to_string("/etc/passwd")
            .unwrap_or_default()
            .lines()
            .filter(|l| l.len() >= 8 && l.contains(':'))
            .map(str::to_string)
            .collect()
    })
}

/// One attack: a command in a folder, with its limits.
struct Attack {
    what: String,
    dir: PathBuf,
    args: Vec<String>,
    limits: Limits,
    /// Bytes of stdout plus stderr allowed.
    max_output: u64,
}

impl Attack {
    fn new(what: &str, dir: &Path, args: &[&str]) -> Attack {
        Attack {
            what: what.to_string(),
            dir: dir.to_path_buf(),
            args: args.iter().map(|a| (*a).to_string()).collect(),
            limits: Limits {
                env: vec![(CANARY_NAME.to_string(), canary().to_string())],
                ..Limits::default()
            },
            max_output: 1 << 20,
        }
    }

    /// For attacks that block without using CPU: a short wall clock.
    fn blocking(mut self) -> Attack {
        self.limits.deadline = Duration::from_secs(5);
        self.limits.wall = Some(Duration::from_secs(30));
        self
    }

    /// For attacks that are heavy by design (megabytes of rules, a decade
    /// of ticks): the unoptimised binary is about ten times slower.
    fn heavy(mut self) -> Attack {
        self.limits.deadline = if cfg!(debug_assertions) {
            DEADLINE * 4
        } else {
            DEADLINE
        };
        self
    }

    fn stdin(mut self, from: StdinFrom) -> Attack {
        self.limits.stdin = from;
        self
    }

    fn stdout(mut self, to: StdoutTo) -> Attack {
        self.limits.stdout = to;
        self
    }

    /// Runs the attack and asserts the safety properties.
    fn run(self) -> LimitedRun {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let result = nurture_limited(&self.dir, &args, &self.limits);
        assert_safe(&self.what, &args, &result, self.max_output);
        result
    }
}

fn assert_safe(what: &str, args: &[&str], result: &LimitedRun, max_output: u64) {
    let run = &result.run;
    let context = || {
        format!(
            "attack: {what}\ncommand: nurture {}\nstatus: {:?} after {:?} (memory limited: {})\n\
             stdout ({} bytes):\n{}\nstderr ({} bytes):\n{}",
            common::clip(&args.join(" ")),
            run.status,
            run.elapsed,
            result.memory_limited,
            result.stdout_bytes,
            common::clip(&run.stdout),
            result.stderr_bytes,
            common::clip(&run.stderr),
        )
    };
    assert!(
        !result.timed_out,
        "the run did not end in time\n{}",
        context()
    );
    assert!(
        matches!(run.code(), Some(0..=2)),
        "exit status is not 0, 1 or 2 (101 is a panic, none a signal)\n{}",
        context()
    );
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked\n{}",
        context()
    );
    for output in [&run.stdout, &run.stderr] {
        assert!(
            !output.contains(canary()),
            "the environment leaked\n{}",
            context()
        );
        assert!(
            !output.contains(&format!("{CANARY_NAME}=")),
            "the environment leaked\n{}",
            context()
        );
        for line in passwd_lines() {
            assert!(
                !output.contains(line.as_str()),
                "a line of /etc/passwd leaked\n{}",
                context()
            );
        }
    }
    let output = result.stdout_bytes + result.stderr_bytes;
    assert!(
        output <= max_output,
        "{output} bytes of output (at most {max_output})\n{}",
        context()
    );
}

// ---------------------------------------------------------------- files

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

const RULES: &str = "stages Visitor, Lead\n\nemail hello\n\nrule visit:\n  on visited any page\n  then move to Visitor, send email hello\n\nsegment visitors = stage is Visitor\n";

const EVENTS: &str = "contact_id,type,at,url\nc1,page.visited,2025-01-01T10:00:00Z,/\nc2,page.visited,2025-01-02T10:00:00Z,/pricing\n";

/// A folder with plain rules and events, and the canary set up.
fn project(name: &str) -> PathBuf {
    let dir = scratch(&format!("attacks-{name}"));
    write(&dir, "rules.nurture", RULES);
    write(&dir, "events.csv", EVENTS);
    dir
}

fn data_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["rules.nurture", "--events", "events.csv"];
    args.extend_from_slice(extra);
    args
}

// ------------------------------------------------- hole 1: secrets in the log

#[test]
fn hole1_import_of_proc_self_environ() {
    let dir = project("environ-import");
    write(&dir, "evil.nurture", "import \"/proc/self/environ\"\n");
    Attack::new(
        "import \"/proc/self/environ\"",
        &dir,
        &["check", "evil.nurture"],
    )
    .run();
    Attack::new(
        "import \"/proc/self/environ\" (test)",
        &dir,
        &["test", "evil.nurture"],
    )
    .run();
}

#[test]
fn hole1_symlink_to_proc_self_environ_in_a_checked_folder() {
    let dir = project("environ-symlink");
    symlink("/proc/self/environ", &dir.join("evil.nurture"));
    Attack::new(
        "evil.nurture -> /proc/self/environ, check .",
        &dir,
        &["check", "."],
    )
    .run();
    Attack::new(
        "evil.nurture -> /proc/self/environ, check it",
        &dir,
        &["check", "evil.nurture"],
    )
    .run();
}

#[test]
fn hole1_rhai_import_of_proc_self_environ() {
    let dir = project("environ-rhai");
    symlink("/proc/self/environ", &dir.join("env.rhai"));
    write(&dir, "evil.nurture", "import \"env.rhai\"\n");
    Attack::new(
        "import of env.rhai -> /proc/self/environ",
        &dir,
        &["check", "evil.nurture"],
    )
    .run();
}

#[test]
fn hole1_import_escaping_to_etc_passwd() {
    let dir = project("passwd");
    write(
        &dir,
        "evil.nurture",
        "import \"../../../../../../../../etc/passwd\"\n",
    );
    Attack::new(
        "import \"../../../../etc/passwd\"",
        &dir,
        &["check", "evil.nurture"],
    )
    .run();
    write(&dir, "abs.nurture", "import \"/etc/passwd\"\n");
    Attack::new("import \"/etc/passwd\"", &dir, &["check", "abs.nurture"]).run();
}

// ------------------------------------------------------ hole 2: special files

#[test]
fn hole2_fifo_rules_file_in_a_checked_folder() {
    let dir = project("fifo-folder");
    mkfifo(&dir.join("x.nurture"));
    Attack::new(
        "a FIFO x.nurture in a checked folder",
        &dir,
        &["check", "."],
    )
    .blocking()
    .run();
    Attack::new(
        "check of a FIFO named on the command line",
        &dir,
        &["check", "x.nurture"],
    )
    .blocking()
    .run();
}

#[test]
fn hole2_import_of_a_fifo() {
    let dir = project("fifo-import");
    mkfifo(&dir.join("pipe.nurture"));
    write(&dir, "main.nurture", "import \"pipe.nurture\"\n");
    Attack::new("import of a FIFO", &dir, &["check", "main.nurture"])
        .blocking()
        .run();
}

#[test]
fn hole2_fifo_as_events() {
    let dir = project("fifo-events");
    mkfifo(&dir.join("fifo.csv"));
    for command in ["simulate", "segments"] {
        let mut args = vec![command, "rules.nurture", "--events", "fifo.csv"];
        if command == "simulate" {
            args.extend(["--from", "2025-01-01", "--to", "2025-01-02"]);
        }
        Attack::new(&format!("{command} --events FIFO"), &dir, &args)
            .blocking()
            .run();
    }
}

#[test]
fn hole2_check_dev_stdin_with_stdin_held_open() {
    let dir = project("stdin");
    Attack::new(
        "check /dev/stdin, stdin open",
        &dir,
        &["check", "/dev/stdin"],
    )
    .blocking()
    .stdin(StdinFrom::HeldOpen)
    .run();
}

#[test]
fn hole2_dev_zero_as_rules_file() {
    let dir = project("zero-rules");
    Attack::new("check /dev/zero", &dir, &["check", "/dev/zero"]).run();
    Attack::new("check /dev/urandom", &dir, &["check", "/dev/urandom"]).run();
    symlink("/dev/zero", &dir.join("zero.nurture"));
    Attack::new(
        "check zero.nurture -> /dev/zero",
        &dir,
        &["check", "zero.nurture"],
    )
    .run();
}

#[test]
fn hole2_dev_zero_as_import() {
    let dir = project("zero-import");
    write(&dir, "abs.nurture", "import \"/dev/zero\"\n");
    Attack::new("import \"/dev/zero\"", &dir, &["check", "abs.nurture"]).run();
    symlink("/dev/zero", &dir.join("zero.nurture"));
    write(&dir, "link.nurture", "import \"zero.nurture\"\n");
    Attack::new(
        "import of zero.nurture -> /dev/zero",
        &dir,
        &["check", "link.nurture"],
    )
    .run();
}

#[test]
fn hole2_dev_zero_as_rhai_import() {
    let dir = project("zero-rhai");
    symlink("/dev/zero", &dir.join("zero.rhai"));
    write(&dir, "main.nurture", "import \"zero.rhai\"\n");
    Attack::new(
        "import of zero.rhai -> /dev/zero",
        &dir,
        &["check", "main.nurture"],
    )
    .run();
}

#[test]
fn hole2_dev_zero_as_data() {
    let dir = project("zero-data");
    let cases: [(&str, Vec<&str>); 3] = [
        ("--map /dev/zero", data_args(&["--map", "/dev/zero"])),
        (
            "--events /dev/zero",
            vec!["rules.nurture", "--events", "/dev/zero"],
        ),
        (
            "--contacts /dev/zero",
            data_args(&["--contacts", "/dev/zero"]),
        ),
    ];
    for (what, args) in cases {
        for command in ["segments", "simulate"] {
            let mut full = vec![command];
            full.extend(&args);
            Attack::new(&format!("{command} {what}"), &dir, &full).run();
        }
    }
}

// ------------------------------------------- hole 3: compressed and huge data

/// A gzip stream of `copies` members, each inflating to `chunk` (the
/// decoder reads concatenated members as one stream), after a first member
/// holding `head`: a small file that inflates to `copies * chunk.len()`.
fn gzip_bomb(head: &[u8], chunk: &[u8], copies: usize) -> Vec<u8> {
    let member = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let first = member(head);
    let repeated = member(chunk);
    let mut out = Vec::with_capacity(first.len() + repeated.len() * copies);
    out.extend_from_slice(&first);
    for _ in 0..copies {
        out.extend_from_slice(&repeated);
    }
    out
}

#[test]
fn hole3_gzip_bomb_of_rows() {
    let dir = project("gzip-rows");
    let row = b"c1,page.visited,2025-01-01T10:00:00Z,/\n";
    let chunk: Vec<u8> = row
        .iter()
        .copied()
        .cycle()
        .take(row.len() * 400_000)
        .collect();
    // About 15 MiB per member, 512 members: 8 GiB once inflated.
    write(
        &dir,
        "bomb.csv.gz",
        gzip_bomb(b"contact_id,type,at,url\n", &chunk, 512),
    );
    // Valid rows are loaded until the inflated-size limit: at the default
    // (1 GiB) that is millions of events, more than a debug build parses
    // within the deadline under 2 GiB, so the limit is lowered here; the
    // same check stops the default (tests/trust_data.rs covers D014).
    Attack::new(
        "segments --events: gzip of 8 GiB of rows",
        &dir,
        &[
            "segments",
            "rules.nurture",
            "--events",
            "bomb.csv.gz",
            "--max-inflated-size",
            "64M",
        ],
    )
    .heavy()
    .run();
}

#[test]
fn hole3_gzip_bomb_of_one_endless_record() {
    let dir = project("gzip-record");
    let chunk = vec![b'a'; 16 << 20];
    // One record with no line end: 8 GiB once inflated.
    write(
        &dir,
        "bomb.csv.gz",
        gzip_bomb(b"contact_id,type,at,url\nc1,", &chunk, 512),
    );
    Attack::new(
        "segments --events: gzip of one 8 GiB record",
        &dir,
        &["segments", "rules.nurture", "--events", "bomb.csv.gz"],
    )
    .heavy()
    .run();
}

#[test]
fn hole3_csv_record_with_no_line_end() {
    let dir = project("long-record");
    let mut text = b"contact_id,type,at,url\nc1,page.visited,2025-01-01T10:00:00Z,/".to_vec();
    text.resize(text.len() + (64 << 20), b'x');
    write(&dir, "long.csv", text);
    Attack::new(
        "segments --events: a 64 MiB record with no line end",
        &dir,
        &["segments", "rules.nurture", "--events", "long.csv"],
    )
    .heavy()
    .run();
}

// ---------------------------------------------------- hole 4: deep structures

fn chained_segments(n: usize) -> String {
    let mut text = String::from("stages A\n\nsegment s0 = points > 1\n");
    for i in 1..n {
        writeln!(text, "segment s{i} = in segment s{}", i - 1).unwrap();
    }
    writeln!(
        text,
        "\nrule last:\n  when in segment s{}\n  then move to A",
        n - 1
    )
    .unwrap();
    text
}

#[test]
fn hole4_simulate_30000_chained_segments() {
    let dir = project("segments-30k");
    write(&dir, "chain.nurture", chained_segments(30_000));
    Attack::new(
        "simulate on 30,000 chained segments",
        &dir,
        &["simulate", "chain.nurture", "--events", "events.csv"],
    )
    .heavy()
    .run();
}

#[test]
fn hole4_check_20000_chained_imports() {
    let dir = project("imports-20k");
    let n = 20_000;
    for i in 0..n {
        let text = if i + 1 < n {
            format!("import \"f{}.nurture\"\n", i + 1)
        } else {
            "field last: text\n".to_string()
        };
        write(&dir, &format!("f{i}.nurture"), text);
    }
    Attack::new(
        "check on 20,000 chained imports",
        &dir,
        &["check", "f0.nurture"],
    )
    .heavy()
    .run();
}

#[test]
fn hole4_check_100000_chained_segments() {
    let dir = project("segments-100k");
    write(&dir, "chain.nurture", chained_segments(100_000));
    Attack::new(
        "check on 100,000 chained segments",
        &dir,
        &["check", "chain.nurture"],
    )
    .heavy()
    .run();
}

// ------------------------------------------------------ hole 5: output errors

#[test]
fn hole5_closed_stdout_pipe() {
    let dir = project("closed-pipe");
    let commands: [Vec<&str>; 3] = [
        vec!["check", "rules.nurture", "--format", "json"],
        vec!["simulate", "rules.nurture", "--events", "events.csv"],
        vec!["segments", "rules.nurture", "--events", "events.csv"],
    ];
    for args in commands {
        Attack::new(&format!("{} | head -c0", args[0]), &dir, &args)
            .stdout(StdoutTo::ClosedPipe)
            .run();
    }
}

#[test]
fn hole5_stdout_to_dev_full() {
    let dir = project("dev-full");
    let commands: [Vec<&str>; 3] = [
        vec!["check", "rules.nurture", "--format", "json"],
        vec!["simulate", "rules.nurture", "--events", "events.csv"],
        vec!["segments", "rules.nurture", "--events", "events.csv"],
    ];
    for args in commands {
        Attack::new(&format!("{} > /dev/full", args[0]), &dir, &args)
            .stdout(StdoutTo::DevFull)
            .run();
    }
}

// ------------------------------------------------------- hole 6: rhai sandbox

#[test]
fn hole6_rhai_sleep_in_simulate_and_test() {
    let dir = project("rhai-sleep");
    write(
        &dir,
        "sleepy.nurture",
        "stages A\n\nscript slow ```\nsleep(3600);\ntrue\n```\n\nsegment s = script slow\n\n\
         rule r:\n  when script slow\n  then move to A\n\n\
         test \"sleeps\" {\n  given contact points 0\n  at 2025-01-02\n  expect stage A\n}\n",
    );
    let sleeping = |what: &str, args: &[&str]| {
        let mut attack = Attack::new(what, &dir, args);
        // sleep() uses no CPU: the wall clock is what catches it.
        attack.limits.wall = Some(Duration::from_secs(60));
        attack.run();
    };
    sleeping(
        "rhai sleep(3600) in simulate",
        &["simulate", "sleepy.nurture", "--events", "events.csv"],
    );
    sleeping("rhai sleep(3600) in test", &["test", "sleepy.nurture"]);
}

#[test]
fn hole6_twenty_thousand_count_calls_over_100000_events() {
    let dir = project("rhai-count");
    let mut events = String::from("contact_id,type,at,url\n");
    for i in 0..100_000 {
        writeln!(
            events,
            "c1,page.visited,2025-01-01T{:02}:{:02}:00Z,/p{i}",
            (i / 60) % 24,
            i % 60
        )
        .unwrap();
    }
    write(&dir, "many.csv", events);
    write(
        &dir,
        "count.nurture",
        "stages A\n\nscript heavy ```\nlet n = 0;\nfor i in 0..20000 { n += count(\"page.visited\"); }\nn > 0\n```\n\n\
         rule r:\n  when script heavy\n  then move to A\n",
    );
    Attack::new(
        "20,000 count() calls over 100,000 events",
        &dir,
        &[
            "simulate",
            "count.nurture",
            "--events",
            "many.csv",
            "--from",
            "2025-01-02",
            "--to",
            "2025-01-02",
        ],
    )
    .heavy()
    .run();
}

// ------------------------------------------------- hole 7: exploding settings

#[test]
fn hole7_repeat_every_minute_with_a_minute_tick_over_ten_years() {
    let dir = project("repeat-minute");
    // Every firing is a send the run records: about 5.3 million per contact.
    write(
        &dir,
        "repeat.nurture",
        "stages A\n\nemail hello\n\nrule r:\n  when points >= 0\n  then send email hello\n  repeat every 1 minute\n",
    );
    let mut events = String::from("contact_id,type,at,url\n");
    for i in 0..8 {
        writeln!(events, "c{i},page.visited,2015-01-01T10:00:00Z,/").unwrap();
    }
    write(&dir, "eight.csv", events);
    Attack::new(
        "repeat every 1 minute, --tick \"1 minute\" over 10 years, 8 contacts",
        &dir,
        &[
            "simulate",
            "repeat.nurture",
            "--events",
            "eight.csv",
            "--tick",
            "1 minute",
            "--from",
            "2015-01-01",
            "--to",
            "2024-12-31",
        ],
    )
    .heavy()
    .run();
}

#[test]
fn hole7_minute_tick_from_year_1_to_9999() {
    let dir = project("tick-ages");
    Attack::new(
        "--tick \"1 minute\" --from 0001-01-01 --to 9999-12-31",
        &dir,
        &data_args(&[
            "--tick",
            "1 minute",
            "--from",
            "0001-01-01",
            "--to",
            "9999-12-31",
        ])
        .iter()
        .copied()
        .fold(vec!["simulate"], |mut v, a| {
            v.push(a);
            v
        }),
    )
    .heavy()
    .run();
}

// ---------------------------------------------- hole 8: floods, quadratic paths

#[test]
fn hole8_one_million_unknown_columns() {
    let dir = project("columns");
    let mut text = String::from("contact_id,type,at,url");
    for i in 0..1_000_000 {
        write!(text, ",unknown{i}").unwrap();
    }
    text.push_str("\nc1,page.visited,2025-01-01T10:00:00Z,/");
    text.push_str(&",".repeat(1_000_000));
    text.push('\n');
    write(&dir, "wide.csv", text);
    Attack::new(
        "one million unknown columns (stderr under 1 MB)",
        &dir,
        &["segments", "rules.nurture", "--events", "wide.csv"],
    )
    .heavy()
    .run();
}

#[test]
fn hole8_hundred_thousand_classify_rules_over_hundred_thousand_rows() {
    let dir = project("classify");
    let mut rules = Vec::with_capacity(100_000);
    for i in 0..100_000 {
        rules.push(format!(
            "{{\"column\": \"kind\", \"prefix\": \"k{i}-\", \"type\": \"page.visited\"}}"
        ));
    }
    write(
        &dir,
        "map.json",
        format!(
            "{{\"events\": {{\"type\": \"page.visited\", \"ignore\": [\"kind\"], \"classify\": [{}]}}}}",
            rules.join(",")
        ),
    );
    let mut events = String::from("contact_id,at,url,kind\n");
    for i in 0..100_000 {
        writeln!(events, "c{},2025-01-01T10:00:00Z,/,none{i}", i % 100).unwrap();
    }
    write(&dir, "rows.csv", events);
    Attack::new(
        "100,000 classify rules over 100,000 rows",
        &dir,
        &[
            "segments",
            "rules.nurture",
            "--events",
            "rows.csv",
            "--map",
            "map.json",
        ],
    )
    .heavy()
    .run();
}

// ---------------------------------------------------------- hole 9: smaller

#[test]
fn hole9_rules_file_starting_with_a_bom() {
    let dir = project("bom");
    write(&dir, "bom.nurture", format!("\u{feff}{RULES}"));
    Attack::new(
        "rules file starting with a UTF-8 BOM",
        &dir,
        &["check", "bom.nurture"],
    )
    .run();
}

#[test]
fn hole9_nurture_toml_that_is_a_fifo() {
    let dir = project("toml-fifo");
    mkfifo(&dir.join("nurture.toml"));
    Attack::new("nurture.toml is a FIFO", &dir, &["check", "rules.nurture"])
        .blocking()
        .run();
    Attack::new("nurture.toml is a FIFO (folder)", &dir, &["check", "."])
        .blocking()
        .run();
}

#[test]
fn hole9_fmt_on_a_symlink() {
    let dir = project("fmt-symlink");
    let outside = scratch("attacks-fmt-symlink-outside");
    let unformatted = "stages   Visitor,Lead\nrule r:  on visited any page then move to Visitor\n";
    let target = write(&outside, "real.nurture", unformatted);
    let link = dir.join("link.nurture");
    symlink(&target, &link);
    Attack::new("fmt on a symlink", &dir, &["fmt", "link.nurture"]).run();
    // Whatever fmt decided (refuse, or format), no file is left half written.
    let after = std::fs::read_to_string(&target).unwrap();
    assert!(
        after == unformatted || after.starts_with("stages Visitor, Lead\n"),
        "the link's target was left damaged:\n{after}"
    );
    let link_text = std::fs::read_to_string(&link).unwrap();
    assert!(
        link_text == unformatted || link_text.starts_with("stages Visitor, Lead\n"),
        "the link was left damaged:\n{link_text}"
    );
}
