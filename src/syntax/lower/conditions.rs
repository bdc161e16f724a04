//! Conditions: boolean structure, stage/points/tag/… tests, behaviour
//! clauses, aggregates and the value tests they share.

use super::pairs::{
    child, children, first_child, has_child, not_understood, opt_child, span_of, Lowered, P,
};
use super::primitives::{
    calendar_child, cmp_op, duration_child, ident, int_child, literal, literal_list, name_child,
    text_child,
};
use super::too_deep;
use crate::syntax::ast::{
    AggFunc, Aggregate, Behaviour, CmpOp, Cond, CondKind, Consent, Count, CountOp, DayPattern,
    EventMatcher, Int, Literal, Operand, ScriptCompare, Span, StageOp, StageTest, Target,
    ValueTest, ValueTestKind, Verb, Window, WindowKind,
};
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;
use crate::syntax::limits::MAX_TREE_DEPTH;

/// Any condition-shaped pair, including the `where` filter rules. `depth`
/// counts the conditions and steps this one is nested in.
pub(crate) fn condition(pair: &P, depth: usize) -> Lowered<Cond> {
    if depth > MAX_TREE_DEPTH {
        return Err(too_deep(span_of(pair)));
    }
    let span = span_of(pair);
    let kind = match pair.as_rule() {
        // Wrappers that add nothing of their own.
        Rule::condition | Rule::where_filter => {
            return condition(&last_condition_child(pair)?, depth)
        }
        Rule::or_condition | Rule::filter_or => return operands(pair, depth, CondKind::Or),
        Rule::and_condition | Rule::filter_and => return operands(pair, depth, CondKind::And),
        Rule::not_condition | Rule::filter_not => return negation(pair, depth),
        Rule::paren_condition | Rule::filter_paren => CondKind::Paren(Box::new(condition(
            &last_condition_child(pair)?,
            depth + 1,
        )?)),
        Rule::stage_condition => CondKind::Stage(stage_test(&child(pair, Rule::stage_test)?)?),
        Rule::points_condition => match opt_child(pair, Rule::script_ref) {
            Some(script) => CondKind::ScriptCompare(ScriptCompare {
                left: Operand::Points(span_of(&first_child(pair)?).into()),
                op: cmp_op(&child(pair, Rule::cmp_op)?)?,
                right: Operand::Script(name_child(&script)?),
            }),
            None => CondKind::Points {
                op: cmp_op(&child(pair, Rule::cmp_op)?)?,
                value: int_child(pair)?,
            },
        },
        Rule::tag_condition => CondKind::HasTag(text_child(pair)?),
        Rule::segment_condition => CondKind::InSegment(name_child(pair)?),
        Rule::list_condition => CondKind::InList(name_child(pair)?),
        Rule::consent_condition => CondKind::Consent(consent(pair)?),
        Rule::today_condition => CondKind::Today(day_pattern(&child(pair, Rule::day_pattern)?)?),
        Rule::script_condition => match opt_child(pair, Rule::cmp_op) {
            Some(op) => CondKind::ScriptCompare(ScriptCompare {
                left: Operand::Script(name_child(pair)?),
                op: cmp_op(&op)?,
                right: Operand::Literal(literal(&child(pair, Rule::literal)?)?),
            }),
            None => CondKind::Script(name_child(pair)?),
        },
        Rule::field_condition => match opt_child(pair, Rule::field_script_test) {
            Some(test) => CondKind::ScriptCompare(ScriptCompare {
                left: Operand::Field(name_child(pair)?),
                op: cmp_op(&child(&test, Rule::cmp_op)?)?,
                right: Operand::Script(name_child(&child(&test, Rule::script_ref)?)?),
            }),
            None => CondKind::Field {
                field: name_child(pair)?,
                test: value_test(&child(pair, Rule::value_test)?)?,
            },
        },
        Rule::property_condition => CondKind::Field {
            field: ident(&child(pair, Rule::property_name)?),
            test: value_test(&child(pair, Rule::value_test)?)?,
        },
        Rule::behaviour_condition => CondKind::Behaviour(behaviour(pair, depth)?),
        Rule::aggregate_condition => CondKind::Aggregate(aggregate(pair, depth)?),
        _ => return Err(not_understood(pair)),
    };
    Ok(Cond {
        kind,
        span: span.into(),
    })
}

