//! Prints an AST in the canonical layout, recording for every node which
//! output line it went to so that comments can be put back beside it.

use crate::syntax::ast::*;

/// The widest line the layout aims for (comments excluded).
pub const WIDTH: usize = 100;

/// A piece of one output line, with the source spans of the nodes in it.
#[derive(Default)]
pub struct Frag {
    pub text: String,
    pub spans: Vec<Span>,
}

impl Frag {
    fn s(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn span(&mut self, span: Span) -> &mut Self {
        self.spans.push(span);
        self
    }

    fn width(&self) -> usize {
        self.text.chars().count()
    }

    fn append(&mut self, other: Frag) {
        self.text.push_str(&other.text);
        self.spans.extend(other.spans);
    }
}

/// One output line before comments are added.
#[derive(Default)]
pub struct Line {
    pub indent: usize,
    pub text: String,
    /// The source had a blank line before this item.
    pub blank_before: bool,
}

impl Line {
    pub fn width(&self) -> usize {
        self.indent + self.text.chars().count()
    }
}

/// The printed lines and where each source node went.
#[derive(Default)]
pub struct Out {
    pub lines: Vec<Line>,
    /// (source start of a node, output line it starts on)
    pub starts: Vec<(usize, usize)>,
    /// (source end of a node, output line it ends on)
    pub ends: Vec<(usize, usize)>,
}

impl Out {
    fn newline(&mut self, indent: usize) {
        self.lines.push(Line {
            indent,
            ..Line::default()
        });
    }

    fn current(&self) -> usize {
        self.lines.len().saturating_sub(1)
    }

    fn col(&self) -> usize {
        self.lines.last().map_or(0, Line::width)
    }

