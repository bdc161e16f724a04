//! The symbol table returned with a checked program: every declaration and
//! every resolved use of a name, across imports, with the queries an
//! editor needs (go to definition, find references, rename, hover).
//!
//! Declarations and uses are recorded while checking — by
//! [`Namespace`](super::namespace::Namespace) for every name that resolves
//! through one, and by a [`Recorder`] where a name is resolved by other
//! means (event properties, `test` blocks) — and assembled here once the
//! check is done. See docs/symbols.md.

use super::loader::LoadedFile;
use super::namespace::Table;
use super::Checker;
use crate::base::vocab::FieldType;
use crate::diagnostics::{FileId, SourceMap};
use crate::ir::Program;
use crate::syntax::ast::{self, ItemKind, Span};
use crate::syntax::words::{is_keyword, is_name};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What kind of thing a symbol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SymbolKind {
    /// A source file; `import "x.nurture"` refers to it.
    File,
    Stage,
    Field,
    Email,
    Sms,
    Page,
    Form,
    Asset,
    List,
    /// Built-in (`purchase`, `email.opened`, …) or declared with `event`.
    EventType,
    /// A property of one event type (the symbol's `parent`).
    Property,
    Segment,
    /// A named rule (`rule NAME: …`); bare `on …` rules have no name.
    Rule,
    /// An inline `script` or a public `fn` of an imported `.rhai` file.
    Script,
}

impl SymbolKind {
    /// How users call these things.
    pub fn noun(self) -> &'static str {
        match self {
            SymbolKind::File => "file",
            SymbolKind::Stage => "stage",
            SymbolKind::Field => "field",
            SymbolKind::Email => "e-mail",
            SymbolKind::Sms => "SMS",
            SymbolKind::Page => "page",
            SymbolKind::Form => "form",
            SymbolKind::Asset => "asset",
            SymbolKind::List => "list",
            SymbolKind::EventType => "event type",
            SymbolKind::Property => "property",
            SymbolKind::Segment => "segment",
            SymbolKind::Rule => "rule",
            SymbolKind::Script => "script",
        }
    }
}

/// A symbol's index in its [`SymbolTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolId(pub u32);

impl SymbolId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One declared (or built-in) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    /// Where the name is declared; `None` for built-ins. A file's
    /// declaration is the empty span at its start.
    pub declared_at: Option<(FileId, Span)>,
    /// The thing's id among those of its kind: the IR id (`StageId`,
    /// `FieldId`, `MessageId`, `EventTypeId`, `SegmentId`, `ScriptId`, …),
    /// the `PropertyId` within its event type, the `FileId` of a file, the
    /// index in `Program::rules` of a rule. `None` for a rule that did not
    /// make it into the program.
    pub id: Option<u32>,
    /// The event type of a property.
    pub parent: Option<SymbolId>,
    pub detail: Detail,
}

/// What hover shows beyond kind, name and place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    None,
    /// The stage's place in the funnel, from 0 (see [`SymbolTable::funnel`]).
    Stage {
        position: u32,
    },
    Field {
        ty: FieldType,
    },
    /// A page's or asset's URL pattern.
    Pattern {
        text: String,
    },
    EventType {
        properties: Vec<(String, FieldType)>,
    },
    Property {
        ty: FieldType,
    },
    /// The segment's condition as written, whitespace squashed.
    Segment {
        condition: String,
    },
    /// The declared (or constant) result type; `None` when only running it tells.
    Script {
        result: Option<FieldType>,
    },
    /// The rule's trigger as written, whitespace squashed.
    Rule {
        trigger: String,
    },
}

/// A use of a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub file: FileId,
    pub span: Span,
    pub symbol: SymbolId,
}

/// A declaration or a use of a symbol at a place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymbolRef {
    pub file: FileId,
    pub span: Span,
    pub symbol: SymbolId,
    /// The declaration rather than a use.
    pub declaration: bool,
}

/// One replacement of a rename.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub text: String,
}

