//! The steps of a rule: actions, waits and branches.

use super::conditions::condition;
use super::pairs::{
    child, children, first_child, has_child, not_understood, opt_child, span_of, Lowered, P,
};
use super::primitives::{
    calendar_child, duration_child, int_child, literal, name_child, text_child, time_of_day_child,
};
use super::too_deep;
use crate::syntax::ast::{Channel, Recipient, Step, StepKind};
use crate::syntax::grammar::Rule;
use crate::syntax::limits::MAX_TREE_DEPTH;

/// A `steps` pair. `depth` counts the conditions and steps it is nested in.
pub(crate) fn steps(pair: &P, depth: usize) -> Lowered<Vec<Step>> {
    if depth > MAX_TREE_DEPTH {
        return Err(too_deep(span_of(pair)));
    }
    children(pair, Rule::step)
        .map(|s| step(&s, depth))
        .collect()
}

fn step(pair: &P, depth: usize) -> Lowered<Step> {
    let action = first_child(pair)?;
    Ok(Step {
        kind: step_kind(&action, depth)?,
        unless: opt_child(pair, Rule::condition)
            .map(|c| condition(&c, depth + 1))
            .transpose()?,
        span: span_of(pair).into(),
    })
}

fn step_kind(pair: &P, depth: usize) -> Lowered<StepKind> {
    Ok(match pair.as_rule() {
        Rule::move_back_step => StepKind::MoveBackTo(name_child(pair)?),
        Rule::move_step => StepKind::MoveTo(name_child(pair)?),
        Rule::send_step => StepKind::Send {
            channel: channel(&child(pair, Rule::send_channel)?)?,
            message: name_child(pair)?,
            again: has_child(pair, Rule::again),
        },
        Rule::add_points_step => StepKind::AddPoints(int_child(pair)?),
        Rule::remove_points_step => StepKind::RemovePoints(int_child(pair)?),
        Rule::set_points_step => match opt_child(pair, Rule::script_ref) {
            Some(script) => StepKind::SetPointsScript(name_child(&script)?),
            None => StepKind::SetPoints(int_child(pair)?),
        },
        Rule::add_tag_step => StepKind::AddTag(text_child(pair)?),
        Rule::remove_tag_step => StepKind::RemoveTag(text_child(pair)?),
        Rule::add_to_list_step => StepKind::AddToList(name_child(pair)?),
        Rule::remove_from_list_step => StepKind::RemoveFromList(name_child(pair)?),
        Rule::set_field_step => match opt_child(pair, Rule::script_ref) {
            Some(script) => StepKind::SetFieldScript {
                field: name_child(pair)?,
                script: name_child(&script)?,
            },
            None => StepKind::SetField {
                field: name_child(pair)?,
                value: literal(&child(pair, Rule::literal)?)?,
            },
        },
        Rule::notify_step => StepKind::Notify {
            recipient: recipient(&child(pair, Rule::recipient)?)?,
            message: optional_text(pair)?,
        },
        Rule::hand_off_step => StepKind::HandOff(optional_text(pair)?),
        Rule::webhook_step => StepKind::Webhook(text_child(pair)?),
        Rule::do_not_contact_step => StepKind::MarkDoNotContact,
        Rule::unsubscribe_step => StepKind::Unsubscribe,
        Rule::wait_step => StepKind::Wait(duration_child(pair)?),
        Rule::wait_until_time_step => StepKind::WaitUntilTime(time_of_day_child(pair)?),
        Rule::wait_until_instant_step => StepKind::WaitUntilInstant(
            calendar_child(pair).unwrap_or_else(|| Err(not_understood(pair)))?,
        ),
        Rule::branch_step => branch(pair, depth)?,
        Rule::stop_step => StepKind::Stop,
        _ => return Err(not_understood(pair)),
    })
}

fn optional_text(pair: &P) -> Lowered<Option<crate::syntax::ast::Text>> {
    opt_child(pair, Rule::string)
        .map(|_| text_child(pair))
        .transpose()
}

/// `if C then A [else B] end`
fn branch(pair: &P, depth: usize) -> Lowered<StepKind> {
    let mut arms = children(pair, Rule::steps);
    let then = arms.next().ok_or_else(|| not_understood(pair))?;
    let otherwise = match arms.next() {
        Some(arm) => steps(&arm, depth + 1)?,
        None => Vec::new(),
    };
    Ok(StepKind::Branch {
        condition: condition(&child(pair, Rule::condition)?, depth + 1)?,
        then: steps(&then, depth + 1)?,
        otherwise,
    })
}

fn channel(pair: &P) -> Lowered<Channel> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_email | Rule::kw_emails => Channel::Email,
        Rule::kw_sms => Channel::Sms,
        _ => return Err(not_understood(pair)),
    })
}

fn recipient(pair: &P) -> Lowered<Recipient> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_sales => Recipient::Sales,
        Rule::kw_owner => Recipient::Owner,
        _ => return Err(not_understood(pair)),
    })
}
