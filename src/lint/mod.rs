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
use crate::diagnostics::{Diagnostic, FileId, SourceMap, Suggestion};
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
    /// A fix that is an edit; its message is the help line.
    pub suggestion: Option<Suggestion>,
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
            suggestion: None,
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
            None => {
                let finding = Finding::new(
                    registry::UNUSED_ALLOW,
                    root.file,
                    allow.span,
                    format!("`{}` is not a lint", allow.id),
                );
                // The fix replaces the id inside the comment, not the comment.
                match Suggestion::did_you_mean(
                    root.file,
                    allow.id_span,
                    &allow.id,
                    LINTS.iter().map(|l| l.id),
                ) {
                    Some(suggestion) => Finding {
                        suggestion: Some(suggestion),
                        ..finding
                    },
                    None => finding.help("see `Lints` in docs/diagnostics.md for the ids"),
                }
            }
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
    diagnostic.suggestions.extend(finding.suggestion);
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
    /// Where the id is, inside the comment.
    id_span: Span,
    /// The item it applies to: the one starting on the next line (after
    /// any further allow comments).
    item: Option<Span>,
    used: bool,
}

/// A lint id as an allow comment names it.
struct AllowedId {
    /// Its byte offset in the comment's text.
    offset: usize,
    id: String,
}

/// The lint ids a comment allows, if it is an allow comment.
fn parse_allow(text: &str) -> Option<Vec<AllowedId>> {
    let rest = text.trim_start().strip_prefix("nurture:")?.trim_start();
    let inner = rest.strip_prefix("allow(")?;
    // `inner` runs to the end of `text`, so the lengths give its offset.
    let mut offset = text.len() - inner.len();
    let inner = inner.trim_end().strip_suffix(')')?;
    let mut ids = Vec::new();
    for piece in inner.split(',') {
        let id = piece.trim_start();
        let start = offset + (piece.len() - id.len());
        let id = id.trim_end();
        if !id.is_empty() {
            ids.push(AllowedId {
                offset: start,
                id: id.to_string(),
            });
        }
        offset += piece.len() + 1;
    }
    Some(ids)
}

fn allow_comments(context: &Context<'_>, root: &LoadedFile) -> Vec<Allow> {
    let Some(source) = context.sources.get(root.file) else {
        return Vec::new();
    };
    let line_of = |offset: usize| source.position(offset).line;
    // Whole-line allow comments by line.
    let mut by_line: Vec<(usize, &crate::syntax::ast::Comment, Vec<AllowedId>)> = Vec::new();
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
        // The comment's text is what follows its `#`, so it ends where the
        // comment does.
        let text_start = comment.span.end.saturating_sub(comment.text.len());
        for AllowedId { offset, id } in ids {
            let start = text_start + offset;
            allows.push(Allow {
                id: id.clone(),
                span: *comment.span,
                id_span: Span::new(start, start + id.len()),
                item,
                used: false,
            });
        }
    }
    allows
}

#[cfg(test)]
mod tests;
