//! Property tests.

use super::FIXTURE;
use crate::syntax::parse;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any prefix of a valid file parses or fails with spans inside it.
    #[test]
    fn every_prefix_parses_or_has_spans_within_it(cut in 0..=FIXTURE.len()) {
        let end = (0..=cut).rev().find(|&i| FIXTURE.is_char_boundary(i)).unwrap_or(0);
        let source = &FIXTURE[..end];
        if let Err(errors) = parse(source) {
            prop_assert!(!errors.is_empty());
            for error in errors {
                prop_assert!(error.span.start <= error.span.end);
                prop_assert!(error.span.end <= source.len());
            }
        }
    }

    /// Arbitrary text never panics, and error spans stay within it.
    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,200}") {
        if let Err(errors) = parse(&source) {
            for error in errors {
                prop_assert!(error.span.start <= error.span.end && error.span.end <= source.len());
            }
        }
    }
}
