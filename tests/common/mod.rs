//! Helpers shared by the integration tests: run the real `nurture` binary
//! with a deadline, so that a hang fails the test instead of the CI job.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long one run of the binary may take before the test fails.
///
/// On Linux this is CPU time (user + system, read from `/proc`): the
/// machines that run the tests are shared, and a loaded machine gives a
/// process a fraction of a core, so wall time would fail good runs. A hang
/// that burns no CPU (a blocked read, a deadlock) is caught by the wall
/// clock, at [`WALL_FACTOR`] times the deadline. Elsewhere the deadline is
/// wall time.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The wall-clock backstop, as a multiple of the CPU deadline.
pub const WALL_FACTOR: u32 = 10;

/// The crate root; fixtures and examples are addressed relative to it.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/...` under the crate root.
pub fn fixtures() -> PathBuf {
    root().join("tests").join("fixtures")
}

/// A scratch directory for files a test generates, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The exit code; `None` when a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The stdout parsed as JSON (panics with the output if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                clip(&self.stdout),
                clip(&self.stderr)
            )
        })
    }

    /// Panics unless the process ended by itself, without a panic, with
    /// one of the documented exit codes.
    pub fn assert_clean_exit(&self, what: &str) {
        assert!(
            matches!(self.code(), Some(0..=2)),
            "{what}: exit status {:?} (a signal or an undocumented code)\nstderr:\n{}",
            self.status,
            clip(&self.stderr)
        );
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: the binary panicked\nstderr:\n{}",
            clip(&self.stderr)
        );
    }
}

/// Runs `nurture ARGS` in the crate root with the default deadline.
pub fn nurture(args: &[&str]) -> Run {
    nurture_in(&root(), args)
}

/// Runs `nurture ARGS` in `dir` with the default deadline.
pub fn nurture_in(dir: &Path, args: &[&str]) -> Run {
    nurture_with_deadline(dir, args, DEADLINE)
}

/// Runs `nurture ARGS` in `dir`; kills it and fails the test if it has
/// used more than `deadline` of CPU time (or, where that cannot be read, of
/// wall time), or more than [`WALL_FACTOR`] times `deadline` of wall time.
/// Colours are off (`NO_COLOR=1`, and stdout is a pipe) and backtraces are
/// off so stderr stays short.
pub fn nurture_with_deadline(dir: &Path, args: &[&str], deadline: Duration) -> Run {
    nurture_with(dir, args, Input::Null, &[], deadline)
}

/// What a run of the binary gets on standard input.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// `/dev/null`: reads end at once.
    Null,
    /// These bytes, then end of file.
    Bytes(&'a [u8]),
    /// A pipe nobody writes to and that stays open until the process ends:
    /// a read of it blocks forever.
    HeldOpen,
}

