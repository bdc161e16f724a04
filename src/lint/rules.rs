//! The lints themselves. Each is conservative: it fires only where the
//! program shows the problem for certain, never on a guess.

use super::registry as r;
use super::{Context, Finding, SymbolKind};
use crate::base::vocab::{CmpOp, Consent, CountOp};
use crate::ir::{
    visit, Action, Behaviour, Cond, CondKind, CountTest, Program, RuleDef, StageId, StageTest,
    Step, StepKind, TargetPattern, Trigger, Window,
};
use crate::syntax::ast::{self, ItemKind};

pub(super) fn all(cx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    unused(cx, &mut out);
    if let Some(program) = cx.program {
        unreachable_stage(cx, program, &mut out);
        for segment in &program.segments {
            if cx.root().is_some_and(|root| root.file == segment.file) {
                impossible(&segment.condition, segment.file, program, &mut out);
            }
        }
        for rule in &program.rules {
            visit::rule_conditions(rule)
                .for_each(|cond| impossible(cond, rule.file, program, &mut out));
            move_to_lower(program, rule, &mut out);
            wait_at_end(rule, &rule.steps, &mut out);
            send_without_channel(rule, &mut out);
        }
        repeat_shorter_than_waits(cx, program, &mut out);
        pairs(program, &mut out);
        single_use_segment(cx, program, &mut out);
    }
    out
}

// --- unused-declaration, unused-field ---------------------------------------

fn unused(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(root) = cx.root() else { return };
    if !cx.root_has_rules() {
        return;
    }
    for decl in cx.declared {
        if decl.used || decl.file != root.file {
            continue;
        }
        let id = match decl.kind {
            // Segments also serve the dry run's report: an unused one is
            // `single-use-segment`'s business (off by default).
            SymbolKind::Stage | SymbolKind::Segment => continue,
            SymbolKind::Field => r::UNUSED_FIELD,
            _ => r::UNUSED_DECLARATION,
        };
        // Without its declaration, events of a custom type are rejected
        // when the data is read (D005), so the help says so.
        let help = if decl.kind == SymbolKind::EventType {
            format!(
                "use it in a rule, segment or script (`on event {0}`, `event {0} where …`), or remove \
                 the declaration; events of an undeclared type are rejected from the data (D005)",
                decl.name
            )
        } else {
            "use it in a rule or segment, or remove the declaration".to_string()
        };
        out.push(
            Finding::new(
                id,
                decl.file,
                decl.span,
                format!("{} `{}` is declared but never used", decl.noun, decl.name),
            )
            .help(help),
        );
    }
}

// --- unreachable-stage -------------------------------------------------------

fn unreachable_stage(cx: &Context<'_>, program: &Program, out: &mut Vec<Finding>) {
    let Some(root) = cx.root() else { return };
    if program.rules.is_empty() {
        return;
    }
    let mut reached = vec![false; program.stages.len()];
    if let Some(first) = reached.first_mut() {
        *first = true;
    }
    for rule in &program.rules {
        visit::steps(&rule.steps).for_each(|step| {
            if let StepKind::Act(Action::MoveTo(s)) | StepKind::Act(Action::MoveBackTo(s)) =
                step.kind
            {
                if let Some(slot) = reached.get_mut(s.index()) {
                    *slot = true;
                }
            }
        });
    }
    let stages = cx.declared.iter().filter(|d| d.kind == SymbolKind::Stage);
    for (id, decl) in stages.enumerate() {
        if decl.file == root.file && !reached.get(id).copied().unwrap_or(true) {
            out.push(
                Finding::new(
                    r::UNREACHABLE_STAGE,
                    decl.file,
                    decl.span,
                    format!("no rule moves a contact into stage `{}`", decl.name),
                )
                .help(format!(
                    "add a rule with `move to {}`; contacts can only start in it from their data",
                    decl.name
                )),
            );
        }
    }
}

/// The operands of a chain of `and`s (a single condition is its own).
fn conjuncts(cond: &Cond) -> Vec<&Cond> {
    match &cond.kind {
        CondKind::And(parts) => parts.iter().flat_map(conjuncts).collect(),
        _ => vec![cond],
    }
}

