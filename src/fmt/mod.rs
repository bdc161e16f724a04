//! `nurture fmt`: one canonical layout for `.nurture` files.
//!
//! [`format`] parses the file, prints the AST in the canonical layout (see
//! the "Formatting" section of docs/language.md), puts every comment back
//! beside the node it was written next to, and then checks its own work: the
//! output must parse to the same AST (spans ignored) and keep every comment.
//! If it does not, it refuses with [`FormatError::Unsafe`] rather than
//! return text that means something else.

mod comments;
mod printer;

#[cfg(test)]
mod tests;

use crate::syntax::{self, SyntaxError};
use std::fmt;

/// Why a file was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not parse; nothing can be formatted.
    Syntax(Vec<SyntaxError>),
    /// The formatter's output would not mean the same as the input. This is
    /// a bug in the formatter; the file is left alone.
    Unsafe(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(errors) => match errors.first() {
                Some(e) => write!(f, "the file does not parse: {}", e.message),
                None => f.write_str("the file does not parse"),
            },
            FormatError::Unsafe(why) => write!(
                f,
                "refusing to format: {why}; the file was left unchanged (please report this)"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// The canonical form of `source`.
pub fn format(source: &str) -> Result<String, FormatError> {
    let file = syntax::parse(source).map_err(FormatError::Syntax)?;
    let out = printer::print(&file, source);
    let formatted = comments::assemble(out, &file.comments, source);
    verify(&file, &formatted)?;
    Ok(formatted)
}

/// Re-parses the output and compares it with the original.
fn verify(original: &syntax::ast::File, formatted: &str) -> Result<(), FormatError> {
    let reparsed = syntax::parse(formatted).map_err(|errors| {
        let first = errors.first().map_or("", |e| e.message.as_str());
        FormatError::Unsafe(format!("the formatted text does not parse ({first})"))
    })?;
    if !original.same_items(&reparsed) {
        return Err(FormatError::Unsafe(
            "the formatted text parses to a different program".to_string(),
        ));
    }
    let texts = |file: &syntax::ast::File| {
        let mut t: Vec<String> = file
            .comments
            .iter()
            .map(|c| c.text.trim_end().to_string())
            .collect();
        t.sort();
        t
    };
    if texts(original) != texts(&reparsed) {
        return Err(FormatError::Unsafe(format!(
            "the formatted text has {} comments where the file has {}",
            reparsed.comments.len(),
            original.comments.len()
        )));
    }
    Ok(())
}
