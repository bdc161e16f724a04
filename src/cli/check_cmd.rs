//! `nurture check`.

use super::paths::{display, is_stdin, rule_files};
use super::{output, usage_error, CheckArgs, CheckFormat, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::check::loader;
use crate::diagnostics::{codes, render, Diagnostic, SourceFile, SourceMap};
use crate::driver;
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
        let stdin = is_stdin(path);
        let name = if stdin {
            loader::STDIN_NAME.to_string()
        } else {
            display(path)
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if !configs.contains_key(&dir) {
            let config = match lint::config::discover(&dir) {
                Some(file) => match LintConfig::load(&file, &config_display(&file)) {
                    Ok(config) => config,
                    Err(message) => return config_error(&message),
                },
                None => LintConfig::default(),
            };
            configs.insert(dir.clone(), config);
        }
        let config = configs.get(&dir).cloned().unwrap_or_default();
        let checked = if stdin {
            loader::read_stdin_source()
                .map(|text| driver::check_source_with(path, &name, text, &config))
        } else {
            driver::check_file_with(path, &name, &config)
        };
        match checked {
            Ok(checked) => merged.add(&checked.sources, checked.diagnostics),
            // The file is there but is not one to read as rules: a problem
            // found (exit 1), reported at the file, and the others are still
            // checked. Nothing of its content is shown (none was read).
            Err(error) if error.is_file_problem() => merged.add_file_problem(
                &name,
                Diagnostic::new(error.code(), 0, Span::default(), error.to_string())
                    .with_optional_help(error.help().map(str::to_string)),
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
            serde_json::to_string_pretty(&render::sarif(
                &super::registry(),
                &sources,
                &diagnostics
            ))
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

/// A `nurture.toml` named as the user would: relative to the current
/// folder when it is under it (discovery finds it by its absolute path).
fn config_display(file: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(display))
        .unwrap_or_else(|| file.display().to_string())
}

/// A project config that cannot be used stops the run (exit 2), with its
/// code so it can be looked up.
fn config_error(message: &str) -> i32 {
    errln!("error[{}]: {message}", codes::UNUSABLE_CONFIG);
    errln!("  help: fix or remove the file; see `Configuring lints` in docs/diagnostics.md");
    EXIT_USAGE
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
