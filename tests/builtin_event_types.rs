//! The built-in event types have one table, `nurture::ir::BUILTIN_EVENT_TYPES`,
//! used by the checker, the loader, `generate` and the tests. The places
//! that must stay literal — the docs users read and the fuzz dictionary —
//! are checked against it here, so a change to the table fails until they
//! follow.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nurture::ir::{builtin, builtin_event_name, BUILTIN_EVENT_TYPES};

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"))
}

/// The names between backticks in `text`, in order.
fn ticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The table's types and properties with the types written as in the docs.
fn table() -> Vec<(String, Vec<(String, String)>)> {
    BUILTIN_EVENT_TYPES
        .iter()
        .map(|(name, props)| {
            let props = props
                .iter()
                .map(|(p, ty)| ((*p).to_string(), ty.to_string()))
                .collect();
            ((*name).to_string(), props)
        })
        .collect()
}

#[test]
fn the_data_docs_list_the_table() {
    // docs/data.md: `| `a`, `b` | `p` (text), `q`, `r` (number) |`: a type
    // in parentheses applies to the names before it since the last one.
    let doc = read("docs/data.md");
    let start = doc
        .find("| type | properties |")
        .expect("docs/data.md has the built-in types table");
    let mut documented = Vec::new();
    for line in doc[start..].lines().skip(2) {
        let Some(row) = line.strip_prefix('|') else {
            break;
        };
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (types, props) = (cells[0], cells[1]);
        let mut properties = Vec::new();
        let mut untyped = Vec::new();
        for part in props.split(',').map(str::trim).filter(|p| *p != "none") {
            let name = ticked(part)[0].to_string();
            untyped.push(name);
            if let Some(ty) = part.split_once('(').map(|(_, t)| t.trim_end_matches(')')) {
                properties.extend(untyped.drain(..).map(|n| (n, ty.to_string())));
            }
        }
        assert!(untyped.is_empty(), "a property without a type in: {line}");
        for ty in ticked(types) {
            documented.push((ty.to_string(), properties.clone()));
        }
    }
    assert_eq!(documented, table());
}

#[test]
fn the_language_docs_name_every_type_and_property() {
    let doc = read("docs/language.md");
    let start = doc
        .find("Built-in types need no")
        .expect("docs/language.md lists the built-in types");
    let paragraph = doc[start..].split("\n\n").next().unwrap();
    let named = ticked(paragraph);
    let types: Vec<&str> = BUILTIN_EVENT_TYPES.iter().map(|(n, _)| *n).collect();
    let in_order: Vec<&str> = named
        .iter()
        .copied()
        .filter(|n| types.contains(n))
        .collect();
    assert_eq!(in_order, types, "the built-in types, in the table's order");
    for (name, props) in BUILTIN_EVENT_TYPES {
        for (p, _) in *props {
            assert!(named.contains(p), "`{p}` of `{name}` is not named");
        }
    }
}

#[test]
fn the_fuzz_dictionary_has_every_type_and_property() {
    // fuzz/nurture.dict is written by fuzz/dict.sh, which lists them itself.
    let dict = read("fuzz/nurture.dict");
    let words: Vec<&str> = dict.lines().collect();
    for (name, props) in BUILTIN_EVENT_TYPES {
        for word in std::iter::once(name).chain(props.iter().map(|(p, _)| p)) {
            let quoted = format!("\"{word}\"");
            assert!(
                words.contains(&quoted.as_str()),
                "{quoted} is not in fuzz/nurture.dict (add it to fuzz/dict.sh and run it)"
            );
        }
    }
}

#[test]
fn the_builtin_ids_name_their_types() {
    let ids = [
        (builtin::EMAIL_SENT, "email.sent"),
        (builtin::EMAIL_OPENED, "email.opened"),
        (builtin::EMAIL_CLICKED, "email.clicked"),
        (builtin::SMS_SENT, "sms.sent"),
        (builtin::PAGE_VISITED, "page.visited"),
        (builtin::FORM_SUBMITTED, "form.submitted"),
        (builtin::ASSET_DOWNLOADED, "asset.downloaded"),
        (builtin::PURCHASE, "purchase"),
        (builtin::UNSUBSCRIBED, "unsubscribed"),
    ];
    for (id, name) in ids {
        assert_eq!(builtin_event_name(id), Some(name));
    }
    assert_eq!(
        ids.len(),
        BUILTIN_EVENT_TYPES.len(),
        "every built-in has an id"
    );
}