/// Whether a condition's `and`-ed stage tests allow a contact without a
/// stage, and which stages they allow (all when there are none).
fn allowed_stages(cond: &Cond, stage_count: usize) -> (bool, Vec<bool>) {
    let mut unstaged = true;
    let mut allowed = vec![true; stage_count];
    for part in conjuncts(cond) {
        if let CondKind::Stage(test) = &part.kind {
            unstaged &= stage_test_holds(test, None);
            for (s, slot) in allowed.iter_mut().enumerate() {
                *slot &= stage_test_holds(test, Some(StageId::new(s)));
            }
        }
    }
    (unstaged, allowed)
}

/// Whether a stage test holds for a contact at stage `s`; `None` is a
/// contact not yet in the funnel, which fails every stage test except
/// `stage is not set` (as the interpreter has it).
fn stage_test_holds(test: &StageTest, s: Option<StageId>) -> bool {
    test.holds(s)
}

// --- impossible-condition ------------------------------------------------------

/// Reports every `and` (or single clause) under `cond` that cannot hold.
fn impossible(cond: &Cond, file: usize, program: &Program, out: &mut Vec<Finding>) {
    let parts = conjuncts(cond);
    if let Some(why) = contradiction(&parts, &program.stages) {
        out.push(
            Finding::new(
                r::IMPOSSIBLE_CONDITION,
                file,
                *cond.span,
                format!("this condition can never hold: {why}"),
            )
            .help("check for a reversed comparison or a test that contradicts another"),
        );
        return;
    }
    for part in parts {
        match &part.kind {
            CondKind::Or(items) => items.iter().for_each(|c| impossible(c, file, program, out)),
            CondKind::Not(inner) => impossible(inner, file, program, out),
            _ => {}
        }
    }
}

/// The most clauses of one kind in one `and` that are compared pairwise.
const MAX_CLAUSES: usize = 64;

/// `stages` are the funnel's names, lowest first.
fn contradiction(parts: &[&Cond], stages: &[String]) -> Option<String> {
    let stage_tests: Vec<&StageTest> = parts
        .iter()
        .filter_map(|p| match &p.kind {
            CondKind::Stage(test) => Some(test),
            _ => None,
        })
        .collect();
    // Bounded so that a generated condition of thousands of clauses stays
    // cheap; real conditions have a handful.
    if (1..=MAX_CLAUSES).contains(&stage_tests.len()) {
        if let Some(why) = no_stage_passes(&stage_tests, stages) {
            return Some(why);
        }
    }
    // Points bounds.
    let (mut lo, mut hi) = (i64::MIN, i64::MAX);
    for part in parts {
        if let CondKind::Points { op, value } = &part.kind {
            let v = *value;
            match op {
                CmpOp::Eq => {
                    lo = lo.max(v);
                    hi = hi.min(v);
                }
                CmpOp::Lt => hi = hi.min(v.saturating_sub(1)),
                CmpOp::Le => hi = hi.min(v),
                CmpOp::Gt => lo = lo.max(v.saturating_add(1)),
                CmpOp::Ge => lo = lo.max(v),
                CmpOp::Ne => {}
            }
        }
    }
    if lo > hi {
        return Some("no number of points passes all of its points tests".into());
    }
    // Counts of the same events.
    let behaviours: Vec<&Behaviour> = parts
        .iter()
        .filter_map(|p| match &p.kind {
            CondKind::Behaviour(b) => Some(b),
            _ => None,
        })
        .collect();
    let behaviours: Vec<&Behaviour> = behaviours.into_iter().take(MAX_CLAUSES).collect();
    for (i, a) in behaviours.iter().enumerate() {
        if count_range(a.count).is_none() {
            return Some("no count of events passes its count test".into());
        }
        for b in behaviours.iter().skip(i + 1) {
            if same_events(a, b) {
                if let (Some(x), Some(y)) = (count_range(a.count), count_range(b.count)) {
                    if x.0.max(y.0) > x.1.min(y.1) {
                        return Some(
                            "it counts the same events with bounds that exclude each other".into(),
                        );
                    }
                }
            }
            if none_covers(a, b) || none_covers(b, a) {
                return Some("it requires events that a `no`/`never` clause rules out".into());
            }
        }
    }
    None
}