    fn push(&mut self, frag: Frag) {
        let line = self.current();
        for span in &frag.spans {
            self.starts.push((span.start, line));
            self.ends.push((span.end, line));
        }
        if let Some(last) = self.lines.last_mut() {
            last.text.push_str(&frag.text);
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(last) = self.lines.last_mut() {
            last.text.push_str(text);
        }
    }

    fn mark(&mut self, span: Span) {
        let line = self.current();
        self.starts.push((span.start, line));
        self.ends.push((span.end, line));
    }

    fn fits(&self, frag: &Frag) -> bool {
        self.col() + frag.width() <= WIDTH
    }
}

/// Prints every item; `source` is only read to keep blank lines between items.
pub fn print(file: &File, source: &str) -> Out {
    let mut out = Out::default();
    for item in &file.items {
        out.newline(0);
        if let Some(line) = out.lines.last_mut() {
            line.blank_before = blank_line_before(source, item.span.start);
        }
        out.mark(Span::new(item.span.start, item.span.start));
        print_item(&mut out, item);
    }
    out
}

/// Whether the text just before `at` holds an empty line.
pub fn blank_line_before(source: &str, at: usize) -> bool {
    let before = source.get(..at).unwrap_or("");
    let mut newlines = 0;
    for c in before.chars().rev() {
        match c {
            '\n' => newlines += 1,
            ' ' | '\t' | '\r' => {}
            _ => break,
        }
    }
    newlines >= 2
}

fn print_item(out: &mut Out, item: &Item) {
    match &item.kind {
        ItemKind::Import(t) => {
            let mut f = Frag::default();
            f.s("import ").append(text(t));
            out.push(f);
        }
        ItemKind::Stages(names) => {
            let frags = names.iter().map(ident).collect();
            list(out, "stages ", frags, 2);
        }
        ItemKind::Campaign(c) => {
            let mut f = Frag::default();
            f.s("campaign ").append(text(&c.name));
            f.s(" {");
            out.push(f);
            for setting in &c.settings {
                out.newline(2);
                out.push(print_setting(setting));
            }
            out.newline(0);
            out.mark(Span::new(item.span.end.saturating_sub(1), item.span.end));
            out.text("}");
        }
        ItemKind::Field(d) => {
            let mut f = Frag::default();
            f.s("field ").append(ident(&d.name));
            f.s(": ").append(type_expr(&d.ty));
            out.push(f);
        }
        ItemKind::Content(d) => {
            let frags = d
                .entries
                .iter()
                .map(|e| {
                    let mut f = Frag::default();
                    f.span(*e.span).append(ident(&e.name));
                    if let Some(p) = &e.pattern {
                        f.s(" = ").append(text(p));
                    }
                    f
                })
                .collect();
            list(out, &format!("{} ", d.kind.keyword()), frags, 2);
        }
        ItemKind::Event(d) => {
            let mut f = Frag::default();
            f.s("event ").append(ident(&d.name));
            if !d.properties.is_empty() {
                f.s(" { ");
                for (i, p) in d.properties.iter().enumerate() {
                    if i > 0 {
                        f.s(", ");
                    }
                    f.append(ident(&p.name));
                    f.s(": ").append(type_expr(&p.ty));
                }
                f.s(" }");
            }
            out.push(f);
        }
        ItemKind::Segment(s) => {
            let mut head = Frag::default();
            head.s("segment ").append(ident(&s.name));
            head.s(" =");
            let flat = cond(&s.condition);
            if out.col() + head.width() + 1 + flat.width() <= WIDTH {
                head.s(" ").append(flat);
                out.push(head);
            } else {
                out.push(head);
                out.newline(2);
                print_cond(out, &s.condition, 4);
            }
        }
        ItemKind::Decay(d) => {
            let mut f = Frag::default();
            f.s("decay points by ").append(int(&d.amount));
            if d.percent {
                f.s("%");
            }
            f.s(" every ").append(duration(&d.every));
            out.push(f);
        }
        ItemKind::Rule(r) => print_rule(out, r),
        ItemKind::Test(t) => print_test(out, t, *item.span),
        ItemKind::Script(s) => print_script(out, s),
        // `fmt` formats only files that parse: it never gets one.
        ItemKind::Error(_) => {}
    }
}

/// `keyword a, b, c`, wrapped after a comma with a 2-space continuation
/// indent when longer than the width.
/// `keyword a, b, c`, wrapping after a comma at [`WIDTH`] to lines indented
/// by `continuation`.
fn list(out: &mut Out, keyword: &str, frags: Vec<Frag>, continuation: usize) {
    out.text(keyword);
    let count = frags.len();
    for (i, mut f) in frags.into_iter().enumerate() {
        if i + 1 < count {
            f.s(",");
        }
        if i > 0 {
            if out.col() + 1 + f.width() > WIDTH {
                out.newline(continuation);
            } else {
                out.text(" ");
            }
        }
        out.push(f);
    }
}

fn print_setting(setting: &Setting) -> Frag {
    let mut f = Frag::default();
    f.span(*setting.span);
    match &setting.kind {
        SettingKind::Timezone(t) => {
            f.s("timezone ").append(text(t));
        }
        SettingKind::QuietHours { from, to } => {
            f.s("quiet hours ").append(time(from));
            f.s(" to ").append(time(to));
        }
        SettingKind::FrequencyCap {
            limit,
            channel,
            per,
            policy,
        } => {
            f.s("at most ").append(int(limit));
            f.s(match (channel, limit.value == 1) {
                (Channel::Email, true) => " email",
                (Channel::Email, false) => " emails",
                (Channel::Sms, _) => " sms",
            });
            f.s(" per ");
            if per.amount.value == 1 {
                f.span(*per.span).s(per.unit.word(1));
            } else {
                f.append(duration(per));
            }
            if *policy == CapPolicy::Drop {
                f.s(" then drop");
            }
        }
    }
    f
}

/// The column where steps after `  then ` start.
const STEP_COLUMN: usize = 7;

fn print_rule(out: &mut Out, r: &Rule) {
    if r.name.is_none() {
        if let Some(flat) = flat_on_rule(r) {
            if out.fits(&flat) {
                out.push(flat);
                return;
            }
        }
    }
    if let Some(name) = &r.name {
        let mut f = Frag::default();
        f.s("rule ").append(ident(name));
        if let Some(p) = &r.priority {
            f.s(" priority ").append(int(p));
        }
        f.s(":");
        out.push(f);
        out.newline(2);
    }
    match &r.trigger {
        Trigger::Condition { keyword, condition } => {
            out.text(match keyword {
                CondKeyword::If => "if ",
                CondKeyword::When => "when ",
            });
            print_cond(out, condition, 4);
        }
        Trigger::Event(m) => {
            let mut f = Frag::default();
            f.s("on ").append(matcher(m));
            out.push(f);
        }
    }
    out.newline(2);
    out.text("then ");
    print_steps(out, &r.steps, STEP_COLUMN);
    if let Some(exit) = &r.exit {
        out.newline(2);
        out.text("exit when ");
        print_cond(out, exit, 4);
    }
    if let Some(every) = &r.repeat {
        out.newline(2);
        let mut f = Frag::default();
        f.s("repeat every ").append(duration(every));
        out.push(f);
    }
}

/// A bare `on … then …` rule on one line.
fn flat_on_rule(r: &Rule) -> Option<Frag> {
    let Trigger::Event(m) = &r.trigger else {
        return None;
    };
    let mut f = Frag::default();
    f.s("on ").append(matcher(m));
    f.s(" then ").append(steps_flat(&r.steps));
    if let Some(exit) = &r.exit {
        f.s(" exit when ").append(cond(exit));
    }
    if let Some(every) = &r.repeat {
        f.s(" repeat every ").append(duration(every));
    }
    Some(f)
}

/// A condition at the current position. One that does not fit is broken
/// before each of its top-level `and`s or `or`s, the continuation lines
/// indented by `indent`; operands are never broken further.
fn print_cond(out: &mut Out, c: &Cond, indent: usize) {
    let flat = cond(c);
    if out.fits(&flat) {
        out.push(flat);
        return;
    }
    let (operands, word) = match &c.kind {
        CondKind::And(v) => (v, "and "),
        CondKind::Or(v) => (v, "or "),
        // `(a or b or c)` that does not fit: broken inside the parentheses,
        // the continuation lines aligned just after the `(`.
        CondKind::Paren(inner) if matches!(inner.kind, CondKind::And(_) | CondKind::Or(_)) => {
            out.mark(*c.span);
            out.text("(");
            let column = out.col();
            print_cond(out, inner, column);
            out.text(")");
            let line = out.current();
            out.ends.push((c.span.end, line));
            return;
        }
        _ => {
            out.push(flat);
            return;
        }
    };
    out.mark(*c.span);
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            out.newline(indent);
            out.text(word);
        }
        if matches!(operand.kind, CondKind::Paren(_)) {
            print_cond(out, operand, indent);
        } else {
            out.push(cond(operand));
        }
    }
    let line = out.current();
    out.ends.push((c.span.end, line));
}

