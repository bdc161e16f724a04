//! The symbol table returned with a checked program (docs/symbols.md):
//! for each kind of name, its declaration and every use, across imports;
//! the cursor lookup at the edges of a name; rename edits that re-check
//! clean; hover text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use nurture::check::symbols::{RenameError, SymbolId, SymbolKind, SymbolRef, SymbolTable};
use nurture::check::Checked;
use nurture::driver::check_source;
use std::path::PathBuf;

const SHARED: &str = r#"stages Lead, Qualified, Customer
field budget: number
email welcome_mail
segment engaged = opened 2 emails in last 30 days
event webinar { topic: text, minutes: number }
"#;

const HELPERS: &str = r#"fn big_spender() {
    sum("purchase", "amount") > 100
}
"#;

const MAIN: &str = r#"import "shared.nurture"
import "helpers.rhai"

sms nudge_sms
page pricing = "/pricing*"
form signup
asset guide = "/guide.pdf"
list newsletter

script lead_score: number ```
1 + 2
```

segment rich = budget > 100 and in segment engaged

rule greet: when stage is Lead and opened email welcome_mail then send email welcome_mail, send sms nudge_sms, add to list newsletter
rule qualify: when in segment rich and visited pricing where url contains "team" then move to Qualified
rule buyers: when total purchase amount in last 30 days > 100 and script big_spender then move to Customer
rule watchers: when event webinar where minutes > 30 and submitted form signup then set budget to script lead_score
on downloaded asset guide then add 1 point
rule listed: when in list newsletter and points >= script lead_score then add tag "x"

test "greeting" {
  given stage Lead, budget 5
  events 2025-01-01 opened email welcome_mail
         2025-01-02 visited pricing
         2025-01-03 event webinar minutes 40, topic "ai"
         2025-01-04 submitted form signup
         2025-01-05 downloaded asset guide
         2025-01-06 purchase amount 3
  expect fired greet
  expect sent email welcome_mail
  expect sent sms nudge_sms
  expect in segment rich
  expect stage Lead
}
"#;