/// Why no contact passes every one of `tests` (`and`-ed stage tests), if
/// none does. One test alone can be impossible: `stage < Lead` when Lead
/// is the first stage (a contact without a stage fails it too), `stage >
/// Customer` when Customer is the last. A stage test's answer changes only
/// at the stages it names, so trying each named stage, the one above it,
/// the first and no stage at all tries every case; beyond the last
/// declared stage there is nothing to try.
fn no_stage_passes(tests: &[&StageTest], stages: &[String]) -> Option<String> {
    let count = stages.len();
    let mut candidates: Vec<Option<StageId>> = vec![None];
    let named = tests
        .iter()
        .flat_map(|t| t.stages().iter().map(|s| s.index()));
    for s in std::iter::once(0).chain(named.flat_map(|s| [s, s.saturating_add(1)])) {
        if s < count && !candidates.contains(&Some(StageId::new(s))) {
            candidates.push(Some(StageId::new(s)));
        }
    }
    if candidates
        .iter()
        .any(|s| tests.iter().all(|t| stage_test_holds(t, *s)))
    {
        return None;
    }
    let name = |s: &StageId| stages.get(s.index()).map_or("?", String::as_str);
    Some(match tests {
        [StageTest::Cmp(CmpOp::Gt, top)] if top.index() + 1 == count => format!(
            "no stage is above `{}`, the last stage (write `stage is {}`)",
            name(top),
            name(top)
        ),
        [StageTest::Cmp(CmpOp::Lt, first)] if first.index() == 0 => format!(
            "no stage is below `{}`, the first stage, and a contact without a stage passes \
             no stage test (test for it with `stage is not set`)",
            name(first)
        ),
        _ => "no stage passes all of its stage tests, and a contact without a stage \
              passes none (test for it with `stage is not set`)"
            .into(),
    })
}

/// Inclusive bounds of a count test; `None` when nothing passes.
fn count_range(count: CountTest) -> Option<(u64, u64)> {
    let n = count.n;
    match count.op {
        CountOp::AtLeast => Some((n, u64::MAX)),
        CountOp::AtMost => Some((0, n)),
        CountOp::Exactly => Some((n, n)),
        CountOp::MoreThan => n.checked_add(1).map(|m| (m, u64::MAX)),
        CountOp::FewerThan => n.checked_sub(1).map(|m| (0, m)),
    }
}

fn same_events(a: &Behaviour, b: &Behaviour) -> bool {
    a.matcher.event_type == b.matcher.event_type
        && a.matcher.filter.is_none()
        && b.matcher.filter.is_none()
        && a.distinct == b.distinct
        && a.window == b.window
        && same_target(&a.matcher.target, &b.matcher.target)
}

fn same_target(a: &Option<crate::ir::TargetMatch>, b: &Option<crate::ir::TargetMatch>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.property == b.property
                && match (&a.matcher, &b.matcher) {
                    (TargetPattern::Exact(x), TargetPattern::Exact(y)) => x == y,
                    (TargetPattern::Pattern(x), TargetPattern::Pattern(y)) => x.text == y.text,
                    _ => false,
                }
        }
        _ => false,
    }
}

/// `zero` allows no events of a kind at all (`never opened email`) over a
/// window that covers `some`'s, and `some` needs at least one of them.
fn none_covers(zero: &Behaviour, some: &Behaviour) -> bool {
    let Some((_, zero_hi)) = count_range(zero.count) else {
        return false;
    };
    let Some((some_lo, _)) = count_range(some.count) else {
        return false;
    };
    let window_covers = match (zero.window, some.window) {
        (Window::All, _) => true,
        (Window::Last(z), Window::Last(s)) => s <= z,
        _ => false,
    };
    zero_hi == 0
        && some_lo >= 1
        && zero.matcher.target.is_none()
        && zero.matcher.filter.is_none()
        && zero.distinct.is_none()
        && zero.matcher.event_type == some.matcher.event_type
        && window_covers
}