/// Steps starting at the current position, which is `column`. They stay on
/// one line if it fits; otherwise one per line, aligned at `column`.
fn print_steps(out: &mut Out, steps: &[Step], column: usize) {
    let flat = steps_flat(steps);
    if out.fits(&flat) {
        out.push(flat);
        return;
    }
    for (i, s) in steps.iter().enumerate() {
        if i > 0 {
            out.text(",");
            out.newline(column);
        }
        print_step(out, s, column);
    }
}

fn print_step(out: &mut Out, s: &Step, column: usize) {
    let flat = step(s);
    if out.fits(&flat) {
        out.push(flat);
        return;
    }
    let StepKind::Branch {
        condition,
        then,
        otherwise,
    } = &s.kind
    else {
        // A long `unless` goes on a line of its own, 2 further in.
        match &s.unless {
            Some(unless) => {
                let mut core = step_core(s);
                core.span(*s.span);
                out.push(core);
                out.newline(column + 2);
                out.text("unless ");
                print_cond(out, unless, column + 4);
                let line = out.current();
                out.ends.push((s.span.end, line));
            }
            None => out.push(flat),
        }
        return;
    };
    out.mark(*s.span);
    let mut head = Frag::default();
    head.s("if ").append(cond(condition));
    head.s(" then");
    out.push(head);
    out.newline(column + 2);
    print_steps(out, then, column + 2);
    if !otherwise.is_empty() {
        out.newline(column);
        out.text("else");
        out.newline(column + 2);
        print_steps(out, otherwise, column + 2);
    }
    out.newline(column);
    out.text("end");
    if let Some(unless) = &s.unless {
        let mut f = Frag::default();
        f.s(" unless ").append(cond(unless));
        out.push(f);
    }
    let line = out.current();
    out.ends.push((s.span.end, line));
}

