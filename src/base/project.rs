//! Where a project starts: the nearest `nurture.toml` above a file. The
//! loader confines reads to that folder and the driver reads the lint
//! levels from that file, so finding it belongs to neither.

use std::path::{Path, PathBuf};

/// The name of the project configuration file.
pub const FILE_NAME: &str = "nurture.toml";

/// The nearest `nurture.toml` in `dir` or a directory above it: whatever
/// is there by that name (a FIFO, a device, a dangling link too), so that
/// `LintConfig::load` refuses it with a reason instead of it being
/// skipped for one further up.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    let start = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let absolute = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    absolute
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|candidate| std::fs::symlink_metadata(candidate).is_ok())
}