/// The condition inside a wrapper: its last child that is not a keyword or
/// bracket.
fn last_condition_child<'i>(pair: &P<'i>) -> Lowered<P<'i>> {
    pair.clone()
        .into_inner()
        .filter(|c| !is_keyword_or_bracket(c.as_rule()))
        .last()
        .ok_or_else(|| not_understood(pair))
}

fn is_keyword_or_bracket(rule: Rule) -> bool {
    matches!(rule, Rule::kw_where | Rule::lparen | Rule::rparen)
}

/// `a and b and c` / `a or b`: one operand stands for itself.
fn operands(pair: &P, depth: usize, combine: fn(Vec<Cond>) -> CondKind) -> Lowered<Cond> {
    let mut conds = pair
        .clone()
        .into_inner()
        .filter(|c| !matches!(c.as_rule(), Rule::kw_and | Rule::kw_or))
        .map(|c| condition(&c, depth))
        .collect::<Lowered<Vec<_>>>()?;
    if conds.len() == 1 {
        if let Some(only) = conds.pop() {
            return Ok(only);
        }
    }
    Ok(Cond {
        kind: combine(conds),
        span: span_of(pair).into(),
    })
}

/// `not X` or just `X`.
fn negation(pair: &P, depth: usize) -> Lowered<Cond> {
    let inner = last_operand(pair)?;
    if !has_child(pair, Rule::kw_not) {
        return condition(&inner, depth);
    }
    Ok(Cond {
        kind: CondKind::Not(Box::new(condition(&inner, depth + 1)?)),
        span: span_of(pair).into(),
    })
}

fn last_operand<'i>(pair: &P<'i>) -> Lowered<P<'i>> {
    pair.clone()
        .into_inner()
        .rfind(|c| c.as_rule() != Rule::kw_not)
        .ok_or_else(|| not_understood(pair))
}

fn stage_test(pair: &P) -> Lowered<StageTest> {
    let first = first_child(pair)?.as_rule();
    let set_test = match first {
        Rule::stage_set => Some(StageOp::IsSet),
        Rule::stage_not_set => Some(StageOp::IsNotSet),
        _ => None,
    };
    if let Some(op) = set_test {
        return Ok(StageTest {
            op,
            stages: Vec::new(),
        });
    }
    let negated = has_child(pair, Rule::kw_not);
    let op = match first {
        Rule::kw_not => StageOp::NotIn,
        Rule::kw_in => StageOp::In,
        Rule::kw_is if negated => StageOp::Cmp(CmpOp::Ne),
        Rule::kw_is => StageOp::Cmp(CmpOp::Eq),
        Rule::cmp_op => StageOp::Cmp(cmp_op(&child(pair, Rule::cmp_op)?)?),
        _ => return Err(not_understood(pair)),
    };
    let stages = match opt_child(pair, Rule::name_list) {
        Some(list) => children(&list, Rule::name).map(|n| ident(&n)).collect(),
        None => vec![name_child(pair)?],
    };
    Ok(StageTest { op, stages })
}

fn consent(pair: &P) -> Lowered<Consent> {
    if has_child(pair, Rule::unsubscribed_state) {
        Ok(Consent::Unsubscribed)
    } else if has_child(pair, Rule::do_not_contact_state) {
        Ok(Consent::DoNotContact)
    } else {
        Err(not_understood(pair))
    }
}

