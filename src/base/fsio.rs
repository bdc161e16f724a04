//! Opening input files the way a CI gate must: only regular files, never a
//! FIFO, device, socket or directory (those block forever or never end), and
//! never more bytes than a stated limit, counted while reading rather than
//! after. Standard input is read only when the user asks for it by name
//! (`-`), never because a path happens to lead there (`/dev/stdin`).
//!
//! Every module that reads a user-named file goes through here, so the rules
//! are the same for rules files, imports, scripts, mappings, settings and
//! data.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a file could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path names something other than a regular file.
    #[error("`{path}` is {kind}, not a regular file")]
    NotRegular { path: String, kind: &'static str },
    /// More bytes than the limit; reading stopped there.
    #[error("`{path}` is larger than {limit} bytes")]
    TooLarge { path: String, limit: u64 },
    /// The operating system refused (missing file, permissions, …).
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl OpenError {
    /// True when the path is a directory (callers that report directories
    /// apart from FIFOs and devices ask this).
    pub fn is_directory(&self) -> bool {
        matches!(
            self,
            OpenError::NotRegular {
                kind: KIND_DIRECTORY,
                ..
            }
        )
    }
}

/// The `kind` of [`OpenError::NotRegular`] for a directory.
pub const KIND_DIRECTORY: &str = "a directory";

/// What a non-regular file is, in the words of an error message.
pub fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return KIND_DIRECTORY;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Opens `path` (following symlinks) if it is a regular file.
///
/// The type is checked before opening, so that a FIFO is never opened (an
/// open of a FIFO blocks until a writer appears), and again on the open
/// handle, so that a file swapped for a FIFO in between is caught too; on
/// Linux the open itself is non-blocking for that case.
pub fn open_regular(path: &Path, display: &str) -> Result<File, OpenError> {
    let io = |source| OpenError::Io {
        path: display.to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular {
            path: display.to_string(),
            kind: kind_of(meta.file_type()),
        });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        /// `O_NONBLOCK` on Linux: an open of a FIFO returns at once.
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular {
            path: display.to_string(),
            kind: kind_of(meta.file_type()),
        });
    }
    Ok(file)
}

/// Reads at most `limit` bytes from `reader`; one byte more is
/// [`OpenError::TooLarge`]. Memory never grows past `limit + 1` bytes,
/// whatever the reader would give.
pub fn read_limited(reader: impl Read, limit: u64, display: &str) -> Result<Vec<u8>, OpenError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| OpenError::Io {
            path: display.to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(OpenError::TooLarge {
            path: display.to_string(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, display: &str, limit: u64) -> Result<Vec<u8>, OpenError> {
    let file = open_regular(path, display)?;
    read_limited(file, limit, display)
}

/// Reads standard input, explicitly asked for as `-`, up to `limit` bytes.
pub fn read_stdin(limit: u64) -> Result<Vec<u8>, OpenError> {
    read_limited(std::io::stdin().lock(), limit, "-")
}

/// Replaces the contents of the regular file `path` without ever leaving
/// it half written: the bytes go to a new file in the same folder, which is
/// then renamed over `path` (a rename within one folder is atomic). The new
/// file gets the permissions of the old one. `path` must not be a symbolic
/// link — the rename would replace the link itself — so callers resolve
/// links first and decide whether the target may be written.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "it is {}, not a regular file",
            if meta.file_type().is_symlink() {
                "a symbolic link"
            } else {
                kind_of(meta.file_type())
            }
        )));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A name no checked-in file has, unique to this process; `create_new`
    // refuses to reuse (or follow a link at) an existing one.
    let temp = dir.join(format!(".{name}.{}.nurture-tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.set_permissions(meta.permissions())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_directory_is_refused_by_kind() {
        let err = open_regular(Path::new("."), ".").unwrap_err();
        assert!(
            matches!(
                err,
                OpenError::NotRegular {
                    kind: "a directory",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_before_any_read() {
        let err = read_regular(Path::new("/dev/zero"), "/dev/zero", 16).unwrap_err();
        assert!(
            matches!(
                err,
                OpenError::NotRegular {
                    kind: "a device",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn the_limit_is_enforced_while_reading() {
        let endless = std::io::repeat(b'x');
        let err = read_limited(endless, 1000, "endless").unwrap_err();
        assert!(
            matches!(err, OpenError::TooLarge { limit: 1000, .. }),
            "{err}"
        );
        let exact = read_limited(&b"abc"[..], 3, "abc").unwrap();
        assert_eq!(exact, b"abc");
    }

    #[test]
    fn a_replaced_file_has_the_new_bytes_and_no_temporary_is_left() {
        let dir = std::env::temp_dir().join(format!("nurture-fsio-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.nurture");
        std::fs::write(&file, "old").unwrap();
        replace_file(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        #[cfg(unix)]
        {
            let link = dir.join("link.nurture");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(replace_file(&link, b"x").is_err());
            assert_eq!(std::fs::read(&file).unwrap(), b"new");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_file_says_so() {
        let err = open_regular(Path::new("no/such/file"), "no/such/file").unwrap_err();
        assert!(
            matches!(&err, OpenError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
            "{err}"
        );
    }
}