/// Why a rename was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("there is no such symbol")]
    NoSuchSymbol,
    #[error("{noun} `{name}` is built in and cannot be renamed")]
    BuiltIn { noun: &'static str, name: String },
    #[error("files are renamed on disk, not in the rules")]
    File,
    #[error("script `{name}` is a `fn` of a `.rhai` file; rename it there, where other `fn`s may call it")]
    InScriptFile { name: String },
    #[error("`{0}` is not a name: use letters, digits and `_`, not starting with a digit")]
    NotAName(String),
    #[error("`{0}` is a keyword of the language")]
    Keyword(String),
    #[error("there is already {noun} `{name}`")]
    Clash {
        noun: &'static str,
        name: String,
        existing: SymbolId,
    },
}

/// Every symbol of a checked program, with every declaration and use.
/// Built once; every query is a lookup or a binary search.
#[derive(Clone, Debug, Default)]
pub struct SymbolTable {
    symbols: Vec<Symbol>,
    /// Sorted by file and span, no duplicates.
    references: Vec<Reference>,
    /// Declarations and uses, sorted by file and span: what `symbol_at` searches.
    places: Vec<SymbolRef>,
    /// Indices into `references`, grouped by symbol (in symbol order), each
    /// group in file and span order; `by_symbol_start[s]..by_symbol_start[s + 1]`.
    by_symbol: Vec<u32>,
    by_symbol_start: Vec<u32>,
    /// Names by kind, event type (for properties) and name.
    by_name: BTreeMap<(SymbolKind, Option<SymbolId>, String), SymbolId>,
    /// The stages, lowest first.
    funnel: Vec<SymbolId>,
    /// The symbol of each file, by `FileId`.
    files: Vec<SymbolId>,
    /// `file:line:column` of each symbol's declaration.
    declared_text: Vec<Option<String>>,
}