// --- move-to-lower-stage -------------------------------------------------------

/// The steps that run at the instant the rule fires (before any wait).
fn immediate_steps(steps: &[Step]) -> impl Iterator<Item = &Step> {
    steps.iter().take_while(|s| !is_wait(s))
}

fn is_wait(step: &Step) -> bool {
    matches!(
        step.kind,
        StepKind::Wait(_) | StepKind::WaitUntilTime(_) | StepKind::WaitUntilInstant(_)
    )
}

fn move_to_lower(program: &Program, rule: &RuleDef, out: &mut Vec<Finding>) {
    let Trigger::Condition(cond) = &rule.trigger else {
        return;
    };
    if !immediate_steps(&rule.steps).any(|s| matches!(s.kind, StepKind::Act(Action::MoveTo(_)))) {
        return;
    }
    let (unstaged, allowed) = allowed_stages(cond, program.stages.len());
    if unstaged {
        return;
    }
    let Some(lowest) = allowed.iter().position(|a| *a) else {
        return;
    };
    for step in immediate_steps(&rule.steps) {
        if let StepKind::Act(Action::MoveTo(target)) = step.kind {
            if lowest > target.index() {
                out.push(
                    Finding::new(
                        r::MOVE_TO_LOWER_STAGE,
                        rule.file,
                        *step.span,
                        format!(
                            "`move to {}` never moves anyone: the rule only fires at stage `{}` or above, and `move to` only moves forward",
                            program.stages.name(target),
                            program.stages.name(StageId::new(lowest))
                        ),
                    )
                    .help(format!("to move contacts down, write `move back to {}`", program.stages.name(target)))
                    .label(*cond.span, "the condition that requires a higher stage"),
                );
            }
        }
    }
}

// --- wait-at-end ------------------------------------------------------------

fn wait_at_end(rule: &RuleDef, steps: &[Step], out: &mut Vec<Finding>) {
    let Some(last) = steps.last() else { return };
    if is_wait(last) {
        out.push(
            Finding::new(
                r::WAIT_AT_END,
                rule.file,
                *last.span,
                format!(
                    "rule `{}` ends with a wait: nothing happens after it",
                    rule.name
                ),
            )
            .help("add the step that should follow the wait, or remove the wait"),
        );
    } else if let StepKind::Branch {
        then, otherwise, ..
    } = &last.kind
    {
        wait_at_end(rule, then, out);
        wait_at_end(rule, otherwise, out);
    }
}

// --- repeat-shorter-than-waits ---------------------------------------------------

fn repeat_shorter_than_waits(cx: &Context<'_>, program: &Program, out: &mut Vec<Finding>) {
    let repeats = root_rules(cx).map(|rule| rule.repeat.as_ref().map(|d| d.span));
    for (rule, repeat_span) in program.rules.iter().zip(repeats) {
        let Some(repeat) = rule.repeat.map(|d| d.seconds) else {
            continue;
        };
        let waits: i64 = rule
            .steps
            .iter()
            .map(|s| match s.kind {
                StepKind::Wait(duration) => duration.seconds,
                _ => 0,
            })
            .fold(0i64, i64::saturating_add);
        if repeat < waits {
            out.push(
                Finding::new(
                    r::REPEAT_SHORTER_THAN_WAITS,
                    rule.file,
                    *repeat_span.unwrap_or(rule.span),
                    format!(
                        "rule `{}` may repeat every {} but its waits take {}: runs would overlap",
                        rule.name,
                        days(repeat),
                        days(waits)
                    ),
                )
                .help("make `repeat every` at least as long as the waits"),
            );
        }
    }
}

fn days(seconds: i64) -> String {
    if seconds % 86_400 == 0 {
        let d = seconds / 86_400;
        format!("{d} {}", if d == 1 { "day" } else { "days" })
    } else if seconds % 3_600 == 0 {
        format!("{} hours", seconds / 3_600)
    } else {
        format!("{} minutes", seconds / 60)
    }
}

