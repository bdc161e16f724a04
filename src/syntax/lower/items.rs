//! Top-level items: declarations, campaign settings and rules.

use super::conditions::{condition, event_matcher};
use super::pairs::{
    child, children, first_child, has_child, not_understood, opt_child, span_of, Lowered, P,
};
use super::primitives::{
    duration, duration_child, ident, int_child, name_child, text_child, time_of_day,
    unit_as_duration,
};
use super::steps::steps;
use crate::syntax::ast::{
    Campaign, CapPolicy, Channel, Cond, CondKeyword, ContentDecl, ContentEntry, ContentKind, Decay,
    Duration, EventDecl, FieldDecl, FieldType, Item, ItemKind, PropertyDecl, Rule as RuleItem,
    ScriptDecl, SegmentDecl, Setting, SettingKind, Span, Trigger, TypeExpr,
};
use crate::syntax::error::{codes, SyntaxError};
use crate::syntax::grammar::Rule;

pub(crate) fn item(pair: &P) -> Lowered<Item> {
    let kind = match pair.as_rule() {
        Rule::import_item => ItemKind::Import(text_child(pair)?),
        Rule::stages_item => {
            ItemKind::Stages(children(pair, Rule::name).map(|n| ident(&n)).collect())
        }
        Rule::campaign_item => ItemKind::Campaign(campaign(pair)?),
        Rule::field_item => ItemKind::Field(FieldDecl {
            name: name_child(pair)?,
            ty: type_expr(&child(pair, Rule::type_expr)?)?,
        }),
        Rule::content_item => ItemKind::Content(content(pair)?),
        Rule::event_item => ItemKind::Event(event_decl(pair)?),
        Rule::segment_item => ItemKind::Segment(SegmentDecl {
            name: name_child(pair)?,
            condition: condition(&child(pair, Rule::condition)?, 0)?,
        }),
        Rule::decay_item => ItemKind::Decay(Decay {
            amount: int_child(pair)?,
            percent: has_child(pair, Rule::percent),
            every: duration_child(pair)?,
        }),
        Rule::rule_item | Rule::on_rule_item => ItemKind::Rule(rule(pair)?),
        Rule::test_item => ItemKind::Test(super::test_items::test_block(pair)?),
        Rule::script_item => ItemKind::Script(script(pair)?),
        _ => return Err(not_understood(pair)),
    };
    Ok(Item {
        kind,
        span: span_of(pair).into(),
    })
}

/// `script name[: type] ``` body ``` `: the body is kept verbatim.
fn script(pair: &P) -> Lowered<ScriptDecl> {
    let body = child(pair, Rule::script_body)?;
    let fenced = span_of(&body);
    let text = body.as_str();
    let inner = text
        .get(3..text.len().saturating_sub(3))
        .unwrap_or_default()
        .to_string();
    let ty = match opt_child(pair, Rule::script_type) {
        None => None,
        Some(ty) => Some(
            match ty
                .clone()
                .into_inner()
                .find(|c| c.as_rule() != Rule::colon)
                .map(|c| c.as_rule())
            {
                Some(Rule::kw_number) => FieldType::Number,
                Some(Rule::kw_text) => FieldType::Text,
                Some(Rule::kw_bool | Rule::kw_boolean) => FieldType::Bool,
                _ => return Err(not_understood(&ty)),
            },
        ),
    };
    Ok(ScriptDecl {
        name: name_child(pair)?,
        ty,
        body: inner,
        body_span: Span::new(fenced.start + 3, fenced.end.saturating_sub(3)).into(),
        entry: None,
    })
}

fn campaign(pair: &P) -> Lowered<Campaign> {
    let settings = pair
        .clone()
        .into_inner()
        .filter(|c| {
            matches!(
                c.as_rule(),
                Rule::timezone_setting | Rule::quiet_hours_setting | Rule::cap_setting
            )
        })
        .map(|c| setting(&c))
        .collect::<Lowered<Vec<_>>>()?;
    Ok(Campaign {
        name: text_child(pair)?,
        settings,
    })
}

fn setting(pair: &P) -> Lowered<Setting> {
    let kind = match pair.as_rule() {
        Rule::timezone_setting => SettingKind::Timezone(text_child(pair)?),
        Rule::quiet_hours_setting => {
            let mut times = children(pair, Rule::time_of_day);
            let (from, to) = match (times.next(), times.next()) {
                (Some(from), Some(to)) => (time_of_day(&from)?, time_of_day(&to)?),
                _ => return Err(not_understood(pair)),
            };
            SettingKind::QuietHours { from, to }
        }
        Rule::cap_setting => SettingKind::FrequencyCap {
            limit: int_child(pair)?,
            channel: cap_channel(&child(pair, Rule::cap_channel)?)?,
            per: cap_period(&child(pair, Rule::cap_period)?)?,
            policy: cap_policy(pair),
        },
        _ => return Err(not_understood(pair)),
    };
    Ok(Setting {
        kind,
        span: span_of(pair).into(),
    })
}

fn cap_channel(pair: &P) -> Lowered<Channel> {
    Ok(match first_child(pair)?.as_rule() {
        Rule::kw_email | Rule::kw_emails => Channel::Email,
        Rule::kw_sms => Channel::Sms,
        _ => return Err(not_understood(pair)),
    })
}

