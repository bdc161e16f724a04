//! Rules files read from a git revision (`nurture diff main:campaigns/b2b.nurture …`):
//! a [`SourceProvider`] backed by `git cat-file` and `git show REV:PATH`,
//! so a file and everything it imports are read at the same commit.

use crate::check::loader::{self, normalize, ReadError, SourceProvider, MAX_FILE_BYTES};
use crate::diagnostics::codes;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One commit of the repository around the current directory.
pub struct GitSources {
    /// The repository's top folder, canonical.
    top: PathBuf,
    /// The full hash the revision resolved to, once, so that every file is
    /// read at the same commit.
    commit: String,
}

/// Why a `REV:PATH` cannot be read: a message with its code and a help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError {
    pub code: codes::Code,
    pub message: String,
    pub help: String,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))
}

fn stdout_line(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl GitSources {
    /// Opens revision `rev` of the repository holding `dir`.
    pub fn open(rev: &str, dir: &Path) -> Result<GitSources, GitError> {
        let unknown = |message: String| {
            GitError {
            code: codes::UNKNOWN_REVISION,
            message,
            help: "name a branch, tag or commit of the repository (`main`, `HEAD~1`, `v1.2`), and run nurture inside it".to_string(),
        }
        };
        let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(&unknown)?;
        if !top.status.success() {
            return Err(unknown(format!(
                "`{rev}` cannot be read: `{}` is not in a git repository",
                dir.display()
            )));
        }
        let top = PathBuf::from(stdout_line(&top));
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        let spec = format!("{rev}^{{commit}}");
        let commit = git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(&unknown)?;
        if !commit.status.success() || rev.starts_with('-') {
            return Err(unknown(format!(
                "there is no revision `{rev}` in the git repository `{}`",
                top.display()
            )));
        }
        Ok(GitSources {
            top,
            commit: stdout_line(&commit),
        })
    }

    /// Where `written` (as after the colon of `REV:PATH`) is: relative to
    /// the repository's top, or to `cwd` when it starts with `./` or
    /// `../`, as git reads it.
    pub fn locate(&self, written: &str, cwd: &Path) -> PathBuf {
        if written.starts_with("./") || written.starts_with("../") {
            let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
            normalize(&cwd.join(written))
        } else {
            normalize(&self.top.join(written))
        }
    }

    /// The path inside the repository, `/`-separated.
    fn inside(&self, path: &Path) -> Option<String> {
        let relative = normalize(path).strip_prefix(&self.top).ok()?.to_path_buf();
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    fn object(&self, path: &Path) -> Option<String> {
        self.inside(path)
            .map(|inside| format!("{}:{inside}", self.commit))
    }

    /// The error for a path the commit does not hold.
    pub fn missing(&self, rev: &str, written: &str) -> GitError {
        GitError {
            code: codes::NOT_IN_REVISION,
            message: format!("revision `{rev}` has no file `{written}`"),
            help: format!(
                "paths after the colon are relative to the repository's top folder (`{}`), or to the current folder when they start with `./`; `git ls-tree -r --name-only {rev}` lists them",
                self.top.display()
            ),
        }
    }
}

impl SourceProvider for GitSources {
    fn exists(&self, path: &Path) -> bool {
        let Some(object) = self.object(path) else {
            return false;
        };
        git(&self.top, &["cat-file", "-e", &object]).is_ok_and(|o| o.status.success())
    }

    fn read(&self, path: &Path, display: &str) -> Result<String, ReadError> {
        let io = |message: String| ReadError::Io {
            path: display.to_string(),
            source: std::io::Error::other(message),
        };
        let object = self
            .object(path)
            .ok_or_else(|| io("the path is outside the git repository".to_string()))?;
        let output = git(&self.top, &["cat-file", "blob", &object]).map_err(io)?;
        if !output.status.success() {
            return Err(io(format!(
                "git has no file at {object}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        if output.stdout.len() > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge {
                path: display.to_string(),
            });
        }
        loader::decode(output.stdout, display)
    }
}
