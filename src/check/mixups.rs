//! A name written as the wrong kind of thing: `send sms welcome` where
//! `welcome` is an e-mail. The plain answer, "SMS `welcome` is not
//! declared — declare it with `sms welcome`", would make `check` pass and
//! send a message nobody wrote; the right one names what `welcome` is and
//! offers the rewrite as a suggestion that `check --fix` can apply.

use super::namespace::Table;
use super::Names;
use crate::base::vocab::Channel;
use crate::diagnostics::{codes, Diagnostic, FileId, Suggestion};
use crate::syntax::ast::{Ident, Span};

/// The channel's noun and the word `send` takes for it.
fn words(channel: Channel) -> (&'static str, &'static str) {
    match channel {
        Channel::Email => ("an e-mail", "email"),
        Channel::Sms => ("an SMS", "sms"),
    }
}

/// `send WRITTEN NAME` where NAME is a message of channel `actual`: the
/// error, with the step from `send` to the name rewritten as a suggestion.
pub(super) fn wrong_channel(
    written: Channel,
    actual: Channel,
    message: &Ident,
    step: Span,
    declared: Option<(FileId, Span)>,
    file: FileId,
) -> Diagnostic {
    let (actual_noun, actual_word) = words(actual);
    let (written_noun, _) = words(written);
    let replacement = format!("send {actual_word} {}", message.name);
    let mut diagnostic = Diagnostic::new(
        codes::UNDEFINED_MESSAGE,
        file,
        *message.span,
        format!("`{}` is {actual_noun}, not {written_noun}", message.name),
    )
    .with_help(format!("write `{replacement}`"))
    .with_suggestion(Suggestion {
        file,
        span: Span::new(step.start, message.span.end),
        message: format!("write `{replacement}`"),
        replacement,
        // The author may have meant an SMS of another name.
        applicability: crate::diagnostics::Applicability::MaybeIncorrect,
    });
    if let Some((declared_file, declared_span)) = declared {
        diagnostic = diagnostic.with_label(
            declared_file,
            declared_span,
            format!("declared here as {actual_noun}"),
        );
    }
    diagnostic
}

/// The kinds a name can be declared as, with how a condition or step uses
/// each: for "`demo` is a form, not a page".
const KINDS: [(&str, &str); 7] = [
    ("an e-mail", "`opened email NAME` or `send email NAME`"),
    ("an SMS", "`send sms NAME`"),
    ("a page", "`visited NAME`"),
    ("a form", "`submitted form NAME`"),
    ("an asset", "`downloaded asset NAME`"),
    ("a static list", "`in list NAME` or `add to list NAME`"),
    ("a segment", "`in segment NAME`"),
];

/// The tables of [`KINDS`], in its order.
fn tables(names: &mut Names) -> [&mut Table; 7] {
    [
        &mut names.emails,
        &mut names.sms,
        &mut names.pages,
        &mut names.forms,
        &mut names.assets,
        &mut names.lists,
        &mut names.segments,
    ]
}

/// `visited demo` where `demo` is a form: the undeclared-name error of
/// the `expected` kind (an index of [`KINDS`]) says what the name is and
/// how that is used, instead of "declare a page `demo`", which would make
/// the rule count visits of a page nobody meant. The declaration the
/// author meant counts as used, so it is not reported unused on top.
/// `None` when the name is declared as `expected`, or as nothing else.
pub(super) fn other_kind(
    names: &mut Names,
    expected: usize,
    ident: &Ident,
    file: FileId,
) -> Option<Diagnostic> {
    let mut tables = tables(names);
    let wanted = tables.get(expected)?;
    if wanted.excuses(&ident.name) || wanted.names.contains(&ident.name) {
        return None;
    }
    let mut diagnostic = wanted.undefined(ident, file);
    let wanted_noun = KINDS.get(expected)?.0;
    let (kind, table) = tables
        .iter_mut()
        .enumerate()
        .find(|(kind, table)| *kind != expected && table.names.contains(&ident.name))?;
    let (noun, usage) = KINDS.get(kind)?;
    let id = table.names.iter().position(|n| n == &ident.name)?;
    table.record_use(id, ident, file);
    diagnostic.suggestions.clear();
    diagnostic.message = format!("`{}` is {noun}, not {wanted_noun}", ident.name);
    diagnostic.help = Some(format!(
        "for {noun}, write {}",
        usage.replace("NAME", &ident.name)
    ));
    if let Some(&(declared_file, span)) = table.sites.get(id).filter(|s| s.0 != usize::MAX) {
        diagnostic = diagnostic.with_label(declared_file, span, format!("declared here as {noun}"));
    }
    Some(diagnostic)
}

/// The index in [`KINDS`] of the e-mails and of the SMS.
pub(super) const EMAILS: usize = 0;
pub(super) const SMS: usize = 1;
pub(super) const PAGES: usize = 2;
pub(super) const FORMS: usize = 3;
pub(super) const ASSETS: usize = 4;

/// `event purchase`, `event unsubscribed`: a built-in event written as a
/// declared one. The plain help, "declare it", cannot be followed (a
/// built-in name cannot be declared again), so it says how the built-in
/// event is written instead.
pub(super) fn builtin_event(mut diagnostic: Diagnostic, name: &str) -> Diagnostic {
    let usage = match name {
        "purchase" => "`purchased` in a condition (`purchased where amount > 100`), `on purchase` for a rule, `total purchase amount` in an aggregate",
        "unsubscribed" => "`unsubscribed` in a condition (`never unsubscribed`) or `on unsubscribed`",
        _ => "its verb: `opened email`, `visited`, `submitted form`, `downloaded asset`, `purchased`, `unsubscribed`",
    };
    diagnostic.suggestions.clear();
    diagnostic.message = format!("`{name}` is a built-in event, written without `event`");
    diagnostic.help = Some(format!("write {usage}"));
    diagnostic
}
