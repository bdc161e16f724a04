//! `nurture test`: runs the `test` blocks of checked files with the real
//! simulator and judges their expectations.
//!
//! A test's contact runs from `from` (default: its first event) to `at`,
//! with daily ticks at 00:00 campaign time as in `simulate`; expectations
//! are judged on the state at `at` and on everything the run recorded.

pub mod output;

use crate::base::number::counted;
use crate::base::vocab::{Channel, CmpOp};
use crate::check::tests_check::{Expect, ExpectKind, TestCase};
use crate::diagnostics::SourceMap;
use crate::eval::explain::explain;
use crate::eval::{Clock, ContactState, Context, EventView};
use crate::ir::{Action, Program, RuleDef, RuleId, StageTest, Step, StepKind, Trigger};
use crate::report::explain::render;
use crate::sim::outcome::Status;
use crate::sim::{state_at, ContactOutcome, RunPlan};
use serde::Serialize;

const DAY: i64 = 86_400;

/// What became of one test.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub name: String,
    /// 1-based line of the `test` keyword.
    pub line: usize,
    pub passed: bool,
    pub failures: Vec<Failure>,
    /// How often each rule fired in this test's run, by rule id.
    #[serde(skip)]
    pub fired: Vec<u32>,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The `expect` line as written.
    pub expectation: String,
    pub line: usize,
    pub expected: String,
    pub actual: String,
    /// The clause trees of the rules that decided it, rendered.
    pub explanation: String,
}

/// Runs one test.
pub fn run_test(program: &Program, sources: &SourceMap, case: &TestCase) -> TestResult {
    let tz = program.settings.timezone;
    let ticks = crate::sim::calendar::ticks(case.from, case.at, DAY, tz);
    let plan = RunPlan::new(program, case.from, case.at, &ticks);
    let (state, events, last_fired, outcome) =
        state_at(&plan, &case.contact, &case.events, case.at);
    let run = Run {
        program,
        sources,
        state: &state,
        events: &events,
        last_fired: &last_fired,
        outcome: &outcome,
        clock: Clock::new(case.at, tz),
    };
    let line = |span: crate::syntax::ast::Span| {
        sources
            .get(case.file)
            .map_or(0, |s| s.position(span.start).line)
    };
    let mut failures: Vec<Failure> = case
        .expectations
        .iter()
        .filter_map(|expect| {
            let (holds, expected, actual) = run.judge(expect);
            (holds == expect.negated).then(|| Failure {
                expectation: expect.text.clone(),
                line: line(expect.span),
                expected,
                actual,
                explanation: run.explain(&expect.kind),
            })
        })
        .collect();
    // A script that failed during the run or while the expectations were
    // judged fails the test: what was judged is not what the rules mean.
    // Explanations above also run scripts; their failures are the same ones.
    // A contact that hit the record limit stopped there: what is judged
    // is not the whole run.
    if let Some(stopped) = outcome.stopped {
        let why =
            crate::sim::limits::contact_stopped(program, &case.name, stopped, plan.max_records);
        failures.push(Failure {
            expectation: "the run stays within the record limit".into(),
            line: line(case.span),
            expected: format!("at most {} rule firings and actions", plan.max_records),
            actual: why.message,
            explanation: String::new(),
        });
    }
    let mut script_errors = outcome.script_errors.clone();
    script_errors.extend(crate::eval::script::take_errors());
    let mut seen = std::collections::HashSet::new();
    for error in script_errors {
        if !seen.insert((error.script.clone(), error.message.clone())) {
            continue;
        }
        failures.push(Failure {
            expectation: format!("script `{}` runs without failing", error.script),
            line: line(case.span),
            expected: "a result of the right type".into(),
            actual: format!("error[{}]: {}", error.code, error.describe(&case.name)),
            explanation: String::new(),
        });
    }
    TestResult {
        name: case.name.clone(),
        line: line(case.span),
        passed: failures.is_empty(),
        failures,
        fired: outcome.fired.clone(),
    }
}

struct Run<'a, 'e> {
    program: &'a Program,
    sources: &'a SourceMap,
    state: &'a ContactState,
    events: &'a EventView<'e>,
    last_fired: &'a [Option<i64>],
    outcome: &'a ContactOutcome,
    clock: Clock,
}

impl Run<'_, '_> {
    fn stage_name(&self, stage: Option<crate::ir::StageId>) -> String {
        stage.map_or("(no stage)".into(), |s| self.program.stages.name(s).into())
    }

    fn sent(&self, channel: Channel, message: usize) -> bool {
        self.outcome.actions.iter().any(|a| {
            matches!(a.action, Action::Send { channel: c, message: m, .. } if c == channel && m == crate::ir::MessageId::new(message))
                && matches!(a.status, Status::Sent | Status::Delayed)
        })
    }

