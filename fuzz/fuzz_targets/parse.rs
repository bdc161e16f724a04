//! Fuzzes the parser: any UTF-8 text must give an AST or errors whose spans
//! lie within the input, and never a panic, hang or crash.
//!
//! Run with `cargo fuzz run --sanitizer none parse` from the repository root
//! (see docs/fuzzing.md).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The CLI rejects invalid UTF-8 before parsing, so only text is parsed.
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = nurture::syntax::parse(source) {
        assert!(!errors.is_empty());
        for error in errors {
            assert!(error.span.start <= error.span.end);
            assert!(error.span.end <= source.len());
        }
    }
});
