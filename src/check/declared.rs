//! The declarations of a checked program, with whether anything used each
//! one: what the checker learns and the lints (`unused-declaration`,
//! `unreachable-stage`, …) read. Defined here, by the layer that produces
//! them, so `check` needs nothing from `lint`.

use crate::base::span::Span;
use crate::diagnostics::FileId;

/// A declaration's kind is a symbol's kind: `unused-declaration` and
/// friends look at stages, fields, content, lists and segments.
pub use super::symbols::SymbolKind;

/// One declared name, where it is declared and whether anything uses it.
#[derive(Debug, Clone)]
pub struct Declared {
    pub kind: SymbolKind,
    pub noun: &'static str,
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub used: bool,
}