impl SymbolTable {
    /// Every symbol, in a fixed order: files, then each kind in the order
    /// of [`SymbolKind`], each in declaration order.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    pub fn symbol(&self, id: SymbolId) -> Option<&Symbol> {
        self.symbols.get(id.index())
    }

    /// Every use of a name, sorted by file and span.
    pub fn all_references(&self) -> &[Reference] {
        &self.references
    }

    /// The symbol of `kind` called `name`; `parent` is the event type of a
    /// property and `None` for every other kind.
    pub fn find(&self, kind: SymbolKind, parent: Option<SymbolId>, name: &str) -> Option<SymbolId> {
        self.by_name.get(&(kind, parent, name.to_string())).copied()
    }

    /// The stages, lowest first.
    pub fn funnel(&self) -> &[SymbolId] {
        &self.funnel
    }

    /// The declaration or use under byte `offset` of `file` (a name's span
    /// holds its first byte to its last; the byte after it is outside).
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<SymbolRef> {
        let after = self
            .places
            .partition_point(|p| (p.file, p.span.start) <= (file, offset));
        let candidate = self.places.get(after.checked_sub(1)?)?;
        (candidate.file == file && offset < candidate.span.end).then_some(*candidate)
    }

    /// Where `symbol` is declared (`None` for built-ins).
    pub fn definition(&self, symbol: SymbolId) -> Option<(FileId, Span)> {
        self.symbol(symbol)?.declared_at
    }

    /// Every use of `symbol`, in file and span order, with its declaration
    /// in its place in that order when asked for.
    pub fn references(&self, symbol: SymbolId, include_declaration: bool) -> Vec<SymbolRef> {
        let mut out: Vec<SymbolRef> = self
            .uses_of(symbol)
            .map(|r| SymbolRef {
                file: r.file,
                span: r.span,
                symbol,
                declaration: false,
            })
            .collect();
        if include_declaration {
            if let Some((file, span)) = self.definition(symbol) {
                out.push(SymbolRef {
                    file,
                    span,
                    symbol,
                    declaration: true,
                });
                out.sort();
            }
        }
        out
    }

    fn uses_of(&self, symbol: SymbolId) -> impl Iterator<Item = &Reference> {
        let start = self.by_symbol_start.get(symbol.index()).copied();
        let end = self.by_symbol_start.get(symbol.index() + 1).copied();
        let group = match (start, end) {
            (Some(start), Some(end)) => self
                .by_symbol
                .get(start as usize..end as usize)
                .unwrap_or_default(),
            _ => &[],
        };
        group
            .iter()
            .filter_map(|&i| self.references.get(i as usize))
    }

    /// The edits that rename `symbol` to `new_name`: its declaration and
    /// every use, in file and span order.
    pub fn rename(&self, symbol: SymbolId, new_name: &str) -> Result<Vec<Edit>, RenameError> {
        let target = self.symbol(symbol).ok_or(RenameError::NoSuchSymbol)?;
        let Some((file, _)) = target.declared_at else {
            return Err(RenameError::BuiltIn {
                noun: target.kind.noun(),
                name: target.name.clone(),
            });
        };
        if target.kind == SymbolKind::File {
            return Err(RenameError::File);
        }
        if target.kind == SymbolKind::Script && self.is_script_file(file) {
            return Err(RenameError::InScriptFile {
                name: target.name.clone(),
            });
        }
        if !is_name(new_name) {
            return Err(RenameError::NotAName(new_name.to_string()));
        }
        if is_keyword(new_name) {
            return Err(RenameError::Keyword(new_name.to_string()));
        }
        if let Some(existing) = self.find(target.kind, target.parent, new_name) {
            if existing != symbol {
                return Err(RenameError::Clash {
                    noun: target.kind.noun(),
                    name: new_name.to_string(),
                    existing,
                });
            }
        }
        Ok(self
            .references(symbol, true)
            .into_iter()
            .map(|r| Edit {
                file: r.file,
                span: r.span,
                text: new_name.to_string(),
            })
            .collect())
    }

    /// Whether `file` is an imported `.rhai` file.
    fn is_script_file(&self, file: FileId) -> bool {
        self.files
            .get(file)
            .and_then(|s| self.symbol(*s))
            .is_some_and(|s| s.name.ends_with(".rhai"))
    }

    /// What an editor shows over `symbol`: kind and name, what is useful
    /// to know about it, and where it is declared. Plain text, one fact a line.
    pub fn hover(&self, symbol: SymbolId) -> String {
        let Some(target) = self.symbol(symbol) else {
            return String::new();
        };
        let mut lines = vec![format!("{} `{}`", target.kind.noun(), target.name)];
        match &target.detail {
            Detail::None => {}
            Detail::Stage { position } => {
                let names: Vec<&str> = self
                    .funnel
                    .iter()
                    .filter_map(|s| self.symbol(*s).map(|s| s.name.as_str()))
                    .collect();
                lines.push(format!(
                    "stage {} of {} in the funnel: {}",
                    position + 1,
                    names.len(),
                    names.join(" → ")
                ));
            }
            Detail::Field { ty } => lines.push(format!("type: {ty}")),
            Detail::Pattern { text } => lines.push(format!("pattern: \"{text}\"")),
            Detail::EventType { properties } => {
                if properties.is_empty() {
                    lines.push("no properties".into());
                } else {
                    let list: Vec<String> = properties
                        .iter()
                        .map(|(n, ty)| format!("{n}: {ty}"))
                        .collect();
                    lines.push(format!("properties: {}", list.join(", ")));
                }
            }
            Detail::Property { ty } => {
                let event = target
                    .parent
                    .and_then(|p| self.symbol(p))
                    .map_or("", |p| p.name.as_str());
                lines.push(format!("type: {ty}"));
                lines.push(format!("of event type `{event}`"));
            }
            Detail::Segment { condition } => lines.push(format!("condition: {condition}")),
            Detail::Script { result } => lines.push(match result {
                Some(ty) => format!("result: {ty}"),
                None => "result: not declared (known when it runs)".into(),
            }),
            Detail::Rule { trigger } => lines.push(format!("trigger: {trigger}")),
        }
        match self.declared_text.get(symbol.index()).cloned().flatten() {
            Some(place) => lines.push(format!("declared at {place}")),
            None => lines.push("built in".into()),
        }
        lines.join("\n")
    }
}

/// What a `Recorder` entry refers to, in the checker's own ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A name of a namespace: its kind and the namespace's id.
    Named(SymbolKind, usize),
    /// Property `property` of event type `event`.
    Property { event: usize, property: usize },
    /// The rule at this index of `Program::rules`.
    ProgramRule(usize),
}

