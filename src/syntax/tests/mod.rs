//! Tests of the parser: constructs, errors, hostile input, properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::syntax::parse;

const FIXTURE: &str = include_str!("../testdata/b2b_lifecycle.nurture");

#[test]
fn the_fixture_parses() {
    let file = parse(FIXTURE).unwrap();
    assert_eq!(file.items.len(), 17);
}
