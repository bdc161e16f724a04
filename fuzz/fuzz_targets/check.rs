//! Fuzzes the whole `nurture check` pipeline through the public library API
//! (as `src/cli/check_cmd.rs` calls it): parse, load imports, check, lint,
//! resolve tests, and render the diagnostics in every output format.
//!
//! Asserts: no panic; every diagnostic and label names a file of the source
//! map and a span inside that file's text on character boundaries; a program
//! is returned exactly when there are no errors; rendering never fails.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nurture::diagnostics::{render, Diagnostic, SourceMap};
use nurture::syntax::ast::{ItemKind, Span};
use std::path::Path;

/// A folder that does not exist: relative imports resolve inside it and are
/// reported as missing, so a run never reads the machine's files.
const ROOT: &str = "/nonexistent-nurture-fuzz/input.nurture";

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if reaches_outside(source) {
        return;
    }
    let checked =
        nurture::driver::check_source(Path::new(ROOT), "input.nurture", source.to_string());
    for diagnostic in &checked.diagnostics {
        assert_span(
            &checked.sources,
            diagnostic.file,
            diagnostic.span,
            diagnostic,
        );
        for label in &diagnostic.labels {
            assert_span(&checked.sources, label.file, label.span, diagnostic);
        }
    }
    assert_eq!(checked.program.is_some(), !checked.has_errors());
    if checked.program.is_none() {
        assert!(checked.tests.is_empty());
    }
    let _ = render::human(&checked.sources, &checked.diagnostics, false);
    let _ = render::summary_line(1, &checked.diagnostics);
    let _ = render::json(&checked.sources, 1, &checked.diagnostics);
    let _ = render::github(&checked.sources, &checked.diagnostics);
    let _ = render::sarif(
        &nurture::cli::registry(),
        &checked.sources,
        &checked.diagnostics,
    );
});

/// An import of an absolute path or through `..` would read real files (or
/// block on special ones); the attack suite (tests/attacks.rs) covers those
/// through the binary, so the fuzzer leaves them alone. A plain name can only
/// name a file inside [`ROOT`]'s missing folder.
fn reaches_outside(source: &str) -> bool {
    let Ok(file) = nurture::syntax::parse(source) else {
        return false; // only the root is parsed; nothing is imported
    };
    file.items.iter().any(|item| match &item.kind {
        ItemKind::Import(target) => {
            let name = target.value.as_str();
            name.contains(['/', '\\']) || name == ".." || name == "."
        }
        _ => false,
    })
}

fn assert_span(sources: &SourceMap, file: usize, span: Span, diagnostic: &Diagnostic) {
    let text = &sources
        .get(file)
        .unwrap_or_else(|| {
            panic!(
                "diagnostic names file {file} of {}: {diagnostic:?}",
                sources.len()
            )
        })
        .text;
    assert!(span.start <= span.end, "{diagnostic:?}");
    assert!(span.end <= text.len(), "span past the end: {diagnostic:?}");
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{diagnostic:?}"
    );
}