/// `script name: type ```…``` `: the rhai body is printed exactly as
/// written; it is another language, with its own layout.
fn print_script(out: &mut Out, script: &ScriptDecl) {
    let mut head = Frag::default();
    head.s("script ").append(ident(&script.name));
    if let Some(ty) = script.ty {
        head.s(": ").s(&ty.to_string());
    }
    head.s(" ```");
    out.push(head);
    for (i, line) in script.body.split('\n').enumerate() {
        if i > 0 {
            out.newline(0);
        }
        out.text(line);
    }
    out.mark(Span::new(script.body_span.end, script.body_span.end));
    out.text("```");
}

// ------------------------------------------------------------------- tests

/// `test "name" {`, one clause per line indented 2, events indented 4.
fn print_test(out: &mut Out, test: &TestBlock, span: Span) {
    let mut head = Frag::default();
    head.s("test ").append(text(&test.name));
    head.s(" {");
    out.push(head);
    for clause in &test.clauses {
        out.newline(2);
        out.mark(Span::new(clause.span.start, clause.span.start));
        match &clause.kind {
            TestClauseKind::Given(parts) => {
                let frags = parts
                    .iter()
                    .map(|part| {
                        let mut f = Frag::default();
                        match part {
                            GivenPart::Stage(stage) => f.s("stage ").append(ident(stage)),
                            GivenPart::Points(points) => f.s("points ").append(int(points)),
                            GivenPart::Tag(tag) => f.s("tag ").append(text(tag)),
                            GivenPart::Field { name, value } => {
                                f.append(ident(name));
                                f.s(" ").append(literal(value));
                            }
                        }
                        f
                    })
                    .collect();
                list(out, "given contact ", frags, 8);
            }
            TestClauseKind::Events(events) => {
                out.text("events");
                for event in events {
                    out.newline(4);
                    out.push(test_event(event));
                }
            }
            TestClauseKind::From(at) => {
                let mut f = Frag::default();
                f.s("from ").append(literal(at));
                out.push(f);
            }
            TestClauseKind::At(at) => {
                let mut f = Frag::default();
                f.s("at ").append(literal(at));
                out.push(f);
            }
            TestClauseKind::Expect {
                negated,
                expectation,
            } => {
                let mut f = Frag::default();
                f.s(if *negated { "expect not " } else { "expect " });
                f.append(expectation_frag(expectation));
                out.push(f);
            }
        }
        out.mark(Span::new(clause.span.end, clause.span.end));
    }
    out.newline(0);
    out.mark(Span::new(span.end.saturating_sub(1), span.end));
    out.text("}");
}

fn test_event(event: &TestEvent) -> Frag {
    let mut f = Frag::default();
    f.span(*event.span).append(literal(&event.at));
    f.s(" ");
    match &event.kind {
        TestEventKind::Email { verb, email } => {
            f.s(match verb {
                Verb::Received => "received",
                Verb::Clicked => "clicked",
                _ => "opened",
            });
            f.s(" email ").append(ident(email));
        }
        TestEventKind::VisitedUrl(url) => {
            f.s("visited ").append(text(url));
        }
        TestEventKind::VisitedPage(page) => {
            f.s("visited ").append(ident(page));
        }
        TestEventKind::SubmittedForm(form) => {
            f.s("submitted form ").append(ident(form));
        }
        TestEventKind::DownloadedAsset(asset) => {
            f.s("downloaded asset ").append(ident(asset));
        }
        TestEventKind::Purchase => {
            f.s("purchase");
        }
        TestEventKind::Unsubscribed => {
            f.s("unsubscribed");
        }
        TestEventKind::Custom(name) => {
            f.s("event ");
            // A custom event type is written without quotes when it is a name.
            if crate::syntax::words::is_name(&name.name) {
                f.append(ident(name));
            } else {
                f.span(*name.span).s(&quote(&name.name));
            }
        }
    }
    for (i, (name, value)) in event.properties.iter().enumerate() {
        f.s(if i == 0 { " " } else { ", " });
        f.append(ident(name));
        f.s(" ").append(literal(value));
    }
    f
}

