//! One table of declared names of one kind (stages, e-mails, fields, …),
//! with duplicate and undefined-name reporting. Every declaration site
//! and every resolved use is recorded here, so the symbol table
//! (`check::symbols`) gets them without each resolution site saying so.

use crate::diagnostics::{Code, Diagnostic, FileId, Suggestion};
use crate::ir::Id;
use crate::syntax::ast::{Ident, Span};
use std::collections::HashMap;
use std::marker::PhantomData;

/// The names of one kind, resolving to ids of the program table they
/// index: `Namespace<StageId>` gives `StageId`s, so a stage name cannot
/// resolve to a field. Kinds the program keeps no id type for (pages,
/// forms, assets) use bare positions. What all kinds share — the names,
/// where each is declared and used — is the untyped [`Table`] it derefs
/// to, so that every namespace can be walked as one list.
#[derive(Debug)]
pub struct Namespace<I: Id = usize> {
    table: Table,
    id: PhantomData<fn() -> I>,
}

/// The declarations and uses of one namespace, by position.
#[derive(Debug)]
pub struct Table {
    /// How users call these things: "stage", "e-mail", "field".
    pub noun: &'static str,
    /// The code for a use of an undeclared name.
    undefined_code: Code,
    /// What to suggest when nothing is close: "declare it with `email NAME`".
    declare_hint: &'static str,
    /// The help for a name that is a word of the language with a meaning
    /// of its own (`today`, `tags` for fields): declaring it would turn the
    /// error into a rule that quietly tests something else.
    word_hint: fn(&str) -> Option<String>,
    pub names: Vec<String>,
    index: HashMap<String, usize>,
    pub sites: Vec<(FileId, Span)>,
    pub used: Vec<bool>,
    /// Names declared by items that could not be parsed: a use of one is
    /// not reported as undeclared (the error is the item's syntax error).
    broken: std::collections::HashSet<String>,
    /// An item whose declarations are unknown could not be parsed: no use
    /// is reported as undeclared.
    hidden: bool,
    /// Every resolved use: the name's id and where it was written.
    pub uses: Vec<(usize, FileId, Span)>,
}

impl Table {
    fn new(noun: &'static str, undefined_code: Code, declare_hint: &'static str) -> Self {
        Table {
            noun,
            undefined_code,
            declare_hint,
            word_hint: |_| None,
            names: Vec::new(),
            index: HashMap::new(),
            sites: Vec::new(),
            used: Vec::new(),
            broken: std::collections::HashSet::new(),
            hidden: false,
            uses: Vec::new(),
        }
    }

    /// Records a name that an item which could not be parsed declares.
    pub fn declare_broken(&mut self, name: &str) {
        self.broken.insert(name.to_string());
    }

    /// Records that an item whose declarations are unknown could not be parsed.
    pub fn hide_undeclared(&mut self) {
        self.hidden = true;
    }

    /// Whether a use of an undeclared `name` goes unreported, because an
    /// item that could not be parsed may declare it.
    pub fn excuses(&self, name: &str) -> bool {
        self.hidden || self.broken.contains(name)
    }

    /// Adds a name without a source site (built-ins).
    fn declare_builtin(&mut self, name: &str) -> usize {
        let id = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        self.sites.push((usize::MAX, Span::default()));
        self.used.push(true);
        id
    }

    /// Declares a name; a second declaration of the same name is reported
    /// and the first one is kept. Whether the name is new, for kinds
    /// declared alike (`email`, `page`, `list` …) through
    /// `Names::content`; their typed ids come from [`Namespace::declare`].
    pub fn declare_name(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        self.declare(ident, file, diagnostics).is_some()
    }