/// A project of three files in a scratch folder.
struct Project {
    dir: PathBuf,
    files: Vec<(&'static str, String)>,
}

impl Project {
    fn new(name: &str, files: &[(&'static str, &str)]) -> Project {
        let project = Project {
            dir: common::scratch(name),
            files: files.iter().map(|(n, t)| (*n, t.to_string())).collect(),
        };
        project.write();
        project
    }

    fn write(&self) {
        for (name, text) in &self.files {
            std::fs::write(self.dir.join(name), text).unwrap();
        }
    }

    fn check(&self) -> Checked {
        let (root, text) = &self.files[0];
        check_source(&self.dir.join(root), root, text.clone())
    }
}

fn standard(name: &str) -> Project {
    Project::new(
        name,
        &[
            ("main.nurture", MAIN),
            ("shared.nurture", SHARED),
            ("helpers.rhai", HELPERS),
        ],
    )
}

fn clean(checked: &Checked) {
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(checked.program.is_some());
}

fn file_id(checked: &Checked, name: &str) -> usize {
    checked
        .sources
        .iter()
        .find(|(_, s)| s.name == name)
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no file {name}"))
}

/// Byte offsets of `word` in `text` as a whole word (`/` and `.` count as
/// parts of words, so `"/pricing*"` holds no `pricing`).
fn words(text: &str, word: &str) -> Vec<usize> {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/' || c == '.';
    text.match_indices(word)
        .map(|(i, _)| i)
        .filter(|&i| {
            let before = text[..i].chars().next_back().is_none_or(|c| !part(c));
            let after = text[i + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !part(c));
            before && after
        })
        .collect()
}

fn find(table: &SymbolTable, kind: SymbolKind, name: &str) -> SymbolId {
    table
        .find(kind, None, name)
        .unwrap_or_else(|| panic!("no {kind:?} {name}"))
}

/// `(file, start)` of every use of `symbol`.
fn uses(table: &SymbolTable, symbol: SymbolId) -> Vec<(usize, usize)> {
    table
        .references(symbol, false)
        .iter()
        .map(|r| {
            let symbol = table.symbol(symbol).unwrap();
            if symbol.kind != SymbolKind::File {
                assert_eq!(r.span.len(), symbol.name.len());
            }
            (r.file, r.span.start)
        })
        .collect()
}

/// The declaration is the first whole-word occurrence in `declared_in`,
/// and the uses are every other whole-word occurrence in the two `.nurture`
/// files, less those listed in `not_uses` (file name, nth occurrence).
fn assert_symbol(
    checked: &Checked,
    kind: SymbolKind,
    parent: Option<SymbolId>,
    name: &str,
    declared_in: Option<&str>,
) -> SymbolId {
    let table = &checked.symbols;
    let symbol = table
        .find(kind, parent, name)
        .unwrap_or_else(|| panic!("no {kind:?} {name}"));
    let mut expected = Vec::new();
    for file in ["shared.nurture", "main.nurture", "helpers.rhai"] {
        let id = file_id(checked, file);
        let text = &checked.sources.get(id).unwrap().text;
        for at in words(text, name) {
            expected.push((id, at));
        }
    }
    let definition = table.definition(symbol).map(|(f, s)| (f, s.start));
    match declared_in {
        Some(file) => {
            let first = expected
                .iter()
                .position(|(f, _)| *f == file_id(checked, file))
                .unwrap();
            assert_eq!(definition, Some(expected.remove(first)), "{name}");
        }
        None => assert_eq!(definition, None, "{name} is built in"),
    }
    expected.sort();
    assert_eq!(uses(table, symbol), expected, "uses of {kind:?} {name}");
    symbol
}

#[test]
fn every_kind_of_name_has_its_declaration_and_every_use_across_imports() {
    let project = standard("symbols_every_kind");
    let checked = project.check();
    clean(&checked);
    use SymbolKind::*;
    for (kind, name, file) in [
        (Stage, "Lead", "shared.nurture"),
        (Stage, "Qualified", "shared.nurture"),
        (Stage, "Customer", "shared.nurture"),
        (Field, "budget", "shared.nurture"),
        (Email, "welcome_mail", "shared.nurture"),
        (Sms, "nudge_sms", "main.nurture"),
        (Page, "pricing", "main.nurture"),
        (Form, "signup", "main.nurture"),
        (Asset, "guide", "main.nurture"),
        (List, "newsletter", "main.nurture"),
        (EventType, "webinar", "shared.nurture"),
        (Segment, "engaged", "shared.nurture"),
        (Segment, "rich", "main.nurture"),
        (Rule, "greet", "main.nurture"),
        (Rule, "qualify", "main.nurture"),
        (Script, "lead_score", "main.nurture"),
        (Script, "big_spender", "helpers.rhai"),
    ] {
        assert_symbol(&checked, kind, None, name, Some(file));
    }
    let table = &checked.symbols;
    // Declared event properties, per event type: `where minutes > 30` and
    // the test's `minutes 40, topic "ai"`.
    let webinar = find(table, EventType, "webinar");
    assert_symbol(
        &checked,
        Property,
        Some(webinar),
        "minutes",
        Some("shared.nurture"),
    );
    assert_symbol(
        &checked,
        Property,
        Some(webinar),
        "topic",
        Some("shared.nurture"),
    );
    // Built-in event types and properties: no declaration.
    let page_visited = find(table, EventType, "page.visited");
    assert_symbol(&checked, Property, Some(page_visited), "url", None);
    let purchase = find(table, EventType, "purchase");
    let amount = table.find(Property, Some(purchase), "amount").unwrap();
    let main = file_id(&checked, "main.nurture");
    let main_text = &checked.sources.get(main).unwrap().text;
    // `total purchase amount` and the test's `purchase amount 3`.
    let amounts: Vec<_> = words(main_text, "amount")
        .iter()
        .map(|&a| (main, a))
        .collect();
    assert_eq!(uses(table, amount), amounts);
    // `total purchase amount` names the event type; the test's `purchase`
    // line is a keyword of its own.
    let purchases = words(main_text, "purchase");
    assert_eq!(uses(table, purchase), vec![(main, purchases[0])]);
    assert_eq!(table.definition(purchase), None);
}

#[test]
fn an_import_path_refers_to_the_imported_file() {
    let project = standard("symbols_imports");
    let checked = project.check();
    clean(&checked);
    let table = &checked.symbols;
    let main = file_id(&checked, "main.nurture");
    let main_text = &checked.sources.get(main).unwrap().text;
    for target in ["shared.nurture", "helpers.rhai"] {
        let file = file_id(&checked, target);
        let symbol = find(table, SymbolKind::File, target);
        assert_eq!(table.definition(symbol), Some((file, Default::default())));
        let quoted = format!("\"{target}\"");
        let at = main_text.find(&quoted).unwrap();
        let found = table.symbol_at(main, at + 3).unwrap();
        assert_eq!(found.symbol, symbol);
        assert!(!found.declaration);
        assert_eq!(uses(table, symbol).len(), 1);
        assert_eq!(
            table.rename(symbol, "other"),
            Err(RenameError::File),
            "files are not renamed here"
        );
    }
}

#[test]
fn symbol_at_covers_a_name_from_its_first_to_its_last_byte() {
    let project = standard("symbols_at");
    let checked = project.check();
    let table = &checked.symbols;
    let main = file_id(&checked, "main.nurture");
    let text = &checked.sources.get(main).unwrap().text;
    let stage = find(table, SymbolKind::Stage, "Qualified");
    let start = words(text, "Qualified")[0];
    let end = start + "Qualified".len();
    for at in [start, start + 4, end - 1] {
        let found = table.symbol_at(main, at);
        assert_eq!(
            found.map(|f| (f.symbol, f.span.start, f.span.end, f.declaration)),
            Some((stage, start, end, false)),
            "at {at}"
        );
    }
    assert_eq!(table.symbol_at(main, start - 1), None, "the space before");
    assert_eq!(table.symbol_at(main, end), None, "the byte after");
    // A declaration: `sms nudge_sms`.
    let sms = find(table, SymbolKind::Sms, "nudge_sms");
    let decl = words(text, "nudge_sms")[0];
    let found: SymbolRef = table.symbol_at(main, decl).unwrap();
    assert!(found.declaration);
    assert_eq!(found.symbol, sms);
    assert_eq!(table.symbol_at(main, usize::MAX), None);
    assert_eq!(table.symbol_at(usize::MAX, 0), None);
}

#[test]
fn references_can_include_the_declaration_in_order() {
    let project = standard("symbols_references");
    let checked = project.check();
    let table = &checked.symbols;
    let lead = find(table, SymbolKind::Stage, "Lead");
    let with = table.references(lead, true);
    let without = table.references(lead, false);
    assert_eq!(with.len(), without.len() + 1);
    assert_eq!(with.iter().filter(|r| r.declaration).count(), 1);
    let mut sorted = with.clone();
    sorted.sort();
    assert_eq!(with, sorted);
    // Every use found by position is the symbol's.
    for r in &without {
        assert_eq!(
            table.symbol_at(r.file, r.span.start).map(|f| f.symbol),
            Some(lead)
        );
    }
}

/// Applies edits to the project's files (each file's edits from the end).
fn apply(project: &mut Project, checked: &Checked, edits: &[nurture::check::symbols::Edit]) {
    for (name, text) in &mut project.files {
        let id = file_id(checked, name);
        let mut mine: Vec<_> = edits.iter().filter(|e| e.file == id).collect();
        mine.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        for edit in mine {
            text.replace_range(edit.span.start..edit.span.end, &edit.text);
        }
    }
    project.write();
}

#[test]
fn renaming_any_name_rechecks_clean_with_the_new_name_everywhere() {
    use SymbolKind::*;
    for (kind, parent, old, new) in [
        (Stage, None, "Lead", "Prospect"),
        (Field, None, "budget", "spend"),
        (Email, None, "welcome_mail", "hello_mail"),
        (Sms, None, "nudge_sms", "ping"),
        (Page, None, "pricing", "plans"),
        (Form, None, "signup", "register"),
        (Asset, None, "guide", "ebook"),
        (List, None, "newsletter", "digest"),
        (EventType, None, "webinar", "seminar"),
        (Property, Some("webinar"), "minutes", "watched"),
        (Segment, None, "engaged", "active"),
        (Segment, None, "rich", "wealthy"),
        (Rule, None, "greet", "hello"),
        (Script, None, "lead_score", "score"),
    ] {
        let mut project = standard(&format!("symbols_rename_{old}"));
        let checked = project.check();
        let table = &checked.symbols;
        let parent_of = |table: &SymbolTable| parent.map(|p| find(table, EventType, p));
        let symbol = table.find(kind, parent_of(table), old).unwrap();
        let before = table.references(symbol, true).len();
        let edits = table.rename(symbol, new).unwrap();
        assert_eq!(edits.len(), before);
        apply(&mut project, &checked, &edits);
        let again = project.check();
        clean(&again);
        let table = &again.symbols;
        let renamed = table
            .find(kind, parent_of(table), new)
            .unwrap_or_else(|| panic!("{new} after renaming {old}"));
        assert_eq!(
            table.references(renamed, true).len(),
            before,
            "{old} → {new}"
        );
        assert!(table.find(kind, parent_of(table), old).is_none());
    }
}

#[test]
fn rename_refuses_built_ins_bad_names_keywords_and_clashes() {
    let project = standard("symbols_rename_refused");
    let checked = project.check();
    let table = &checked.symbols;
    let lead = find(table, SymbolKind::Stage, "Lead");
    let qualified = find(table, SymbolKind::Stage, "Qualified");
    assert_eq!(
        table.rename(lead, "Qualified"),
        Err(RenameError::Clash {
            noun: "stage",
            name: "Qualified".into(),
            existing: qualified,
        })
    );
    assert!(matches!(
        table.rename(lead, "and"),
        Err(RenameError::Keyword(_))
    ));
    assert!(matches!(
        table.rename(lead, "email"),
        Err(RenameError::Keyword(_))
    ));
    for bad in ["1st", "", "two words", "a-b", "Léad"] {
        assert!(
            matches!(table.rename(lead, bad), Err(RenameError::NotAName(_))),
            "{bad:?}"
        );
    }
    // Names of another kind do not clash: a stage may be called like a field.
    assert!(table.rename(lead, "budget").is_ok());
    let purchase = find(table, SymbolKind::EventType, "purchase");
    assert!(matches!(
        table.rename(purchase, "buy"),
        Err(RenameError::BuiltIn { .. })
    ));
    // An event property clashes with the properties of its own event type.
    let webinar = find(table, SymbolKind::EventType, "webinar");
    let minutes = table
        .find(SymbolKind::Property, Some(webinar), "minutes")
        .unwrap();
    assert!(matches!(
        table.rename(minutes, "topic"),
        Err(RenameError::Clash { .. })
    ));
    assert!(table.rename(minutes, "amount").is_ok());
    let helper = find(table, SymbolKind::Script, "big_spender");
    assert!(matches!(
        table.rename(helper, "big"),
        Err(RenameError::InScriptFile { .. })
    ));
    // An event type may not take a built-in's name.
    assert!(matches!(
        table.rename(webinar, "unsubscribed"),
        Err(RenameError::Keyword(_) | RenameError::Clash { .. })
    ));
}

#[test]
fn hover_tells_kind_name_what_matters_and_where() {
    let project = standard("symbols_hover");
    let checked = project.check();
    let table = &checked.symbols;
    use SymbolKind::*;
    let webinar = find(table, EventType, "webinar");
    let purchase = find(table, EventType, "purchase");
    let shown: Vec<String> = [
        find(table, File, "shared.nurture"),
        find(table, Stage, "Qualified"),
        find(table, Field, "budget"),
        find(table, Email, "welcome_mail"),
        find(table, Page, "pricing"),
        find(table, Asset, "guide"),
        webinar,
        table.find(Property, Some(webinar), "minutes").unwrap(),
        purchase,
        table.find(Property, Some(purchase), "amount").unwrap(),
        find(table, Segment, "rich"),
        find(table, Rule, "qualify"),
        find(table, Script, "lead_score"),
        find(table, Script, "big_spender"),
    ]
    .iter()
    .map(|s| table.hover(*s))
    .collect();
    insta::assert_snapshot!(shown.join("\n\n"));
}

#[test]
fn names_that_resolve_are_recorded_when_the_check_has_errors() {
    let text =
        "stages Lead\nemail hi\nrule r: when stage is Lead then send email nope, move to Lead\n";
    let dir = common::scratch("symbols_errors");
    let checked = check_source(&dir.join("e.nurture"), "e.nurture", text.to_string());
    assert!(checked.has_errors());
    assert!(checked.program.is_none());
    let table = &checked.symbols;
    let lead = find(table, SymbolKind::Stage, "Lead");
    assert_eq!(uses(table, lead).len(), 2);
    let hi = find(table, SymbolKind::Email, "hi");
    assert!(uses(table, hi).is_empty());
    let nope = text.find("nope").unwrap();
    assert_eq!(
        table.symbol_at(0, nope),
        None,
        "an undefined name is no use"
    );
}

#[test]
fn the_table_is_the_same_on_every_run() {
    let project = standard("symbols_deterministic");
    let one = format!("{:?}", project.check().symbols);
    let two = format!("{:?}", project.check().symbols);
    assert_eq!(one, two);
}
