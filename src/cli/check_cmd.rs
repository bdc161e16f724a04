//! `nurture check`.

use super::paths::{display, rule_files};
use super::{output, usage_error, CheckArgs, CheckFormat, EXIT_OK, EXIT_PROBLEMS};
use crate::check::{self, loader::ReadError};
use crate::diagnostics::{codes, render, Diagnostic, SourceFile, SourceMap};
use crate::lint::{self, LintConfig};
use crate::syntax::ast::Span;
use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn run(args: &CheckArgs) -> i32 {
    let files = match rule_files(&args.paths) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let mut merged = Merged::default();
    // One `nurture.toml` per directory, found by walking up from it.
    let mut configs: HashMap<PathBuf, LintConfig> = HashMap::new();
    for path in &files {
        let name = display(path);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if !configs.contains_key(&dir) {
            let config = match lint::config::discover(&dir) {
                Some(file) => match LintConfig::load(&file) {
                    Ok(config) => config,
                    Err(message) => return usage_error(&message),
                },
                None => LintConfig::default(),
            };
            configs.insert(dir.clone(), config);
        }
        let config = configs.get(&dir).cloned().unwrap_or_default();
        match check::check_file_with(path, &name, &config) {
            Ok(checked) => merged.add(&checked.sources, checked.diagnostics),
            Err(ReadError::NotUtf8 { .. }) => merged.add_file_problem(
                &name,
                Diagnostic::new(
                    codes::NOT_UTF8,
                    0,
                    Span::default(),
                    format!("`{name}` is not UTF-8 text"),
                )
                .with_help("save the file as UTF-8; Nurture files are plain text"),
            ),
            Err(error) => return usage_error(&error.to_string()),
        }
    }
    let mut diagnostics = merged.diagnostics;
    crate::diagnostics::sort(&mut diagnostics);
    let sources = merged.sources;
    let out = match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            format!(
                "{}{}\n",
                render::human(&sources, &diagnostics, color),
                render::summary_line(files.len(), &diagnostics)
            )
        }
        CheckFormat::Json => format!("{}\n", render::json(&sources, files.len(), &diagnostics)),
        CheckFormat::Github => render::github(&sources, &diagnostics),
        CheckFormat::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&render::sarif(&sources, &diagnostics))
                .unwrap_or_default()
        ),
    };
    let (errors, warnings) = render::tally(&diagnostics);
    let code = if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    output::print_then(&out, code)
}

/// Diagnostics of several root files over one source map. A file imported
/// by several roots is reported once.
#[derive(Default)]
struct Merged {
    sources: SourceMap,
    by_name: HashMap<String, usize>,
    seen: HashSet<(usize, usize, usize, &'static str, String)>,
    diagnostics: Vec<Diagnostic>,
}

impl Merged {
    fn file_id(&mut self, file: &SourceFile) -> usize {
        if let Some(&id) = self.by_name.get(&file.name) {
            return id;
        }
        let id = self.sources.add(file.clone());
        self.by_name.insert(file.name.clone(), id);
        id
    }

    fn add(&mut self, sources: &SourceMap, diagnostics: Vec<Diagnostic>) {
        let remap: Vec<usize> = sources.iter().map(|(_, f)| self.file_id(f)).collect();
        for mut diagnostic in diagnostics {
            diagnostic.file = remap.get(diagnostic.file).copied().unwrap_or(0);
            for label in &mut diagnostic.labels {
                label.file = remap.get(label.file).copied().unwrap_or(0);
            }
            self.push(diagnostic);
        }
    }

    fn add_file_problem(&mut self, name: &str, mut diagnostic: Diagnostic) {
        diagnostic.file = self.file_id(&SourceFile::new(name, ""));
        self.push(diagnostic);
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        let key = (
            diagnostic.file,
            diagnostic.span.start,
            diagnostic.span.end,
            diagnostic.code.as_str(),
            diagnostic.message.clone(),
        );
        if self.seen.insert(key) {
            self.diagnostics.push(diagnostic);
        }
    }
}