    /// Whether the positive form holds, what it expects, what there is.
    fn judge(&self, expect: &Expect) -> (bool, String, String) {
        let not = if expect.negated { "not " } else { "" };
        let program = self.program;
        match &expect.kind {
            ExpectKind::Stage { op, stage } => {
                let current = self.state.stage;
                // The same rule as conditions: no stage never compares.
                let test = StageTest::Cmp(op.unwrap_or(CmpOp::Eq), *stage);
                let holds = test.holds(current);
                let op = op.map_or(String::new(), |o| format!("{} ", o.symbol()));
                (
                    holds,
                    format!("stage {not}{op}{}", program.stages.name(*stage)),
                    format!("stage {}", self.stage_name(current)),
                )
            }
            ExpectKind::Points { op, value } => (
                op.holds(self.state.points.cmp(value)),
                format!("points {not}{} {value}", op.symbol()),
                format!("points {}", self.state.points),
            ),
            ExpectKind::Tag(tag) => (
                self.state.tags.contains(tag),
                format!("{not}tag {tag:?}"),
                if self.state.tags.is_empty() {
                    "no tags".into()
                } else {
                    let tags: Vec<String> =
                        self.state.tags.iter().map(|t| format!("{t:?}")).collect();
                    format!("tags {}", tags.join(", "))
                },
            ),
            ExpectKind::InSegment(segment) => {
                let context = Context::new(program, self.clock, self.state, self.events, None);
                let holds = context.in_segment(*segment);
                let name = program
                    .segments
                    .get(*segment)
                    .map_or("?", |s| s.name.as_str());
                (
                    holds,
                    format!("{not}in segment {name}"),
                    format!("{}in segment {name}", if holds { "" } else { "not " }),
                )
            }
            ExpectKind::Sent { channel, message } => {
                let (noun, names) = match channel {
                    Channel::Email => ("email", &program.emails),
                    Channel::Sms => ("sms", &program.sms),
                };
                let sent: Vec<&str> = self
                    .outcome
                    .actions
                    .iter()
                    .filter_map(|a| match a.action {
                        Action::Send {
                            channel: c,
                            message: m,
                            ..
                        } if c == *channel
                            && matches!(a.status, Status::Sent | Status::Delayed) =>
                        {
                            Some(names.name(m))
                        }
                        _ => None,
                    })
                    .collect();
                (
                    self.sent(*channel, message.index()),
                    format!("{not}sent {noun} {}", names.name(*message)),
                    if sent.is_empty() {
                        format!("no {noun} sent")
                    } else {
                        format!("sent {noun} {}", sent.join(", "))
                    },
                )
            }
            ExpectKind::Fired(rule) => {
                let fired: Vec<&str> = self
                    .outcome
                    .fired
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .filter_map(|(r, _)| {
                        program
                            .rules
                            .get(crate::ir::RuleId::new(r))
                            .map(|rule| rule.name.as_str())
                    })
                    .collect();
                (
                    self.outcome.fired.get(rule.index()).is_some_and(|n| *n > 0),
                    format!(
                        "{not}fired {}",
                        program.rules.get(*rule).map_or("?", |r| r.name.as_str())
                    ),
                    if fired.is_empty() {
                        "no rule fired".into()
                    } else {
                        format!("fired {}", fired.join(", "))
                    },
                )
            }
        }
    }

    /// The rules that decide an expectation, explained at `at`.
    fn explain(&self, kind: &ExpectKind) -> String {
        let program = self.program;
        let mut out = String::new();
        if let ExpectKind::InSegment(segment) = kind {
            let Some(def) = program.segments.get(*segment) else {
                return out;
            };
            let context = Context::new(program, self.clock, self.state, self.events, None);
            out.push_str(&format!("segment {}:\n", def.name));
            render(
                &explain(&context, self.sources, def.file, &def.condition),
                2,
                &mut out,
            );
            return out;
        }
        let rules: Vec<(RuleId, &RuleDef)> = program
            .rules
            .iter_enumerated()
            .filter(|&(r, rule)| match kind {
                ExpectKind::Fired(fired) => r == *fired,
                _ => steps_mention(&rule.steps, kind),
            })
            .collect();
        if rules.is_empty() {
            out.push_str("no rule can make this hold\n");
        }
        for (r, rule) in rules {
            let fired = self.outcome.fired.get(r.index()).copied().unwrap_or(0);
            out.push_str(&format!(
                "rule {}: fired {}\n",
                rule.name,
                counted(fired.into(), "time", "times")
            ));
            match &rule.trigger {
                Trigger::Condition(condition) => {
                    let context = Context::new(
                        program,
                        self.clock,
                        self.state,
                        self.events,
                        self.last_fired.get(r.index()).copied().flatten(),
                    );
                    render(
                        &explain(&context, self.sources, rule.file, condition),
                        2,
                        &mut out,
                    );
                }
                Trigger::Event(_) => {
                    out.push_str("  (an event rule: it fires once per matching event)\n");
                }
            }
        }
        out
    }
}

/// Whether some step (also inside branches) can affect what `kind` tests.
fn steps_mention(steps: &[Step], kind: &ExpectKind) -> bool {
    crate::ir::visit::steps(steps).any(|step| match (&step.kind, kind) {
        (
            StepKind::Act(Action::MoveTo(s)) | StepKind::Act(Action::MoveBackTo(s)),
            ExpectKind::Stage { stage, op },
        ) => op.is_some() || s == stage,
        (
            StepKind::Act(Action::AddPoints(_))
            | StepKind::Act(Action::SetPoints(_))
            | StepKind::SetPointsScript(_),
            ExpectKind::Points { .. },
        ) => true,
        (
            StepKind::Act(Action::AddTag(t)) | StepKind::Act(Action::RemoveTag(t)),
            ExpectKind::Tag(tag),
        ) => t == tag,
        (
            StepKind::Act(Action::Send {
                channel, message, ..
            }),
            ExpectKind::Sent {
                channel: c,
                message: m,
            },
        ) => channel == c && message == m,
        _ => false,
    })
}
