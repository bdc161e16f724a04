//! Regular expressions rewritten for an SQL engine.
//!
//! The interpreter matches with Rust's `regex` (Unicode, `.` is any
//! character but a newline, `^`/`$` the ends of the text). DuckDB's RE2 and
//! PostgreSQL's ARE agree with it on literals, bracket expressions,
//! alternation, grouping, repetition and `^`/`$` — but not on `.` (ARE's
//! matches a newline), `\d`/`\w`/`\s` (RE2's are ASCII), case folding or
//! word boundaries. So the pattern is parsed with `regex-syntax` into what
//! it means (its HIR, where `.`, `\w` and `(?i)` are already explicit sets
//! of code points) and written back with only the constructs both engines
//! share, every character as an escape. What has no such spelling (word
//! boundaries, multi-line anchors, a repetition past an engine's limit,
//! bytes rather than characters) is refused with the construct's name:
//! the caller turns it into E0903.
//!
//! Only whether a pattern matches matters (`matches` is a test, never a
//! capture), so greediness and capture groups are dropped.

use super::dialect::Dialect;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The pattern in `dialect`'s syntax, or what it uses that the dialect
/// cannot match the same way.
pub fn translate(pattern: &str, dialect: Dialect) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse ({e})"))?;
    let mut out = String::new();
    let hir = edge_boundaries(hir)?;
    write(&hir, dialect, &mut out)?;
    Ok(out)
}

/// A word boundary at the very start or end of the pattern, next to a
/// part that always begins (ends) with a word character, as in
/// `\b(ceo|cto)\b`: it says only that the character before (after) the
/// match is not a word character, or that there is none. That is a class
/// or an anchor, which both engines have; one that consumes a character,
/// which is harmless there because nothing of the pattern comes before
/// (after) it. Any other word boundary stays and is refused by `write`.
/// Each branch of a top-level alternation (or group) is at the edges too.
fn edge_boundaries(hir: Hir) -> Result<Hir, String> {
    let parts = match hir.kind() {
        HirKind::Alternation(branches) => {
            let branches = branches
                .iter()
                .cloned()
                .map(edge_boundaries)
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Hir::alternation(branches));
        }
        HirKind::Capture(capture) => return edge_boundaries((*capture.sub).clone()),
        HirKind::Concat(parts) => parts,
        _ => return Ok(hir),
    };
    let mut parts = parts.clone();
    let word = word_class()?;
    let mut not_word = word.clone();
    not_word.negate();
    let boundary = |h: &Hir| {
        matches!(
            h.kind(),
            HirKind::Look(Look::WordUnicode | Look::WordStartUnicode | Look::WordEndUnicode)
        )
    };
    let outside = || {
        Hir::alternation(vec![
            Hir::look(Look::Start),
            Hir::class(Class::Unicode(not_word.clone())),
        ])
    };
    if parts.len() >= 2
        && parts.first().is_some_and(boundary)
        && parts.get(1).is_some_and(|p| edge_is_word(p, &word, true))
    {
        if let Some(first) = parts.first_mut() {
            *first = outside();
        }
    }
    let n = parts.len();
    if n >= 2
        && parts.last().is_some_and(boundary)
        && parts
            .get(n - 2)
            .is_some_and(|p| edge_is_word(p, &word, false))
    {
        if let Some(last) = parts.last_mut() {
            *last = Hir::alternation(vec![
                Hir::class(Class::Unicode(not_word.clone())),
                Hir::look(Look::End),
            ]);
        }
    }
    Ok(Hir::concat(parts))
}

/// `\w` as the interpreter reads it (Unicode).
fn word_class() -> Result<regex_syntax::hir::ClassUnicode, String> {
    let hir = regex_syntax::Parser::new()
        .parse("\\w")
        .map_err(|e| e.to_string())?;
    match hir.into_kind() {
        HirKind::Class(Class::Unicode(class)) => Ok(class),
        _ => Err("no word class".to_string()),
    }
}

/// Whether every match of `hir` begins (`start`) or ends with a word
/// character.
fn edge_is_word(hir: &Hir, word: &regex_syntax::hir::ClassUnicode, start: bool) -> bool {
    match hir.kind() {
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0).unwrap_or("");
            let c = if start {
                text.chars().next()
            } else {
                text.chars().next_back()
            };
            c.is_some_and(|c| {
                let mut one = regex_syntax::hir::ClassUnicode::new([
                    regex_syntax::hir::ClassUnicodeRange::new(c, c),
                ]);
                one.difference(word);
                one.ranges().is_empty()
            })
        }
        HirKind::Class(Class::Unicode(class)) => {
            let mut rest = class.clone();
            rest.difference(word);
            !class.ranges().is_empty() && rest.ranges().is_empty()
        }
        HirKind::Capture(c) => edge_is_word(&c.sub, word, start),
        HirKind::Repetition(r) => r.min >= 1 && edge_is_word(&r.sub, word, start),
        HirKind::Alternation(parts) => parts.iter().all(|p| edge_is_word(p, word, start)),
        HirKind::Concat(parts) => {
            let edge = if start { parts.first() } else { parts.last() };
            edge.is_some_and(|p| edge_is_word(p, word, start))
        }
        _ => false,
    }
}

/// The largest repetition count each engine accepts (PostgreSQL's
/// `DUPMAX`, RE2's `kMaxRepeat`).
fn max_repeat(dialect: Dialect) -> u32 {
    match dialect {
        Dialect::DuckDb => 1000,
        Dialect::Postgres => 255,
    }
}