/// Declarations and uses found where no namespace resolves the name:
/// event properties and the names of `test` blocks.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// `(event type, property, file, span)` of each declared property.
    property_declarations: Vec<(usize, usize, FileId, Span)>,
    uses: Vec<(Target, FileId, Span)>,
}

impl Recorder {
    pub fn declare_property(&mut self, event: usize, property: usize, file: FileId, span: Span) {
        self.property_declarations
            .push((event, property, file, span));
    }

    pub fn property_use(&mut self, event: usize, property: usize, file: FileId, span: Span) {
        self.uses
            .push((Target::Property { event, property }, file, span));
    }

    pub fn record(&mut self, target: Target, file: FileId, span: Span) {
        self.uses.push((target, file, span));
    }
}

/// A table being assembled: everything but the uses found after the
/// checker is gone (those of `test` blocks).
#[derive(Debug)]
pub struct Builder {
    table: SymbolTable,
    named: HashMap<(SymbolKind, usize), SymbolId>,
    properties: HashMap<(usize, usize), SymbolId>,
    /// The rule symbol of each `Program::rules` index.
    program_rules: Vec<Option<SymbolId>>,
    uses: Vec<Reference>,
}

impl Builder {
    /// Takes every declaration and use the checker recorded; `program` is
    /// what it built, also when there were errors.
    pub(super) fn new(checker: &Checker<'_>, program: &Program, files: &[LoadedFile]) -> Self {
        let sources = checker.sources;
        let mut builder = Builder {
            table: SymbolTable::default(),
            named: HashMap::new(),
            properties: HashMap::new(),
            program_rules: Vec::new(),
            uses: Vec::new(),
        };
        let ast_details = AstDetails::collect(files, sources, program);
        builder.files(sources);
        for (kind, namespace) in checker.names.by_kind() {
            builder.namespace(kind, namespace, program, &ast_details, sources);
            if kind == SymbolKind::EventType {
                builder.event_properties(program, &checker.symbols, sources);
            }
        }
        builder.program_rules = program
            .rules
            .iter()
            .map(|rule| builder.table.find(SymbolKind::Rule, None, &rule.name))
            .collect();
        builder.imports(files, sources);
        builder.resolve(&checker.symbols);
        builder
    }

    fn push(&mut self, symbol: Symbol, sources: &SourceMap) -> SymbolId {
        let id = SymbolId(u32::try_from(self.table.symbols.len()).unwrap_or(u32::MAX));
        let text = symbol.declared_at.and_then(|(file, span)| {
            let source = sources.get(file)?;
            let at = source.position(span.start);
            Some(format!("{}:{}:{}", source.name, at.line, at.column))
        });
        self.table.declared_text.push(text);
        self.table
            .by_name
            .entry((symbol.kind, symbol.parent, symbol.name.clone()))
            .or_insert(id);
        self.table.symbols.push(symbol);
        id
    }

    fn files(&mut self, sources: &SourceMap) {
        for (file, source) in sources.iter() {
            let symbol = Symbol {
                kind: SymbolKind::File,
                name: source.name.clone(),
                declared_at: Some((file, Span::default())),
                id: u32::try_from(file).ok(),
                parent: None,
                detail: Detail::None,
            };
            let id = self.push(symbol, sources);
            self.table.files.push(id);
        }
    }

    fn namespace(
        &mut self,
        kind: SymbolKind,
        namespace: &Table,
        program: &Program,
        ast_details: &AstDetails<'_>,
        sources: &SourceMap,
    ) {
        let entries = namespace.names.iter().zip(&namespace.sites).enumerate();
        for (index, (name, &(file, span))) in entries {
            let builtin = file == usize::MAX;
            if builtin && name.starts_with('\u{0}') {
                continue; // the placeholder of a duplicate segment
            }
            let declared_at = (!builtin).then_some((file, span));
            let detail = detail(kind, index, name, declared_at, program, ast_details);
            let id = match kind {
                SymbolKind::Rule => ast_details.program_rules.get(name.as_str()).copied(),
                _ => Some(index),
            };
            let symbol = Symbol {
                kind,
                name: name.clone(),
                declared_at,
                id: id.and_then(|i| u32::try_from(i).ok()),
                parent: None,
                detail,
            };
            let id = self.push(symbol, sources);
            self.named.insert((kind, index), id);
            if kind == SymbolKind::Stage {
                self.table.funnel.push(id);
            }
        }
        for &(index, file, span) in &namespace.uses {
            if let Some(&symbol) = self.named.get(&(kind, index)) {
                self.uses.push(Reference { file, span, symbol });
            }
        }
    }

