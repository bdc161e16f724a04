//! Small helpers for reading pest pairs by rule rather than by position.
//!
//! Keywords are pairs too, so children are looked up by their rule; a child
//! the grammar guarantees but that is missing is an internal error, reported
//! as a syntax error rather than a panic.

use crate::syntax::ast::Span;
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;
use pest::iterators::Pair;

pub(crate) type P<'i> = Pair<'i, Rule>;
pub(crate) type Lowered<T> = Result<T, SyntaxError>;

pub(crate) fn span_of(pair: &P) -> Span {
    let span = pair.as_span();
    Span::new(span.start(), span.end())
}

pub(crate) fn opt_child<'i>(pair: &P<'i>, rule: Rule) -> Option<P<'i>> {
    pair.clone()
        .into_inner()
        .find(|child| child.as_rule() == rule)
}

pub(crate) fn child<'i>(pair: &P<'i>, rule: Rule) -> Lowered<P<'i>> {
    opt_child(pair, rule).ok_or_else(|| not_understood(pair))
}

pub(crate) fn has_child(pair: &P, rule: Rule) -> bool {
    opt_child(pair, rule).is_some()
}

pub(crate) fn children<'i>(pair: &P<'i>, rule: Rule) -> impl Iterator<Item = P<'i>> {
    pair.clone()
        .into_inner()
        .filter(move |child| child.as_rule() == rule)
}

pub(crate) fn first_child<'i>(pair: &P<'i>) -> Lowered<P<'i>> {
    pair.clone()
        .into_inner()
        .next()
        .ok_or_else(|| not_understood(pair))
}

/// The grammar produced a shape the AST walk does not know. It cannot happen
/// while the walk and the grammar agree; if it does, the user gets an error
/// at the right place instead of a crash.
pub(crate) fn not_understood(pair: &P) -> SyntaxError {
    SyntaxError::new(
        codes::UNEXPECTED,
        "Nurture could not read this part of the file (an internal error)",
        span_of(pair),
    )
    .with_help("please report this with the file that caused it")
}
