//! Turns pest's errors into messages in plain words.
//!
//! pest reports the grammar rules it tried at the furthest position it
//! reached. Rule names mean nothing to a marketing-ops reader, so each is
//! described in words, families of rules are folded into one phrase ("a
//! step", "a condition"), and the words just before the error say where it
//! is ("after `move to`"). Common mistakes get a message and a fix of their
//! own; they are checked first.

use super::ast::Span;
use super::error::{codes, Fix, SyntaxError};
use super::grammar::Rule;
use super::lexer::{lexeme_at, lexemes_before, unclosed_bracket_before, Lexeme, LexemeKind};
use crate::diagnostics::{closest, did_you_mean_message};
use pest::error::{Error, ErrorVariant, InputLocation};

/// Words the grammar reserves (its `reserved` rule): they may not be names.
pub(crate) const RESERVED_WORDS: &[&str] = &[
    "after", "again", "and", "asset", "at", "before", "by", "campaign", "contains", "decay",
    "else", "email", "end", "ends", "event", "every", "exactly", "exit", "fewer", "field", "form",
    "from", "if", "import", "in", "is", "less", "list", "matches", "more", "not", "of", "on",
    "once", "or", "page", "per", "priority", "repeat", "rule", "segment", "since", "sms", "stages",
    "starts", "then", "time", "times", "to", "twice", "unless", "when", "where", "within",
];

/// Keywords that start an item (`script` aside: it is never suggested for a
/// misspelt word, being rarer than the words it is close to).
pub(crate) const ITEM_KEYWORDS: &[&str] = &[
    "import", "stages", "campaign", "field", "email", "sms", "page", "form", "asset", "list",
    "event", "segment", "decay", "rule", "on", "test",
];

/// Keywords that start a step.
const STEP_KEYWORDS: &[&str] = &[
    "move",
    "send",
    "add",
    "remove",
    "subtract",
    "set",
    "notify",
    "hand",
    "call",
    "mark",
    "unsubscribe",
    "wait",
    "if",
    "stop",
];

/// Keywords that start a condition (besides a field name and `(`).
const CONDITION_KEYWORDS: &[&str] = &[
    "stage",
    "points",
    "has",
    "in",
    "is",
    "today",
    "script",
    "total",
    "average",
    "min",
    "max",
    "first",
    "last",
    "no",
    "never",
    "received",
    "opened",
    "clicked",
    "visited",
    "submitted",
    "downloaded",
    "purchased",
    "purchase",
    "unsubscribed",
    "event",
];

/// Words that may precede a new name in a declaration.
const DECLARING_WORDS: &[&str] = &[
    "stages", "field", "email", "sms", "page", "form", "asset", "list", "event", "segment", "rule",
    ",", "{", "->", "→", "[",
];

const TESTS: &str = "a test such as `= \"PL\"`, `> 10` or `is set`";
const A_STEP: &str = "a step such as `move to`, `send email` or `wait`";
const AN_ITEM: &str = "a new rule or declaration";
const A_CONDITION: &str = "a condition";

/// Where the text pest was given starts in the file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    /// The byte offset of its start.
    pub pos: usize,
    /// The 1-based line it starts on.
    pub line: usize,
}

impl Origin {
    pub const FILE_START: Origin = Origin { pos: 0, line: 1 };
}

/// The error for a failed pest parse of the whole file.
pub(crate) fn from_pest(error: &Error<Rule>, source: &str) -> SyntaxError {
    from_pest_at(error, source, Origin::FILE_START)
}

/// The error for a failed pest parse of the text of `source` from
/// `origin` on (error recovery parses item by item). Only the text from
/// `origin` on is looked at for the words around the error, so describing
/// every error of a file takes time linear in the file.
pub(crate) fn from_pest_at(error: &Error<Rule>, source: &str, origin: Origin) -> SyntaxError {
    let pos = origin.pos + error_pos(error);
    let failure = Failure::at(source, origin, pos);
    match &error.variant {
        ErrorVariant::CustomError { message } => failure.limit_reached(message),
        ErrorVariant::ParsingError { positives, .. } => failure.diagnose(positives),
    }
}

/// Where pest stopped, relative to the text it was given.
pub(crate) fn error_pos(error: &Error<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    }
}

/// Whether pest gave up because a limit was reached, not because the text
/// does not follow the grammar.
pub(crate) fn is_limit(error: &Error<Rule>) -> bool {
    matches!(error.variant, ErrorVariant::CustomError { .. })
}

