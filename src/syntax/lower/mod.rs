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
pub(crate) use pairs::trim_trivia_end;
use pairs::P;

/// Lowers every item of a `file` pair. Items are independent, so one bad
/// item does not hide the errors of the others; it becomes an error node.
pub(crate) fn file(pair: P) -> (Vec<Item>, Vec<SyntaxError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for item in pair.into_inner().filter(|p| p.as_rule() != Rule::EOI) {
        lower_item(&item, &mut items, &mut errors);
    }
    (items, errors)
}

/// Lowers one item pair parsed from the text of the file starting at byte
/// `base` (error recovery parses item by item).
pub(crate) fn item_at(pair: &P, base: usize, items: &mut Vec<Item>, errors: &mut Vec<SyntaxError>) {
    pairs::with_base(base, || lower_item(pair, items, errors));
}

fn lower_item(pair: &P, items: &mut Vec<Item>, errors: &mut Vec<SyntaxError>) {
    match items::item(pair) {
        Ok(lowered) => items.push(lowered),
        Err(error) => {
            let span = pairs::span_of(pair);
            // The whole file, for reading the names the item declares.
            let file = pair.as_span().get_input();
            let base = span.start - pair.as_span().start();
            items.push(super::recover::broken_item(file, base, span));
            errors.push(error);
        }
    }
}

pub(crate) fn too_deep(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::TOO_DEEP,
        format!("conditions and steps are nested more than {MAX_TREE_DEPTH} deep here"),
        span,
    )
    .with_help("split the logic into segments or separate rules")
}
