//! Reads a rules file and, depth first, every file it imports.

use crate::diagnostics::{codes, Diagnostic, FileId, SourceFile, SourceMap};
use crate::syntax::ast::{self, ItemKind, Span};
use std::path::{Path, PathBuf};

/// Files larger than this are refused rather than parsed.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// A parsed file of the program.
#[derive(Debug)]
pub struct LoadedFile {
    pub file: FileId,
    pub ast: ast::File,
    /// Imported files share declarations only.
    pub imported: bool,
}

/// Why a root file could not be read at all (the run cannot go on).
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
}

pub fn read_source(path: &Path, display: &str) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: display.to_string(),
        source,
    })?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge {
            path: display.to_string(),
        });
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8 {
        path: display.to_string(),
    })
}

/// Loads the program rooted at an already-read source. Imports are loaded
/// before the file that imports them, each file once.
pub fn load(
    root_path: &Path,
    root_display: &str,
    root_text: String,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<LoadedFile> {
    let mut loader = Loader {
        sources,
        diagnostics,
        loaded: Vec::new(),
        done: Vec::new(),
        stack: Vec::new(),
    };
    let canonical = canonical(root_path);
    loader.visit(canonical, root_display.to_string(), root_text, false);
    loader.loaded
}

struct Loader<'a> {
    sources: &'a mut SourceMap,
    diagnostics: &'a mut Vec<Diagnostic>,
    loaded: Vec<LoadedFile>,
    /// Canonical paths of files already loaded.
    done: Vec<PathBuf>,
    /// Canonical paths of the import chain being loaded, for cycle detection.
    stack: Vec<PathBuf>,
}

impl Loader<'_> {
    fn visit(&mut self, path: PathBuf, display: String, text: String, imported: bool) {
        let file = self.sources.add(SourceFile::new(display.clone(), text));
        let parsed = match self.sources.get(file) {
            Some(source) => crate::syntax::parse(&source.text),
            None => return,
        };
        let ast = match parsed {
            Ok(ast) => ast,
            Err(errors) => {
                for error in errors {
                    let code = codes::Code::from_text(error.code).unwrap_or(codes::SYNTAX);
                    self.diagnostics.push(
                        Diagnostic::new(code, file, error.span, error.message)
                            .with_optional_help(error.help),
                    );
                }
                return;
            }
        };
        self.stack.push(path.clone());
        for item in &ast.items {
            if let ItemKind::Import(target) = &item.kind {
                self.import(file, &path, &display, target.value.as_str(), target.span);
            }
        }
        self.stack.pop();
        self.done.push(path);
        if imported {
            self.reject_non_declarations(file, &ast);
        }
        self.loaded.push(LoadedFile {
            file,
            ast,
            imported,
        });
    }

    fn import(
        &mut self,
        from: FileId,
        from_path: &Path,
        from_display: &str,
        target: &str,
        span: Span,
    ) {
        let base = from_path.parent().unwrap_or(Path::new(""));
        let path = canonical(&base.join(target));
        let display_base = Path::new(from_display).parent().unwrap_or(Path::new(""));
        let display = normalize_display(&display_base.join(target));
        if self.stack.contains(&path) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .skip_while(|p| **p != path)
                .map(|p| file_name(p))
                .chain(std::iter::once(file_name(&path)))
                .collect();
            self.diagnostics.push(
                Diagnostic::new(
                    codes::IMPORT_CYCLE,
                    from,
                    span,
                    format!("importing `{target}` makes a cycle: {}", chain.join(" → ")),
                )
                .with_help("move the shared declarations into a file that imports nothing"),
            );
            return;
        }
        if self.done.contains(&path) {
            return;
        }
        if !path.exists() {
            self.diagnostics.push(
                Diagnostic::new(
                    codes::IMPORT_NOT_FOUND,
                    from,
                    span,
                    format!("there is no file `{display}` to import"),
                )
                .with_help("import paths are relative to the importing file"),
            );
            return;
        }
        let is_rhai = path.extension().is_some_and(|e| e == "rhai");
        match read_source(&path, &display) {
            Ok(text) if is_rhai => self.visit_rhai(path, display, text),
            Ok(text) => self.visit(path, display, text, true),
            Err(error) => self.diagnostics.push(Diagnostic::new(
                codes::CANNOT_READ,
                from,
                span,
                error.to_string(),
            )),
        }
    }

    /// An imported `.rhai` file: its public `fn`s without parameters become
    /// `script` declarations (see `check::scripts::rhai_file`).
    fn visit_rhai(&mut self, path: PathBuf, display: String, text: String) {
        let file = self.sources.add(SourceFile::new(display, text));
        let scripts = match self.sources.get(file) {
            Some(source) => crate::check::scripts::rhai_file(&source.text, file, self.diagnostics),
            None => return,
        };
        self.done.push(path);
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
                    item.span,
                    format!("this imported file holds {what}, but imports share declarations only"),
                )
                .with_help("keep rules and campaign settings in the file that imports this one"),
            );
        }
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

/// `examples/./shared/../x.nurture` → `examples/x.nurture`, for display only.
fn normalize_display(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}