    fn event_properties(&mut self, program: &Program, recorder: &Recorder, sources: &SourceMap) {
        let declared: HashMap<(usize, usize), (FileId, Span)> = recorder
            .property_declarations
            .iter()
            .map(|&(event, property, file, span)| ((event, property), (file, span)))
            .collect();
        for (event, def) in program.event_types.iter().enumerate() {
            let Some(&parent) = self.named.get(&(SymbolKind::EventType, event)) else {
                continue;
            };
            for (property, (name, ty)) in def.properties.iter().enumerate() {
                let symbol = Symbol {
                    kind: SymbolKind::Property,
                    name: name.clone(),
                    declared_at: declared.get(&(event, property)).copied(),
                    id: u32::try_from(property).ok(),
                    parent: Some(parent),
                    detail: Detail::Property { ty: *ty },
                };
                let id = self.push(symbol, sources);
                self.properties.insert((event, property), id);
            }
        }
    }

    /// `import "x.nurture"` is a use of the file it names.
    fn imports(&mut self, files: &[LoadedFile], sources: &SourceMap) {
        let mut by_name: HashMap<&str, FileId> = HashMap::new();
        for (file, source) in sources.iter() {
            // The first file of a name wins.
            by_name.entry(source.name.as_str()).or_insert(file);
        }
        for loaded in files {
            let Some(from) = sources.get(loaded.file) else {
                continue;
            };
            let base = Path::new(&from.name).parent().unwrap_or(Path::new(""));
            for item in &loaded.ast.items {
                let ItemKind::Import(target) = &item.kind else {
                    continue;
                };
                let display = super::loader::normalize_display(&base.join(&target.value));
                let symbol = by_name
                    .get(display.as_str())
                    .and_then(|file| self.table.files.get(*file).copied());
                if let Some(symbol) = symbol {
                    self.uses.push(Reference {
                        file: loaded.file,
                        span: *target.span,
                        symbol,
                    });
                }
            }
        }
    }

    /// Turns the recorder's uses into references.
    fn resolve(&mut self, recorder: &Recorder) {
        for &(target, file, span) in &recorder.uses {
            let symbol = match target {
                Target::Named(kind, index) => self.named.get(&(kind, index)).copied(),
                Target::Property { event, property } => {
                    self.properties.get(&(event, property)).copied()
                }
                Target::ProgramRule(index) => self.program_rules.get(index).copied().flatten(),
            };
            if let Some(symbol) = symbol {
                self.uses.push(Reference { file, span, symbol });
            }
        }
    }

