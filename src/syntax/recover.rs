//! Error recovery: a file with syntax errors still gives a tree, in which
//! each item that could not be read is an error node.
//!
//! pest stops at the first error and returns no tree. The file is then
//! parsed again item by item (the `lone_item` rule), from the start. pest
//! parses `item*` greedily left to right and never backtracks into an item
//! it has finished, so item by item it reads exactly the items the
//! whole-file parse read before the error, and fails at the same item. An
//! item that fails becomes an error node, and parsing resumes at the next
//! *recovery point* at or after the place where pest gave up: a keyword
//! that starts an item, at the start of a line, outside strings, comments
//! and script bodies. Files are laid out that way; the grammar does not
//! require it, so in a file laid out otherwise one mistake can cost more
//! than its own item.
//!
//! The first error keeps the message of the whole-file parse, which also
//! knows what the item before could have continued with. Later errors are
//! described from the text of their own item only.
//!
//! Bounded work: the whole-file parse stopped at the first error; the item
//! by item parse gives each byte to pest once more, since every parse
//! starts where the previous one ended, or at a recovery point at or after
//! where it gave up; describing an error reads only the text of its item.
//! A parse that reaches pest's work limit ends recovery: the rest of the
//! file is one error node.

use super::ast::{BrokenItem, File, Ident, Item, ItemKind, Span};
use super::error::SyntaxError;
use super::grammar::{NurtureGrammar, Rule};
use super::lexer::{lexeme_at, Lexeme, LexemeKind, Lexer};
use super::lower;
use super::messages::{self, Origin, ITEM_KEYWORDS, RESERVED_WORDS};
use pest::error::{Error, ErrorVariant};
use pest::Parser;

/// Every item of a file whose whole-file parse failed with `first`, and
/// every error: `first` described as today, then one per broken item.
pub(crate) fn items(source: &str, first: &Error<Rule>) -> (Vec<Item>, Vec<SyntaxError>) {
    let points = recovery_points(source);
    let mut first = Some(messages::from_pest(first, source));
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut lines = Origin::FILE_START;
    let mut pos = 0;
    while let Some(start) = lexeme_at(source, pos).map(|l| l.span.start) {
        match parse_item(source, start, &points) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let end = start + pair.as_span().end();
                if let Some(item) = pair.into_inner().next() {
                    lower::item_at(&item, start, &mut items, &mut errors);
                }
                // An item is never empty; should one be, stop rather than loop.
                if end <= start {
                    break;
                }
                pos = end;
            }
            Err(mut error) => {
                // Failing at its first word, the item is not one: say a new
                // item was expected, as the whole-file parse does.
                if messages::error_pos(&error) == 0 {
                    if let ErrorVariant::ParsingError { positives, .. } = &mut error.variant {
                        positives.push(Rule::lone_item);
                    }
                }
                lines = advance(source, lines, start);
                let stopped = start + messages::error_pos(&error);
                let message = first
                    .take()
                    .unwrap_or_else(|| messages::from_pest_at(&error, source, lines));
                let resume = if messages::is_limit(&error) {
                    None
                } else {
                    next_point(&points, start, stopped)
                };
                let end = lower::trim_trivia_end(source, start, resume.unwrap_or(source.len()));
                items.push(broken_item(source, 0, Span::new(start, end.max(start))));
                errors.push(message);
                match resume {
                    Some(resume) => pos = resume,
                    None => break,
                }
            }
        }
    }
    // The item-by-item parse fails where the whole-file parse did; were it
    // ever not to, the error is still reported.
    errors.extend(first);
    (items, errors)
}

