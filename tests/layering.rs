//! The layers point one way: every `crate::X` edge of `src/` is one the
//! table in docs/architecture.md allows, and pest is used only in
//! `src/syntax`. The table is read from the document, so the rule is
//! stated once; the test checks the document names every module of `src/`.
//!
//! What is read: every `src/**/*.rs` except the crate root (`lib.rs`,
//! `main.rs`) and test code (`#[cfg(test)]` modules, `tests.rs` files and
//! `tests/` folders inside modules), which may cross layers (see "Why" in
//! docs/architecture.md). Comments and string literals are dropped first;
//! `crate::X`, `crate::{X, Y}` and `super::…` paths that climb to the crate
//! root all count.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The allowed table: module → the modules it may use.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let start = doc
        .find("<!-- layering:begin -->")
        .expect("docs/architecture.md has `<!-- layering:begin -->`");
    let end = doc
        .find("<!-- layering:end -->")
        .expect("docs/architecture.md has `<!-- layering:end -->`");
    let mut table = BTreeMap::new();
    for line in doc[start..end].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 || !cells[1].starts_with('`') {
            continue;
        }
        let module = cells[1].trim_matches('`').to_string();
        let uses: BTreeSet<String> = cells[2]
            .split(',')
            .map(|m| m.trim().trim_matches('`').to_string())
            .filter(|m| !m.is_empty() && m != "—")
            .collect();
        assert!(
            table.insert(module.clone(), uses).is_none(),
            "docs/architecture.md lists `{module}` twice"
        );
    }
    assert!(!table.is_empty(), "the layering table is empty");
    table
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/check/mod.rs` → `[check]`,
/// `src/check/lower.rs` → `[check, lower]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The source with comments and string and char literals blanked out
/// (newlines kept, so line numbers stay right).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let closing: Vec<char> = closing.chars().collect();
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
            while i < chars.len() && !chars[i..].starts_with(&closing) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.extend(std::iter::repeat_n(' ', closing.len()));
            i += closing.len();
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    out.push(blank(ch));
                }
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\''), not a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Blanks out every `#[cfg(test)]` item: the attribute and the item after
/// it, up to its closing brace or semicolon.
fn without_tests(code: &str) -> String {
    let mut out: Vec<char> = code.chars().collect();
    let marker: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + marker.len() <= out.len() {
        if out[i..i + marker.len()] != marker[..] {
            i += 1;
            continue;
        }
        let mut j = i + marker.len();
        let mut depth = 0usize;
        while j < out.len() {
            match out[j] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let stop = (j + 1).min(out.len());
        for c in out.iter_mut().take(stop).skip(i) {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    out.into_iter().collect()
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at byte `at` (after white space).
fn ident_at(code: &str, at: usize) -> &str {
    let rest = code[at..].trim_start();
    let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
    &rest[..end]
}

/// The top-level names inside the braces starting at `at`
/// (`{check, lint::X, diagnostics::{a, b}}` → check, lint, diagnostics).
fn group_names(code: &str, at: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut expect_name = true;
    let mut chars = code[at..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    expect_name = true;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expect_name = true,
            c if depth == 1 && expect_name && is_ident(c) => {
                names.push(ident_at(code, at + i).to_string());
                expect_name = false;
                while chars.peek().is_some_and(|(_, c)| is_ident(*c)) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    names
}

/// How many inline `mod name { … }` blocks enclose byte `at`.
fn inline_depth(code: &str, at: usize) -> usize {
    let mut depth = 0;
    for (start, _) in code.match_indices("mod ") {
        if start > 0 && is_ident(code.as_bytes()[start - 1] as char) {
            continue;
        }
        let name = ident_at(code, start + 4);
        let after = start + 4 + code[start + 4..].find(name).unwrap_or(0) + name.len();
        if name.is_empty() || !code[after..].trim_start().starts_with('{') || start > at {
            continue;
        }
        let open = after + code[after..].find('{').unwrap_or(0);
        let mut braces = 0;
        let mut close = code.len();
        for (i, c) in code[open..].char_indices() {
            match c {
                '{' => braces += 1,
                '}' => {
                    braces -= 1;
                    if braces == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        if open < at && at < close {
            depth += 1;
        }
    }
    depth
}

/// The crate-level modules a file's code names, with their line numbers.
fn edges(code: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let bytes = code.as_bytes();
    let preceded_by_ident =
        |at: usize| at > 0 && (is_ident(bytes[at - 1] as char) || bytes[at - 1] == b'$');
    // crate::X and crate::{X, Y}
    for (at, _) in code.match_indices("crate::") {
        if preceded_by_ident(at) {
            continue;
        }
        let after = at + "crate::".len();
        if code[after..].trim_start().starts_with('{') {
            let brace = after + code[after..].find('{').unwrap_or(0);
            for name in group_names(code, brace) {
                found.push((line_of(at), name));
            }
        } else {
            found.push((line_of(at), ident_at(code, after).to_string()));
        }
    }
    // super::super::X climbing to the crate root.
    for (at, _) in code.match_indices("super::") {
        if preceded_by_ident(at) || code[..at].ends_with("super::") {
            continue;
        }
        let mut depth = 0;
        let mut rest = at;
        while code[rest..].starts_with("super::") {
            depth += 1;
            rest += "super::".len();
        }
        if depth < module.len() + inline_depth(code, at) {
            continue; // stays inside the top-level module
        }
        if code[rest..].trim_start().starts_with('{') {
            let brace = rest + code[rest..].find('{').unwrap_or(0);
            for name in group_names(code, brace) {
                found.push((line_of(at), name));
            }
        } else {
            found.push((line_of(at), ident_at(code, rest).to_string()));
        }
    }
    found
}

struct Scan {
    /// `file:line → from → to` for every edge the table does not allow.
    offending: Vec<(String, String, String)>,
    /// Modules of `src/` with their files.
    modules: BTreeSet<String>,
    /// Files using pest outside `src/syntax`.
    pest: Vec<String>,
}

fn scan() -> Scan {
    let src = root().join("src");
    let allowed = allowed();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut scan = Scan {
        offending: Vec::new(),
        modules: BTreeSet::new(),
        pest: Vec::new(),
    };
    for path in files {
        let relative = path.strip_prefix(&src).expect("under src").to_path_buf();
        let shown = format!("src/{}", relative.display());
        let module = module_path(&relative);
        let Some(top) = module.first().cloned() else {
            continue;
        };
        if top == "lib" || top == "main" {
            continue; // the crate root declares the layers; it is none
        }
        scan.modules.insert(top.clone());
        let is_test_file = module.iter().skip(1).any(|p| p == "tests")
            || relative.file_name().is_some_and(|n| n == "tests.rs");
        if is_test_file {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let code = without_tests(&code_only(&text));
        if top != "syntax"
            && (code.contains("pest::")
                || code.contains("pest_derive")
                || code.contains("use pest"))
        {
            scan.pest.push(shown.clone());
        }
        let may = allowed.get(&top);
        for (line, to) in edges(&code, &module) {
            // Only modules are layers: `crate::__codes` (a macro) is not.
            if to == top || !allowed.contains_key(&to) {
                continue;
            }
            if may.is_some_and(|m| m.contains(&to)) {
                continue;
            }
            scan.offending
                .push((format!("{shown}:{line}"), top.clone(), to));
        }
    }
    scan
}

#[test]
fn every_edge_is_allowed_by_docs_architecture_md() {
    let scan = scan();
    let bad: Vec<String> = scan
        .offending
        .iter()
        .map(|(at, from, to)| format!("  {at} → {from} uses {to}"))
        .collect();
    assert!(
        bad.is_empty(),
        "edges docs/architecture.md does not allow (a lower layer uses a higher one):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_table_names_every_module_and_only_modules() {
    let scan = scan();
    let table = allowed();
    let listed: BTreeSet<String> = table.keys().cloned().collect();
    let missing: Vec<&String> = scan.modules.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "modules of src/ without a row in docs/architecture.md: {missing:?}"
    );
    let extra: Vec<&String> = listed.difference(&scan.modules).collect();
    assert!(
        extra.is_empty(),
        "rows of docs/architecture.md that are no module of src/: {extra:?}"
    );
    for (module, uses) in &table {
        for used in uses {
            assert!(
                listed.contains(used),
                "`{module}` may use `{used}`, which has no row of its own"
            );
        }
    }
}

#[test]
fn pest_is_used_only_in_syntax() {
    let scan = scan();
    assert!(
        scan.pest.is_empty(),
        "pest outside src/syntax: {:?}",
        scan.pest
    );
}

#[test]
fn the_scanner_finds_the_edge_forms_it_claims_to() {
    let module = vec!["check".to_string(), "lower".to_string()];
    let code = code_only(
        "use crate::lint::X;\n\
         use crate::{eval, report::y};\n\
         // crate::sim in a comment\n\
         let s = \"crate::cli in a string\";\n\
         fn f() { super::super::data::load(); super::sibling(); }\n\
         mod inner { use super::super::Sibling; }\n\
         #[cfg(test)]\nmod tests { use crate::driver; }\n",
    );
    let found: Vec<(usize, String)> = edges(&without_tests(&code), &module);
    let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["lint", "eval", "report", "data"]);
    assert_eq!(found[0].0, 1);
    assert_eq!(found[3].0, 5);
}
