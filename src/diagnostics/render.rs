//! Diagnostics as text for people (miette) and for machines (JSON, GitHub
//! workflow annotations, SARIF 2.1.0).

use super::codes::{Kind, Registry};
use super::{Diagnostic, Position, Severity, SourceMap, Suggestion};
use crate::base::number::counted;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde_json::{json, Value as Json};
use std::fmt;

/// Where a diagnostic starts and ends, 1-based; the end column is the one
/// just after the last character, as in SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: Position,
    pub end: Position,
}

/// The file name and region of a diagnostic.
pub fn locate(sources: &SourceMap, diagnostic: &Diagnostic) -> (String, Region) {
    match sources.get(diagnostic.file) {
        Some(file) => (
            file.name.clone(),
            Region {
                start: file.position(diagnostic.span.start),
                end: file.position(diagnostic.span.end),
            },
        ),
        None => (
            String::from("<unknown>"),
            Region {
                start: Position { line: 1, column: 1 },
                end: Position { line: 1, column: 1 },
            },
        ),
    }
}

/// Counts by severity.
pub fn tally(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// The human report: every diagnostic with its source line and caret.
pub fn human(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let rendered = snippet_fits(sources, diagnostic)
            .then(|| {
                let view = MietteView::new(sources, diagnostic);
                let mut text = String::new();
                handler.render_report(&mut text, &view).ok().map(|_| text)
            })
            .flatten();
        match rendered {
            Some(text) => out.push_str(&text),
            None => out.push_str(&one_line(sources, diagnostic)),
        }
        out.push('\n');
    }
    out
}

/// Longest source line shown with a caret; longer lines (minified or
/// generated files) get the one-line form instead.
const MAX_SNIPPET_LINE: usize = 2_000;

/// Whether the source line under a diagnostic is short enough to show.
fn snippet_fits(sources: &SourceMap, diagnostic: &Diagnostic) -> bool {
    let Some(file) = sources.get(diagnostic.file) else {
        return true;
    };
    let start = diagnostic.span.start.min(file.text.len());
    let (Some(before), Some(after)) = (file.text.get(..start), file.text.get(start..)) else {
        return false;
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = after.find('\n').map_or(file.text.len(), |i| start + i);
    line_end - line_start <= MAX_SNIPPET_LINE
}

/// `error[E0201]: file:3:16: message` with the help on the next line.
fn one_line(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let (file, region) = locate(sources, diagnostic);
    let mut text = format!(
        "{}[{}]: {}:{}:{}: {}\n",
        diagnostic.severity.as_str(),
        diagnostic.code,
        file,
        region.start.line,
        region.start.column,
        diagnostic.message
    );
    if let Some(help) = diagnostic.help_text() {
        text.push_str(&format!("  help: {help}\n"));
    }
    text
}

/// The one-line summary after a human report.
pub fn summary_line(files: usize, diagnostics: &[Diagnostic]) -> String {
    let (errors, warnings) = tally(diagnostics);
    format!(
        "checked {}: {}, {}",
        counted(files as u64, "file", "files"),
        counted(errors as u64, "error", "errors"),
        counted(warnings as u64, "warning", "warnings")
    )
}

/// The JSON object section 5 of the product brief fixes, plus
/// `suggestions` on a diagnostic that has any (docs/diagnostics.md).
pub fn json(sources: &SourceMap, files: usize, diagnostics: &[Diagnostic]) -> Json {
    let (errors, warnings) = tally(diagnostics);
    let items: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (file, region) = locate(sources, d);
            let mut item = json!({
                "code": d.code.as_str(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": file,
                "line": region.start.line,
                "column": region.start.column,
                "end_line": region.end.line,
                "end_column": region.end.column,
                "help": d.help_text(),
            });
            if !d.suggestions.is_empty() {
                let suggestions = d
                    .suggestions
                    .iter()
                    .map(|suggestion| json_suggestion(sources, suggestion))
                    .collect();
                if let Some(object) = item.as_object_mut() {
                    object.insert("suggestions".into(), Json::Array(suggestions));
                }
            }
            item
        })
        .collect();
    json!({
        "files": files,
        "errors": errors,
        "warnings": warnings,
        "diagnostics": items,
    })
}

/// Where a suggestion applies, 1-based as everywhere else.
fn suggestion_region(sources: &SourceMap, suggestion: &Suggestion) -> (String, Region) {
    locate(
        sources,
        &Diagnostic::new(
            super::codes::INTERNAL,
            suggestion.file,
            suggestion.span,
            String::new(),
        ),
    )
}

fn json_suggestion(sources: &SourceMap, suggestion: &Suggestion) -> Json {
    let (file, region) = suggestion_region(sources, suggestion);
    json!({
        "message": suggestion.message,
        "file": file,
        "line": region.start.line,
        "column": region.start.column,
        "end_line": region.end.line,
        "end_column": region.end.column,
        "replacement": suggestion.replacement,
    })
}

/// GitHub Actions workflow commands, one line per diagnostic.
pub fn github(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (file, region) = locate(sources, d);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = d.help_text() {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let title = match d.code.info().kind {
            Kind::Lint { category, .. } => format!("{} ({category} lint)", d.code),
            _ => format!("{} {}", d.code, d.code.info().title),
        };
        out.push_str(&github_command(
            kind,
            &[
                ("file", file),
                ("line", region.start.line.to_string()),
                ("col", region.start.column.to_string()),
                ("endLine", region.end.line.to_string()),
                ("endColumn", region.end.column.to_string()),
                ("title", title),
            ],
            &message,
        ));
    }
    out
}

