//! A name written as the wrong kind of thing: `send sms welcome` where
//! `welcome` is an e-mail. The plain answer, "SMS `welcome` is not
//! declared — declare it with `sms welcome`", would make `check` pass and
//! send a message nobody wrote; the right one names what `welcome` is and
//! offers the rewrite as a suggestion that `check --fix` can apply.

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
