//! Lowering: pest pairs to the AST. Each function takes the pair of one
//! grammar rule and returns the AST node for it, with the pair's span.

mod conditions;
mod items;
mod pairs;
mod primitives;
mod steps;
mod test_items;

use super::ast::{Item, Span};
use super::error::{codes, SyntaxError};
use super::grammar::Rule;
use super::limits::MAX_TREE_DEPTH;
use pairs::P;

/// Lowers every item of a `file` pair. Items are independent, so one bad
/// item does not hide the errors of the others.
pub(crate) fn file(pair: P) -> (Vec<Item>, Vec<SyntaxError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for item in pair.into_inner().filter(|p| p.as_rule() != Rule::EOI) {
        match items::item(&item) {
            Ok(lowered) => items.push(lowered),
            Err(error) => errors.push(error),
        }
    }
    (items, errors)
}

pub(crate) fn too_deep(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::TOO_DEEP,
        format!("conditions and steps are nested more than {MAX_TREE_DEPTH} deep here"),
        span,
    )
    .with_help("split the logic into segments or separate rules")
}