/// The AST rules of the root file, in the order of `program.rules`.
fn root_rules<'a>(cx: &'a Context<'_>) -> impl Iterator<Item = &'a ast::Rule> + 'a {
    cx.root().into_iter().flat_map(|root| {
        root.ast.items.iter().filter_map(|item| match &item.kind {
            ItemKind::Rule(rule) => Some(rule),
            _ => None,
        })
    })
}

// --- send-without-channel ----------------------------------------------------------

fn send_without_channel(rule: &RuleDef, out: &mut Vec<Finding>) {
    let why = match &rule.trigger {
        Trigger::Condition(cond) => conjuncts(cond).iter().find_map(|c| match c.kind {
            CondKind::Consent(Consent::Unsubscribed) => {
                Some("the rule only fires for unsubscribed contacts")
            }
            CondKind::Consent(Consent::DoNotContact) => {
                Some("the rule only fires for do-not-contact contacts")
            }
            _ => None,
        }),
        Trigger::Event(matcher) if matcher.event_type == crate::ir::builtin::UNSUBSCRIBED => {
            Some("the rule fires when the contact unsubscribes")
        }
        Trigger::Event(_) => None,
    };
    let mut marked: Option<&'static str> = why;
    for step in &rule.steps {
        match step.kind {
            StepKind::Act(Action::Send { .. }) if step.unless.is_none() => {
                if let Some(why) = marked {
                    out.push(
                        Finding::new(
                            r::SEND_WITHOUT_CHANNEL,
                            rule.file,
                            *step.span,
                            format!("this send is always suppressed: {why}"),
                        )
                        .help("unsubscribed and do-not-contact contacts get no sends"),
                    );
                }
            }
            StepKind::Act(Action::MarkDoNotContact) if step.unless.is_none() => {
                marked = marked.or(Some("an earlier step marks the contact do-not-contact"));
            }
            StepKind::Act(Action::Unsubscribe) if step.unless.is_none() => {
                marked = marked.or(Some("an earlier step unsubscribes the contact"));
            }
            _ => {}
        }
    }
}

// --- shadowed-rule, conflicting-stage-moves -------------------------------------------

/// How many earlier rules of one group a rule is compared with for
/// conflicting moves: enough for any real campaign, and it keeps a
/// generated file with thousands of rules linear.
const MAX_CONFLICT_PEERS: usize = 64;

/// What makes two rules fire together: trigger, priority and repeat,
/// compared by structure (spans never count, so layout and comments do
/// not hide a copy).
type ShadowKey<'a> = (&'a Trigger, i64, Option<crate::ir::Duration>);

/// Rules whose triggers can fire for the same contact at the same instant,
/// for `conflicting-stage-moves`: all rules on one event type, or rules on
/// the same condition.
#[derive(PartialEq, Eq, Hash)]
enum MoveGroup<'a> {
    Event(crate::ir::EventTypeId),
    Condition(&'a Cond),
}