/// pest succeeded but produced no tree: cannot happen with this grammar.
pub(crate) fn internal(source: &str) -> SyntaxError {
    SyntaxError::new(
        codes::UNEXPECTED,
        "Nurture could not read this file (an internal error)",
        Span::new(0, source.len().min(1)),
    )
}

/// Where parsing stopped and what surrounds that place.
struct Failure<'s> {
    source: &'s str,
    /// Where the text pest was given starts: nothing before it is read.
    origin: Origin,
    pos: usize,
    /// The token pest could not accept; `None` at the end of the input.
    found: Option<Lexeme>,
    /// Up to three tokens before it, oldest first.
    before: Vec<Lexeme>,
}

impl<'s> Failure<'s> {
    fn at(source: &'s str, origin: Origin, pos: usize) -> Self {
        let pos = pos.min(source.len());
        Failure {
            source,
            origin,
            pos,
            found: lexeme_at(source, pos),
            before: lexemes_before(source, origin.pos, pos, 3),
        }
    }

    fn found_text(&self) -> Option<&'s str> {
        self.found.map(|l| l.text(self.source))
    }

    fn found_word(&self) -> Option<&'s str> {
        self.found
            .filter(|l| l.kind == LexemeKind::Word)
            .map(|l| l.text(self.source))
    }

    /// The span to point at: the offending token, or the end of the input.
    fn span(&self) -> Span {
        self.found
            .map_or(Span::new(self.source.len(), self.source.len()), |l| l.span)
    }

    fn previous(&self, back: usize) -> Option<&'s str> {
        let index = self.before.len().checked_sub(back + 1)?;
        self.before.get(index).map(|l| l.text(self.source))
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError::new(codes::UNEXPECTED, message, self.span())
    }

    fn limit_reached(&self, message: &str) -> SyntaxError {
        if message.contains("stack") {
            SyntaxError::new(
                codes::TOO_DEEP,
                "the file is nested too deeply to parse",
                self.span(),
            )
            .with_help("split deeply nested `if … end` branches into separate rules")
        } else {
            SyntaxError::new(
                codes::TOO_LARGE,
                "the file is too complex to parse within the limits",
                self.span(),
            )
            .with_help("split the campaign into several files")
        }
    }

    fn diagnose(&self, positives: &[Rule]) -> SyntaxError {
        self.bad_operator()
            .or_else(|| self.single_quotes())
            .or_else(|| self.typographic_quotes())
            .or_else(|| self.miswritten_duration(positives))
            .or_else(|| self.zone_after_time())
            .or_else(|| self.trailing_separator(positives))
            .or_else(|| self.unclosed_paren(positives))
            .or_else(|| self.missing_then(positives))
            .or_else(|| self.missing_colon(positives))
            .or_else(|| self.reserved_name(positives))
            .or_else(|| self.misspelt_item(positives))
            .or_else(|| self.missing_unit(positives))
            .unwrap_or_else(|| self.expected(positives))
    }

    /// `==`, `=>`, `<>`: operators from other languages.
    fn bad_operator(&self) -> Option<SyntaxError> {
        let is_op = |b: &u8| matches!(b, b'<' | b'>' | b'=' | b'!');
        let bytes = self.source.as_bytes();
        let start = bytes
            .get(..self.pos)
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|b| is_op(b))
            .count();
        let start = self.pos - start;
        let end = self.pos
            + bytes
                .get(self.pos..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| is_op(b))
                .count();
        let written = self.source.get(start..end)?;
        if written.len() < 2 || matches!(written, ">=" | "<=" | "!=") || end <= self.pos {
            return None;
        }
        let help = match written {
            "==" | "===" => "use `=` to compare".to_string(),
            "=>" => "write `>=` for \"at least\"".to_string(),
            "=<" => "write `<=` for \"at most\"".to_string(),
            "<>" | "!==" => "write `!=` for \"not equal\"".to_string(),
            _ => "the comparisons are `=`, `!=`, `<`, `<=`, `>` and `>=`".to_string(),
        };
        Some(
            SyntaxError::new(
                codes::UNEXPECTED,
                format!("`{written}` is not an operator in Nurture"),
                Span::new(start, end),
            )
            .with_help(help),
        )
    }

    fn single_quotes(&self) -> Option<SyntaxError> {
        (self.found_text()? == "'").then(|| {
            self.error("text is written in double quotes".to_string())
                .with_help("write `\"…\"` instead of `'…'`")
        })
    }

    /// `„Kraków”`, `“PL”`, `«PL»`: quotes from a word processor or a
    /// keyboard layout. The fix writes the text between straight double
    /// quotes, when the closing mark is on the same line.
    fn typographic_quotes(&self) -> Option<SyntaxError> {
        const OPENING: &[char] = &['“', '”', '„', '‟', '‘', '’', '‚', '‛', '«', '»', '‹', '›'];
        let found = self.found?;
        let mark = found.text(self.source).chars().next()?;
        if !OPENING.contains(&mark) {
            return None;
        }
        let error = self
            .error(format!("`{mark}` is not a quote mark in Nurture"))
            .with_help("text is written between straight double quotes: `\"…\"`");
        let rest = self.source.get(found.span.end..)?;
        let line = rest.split('\n').next().unwrap_or_default();
        let Some(close) = line.find(OPENING) else {
            return Some(error);
        };
        let inner = line.get(..close)?;
        let close_len = line.get(close..)?.chars().next()?.len_utf8();
        if inner.contains(['"', '\\']) {
            return Some(error);
        }
        let replacement = format!("\"{inner}\"");
        let help = format!("text is written between straight double quotes: `{replacement}`");
        Some(error.with_fix(
            Fix::spelling(
                Span::new(found.span.start, found.span.end + close + close_len),
                replacement,
            ),
            help,
        ))
    }

    /// `wait 7d`, `in last one week`, `repeat every 7 d`: a duration as
    /// other tools write it, where the grammar wanted its number.
    fn miswritten_duration(&self, positives: &[Rule]) -> Option<SyntaxError> {
        if !positives.iter().any(|r| {
            matches!(
                r,
                Rule::int | Rule::duration | Rule::duration_unit | Rule::cap_period
            )
        }) {
            return None;
        }
        let found = self.found?;
        // `7 d` fails at `d`, the duration began at `7`.
        let start = match self.before.last() {
            Some(number) if number.kind == LexemeKind::Number && found.kind == LexemeKind::Word => {
                number.span.start
            }
            _ => found.span.start,
        };
        super::duration::miswritten(self.source.get(start..)?, start)
    }

    /// `quiet hours 21:00 CET to 08:00`, `wait until 09:00 UTC`: a zone
    /// after a time of day. Times are in the campaign's zone, set once.
    fn zone_after_time(&self) -> Option<SyntaxError> {
        let found = self.found?;
        let word = self.found_word()?;
        let time = self.before.last()?;
        let is_time = time.kind == LexemeKind::Number && time.text(self.source).contains(':');
        let between = self.source.get(time.span.end..found.span.start)?;
        if !is_time || between.contains('\n') {
            return None;
        }
        // CET, UTC, GMT, PST, Z …, or the start of an IANA name (Europe/…).
        let zone_like = (word.len() <= 5 && word.bytes().all(|b| b.is_ascii_uppercase()))
            || self.source.get(found.span.end..)?.starts_with('/');
        if !zone_like {
            return None;
        }
        Some(
            self.error(format!(
                "`{word}` after a time of day: times of day are in the campaign time zone"
            ))
            .with_fix(
                // Dropping the zone changes the time unless it is the
                // campaign's own: for a person to decide.
                Fix::proposal(Span::new(time.span.end, found.span.end), ""),
                format!(
                    "remove `{word}`, and set the zone once in the campaign block, e.g. \
                     `campaign \"…\" {{ timezone \"Europe/Warsaw\" }}` (an IANA name; the default is UTC)"
                ),
            ),
        )
    }

    /// `then send email a, send email b,` and then the next rule: the
    /// separator after the last step is what is wrong, not the rule.
    fn trailing_separator(&self, positives: &[Rule]) -> Option<SyntaxError> {
        if !expects_step(positives) {
            return None;
        }
        let separator = self.before.last()?;
        let written = separator.text(self.source);
        if !matches!(written, "," | "and") {
            return None;
        }
        let next_item = match self.found_word() {
            Some(word) => ITEM_KEYWORDS.contains(&word),
            None => self.found.is_none(),
        };
        if !next_item {
            return None;
        }
        Some(
            SyntaxError::new(
                codes::UNEXPECTED,
                format!("`{written}` after the last step, but no step follows it"),
                separator.span,
            )
            .with_fix(
                // A step may be missing rather than the separator extra.
                Fix::proposal(separator.span, ""),
                format!("remove the `{written}`, or write the step that should follow it"),
            ),
        )
    }

    fn unclosed_paren(&self, positives: &[Rule]) -> Option<SyntaxError> {
        if !positives.contains(&Rule::rparen) {
            return None;
        }
        let open = unclosed_bracket_before(self.source, self.origin.pos, self.pos)?;
        if open.text(self.source) != "(" {
            return None;
        }
        let (line, column) = line_column(self.source, self.origin, open.span.start);
        Some(
            self.error(format!(
                "expected `)` to close the `(` at line {line}, column {column}, {}",
                self.found_phrase()
            ))
            .with_help("add `)` where the condition in brackets ends"),
        )
    }

    fn missing_then(&self, positives: &[Rule]) -> Option<SyntaxError> {
        let word = self.found_word()?;
        if !positives.contains(&Rule::kw_then) || !STEP_KEYWORDS.contains(&word) {
            return None;
        }
        Some(
            self.error(format!("missing `then` before `{word}`"))
                .with_help("write `then` between the condition and the first step"),
        )
    }

    fn missing_colon(&self, positives: &[Rule]) -> Option<SyntaxError> {
        if !positives.contains(&Rule::colon) {
            return None;
        }
        let keyword = self.previous(1).or(self.previous(0))?;
        let after = self.context()?;
        let help = match keyword {
            "rule" | "priority" => "a rule's name ends with `:`, as in `rule lead_to_mql: if …`",
            "field" => "a field's type follows a `:`, as in `field budget: number`",
            _ => "a property's type follows a `:`, as in `{ amount: number }`",
        };
        Some(
            self.error(format!("missing `:` after {after}"))
                .with_help(help),
        )
    }

    fn reserved_name(&self, positives: &[Rule]) -> Option<SyntaxError> {
        let word = self.found_word()?;
        let declaring = self
            .previous(0)
            .is_some_and(|p| DECLARING_WORDS.contains(&p));
        if !positives.contains(&Rule::name) || !RESERVED_WORDS.contains(&word) || !declaring {
            return None;
        }
        // Every use of the word as a name is this same error with this same
        // edit, so applying them all renames the thing consistently.
        let renamed = format!("{word}_");
        let found = self.found?;
        Some(
            self.error(format!("`{word}` is a reserved word and cannot be a name"))
                .with_fix(
                    Fix::rename(found.span, renamed.clone()),
                    format!(
                        "choose another name, e.g. `{renamed}` (`nurture check --fix` renames every use alike); docs/language.md lists the reserved words"
                    ),
                ),
        )
    }

    /// A misspelt keyword where a new item could start: `rulle`, `segmnt`.
    fn misspelt_item(&self, positives: &[Rule]) -> Option<SyntaxError> {
        if !expects_item(positives) {
            return None;
        }
        let fix = self.suggest_keyword(positives)?;
        ITEM_KEYWORDS.contains(&fix.replacement.as_str()).then(|| {
            did_you_mean(
                self.error(format!("expected {AN_ITEM}, {}", self.found_phrase())),
                fix,
            )
        })
    }

    /// `wait 7`: a number where a duration belongs.
    fn missing_unit(&self, positives: &[Rule]) -> Option<SyntaxError> {
        let found = self.found.filter(|l| l.kind == LexemeKind::Number)?;
        if !positives.contains(&Rule::duration) {
            return None;
        }
        let amount = found.text(self.source);
        Some(
            self.error(format!("`{}` needs a unit", shown(amount)))
                .with_help(format!(
                    "write a duration such as `{amount} days`; the units are `minutes`, \
                     `hours`, `days` and `weeks`"
                )),
        )
    }

    /// The general message: what was expected, after what, and what was found.
    fn expected(&self, positives: &[Rule]) -> SyntaxError {
        let name_kind = self.name_kind();
        // After `stage >=` the grammar also tries a field named `stage`;
        // a value there is never what the author meant.
        let positives: Vec<Rule> = positives
            .iter()
            .copied()
            .filter(|r| {
                !(name_kind == "a stage name" && matches!(r, Rule::literal | Rule::kw_script))
            })
            .collect();
        let positives = positives.as_slice();
        let described = describe_all(positives, name_kind);
        let mut message = format!("expected {}", join_or(&described));
        if described.first().map(String::as_str) != Some(AN_ITEM) {
            if let Some(after) = self.context() {
                message.push_str(&format!(" after {after}"));
            }
        }
        message.push_str(&format!(", {}", self.found_phrase()));
        let error = self.error(message);
        if let Some(fix) = self
            .suggest_keyword(positives)
            .or_else(|| self.suggest_condition_keyword(positives))
        {
            return did_you_mean(error, fix);
        }
        match self.hint(positives) {
            Some(help) => error.with_help(help),
            None => error,
        }
    }

    /// A fix in words for the general message, when one is likely.
    fn hint(&self, positives: &[Rule]) -> Option<String> {
        if positives.contains(&Rule::kw_end) && !positives.contains(&Rule::kw_then) {
            return Some("a branch ends with `end`: `if A then … else … end`".to_string());
        }
        if positives.contains(&Rule::send_channel) {
            let word = self.found_word()?;
            return Some(format!(
                "say which channel: `send email {word}` or `send sms {word}`"
            ));
        }
        None
    }

    fn found_phrase(&self) -> String {
        match self.found_text() {
            Some(text) => format!("found `{}`", shown(text)),
            None => "found the end of the file".to_string(),
        }
    }

    /// "`move to`": the one or two tokens before the error, if on one line.
    fn context(&self) -> Option<String> {
        let last = self.before.last()?;
        let mut start = last.span.start;
        if let Some(earlier) = self
            .before
            .len()
            .checked_sub(2)
            .and_then(|i| self.before.get(i))
        {
            let between = self.source.get(earlier.span.end..last.span.start)?;
            if !between.contains('\n') && earlier.kind == LexemeKind::Word {
                start = earlier.span.start;
            }
        }
        let text = self.source.get(start..last.span.end)?;
        Some(format!("`{}`", shown(text)))
    }

    /// What kind of name a `name` at this place would be, from the words
    /// before it.
    fn name_kind(&self) -> &'static str {
        let last = self.previous(0).unwrap_or("");
        let second = self.previous(1).unwrap_or("");
        let third = self.previous(2).unwrap_or("");
        let stage_context = second == "stage" || (second == "is" && third == "stage");
        match last {
            "to" if matches!(second, "move" | "back") => "a stage name",
            "stages" | "->" | "→" => "a stage name",
            ">=" | "<=" | ">" | "<" | "=" | "!=" | "is" | "not" | "[" if stage_context => {
                "a stage name"
            }
            "email" => "an e-mail name",
            "sms" => "an SMS name",
            "page" | "visited" => "a page name",
            "form" => "a form name",
            "asset" => "an asset name",
            "list" => "a list name",
            "segment" => "a segment name",
            "field" | "set" => "a field name",
            "rule" => "a rule name",
            "event" => "an event name",
            "script" => "a script name",
            _ => "a name",
        }
    }

    /// The expected keyword closest to a misspelt word, if close enough, as
    /// the edit that puts it in the word's place.
    fn suggest_keyword(&self, positives: &[Rule]) -> Option<Fix> {
        let found = self.found.filter(|l| l.kind == LexemeKind::Word)?;
        let word = found.text(self.source);
        // A real keyword in the wrong place is not a typo of another one.
        if word.len() < 2 || is_known_word(word) {
            return None;
        }
        let mut candidates: Vec<String> = positives.iter().flat_map(|r| words_of(*r)).collect();
        if expects_item(positives) {
            candidates.extend(ITEM_KEYWORDS.iter().map(|k| k.to_string()));
        }
        let keyword = closest(word, candidates.iter().map(String::as_str))?;
        Some(Fix::spelling(found.span, keyword))
    }

    /// `opend 5 emails` parses as a field `opend` followed by a bad test:
    /// the word before a failed test may be a misspelt condition keyword.
    fn suggest_condition_keyword(&self, positives: &[Rule]) -> Option<Fix> {
        if !positives.iter().any(|r| is_test_rule(*r)) {
            return None;
        }
        let lexeme = self.before.last().filter(|l| l.kind == LexemeKind::Word)?;
        let word = lexeme.text(self.source);
        if is_known_word(word) {
            return None;
        }
        let keyword = closest(word, CONDITION_KEYWORDS.iter().copied())?;
        Some(Fix::spelling(lexeme.span, keyword))
    }
}