fn write(hir: &Hir, dialect: Dialect, out: &mut String) -> Result<(), String> {
    match hir.kind() {
        HirKind::Empty => out.push_str("(?:)"),
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0)
                .map_err(|_| "a literal that is not UTF-8 text".to_string())?;
            for c in text.chars() {
                out.push_str(&char_escape(c, dialect));
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            let ranges: Vec<(char, char)> = class
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .collect();
            write_class(&ranges, dialect, out)?;
        }
        HirKind::Class(Class::Bytes(class)) => {
            // ASCII byte classes (`(?-u:\\w)`) are those characters.
            let ascii: Option<Vec<(char, char)>> = class
                .ranges()
                .iter()
                .map(|r| (r.end() < 0x80).then(|| (char::from(r.start()), char::from(r.end()))))
                .collect();
            let Some(ranges) = ascii else {
                return Err("a class of bytes rather than characters (`(?-u)`)".to_string());
            };
            write_class(&ranges, dialect, out)?;
        }
        HirKind::Look(look) => match look {
            Look::Start => out.push('^'),
            Look::End => out.push('$'),
            Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF => {
                return Err("a multi-line anchor (`(?m)^` or `(?m)$`)".to_string())
            }
            _ => return Err("a word boundary (`\\b`, `\\B`, `\\<`, `\\>`)".to_string()),
        },
        HirKind::Repetition(rep) => {
            let limit = max_repeat(dialect);
            if rep.min > limit || rep.max.is_some_and(|m| m > limit) {
                return Err(format!(
                    "a repetition count above {limit}, the most {} accepts",
                    dialect.name()
                ));
            }
            out.push_str("(?:");
            write(&rep.sub, dialect, out)?;
            out.push(')');
            match rep.max {
                Some(max) if max == rep.min => out.push_str(&format!("{{{max}}}")),
                Some(max) => out.push_str(&format!("{{{},{max}}}", rep.min)),
                None => out.push_str(&format!("{{{},}}", rep.min)),
            }
        }
        HirKind::Capture(capture) => write(&capture.sub, dialect, out)?,
        HirKind::Concat(parts) => {
            out.push_str("(?:");
            for part in parts {
                write(part, dialect, out)?;
            }
            out.push(')');
        }
        HirKind::Alternation(parts) => {
            out.push_str("(?:");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write(part, dialect, out)?;
            }
            out.push(')');
        }
    }
    Ok(())
}

/// A bracket expression of code point ranges.
fn write_class(ranges: &[(char, char)], dialect: Dialect, out: &mut String) -> Result<(), String> {
    let mut body = String::new();
    for &(start, end) in ranges {
        // PostgreSQL text cannot hold U+0000, so a class may start after
        // it without changing what it matches there.
        let start = match (dialect, start) {
            (Dialect::Postgres, '\0') => '\u{1}',
            (_, c) => c,
        };
        if start > end {
            continue;
        }
        body.push_str(&char_escape(start, dialect));
        if end != start {
            body.push('-');
            body.push_str(&char_escape(end, dialect));
        }
    }
    if body.is_empty() {
        return Err("a character class that matches nothing".to_string());
    }
    out.push('[');
    out.push_str(&body);
    out.push(']');
    Ok(())
}

/// One character as the dialect writes it, in or out of brackets: letters
/// and digits as themselves, everything else as a code point escape (no
/// character is then special to either engine).
fn char_escape(c: char, dialect: Dialect) -> String {
    if c.is_ascii_alphanumeric() {
        return c.to_string();
    }
    let n = u32::from(c);
    match dialect {
        Dialect::DuckDb => format!("\\x{{{n:X}}}"),
        Dialect::Postgres if n <= 0xFFFF => format!("\\u{n:04X}"),
        Dialect::Postgres => format!("\\U{n:08X}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_classes_are_spelled_as_escapes() {
        assert_eq!(
            translate("^\\+48", Dialect::DuckDb).unwrap(),
            "(?:^\\x{2B}48)"
        );
        assert_eq!(
            translate("^\\+48", Dialect::Postgres).unwrap(),
            "(?:^\\u002B48)"
        );
        // `.` is every character but a newline, spelled out.
        assert_eq!(
            translate(".", Dialect::DuckDb).unwrap(),
            "[\\x{0}-\\x{9}\\x{B}-\\x{10FFFF}]"
        );
        assert_eq!(
            translate(".", Dialect::Postgres).unwrap(),
            "[\\u0001-\\u0009\\u000B-\\U0010FFFF]"
        );
        // `(?i)` becomes the classes it means.
        assert_eq!(translate("(?i)a", Dialect::DuckDb).unwrap(), "[Aa]");
        assert_eq!(
            translate("ab{2,}c?", Dialect::DuckDb).unwrap(),
            "(?:a(?:b){2,}(?:c){0,1})"
        );
    }

    #[test]
    fn word_boundaries_at_the_edges_next_to_word_characters_are_classes() {
        let t = translate("\\b(?:ab|c)\\b", Dialect::DuckDb).unwrap();
        assert!(t.starts_with("(?:(?:^|["), "{t}");
        assert!(t.ends_with("|$))"), "{t}");
        assert!(!t.contains("\\b"));
    }

    #[test]
    fn what_a_dialect_cannot_match_the_same_way_is_named() {
        for (pattern, what) in [
            ("a\\bword", "word boundary"),
            ("\\b-x", "word boundary"),
            ("(?m)^a", "multi-line"),
            ("a{300}", "repetition"),
        ] {
            let error = translate(pattern, Dialect::Postgres).unwrap_err();
            assert!(error.contains(what), "{pattern}: {error}");
        }
        assert!(translate("a{300}", Dialect::DuckDb).is_ok());
        assert!(translate("[^\\x{0}-\\x{10FFFF}]", Dialect::DuckDb).is_err());
    }
}