fn day_pattern(pair: &P) -> Lowered<DayPattern> {
    let inner = first_child(pair)?;
    Ok(match inner.as_rule() {
        Rule::kw_weekend => DayPattern::Weekend,
        Rule::kw_weekday => DayPattern::Workday,
        Rule::weekday_name => DayPattern::Weekday(weekday(&first_child(&inner)?)?),
        _ => return Err(not_understood(&inner)),
    })
}

fn weekday(pair: &P) -> Lowered<chrono::Weekday> {
    use chrono::Weekday;
    Ok(match pair.as_rule() {
        Rule::kw_monday => Weekday::Mon,
        Rule::kw_tuesday => Weekday::Tue,
        Rule::kw_wednesday => Weekday::Wed,
        Rule::kw_thursday => Weekday::Thu,
        Rule::kw_friday => Weekday::Fri,
        Rule::kw_saturday => Weekday::Sat,
        Rule::kw_sunday => Weekday::Sun,
        _ => return Err(not_understood(pair)),
    })
}

/// A `value_test` pair.
pub(crate) fn value_test(pair: &P) -> Lowered<ValueTest> {
    use ValueTestKind as K;
    let test = first_child(pair)?;
    let kind = match test.as_rule() {
        Rule::is_not_set_test => K::IsNotSet,
        Rule::is_set_test => K::IsSet,
        Rule::is_today_test => K::IsToday,
        Rule::is_not_test => K::Compare(CmpOp::Ne, literal_child(&test)?),
        Rule::is_test => K::Compare(CmpOp::Eq, literal_child(&test)?),
        Rule::compare_test => {
            K::Compare(cmp_op(&child(&test, Rule::cmp_op)?)?, literal_child(&test)?)
        }
        Rule::not_in_test => K::NotIn(literal_list(&child(&test, Rule::literal_list)?)?),
        Rule::in_test => K::In(literal_list(&child(&test, Rule::literal_list)?)?),
        Rule::contains_test => K::Contains(text_child(&test)?),
        Rule::starts_with_test => K::StartsWith(text_child(&test)?),
        Rule::ends_with_test => K::EndsWith(text_child(&test)?),
        Rule::matches_test => K::Matches(text_child(&test)?),
        Rule::before_test => K::Before(required_calendar(&test)?),
        Rule::after_test => K::After(required_calendar(&test)?),
        Rule::within_last_test => K::WithinLast(duration_child(&test)?),
        Rule::more_than_ago_test => K::MoreThanAgo(duration_child(&test)?),
        Rule::less_than_ago_test => K::LessThanAgo(duration_child(&test)?),
        _ => return Err(not_understood(&test)),
    };
    Ok(ValueTest {
        kind,
        span: span_of(pair).into(),
    })
}

fn literal_child(pair: &P) -> Lowered<Literal> {
    literal(&child(pair, Rule::literal)?)
}

fn required_calendar(pair: &P) -> Lowered<Literal> {
    calendar_child(pair).unwrap_or_else(|| Err(not_understood(pair)))
}

/// What a verb phrase says: the verb, its object, and a count written into
/// the object (`5 emails`, `3 different pages`).
struct Phrase {
    verb: Verb,
    target: Target,
    count: Option<Count>,
    distinct: bool,
}

fn is_verb_phrase(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::email_verb_phrase
            | Rule::visited_phrase
            | Rule::submitted_phrase
            | Rule::downloaded_phrase
            | Rule::purchased_phrase
            | Rule::unsubscribed_phrase
            | Rule::custom_event_phrase
    )
}

fn verb_phrase_child<'i>(pair: &P<'i>) -> Lowered<P<'i>> {
    pair.clone()
        .into_inner()
        .find(|c| is_verb_phrase(c.as_rule()))
        .ok_or_else(|| not_understood(pair))
}