/// [`nurture_with_deadline`] with standard input and extra environment
/// variables for the child.
pub fn nurture_with(
    dir: &Path,
    args: &[&str],
    input: Input,
    env: &[(&str, &str)],
    deadline: Duration,
) -> Run {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_nurture"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .envs(env.iter().copied())
        .stdin(match input {
            Input::Null => Stdio::null(),
            Input::Bytes(_) | Input::HeldOpen => Stdio::piped(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn the nurture binary");
    // Kept until the child has ended, so a held-open pipe stays open.
    let mut held_stdin = None;
    let mut writer = None;
    match input {
        Input::Null => {}
        Input::HeldOpen => held_stdin = child.stdin.take(),
        Input::Bytes(bytes) => {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            let bytes = bytes.to_vec();
            writer = Some(std::thread::spawn(move || {
                use std::io::Write;
                // The child may stop reading early; that is its business.
                let _ = pipe.write_all(&bytes);
            }));
        }
    }
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = out_pipe.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = err_pipe.read_to_end(&mut bytes);
        bytes
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nurture") {
            break status;
        }
        let wall = started.elapsed();
        let used = cpu_time(child.id()).unwrap_or(wall);
        if used > deadline || wall > deadline * WALL_FACTOR {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`nurture {}` (in {}) did not finish within {deadline:?}: \
                 {used:?} of CPU time, {wall:?} of wall time",
                shorten_args(args),
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    drop(held_stdin);
    if let Some(writer) = writer {
        writer.join().expect("stdin writer");
    }
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    Run {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
    }
}

/// User + system CPU time of a running process, from `/proc/PID/stat`
/// (Linux; `None` elsewhere or once the process is gone).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may
    // contain spaces: state is field 3, utime 14 and stime 15 (in ticks).
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux architecture Rust supports.
    Some(Duration::from_millis(ticks * 10))
}

fn shorten_args(args: &[&str]) -> String {
    clip(&args.join(" ")).to_string()
}

/// At most the first 4,000 bytes of a text, for failure messages.
pub fn clip(text: &str) -> &str {
    let mut end = text.len().min(4_000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Where a limited run's standard input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdinFrom {
    /// `/dev/null`: reads end at once.
    Null,
    /// These bytes through a pipe, which is closed after them.
    Bytes(Vec<u8>),
    /// A pipe the test holds open and never writes to: a read blocks until
    /// the child gives up or the deadline kills it.
    HeldOpen,
}

/// Where a limited run's standard output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutTo {
    /// A pipe the test reads (and keeps, up to [`KEEP_OUTPUT`] bytes).
    Piped,
    /// `/dev/full`: every write fails with "no space left on device".
    DevFull,
    /// A pipe whose reading end is closed before the child starts, as with
    /// `| head -c0`: every write fails with a broken pipe.
    ClosedPipe,
}

/// A run of the binary held in time, memory and output, for hostile input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// CPU time.
    pub deadline: Duration,
    /// Wall time [default: [`WALL_FACTOR`] times `deadline`]; shorter for
    /// attacks that block without using the CPU.
    pub wall: Option<Duration>,
    /// The address-space limit (`prlimit --as`), when `prlimit` is there.
    pub memory_bytes: Option<u64>,
    pub stdin: StdinFrom,
    pub stdout: StdoutTo,
    /// Extra environment variables for the child.
    pub env: Vec<(String, String)>,
}

/// The address space a hostile run may use: an allocation past it fails,
/// so unbounded reading shows as an abort instead of swapping the machine.
pub const MEMORY_LIMIT: u64 = 2 << 30;

/// At most this many bytes of each output are kept (all are counted).
pub const KEEP_OUTPUT: usize = 4 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: DEADLINE,
            wall: None,
            memory_bytes: Some(MEMORY_LIMIT),
            stdin: StdinFrom::Null,
            stdout: StdoutTo::Piped,
            env: Vec::new(),
        }
    }
}

/// What a limited run did: the run (outputs cut to [`KEEP_OUTPUT`] bytes),
/// the full output sizes, and whether the deadline killed it.
#[derive(Debug)]
pub struct LimitedRun {
    pub run: Run,
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// The deadline was reached and the child killed (`run.status` is then
    /// the kill's status).
    pub timed_out: bool,
    /// Whether the address-space limit was applied.
    pub memory_limited: bool,
}

