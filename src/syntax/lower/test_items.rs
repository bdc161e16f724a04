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
            span: span_of(&clause).into(),
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
        .map(|value| Int {
            value,
            span: span.into(),
        })
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
        span: span_of(pair).into(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use crate::syntax::ast::*;
    use crate::syntax::parse;

    fn test_block(source: &str) -> TestBlock {
        match parse(source).unwrap().items.remove(0).kind {
            ItemKind::Test(test) => test,
            other => panic!("not a test: {other:?}"),
        }
    }

    #[test]
    fn every_clause_lowers() {
        let source = r#"test "t" {
  given contact stage Lead, points -3, tag "vip", country "PL"
  events
    2025-01-02T10:00:00Z opened email welcome
    2025-01-03 visited "/pricing"
    2025-01-03 visited page pricing
    2025-01-04T10:00:00Z purchase amount 120, category "pro"
    2025-01-05 event "page.visited" url "/x"
    2025-01-05 clicked email stay url "/keep-me"
    2025-01-06 submitted form demo
    2025-01-06 downloaded asset sheet
    2025-01-06 unsubscribed
  from 2025-01-01
  at 2025-01-07
  expect stage MQL
  expect stage >= Lead
  expect points >= 12
  expect points 5
  expect not tag "hot"
  expect in segment engaged
  expect sent email mql_nurture
  expect not sent sms nudge
  expect fired lead_to_mql
}"#;
        let test = test_block(source);
        assert_eq!(test.name.value, "t");
        assert_eq!(test.clauses.len(), 13);
        let TestClauseKind::Given(parts) = &test.clauses[0].kind else {
            panic!()
        };
        assert!(matches!(&parts[0], GivenPart::Stage(s) if s.name == "Lead"));
        assert!(matches!(&parts[1], GivenPart::Points(p) if p.value == -3));
        assert!(matches!(&parts[2], GivenPart::Tag(t) if t.value == "vip"));
        assert!(
            matches!(&parts[3], GivenPart::Field { name, value } if name.name == "country" && value.kind == LiteralKind::Text("PL".into()))
        );
        let TestClauseKind::Events(events) = &test.clauses[1].kind else {
            panic!()
        };
        assert_eq!(events.len(), 9);
        assert!(
            matches!(&events[0].kind, TestEventKind::Email { verb: Verb::Opened, email } if email.name == "welcome")
        );
        assert_eq!(
            &source[events[0].span.start..events[0].span.end],
            "2025-01-02T10:00:00Z opened email welcome"
        );
        assert!(matches!(&events[1].kind, TestEventKind::VisitedUrl(u) if u.value == "/pricing"));
        assert!(matches!(&events[2].kind, TestEventKind::VisitedPage(p) if p.name == "pricing"));
        assert!(matches!(events[3].kind, TestEventKind::Purchase));
        assert_eq!(events[3].properties.len(), 2);
        assert_eq!(events[3].properties[1].0.name, "category");
        assert!(matches!(&events[4].kind, TestEventKind::Custom(t) if t.name == "page.visited"));
        assert_eq!(events[5].properties[0].0.name, "url");
        assert!(matches!(events[8].kind, TestEventKind::Unsubscribed));
        assert!(matches!(test.clauses[2].kind, TestClauseKind::From(_)));
        assert!(matches!(test.clauses[3].kind, TestClauseKind::At(_)));
        let expects: Vec<(bool, &Expectation)> = test.clauses[4..]
            .iter()
            .map(|c| match &c.kind {
                TestClauseKind::Expect {
                    negated,
                    expectation,
                } => (*negated, expectation),
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(matches!(
            expects[0],
            (false, Expectation::Stage { op: None, .. })
        ));
        assert!(matches!(
            expects[1],
            (
                false,
                Expectation::Stage {
                    op: Some(CmpOp::Ge),
                    ..
                }
            )
        ));
        assert!(
            matches!(expects[2], (false, Expectation::Points { op: CmpOp::Ge, value }) if value.value == 12)
        );
        assert!(
            matches!(expects[3], (false, Expectation::Points { op: CmpOp::Eq, value }) if value.value == 5)
        );
        assert!(matches!(expects[4], (true, Expectation::Tag(_))));
        assert!(matches!(expects[5], (false, Expectation::InSegment(_))));
        assert!(matches!(
            expects[6],
            (
                false,
                Expectation::Sent {
                    channel: Channel::Email,
                    ..
                }
            )
        ));
        assert!(matches!(
            expects[7],
            (
                true,
                Expectation::Sent {
                    channel: Channel::Sms,
                    ..
                }
            )
        ));
        assert!(matches!(expects[8], (false, Expectation::Fired(r)) if r.name == "lead_to_mql"));
    }

    #[test]
    fn a_property_named_like_a_clause_keyword_does_not_swallow_the_clause() {
        let test = test_block(
            "test \"t\" { events 2025-01-01 purchase amount 5 at 2025-01-02 expect points 0 }",
        );
        let TestClauseKind::Events(events) = &test.clauses[0].kind else {
            panic!()
        };
        assert_eq!(events[0].properties.len(), 1);
        assert!(matches!(test.clauses[1].kind, TestClauseKind::At(_)));
    }

    #[test]
    fn tests_sit_among_other_items_and_bad_ones_are_syntax_errors() {
        let file = parse("stages A\ntest \"x\" { at 2025-01-01 expect stage A }\nrule r: if points > 1 then move to A").unwrap();
        assert_eq!(file.items.len(), 3);
        assert!(parse("test \"x\" { expect stage }").is_err());
        assert!(parse("test x { }").is_err());
        assert!(parse("test \"x\" { events 2025-01-01 opened email }").is_err());
    }
}