fn pairs(program: &Program, out: &mut Vec<Finding>) {
    use std::collections::HashMap;
    let rules = &program.rules;
    // Shadowed: the first earlier rule with the same trigger, priority and
    // repeat. Both fire for the same contact at the same instant, whatever
    // their steps: a copy doubles every effect, different steps belong in
    // one rule (or an order, by `priority`).
    let mut first: HashMap<ShadowKey<'_>, usize> = HashMap::new();
    for (j, b) in rules.iter().enumerate() {
        let key = (&b.trigger, b.priority, b.repeat);
        let Some(a) = first
            .get(&key)
            .and_then(|&i| rules.get(crate::ir::RuleId::new(i)))
        else {
            first.insert(key, j);
            continue;
        };
        let same_steps = a.steps == b.steps && a.exit == b.exit;
        // Two rules that move the same contact to different stages are
        // `conflicting-stage-moves`, the sharper finding: one per pair.
        let moves = (first_move(a).map(|m| m.1), first_move(b).map(|m| m.1));
        if let (Some(x), Some(y)) = moves {
            if x != y {
                continue;
            }
        }
        out.push(
            Finding::new(
                r::SHADOWED_RULE,
                b.file,
                *b.span,
                if same_steps {
                    format!(
                        "rule `{}` repeats rule `{}`: same trigger, same steps",
                        b.name, a.name
                    )
                } else {
                    format!(
                        "rule `{}` has the same trigger as rule `{}`",
                        b.name, a.name
                    )
                },
            )
            .help(if same_steps {
                "remove the copy: every effect happens twice"
            } else {
                "merge the steps into the earlier rule, or give one a `priority`"
            })
            .label(*a.span, "the earlier rule"),
        );
    }
    // Conflicting moves: overlapping event triggers (or identical
    // conditions), the same priority, different immediate targets.
    let mut groups: HashMap<(i64, MoveGroup<'_>), Vec<usize>> = HashMap::new();
    for (j, b) in rules.iter().enumerate() {
        let Some(y) = first_move(b) else { continue };
        let group = match &b.trigger {
            Trigger::Event(m) => MoveGroup::Event(m.event_type),
            Trigger::Condition(cond) => MoveGroup::Condition(cond),
        };
        let peers = groups.entry((b.priority, group)).or_default();
        let conflict = peers.iter().take(MAX_CONFLICT_PEERS).find_map(|&i| {
            let a = rules.get(crate::ir::RuleId::new(i))?;
            let overlap = match (&a.trigger, &b.trigger) {
                (Trigger::Event(x), Trigger::Event(y)) => {
                    x.filter.is_none()
                        && y.filter.is_none()
                        && (x.target.is_none()
                            || y.target.is_none()
                            || same_target(&x.target, &y.target))
                }
                (Trigger::Condition(_), Trigger::Condition(_)) => true,
                _ => false,
            };
            let x = first_move(a)?;
            (overlap && x.1 != y.1).then_some((a, x))
        });
        peers.push(j);
        let Some((a, x)) = conflict else { continue };
        out.push(
            Finding::new(
                r::CONFLICTING_STAGE_MOVES,
                b.file,
                y.0,
                format!(
                    "rules `{}` and `{}` can move the same contact to `{}` and `{}` at the same instant",
                    a.name,
                    b.name,
                    program.stages.name(x.1),
                    program.stages.name(y.1)
                ),
            )
            .help("give one of them a `priority`, or make their triggers exclusive")
            .label(x.0, "the other move"),
        );
    }
}

/// The first unconditional move a rule makes at the instant it fires.
fn first_move(rule: &RuleDef) -> Option<(ast::Span, StageId)> {
    immediate_steps(&rule.steps).find_map(|step| match step.kind {
        StepKind::Act(Action::MoveTo(s)) | StepKind::Act(Action::MoveBackTo(s))
            if step.unless.is_none() =>
        {
            Some((*step.span, s))
        }
        _ => None,
    })
}

// --- single-use-segment ----------------------------------------------------------

fn single_use_segment(cx: &Context<'_>, program: &Program, out: &mut Vec<Finding>) {
    let Some(root) = cx.root() else { return };
    // Asked once: it walks the root file's items, and asking it per
    // segment made `check` quadratic in the number of segments.
    if !cx.root_has_rules() {
        return;
    }
    let mut uses = vec![0usize; program.segments.len()];
    let mut count = |cond: &Cond| count_segment_uses(cond, &mut uses);
    for segment in &program.segments {
        count(&segment.condition);
    }
    for rule in &program.rules {
        visit::rule_conditions(rule).for_each(&mut count);
    }
    for (segment, &used) in program.segments.iter().zip(&uses) {
        if segment.file == root.file && used <= 1 {
            let message = if used == 0 {
                format!(
                    "segment `{}` is not used by any rule or segment",
                    segment.name
                )
            } else {
                format!("segment `{}` is used in only one place", segment.name)
            };
            out.push(
                Finding::new(r::SINGLE_USE_SEGMENT, segment.file, *segment.span, message)
                    .help("write its condition where it is used, or keep it as a named group"),
            );
        }
    }
}

fn count_segment_uses(cond: &Cond, uses: &mut [usize]) {
    for c in visit::conditions(cond) {
        if let CondKind::InSegment(id) = c.kind {
            if let Some(n) = uses.get_mut(id.index()) {
                *n += 1;
            }
        }
    }
}
