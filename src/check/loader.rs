//! Reads a rules file and, depth first, every file it imports.
//!
//! Rules files come from pull requests, so reading them is confined (see
//! "Imports" in docs/language.md):
//!
//! - The **project** of a root file is the folder of the `nurture.toml`
//!   that governs it (the nearest one in the file's folder or above), or,
//!   without one, the file's own folder. It depends only on where the file
//!   is, never on how it was named on the command line, so a file checks
//!   the same whether named or found in a folder.
//! - An `import` is a relative path that stays inside the project, also
//!   after following symbolic links (E0006), names a `.nurture` or `.rhai`
//!   file (E0009), and is a regular file (E0007; a FIFO is never opened, a
//!   device never read).
//! - A root file that is a symbolic link must lead to a file inside its
//!   project (E0006) with the same `.nurture` extension (E0009).
//!
//! A refused file is never read, so its text can never reach a code frame:
//! an import's diagnostic points at the `import` line of the importing file.
//! The walk over imports is iterative (an explicit stack), so a chain of any
//! length cannot overflow the stack, and takes time linear in the files.

use crate::base::fsio::{self, OpenError};
use crate::diagnostics::{codes, Diagnostic, FileId, SourceFile, SourceMap};
use crate::syntax::ast::{self, ItemKind, Span};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused rather than parsed.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The name standard input goes by in diagnostics (`nurture check -`).
pub const STDIN_NAME: &str = "<stdin>";

/// A parsed file of the program.
#[derive(Debug)]
pub struct LoadedFile {
    pub file: FileId,
    pub ast: ast::File,
    /// Imported files share declarations only.
    pub imported: bool,
}

/// Why a root file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("`{path}` is not UTF-8 text")]
    NotUtf8 { path: String },
    #[error("`{path}` is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge { path: String },
    /// A FIFO, device or socket (never opened), or a directory.
    #[error("`{path}` is {kind}, not a regular file")]
    NotRegular { path: String, kind: &'static str },
    /// A symbolic link that leads outside the file's project.
    #[error("`{path}` is a symbolic link that leads outside the project, to `{target}`")]
    OutsideProject { path: String, target: String },
    /// A `.nurture` name that is a symbolic link to some other kind of file.
    #[error("`{path}` is a symbolic link to `{target}`, which is not a rules file")]
    NotRulesFile { path: String, target: String },
}

impl ReadError {
    /// The stable code of the problem.
    pub fn code(&self) -> codes::Code {
        match self {
            ReadError::Io { .. } | ReadError::TooLarge { .. } => codes::CANNOT_READ,
            ReadError::NotRegular { kind, .. } if *kind == fsio::KIND_DIRECTORY => {
                codes::CANNOT_READ
            }
            ReadError::NotRegular { .. } => codes::SPECIAL_FILE,
            ReadError::NotUtf8 { .. } => codes::NOT_UTF8,
            ReadError::OutsideProject { .. } => codes::OUTSIDE_PROJECT,
            ReadError::NotRulesFile { .. } => codes::NOT_RULES_FILE,
        }
    }

    /// Whether `check` reports this as a diagnostic of the file (exit 1)
    /// rather than as a failure to run (exit 2): the file is there, but it
    /// is not one Nurture may read as rules.
    pub fn is_file_problem(&self) -> bool {
        self.code() != codes::CANNOT_READ
    }

    /// A fix for the problem, when there is a likely one.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            ReadError::NotUtf8 { .. } => {
                Some("save the file as UTF-8; Nurture files are plain text")
            }
            ReadError::NotRegular { kind, .. } if *kind != fsio::KIND_DIRECTORY => {
                Some(SPECIAL_HELP)
            }
            ReadError::OutsideProject { .. } => Some(PROJECT_HELP),
            ReadError::NotRulesFile { .. } => {
                Some("a `.nurture` name must lead to a `.nurture` file; remove the link")
            }
            _ => None,
        }
    }
}

const SPECIAL_HELP: &str =
    "rules files and imports must be regular files; replace it with one, or remove it (to check standard input, name it `-`)";

const PROJECT_HELP: &str = "files are read only inside the project: the folder of the nearest \
     `nurture.toml` above the checked file, or the checked file's own folder; \
     move the file into it, or add a `nurture.toml` at the top of the project";

