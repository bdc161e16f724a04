//! Lints: checks of a valid program for things that are legal but almost
//! certainly not what the author meant.
//!
//! Every lint is in the [`registry`] with a stable kebab-case id that is
//! also its diagnostic code. Its level comes from the registry default, a
//! project's `nurture.toml` ([`config`]), and `# nurture: allow(id)`
//! comments on the line before an item, which suppress the lint for that
//! item; an allow that suppresses nothing is reported as `unused-allow`.

pub mod config;
pub mod registry;
mod rules;

pub use crate::check::declared::{Declared, SymbolKind};
use crate::check::loader::LoadedFile;
use crate::diagnostics::{Diagnostic, FileId, SourceMap};
use crate::ir::Program;
use crate::syntax::ast::Span;
pub use config::LintConfig;
pub use registry::{Category, Level, LintInfo, LINTS};

/// What the lints look at.
pub struct Context<'a> {
    pub sources: &'a SourceMap,
    pub files: &'a [LoadedFile],
    /// Every declaration of the program, in declaration order.
    pub declared: &'a [Declared],
    /// The checked program; `None` when the checker found errors, in which
    /// case only the lints that need no program run.
    pub program: Option<&'a Program>,
}

impl Context<'_> {
    fn root(&self) -> Option<&LoadedFile> {
        self.files.iter().find(|f| !f.imported)
    }

    /// Whether the root file has rules (files without are libraries).
    fn root_has_rules(&self) -> bool {
        self.root().is_some_and(|root| {
            root.ast
                .items
                .iter()
                .any(|item| matches!(item.kind, crate::syntax::ast::ItemKind::Rule(_)))
        })
    }
}

/// A lint finding before levels and suppressions apply.
pub(crate) struct Finding {
    pub id: &'static str,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub labels: Vec<(Span, String)>,
}

impl Finding {
    fn new(id: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Finding {
            id,
            file,
            span,
            message: message.into(),
            help: None,
            labels: Vec::new(),
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push((span, message.into()));
        self
    }
}

/// Runs every lint that is not off, applies inline allows, and returns the
/// diagnostics at their configured levels.
pub fn run(context: &Context<'_>, config: &LintConfig) -> Vec<Diagnostic> {
    let Some(root) = context.root() else {
        return Vec::new();
    };
    let findings = rules::all(context);
    let mut allows = allow_comments(context, root);
    let mut out = Vec::new();
    for finding in findings {
        if config.level(finding.id) == Level::Off {
            continue;
        }
        if finding.file == root.file {
            if let Some(allow) = allows
                .iter_mut()
                .find(|a| a.id == finding.id && a.item.is_some_and(|s| covers(s, finding.span)))
            {
                allow.used = true;
                continue;
            }
        }
        push(&mut out, config, finding);
    }
    // An allow is only judged when its lint ran: with the lint off it
    // cannot suppress anything, but it is not stale either.
    for allow in allows {
        let known = registry::find(&allow.id);
        let stale = match known {
            None => true,
            Some(info) => {
                !allow.used && config.level(info.id) != Level::Off && allow_judgeable(context, info)
            }
        };
        if !stale {
            continue;
        }
        let finding = match known {
            None => Finding::new(
                registry::UNUSED_ALLOW,
                root.file,
                allow.span,
                format!("`{}` is not a lint", allow.id),
            )
            .help(
                crate::diagnostics::did_you_mean(&allow.id, LINTS.iter().map(|l| l.id))
                    .unwrap_or_else(|| "see `Lints` in docs/diagnostics.md for the ids".into()),
            ),
            Some(_) if allow.item.is_none() => Finding::new(
                registry::UNUSED_ALLOW,
                root.file,
                allow.span,
                format!(
                    "this allow of `{}` is not on the line before an item",
                    allow.id
                ),
            )
            .help("put it on the line right before the rule, segment or declaration"),
            Some(_) => Finding::new(
                registry::UNUSED_ALLOW,
                root.file,
                allow.span,
                format!("`{}` does not fire on the next item", allow.id),
            )
            .help("remove the stale allow"),
        };
        if config.level(registry::UNUSED_ALLOW) != Level::Off {
            push(&mut out, config, finding);
        }
    }
    out
}

/// Lints that need the checked program cannot say an allow is stale when
/// the program did not check.
fn allow_judgeable(context: &Context<'_>, info: &LintInfo) -> bool {
    context.program.is_some()
        || matches!(
            info.id,
            registry::UNUSED_DECLARATION | registry::UNUSED_FIELD
        )
}

fn covers(outer: Span, inner: Span) -> bool {
    outer.start <= inner.start && inner.start < outer.end.max(outer.start + 1)
}

fn push(out: &mut Vec<Diagnostic>, config: &LintConfig, finding: Finding) {
    let Some(severity) = config.level(finding.id).severity() else {
        return;
    };
    let Some(code) = registry::code(finding.id) else {
        return; // every finding's id is a registered lint (a test checks)
    };
    let mut diagnostic = Diagnostic::new(code, finding.file, finding.span, finding.message)
        .with_optional_help(finding.help);
    diagnostic.severity = severity;
    for (span, message) in finding.labels {
        diagnostic = diagnostic.with_label(finding.file, span, message);
    }
    out.push(diagnostic);
}

/// One lint id named by a `# nurture: allow(…)` comment.
struct Allow {
    id: String,
    /// Where the comment is.
    span: Span,
    /// The item it applies to: the one starting on the next line (after
    /// any further allow comments).
    item: Option<Span>,
    used: bool,
}

/// The lint ids a comment allows, if it is an allow comment.
fn parse_allow(text: &str) -> Option<Vec<String>> {
    let rest = text.trim().strip_prefix("nurture:")?.trim_start();
    let inner = rest.strip_prefix("allow(")?;
    let inner = inner.trim_end().strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .collect(),
    )
}

fn allow_comments(context: &Context<'_>, root: &LoadedFile) -> Vec<Allow> {
    let Some(source) = context.sources.get(root.file) else {
        return Vec::new();
    };
    let line_of = |offset: usize| source.position(offset).line;
    // Whole-line allow comments by line.
    let mut by_line: Vec<(usize, &crate::syntax::ast::Comment, Vec<String>)> = Vec::new();
    for comment in &root.ast.comments {
        let Some(ids) = parse_allow(&comment.text) else {
            continue;
        };
        // A span that is not a boundary of the text (never, for a comment
        // the parser found) counts as not on its own line.
        let Some(before_comment) = source.text.get(..comment.span.start) else {
            continue;
        };
        let line_start = before_comment.rfind('\n').map_or(0, |i| i + 1);
        let own_line = source
            .text
            .get(line_start..comment.span.start)
            .is_some_and(|before| before.trim().is_empty());
        if own_line {
            by_line.push((line_of(comment.span.start), comment, ids));
        }
    }
    let item_lines: Vec<(usize, Span)> = root
        .ast
        .items
        .iter()
        .map(|item| (line_of(item.span.start), *item.span))
        .collect();
    let mut allows = Vec::new();
    for (line, comment, ids) in &by_line {
        // Skip down over further allow comments to the item.
        let mut next = line + 1;
        while by_line.iter().any(|(l, _, _)| *l == next) {
            next += 1;
        }
        let item = item_lines
            .iter()
            .find(|(l, _)| *l == next)
            .map(|(_, span)| *span);
        for id in ids {
            allows.push(Allow {
                id: id.clone(),
                span: *comment.span,
                item,
                used: false,
            });
        }
    }
    allows
}

#[cfg(test)]
mod tests;