/// The error with a misspelt word's fix: the help line and the edit.
fn did_you_mean(error: SyntaxError, fix: Fix) -> SyntaxError {
    let help = did_you_mean_message(&fix.replacement);
    error.with_fix(fix, help)
}

/// The words a rule accepts, for spelling suggestions.
fn words_of(rule: Rule) -> Vec<String> {
    let words: &[&str] = match rule {
        Rule::condition_trigger => &["if", "when"],
        Rule::send_channel => &["email", "sms"],
        Rule::cap_channel => &["email", "emails", "sms"],
        Rule::recipient => &["sales", "owner"],
        Rule::email_verb => &["received", "opened", "clicked"],
        Rule::agg_func => &["total", "average", "min", "max", "first", "last"],
        Rule::duration_unit | Rule::cap_period => &["minutes", "hours", "days", "weeks"],
        Rule::day_pattern | Rule::weekday_name => &[
            "weekend",
            "weekday",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ],
        Rule::type_expr => &[
            "text", "number", "bool", "boolean", "date", "datetime", "list",
        ],
        _ => return keyword_of(rule).into_iter().collect(),
    };
    words.iter().map(|w| w.to_string()).collect()
}

fn is_known_word(word: &str) -> bool {
    [
        RESERVED_WORDS,
        ITEM_KEYWORDS,
        STEP_KEYWORDS,
        CONDITION_KEYWORDS,
    ]
    .iter()
    .any(|words| words.contains(&word))
}