/// The canonical folder of the project `file` belongs to: the folder of
/// the `nurture.toml` that governs it, else the file's own folder.
pub fn project_root(file: &Path) -> PathBuf {
    let dir = canonical(parent_dir(file));
    match crate::base::project::discover(&dir) {
        Some(config) => config.parent().map_or(dir.clone(), Path::to_path_buf),
        None => dir,
    }
}

/// Reads a root rules file: confined to its project, a regular file of at
/// most [`MAX_FILE_BYTES`], UTF-8 with an optional byte-order mark (which is
/// dropped, so columns count from the first real character).
pub fn read_source(path: &Path, display: &str) -> Result<String, ReadError> {
    read_rules_file(path, display).map(|file| file.text)
}

/// A root rules file as read, for `fmt`, which also needs to know where the
/// bytes really are and whether a byte-order mark was dropped.
#[derive(Debug)]
pub struct RulesFile {
    /// The text, without a byte-order mark.
    pub text: String,
    /// The file itself: symbolic links resolved (inside the project).
    pub real_path: PathBuf,
    pub had_bom: bool,
}

/// [`read_source`], telling more.
pub fn read_rules_file(path: &Path, display: &str) -> Result<RulesFile, ReadError> {
    let root = project_root(path);
    let real = std::fs::canonicalize(path).map_err(|source| {
        // `/dev/stdin` on a pipe leads to `pipe:[N]`, which has no path but
        // can be asked what it is.
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => ReadError::NotRegular {
                path: display.to_string(),
                kind: fsio::kind_of(meta.file_type()),
            },
            _ => ReadError::Io {
                path: display.to_string(),
                source,
            },
        }
    })?;
    if !real.starts_with(&root) {
        return Err(ReadError::OutsideProject {
            path: display.to_string(),
            target: real.display().to_string(),
        });
    }
    if is_rules_name(path) && !is_rules_name(&real) {
        return Err(ReadError::NotRulesFile {
            path: display.to_string(),
            target: real.display().to_string(),
        });
    }
    let bytes = fsio::read_regular(&real, display, MAX_FILE_BYTES as u64)
        .map_err(|e| from_open(e, display))?;
    let had_bom = bytes.starts_with(BOM);
    Ok(RulesFile {
        text: decode(bytes, display)?,
        real_path: real,
        had_bom,
    })
}

/// Reads rules from standard input (`-` on the command line), with the same
/// limit and decoding as a file.
pub fn read_stdin_source() -> Result<String, ReadError> {
    read_stdin_rules().map(|file| file.text)
}

/// [`read_stdin_source`], telling more (the path is `-`).
pub fn read_stdin_rules() -> Result<RulesFile, ReadError> {
    let bytes = fsio::read_stdin(MAX_FILE_BYTES as u64).map_err(|e| from_open(e, STDIN_NAME))?;
    let had_bom = bytes.starts_with(BOM);
    Ok(RulesFile {
        text: decode(bytes, STDIN_NAME)?,
        real_path: PathBuf::from("-"),
        had_bom,
    })
}

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// UTF-8 text without a leading byte-order mark.
pub fn decode(mut bytes: Vec<u8>, display: &str) -> Result<String, ReadError> {
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8 {
        path: display.to_string(),
    })
}

fn from_open(error: OpenError, display: &str) -> ReadError {
    match error {
        OpenError::NotRegular { kind, .. } => ReadError::NotRegular {
            path: display.to_string(),
            kind,
        },
        OpenError::TooLarge { .. } => ReadError::TooLarge {
            path: display.to_string(),
        },
        OpenError::Io { source, .. } => ReadError::Io {
            path: display.to_string(),
            source,
        },
    }
}

/// A FIFO, device or socket: reported apart from other read failures.
fn is_special(error: &ReadError) -> bool {
    matches!(error, ReadError::NotRegular { kind, .. } if *kind != fsio::KIND_DIRECTORY)
}

/// Whether a path names a rules file by its extension.
fn is_rules_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "nurture")
}

/// Whether a path names something an `import` may read.
fn is_importable_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "nurture" || e == "rhai")
}