/// Parses the item that starts at `start` with `lone_item`, from a window of
/// the text rather than all the rest of it: pest's error for a failed parse
/// reads back from the end of its input to the error, which, for every item
/// of a file with many errors, would take time quadratic in the file.
///
/// The first window runs to the next recovery point. An item reaching
/// beyond it fails at the window's end (wanting more), and the window then
/// doubles, to a recovery point again, until the parse ends before the
/// window's end or the window is the rest of the file. So an item is
/// parsed in at most about twice the text it spans, and its result is the
/// one the whole rest would give: a complete item never goes on with a
/// line that starts with an item keyword, nor a string, comment or script
/// body over a recovery point.
fn parse_item<'s>(
    source: &'s str,
    start: usize,
    points: &[usize],
) -> Result<pest::iterators::Pairs<'s, Rule>, Error<Rule>> {
    let mut end = next_point(points, start, start).unwrap_or(source.len());
    loop {
        let window = source.get(start..end).unwrap_or_default();
        let whole = end >= source.len();
        match NurtureGrammar::parse(Rule::lone_item, window) {
            Ok(pairs) => return Ok(pairs),
            Err(error) if whole => return Err(error),
            Err(error) => {
                let significant = lower::trim_trivia_end(window, 0, window.len());
                if messages::error_pos(&error) < significant || messages::is_limit(&error) {
                    return Err(error);
                }
            }
        }
        let wider = start.saturating_add(2 * (end - start).max(1024));
        end = next_point(points, start, wider).unwrap_or(source.len());
    }
}

/// The tree of a file nothing of which could be read (it is too large, or
/// the pre-scan refused it): one error node that hides what it declares.
pub(crate) fn unreadable(source: &str) -> File {
    File {
        items: vec![Item {
            kind: ItemKind::Error(BrokenItem {
                keyword: None,
                names: Vec::new(),
                hides_declarations: true,
            }),
            span: Span::new(0, source.len()).into(),
        }],
        comments: Vec::new(),
    }
}

/// `origin` moved on to `pos`, counting the lines in between.
fn advance(source: &str, origin: Origin, pos: usize) -> Origin {
    let newlines = source
        .get(origin.pos..pos)
        .map_or(0, |between| between.matches('\n').count());
    Origin {
        pos,
        line: origin.line + newlines,
    }
}

/// Whether a word starts an item.
fn starts_item(word: &str) -> bool {
    ITEM_KEYWORDS.contains(&word) || word == "script"
}

/// The recovery points of a file, in order: each item keyword that begins a
/// line and is not followed by `:` (an event property may be called `email`).
fn recovery_points(source: &str) -> Vec<usize> {
    let mut points = Vec::new();
    let mut candidate: Option<usize> = None;
    for lexeme in Lexer::new(source, 0).filter(|l| !l.is_trivia()) {
        if let Some(at) = candidate.take() {
            if lexeme.text(source) != ":" {
                points.push(at);
            }
        }
        let at = lexeme.span.start;
        let line_start = at == 0 || source.as_bytes().get(at.wrapping_sub(1)) == Some(&b'\n');
        if line_start && lexeme.kind == LexemeKind::Word && starts_item(lexeme.text(source)) {
            candidate = Some(at);
        }
    }
    points.extend(candidate);
    points
}

/// The first recovery point at or after `stopped` and after `start`.
fn next_point(points: &[usize], start: usize, stopped: usize) -> Option<usize> {
    let from = stopped.max(start + 1);
    let index = points.partition_point(|&point| point < from);
    points.get(index).copied()
}