fn phrase(pair: &P) -> Lowered<Phrase> {
    let (verb, object_rule) = match pair.as_rule() {
        Rule::email_verb_phrase => (
            email_verb(&child(pair, Rule::email_verb)?)?,
            Rule::email_object,
        ),
        Rule::visited_phrase => (Verb::Visited, Rule::page_object),
        Rule::submitted_phrase => (Verb::Submitted, Rule::form_object),
        Rule::downloaded_phrase => (Verb::Downloaded, Rule::asset_object),
        Rule::purchased_phrase => return Ok(untargeted(Verb::Purchased)),
        Rule::unsubscribed_phrase => return Ok(untargeted(Verb::UnsubscribedEvent)),
        Rule::custom_event_phrase => return Ok(untargeted(Verb::Custom(name_child(pair)?))),
        _ => return Err(not_understood(pair)),
    };
    let object = first_child(&child(pair, object_rule)?)?;
    let (target, count, distinct) = match object.as_rule() {
        Rule::counted_emails | Rule::counted_pages | Rule::counted_forms | Rule::counted_assets => {
            (
                Target::Any,
                Some(count(&child(&object, Rule::count)?)?),
                has_child(&object, Rule::distinct),
            )
        }
        Rule::any_email | Rule::any_page | Rule::any_form | Rule::any_asset | Rule::bare_email => {
            (Target::Any, None, false)
        }
        Rule::named_email | Rule::named_page | Rule::named_form | Rule::named_asset => {
            (Target::Named(name_child(&object)?), None, false)
        }
        // `visited pricing`: a page named without the word `page`.
        Rule::name => (Target::Named(ident(&object)), None, false),
        _ => return Err(not_understood(&object)),
    };
    Ok(Phrase {
        verb,
        target,
        count,
        distinct,
    })
}

fn untargeted(verb: Verb) -> Phrase {
    Phrase {
        verb,
        target: Target::Any,
        count: None,
        distinct: false,
    }
}

fn email_verb(pair: &P) -> Lowered<Verb> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_received => Verb::Received,
        Rule::kw_opened => Verb::Opened,
        Rule::kw_clicked => Verb::Clicked,
        _ => return Err(not_understood(pair)),
    })
}

/// A `count` pair: `5`, `at least 5`, `fewer than 2`.
fn count(pair: &P) -> Lowered<Count> {
    let op = match opt_child(pair, Rule::count_op) {
        None => CountOp::AtLeast,
        Some(op) => count_op(&op)?,
    };
    Ok(Count {
        op,
        n: int_child(pair)?,
        span: span_of(pair).into(),
    })
}

fn count_op(pair: &P) -> Lowered<CountOp> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_at if has_child(pair, Rule::kw_least) => CountOp::AtLeast,
        Rule::kw_at => CountOp::AtMost,
        Rule::kw_exactly => CountOp::Exactly,
        Rule::kw_more => CountOp::MoreThan,
        Rule::kw_fewer | Rule::kw_less => CountOp::FewerThan,
        _ => return Err(not_understood(pair)),
    })
}

/// A `times` pair. `once` and `twice` are 1 and 2 times: alone they mean
/// at least one and at least two, like a bare count, and a count word may
/// come first (`at most once`, `exactly twice`).
fn times(pair: &P) -> Lowered<Count> {
    let span = span_of(pair);
    if let Some(counted) = opt_child(pair, Rule::count) {
        return count(&counted);
    }
    let op = match opt_child(pair, Rule::count_op) {
        None => CountOp::AtLeast,
        Some(op) => count_op(&op)?,
    };
    let word = pair
        .clone()
        .into_inner()
        .find(|c| matches!(c.as_rule(), Rule::kw_once | Rule::kw_twice))
        .ok_or_else(|| not_understood(pair))?;
    let value = if word.as_rule() == Rule::kw_once {
        1
    } else {
        2
    };
    Ok(Count {
        op,
        n: Int {
            value,
            span: span_of(&word).into(),
        },
        span: span.into(),
    })
}