fn expectation_frag(expectation: &Expectation) -> Frag {
    let mut f = Frag::default();
    match expectation {
        Expectation::Stage { op, stage } => {
            f.s("stage ");
            if let Some(op) = op {
                f.s(op.symbol()).s(" ");
            }
            f.append(ident(stage));
        }
        Expectation::Points { op, value } => {
            // `points 20` means exactly 20; other comparisons are written out.
            f.s("points ");
            if *op != CmpOp::Eq {
                f.s(op.symbol()).s(" ");
            }
            f.append(int(value));
        }
        Expectation::Tag(tag) => {
            f.s("tag ").append(text(tag));
        }
        Expectation::InSegment(segment) => {
            f.s("in segment ").append(ident(segment));
        }
        Expectation::Sent { channel, message } => {
            f.s(match channel {
                Channel::Email => "sent email ",
                Channel::Sms => "sent sms ",
            });
            f.append(ident(message));
        }
        Expectation::Fired(rule) => {
            f.s("fired ").append(ident(rule));
        }
    }
    f
}

// ------------------------------------------------------------- flat pieces

fn ident(i: &Ident) -> Frag {
    let mut f = Frag::default();
    f.span(*i.span).s(&i.name);
    f
}

fn text(t: &Text) -> Frag {
    let mut f = Frag::default();
    f.span(*t.span).s(&quote(&t.value));
    f
}

/// A string literal that reads back as `value`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn int(i: &Int) -> Frag {
    let mut f = Frag::default();
    f.span(*i.span).s(&i.value.to_string());
    f
}

fn duration(d: &Duration) -> Frag {
    let mut f = Frag::default();
    f.span(*d.span).s(&format!(
        "{} {}",
        d.amount.value,
        d.unit.word(d.amount.value)
    ));
    f
}

fn time(t: &TimeOfDay) -> Frag {
    let mut f = Frag::default();
    f.span(*t.span).s(&format!("{:02}:{:02}", t.hour, t.minute));
    f
}

fn type_expr(t: &TypeExpr) -> Frag {
    let mut f = Frag::default();
    f.span(*t.span).s(&t.ty.to_string());
    f
}

fn literal(l: &Literal) -> Frag {
    let mut f = Frag::default();
    f.span(*l.span);
    match &l.kind {
        LiteralKind::Number(n) | LiteralKind::Date(n) | LiteralKind::DateTime(n) => f.s(n),
        LiteralKind::Text(t) => f.s(&quote(t)),
        LiteralKind::Bool(true) => f.s("true"),
        LiteralKind::Bool(false) => f.s("false"),
    };
    f
}

fn literal_list(items: &[Literal]) -> Frag {
    let mut f = Frag::default();
    f.s("[");
    for (i, l) in items.iter().enumerate() {
        if i > 0 {
            f.s(", ");
        }
        f.append(literal(l));
    }
    f.s("]");
    f
}

fn points_word(n: i64) -> &'static str {
    if n == 1 {
        " point"
    } else {
        " points"
    }
}

fn steps_flat(steps: &[Step]) -> Frag {
    let mut f = Frag::default();
    for (i, s) in steps.iter().enumerate() {
        if i > 0 {
            f.s(", ");
        }
        f.append(step(s));
    }
    f
}

fn step(s: &Step) -> Frag {
    let mut f = Frag::default();
    f.span(*s.span).append(step_core(s));
    if let Some(unless) = &s.unless {
        f.s(" unless ").append(cond(unless));
    }
    f
}

