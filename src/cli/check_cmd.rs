//! `nurture check`.
//!
//! `-` reads standard input; `--stdin-filename PATH` names it in messages
//! and places it: `nurture.toml` is looked for from PATH's folder and
//! imports resolve next to PATH, as if the text were that file.
//! `--fix` applies the machine-applicable suggestions (see `cli::fix`),
//! writes the files, then checks them again and reports what is left.

use super::fix;
use super::paths::{display, is_stdin, rule_files, stdin_name};
use super::{output, usage_error, CheckArgs, CheckFormat, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE};
use crate::check::loader;
use crate::diagnostics::{codes, render, Diagnostic, SourceFile, SourceMap};
use crate::driver;
use crate::lint::{self, LintConfig};
use crate::syntax::ast::Span;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub fn run(args: &CheckArgs) -> i32 {
    let files = match rule_files(&args.paths) {
        Ok(files) => files,
        Err(message) => return usage_error(&message),
    };
    let reads_stdin = files.iter().any(|p| is_stdin(p));
    // The fixed text of standard input goes to standard output, so nothing
    // else may: one input, and the report (human) on standard error.
    if args.fix && reads_stdin && (files.len() > 1 || !matches!(args.format, CheckFormat::Human)) {
        return usage_error(
            "`check --fix -` writes the fixed text to standard output and its report to \
             standard error: give `-` as the only path, without `--format`",
        );
    }
    let mut targets = Vec::new();
    // One `nurture.toml` per directory, found by walking up from it.
    let mut configs: HashMap<PathBuf, LintConfig> = HashMap::new();
    for given in &files {
        let stdin = is_stdin(given);
        let (path, name) = match (&args.stdin_filename, stdin) {
            (Some(as_path), true) => (as_path.as_path(), display(as_path)),
            (None, true) => (given.as_path(), stdin_name(None)),
            (_, false) => (given.as_path(), display(given)),
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
        targets.push((path, name, stdin, config));
    }
    // Standard input can be read once: both passes below use this.
    let mut stdin_read = reads_stdin.then(loader::read_stdin_rules);
    let mut fixes = String::new();
    if args.fix {
        // Every file is fixed before any is checked for the report, so a
        // file that another imports is reported as it is after its fixes.
        for (path, name, stdin, config) in &targets {
            let check = |text: String| driver::check_source_with(path, name, text, config);
            if *stdin {
                if let Some(Ok(file)) = &mut stdin_read {
                    let (text, described) = fix_passes(&file.text, name, check);
                    fixes.push_str(&described);
                    file.text = text;
                }
                continue;
            }
            // A file that cannot be read is reported by the check below.
            let Ok(file) = loader::read_rules_file(path, name) else {
                continue;
            };
            let (text, described) = fix_passes(&file.text, name, check);
            fixes.push_str(&described);
            if text != file.text {
                let bom = if file.had_bom { "\u{feff}" } else { "" };
                let bytes = format!("{bom}{text}");
                if let Err(error) =
                    crate::base::fsio::replace_file(&file.real_path, bytes.as_bytes())
                {
                    return usage_error(&format!("cannot write `{name}`: {error}"));
                }
            }
        }
    }
    let mut merged = Merged::default();
    let mut fixed_stdin = None;
    for (path, name, stdin, config) in &targets {
        let read = if *stdin {
            stdin_read.take().unwrap_or_else(loader::read_stdin_rules)
        } else {
            loader::read_rules_file(path, name)
        };
        let checked = read.map(|file| {
            let checked = driver::check_source_with(path, name, file.text.clone(), config);
            if *stdin && args.fix {
                fixed_stdin = Some(file.text);
            }
            checked
        });
        match checked {
            Ok(checked) => merged.add(&checked.sources, checked.diagnostics),
            // The file is there but is not one to read as rules: a problem
            // found (exit 1), reported at the file, and the others are still
            // checked. Nothing of its content is shown (none was read).
            Err(error) if error.is_file_problem() => merged.add_file_problem(
                name,
                Diagnostic::new(error.code(), 0, Span::default(), error.to_string())
                    .with_optional_help(error.help().map(str::to_string)),
            ),
            Err(error) => return usage_error(&error.to_string()),
        }
    }
    let mut diagnostics = merged.diagnostics;
    crate::diagnostics::sort(&mut diagnostics);
    let sources = merged.sources;
    let (errors, warnings) = render::tally(&diagnostics);
    let code = if errors > 0 || (args.deny_warnings && warnings > 0) {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    };
    if let Some(text) = fixed_stdin {
        // The report goes to standard error, beside the fixed text.
        if !output::quiet() {
            output::error_text(&fixes);
        }
        output::error_text(&render::human(
            &sources,
            &diagnostics,
            output::color_stderr(),
        ));
        if !output::quiet() || !diagnostics.is_empty() {
            errln!("{}", render::summary_line(files.len(), &diagnostics));
        }
        return output::print_then(&text, code);
    }
    if !output::quiet() && !matches!(args.format, CheckFormat::Human) {
        output::error_text(&fixes);
    }
    let out = match args.format {
        CheckFormat::Human => {
            let mut out = if output::quiet() {
                String::new()
            } else {
                fixes
            };
            out.push_str(&render::human(
                &sources,
                &diagnostics,
                output::color_stdout(),
            ));
            // Under `--quiet` the summary is shown only when there is a
            // diagnostic to sum up.
            if !output::quiet() || !diagnostics.is_empty() {
                out.push_str(&render::summary_line(files.len(), &diagnostics));
                out.push('\n');
            }
            out
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
    output::print_then(&out, code)
}

/// How many times `--fix` fixes and checks again. A fix can uncover
/// another (a misspelt keyword hides the names after it until it parses),
/// and of two overlapping edits one waits for the next pass; every pass
/// fixes at least one problem, so few are ever needed.
const MAX_FIX_PASSES: usize = 10;

/// Fixes `text` pass by pass (see [`fix`]) until no safe fix is left: the
/// fixed text and a line per edit made.
fn fix_passes(
    text: &str,
    name: &str,
    check: impl Fn(String) -> crate::check::Checked,
) -> (String, String) {
    let mut text = text.to_string();
    let mut described = String::new();
    for _ in 0..MAX_FIX_PASSES {
        let checked = check(text.clone());
        let Some(fixed) = fix::apply(&text, name, &checked) else {
            break;
        };
        described.push_str(&fixed.describe(name));
        text = fixed.text;
    }
    (text, described)
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
