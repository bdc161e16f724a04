//! A small lexer over the source text, independent of the grammar.
//!
//! pest does the real parsing; this lexer exists for what pest cannot do
//! well: finding comments, unclosed strings and runaway nesting before pest
//! runs, and naming the tokens around an error afterwards. It only needs to
//! agree with the grammar on where strings and comments begin and end.

use super::ast::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LexemeKind {
    /// Letters, digits and `_`, starting with a letter or `_`.
    Word,
    /// Starts with a digit: numbers, dates, times of day.
    Number,
    /// A string literal, with its quotes if closed. An unclosed string runs
    /// to the end of its line.
    Str {
        closed: bool,
    },
    /// `#` and the rest of the line, without the line break.
    Comment,
    /// A script body between ``` fences, fences included (to the end of
    /// the file when unclosed): rhai text, where `#`, quotes and brackets
    /// mean nothing to Nurture.
    Fence,
    Space,
    /// A run of operator characters (`>=`, `==`) or any other single character.
    Symbol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lexeme {
    pub kind: LexemeKind,
    pub span: Span,
}

impl Lexeme {
    pub fn text<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.span.start..self.span.end).unwrap_or("")
    }

    /// Whitespace and comments, which the grammar skips between tokens.
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, LexemeKind::Space | LexemeKind::Comment)
    }
}

pub(crate) struct Lexer<'s> {
    source: &'s str,
    pos: usize,
}

impl<'s> Lexer<'s> {
    /// Lexes from `start`, which must be a char boundary (else lexes nothing).
    pub fn new(source: &'s str, start: usize) -> Self {
        let pos = if source.is_char_boundary(start) {
            start
        } else {
            source.len()
        };
        Lexer { source, pos }
    }

    fn rest(&self) -> &'s [u8] {
        self.source.as_bytes().get(self.pos..).unwrap_or_default()
    }

    /// Byte length of the longest prefix of the rest whose bytes satisfy `keep`.
    fn run_len(&self, keep: impl Fn(u8) -> bool) -> usize {
        self.rest().iter().take_while(|&&b| keep(b)).count()
    }

    fn string_len(&self) -> (usize, bool) {
        let bytes = self.rest();
        let mut i = 1; // the opening quote
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b'"' => return (i + 1, true),
                b'\n' => return (trim_cr(bytes, i), false),
                // An escape takes the next character, but never the line break.
                b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
                _ => i += 1,
            }
        }
        (trim_cr(bytes, bytes.len()).min(bytes.len()), false)
    }

    fn fence_len(&self) -> usize {
        let body = self.rest().get(3..).unwrap_or_default();
        body.windows(3)
            .position(|w| w == b"```")
            .map_or(self.rest().len(), |at| 3 + at + 3)
    }

    fn next_kind_and_len(&self) -> (LexemeKind, usize) {
        let Some(&first) = self.rest().first() else {
            return (LexemeKind::Space, 0);
        };
        match first {
            b' ' | b'\t' | b'\r' | b'\n' => (
                LexemeKind::Space,
                self.run_len(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
            ),
            b'#' => (
                LexemeKind::Comment,
                trim_cr(self.rest(), self.run_len(|b| b != b'\n')),
            ),
            b'"' => {
                let (len, closed) = self.string_len();
                (LexemeKind::Str { closed }, len)
            }
            b'`' if self.rest().starts_with(b"```") => (LexemeKind::Fence, self.fence_len()),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => (LexemeKind::Word, self.run_len(is_name_byte)),
            b'0'..=b'9' => (
                LexemeKind::Number,
                self.run_len(|b| is_name_byte(b) || matches!(b, b'.' | b':' | b'-' | b'+')),
            ),
            b'<' | b'>' | b'=' | b'!' => (
                LexemeKind::Symbol,
                self.run_len(|b| matches!(b, b'<' | b'>' | b'=' | b'!')),
            ),
            _ => (LexemeKind::Symbol, self.char_len()),
        }
    }

    fn char_len(&self) -> usize {
        self.source
            .get(self.pos..)
            .unwrap_or_default()
            .chars()
            .next()
            .map_or(1, char::len_utf8)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        if self.pos >= self.source.len() {
            return None;
        }
        let (kind, len) = self.next_kind_and_len();
        // Every lexeme is at least one character long, so the lexer always ends.
        let len = len.max(self.char_len());
        let span = Span::new(self.pos, self.pos + len);
        self.pos += len;
        Some(Lexeme { kind, span })
    }
}

pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `end`, moved back over one `\r` so that CRLF line breaks stay out of spans.
fn trim_cr(bytes: &[u8], end: usize) -> usize {
    if end > 0 && bytes.get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// The first significant lexeme at or after `pos`.
pub(crate) fn lexeme_at(source: &str, pos: usize) -> Option<Lexeme> {
    Lexer::new(source, pos).find(|lexeme| !lexeme.is_trivia())
}

/// The last `n` significant lexemes from `from` on that end at or before
/// `pos`, oldest first. `from` must be outside strings, comments and script
/// bodies (the start of the file or of an item).
pub(crate) fn lexemes_before(source: &str, from: usize, pos: usize, n: usize) -> Vec<Lexeme> {
    let mut last = std::collections::VecDeque::with_capacity(n + 1);
    for lexeme in Lexer::new(source, from) {
        if lexeme.span.end > pos {
            break;
        }
        if !lexeme.is_trivia() {
            last.push_back(lexeme);
            if last.len() > n {
                last.pop_front();
            }
        }
    }
    last.into_iter().collect()
}

/// The innermost `(` or `[` opened from `from` on and still open at `pos`,
/// if any. `from` is as for [`lexemes_before`].
pub(crate) fn unclosed_bracket_before(source: &str, from: usize, pos: usize) -> Option<Lexeme> {
    let mut open: Vec<Lexeme> = Vec::new();
    for lexeme in Lexer::new(source, from) {
        if lexeme.span.start >= pos {
            break;
        }
        match (lexeme.kind, lexeme.text(source)) {
            (LexemeKind::Symbol, "(" | "[") => open.push(lexeme),
            (LexemeKind::Symbol, ")" | "]") => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}