    /// The table, with the uses `recorder` found after checking (those of
    /// the `test` blocks).
    pub fn finish(mut self, recorder: &Recorder) -> SymbolTable {
        self.resolve(recorder);
        let mut table = self.table;
        let mut references = self.uses;
        references.sort();
        references.dedup();
        let mut places: Vec<SymbolRef> = references
            .iter()
            .map(|r| SymbolRef {
                file: r.file,
                span: r.span,
                symbol: r.symbol,
                declaration: false,
            })
            .collect();
        for (index, symbol) in table.symbols.iter().enumerate() {
            if let (Some((file, span)), false) =
                (symbol.declared_at, symbol.kind == SymbolKind::File)
            {
                places.push(SymbolRef {
                    file,
                    span,
                    symbol: SymbolId(u32::try_from(index).unwrap_or(u32::MAX)),
                    declaration: true,
                });
            }
        }
        places.sort();
        places.dedup();
        let mut by_symbol: Vec<u32> = (0..references.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        // Stable: each symbol's uses stay in file and span order.
        by_symbol.sort_by_key(|&i| references.get(i as usize).map(|r| r.symbol));
        let mut starts = Vec::with_capacity(table.symbols.len() + 1);
        let mut at = 0usize;
        for symbol in 0..table.symbols.len() {
            starts.push(u32::try_from(at).unwrap_or(u32::MAX));
            while by_symbol
                .get(at)
                .and_then(|&i| references.get(i as usize))
                .is_some_and(|r| r.symbol.index() == symbol)
            {
                at += 1;
            }
        }
        starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        table.references = references;
        table.places = places;
        table.by_symbol = by_symbol;
        table.by_symbol_start = starts;
        table
    }
}

/// What hover shows that only the syntax tree knows: the source text of
/// segment conditions and rule triggers.
struct AstDetails<'a> {
    /// By segment declaration order (the segment namespace's ids).
    segments: Vec<String>,
    /// By the place of the rule's name.
    rules: HashMap<(FileId, Span), String>,
    /// The index in `Program::rules` of the first rule of each name.
    program_rules: HashMap<&'a str, usize>,
}

impl<'a> AstDetails<'a> {
    fn collect(files: &[LoadedFile], sources: &SourceMap, program: &'a Program) -> Self {
        let mut details = AstDetails {
            segments: Vec::new(),
            rules: HashMap::new(),
            program_rules: HashMap::new(),
        };
        for (index, rule) in program.rules.iter().enumerate() {
            details
                .program_rules
                .entry(rule.name.as_str())
                .or_insert(index);
        }
        for loaded in files {
            let text = |span: Span| {
                sources
                    .get(loaded.file)
                    .map(|s| squash(s.slice(span)))
                    .unwrap_or_default()
            };
            for item in &loaded.ast.items {
                match &item.kind {
                    ItemKind::Segment(segment) => {
                        details.segments.push(text(*segment.condition.span));
                    }
                    ItemKind::Rule(rule) => {
                        if let Some(name) = &rule.name {
                            let span = match &rule.trigger {
                                ast::Trigger::Condition { condition, .. } => condition.span,
                                ast::Trigger::Event(matcher) => matcher.span,
                            };
                            details.rules.insert((loaded.file, *name.span), text(*span));
                        }
                    }
                    _ => {}
                }
            }
        }
        details
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn detail(
    kind: SymbolKind,
    index: usize,
    name: &str,
    declared_at: Option<(FileId, Span)>,
    program: &Program,
    ast_details: &AstDetails<'_>,
) -> Detail {
    let found = match kind {
        SymbolKind::Stage => u32::try_from(index)
            .ok()
            .map(|position| Detail::Stage { position }),
        SymbolKind::Field => program
            .fields
            .get(crate::ir::FieldId::new(index))
            .map(|f| Detail::Field { ty: f.ty }),
        SymbolKind::Page => program.pages.get(index).map(|p| Detail::Pattern {
            text: p.pattern.text.clone(),
        }),
        SymbolKind::Asset => program.assets.get(index).map(|a| Detail::Pattern {
            text: a.pattern.text.clone(),
        }),
        SymbolKind::EventType => program
            .event_types
            .get(crate::ir::EventTypeId::new(index))
            .map(|e| Detail::EventType {
                properties: e.properties.iter().cloned().collect(),
            }),
        SymbolKind::Segment => ast_details
            .segments
            .get(index)
            .map(|condition| Detail::Segment {
                condition: condition.clone(),
            }),
        SymbolKind::Script => program
            .scripts
            .get(crate::ir::ScriptId::new(index))
            .filter(|s| s.name == name)
            .map(|s| Detail::Script { result: s.result }),
        SymbolKind::Rule => declared_at
            .and_then(|place| ast_details.rules.get(&place))
            .map(|trigger| Detail::Rule {
                trigger: trigger.clone(),
            }),
        SymbolKind::File
        | SymbolKind::Email
        | SymbolKind::Sms
        | SymbolKind::Form
        | SymbolKind::List
        | SymbolKind::Property => None,
    };
    found.unwrap_or(Detail::None)
}
