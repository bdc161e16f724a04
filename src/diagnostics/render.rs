//! Diagnostics as text for people (miette) and for machines (JSON, GitHub
//! workflow annotations, SARIF 2.1.0).

use super::codes::CODES;
use super::{Diagnostic, Position, Severity, SourceMap};
use crate::lint::LINTS;
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
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("  help: {help}\n"));
    }
    text
}

/// The one-line summary after a human report.
pub fn summary_line(files: usize, diagnostics: &[Diagnostic]) -> String {
    let (errors, warnings) = tally(diagnostics);
    format!(
        "checked {} {}: {} {}, {} {}",
        files,
        plural(files, "file", "files"),
        errors,
        plural(errors, "error", "errors"),
        warnings,
        plural(warnings, "warning", "warnings")
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The JSON object PRODUCT.md section 5 fixes.
pub fn json(sources: &SourceMap, files: usize, diagnostics: &[Diagnostic]) -> Json {
    let (errors, warnings) = tally(diagnostics);
    let items: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (file, region) = locate(sources, d);
            json!({
                "code": d.code.as_str(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": file,
                "line": region.start.line,
                "column": region.start.column,
                "end_line": region.end.line,
                "end_column": region.end.column,
                "help": d.help,
            })
        })
        .collect();
    json!({
        "files": files,
        "errors": errors,
        "warnings": warnings,
        "diagnostics": items,
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
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&file),
            region.start.line,
            region.start.column,
            region.end.line,
            region.end.column,
            escape_property(
                &if let Some(lint) = crate::lint::registry::find(d.code.as_str()) {
                    format!("{} ({} lint)", d.code, lint.category.as_str())
                } else {
                    format!("{} {}", d.code, d.code.info().title)
                }
            ),
            escape_data(&message)
        ));
    }
    out
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

/// SARIF rule metadata: every checker code, then every lint, in the
/// order `ruleIndex` counts.
fn sarif_rules() -> Vec<Json> {
    let codes = CODES.iter().map(|info| {
        json!({
            "id": info.code,
            "name": info.title,
            "shortDescription": { "text": info.summary },
            "fullDescription": { "text": info.summary },
            "helpUri": format!("{DOCS_URI}#{}", info.code.to_lowercase()),
            "defaultConfiguration": { "level": sarif_level(info.severity) },
        })
    });
    let lints = LINTS.iter().map(|lint| {
        let configuration = match lint.default.severity() {
            Some(severity) => json!({ "level": sarif_level(severity) }),
            None => json!({ "enabled": false, "level": "warning" }),
        };
        json!({
            "id": lint.id,
            "name": lint.id,
            "shortDescription": { "text": lint.summary },
            "fullDescription": { "text": lint.rationale },
            "helpUri": format!("{DOCS_URI}#{}", lint.id),
            "defaultConfiguration": configuration,
            "properties": { "tags": ["lint", lint.category.as_str()] },
        })
    });
    codes.chain(lints).collect()
}

/// The index of a code or lint id in [`sarif_rules`].
fn sarif_rule_index(code: &str) -> Option<usize> {
    CODES
        .iter()
        .map(|info| info.code)
        .chain(LINTS.iter().map(|lint| lint.id))
        .position(|id| id == code)
}

/// A SARIF 2.1.0 log with rule metadata from the code and lint registries.
pub fn sarif(sources: &SourceMap, diagnostics: &[Diagnostic]) -> Json {
    let rules = sarif_rules();
    let results: Vec<Json> = diagnostics
        .iter()
        .map(|d| {
            let (file, region) = locate(sources, d);
            let rule_index = sarif_rule_index(d.code.as_str());
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(" (help: ");
                text.push_str(help);
                text.push(')');
            }
            json!({
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
            })
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
        let help = match (&d.help, notes.is_empty()) {
            (help, true) => help.clone(),
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
    span: crate::syntax::ast::Span,
) -> crate::syntax::ast::Span {
    let Some(file) = file else { return span };
    let start = span.start.min(file.text.len());
    let end = span.end.min(file.text.len()).max(start);
    match file.text.get(start..end).and_then(|text| text.find('\n')) {
        Some(0) | None => crate::syntax::ast::Span::new(start, end),
        Some(i) => crate::syntax::ast::Span::new(start, start + i),
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
