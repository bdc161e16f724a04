//! `test "name" { … }` blocks: tests written in the language itself.

use super::pairs::{child, children, first_child, has_child, not_understood, span_of, Lowered, P};
use super::primitives::{calendar_child, cmp_op, ident, literal, name_child, text, text_child};
use crate::syntax::ast::{
    Channel, Expectation, GivenPart, Ident, Int, TestBlock, TestClause, TestClauseKind, TestEvent,
    TestEventKind, Verb,
};
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;

pub(crate) fn test_block(pair: &P) -> Lowered<TestBlock> {
    let mut clauses = Vec::new();
    for clause in pair.clone().into_inner() {
        let kind = match clause.as_rule() {
            Rule::given_clause => TestClauseKind::Given(given(&clause)?),
            Rule::events_clause => TestClauseKind::Events(
                children(&clause, Rule::test_event)
                    .map(|e| event(&e))
                    .collect::<Lowered<Vec<_>>>()?,
            ),
            Rule::from_clause => TestClauseKind::From(calendar(&clause)?),
            Rule::at_clause => TestClauseKind::At(calendar(&clause)?),
            Rule::expect_clause => TestClauseKind::Expect {
                negated: has_child(&clause, Rule::expect_not),
                expectation: expectation(&clause)?,
            },
            _ => continue,
        };
        clauses.push(TestClause {
            kind,
            span: span_of(&clause),
        });
    }
    Ok(TestBlock {
        name: text_child(pair)?,
        clauses,
    })
}

fn calendar(pair: &P) -> Lowered<crate::syntax::ast::Literal> {
    calendar_child(pair).unwrap_or_else(|| Err(not_understood(pair)))
}

fn signed_int(pair: &P) -> Lowered<Int> {
    let span = span_of(pair);
    pair.as_str()
        .parse::<i64>()
        .map(|value| Int { value, span })
        .map_err(|_| {
            SyntaxError::new(
                codes::INVALID_NUMBER,
                format!("`{}` does not fit in a whole number", pair.as_str()),
                span,
            )
        })
}

fn given(pair: &P) -> Lowered<Vec<GivenPart>> {
    let mut parts = Vec::new();
    for part in pair.clone().into_inner() {
        parts.push(match part.as_rule() {
            Rule::given_stage => GivenPart::Stage(name_child(&part)?),
            Rule::given_points => GivenPart::Points(signed_int(&child(&part, Rule::signed_int)?)?),
            Rule::given_tag => GivenPart::Tag(text_child(&part)?),
            Rule::given_field => GivenPart::Field {
                name: name_child(&part)?,
                value: literal(&child(&part, Rule::literal)?)?,
            },
            _ => continue,
        });
    }
    Ok(parts)
}

/// A name given as a string (`event "page.visited"`) keeps the string's span.
fn string_as_ident(pair: &P) -> Lowered<Ident> {
    let t = text(pair)?;
    Ok(Ident {
        name: t.value,
        span: t.span,
    })
}

fn event(pair: &P) -> Lowered<TestEvent> {
    let at = calendar(pair)?;
    let body = pair
        .clone()
        .into_inner()
        .find(|c| !matches!(c.as_rule(), Rule::date | Rule::datetime))
        .ok_or_else(|| not_understood(pair))?;
    let kind = match body.as_rule() {
        Rule::ev_email => {
            let verb = match first_child(&child(&body, Rule::email_verb)?)?.as_rule() {
                Rule::kw_received => Verb::Received,
                Rule::kw_opened => Verb::Opened,
                Rule::kw_clicked => Verb::Clicked,
                _ => return Err(not_understood(&body)),
            };
            TestEventKind::Email {
                verb,
                email: name_child(&body)?,
            }
        }
        Rule::ev_visited => match children(&body, Rule::string).next() {
            Some(url) => TestEventKind::VisitedUrl(text(&url)?),
            None => TestEventKind::VisitedPage(name_child(&body)?),
        },
        Rule::ev_submitted => TestEventKind::SubmittedForm(name_child(&body)?),
        Rule::ev_downloaded => TestEventKind::DownloadedAsset(name_child(&body)?),
        Rule::ev_purchase => TestEventKind::Purchase,
        Rule::ev_unsubscribed => TestEventKind::Unsubscribed,
        Rule::ev_custom => match children(&body, Rule::string).next() {
            Some(s) => TestEventKind::Custom(string_as_ident(&s)?),
            None => TestEventKind::Custom(name_child(&body)?),
        },
        _ => return Err(not_understood(&body)),
    };
    let mut properties = Vec::new();
    if let Some(props) = children(&body, Rule::ev_props).next() {
        for prop in children(&props, Rule::ev_prop) {
            properties.push((
                ident(&child(&prop, Rule::property_name)?),
                literal(&child(&prop, Rule::literal)?)?,
            ));
        }
    }
    Ok(TestEvent {
        at,
        kind,
        properties,
        span: span_of(pair),
    })
}

fn expectation(pair: &P) -> Lowered<Expectation> {
    let inner = pair
        .clone()
        .into_inner()
        .find(|c| !matches!(c.as_rule(), Rule::kw_expect | Rule::expect_not))
        .ok_or_else(|| not_understood(pair))?;
    Ok(match inner.as_rule() {
        Rule::exp_stage => Expectation::Stage {
            op: children(&inner, Rule::cmp_op)
                .next()
                .map(|op| cmp_op(&op))
                .transpose()?,
            stage: name_child(&inner)?,
        },
        Rule::exp_points => Expectation::Points {
            op: match children(&inner, Rule::cmp_op).next() {
                Some(op) => cmp_op(&op)?,
                None => crate::syntax::ast::CmpOp::Eq,
            },
            value: signed_int(&child(&inner, Rule::signed_int)?)?,
        },
        Rule::exp_tag => Expectation::Tag(text_child(&inner)?),
        Rule::exp_segment => Expectation::InSegment(name_child(&inner)?),
        Rule::exp_sent => Expectation::Sent {
            channel: if has_child(&child(&inner, Rule::send_channel)?, Rule::kw_sms) {
                Channel::Sms
            } else {
                Channel::Email
            },
            message: name_child(&inner)?,
        },
        Rule::exp_fired => Expectation::Fired(name_child(&inner)?),
        _ => return Err(not_understood(&inner)),
    })
}