/// The error node for the item at `span` (a position in the file) of
/// `input`, the text of the file from byte `base` on: its keyword and the
/// names it would have declared, read from its first words.
pub(crate) fn broken_item(input: &str, base: usize, span: Span) -> Item {
    let local_end = span.end.saturating_sub(base);
    let mut words = Lexer::new(input, span.start.saturating_sub(base))
        .take_while(|l| l.span.start < local_end)
        .filter(|l| !l.is_trivia())
        .peekable();
    let ident = |lexeme: Lexeme| Ident {
        name: lexeme.text(input).to_string(),
        span: Span::new(base + lexeme.span.start, base + lexeme.span.end).into(),
    };
    let is_name =
        |l: &Lexeme| l.kind == LexemeKind::Word && !RESERVED_WORDS.contains(&l.text(input));
    let keyword = words
        .next()
        .filter(|l| l.kind == LexemeKind::Word && starts_item(l.text(input)));
    let mut names = Vec::new();
    let keyword_text = keyword.map(|l| l.text(input));
    match keyword_text {
        // `stages A, B -> C → D`: names between separators.
        Some("stages") => {
            while let Some(name) = words.next_if(is_name) {
                names.push(ident(name));
                let mut separated = false;
                while words
                    .next_if(|l| matches!(l.text(input), "," | "→" | "-" | ">" | "->"))
                    .is_some()
                {
                    separated = true;
                }
                if !separated {
                    break;
                }
            }
        }
        // `email a, b = "x", c`: entries with an optional pattern.
        Some("email" | "sms" | "page" | "form" | "asset" | "list") => {
            while let Some(name) = words.next_if(is_name) {
                names.push(ident(name));
                if words.next_if(|l| l.text(input) == "=").is_some()
                    && words
                        .next_if(|l| matches!(l.kind, LexemeKind::Str { .. }))
                        .is_none()
                {
                    break;
                }
                if words.next_if(|l| l.text(input) == ",").is_none() {
                    break;
                }
            }
        }
        Some("segment" | "field" | "event" | "script" | "rule") => {
            names.extend(words.next_if(is_name).map(ident));
        }
        _ => {}
    }
    Item {
        kind: ItemKind::Error(BrokenItem {
            keyword: keyword.map(ident),
            names,
            hides_declarations: keyword_text == Some("import"),
        }),
        span: span.into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)]
    use super::*;
    use crate::syntax::{parse, parse_recovering};

    fn broken(item: &Item) -> Option<&BrokenItem> {
        match &item.kind {
            ItemKind::Error(broken) => Some(broken),
            _ => None,
        }
    }

    fn names(item: &Item) -> Vec<&str> {
        broken(item).map_or(Vec::new(), |b| {
            b.names.iter().map(|n| n.name.as_str()).collect()
        })
    }

    const FIVE: &str = "stages A, B\n\
        segment s = points >=\n\
        segment ok = points >= 1\n\
        rulee r: on purchase then stop\n\
        field f number\n\
        email e1, e2 = \"x\", 7\n\
        rule good: on purchase then move to B\n\
        rule r2: on purchase then wait 3\n";

    #[test]
    fn five_broken_items_give_five_errors_and_every_good_item() {
        let parsed = parse_recovering(FIVE);
        assert_eq!(parsed.errors.len(), 5, "{:#?}", parsed.errors);
        let kinds: Vec<&str> = parsed
            .file
            .items
            .iter()
            .map(|item| match &item.kind {
                ItemKind::Error(_) => "error",
                ItemKind::Stages(_) => "stages",
                ItemKind::Segment(_) => "segment",
                ItemKind::Rule(_) => "rule",
                ItemKind::Content(_) => "content",
                _ => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            ["stages", "error", "segment", "error", "error", "content", "error", "rule", "error"]
        );
        // Each error lies inside its error node.
        let nodes: Vec<&Item> = parsed
            .file
            .items
            .iter()
            .filter(|i| broken(i).is_some())
            .collect();
        for (error, node) in parsed.errors.iter().zip(&nodes) {
            assert!(
                node.span.start <= error.span.start && error.span.start <= node.span.end + 1,
                "{error:?} outside {node:?}"
            );
        }
        assert_eq!(names(nodes[0]), ["s"]);
        assert!(broken(nodes[1]).is_some_and(|b| b.keyword.is_none()));
        assert_eq!(names(nodes[2]), ["f"]);
        // `email e1, e2 = "x"` parsed; `, 7` is what is broken.
        assert_eq!(names(nodes[3]), Vec::<&str>::new());
        assert_eq!(names(nodes[4]), ["r2"]);
    }

    #[test]
    fn the_first_error_is_the_whole_file_parse_s() {
        let whole = NurtureGrammar::parse(Rule::file, FIVE)
            .err()
            .map(|e| messages::from_pest(&e, FIVE));
        assert_eq!(parse_recovering(FIVE).errors.first(), whole.as_ref());
    }

    #[test]
    fn good_items_keep_the_spans_they_have_in_a_file_without_errors() {
        let good = "stages A, B\nrule good: on purchase then move to B unless points > 3\n";
        let bad = format!("segment s = (\n{good}");
        let offset = "segment s = (\n".len();
        let alone = parse(good).unwrap();
        let recovered = parse_recovering(&bad);
        assert_eq!(recovered.errors.len(), 1);
        let shifted: Vec<Span> = alone
            .items
            .iter()
            .map(|i| Span::new(i.span.start + offset, i.span.end + offset))
            .collect();
        let spans: Vec<Span> = recovered
            .file
            .items
            .iter()
            .skip(1)
            .map(|i| *i.span)
            .collect();
        assert_eq!(spans, shifted);
        assert_eq!(recovered.file.items.len(), 3);
    }

    #[test]
    fn the_names_of_a_broken_item_are_read_from_its_first_words() {
        let cases: &[(&str, &[&str])] = &[
            ("stages A, B -> C → D 12 E", &["A", "B", "C", "D"]),
            ("stages A,", &["A"]),
            ("segment Foo = (", &["Foo"]),
            ("segment = 1", &[]),
            ("email a, b = \"x\", c d", &["a", "b", "c"]),
            ("email a = 5, b", &["a"]),
            ("script s: number ```x``` 1", &["s"]),
            ("event e { a: ", &["e"]),
            ("list then", &[]),
            ("rulee r: on purchase", &[]),
        ];
        for (source, expected) in cases {
            let item = broken_item(source, 0, Span::new(0, source.len()));
            assert_eq!(&names(&item), expected, "{source}");
        }
        // Positions are in the file, for a text that starts inside it.
        let file = "stages A\nsegment Foo = (";
        let item = broken_item(&file[9..], 9, Span::new(9, file.len()));
        let name = &broken(&item).unwrap().names[0];
        assert_eq!(&file[name.span.start..name.span.end], "Foo");
    }

    #[test]
    fn an_item_that_parses_but_cannot_be_lowered_is_an_error_node_with_its_names() {
        let parsed = parse_recovering("page a, b = \"\\d\"\nstages A\n");
        assert_eq!(parsed.errors.len(), 1, "{:#?}", parsed.errors);
        assert_eq!(names(&parsed.file.items[0]), ["a", "b"]);
        assert!(matches!(parsed.file.items[1].kind, ItemKind::Stages(_)));
        let parsed = parse_recovering("stages A\nsegment Foo = (\n");
        assert_eq!(names(&parsed.file.items[1]), ["Foo"]);
    }

    #[test]
    fn a_broken_import_hides_its_declarations_and_an_unreadable_file_too() {
        let parsed = parse_recovering("import shared\nstages A\n");
        assert!(broken(&parsed.file.items[0]).is_some_and(|b| b.hides_declarations));
        assert!(matches!(parsed.file.items[1].kind, ItemKind::Stages(_)));
        let parsed = parse_recovering("stages A\nsegment s = name = \"open\n");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.file.items.len(), 1);
        assert!(broken(&parsed.file.items[0]).is_some_and(|b| b.hides_declarations));
    }

    #[test]
    fn a_line_inside_an_item_is_no_recovery_point_unless_it_starts_with_a_keyword() {
        // The broken rule goes on over lines; its second line starts with a
        // step, not an item, so parsing resumes at the next rule only.
        let source =
            "rule a: on purchase then\n  move\nadd 1 point\nrule b: on purchase then stop\n";
        let parsed = parse_recovering(source);
        assert_eq!(parsed.errors.len(), 1, "{:#?}", parsed.errors);
        assert_eq!(parsed.file.items.len(), 2);
        assert!(matches!(parsed.file.items[1].kind, ItemKind::Rule(_)));
        // An event property called like a content kind is no recovery point.
        assert_eq!(
            recovery_points("event e {\nemail: text }\nrule"),
            vec![0, 24]
        );
    }

    #[test]
    fn many_broken_items_are_each_reported_in_linear_time() {
        let mut source = String::new();
        for i in 0..2_000 {
            source.push_str(&format!(
                "segment s{i} = points >=\nrule r{i}: on purchase then stop\n"
            ));
        }
        let parsed = parse_recovering(&source);
        assert_eq!(parsed.errors.len(), 2_000);
        assert_eq!(parsed.file.items.len(), 4_000);
        let last = parsed.errors.last().unwrap();
        assert!(last.span.start > source.len() - 100);
    }
}