    fn declare(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        if let Some(&existing) = self.index.get(&ident.name) {
            let (first_file, first_span) = self
                .sites
                .get(existing)
                .copied()
                .unwrap_or((usize::MAX, *ident.span));
            let mut diagnostic = Diagnostic::new(
                crate::diagnostics::codes::DUPLICATE,
                file,
                *ident.span,
                format!("{} `{}` is declared more than once", self.noun, ident.name),
            )
            .with_help("remove one of the declarations or rename one");
            if first_file != usize::MAX {
                diagnostic = diagnostic.with_label(first_file, first_span, "first declared here");
            } else {
                diagnostic = diagnostic
                    .with_help(format!("`{}` is built in; choose another name", ident.name));
            }
            diagnostics.push(diagnostic);
            return None;
        }
        let id = self.names.len();
        self.names.push(ident.name.clone());
        self.index.insert(ident.name.clone(), id);
        self.sites.push((file, *ident.span));
        self.used.push(false);
        Some(id)
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn resolve(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        if let Some(id) = self.lookup(&ident.name) {
            self.record_use(id, ident, file);
            return Some(id);
        }
        if !self.excuses(&ident.name) {
            diagnostics.push(self.undefined(ident, file));
        }
        None
    }

    /// Resolves a name written as a string (`where form = "demo"`, span
    /// and all quotes): a use when declared, else the undeclared-name
    /// error, whose did-you-mean keeps the quotes. Whether the text may
    /// stand (declared, or excused by an item that did not parse).
    pub fn resolve_quoted(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        if let Some(id) = self.lookup(&ident.name) {
            self.record_use(id, ident, file);
            return true;
        }
        if self.excuses(&ident.name) {
            return true;
        }
        let mut diagnostic = self.undefined(ident, file);
        for suggestion in &mut diagnostic.suggestions {
            suggestion.replacement = format!("\"{}\"", suggestion.replacement);
        }
        diagnostics.push(diagnostic);
        false
    }

    /// Marks name `id` used by `ident`.
    pub fn record_use(&mut self, id: usize, ident: &Ident, file: FileId) {
        if let Some(used) = self.used.get_mut(id) {
            *used = true;
            self.uses.push((id, file, *ident.span));
        }
    }

    pub fn undefined(&self, ident: &Ident, file: FileId) -> Diagnostic {
        let diagnostic = Diagnostic::new(
            self.undefined_code,
            file,
            *ident.span,
            format!("{} `{}` is not declared", self.noun, ident.name),
        );
        // A built-in word is explained, never offered as a name to declare.
        if let Some(help) = (self.word_hint)(&ident.name) {
            return diagnostic.with_help(help);
        }
        // A close name is a fix to apply (its message is the help line);
        // else the help says how to declare the name.
        match Suggestion::did_you_mean(
            file,
            *ident.span,
            &ident.name,
            self.names.iter().map(String::as_str),
        ) {
            Some(suggestion) => diagnostic.with_suggestion(suggestion),
            None => diagnostic.with_help(self.declare_hint.replace("NAME", &ident.name)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

impl<I: Id> Namespace<I> {
    pub fn new(noun: &'static str, undefined_code: Code, declare_hint: &'static str) -> Self {
        Namespace {
            table: Table::new(noun, undefined_code, declare_hint),
            id: PhantomData,
        }
    }

    /// Explains the names `hint` knows instead of suggesting to declare them.
    pub fn with_word_hint(mut self, hint: fn(&str) -> Option<String>) -> Self {
        self.table.word_hint = hint;
        self
    }

    /// Adds a name without a source site (built-ins).
    pub fn declare_builtin(&mut self, name: &str) -> I {
        I::new(self.table.declare_builtin(name))
    }

    /// Declares a name; a second declaration of the same name is reported
    /// and the first one is kept.
    pub fn declare(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<I> {
        self.table.declare(ident, file, diagnostics).map(I::new)
    }

    pub fn lookup(&self, name: &str) -> Option<I> {
        self.table.lookup(name).map(I::new)
    }

    /// Resolves a use of a name, marking it used, or reports it undefined
    /// with the closest declared name as a suggestion.
    pub fn resolve(
        &mut self,
        ident: &Ident,
        file: FileId,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<I> {
        self.table.resolve(ident, file, diagnostics).map(I::new)
    }

    /// Marks `id` used by `ident`, for a resolution that decided by other
    /// means than [`Namespace::resolve`] that the name means `id`.
    pub fn record_use(&mut self, id: I, ident: &Ident, file: FileId) {
        self.table.record_use(id.index(), ident, file);
    }
}

impl<I: Id> std::ops::Deref for Namespace<I> {
    type Target = Table;
    fn deref(&self) -> &Table {
        &self.table
    }
}

impl<I: Id> std::ops::DerefMut for Namespace<I> {
    fn deref_mut(&mut self) -> &mut Table {
        &mut self.table
    }
}