/// Whether a new item could start here. The end of the input is expected
/// exactly where an item could start.
fn expects_item(positives: &[Rule]) -> bool {
    positives.contains(&Rule::file)
        || positives.contains(&Rule::lone_item)
        || positives.contains(&Rule::EOI)
        || positives.iter().filter(|r| is_item_start(**r)).count() >= 3
}

/// Whether the grammar wanted a step here (its keywords, folded as in
/// [`describe_all`]).
fn expects_step(positives: &[Rule]) -> bool {
    positives
        .iter()
        .any(|r| matches!(r, Rule::steps | Rule::step))
        || positives
            .iter()
            .filter_map(|r| keyword_of(*r))
            .filter(|k| STEP_KEYWORDS.contains(&k.as_str()))
            .count()
            >= 3
}

fn is_item_start(rule: Rule) -> bool {
    rule == Rule::content_kind
        || keyword_of(rule).is_some_and(|k| ITEM_KEYWORDS.contains(&k.as_str()))
}

/// 1-based line and column (in characters) of a byte offset at or after
/// `origin`.
fn line_column(source: &str, origin: Origin, pos: usize) -> (usize, usize) {
    let before = source.get(..pos).unwrap_or(source);
    let line = origin.line
        + before
            .get(origin.pos.min(before.len())..)
            .unwrap_or_default()
            .matches('\n')
            .count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Token text fit for a one-line message: short, control characters escaped.
fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 30;
    let mut shown: String = text
        .chars()
        .take(MAX_CHARS)
        .flat_map(|c| {
            let escape = c.is_control();
            let plain = if escape { None } else { Some(c) };
            let escaped: Vec<char> = if escape {
                c.escape_default().collect()
            } else {
                Vec::new()
            };
            plain.into_iter().chain(escaped)
        })
        .collect();
    if text.chars().count() > MAX_CHARS {
        shown.push('…');
    }
    shown
}