/// Where the loader gets the text of an import: the disk, or the unsaved
/// buffers of an editor over it.
///
/// The loader decides which paths may be read (inside the project, a
/// `.nurture` or `.rhai` name, no cycle); a provider is asked only for
/// those, with the canonical path, and `display` to name it in messages.
pub trait SourceProvider {
    /// Whether there is a file at `path` (canonical or not).
    fn exists(&self, path: &Path) -> bool;
    /// The text of the file at `path`, without a byte-order mark.
    fn read(&self, path: &Path, display: &str) -> Result<String, ReadError>;
}

/// The files on disk: regular files only (a FIFO is never opened, a device
/// never read), at most [`MAX_FILE_BYTES`], UTF-8.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskSources;

impl SourceProvider for DiskSources {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn read(&self, path: &Path, display: &str) -> Result<String, ReadError> {
        let bytes = fsio::read_regular(path, display, MAX_FILE_BYTES as u64)
            .map_err(|e| from_open(e, display))?;
        decode(bytes, display)
    }
}

/// Texts held in memory (an editor's unsaved buffers) by path, over another
/// provider for every other path.
pub struct OverlaySources<'a> {
    texts: std::collections::HashMap<PathBuf, String>,
    fallback: &'a dyn SourceProvider,
}

impl<'a> OverlaySources<'a> {
    pub fn new(fallback: &'a dyn SourceProvider) -> Self {
        OverlaySources {
            texts: std::collections::HashMap::new(),
            fallback,
        }
    }

    /// Holds `text` for the file at `path`, which need not exist on disk.
    /// The path is made canonical where it can be, as the loader's are.
    pub fn insert(&mut self, path: &Path, text: String) {
        self.texts.insert(overlay_key(path), text);
    }

    fn get(&self, path: &Path) -> Option<&String> {
        self.texts.get(&overlay_key(path))
    }
}

/// A file that exists: its canonical path; one that does not (a new buffer
/// not yet saved): its path with `.` and `..` taken out.
fn overlay_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

impl SourceProvider for OverlaySources<'_> {
    fn exists(&self, path: &Path) -> bool {
        self.get(path).is_some() || self.fallback.exists(path)
    }

    fn read(&self, path: &Path, display: &str) -> Result<String, ReadError> {
        match self.get(path) {
            Some(text) => Ok(text.clone()),
            None => self.fallback.read(path, display),
        }
    }
}

/// The files of a program, as loaded.
#[derive(Debug)]
pub struct Loaded {
    /// Imports before the files that import them.
    pub files: Vec<LoadedFile>,
    /// Every file named was read and parsed, at least in part: the only
    /// errors, if any, are syntax errors. Otherwise an import is missing,
    /// refused or holds what an import may not, and what the program
    /// declares is not known.
    pub complete: bool,
}

/// Loads the program rooted at an already-read source, reading imports
/// through `provider`. Imports are loaded before the file that imports
/// them, each file once. A file with syntax errors is loaded too, with its
/// broken items as error nodes, and its imports are followed.
pub fn load(
    provider: &dyn SourceProvider,
    root_path: &Path,
    root_display: &str,
    root_text: String,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Loaded {
    let errors_before = diagnostics.iter().filter(|d| d.is_error()).count();
    let real = std::fs::canonicalize(root_path).unwrap_or_else(|_| {
        let name = root_path.file_name().unwrap_or(root_path.as_os_str());
        canonical(parent_dir(root_path)).join(name)
    });
    let mut loader = Loader {
        provider,
        project: project_root(root_path),
        sources,
        diagnostics,
        loaded: Vec::new(),
        done: HashSet::new(),
        open: HashSet::new(),
        frames: Vec::new(),
        syntax_errors: 0,
    };
    loader.run(real, root_display.to_string(), root_text);
    let errors = loader.diagnostics.iter().filter(|d| d.is_error()).count();
    Loaded {
        complete: errors - errors_before == loader.syntax_errors,
        files: loader.loaded,
    }
}

struct Loader<'a> {
    provider: &'a dyn SourceProvider,
    /// Canonical folder every file read must be inside.
    project: PathBuf,
    sources: &'a mut SourceMap,
    diagnostics: &'a mut Vec<Diagnostic>,
    loaded: Vec<LoadedFile>,
    /// Canonical paths of files already loaded (or that failed to parse).
    done: HashSet<PathBuf>,
    /// Canonical paths of the files in `frames`, for cycle detection.
    open: HashSet<PathBuf>,
    /// The import chain being loaded, root first: the explicit stack of the
    /// depth-first walk.
    frames: Vec<Frame>,
    /// How many of the diagnostics pushed are syntax errors.
    syntax_errors: usize,
}

