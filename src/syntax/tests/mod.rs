//! Tests of the parser: constructs, errors, hostile input, properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod constructs;
mod errors;
mod generate;
mod hostile;
mod properties;

use crate::syntax::ast::{File, Span};
use crate::syntax::{parse, SyntaxError};

pub(crate) const FIXTURE: &str = include_str!("../testdata/b2b_lifecycle.nurture");

/// Parses text that must be valid.
pub(crate) fn parse_ok(source: &str) -> File {
    match parse(source) {
        Ok(file) => file,
        Err(errors) => panic!("{source:?} did not parse: {errors:#?}"),
    }
}

/// Parses text that must fail, returning its first error.
pub(crate) fn parse_err(source: &str) -> SyntaxError {
    match parse(source) {
        Ok(file) => panic!("{source:?} parsed, but should not have: {file:#?}"),
        Err(mut errors) => errors.remove(0),
    }
}

/// The source text a span covers.
pub(crate) fn text(source: &str, span: Span) -> &str {
    &source[span.start..span.end]
}
