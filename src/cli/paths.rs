//! Expanding command-line paths into the rules files they name.

use std::path::{Path, PathBuf};

/// The command-line name of standard input.
pub const STDIN: &str = "-";

/// Whether a command-line path is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// Every file named, and every `*.nurture` entry under every directory
/// named, each once, in a stable order. `-` (standard input) is kept as it
/// is, for the command to read.
///
/// A path that does not exist, and a directory with no `*.nurture` file
/// under it, are errors (exit 2): a mistyped path in CI must not pass as
/// "checked 0 files".
///
/// The walk lists entries without opening or following them: symbolic
/// links to folders are not entered (a link loop cannot trap it), and a
/// `*.nurture` entry that is a link, a FIFO or a device is listed like any
/// other, so that reading it refuses it with its own diagnostic (E0006,
/// E0007) instead of it being skipped unseen.
pub fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in paths {
        if is_stdin(path) {
            files.push(path.clone());
        } else if path.is_dir() {
            let mut found = walk(path)?;
            if found.is_empty() {
                return Err(format!(
                    "no .nurture files under `{}` (hidden folders and `target` are not searched)",
                    display(path)
                ));
            }
            found.sort();
            files.extend(found);
        } else if std::fs::symlink_metadata(path).is_ok() {
            files.push(path.clone());
        } else {
            return Err(format!("`{}` does not exist", path.display()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// The `*.nurture` entries under `dir`, skipping hidden folders and
/// `target`. Iterative, so however deep the folders nest the stack does not
/// grow.
fn walk(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let hidden = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.') || n == "target");
                if !hidden {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "nurture") {
                found.push(path);
            }
        }
    }
    Ok(found)
}

/// What standard input is called in messages: `--stdin-filename` as given,
/// else `<stdin>`.
pub fn stdin_name(stdin_filename: Option<&Path>) -> String {
    stdin_filename.map_or_else(|| crate::check::loader::STDIN_NAME.to_string(), display)
}

/// The path as users should see it: without a leading `./`.
pub fn display(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}