/// One GitHub Actions workflow command line, `::KIND k=v,…::MESSAGE`, with
/// the property values and the message escaped as the runner reads them.
/// `check --format github` and `test --format github` both write theirs
/// with it.
pub fn github_command(kind: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{kind} {}::{}\n",
        properties.join(","),
        escape_data(message)
    )
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

const DOCS_URI: &str = "https://github.com/nurture-lang/nurture/blob/main/docs/diagnostics.md";

/// Whether a code is a SARIF rule: the codes `check` reports and the lints.
fn is_sarif_rule(kind: Kind) -> bool {
    matches!(kind, Kind::Check | Kind::Lint { .. })
}

/// SARIF rule metadata: every checker code, then every lint (in the order
/// of the registry, which lists them so), in the order `ruleIndex` counts.
fn sarif_rules(registry: &Registry) -> Vec<Json> {
    registry
        .iter()
        .map(|code| code.info())
        .filter(|info| is_sarif_rule(info.kind))
        .map(|info| match info.kind {
            Kind::Lint { category, enabled } => {
                let configuration = if enabled {
                    json!({ "level": sarif_level(info.severity) })
                } else {
                    json!({ "enabled": false, "level": "warning" })
                };
                json!({
                    "id": info.code,
                    "name": info.title,
                    "shortDescription": { "text": info.summary },
                    "fullDescription": { "text": info.description },
                    "helpUri": format!("{DOCS_URI}#{}", info.code),
                    "defaultConfiguration": configuration,
                    "properties": { "tags": ["lint", category] },
                })
            }
            _ => json!({
                "id": info.code,
                "name": info.title,
                "shortDescription": { "text": info.summary },
                "fullDescription": { "text": info.description },
                "helpUri": format!("{DOCS_URI}#{}", info.code.to_lowercase()),
                "defaultConfiguration": { "level": sarif_level(info.severity) },
            }),
        })
        .collect()
}

/// The index of a code or lint id in [`sarif_rules`].
fn sarif_rule_index(registry: &Registry, code: &str) -> Option<usize> {
    registry
        .iter()
        .filter(|c| is_sarif_rule(c.info().kind))
        .position(|c| c.as_str() == code)
}

/// A SARIF `fix`: the suggestion as a replacement of one region.
fn sarif_fix(sources: &SourceMap, suggestion: &Suggestion) -> Json {
    let (file, region) = suggestion_region(sources, suggestion);
    json!({
        "description": { "text": suggestion.message },
        "artifactChanges": [{
            "artifactLocation": { "uri": file.replace('\\', "/") },
            "replacements": [{
                "deletedRegion": {
                    "startLine": region.start.line,
                    "startColumn": region.start.column,
                    "endLine": region.end.line,
                    "endColumn": region.end.column,
                },
                "insertedContent": { "text": suggestion.replacement },
            }],
        }],
    })
}

/// A SARIF 2.1.0 log with rule metadata from the code registry (checker
/// codes and lints).
pub fn sarif(registry: &Registry, sources: &SourceMap, diagnostics: &[Diagnostic]) -> Json {
    let rules = sarif_rules(registry);
    let results: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (file, region) = locate(sources, d);
            let rule_index = sarif_rule_index(registry, d.code.as_str());
            let mut text = d.message.clone();
            if let Some(help) = d.help_text() {
                text.push_str(" (help: ");
                text.push_str(help);
                text.push(')');
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": file.replace('\\', "/") },
                        "region": {
                            "startLine": region.start.line,
                            "startColumn": region.start.column,
                            "endLine": region.end.line,
                            "endColumn": region.end.column,
                        }
                    }
                }],
            });
            if !d.suggestions.is_empty() {
                let fixes = d
                    .suggestions
                    .iter()
                    .map(|s| sarif_fix(sources, s))
                    .collect();
                if let Some(object) = result.as_object_mut() {
                    object.insert("fixes".into(), Json::Array(fixes));
                }
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "nurture",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/nurture-lang/nurture",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Adapts our diagnostic to miette's trait for rendering only.
struct MietteView {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl MietteView {
    fn new(sources: &SourceMap, d: &Diagnostic) -> Self {
        let file = sources.get(d.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            first_line_of(file, d.span),
        )];
        let mut notes = Vec::new();
        for label in &d.labels {
            if label.file == d.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    label.span,
                ));
            } else if let Some(other) = sources.get(label.file) {
                let at = other.position(label.span.start);
                notes.push(format!(
                    "{} at {}:{}:{}",
                    label.message, other.name, at.line, at.column
                ));
            }
        }
        let help = match (d.help_text(), notes.is_empty()) {
            (help, true) => help.map(str::to_string),
            (Some(help), false) => Some(format!("{help}\n{}", notes.join("\n"))),
            (None, false) => Some(notes.join("\n")),
        };
        MietteView {
            message: d.message.clone(),
            code: d.code.to_string(),
            severity: match d.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help,
            source: file.map(|f| NamedSource::new(f.name.clone(), f.text.clone())),
            labels,
        }
    }
}

/// A span cut at the end of its first line: a caret under a whole
/// multi-megabyte string or file says nothing more than one under its start.
fn first_line_of(
    file: Option<&super::SourceFile>,
    span: crate::base::span::Span,
) -> crate::base::span::Span {
    let Some(file) = file else { return span };
    let start = span.start.min(file.text.len());
    let end = span.end.min(file.text.len()).max(start);
    match file.text.get(start..end).and_then(|text| text.find('\n')) {
        Some(0) | None => crate::base::span::Span::new(start, end),
        Some(i) => crate::base::span::Span::new(start, start + i),
    }
}

impl fmt::Debug for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for MietteView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView {}

impl miette::Diagnostic for MietteView {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.is_some() {
            Some(Box::new(self.labels.iter().cloned()))
        } else {
            None
        }
    }
}