fn behaviour(pair: &P, depth: usize) -> Lowered<Behaviour> {
    let verb_phrase = verb_phrase_child(pair)?;
    let phrase = phrase(&verb_phrase)?;
    let times = opt_child(pair, Rule::times)
        .map(|t| times(&t))
        .transpose()?;
    let count = match (phrase.count, times) {
        (Some(_), Some(second)) => return Err(double_count(*second.span)),
        (object_count, times) => object_count.or(times),
    };
    let filter = where_filter(pair, depth)?;
    let matcher_end = filter.as_ref().map_or(span_of(&verb_phrase), |f| *f.span);
    Ok(Behaviour {
        matcher: EventMatcher {
            verb: phrase.verb,
            target: phrase.target,
            filter,
            span: span_of(&verb_phrase).to(matcher_end).into(),
        },
        none: has_child(pair, Rule::none_marker),
        count,
        distinct: phrase.distinct,
        window: opt_child(pair, Rule::window)
            .map(|w| window(&w))
            .transpose()?,
        span: span_of(pair).into(),
    })
}

fn double_count(span: Span) -> SyntaxError {
    SyntaxError::new(
        codes::DOUBLE_COUNT,
        "this behaviour is already counted",
        span,
    )
    .with_help(
        "count either the messages or the times, not both: \
         `opened 5 emails` or `opened email welcome 5 times`",
    )
}

/// An `event_matcher` pair: the trigger of an `on` rule.
pub(crate) fn event_matcher(pair: &P, depth: usize) -> Lowered<EventMatcher> {
    let phrase = phrase(&verb_phrase_child(pair)?)?;
    if let Some(count) = phrase.count {
        return Err(SyntaxError::new(
            codes::COUNT_IN_EVENT_TRIGGER,
            "an `on` rule runs once for every matching event, so it cannot count events",
            *count.span,
        )
        .with_help("to act when a count is reached, write a condition rule: `rule NAME: when opened 5 emails then …`"));
    }
    Ok(EventMatcher {
        verb: phrase.verb,
        target: phrase.target,
        filter: where_filter(pair, depth)?,
        span: span_of(pair).into(),
    })
}

fn where_filter(pair: &P, depth: usize) -> Lowered<Option<Box<Cond>>> {
    opt_child(pair, Rule::where_filter)
        .map(|w| condition(&w, depth + 1).map(Box::new))
        .transpose()
}

fn window(pair: &P) -> Lowered<Window> {
    let inner = first_child(pair)?;
    let kind = match inner.as_rule() {
        Rule::last_window => WindowKind::Last(duration_child(&inner)?),
        Rule::since_window => match calendar_child(&inner) {
            Some(date) => WindowKind::Since(date?),
            None => WindowKind::SinceFired,
        },
        _ => return Err(not_understood(&inner)),
    };
    Ok(Window {
        kind,
        span: span_of(pair).into(),
    })
}

fn aggregate(pair: &P, depth: usize) -> Lowered<Aggregate> {
    let event = child(pair, Rule::agg_event)?;
    Ok(Aggregate {
        func: agg_func(&child(pair, Rule::agg_func)?)?,
        // `purchase` is a keyword, a custom event a name (optionally after
        // `event`): either way the event's name as written.
        event: opt_child(&event, Rule::name)
            .map(|name| ident(&name))
            .unwrap_or_else(|| ident(&event)),
        property: opt_child(pair, Rule::agg_property).map(|p| ident(&p)),
        filter: where_filter(pair, depth)?,
        window: opt_child(pair, Rule::window)
            .map(|w| window(&w))
            .transpose()?,
        test: value_test(&child(pair, Rule::value_test)?)?,
    })
}

fn agg_func(pair: &P) -> Lowered<AggFunc> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_total => AggFunc::Total,
        Rule::kw_average => AggFunc::Average,
        Rule::kw_min => AggFunc::Min,
        Rule::kw_max => AggFunc::Max,
        Rule::kw_first => AggFunc::First,
        Rule::kw_last => AggFunc::Last,
        _ => return Err(not_understood(pair)),
    })
}