/// `kw_move` → `move`; `None` for rules that are not keywords.
fn keyword_of(rule: Rule) -> Option<String> {
    format!("{rule:?}").strip_prefix("kw_").map(str::to_string)
}

/// Plain-word descriptions of the expected rules, families folded together,
/// without repeats, in the grammar's order.
fn describe_all(positives: &[Rule], name_kind: &'static str) -> Vec<String> {
    let keywords: Vec<String> = positives.iter().filter_map(|r| keyword_of(*r)).collect();
    let count_in = |family: &[&str]| {
        keywords
            .iter()
            .filter(|k| family.contains(&k.as_str()))
            .count()
    };
    let fold_items = expects_item(positives);
    let fold_steps = count_in(STEP_KEYWORDS) >= 3;
    let fold_conditions = count_in(CONDITION_KEYWORDS) >= 3;
    let fold_tests = positives.iter().filter(|r| is_test_rule(**r)).count() >= 3;

    let mut described: Vec<String> = Vec::new();
    let mut add = |text: String| {
        if !described.contains(&text) {
            described.push(text);
        }
    };
    for rule in positives {
        let keyword = keyword_of(*rule);
        let in_family = |family: &[&str]| keyword.as_deref().is_some_and(|k| family.contains(&k));
        if fold_items
            && (is_item_start(*rule) || matches!(*rule, Rule::EOI | Rule::file | Rule::lone_item))
        {
            add(AN_ITEM.to_string());
        } else if fold_steps && in_family(STEP_KEYWORDS) {
            add(A_STEP.to_string());
        } else if fold_conditions && (in_family(CONDITION_KEYWORDS) || is_condition_rule(*rule)) {
            add(A_CONDITION.to_string());
        } else if fold_tests && is_test_rule(*rule) {
            add(TESTS.to_string());
        } else if *rule == Rule::condition_trigger {
            add("`if`".to_string());
            add("`when`".to_string());
        } else if let Some(keyword) = keyword {
            add(format!("`{keyword}`"));
        } else if *rule == Rule::name {
            add(name_kind.to_string());
        } else {
            add(describe(*rule).to_string());
        }
    }
    // A new item is the last thing to suggest: the error is more likely in
    // the item just written.
    if let Some(at) = described.iter().position(|d| d == AN_ITEM) {
        let item = described.remove(at);
        described.push(item);
    }
    described
}

