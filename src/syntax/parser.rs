//! The entry point: source text to AST.

use super::ast::File;
use super::error::SyntaxError;
use super::grammar::{NurtureGrammar, Rule};
use super::limits::install_call_limit;
use super::{lower, messages, prescan};
use pest::Parser;

/// Parses one `.nurture` file.
///
/// Returns the AST, or the errors found: at most one from the grammar (pest
/// stops at the first), or one per item from the checks made while building
/// the AST. Every input returns promptly: size, nesting and pest's work are
/// all bounded.
pub fn parse(source: &str) -> Result<File, Vec<SyntaxError>> {
    install_call_limit();
    let comments = prescan::prescan(source).map_err(|e| vec![e])?;
    let mut pairs = NurtureGrammar::parse(Rule::file, source)
        .map_err(|e| vec![messages::from_pest(&e, source)])?;
    let file = pairs
        .next()
        .ok_or_else(|| vec![messages::internal(source)])?;
    let (items, errors) = lower::file(file);
    if errors.is_empty() {
        Ok(File { items, comments })
    } else {
        Err(errors)
    }
}
