//! Comparing ASTs without their spans.
//!
//! The formatter moves every node, so it checks its work by re-parsing what
//! it wrote and comparing the two trees with all spans reset.

use super::ast::*;

/// Both files have the same items once spans are ignored. Comments are not
/// compared: they are not part of the meaning.
pub fn same_ignoring_spans(a: &File, b: &File) -> bool {
    strip_items(a) == strip_items(b)
}

/// The items of `file` with every span set to `Span::default()`.
pub fn strip_items(file: &File) -> Vec<Item> {
    let mut items = file.items.clone();
    for item in &mut items {
        strip_item(item);
    }
    items
}

/// Resets every span in `file`, comments included.
pub fn strip_spans(file: &mut File) {
    for item in &mut file.items {
        strip_item(item);
    }
    for comment in &mut file.comments {
        comment.span = Span::default();
    }
}

fn z(span: &mut Span) {
    *span = Span::default();
}

fn ident(i: &mut Ident) {
    z(&mut i.span);
}

fn text(t: &mut Text) {
    z(&mut t.span);
}

fn int(i: &mut Int) {
    z(&mut i.span);
}

fn duration(d: &mut Duration) {
    z(&mut d.span);
    int(&mut d.amount);
}

fn time(t: &mut TimeOfDay) {
    z(&mut t.span);
}

fn literal(l: &mut Literal) {
    z(&mut l.span);
}

fn type_expr(t: &mut TypeExpr) {
    z(&mut t.span);
}

fn test_block(test: &mut TestBlock) {
    text(&mut test.name);
    for clause in &mut test.clauses {
        z(&mut clause.span);
        match &mut clause.kind {
            TestClauseKind::Given(parts) => {
                for part in parts {
                    match part {
                        GivenPart::Stage(stage) => ident(stage),
                        GivenPart::Points(points) => int(points),
                        GivenPart::Tag(tag) => text(tag),
                        GivenPart::Field { name, value } => {
                            ident(name);
                            literal(value);
                        }
                    }
                }
            }
            TestClauseKind::Events(events) => {
                for event in events {
                    z(&mut event.span);
                    literal(&mut event.at);
                    match &mut event.kind {
                        TestEventKind::Email { email, .. } => ident(email),
                        TestEventKind::VisitedUrl(url) => text(url),
                        TestEventKind::VisitedPage(name)
                        | TestEventKind::SubmittedForm(name)
                        | TestEventKind::DownloadedAsset(name)
                        | TestEventKind::Custom(name) => ident(name),
                        TestEventKind::Purchase | TestEventKind::Unsubscribed => {}
                    }
                    for (name, value) in &mut event.properties {
                        ident(name);
                        literal(value);
                    }
                }
            }
            TestClauseKind::From(at) | TestClauseKind::At(at) => literal(at),
            TestClauseKind::Expect { expectation, .. } => match expectation {
                Expectation::Stage { stage, .. } => ident(stage),
                Expectation::Points { value, .. } => int(value),
                Expectation::Tag(tag) => text(tag),
                Expectation::InSegment(name)
                | Expectation::Sent { message: name, .. }
                | Expectation::Fired(name) => ident(name),
            },
        }
    }
}

fn strip_item(item: &mut Item) {
    z(&mut item.span);
    match &mut item.kind {
        ItemKind::Import(t) => text(t),
        ItemKind::Stages(names) => names.iter_mut().for_each(ident),
        ItemKind::Campaign(c) => {
            text(&mut c.name);
            for s in &mut c.settings {
                z(&mut s.span);
                match &mut s.kind {
                    SettingKind::Timezone(t) => text(t),
                    SettingKind::QuietHours { from, to } => {
                        time(from);
                        time(to);
                    }
                    SettingKind::FrequencyCap { limit, per, .. } => {
                        int(limit);
                        duration(per);
                    }
                }
            }
        }
        ItemKind::Field(f) => {
            ident(&mut f.name);
            type_expr(&mut f.ty);
        }
        ItemKind::Content(c) => {
            for e in &mut c.entries {
                z(&mut e.span);
                ident(&mut e.name);
                if let Some(p) = &mut e.pattern {
                    text(p);
                }
            }
        }
        ItemKind::Event(e) => {
            ident(&mut e.name);
            for p in &mut e.properties {
                ident(&mut p.name);
                type_expr(&mut p.ty);
            }
        }
        ItemKind::Segment(s) => {
            ident(&mut s.name);
            cond(&mut s.condition);
        }
        ItemKind::Test(t) => test_block(t),
        ItemKind::Script(s) => {
            ident(&mut s.name);
            z(&mut s.body_span);
        }
        ItemKind::Error(b) => {
            b.keyword.iter_mut().for_each(ident);
            b.names.iter_mut().for_each(ident);
        }
        ItemKind::Decay(d) => {
            int(&mut d.amount);
            duration(&mut d.every);
        }
        ItemKind::Rule(r) => {
            if let Some(n) = &mut r.name {
                ident(n);
            }
            if let Some(p) = &mut r.priority {
                int(p);
            }
            match &mut r.trigger {
                Trigger::Condition { condition, .. } => cond(condition),
                Trigger::Event(m) => matcher(m),
            }
            steps(&mut r.steps);
            if let Some(c) = &mut r.exit {
                cond(c);
            }
            if let Some(d) = &mut r.repeat {
                duration(d);
            }
        }
    }
}