/// Whether `prlimit` (util-linux) can run here.
pub fn have_prlimit() -> bool {
    Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `nurture ARGS` in `dir` under `limits`. Unlike
/// [`nurture_with_deadline`] a timeout does not panic here: it is reported
/// in [`LimitedRun::timed_out`], so the caller can say which attack hung.
pub fn nurture_limited(dir: &Path, args: &[&str], limits: &Limits) -> LimitedRun {
    let binary = env!("CARGO_BIN_EXE_nurture");
    // A memory bound that cannot be applied must not pass quietly.
    assert!(
        limits.memory_bytes.is_none() || have_prlimit(),
        "this test bounds memory with `prlimit` from util-linux: install it (apt-get install util-linux)"
    );
    let memory = limits.memory_bytes;
    // prlimit sets the limit and then execs the binary: same process id,
    // so the CPU-time deadline below watches the binary itself.
    let mut command = match memory {
        Some(bytes) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--as={bytes}")).arg("--").arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .envs(limits.env.iter().map(|(k, v)| (k, v)))
        .stderr(Stdio::piped());
    command.stdin(match limits.stdin {
        StdinFrom::Null => Stdio::null(),
        StdinFrom::HeldOpen | StdinFrom::Bytes(_) => Stdio::piped(),
    });
    let mut closed_reader = None;
    match limits.stdout {
        StdoutTo::Piped => {
            command.stdout(Stdio::piped());
        }
        StdoutTo::DevFull => {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("open /dev/full");
            command.stdout(Stdio::from(full));
        }
        StdoutTo::ClosedPipe => {
            let (reader, writer) = std::io::pipe().expect("make a pipe");
            command.stdout(Stdio::from(writer));
            closed_reader = Some(reader);
        }
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn the nurture binary");
    // The parent's copy of the writing end went into `command`; dropping the
    // reading end now leaves the child a pipe nobody reads.
    drop(closed_reader);
    drop(command);
    let mut held_stdin = child.stdin.take();
    let feeder = match (&limits.stdin, held_stdin.take()) {
        (StdinFrom::Bytes(bytes), Some(mut pipe)) => {
            let bytes = bytes.clone();
            Some(std::thread::spawn(move || {
                // The child may stop reading early (a limit): not an error.
                let _ = std::io::Write::write_all(&mut pipe, &bytes);
            }))
        }
        (_, pipe) => {
            held_stdin = pipe;
            None
        }
    };
    let keep = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut total = 0u64;
            if let Some(mut pipe) = pipe {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    let room = KEEP_OUTPUT.saturating_sub(kept.len()).min(n);
                    kept.extend_from_slice(&buf[..room]);
                }
            }
            (kept, total)
        })
    };
    let out_reader = keep(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_reader = keep(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nurture") {
            break status;
        }
        let wall = started.elapsed();
        let used = cpu_time(child.id()).unwrap_or(wall);
        let wall_limit = limits.wall.unwrap_or(limits.deadline * WALL_FACTOR);
        if used > limits.deadline || wall > wall_limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for the killed nurture");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(held_stdin);
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let elapsed = started.elapsed();
    let (stdout, stdout_bytes) = out_reader.join().expect("stdout reader");
    let (stderr, stderr_bytes) = err_reader.join().expect("stderr reader");
    LimitedRun {
        run: Run {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            elapsed,
        },
        stdout_bytes,
        stderr_bytes,
        timed_out,
        memory_limited: memory.is_some(),
    }
}

/// [`nurture_limited`] with the default deadline, this address-space limit
/// and standard input, failing the test on a timeout: for tests that assert
/// what a bounded run printed.
pub fn nurture_memory_limited(
    dir: &Path,
    args: &[&str],
    memory_bytes: u64,
    stdin: StdinFrom,
) -> Run {
    let limited = nurture_limited(
        dir,
        args,
        &Limits {
            memory_bytes: Some(memory_bytes),
            stdin,
            ..Limits::default()
        },
    );
    assert!(
        !limited.timed_out,
        "`nurture {}` did not finish within the deadline\nstderr:\n{}",
        args.join(" "),
        clip(&limited.run.stderr)
    );
    limited.run
}

/// Copies the folder `from` to `to`, recursively (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Runs a command line as a user types it in a shell (`sh -c`), in `dir`,
/// with the built `nurture` first on PATH and colours off: for docs whose
/// commands are tested as written (pipes, redirections, quotes).
pub fn shell_in(dir: &Path, command: &str) -> std::process::Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_nurture"))
        .parent()
        .expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sh")
}

/// Runs `git ARGS` in `dir` with a throwaway identity; panics unless it
/// succeeds. For tests that build a repository.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.email=test@example.com", "-c", "user.name=test"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}
