//! The entry point: source text to AST.

use super::ast::File;
use super::error::SyntaxError;
use super::grammar::{NurtureGrammar, Rule};
use super::limits::{install_call_limit, PARSER_STACK_BYTES};
use super::{lower, messages, prescan, recover};
use pest::Parser;

/// A parsed file: always a tree, and the syntax errors found. Each item that
/// could not be read is an error node ([`super::ast::ItemKind::Error`]) in
/// the tree, and every other item is there as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub file: File,
    /// In the order of the items they belong to; empty when the file is
    /// free of syntax errors (and then the tree has no error node).
    pub errors: Vec<SyntaxError>,
}

impl Parsed {
    /// The tree, or the errors when there are any.
    pub fn into_result(self) -> Result<File, Vec<SyntaxError>> {
        if self.errors.is_empty() {
            Ok(self.file)
        } else {
            Err(self.errors)
        }
    }
}

/// Parses one `.nurture` file that must be free of syntax errors: the AST,
/// or every syntax error found (see [`parse_recovering`]).
pub fn parse(source: &str) -> Result<File, Vec<SyntaxError>> {
    parse_recovering(source).into_result()
}

/// Parses one `.nurture` file, recovering from syntax errors item by item:
/// every error is reported and every item without one is in the tree (see
/// `recover.rs`). Only a file refused as a whole (too large, nested too
/// deeply, an unclosed string) has one error and one error node for all of
/// it. Every input returns promptly: size, nesting and pest's work are all
/// bounded, and a file without errors is parsed exactly once.
///
/// Parsing recurses once per level of nesting, and the nesting the limits
/// allow needs more stack than a default thread has (2 MiB for spawned
/// threads, less in debug builds). So the work runs on a thread of its own
/// with a known, large stack; only if that thread cannot be started does it
/// run on the caller's.
pub fn parse_recovering(source: &str) -> Parsed {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("nurture-parse".to_string())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || parse_on_this_thread(source));
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| unreadable(source, messages::internal(source))),
            Err(_) => parse_on_this_thread(source),
        }
    })
}

fn parse_on_this_thread(source: &str) -> Parsed {
    install_call_limit();
    let comments = match prescan::prescan(source) {
        Ok(comments) => comments,
        Err(error) => return unreadable(source, error),
    };
    let (items, errors) = match NurtureGrammar::parse(Rule::file, source) {
        Ok(mut pairs) => match pairs.next() {
            Some(file) => lower::file(file),
            None => return unreadable(source, messages::internal(source)),
        },
        Err(error) => recover::items(source, &error),
    };
    Parsed {
        file: File { items, comments },
        errors,
    }
}

fn unreadable(source: &str, error: SyntaxError) -> Parsed {
    Parsed {
        file: recover::unreadable(source),
        errors: vec![error],
    }
}