fn steps(steps: &mut [Step]) {
    for s in steps {
        step(s);
    }
}

fn step(s: &mut Step) {
    z(&mut s.span);
    if let Some(c) = &mut s.unless {
        cond(c);
    }
    match &mut s.kind {
        StepKind::MoveTo(i)
        | StepKind::MoveBackTo(i)
        | StepKind::AddToList(i)
        | StepKind::RemoveFromList(i) => ident(i),
        StepKind::Send { message, .. } => ident(message),
        StepKind::AddPoints(i) | StepKind::RemovePoints(i) | StepKind::SetPoints(i) => int(i),
        StepKind::AddTag(t) | StepKind::RemoveTag(t) | StepKind::Webhook(t) => text(t),
        StepKind::SetField { field, value } => {
            ident(field);
            literal(value);
        }
        StepKind::SetPointsScript(script) => ident(script),
        StepKind::SetFieldScript { field, script } => {
            ident(field);
            ident(script);
        }
        StepKind::Notify { message, .. } | StepKind::HandOff(message) => {
            if let Some(t) = message {
                text(t);
            }
        }
        StepKind::Wait(d) => duration(d),
        StepKind::WaitUntilTime(t) => time(t),
        StepKind::WaitUntilInstant(l) => literal(l),
        StepKind::Branch {
            condition,
            then,
            otherwise,
        } => {
            cond(condition);
            steps(then);
            steps(otherwise);
        }
        StepKind::MarkDoNotContact | StepKind::Unsubscribe | StepKind::Stop => {}
    }
}

fn operand(o: &mut Operand) {
    match o {
        Operand::Points(span) => z(span),
        Operand::Field(i) | Operand::Script(i) => ident(i),
        Operand::Literal(l) => literal(l),
    }
}

fn cond(c: &mut Cond) {
    z(&mut c.span);
    match &mut c.kind {
        CondKind::And(v) | CondKind::Or(v) => v.iter_mut().for_each(cond),
        CondKind::Not(x) | CondKind::Paren(x) => cond(x),
        CondKind::Stage(t) => t.stages.iter_mut().for_each(ident),
        CondKind::Points { value, .. } => int(value),
        CondKind::HasTag(t) => text(t),
        CondKind::InSegment(i) | CondKind::InList(i) | CondKind::Script(i) => ident(i),
        CondKind::Consent(_) | CondKind::Today(_) => {}
        CondKind::ScriptCompare(c) => {
            operand(&mut c.left);
            operand(&mut c.right);
        }
        CondKind::Field { field, test } => {
            ident(field);
            value_test(test);
        }
        CondKind::Behaviour(b) => {
            z(&mut b.span);
            matcher(&mut b.matcher);
            if let Some(c) = &mut b.count {
                z(&mut c.span);
                int(&mut c.n);
            }
            if let Some(w) = &mut b.window {
                window(w);
            }
        }
        CondKind::Aggregate(a) => {
            ident(&mut a.event);
            if let Some(p) = &mut a.property {
                ident(p);
            }
            if let Some(f) = &mut a.filter {
                cond(f);
            }
            if let Some(w) = &mut a.window {
                window(w);
            }
            value_test(&mut a.test);
        }
    }
}

fn matcher(m: &mut EventMatcher) {
    z(&mut m.span);
    if let Verb::Custom(i) = &mut m.verb {
        ident(i);
    }
    if let Target::Named(i) = &mut m.target {
        ident(i);
    }
    if let Some(f) = &mut m.filter {
        cond(f);
    }
}

fn window(w: &mut Window) {
    z(&mut w.span);
    match &mut w.kind {
        WindowKind::Last(d) => duration(d),
        WindowKind::SinceFired => {}
        WindowKind::Since(l) => literal(l),
    }
}

fn value_test(t: &mut ValueTest) {
    z(&mut t.span);
    match &mut t.kind {
        ValueTestKind::Compare(_, l) | ValueTestKind::Before(l) | ValueTestKind::After(l) => {
            literal(l)
        }
        ValueTestKind::In(v) | ValueTestKind::NotIn(v) => v.iter_mut().for_each(literal),
        ValueTestKind::Contains(t)
        | ValueTestKind::StartsWith(t)
        | ValueTestKind::EndsWith(t)
        | ValueTestKind::Matches(t) => text(t),
        ValueTestKind::WithinLast(d)
        | ValueTestKind::MoreThanAgo(d)
        | ValueTestKind::LessThanAgo(d) => duration(d),
        ValueTestKind::IsSet | ValueTestKind::IsNotSet | ValueTestKind::IsToday => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn layout_does_not_matter_but_meaning_does() {
        let a = parse("rule r: when points >= 5 then add 1 point").unwrap();
        let b = parse("rule r:\n  when points >= 5\n  then add 1 points\n").unwrap();
        let c = parse("rule r: when points >= 6 then add 1 point").unwrap();
        assert_ne!(a, b, "spans differ");
        assert!(same_ignoring_spans(&a, &b));
        assert!(!same_ignoring_spans(&a, &c));
    }

    #[test]
    fn strip_spans_clears_everything() {
        let mut a = parse("# x\nsegment s = opened 3 emails in last 7 days").unwrap();
        strip_spans(&mut a);
        assert!(!format!("{a:?}").contains("start: 1"));
        assert_eq!(a.comments[0].span, Span::default());
    }
}
