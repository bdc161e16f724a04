//! The declarations of a checked program, with whether anything used each
//! one: what the checker learns and the lints (`unused-declaration`,
//! `unreachable-stage`, …) read. Defined here, by the layer that produces
//! them, so `check` needs nothing from `lint`.

use crate::base::span::Span;
use crate::diagnostics::FileId;

/// The kinds of declaration `unused-declaration` and friends look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Stage,
    Field,
    Email,
    Sms,
    Page,
    Form,
    Asset,
    List,
    Segment,
}

/// One declared name, where it is declared and whether anything uses it.
#[derive(Debug, Clone)]
pub struct Declared {
    pub kind: DeclKind,
    pub noun: &'static str,
    pub name: String,
    pub file: FileId,
    pub span: Span,
    pub used: bool,
}