/// A parsed `.nurture` file whose imports are being loaded.
struct Frame {
    path: PathBuf,
    display: String,
    file: FileId,
    ast: ast::File,
    imported: bool,
    /// Index of the next item to look at for an `import`.
    next: usize,
}

/// An import that passed every check and was read.
struct Resolved {
    path: PathBuf,
    display: String,
    text: String,
}

impl Loader<'_> {
    fn run(&mut self, path: PathBuf, display: String, text: String) {
        self.enter(path, display, text, false);
        while let Some(frame) = self.frames.last_mut() {
            let next_import = frame
                .ast
                .items
                .iter()
                .enumerate()
                .skip(frame.next)
                .find_map(|(i, item)| match &item.kind {
                    ItemKind::Import(target) => Some((i, target.value.clone(), target.span)),
                    _ => None,
                });
            match next_import {
                Some((index, target, span)) => {
                    frame.next = index + 1;
                    let (from, from_path, from_display) =
                        (frame.file, frame.path.clone(), frame.display.clone());
                    if let Some(resolved) =
                        self.import(from, &from_path, &from_display, &target, *span)
                    {
                        if resolved.path.extension().is_some_and(|e| e == "rhai") {
                            self.visit_rhai(resolved);
                        } else {
                            self.enter(resolved.path, resolved.display, resolved.text, true);
                        }
                    }
                }
                None => self.leave(),
            }
        }
    }

    /// Parses a file, reports its syntax errors (once, however many files
    /// import it) and puts it on the stack so its imports are loaded next.
    fn enter(&mut self, path: PathBuf, display: String, text: String, imported: bool) {
        let file = self.sources.add(SourceFile::new(display.clone(), text));
        let parsed = match self.sources.get(file) {
            Some(source) => crate::syntax::parse_recovering(&source.text),
            None => return,
        };
        self.syntax_errors += parsed.errors.len();
        for error in parsed.errors {
            self.diagnostics.push(error.into_diagnostic(file));
        }
        self.open.insert(path.clone());
        self.frames.push(Frame {
            path,
            display,
            file,
            ast: parsed.file,
            imported,
            next: 0,
        });
    }

    /// The top file has all its imports loaded: it is loaded itself.
    fn leave(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        self.open.remove(&frame.path);
        self.done.insert(frame.path);
        if frame.imported {
            self.reject_non_declarations(frame.file, &frame.ast);
        }
        self.loaded.push(LoadedFile {
            file: frame.file,
            ast: frame.ast,
            imported: frame.imported,
        });
    }

    /// Checks and reads one import; `None` when it is reported, already
    /// loaded, or part of a cycle.
    fn import(
        &mut self,
        from: FileId,
        from_path: &Path,
        from_display: &str,
        target: &str,
        span: Span,
    ) -> Option<Resolved> {
        let refuse = |code, message: String, help: &str| {
            Diagnostic::new(code, from, span, message).with_help(help)
        };
        let written = Path::new(target);
        if written.has_root() || written.is_absolute() {
            self.diagnostics.push(refuse(
                codes::OUTSIDE_PROJECT,
                format!("`{target}` is an absolute path; imports are relative to the importing file and stay inside the project"),
                PROJECT_HELP,
            ));
            return None;
        }
        let base = from_path.parent().unwrap_or(Path::new(""));
        // Checked before the file system is asked anything, so whether a
        // file outside the project exists is never revealed either.
        let joined = normalize(&base.join(written));
        if !joined.starts_with(&self.project) {
            self.diagnostics.push(refuse(
                codes::OUTSIDE_PROJECT,
                format!("importing `{target}` leads outside the project"),
                PROJECT_HELP,
            ));
            return None;
        }
        let display_base = Path::new(from_display).parent().unwrap_or(Path::new(""));
        let display = normalize_display(&display_base.join(written));
        if !self.provider.exists(&joined) {
            self.diagnostics.push(refuse(
                codes::IMPORT_NOT_FOUND,
                format!("there is no file `{display}` to import"),
                "import paths are relative to the importing file",
            ));
            return None;
        }
        let path = canonical(&joined);
        if !path.starts_with(&self.project) {
            self.diagnostics.push(refuse(
                codes::OUTSIDE_PROJECT,
                format!("`{display}` is a symbolic link that leads outside the project"),
                PROJECT_HELP,
            ));
            return None;
        }
        if self.open.contains(&path) {
            let chain: Vec<String> = self
                .frames
                .iter()
                .map(|f| &f.path)
                .skip_while(|p| **p != path)
                .map(|p| file_name(p))
                .chain(std::iter::once(file_name(&path)))
                .collect();
            self.diagnostics.push(refuse(
                codes::IMPORT_CYCLE,
                format!("importing `{target}` makes a cycle: {}", chain.join(" → ")),
                "move the shared declarations into a file that imports nothing",
            ));
            return None;
        }
        if self.done.contains(&path) {
            return None;
        }
        // Only rules files and rhai scripts, by the name written and by the
        // name a link leads to. A directory is left to the read below, which
        // reports it as E0001 (most likely a path missing its file name).
        let importable = is_importable_name(written) && is_importable_name(&path);
        if !importable && !path.is_dir() {
            let why = if is_importable_name(written) {
                format!(
                    "`{display}` is a symbolic link to `{}`, which is neither a `.nurture` nor a `.rhai` file",
                    file_name(&path)
                )
            } else {
                format!("`{display}` is neither a `.nurture` nor a `.rhai` file")
            };
            self.diagnostics.push(refuse(
                codes::NOT_RULES_FILE,
                format!("{why}; only rules files and rhai scripts can be imported"),
                "import declarations from a `.nurture` file, or functions from a `.rhai` file",
            ));
            return None;
        }
        // A FIFO, device or socket is never opened (E0007).
        match self.provider.read(&path, &display) {
            Ok(text) => Some(Resolved {
                path,
                display,
                text,
            }),
            Err(error) if is_special(&error) => {
                self.diagnostics
                    .push(refuse(codes::SPECIAL_FILE, error.to_string(), SPECIAL_HELP));
                None
            }
            Err(error) => {
                self.diagnostics.push(Diagnostic::new(
                    codes::CANNOT_READ,
                    from,
                    span,
                    error.to_string(),
                ));
                None
            }
        }
    }

    /// An imported `.rhai` file: its public `fn`s without parameters become
    /// `script` declarations (see `check::scripts::rhai_file`).
    fn visit_rhai(&mut self, resolved: Resolved) {
        let file = self
            .sources
            .add(SourceFile::new(resolved.display, resolved.text));
        self.done.insert(resolved.path);
        let scripts = match self.sources.get(file) {
            Some(source) => crate::check::scripts::rhai_file(&source.text, file, self.diagnostics),
            None => return,
        };
        let items = scripts
            .into_iter()
            .map(|script| ast::Item {
                span: script.name.span,
                kind: ItemKind::Script(script),
            })
            .collect();
        self.loaded.push(LoadedFile {
            file,
            ast: ast::File {
                items,
                comments: Vec::new(),
            },
            imported: true,
        });
    }

    fn reject_non_declarations(&mut self, file: FileId, ast: &ast::File) {
        for item in &ast.items {
            let what = match &item.kind {
                ItemKind::Rule(_) => "a rule",
                ItemKind::Campaign(_) => "campaign settings",
                ItemKind::Decay(_) => "points decay",
                ItemKind::Test(_) => "a test",
                _ => continue,
            };
            self.diagnostics.push(
                Diagnostic::new(
                    codes::IMPORT_NOT_DECLARATIONS,
                    file,
                    *item.span,
                    format!("this imported file holds {what}, but imports share declarations only"),
                )
                .with_help("keep rules and campaign settings in the file that imports this one"),
            );
        }
    }
}

