//! Fuzzes the parser: any UTF-8 text must give a tree and errors whose
//! spans lie within the input, and never a panic, hang or crash. Recovery
//! must keep the tree well formed: items in order, not overlapping, an
//! error node exactly when there are errors, and the strict `parse` the
//! same answer.
//!
//! Run with `cargo fuzz run --sanitizer none parse` from the repository root
//! (see docs/fuzzing.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use nurture::syntax::{self, ast::ItemKind};

fuzz_target!(|data: &[u8]| {
    // The CLI rejects invalid UTF-8 before parsing, so only text is parsed.
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = syntax::parse_recovering(source);
    for error in &parsed.errors {
        assert!(error.span.start <= error.span.end);
        assert!(error.span.end <= source.len());
    }
    let mut end = 0;
    for item in &parsed.file.items {
        assert!(item.span.start <= item.span.end);
        assert!(item.span.end <= source.len());
        assert!(item.span.start >= end, "items overlap or are out of order");
        end = item.span.end;
    }
    let broken = parsed
        .file
        .items
        .iter()
        .any(|item| matches!(item.kind, ItemKind::Error(_)));
    assert_eq!(broken, !parsed.errors.is_empty());
    match syntax::parse(source) {
        Ok(file) => assert_eq!(file, parsed.file),
        Err(errors) => assert_eq!(errors, parsed.errors),
    }
});
