//! Records the commit the binary is built from, for `nurture --version`
//! ("nurture 0.1.0 (abc1234)", "(abc1234, dirty)", or "(unknown commit)"
//! when the source is not a git checkout or git is not installed).
//!
//! Cargo reruns this script only when a file it names changes: `HEAD`
//! (a checkout or a new branch), the ref `HEAD` points at (a commit on the
//! branch), `packed-refs` (a ref that lives only there) and the index (a
//! `git add` or a commit changes whether the tree is dirty). So builds stay
//! incremental; an edit to a tracked file that is not staged shows as
//! "dirty" from the next time the script runs, not at once.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = describe().unwrap_or_else(|| "unknown commit".to_string());
    println!("cargo:rustc-env=NURTURE_COMMIT={commit}");
}

/// "abc1234" or "abc1234, dirty"; `None` without git or outside a checkout.
fn describe() -> Option<String> {
    let git_dir = PathBuf::from(git(&["rev-parse", "--git-dir"])?);
    watch(&git_dir.join("HEAD"));
    watch(&git_dir.join("index"));
    // In a worktree `HEAD` is in its own folder and the refs in the
    // common one.
    let common = git(&["rev-parse", "--git-common-dir"]).map_or(git_dir.clone(), PathBuf::from);
    watch(&common.join("packed-refs"));
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(&common.join(&reference));
        watch(&git_dir.join(&reference));
    }
    let short = git(&["rev-parse", "--short", "HEAD"])?;
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.is_empty());
    Some(if dirty {
        format!("{short}, dirty")
    } else {
        short
    })
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The trimmed standard output of a successful `git ARGS`.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_string())
}
