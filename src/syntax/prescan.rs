//! Checks run over the raw text before pest sees it.
//!
//! pest recurses once per nesting level and backtracks freely, so input that
//! is hostile (a megabyte of `(`, a hundred thousand `not`s) must be refused
//! before it reaches pest. The same pass collects the comments, which the
//! grammar discards, and reports unclosed strings with a better message than
//! pest could give.

use super::ast::{Comment, Span};
use super::error::{codes, SyntaxError};
use super::lexer::{LexemeKind, Lexer};
use super::limits::{MAX_INPUT_BYTES, MAX_NESTING};

/// Returns the file's comments, or the first reason not to parse it.
pub(crate) fn prescan(source: &str) -> Result<Vec<Comment>, SyntaxError> {
    check_size(source)?;
    let mut comments = Vec::new();
    let mut brackets = 0usize;
    let mut consecutive_nots = 0usize;
    for lexeme in Lexer::new(source, 0) {
        let text = lexeme.text(source);
        match lexeme.kind {
            LexemeKind::Comment => comments.push(Comment {
                text: text.get(1..).unwrap_or("").to_string(),
                span: lexeme.span.into(),
            }),
            LexemeKind::Str { closed: false } => return Err(unclosed_string(lexeme.span)),
            LexemeKind::Symbol => match text {
                "(" | "[" => {
                    brackets += 1;
                    if brackets > MAX_NESTING {
                        return Err(brackets_too_deep(lexeme.span));
                    }
                }
                ")" | "]" => brackets = brackets.saturating_sub(1),
                _ => {}
            },
            LexemeKind::Word if text == "not" => {
                consecutive_nots += 1;
                if consecutive_nots > MAX_NESTING {
                    return Err(nots_too_deep(lexeme.span));
                }
            }
            _ => {}
        }
        if lexeme.kind != LexemeKind::Space && text != "not" {
            consecutive_nots = 0;
        }
    }
    Ok(comments)
}

fn check_size(source: &str) -> Result<(), SyntaxError> {
    if source.len() <= MAX_INPUT_BYTES {
        return Ok(());
    }
    Err(SyntaxError::new(
        codes::TOO_LARGE,
        format!(
            "this file is {} bytes long; the limit is {} MiB",
            source.len(),
            MAX_INPUT_BYTES / (1024 * 1024)
        ),
        Span::new(limit_boundary(source), source.len()),
    )
    .with_help("split the campaign into several files and `import` the shared declarations"))
}

/// The last char boundary within the size limit, where the excess begins.
fn limit_boundary(source: &str) -> usize {
    (0..=MAX_INPUT_BYTES)
        .rev()
        .find(|&i| source.is_char_boundary(i))
        .unwrap_or(0)
}

fn unclosed_string(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::UNCLOSED_STRING,
        "this string has no closing `\"`",
        span,
    )
    .with_help("a string ends on the line where it starts: add a `\"` at its end")
}

fn brackets_too_deep(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::TOO_DEEP,
        format!("brackets are nested more than {MAX_NESTING} deep here"),
        span,
    )
    .with_help("split the condition into segments and use `in segment NAME`")
}

fn nots_too_deep(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::TOO_DEEP,
        format!("more than {MAX_NESTING} `not`s in a row"),
        span,
    )
    .with_help("two `not`s cancel out: remove them in pairs")
}