/// A step without its `unless`.
fn step_core(s: &Step) -> Frag {
    let mut f = Frag::default();
    match &s.kind {
        StepKind::MoveTo(i) => {
            f.s("move to ").append(ident(i));
        }
        StepKind::MoveBackTo(i) => {
            f.s("move back to ").append(ident(i));
        }
        StepKind::Send {
            channel,
            message,
            again,
        } => {
            f.s(match channel {
                Channel::Email => "send email ",
                Channel::Sms => "send sms ",
            })
            .append(ident(message));
            if *again {
                f.s(" again");
            }
        }
        StepKind::AddPoints(n) => {
            f.s("add ").append(int(n));
            f.s(points_word(n.value));
        }
        StepKind::RemovePoints(n) => {
            f.s("remove ").append(int(n));
            f.s(points_word(n.value));
        }
        StepKind::SetPoints(n) => {
            f.s("set points to ").append(int(n));
        }
        StepKind::AddTag(t) => {
            f.s("add tag ").append(text(t));
        }
        StepKind::RemoveTag(t) => {
            f.s("remove tag ").append(text(t));
        }
        StepKind::AddToList(i) => {
            f.s("add to list ").append(ident(i));
        }
        StepKind::RemoveFromList(i) => {
            f.s("remove from list ").append(ident(i));
        }
        StepKind::SetField { field, value } => {
            f.s("set ").append(ident(field));
            f.s(" to ").append(literal(value));
        }
        StepKind::SetPointsScript(script) => {
            f.s("set points to script ").append(ident(script));
        }
        StepKind::SetFieldScript { field, script } => {
            f.s("set ").append(ident(field));
            f.s(" to script ").append(ident(script));
        }
        StepKind::Notify { recipient, message } => {
            f.s(match recipient {
                Recipient::Sales => "notify sales",
                Recipient::Owner => "notify owner",
            });
            if let Some(m) = message {
                f.s(" ").append(text(m));
            }
        }
        StepKind::HandOff(note) => {
            f.s("hand off to crm");
            if let Some(m) = note {
                f.s(" ").append(text(m));
            }
        }
        StepKind::Webhook(url) => {
            f.s("call webhook ").append(text(url));
        }
        StepKind::MarkDoNotContact => {
            f.s("mark do not contact");
        }
        StepKind::Unsubscribe => {
            f.s("unsubscribe");
        }
        StepKind::Wait(d) => {
            f.s("wait ").append(duration(d));
        }
        StepKind::WaitUntilTime(t) => {
            f.s("wait until ").append(time(t));
        }
        StepKind::WaitUntilInstant(l) => {
            f.s("wait until ").append(literal(l));
        }
        StepKind::Branch {
            condition,
            then,
            otherwise,
        } => {
            f.s("if ").append(cond(condition));
            f.s(" then ").append(steps_flat(then));
            if !otherwise.is_empty() {
                f.s(" else ").append(steps_flat(otherwise));
            }
            f.s(" end");
        }
        StepKind::Stop => {
            f.s("stop");
        }
    }
    f
}

/// A condition on one line.
pub fn cond(c: &Cond) -> Frag {
    let mut f = Frag::default();
    f.span(*c.span);
    match &c.kind {
        CondKind::And(v) | CondKind::Or(v) => {
            let word = if matches!(c.kind, CondKind::And(_)) {
                " and "
            } else {
                " or "
            };
            for (i, operand) in v.iter().enumerate() {
                if i > 0 {
                    f.s(word);
                }
                f.append(cond(operand));
            }
        }
        CondKind::Not(x) => {
            f.s("not ").append(cond(x));
        }
        CondKind::Paren(x) => {
            f.s("(").append(cond(x));
            f.s(")");
        }
        CondKind::Stage(t) => {
            f.s("stage ");
            match (t.op, t.stages.as_slice()) {
                (StageOp::IsSet, _) => {
                    f.s("is set");
                }
                (StageOp::IsNotSet, _) => {
                    f.s("is not set");
                }
                // `stage is set` tests for any stage, so a stage called
                // `set` keeps its symbol.
                (StageOp::Cmp(op @ (CmpOp::Eq | CmpOp::Ne)), [one]) if one.name == "set" => {
                    f.s(op.symbol()).s(" ").append(ident(one));
                }
                (StageOp::Cmp(CmpOp::Eq), [one]) => {
                    f.s("is ").append(ident(one));
                }
                (StageOp::Cmp(CmpOp::Ne), [one]) => {
                    f.s("is not ").append(ident(one));
                }
                (StageOp::Cmp(op), [one]) => {
                    f.s(op.symbol()).s(" ").append(ident(one));
                }
                (op, names) => {
                    f.s(if op == StageOp::NotIn {
                        "not in ["
                    } else {
                        "in ["
                    });
                    for (i, n) in names.iter().enumerate() {
                        if i > 0 {
                            f.s(", ");
                        }
                        f.append(ident(n));
                    }
                    f.s("]");
                }
            }
        }
        CondKind::Points { op, value } => {
            f.s("points ").s(op.symbol()).s(" ").append(int(value));
        }
        CondKind::HasTag(t) => {
            f.s("has tag ").append(text(t));
        }
        CondKind::InSegment(i) => {
            f.s("in segment ").append(ident(i));
        }
        CondKind::InList(i) => {
            f.s("in list ").append(ident(i));
        }
        CondKind::Consent(Consent::Unsubscribed) => {
            f.s("is unsubscribed");
        }
        CondKind::Consent(Consent::DoNotContact) => {
            f.s("is do not contact");
        }
        CondKind::Field { field, test } => {
            f.append(ident(field));
            f.s(" ").append(value_test(test));
        }
        CondKind::Behaviour(b) => f.append(behaviour(b)),
        CondKind::Aggregate(a) => f.append(aggregate(a)),
        CondKind::Today(p) => {
            f.s("today is ").s(match p {
                DayPattern::Weekend => "weekend",
                DayPattern::Workday => "weekday",
                DayPattern::Weekday(d) => weekday(*d),
            });
        }
        CondKind::Script(i) => {
            f.s("script ").append(ident(i));
        }
        CondKind::ScriptCompare(c) => {
            f.append(script_operand(&c.left));
            f.s(" ").s(c.op.symbol()).s(" ");
            f.append(script_operand(&c.right));
        }
    }
    f
}

