//! Fuzzes the formatter: for any text that parses, `nurture::fmt::format`
//! either refuses with a reason or returns text that parses to the same AST
//! (spans never count in node equality; `File::same_items` is the comparison
//! `fmt` itself uses), keeps
//! every comment, and is a fixed point (formatting it again changes nothing).
//! For text that does not parse, it reports the syntax errors.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nurture::fmt::{format, FormatError};
use nurture::syntax;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = syntax::parse(source);
    match format(source) {
        Ok(formatted) => {
            let Ok(original) = parsed else {
                panic!("formatted a file that does not parse");
            };
            let reparsed = match syntax::parse(&formatted) {
                Ok(file) => file,
                Err(errors) => panic!("the output does not parse: {errors:?}\n{formatted}"),
            };
            assert!(
                original.same_items(&reparsed),
                "the output means something else:\n{formatted}"
            );
            assert_eq!(original.comments.len(), reparsed.comments.len());
            match format(&formatted) {
                Ok(again) => assert_eq!(again, formatted, "formatting is not a fixed point"),
                Err(error) => panic!("the output cannot be formatted again: {error}\n{formatted}"),
            }
        }
        Err(FormatError::Syntax(errors)) => {
            assert!(
                parsed.is_err(),
                "a file that parses was refused as a syntax error"
            );
            assert!(!errors.is_empty());
        }
        // The formatter caught its own mistake and left the file alone:
        // safe for users, but a bug; libFuzzer should report it.
        Err(FormatError::Unsafe(why)) => panic!("formatter refused its own output: {why}"),
    }
});
