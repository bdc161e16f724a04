//! The entry point: source text to AST.

use super::ast::File;
use super::error::SyntaxError;
use super::grammar::{NurtureGrammar, Rule};
use super::limits::{install_call_limit, PARSER_STACK_BYTES};
use super::{lower, messages, prescan};
use pest::Parser;

/// Parses one `.nurture` file.
///
/// Returns the AST, or the errors found: at most one from the grammar (pest
/// stops at the first), or one per item from the checks made while building
/// the AST. Every input returns promptly: size, nesting and pest's work are
/// all bounded.
///
/// Parsing recurses once per level of nesting, and the nesting the limits
/// allow needs more stack than a default thread has (2 MiB for spawned
/// threads, less in debug builds). So the work runs on a thread of its own
/// with a known, large stack; only if that thread cannot be started does it
/// run on the caller's.
pub fn parse(source: &str) -> Result<File, Vec<SyntaxError>> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("nurture-parse".to_string())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_on_this_thread(source));
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(vec![messages::internal(source)])),
            Err(_) => parse_on_this_thread(source),
        }
    })
}

fn parse_on_this_thread(source: &str) -> Result<File, Vec<SyntaxError>> {
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