/// One side of a comparison with a script's value.
fn script_operand(o: &Operand) -> Frag {
    match o {
        Operand::Points(span) => {
            let mut f = Frag::default();
            f.s("points").span(span.span());
            f
        }
        Operand::Field(i) => ident(i),
        Operand::Script(i) => {
            let mut f = Frag::default();
            f.s("script ").append(ident(i));
            f
        }
        Operand::Literal(l) => literal(l),
    }
}

fn weekday(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match d {
        Mon => "monday",
        Tue => "tuesday",
        Wed => "wednesday",
        Thu => "thursday",
        Fri => "friday",
        Sat => "saturday",
        Sun => "sunday",
    }
}

fn value_test(t: &ValueTest) -> Frag {
    use ValueTestKind as K;
    let mut f = Frag::default();
    f.span(*t.span);
    match &t.kind {
        K::Compare(op, l) => {
            f.s(op.symbol()).s(" ").append(literal(l));
        }
        K::In(items) => {
            f.s("in ").append(literal_list(items));
        }
        K::NotIn(items) => {
            f.s("not in ").append(literal_list(items));
        }
        K::Contains(t) => {
            f.s("contains ").append(text(t));
        }
        K::StartsWith(t) => {
            f.s("starts with ").append(text(t));
        }
        K::EndsWith(t) => {
            f.s("ends with ").append(text(t));
        }
        K::Matches(t) => {
            f.s("matches ").append(text(t));
        }
        K::IsSet => {
            f.s("is set");
        }
        K::IsNotSet => {
            f.s("is not set");
        }
        K::Before(l) => {
            f.s("before ").append(literal(l));
        }
        K::After(l) => {
            f.s("after ").append(literal(l));
        }
        K::WithinLast(d) => {
            f.s("within last ").append(duration(d));
        }
        K::MoreThanAgo(d) => {
            f.s("more than ").append(duration(d));
            f.s(" ago");
        }
        K::LessThanAgo(d) => {
            f.s("less than ").append(duration(d));
            f.s(" ago");
        }
        K::IsToday => {
            f.s("is today");
        }
    }
    f
}

/// The object word of a verb that takes one, singular and plural.
fn object_words(verb: &Verb) -> Option<(&'static str, &'static str, &'static str)> {
    match verb {
        Verb::Received | Verb::Opened | Verb::Clicked => Some(("email", "emails", "any email")),
        Verb::Visited => Some(("page", "pages", "any page")),
        Verb::Submitted => Some(("form", "forms", "any form")),
        Verb::Downloaded => Some(("asset", "assets", "any asset")),
        _ => None,
    }
}

