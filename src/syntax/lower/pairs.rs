//! Small helpers for reading pest pairs by rule rather than by position.
//!
//! Keywords are pairs too, so children are looked up by their rule; a child
//! the grammar guarantees but that is missing is an internal error, reported
//! as a syntax error rather than a panic.

use crate::syntax::ast::Span;
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;
use crate::syntax::lexer::{LexemeKind, Lexer};
use pest::iterators::Pair;
use std::cell::Cell;

pub(crate) type P<'i> = Pair<'i, Rule>;
pub(crate) type Lowered<T> = Result<T, SyntaxError>;

thread_local! {
    /// Where in the file the text pest was given starts. Error recovery
    /// parses one item at a time from the middle of the file (pest cannot
    /// start a parse at an offset), and pest's positions are relative to
    /// the text it was given; every span is made here, so adding the offset
    /// here makes all of them positions in the file.
    static BASE: Cell<usize> = const { Cell::new(0) };
}

/// Runs `lower` with spans made relative to `base`: for pairs parsed from
/// the text of the file that starts at byte `base`.
pub(crate) fn with_base<T>(base: usize, lower: impl FnOnce() -> T) -> T {
    let before = BASE.with(|cell| cell.replace(base));
    let result = lower();
    BASE.with(|cell| cell.set(before));
    result
}

/// The pair's span without trailing spaces and comments. pest skips the
/// spaces before an optional part even when the part is absent, so a rule
/// ending in one would otherwise end in whitespace.
pub(crate) fn span_of(pair: &P) -> Span {
    let span = pair.as_span();
    let source = span.get_input();
    let base = BASE.with(Cell::get);
    Span::new(
        base + span.start(),
        base + trim_trivia_end(source, span.start(), span.end()),
    )
}

pub(crate) fn trim_trivia_end(source: &str, start: usize, mut end: usize) -> usize {
    let bytes = source.as_bytes();
    loop {
        let before = end;
        while end > start
            && bytes
                .get(end.wrapping_sub(1))
                .is_some_and(u8::is_ascii_whitespace)
        {
            end -= 1;
        }
        // Only a span that ran past a line break, or to the end of the
        // input, can end in a comment.
        let may_end_in_comment = bytes
            .get(end..before)
            .is_some_and(|trimmed| trimmed.contains(&b'\n'))
            || before == source.len();
        if !may_end_in_comment {
            return end;
        }
        // A comment can only end the span on its last line; strings never
        // span lines, so lexing from the start of that line is safe.
        let line_start = source
            .get(start..end)
            .and_then(|span| span.rfind('\n'))
            .map_or(start, |i| start + i + 1);
        let Some(before_end) = source.get(..end) else {
            return end;
        };
        let comment = Lexer::new(before_end, line_start).find(|l| l.kind == LexemeKind::Comment);
        match comment {
            Some(comment) if comment.span.start >= start => end = comment.span.start,
            _ => return end,
        }
    }
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
