//! The one walk over conditions and steps.
//!
//! Checks and lints that look for something in a condition tree or a step
//! list (segment uses, time dependence, moves, waits, sends) use these
//! iterators instead of matching on `And`/`Or`/`Not`/`Branch` themselves,
//! so a new kind of condition or step changes this file, not every walk.
//! Evaluation and explanation are folds — each node's answer is built
//! from its children's — so they match on the node instead.
//!
//! Both walks keep their own stack: nothing recurses, whatever the depth.
//! Segments are not expanded: `in segment X` is a leaf whose condition is
//! walked where the segment is declared.

use super::{Cond, CondKind, RuleDef, Step, StepKind, Trigger};

/// Every condition of the tree under `root`, `root` first, then each part
/// in written order (pre-order).
pub fn conditions(root: &Cond) -> Conditions<'_> {
    Conditions { stack: vec![root] }
}

pub struct Conditions<'a> {
    stack: Vec<&'a Cond>,
}

impl<'a> Iterator for Conditions<'a> {
    type Item = &'a Cond;

    fn next(&mut self) -> Option<&'a Cond> {
        let cond = self.stack.pop()?;
        self.stack.extend(parts(cond).iter().rev());
        Some(cond)
    }
}

/// The conditions a condition is made of: the operands of `and`/`or`, the
/// operand of `not`, none for a clause.
pub fn parts(cond: &Cond) -> &[Cond] {
    match &cond.kind {
        CondKind::And(parts) | CondKind::Or(parts) => parts,
        CondKind::Not(inner) => std::slice::from_ref(inner),
        _ => &[],
    }
}

/// Every step of `steps`, branches included: a branch step comes before
/// the steps of its `then` arm, which come before those of its `else` arm.
pub fn steps(steps: &[Step]) -> Steps<'_> {
    Steps {
        stack: vec![steps.iter()],
    }
}

pub struct Steps<'a> {
    stack: Vec<std::slice::Iter<'a, Step>>,
}

impl<'a> Iterator for Steps<'a> {
    type Item = &'a Step;

    fn next(&mut self) -> Option<&'a Step> {
        loop {
            let top = self.stack.last_mut()?;
            let Some(step) = top.next() else {
                self.stack.pop();
                continue;
            };
            if let Some((then, otherwise)) = arms(step) {
                self.stack.push(otherwise.iter());
                self.stack.push(then.iter());
            }
            return Some(step);
        }
    }
}

/// The two arms of a branch step.
pub fn arms(step: &Step) -> Option<(&[Step], &[Step])> {
    match &step.kind {
        StepKind::Branch {
            then, otherwise, ..
        } => Some((then, otherwise)),
        _ => None,
    }
}

/// The conditions written in a step itself: its `unless`, and a branch's
/// condition (not those of the steps inside the branch).
pub fn step_conditions(step: &Step) -> impl Iterator<Item = &Cond> {
    let branch = match &step.kind {
        StepKind::Branch { condition, .. } => Some(&**condition),
        _ => None,
    };
    step.unless.iter().chain(branch)
}

/// The roots of every condition tree of a rule: trigger, exit, then the
/// `unless` and branch conditions of its steps, branches included.
pub fn rule_conditions(rule: &RuleDef) -> impl Iterator<Item = &Cond> {
    let trigger = match &rule.trigger {
        Trigger::Condition(cond) => Some(cond),
        Trigger::Event(_) => None,
    };
    trigger
        .into_iter()
        .chain(&rule.exit)
        .chain(steps(&rule.steps).flat_map(step_conditions))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::base::span::Span;
    use crate::ir::{Action, SegmentId, StageId};

    fn leaf(n: usize) -> Cond {
        Cond {
            kind: CondKind::InSegment(SegmentId::new(n)),
            span: Span::new(n, n + 1).into(),
        }
    }

    fn cond(kind: CondKind) -> Cond {
        Cond {
            kind,
            span: Span::default().into(),
        }
    }

    fn segment_of(c: &Cond) -> Option<usize> {
        match c.kind {
            CondKind::InSegment(id) => Some(id.index()),
            _ => None,
        }
    }

    fn step(kind: StepKind) -> Step {
        Step {
            kind,
            unless: None,
            span: Span::default().into(),
        }
    }

    #[test]
    fn conditions_are_walked_in_written_order() {
        let tree = cond(CondKind::And(vec![
            leaf(0),
            cond(CondKind::Not(Box::new(cond(CondKind::Or(vec![
                leaf(1),
                leaf(2),
            ]))))),
            leaf(3),
        ]));
        let seen: Vec<usize> = conditions(&tree).filter_map(segment_of).collect();
        assert_eq!(seen, [0, 1, 2, 3]);
        assert_eq!(conditions(&tree).count(), 7);
    }

    #[test]
    fn a_deep_tree_is_walked_without_recursion() {
        let mut tree = leaf(7);
        for _ in 0..10_000 {
            tree = cond(CondKind::Not(Box::new(tree)));
        }
        assert_eq!(
            conditions(&tree).filter_map(segment_of).collect::<Vec<_>>(),
            [7]
        );
    }

    #[test]
    fn steps_include_both_arms_of_a_branch_and_rule_conditions_every_root() {
        let move_to = |s| step(StepKind::Act(Action::MoveTo(StageId::new(s))));
        let mut guarded = move_to(3);
        guarded.unless = Some(leaf(20));
        let branch = step(StepKind::Branch {
            condition: Box::new(leaf(10)),
            then: vec![move_to(1), guarded],
            otherwise: vec![move_to(2)],
        });
        let list = vec![move_to(0), branch, move_to(4)];
        let moves: Vec<usize> = steps(&list)
            .filter_map(|s| match s.kind {
                StepKind::Act(Action::MoveTo(id)) => Some(id.index()),
                _ => None,
            })
            .collect();
        assert_eq!(moves, [0, 1, 3, 2, 4]);
        let rule = RuleDef {
            name: "r".into(),
            priority: 0,
            trigger: Trigger::Condition(leaf(5)),
            steps: list,
            exit: Some(leaf(6)),
            repeat: None,
            file: 0,
            span: Span::default().into(),
        };
        let roots: Vec<usize> = rule_conditions(&rule).filter_map(segment_of).collect();
        assert_eq!(roots, [5, 6, 10, 20]);
    }
}