fn count(c: &Count) -> Frag {
    let mut f = Frag::default();
    f.span(*c.span);
    f.s(match c.op {
        CountOp::AtLeast => "",
        CountOp::AtMost => "at most ",
        CountOp::Exactly => "exactly ",
        CountOp::MoreThan => "more than ",
        CountOp::FewerThan => "fewer than ",
    });
    f.append(int(&c.n));
    f
}

/// The verb and its object; `counted` puts a count into the object
/// (`opened 3 emails`) and `noun` chooses `purchase` (`on purchase`, `no
/// purchase`) over `purchased`.
fn verb_phrase(m: &EventMatcher, counted: Option<(&Count, bool)>, noun: bool) -> Frag {
    let mut f = Frag::default();
    f.s(match &m.verb {
        Verb::Received => "received",
        Verb::Opened => "opened",
        Verb::Clicked => "clicked",
        Verb::Visited => "visited",
        Verb::Submitted => "submitted",
        Verb::Downloaded => "downloaded",
        Verb::Purchased if noun => "purchase",
        Verb::Purchased => "purchased",
        Verb::UnsubscribedEvent => "unsubscribed",
        Verb::Custom(_) => "event",
    });
    if let Verb::Custom(name) = &m.verb {
        f.s(" ").append(ident(name));
    }
    if let Some((singular, plural, any)) = object_words(&m.verb) {
        match (&m.target, counted) {
            (Target::Named(name), _) => {
                if m.verb != Verb::Visited {
                    f.s(" ").s(singular);
                }
                f.s(" ").append(ident(name));
            }
            (Target::Any, Some((c, distinct))) => {
                f.s(" ").append(count(c));
                if distinct {
                    f.s(" different");
                }
                f.s(" ").s(if c.n.value == 1 { singular } else { plural });
            }
            // `on opened email`: an `on` trigger names one event.
            (Target::Any, None) if noun && singular == "email" => {
                f.s(" email");
            }
            (Target::Any, None) => {
                f.s(" ").s(any);
            }
        }
    }
    f
}

fn filter(m: &EventMatcher, f: &mut Frag) {
    if let Some(w) = &m.filter {
        f.s(" where ").append(cond(w));
    }
}

fn matcher(m: &EventMatcher) -> Frag {
    let mut f = Frag::default();
    f.span(*m.span).append(verb_phrase(m, None, true));
    filter(m, &mut f);
    f
}

fn behaviour(b: &Behaviour) -> Frag {
    let mut f = Frag::default();
    f.span(*b.span);
    if b.none {
        f.s(if b.matcher.verb == Verb::Purchased {
            "no "
        } else {
            "never "
        });
    }
    let in_object = object_words(&b.matcher.verb).is_some() && b.matcher.target == Target::Any;
    let counted = b.count.as_ref().filter(|_| in_object);
    f.append(verb_phrase(
        &b.matcher,
        counted.map(|c| (c, b.distinct)),
        b.none,
    ));
    if let (Some(c), false) = (&b.count, in_object) {
        f.s(" ").append(count(c));
        f.s(if c.n.value == 1 { " time" } else { " times" });
    }
    filter(&b.matcher, &mut f);
    if let Some(w) = &b.window {
        f.append(window(w));
    }
    f
}

fn window(w: &Window) -> Frag {
    let mut f = Frag::default();
    f.span(*w.span);
    match &w.kind {
        WindowKind::Last(d) => {
            f.s(" in last ").append(duration(d));
        }
        WindowKind::SinceFired => {
            f.s(" since");
        }
        WindowKind::Since(l) => {
            f.s(" since ").append(literal(l));
        }
    }
    f
}

fn aggregate(a: &Aggregate) -> Frag {
    let mut f = Frag::default();
    f.s(a.func.keyword()).s(" ");
    if a.event.name == "purchase" {
        f.span(*a.event.span).s("purchase");
    } else {
        f.s("event ").append(ident(&a.event));
    }
    if let Some(p) = &a.property {
        f.s(" ").append(ident(p));
    }
    if let Some(w) = &a.filter {
        f.s(" where ").append(cond(w));
    }
    if let Some(w) = &a.window {
        f.append(window(w));
    }
    f.s(" ").append(value_test(&a.test));
    f
}