/// The folder a file is in; `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// `/p/./shared/../x.nurture` → `/p/x.nurture`, without asking the file
/// system (a `..` above the root stays at the root).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `examples/./shared/../x.nurture` → `examples/x.nurture`, for display only.
/// An absolute path keeps its one leading `/` (and a `..` above the root
/// stays at the root); a relative one keeps the `..`s that climb out of it.
pub(crate) fn normalize_display(path: &Path) -> String {
    // The prefix (`C:` on Windows) and root (`/`), if any, written once:
    // joining the root as a part would give `//tmp/…`.
    let mut lead = String::new();
    let mut rooted = false;
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => lead.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => {
                lead.push('/');
                rooted = true;
            }
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..".into());
                }
            }
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
        }
    }
    lead.push_str(&parts.join("/"));
    lead
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]
    use super::*;

    #[test]
    fn displayed_paths_are_normalized_and_keep_one_root() {
        let shown = |p: &str| normalize_display(Path::new(p));
        assert_eq!(
            shown("examples/./shared/../x.nurture"),
            "examples/x.nurture"
        );
        assert_eq!(shown("/tmp/p/./shared/../x.nurture"), "/tmp/p/x.nurture");
        assert_eq!(shown("/tmp/p/main.nurture"), "/tmp/p/main.nurture");
        assert_eq!(shown("/../x.nurture"), "/x.nurture");
        assert_eq!(shown("a/../../x.nurture"), "../x.nurture");
        assert_eq!(shown("../../x.nurture"), "../../x.nurture");
        assert_eq!(shown("x.nurture"), "x.nurture");
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_nothing_else() {
        let text = decode(b"\xEF\xBB\xBFstages A".to_vec(), "f").unwrap_or_default();
        assert_eq!(text, "stages A");
        let text = decode(b"stages \xEF\xBB\xBF".to_vec(), "f").unwrap_or_default();
        assert_eq!(text, "stages \u{feff}");
    }

    /// A project on disk: `main.nurture` imports `shared.nurture`, which on
    /// disk declares e-mail `old`.
    fn project(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("nurture-loader-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("nurture.toml"), "").unwrap();
        std::fs::write(dir.join("shared.nurture"), "email old\n").unwrap();
        dir
    }

    const MAIN: &str =
        "import \"shared.nurture\"\nstages A\nrule r: on purchase then send email new\n";

    fn codes(checked: &crate::check::Checked) -> Vec<&'static str> {
        checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    #[test]
    fn an_unsaved_buffer_of_an_import_is_used_instead_of_the_file_on_disk() {
        let dir = project("overlay");
        let main = dir.join("main.nurture");
        let lints = crate::lint::LintConfig::default();
        // On disk, `new` is not declared.
        let on_disk = crate::driver::check_source_in(
            &DiskSources,
            &main,
            "main.nurture",
            MAIN.into(),
            &lints,
        );
        assert_eq!(codes(&on_disk), ["E0202"]);
        // The editor's buffer of `shared.nurture` declares it.
        let mut overlay = OverlaySources::new(&DiskSources);
        overlay.insert(&dir.join("shared.nurture"), "email new\n".into());
        let checked =
            crate::driver::check_source_in(&overlay, &main, "main.nurture", MAIN.into(), &lints);
        assert!(checked.program.is_some(), "{:?}", checked.diagnostics);
        assert_eq!(checked.sources.get(0).map(|s| s.text.as_str()), Some(MAIN));
        assert_eq!(
            checked.sources.get(1).map(|s| s.text.as_str()),
            Some("email new\n")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unsaved_buffer_need_not_exist_on_disk_and_the_project_rules_still_apply() {
        let dir = project("overlay-new");
        let main = dir.join("main.nurture");
        let lints = crate::lint::LintConfig::default();
        let source = "import \"fresh.nurture\"\nimport \"../outside.nurture\"\nstages A\nrule r: on purchase then send email new\n";
        let mut overlay = OverlaySources::new(&DiskSources);
        overlay.insert(&dir.join("fresh.nurture"), "email new\n".into());
        // A buffer outside the project is refused like a file there.
        overlay.insert(&dir.join("../outside.nurture"), "email x\n".into());
        let checked =
            crate::driver::check_source_in(&overlay, &main, "main.nurture", source.into(), &lints);
        assert_eq!(codes(&checked), ["E0006"], "{:?}", checked.diagnostics);
        let without = crate::driver::check_source_in(
            &DiskSources,
            &main,
            "main.nurture",
            source.into(),
            &lints,
        );
        assert!(
            codes(&without).contains(&"E0004"),
            "{:?}",
            without.diagnostics
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn normalizing_never_climbs_above_the_root() {
        assert_eq!(
            normalize(Path::new("/p/a/../../../../etc/passwd")),
            PathBuf::from("/etc/passwd")
        );
        assert_eq!(
            normalize(Path::new("/p/./a/../b.nurture")),
            PathBuf::from("/p/b.nurture")
        );
    }
}