/// `per 2 days`, or `per day` meaning one day.
fn cap_period(pair: &P) -> Lowered<Duration> {
    let inner = first_child(pair)?;
    match inner.as_rule() {
        Rule::duration => duration(&inner),
        Rule::duration_unit => unit_as_duration(&inner),
        _ => Err(not_understood(&inner)),
    }
}

fn cap_policy(pair: &P) -> CapPolicy {
    match opt_child(pair, Rule::cap_policy) {
        Some(policy) if has_child(&policy, Rule::kw_drop) => CapPolicy::Drop,
        _ => CapPolicy::Delay,
    }
}

fn type_expr(pair: &P) -> Lowered<TypeExpr> {
    let ty = match first_child(pair)?.as_rule() {
        Rule::kw_list => FieldType::TextList,
        Rule::kw_text => FieldType::Text,
        Rule::kw_number => FieldType::Number,
        Rule::kw_bool | Rule::kw_boolean => FieldType::Bool,
        Rule::kw_datetime => FieldType::DateTime,
        Rule::kw_date => FieldType::Date,
        _ => return Err(not_understood(pair)),
    };
    Ok(TypeExpr {
        ty,
        span: span_of(pair).into(),
    })
}

fn content(pair: &P) -> Lowered<ContentDecl> {
    let kind = match first_child(&child(pair, Rule::content_kind)?)?.as_rule() {
        Rule::kw_email => ContentKind::Email,
        Rule::kw_sms => ContentKind::Sms,
        Rule::kw_page => ContentKind::Page,
        Rule::kw_form => ContentKind::Form,
        Rule::kw_asset => ContentKind::Asset,
        Rule::kw_list => ContentKind::List,
        _ => return Err(not_understood(pair)),
    };
    let entries = children(pair, Rule::content_entry)
        .map(|entry| {
            Ok(ContentEntry {
                name: name_child(&entry)?,
                pattern: opt_child(&entry, Rule::string)
                    .map(|_| text_child(&entry))
                    .transpose()?,
                span: span_of(&entry).into(),
            })
        })
        .collect::<Lowered<Vec<_>>>()?;
    Ok(ContentDecl { kind, entries })
}

fn event_decl(pair: &P) -> Lowered<EventDecl> {
    let properties = children(pair, Rule::property_decl)
        .map(|property| {
            Ok(PropertyDecl {
                name: ident(&child(&property, Rule::property_name)?),
                ty: type_expr(&child(&property, Rule::type_expr)?)?,
            })
        })
        .collect::<Lowered<Vec<_>>>()?;
    Ok(EventDecl {
        name: name_child(pair)?,
        properties,
    })
}

/// `rule NAME [priority N]: TRIGGER then STEPS CLAUSES` or a bare
/// `on EVENT then STEPS CLAUSES`.
fn rule(pair: &P) -> Lowered<RuleItem> {
    let (exit, repeat) = rule_clauses(pair)?;
    Ok(RuleItem {
        name: opt_child(pair, Rule::name).map(|n| ident(&n)),
        priority: opt_child(pair, Rule::priority)
            .map(|p| int_child(&p))
            .transpose()?,
        trigger: trigger(pair)?,
        steps: steps(&child(pair, Rule::steps)?, 0)?,
        exit,
        repeat,
    })
}

fn trigger(pair: &P) -> Lowered<Trigger> {
    if let Some(on) = opt_child(pair, Rule::on_trigger) {
        return Ok(Trigger::Event(event_matcher(
            &child(&on, Rule::event_matcher)?,
            0,
        )?));
    }
    let trigger = child(pair, Rule::condition_trigger)?;
    let keyword = match first_child(&trigger)?.as_rule() {
        Rule::kw_if => CondKeyword::If,
        Rule::kw_when => CondKeyword::When,
        _ => return Err(not_understood(&trigger)),
    };
    Ok(Trigger::Condition {
        keyword,
        condition: condition(&child(&trigger, Rule::condition)?, 0)?,
    })
}

/// `exit when …` and `repeat every …`, each at most once.
fn rule_clauses(pair: &P) -> Lowered<(Option<Cond>, Option<Duration>)> {
    let mut exit = None;
    let mut repeat = None;
    for clause in pair.clone().into_inner() {
        match clause.as_rule() {
            Rule::exit_clause if exit.is_some() => return Err(duplicate_exit(&clause)),
            Rule::exit_clause => exit = Some(condition(&child(&clause, Rule::condition)?, 0)?),
            Rule::repeat_clause if repeat.is_some() => return Err(duplicate_repeat(&clause)),
            Rule::repeat_clause => repeat = Some(duration_child(&clause)?),
            _ => {}
        }
    }
    Ok((exit, repeat))
}

fn duplicate_exit(clause: &P) -> SyntaxError {
    SyntaxError::new(
        codes::DUPLICATE_CLAUSE,
        "this rule already has an `exit when` clause",
        span_of(clause),
    )
    .with_help("join the exit conditions with `or`: `exit when A or B`")
}

fn duplicate_repeat(clause: &P) -> SyntaxError {
    SyntaxError::new(
        codes::DUPLICATE_CLAUSE,
        "this rule already has a `repeat every` clause",
        span_of(clause),
    )
    .with_help("keep one `repeat every`")
}