fn is_test_rule(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::value_test
            | Rule::is_not_set_test
            | Rule::is_set_test
            | Rule::is_today_test
            | Rule::is_not_test
            | Rule::is_test
            | Rule::not_in_test
            | Rule::in_test
            | Rule::contains_test
            | Rule::starts_with_test
            | Rule::ends_with_test
            | Rule::matches_test
            | Rule::before_test
            | Rule::after_test
            | Rule::within_last_test
            | Rule::more_than_ago_test
            | Rule::less_than_ago_test
            | Rule::compare_test
            | Rule::cmp_op
    )
}

fn is_condition_rule(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::condition
            | Rule::or_condition
            | Rule::and_condition
            | Rule::not_condition
            | Rule::paren_condition
            | Rule::lparen
            | Rule::name
            | Rule::kw_not
    )
}

/// One rule in plain words. Keywords are handled before this is called.
fn describe(rule: Rule) -> &'static str {
    use Rule as R;
    match rule {
        R::EOI => "the end of the file",
        R::file
        | R::import_item
        | R::stages_item
        | R::campaign_item
        | R::field_item
        | R::content_item
        | R::event_item
        | R::segment_item
        | R::decay_item
        | R::rule_item
        | R::on_rule_item => AN_ITEM,
        R::timezone_setting | R::quiet_hours_setting | R::cap_setting => {
            "a setting (`timezone`, `quiet hours` or `at most`)"
        }
        R::cap_channel => "`email`, `emails` or `sms`",
        R::cap_period => "a period such as `day` or `2 days`",
        R::cap_policy => "`then drop` or `then delay`",
        R::type_expr => "a type (`text`, `number`, `bool`, `date`, `datetime` or `list of text`)",
        R::content_kind => "`email`, `sms`, `page`, `form`, `asset` or `list`",
        R::content_entry => "a name",
        R::property_decl => "a property such as `amount: number`",
        R::percent => "`%`",
        R::priority => "`priority`",
        R::condition_trigger => "`if` or `when`",
        R::on_trigger => "`on`",
        R::exit_clause => "`exit when`",
        R::repeat_clause => "`repeat every`",
        R::steps | R::step => A_STEP,
        R::move_back_step | R::move_step => "`move to`",
        R::send_step => "`send email` or `send sms`",
        R::add_points_step | R::remove_points_step | R::set_points_step => "a change of points",
        R::add_tag_step | R::remove_tag_step => "a change of tags",
        R::add_to_list_step | R::remove_from_list_step => "a change of lists",
        R::set_field_step => "`set FIELD to VALUE`",
        R::notify_step => "`notify sales` or `notify owner`",
        R::hand_off_step => "`hand off to crm`",
        R::webhook_step => "`call webhook`",
        R::do_not_contact_step => "`mark do not contact`",
        R::unsubscribe_step => "`unsubscribe`",
        R::wait_until_time_step | R::wait_until_instant_step | R::wait_step => "`wait`",
        R::branch_step => "`if … then … end`",
        R::stop_step => "`stop`",
        R::send_channel => "`email` or `sms`",
        R::again => "`again`",
        R::recipient => "`sales` or `owner`",
        R::condition
        | R::or_condition
        | R::and_condition
        | R::not_condition
        | R::paren_condition => A_CONDITION,
        R::stage_condition => "`stage`",
        R::stage_test => "a stage test such as `>= MQL`, `is Lead` or `in [SQL, Customer]`",
        R::name_list => "a list of names such as `[SQL, Customer]`",
        R::points_condition => "`points`",
        R::tag_condition => "`has tag`",
        R::segment_condition => "`in segment`",
        R::list_condition => "`in list`",
        R::consent_condition => "`is unsubscribed` or `is do not contact`",
        R::unsubscribed_state => "`unsubscribed`",
        R::do_not_contact_state => "`do not contact`",
        R::today_condition => "`today is`",
        R::day_pattern | R::weekday_name => "a day such as `monday`, `weekday` or `weekend`",
        R::script_condition => "`script`",
        R::field_condition => "a field test such as `country = \"PL\"`",
        R::behaviour_condition => "a behaviour such as `opened 5 emails`",
        R::none_marker => "`no` or `never`",
        R::times => "a count such as `3 times`, `once` or `at least twice`",
        R::count => "a count such as `5` or `at least 5`",
        R::count_op => "`at least`, `at most`, `exactly`, `more than` or `fewer than`",
        R::distinct => "`different`",
        R::email_verb_phrase | R::email_verb => "`received`, `opened` or `clicked`",
        R::email_object | R::counted_emails | R::any_email | R::named_email | R::bare_email => {
            "an e-mail such as `email welcome`, `any email` or `5 emails`"
        }
        R::visited_phrase => "`visited`",
        R::page_object | R::counted_pages | R::any_page | R::named_page => {
            "a page such as `pricing`, `any page` or `3 pages`"
        }
        R::submitted_phrase => "`submitted`",
        R::form_object | R::counted_forms | R::any_form | R::named_form => {
            "a form such as `form demo` or `any form`"
        }
        R::downloaded_phrase => "`downloaded`",
        R::asset_object | R::counted_assets | R::any_asset | R::named_asset => {
            "an asset such as `asset whitepaper` or `any asset`"
        }
        R::purchased_phrase => "`purchased`",
        R::unsubscribed_phrase => "`unsubscribed`",
        R::custom_event_phrase => "`event`",
        R::event_matcher => "an event such as `opened email` or `purchase`",
        R::where_filter => "`where`",
        R::filter_or | R::filter_and | R::filter_not | R::filter_paren => {
            "a property test such as `amount > 100`"
        }
        R::window => "a time window such as `in last 30 days` or `since`",
        R::last_window => "`in last`",
        R::since_window => "`since`",
        R::aggregate_condition => "an aggregate such as `total purchase amount`",
        R::agg_func => "`total`, `average`, `min`, `max`, `first` or `last`",
        R::agg_event => "an event name such as `purchase`",
        R::agg_property => "a property name",
        R::literal => "a value (a number, a string in double quotes, a date, `true` or `false`)",
        R::literal_list => "a list of values such as `[\"PL\", \"DE\"]`",
        R::colon => "`:`",
        R::comma => "`,`",
        R::equals => "`=`",
        R::lbrace => "`{`",
        R::rbrace => "`}`",
        R::lparen => "`(`",
        R::rparen => "`)`",
        R::lbracket => "`[`",
        R::rbracket => "`]`",
        R::duration => "a duration such as `7 days`",
        R::duration_unit => "a unit (`minutes`, `hours`, `days` or `weeks`)",
        R::time_of_day => "a time of day such as `09:00`",
        R::date => "a date such as `2024-12-24`",
        R::datetime => "a date and time such as `2024-12-24T09:00:00Z`",
        R::number => "a number",
        R::int => "a whole number",
        R::string | R::string_inner => "a string in double quotes",
        R::name | R::reserved => "a name",
        R::WHITESPACE => "a space",
        R::value_test
        | R::is_not_set_test
        | R::is_set_test
        | R::is_today_test
        | R::is_not_test
        | R::is_test
        | R::not_in_test
        | R::in_test
        | R::contains_test
        | R::starts_with_test
        | R::ends_with_test
        | R::matches_test
        | R::before_test
        | R::after_test
        | R::within_last_test
        | R::more_than_ago_test
        | R::less_than_ago_test
        | R::compare_test
        | R::cmp_op => TESTS,
        _ => "something else",
    }
}

/// "A", "A or B", "A, B or C"; long lists are cut short.
fn join_or(items: &[String]) -> String {
    const MAX_ITEMS: usize = 6;
    let mut items: Vec<&str> = items.iter().map(String::as_str).collect();
    if items.len() > MAX_ITEMS {
        items.truncate(MAX_ITEMS - 1);
        items.push("something else");
    }
    match items.split_last() {
        None => "something else".to_string(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}
