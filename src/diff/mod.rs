//! Change impact (`nurture diff`): two checked versions of a campaign run
//! over the same contacts, contact by contact, and what changes between
//! the two stories. docs/diff.md says what every number means.
//!
//! The two programs number stages, messages and rules each their own way,
//! so everything is compared by name: stages by name, messages and other
//! actions by their [`ActionKey`], rules by name (bare `on` rules by their
//! trigger), a rule missing on one side matched to one of the same meaning
//! on the other (a rename).

pub mod parting;
pub mod render;
mod shortcut;

use crate::base::value::Instant;
use crate::data::Contact;
use crate::diagnostics::SourceMap;
use crate::ir::{Action, Program, RuleDef, RuleId};
use crate::sim::run::{describe, ActionKey, Funnel, Limits, Population, RunStop};
use crate::sim::{simulate_contact, ContactOutcome, RunPlan, Status};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Contacts sampled per kind of change, first in contact order.
pub const SAMPLE: usize = 5;

/// Contacts run per parallel batch at most, as in `sim::run`.
const CHUNK: usize = 4096;

/// The most action records the two sides of one batch may hold together
/// (see `sim::run`).
const BATCH_RECORDS: u64 = 4_000_000;

/// One version of the campaign: its checked program, the sources it was
/// read from (for rule locations and explanations) and the contacts as
/// loaded for its schema.
pub struct Version<'a> {
    pub program: &'a Program,
    pub sources: &'a SourceMap,
    pub population: &'a Population<'a>,
    /// How the version was named (`main:campaigns/b2b.nurture`).
    pub label: &'a str,
}

/// What both runs cover.
#[derive(Debug, Clone, Copy)]
pub struct DiffConfig {
    pub from: Instant,
    pub to: Instant,
    pub tick_seconds: i64,
    pub limits: Limits,
    /// Run every contact under both versions, without the shortcut
    /// (`shortcut`) for contacts the change cannot touch.
    pub run_twice: bool,
}

/// Why a diff could not be made.
#[derive(Debug, Clone)]
pub enum DiffStop {
    /// One side's run stopped at a limit (`after` says which side).
    Run { after: bool, stop: RunStop },
    /// The two versions read the data into different contacts (a field
    /// type changed, and a row one accepts the other rejects).
    Contacts { before: usize, after: usize },
}

/// The kinds of change a contact's story can have. A contact may have
/// several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// It ends the run in another stage.
    Stage,
    /// It moves between stages at other instants or along another path.
    Moves,
    /// It gets other messages, or the same ones with another status or
    /// delivery time.
    Mails,
    /// It ends with other points.
    Points,
    /// It ends with other tags.
    Tags,
    /// Other actions (lists, fields, notifications, hand-offs, webhooks,
    /// consent) or other statuses of them.
    Actions,
    /// Rules fire for it another number of times.
    Rules,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 7] = [
        ChangeKind::Stage,
        ChangeKind::Moves,
        ChangeKind::Mails,
        ChangeKind::Points,
        ChangeKind::Tags,
        ChangeKind::Actions,
        ChangeKind::Rules,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Stage => "stage",
            ChangeKind::Moves => "moves",
            ChangeKind::Mails => "mails",
            ChangeKind::Points => "points",
            ChangeKind::Tags => "tags",
            ChangeKind::Actions => "actions",
            ChangeKind::Rules => "rules",
        }
    }

    /// What a contact with this change does, in words.
    pub fn describe(self) -> &'static str {
        match self {
            ChangeKind::Stage => "end in another stage",
            ChangeKind::Moves => "move between stages differently",
            ChangeKind::Mails => "get other messages",
            ChangeKind::Points => "end with other points",
            ChangeKind::Tags => "end with other tags",
            ChangeKind::Actions => "get other actions",
            ChangeKind::Rules => "fire rules differently",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// How many contacts have one kind of change, and the first of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    pub count: u64,
    /// Up to [`SAMPLE`] contact ids, in contact order.
    pub sample: Vec<String>,
}

impl Changed {
    fn add(&mut self, id: &str) {
        self.count += 1;
        if self.sample.len() < SAMPLE {
            self.sample.push(id.to_string());
        }
    }
}

/// A number before and after the change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    pub before: u64,
    pub after: u64,
}

impl Pair {
    pub fn changed(self) -> bool {
        self.before != self.after
    }

    /// `after - before`.
    pub fn delta(self) -> i128 {
        i128::from(self.after) - i128::from(self.before)
    }
}

/// One stage, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDiff {
    pub name: String,
    /// Contacts at this stage or a later one at some point of the run (as
    /// in the funnel of `simulate`).
    pub reached: Pair,
    /// Contacts at this stage when the run ends.
    pub at_end: Pair,
    /// Which versions declare the stage.
    pub in_before: bool,
    pub in_after: bool,
}

/// One message (`send email welcome`), by its action key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDiff {
    pub key: ActionKey,
    pub before: BTreeMap<Status, u64>,
    pub after: BTreeMap<Status, u64>,
    /// Contacts it goes out to (sent or held, then delivered) after the
    /// change and not before.
    pub newly: u64,
    /// Contacts it went out to before the change and not after.
    pub no_longer: u64,
}

impl MessageDiff {
    pub fn count(&self, after: bool, status: Status) -> u64 {
        let map = if after { &self.after } else { &self.before };
        map.get(&status).copied().unwrap_or(0)
    }

    pub fn changed(&self) -> bool {
        self.before != self.after || self.newly > 0 || self.no_longer > 0
    }
}

/// How a rule differs between the versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleChange {
    /// Same name, same meaning.
    Same,
    /// Same name, another trigger, steps, exit, repeat or priority.
    Changed,
    /// Another name, same meaning: the name it had before.
    Renamed(String),
    Added,
    Removed,
}

impl RuleChange {
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleChange::Same => "same",
            RuleChange::Changed => "changed",
            RuleChange::Renamed(_) => "renamed",
            RuleChange::Added => "added",
            RuleChange::Removed => "removed",
        }
    }
}

/// Where a rule is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
}

/// One rule, matched across the versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDiff {
    /// The name after the change (before it, for a removed rule).
    pub name: String,
    pub change: RuleChange,
    /// Times fired in all.
    pub fired: Pair,
    /// Contacts it fired for.
    pub contacts: Pair,
    pub before_at: Option<Location>,
    pub after_at: Option<Location>,
}

/// Everything `nurture diff` reports.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub before_label: String,
    pub after_label: String,
    pub from: Instant,
    pub to: Instant,
    pub timezone: chrono_tz::Tz,
    pub contacts: u64,
    /// Contacts run under the before version only: the change could not
    /// touch them, so their after story is the same (`shortcut`).
    pub run_once: u64,
    pub stages: Vec<StageDiff>,
    /// Contacts in no stage at the end of the run.
    pub no_stage_at_end: Pair,
    /// Contacts whose story changes in any way.
    pub changed: Changed,
    /// Per kind of change, in [`ChangeKind::ALL`] order.
    pub kinds: Vec<(ChangeKind, Changed)>,
    /// Messages either version sends (or holds, drops, suppresses).
    pub messages: Vec<MessageDiff>,
    /// Rules of either version: the after version's in file order, then
    /// the removed ones.
    pub rules: Vec<RuleDiff>,
    /// For sampled contacts: where their two stories part.
    pub partings: Vec<parting::Parting>,
}

impl Diff {
    /// Whether the change changes anything: a contact's story, or a rule
    /// added, removed or changed in meaning (a rename alone is no change).
    pub fn any_change(&self) -> bool {
        self.changed.count > 0
            || self
                .rules
                .iter()
                .any(|r| !matches!(r.change, RuleChange::Same | RuleChange::Renamed(_)))
    }

    /// The contacts sampled for any kind, deduplicated, in contact order of
    /// first sampling (the overall sample first).
    pub fn sampled(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for id in self
            .changed
            .sample
            .iter()
            .chain(self.kinds.iter().flat_map(|(_, c)| &c.sample))
        {
            if seen.insert(id.as_str()) {
                out.push(id.as_str());
            }
        }
        out
    }
}

/// The matching of rules across the versions, by index into
/// [`Diff::rules`].
struct RuleTable {
    rules: Vec<RuleDiff>,
    before: Vec<usize>,
    after: Vec<usize>,
}

/// The key a rule is matched by: its name, or for a bare `on` rule (named
/// `on opened email (line 12)`) its trigger, numbered when the same
/// trigger starts several bare rules.
fn rule_keys(program: &Program) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    program
        .rules
        .iter()
        .map(|rule| {
            let base = bare_trigger(&rule.name).unwrap_or(&rule.name).to_string();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base} #{n}")
            }
        })
        .collect()
}

/// `on opened email (line 12)` → `on opened email`.
fn bare_trigger(name: &str) -> Option<&str> {
    let open = name.rfind(" (line ")?;
    let rest = name.get(open + 7..)?.strip_suffix(')')?;
    (name.starts_with("on ") && rest.chars().all(|c| c.is_ascii_digit()))
        .then(|| name.get(..open))
        .flatten()
}

/// Whether two rules mean the same: trigger, steps, exit, repeat and
/// priority (spans never compare unequal). The ids inside are compared
/// as ids, so a rule of two versions that declare stages or messages in
/// another order counts as changed: a change reported too often, never
/// one missed.
fn same_meaning(a: &RuleDef, b: &RuleDef) -> bool {
    a.priority == b.priority
        && a.trigger == b.trigger
        && a.steps == b.steps
        && a.exit == b.exit
        && a.repeat == b.repeat
}

fn location(program: &Program, sources: &SourceMap, rule: RuleId) -> Option<Location> {
    let def = program.rules.get(rule)?;
    let file = sources.get(def.file)?;
    Some(Location {
        file: file.name.clone(),
        line: file.position(def.span.span().start).line,
    })
}

/// Records that before rule `b` and after rule `a` are one rule.
fn pair(b: usize, a: usize, bm: &mut [Option<usize>], am: &mut [Option<usize>]) {
    if let (Some(bs), Some(as_)) = (bm.get_mut(b), am.get_mut(a)) {
        *bs = Some(a);
        *as_ = Some(b);
    }
}

fn match_rules(before: &Version<'_>, after: &Version<'_>) -> RuleTable {
    let before_keys = rule_keys(before.program);
    let after_keys = rule_keys(after.program);
    let by_key: HashMap<&str, usize> = before_keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut before_match: Vec<Option<usize>> = vec![None; before_keys.len()];
    let mut after_match: Vec<Option<usize>> = vec![None; after_keys.len()];
    for (a, key) in after_keys.iter().enumerate() {
        if let Some(&b) = by_key.get(key.as_str()) {
            pair(b, a, &mut before_match, &mut after_match);
        }
    }
    // Renames: an unmatched rule of the same meaning, first in file order.
    let before_defs: Vec<&RuleDef> = before.program.rules.iter().collect();
    let after_defs: Vec<&RuleDef> = after.program.rules.iter().collect();
    for (a, def) in after_defs.iter().enumerate() {
        if after_match.get(a).copied().flatten().is_some() {
            continue;
        }
        let found = before_defs.iter().enumerate().position(|(b, d)| {
            before_match.get(b).copied().flatten().is_none() && same_meaning(d, def)
        });
        if let Some(b) = found {
            pair(b, a, &mut before_match, &mut after_match);
        }
    }
    let mut table = RuleTable {
        rules: Vec::new(),
        before: vec![usize::MAX; before_keys.len()],
        after: vec![usize::MAX; after_keys.len()],
    };
    for (a, def) in after_defs.iter().enumerate() {
        let after_id = RuleId::new(a);
        let matched = after_match.get(a).copied().flatten();
        let change = match matched {
            None => RuleChange::Added,
            Some(b) => {
                let before_def = before_defs.get(b);
                if let Some(slot) = table.before.get_mut(b) {
                    *slot = table.rules.len();
                }
                match before_def {
                    Some(d) if before_keys.get(b) != after_keys.get(a) => {
                        if same_meaning(d, def) {
                            RuleChange::Renamed(d.name.clone())
                        } else {
                            RuleChange::Changed
                        }
                    }
                    Some(d) if same_meaning(d, def) => RuleChange::Same,
                    _ => RuleChange::Changed,
                }
            }
        };
        if let Some(slot) = table.after.get_mut(a) {
            *slot = table.rules.len();
        }
        table.rules.push(RuleDiff {
            name: def.name.clone(),
            change,
            fired: Pair::default(),
            contacts: Pair::default(),
            before_at: matched
                .and_then(|b| location(before.program, before.sources, RuleId::new(b))),
            after_at: location(after.program, after.sources, after_id),
        });
    }
    for (b, def) in before_defs.iter().enumerate() {
        if before_match.get(b).copied().flatten().is_some() {
            continue;
        }
        if let Some(slot) = table.before.get_mut(b) {
            *slot = table.rules.len();
        }
        table.rules.push(RuleDiff {
            name: def.name.clone(),
            change: RuleChange::Removed,
            fired: Pair::default(),
            contacts: Pair::default(),
            before_at: location(before.program, before.sources, RuleId::new(b)),
            after_at: None,
        });
    }
    table
}

/// One contact's story in names, comparable across the versions.
#[derive(Debug, Default, Clone, PartialEq)]
struct Story {
    stage: Option<usize>,
    moves: Vec<(Option<usize>, usize, Instant)>,
    points: i64,
    tags: BTreeSet<String>,
    /// Sends in the order decided: message, status, delivery.
    sends: Vec<(Key, Status, Option<Instant>)>,
    /// Every other action that is not a stage move, points or a tag.
    actions: Vec<(Key, Status, Instant)>,
    /// Times fired by rule index into [`Diff::rules`], sorted.
    fired: Vec<(usize, u32)>,
}

/// An action's [`ActionKey`], interned: the index into [`ActionKeys`] for
/// the key of an action written in either program's steps (compared
/// without a string), the key itself for another one made at run time (a
/// field set from a script). Equal keys are always the same variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Known(usize),
    Other(ActionKey),
}

/// The action keys of both programs' steps, each once, and per program
/// the key of each action written.
struct ActionKeys {
    keys: Vec<ActionKey>,
    index: HashMap<ActionKey, usize>,
    before: HashMap<Action, usize>,
    after: HashMap<Action, usize>,
}

impl ActionKeys {
    fn new(before: &Program, after: &Program) -> ActionKeys {
        let mut keys = Vec::new();
        let mut index: HashMap<ActionKey, usize> = HashMap::new();
        let mut of = |program: &Program| {
            let mut map = HashMap::new();
            for rule in program.rules.iter() {
                for step in crate::ir::visit::steps(&rule.steps) {
                    if let crate::ir::StepKind::Act(action) = &step.kind {
                        let key = describe(program, action);
                        let next = keys.len();
                        let i = *index.entry(key.clone()).or_insert(next);
                        if i == next {
                            keys.push(key);
                        }
                        map.insert(action.clone(), i);
                    }
                }
            }
            map
        };
        let before = of(before);
        let after = of(after);
        ActionKeys {
            keys,
            index,
            before,
            after,
        }
    }

    fn resolve(&self, key: &Key) -> ActionKey {
        match key {
            Key::Known(i) => self.keys.get(*i).cloned().unwrap_or_else(|| ActionKey {
                kind: "?",
                target: String::new(),
            }),
            Key::Other(key) => key.clone(),
        }
    }
}

/// Maps one version's ids onto the diff's names.
struct Names<'a> {
    program: &'a Program,
    /// The interned key of each action the program writes.
    actions: &'a HashMap<Action, usize>,
    keys: &'a ActionKeys,
    /// By stage id: index into [`Diff::stages`].
    stages: Vec<usize>,
    /// By rule id: index into [`Diff::rules`].
    rules: &'a [usize],
}

impl Names<'_> {
    fn stage(&self, id: crate::ir::StageId) -> usize {
        self.stages.get(id.index()).copied().unwrap_or(usize::MAX)
    }

    fn key(&self, action: &Action) -> Key {
        match self.actions.get(action) {
            Some(&i) => Key::Known(i),
            None => {
                let key = describe(self.program, action);
                match self.keys.index.get(&key) {
                    Some(&i) => Key::Known(i),
                    None => Key::Other(key),
                }
            }
        }
    }

    fn story(&self, contact: &Contact, outcome: &ContactOutcome) -> Story {
        let mut tags: BTreeSet<String> = contact.tags.iter().cloned().collect();
        let mut sends = Vec::new();
        let mut actions = Vec::new();
        for record in &outcome.actions {
            match &record.action {
                Action::MoveTo(_)
                | Action::MoveBackTo(_)
                | Action::AddPoints(_)
                | Action::SetPoints(_) => {}
                Action::AddTag(tag) => {
                    if record.status == Status::Done {
                        tags.insert(tag.clone());
                    }
                }
                Action::RemoveTag(tag) => {
                    if record.status == Status::Done {
                        tags.remove(tag);
                    }
                }
                Action::Send { .. } => {
                    sends.push((self.key(&record.action), record.status, record.deliver_at))
                }
                _ => actions.push((self.key(&record.action), record.status, record.at)),
            }
        }
        let mut fired: Vec<(usize, u32)> = outcome
            .fired
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(rule, &n)| (self.rules.get(rule).copied().unwrap_or(usize::MAX), n))
            .collect();
        fired.sort_unstable();
        Story {
            stage: outcome.final_stage.map(|s| self.stage(s)),
            moves: outcome
                .transitions
                .iter()
                .map(|t| (t.from.map(|s| self.stage(s)), self.stage(t.to), t.at))
                .collect(),
            points: outcome.final_points,
            tags,
            sends,
            actions,
            fired,
        }
    }
}

fn kinds(before: &Story, after: &Story) -> u8 {
    let mut bits = 0;
    let mut flag = |kind: ChangeKind, differs: bool| {
        if differs {
            bits |= kind.bit();
        }
    };
    flag(ChangeKind::Stage, before.stage != after.stage);
    flag(ChangeKind::Moves, before.moves != after.moves);
    flag(ChangeKind::Mails, before.sends != after.sends);
    flag(ChangeKind::Points, before.points != after.points);
    flag(ChangeKind::Tags, before.tags != after.tags);
    flag(ChangeKind::Actions, before.actions != after.actions);
    flag(ChangeKind::Rules, before.fired != after.fired);
    bits
}

/// The messages a story delivers (sent, or held and then sent).
fn delivered(story: &Story) -> BTreeSet<&Key> {
    story
        .sends
        .iter()
        .filter(|(_, status, _)| matches!(status, Status::Sent | Status::Delayed))
        .map(|(key, _, _)| key)
        .collect()
}

/// Stage names: the after version's funnel order, then stages only the
/// before version declares.
fn stage_table(before: &Program, after: &Program) -> (Vec<StageDiff>, Vec<usize>, Vec<usize>) {
    let mut stages: Vec<StageDiff> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for name in after.stages.iter().chain(before.stages.iter()) {
        if !index.contains_key(name) {
            index.insert(name.clone(), stages.len());
            stages.push(StageDiff {
                name: name.clone(),
                reached: Pair::default(),
                at_end: Pair::default(),
                in_before: false,
                in_after: false,
            });
        }
    }
    let map = |program: &Program| -> Vec<usize> {
        program
            .stages
            .iter()
            .map(|n| index.get(n).copied().unwrap_or(usize::MAX))
            .collect()
    };
    let (b, a) = (map(before), map(after));
    for &i in &b {
        if let Some(s) = stages.get_mut(i) {
            s.in_before = true;
        }
    }
    for &i in &a {
        if let Some(s) = stages.get_mut(i) {
            s.in_after = true;
        }
    }
    (stages, b, a)
}

/// Runs both versions over every contact, in parallel chunks, and folds
/// the comparisons in contact order: the result does not depend on the
/// thread count. `progress` is called after each chunk with the contacts
/// done.
pub fn diff(
    before: &Version<'_>,
    after: &Version<'_>,
    config: &DiffConfig,
    progress: &mut dyn FnMut(usize),
) -> Result<Diff, DiffStop> {
    let (b_pop, a_pop) = (before.population, after.population);
    if b_pop.contacts.len() != a_pop.contacts.len()
        || b_pop
            .contacts
            .iter()
            .zip(a_pop.contacts)
            .any(|(b, a)| b.id != a.id)
    {
        return Err(DiffStop::Contacts {
            before: b_pop.contacts.len(),
            after: a_pop.contacts.len(),
        });
    }
    let ticks = |program: &Program, is_after: bool| {
        crate::sim::calendar::plan_ticks(
            config.from,
            config.to,
            config.tick_seconds,
            program.settings.timezone,
            config.limits.max_ticks,
        )
        .map_err(|t| DiffStop::Run {
            after: is_after,
            stop: RunStop::TooManyTicks(t),
        })
    };
    let before_ticks = ticks(before.program, false)?;
    let after_ticks = ticks(after.program, true)?;
    let max_records = config.limits.max_records;
    let table = match_rules(before, after);
    let after_plan = RunPlan::new(after.program, config.from, config.to, &after_ticks)
        .with_max_records(max_records);
    let mut before_plan = RunPlan::new(before.program, config.from, config.to, &before_ticks)
        .with_max_records(max_records);
    // Contacts the change cannot touch run once (docs/diff.md, "Cost").
    let shortcut = shortcut::shortcut(
        before.program,
        after.program,
        (b_pop, a_pop),
        &table,
        (&before_plan.order, &after_plan.order),
    )
    .filter(|_| !config.run_twice);
    if let Some(shortcut) = &shortcut {
        before_plan = before_plan.with_watch(&shortcut.watch);
    }
    let (mut stages, before_stages, after_stages) = stage_table(before.program, after.program);
    let action_keys = ActionKeys::new(before.program, after.program);
    let before_names = Names {
        program: before.program,
        actions: &action_keys.before,
        keys: &action_keys,
        stages: before_stages,
        rules: &table.before,
    };
    let after_names = Names {
        program: after.program,
        actions: &action_keys.after,
        keys: &action_keys,
        stages: after_stages,
        rules: &table.after,
    };
    let mut rules = table.rules.clone();
    let mut funnels = (
        Funnel::new(before.program.stages.len()),
        Funnel::new(after.program.stages.len()),
    );
    let mut changed = Changed::default();
    let mut by_kind: Vec<(ChangeKind, Changed)> = ChangeKind::ALL
        .iter()
        .map(|&k| (k, Changed::default()))
        .collect();
    let mut messages: HashMap<Key, MessageDiff> = HashMap::new();

    // Two outcomes per contact: half the batch of a single run.
    let chunk = usize::try_from(BATCH_RECORDS / 2 / max_records.max(1))
        .unwrap_or(CHUNK)
        .clamp(1, CHUNK);
    let mut done = 0;
    let mut run_once = 0;
    for contacts in b_pop.contacts.chunks(chunk) {
        let results: Vec<(ContactOutcome, Option<ContactOutcome>, Story, Story)> = contacts
            .par_iter()
            .enumerate()
            .map(|(offset, contact)| {
                let index = done + offset;
                let b = simulate_contact(&before_plan, contact, b_pop.events_of(index), false);
                let bs = before_names.story(contact, &b);
                if shortcut
                    .as_ref()
                    .is_some_and(|s| s.after_is_before(&b.fired, b.watch_tripped))
                {
                    // Same data and declarations: the before story, told
                    // in the diff's names, is the after story too.
                    let as_ = bs.clone();
                    return (b, None, bs, as_);
                }
                let a_contact = a_pop.contacts.get(index).unwrap_or(contact);
                let a = simulate_contact(&after_plan, a_contact, a_pop.events_of(index), false);
                let as_ = after_names.story(a_contact, &a);
                (b, Some(a), bs, as_)
            })
            .collect();
        for (offset, (contact, (b, a, bs, as_))) in contacts.iter().zip(&results).enumerate() {
            let index = done + offset;
            let a = match a {
                Some(a) => a,
                None => {
                    run_once += 1;
                    b
                }
            };
            for (outcome, is_after) in [(b, false), (a, true)] {
                if let Some(stopped) = outcome.stopped {
                    return Err(DiffStop::Run {
                        after: is_after,
                        stop: RunStop::ContactLimit {
                            contact: contact.id.to_string(),
                            index,
                            stopped,
                            limit: max_records,
                        },
                    });
                }
            }
            funnels.0.add(b);
            funnels.1.add(a);
            for (story, is_after) in [(bs, false), (as_, true)] {
                for &(rule, n) in &story.fired {
                    if let Some(r) = rules.get_mut(rule) {
                        let (fired, contacts) = if is_after {
                            (&mut r.fired.after, &mut r.contacts.after)
                        } else {
                            (&mut r.fired.before, &mut r.contacts.before)
                        };
                        *fired += u64::from(n);
                        *contacts += 1;
                    }
                }
                for (key, status, _) in &story.sends {
                    let entry = messages.entry(key.clone()).or_insert_with(|| MessageDiff {
                        key: action_keys.resolve(key),
                        before: BTreeMap::new(),
                        after: BTreeMap::new(),
                        newly: 0,
                        no_longer: 0,
                    });
                    let map = if is_after {
                        &mut entry.after
                    } else {
                        &mut entry.before
                    };
                    *map.entry(*status).or_default() += 1;
                }
            }
            let bits = kinds(bs, as_);
            if bits != 0 {
                changed.add(&contact.id);
                for (kind, count) in &mut by_kind {
                    if bits & kind.bit() != 0 {
                        count.add(&contact.id);
                    }
                }
                if bits & ChangeKind::Mails.bit() != 0 {
                    let (got_before, got_after) = (delivered(bs), delivered(as_));
                    for key in got_after.difference(&got_before) {
                        if let Some(m) = messages.get_mut(*key) {
                            m.newly += 1;
                        }
                    }
                    for key in got_before.difference(&got_after) {
                        if let Some(m) = messages.get_mut(*key) {
                            m.no_longer += 1;
                        }
                    }
                }
            }
        }
        done += contacts.len();
        progress(done);
    }

    for (funnel, names, is_after) in [
        (&funnels.0, &before_names, false),
        (&funnels.1, &after_names, true),
    ] {
        for (id, counts) in funnel.stages.iter().enumerate() {
            if let Some(stage) = names.stages.get(id).and_then(|&i| stages.get_mut(i)) {
                let (reached, at_end) = if is_after {
                    (&mut stage.reached.after, &mut stage.at_end.after)
                } else {
                    (&mut stage.reached.before, &mut stage.at_end.before)
                };
                *reached = counts.reached;
                *at_end = counts.at_end;
            }
        }
    }
    Ok(Diff {
        before_label: before.label.to_string(),
        after_label: after.label.to_string(),
        from: config.from,
        to: config.to,
        timezone: after.program.settings.timezone,
        contacts: done as u64,
        run_once,
        stages,
        no_stage_at_end: Pair {
            before: funnels.0.no_stage_at_end,
            after: funnels.1.no_stage_at_end,
        },
        changed,
        kinds: by_kind,
        messages: {
            let mut messages: Vec<MessageDiff> = messages.into_values().collect();
            messages.sort_by(|a, b| a.key.cmp(&b.key));
            messages
        },
        rules,
        partings: Vec::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn checked(text: &str) -> (Program, SourceMap) {
        let checked = crate::driver::check_source(
            std::path::Path::new("t.nurture"),
            "t.nurture",
            text.to_string(),
        );
        assert!(checked.program.is_some(), "{:?}", checked.diagnostics);
        (checked.program.unwrap(), checked.sources)
    }

    #[test]
    fn rules_are_matched_by_name_then_trigger_then_meaning() {
        let (before, before_sources) = checked(
            "stages A, B\n\
             on opened email then add 1 point\n\
             rule r1:\n  when points >= 5\n  then move to B\n\
             rule kept:\n  when points >= 7\n  then add tag \"k\"\n\
             rule gone:\n  when points >= 9\n  then add tag \"x\"\n",
        );
        let (after, after_sources) = checked(
            "stages A, B\n\n\n\
             on opened email then add 1 point\n\
             rule kept:\n  when points >= 8\n  then add tag \"k\"\n\
             rule renamed:\n  when points >= 5\n  then move to B\n\
             rule new:\n  when points >= 1\n  then add tag \"y\"\n",
        );
        let empty = Population {
            contacts: &[],
            events: &[],
            ranges: &[],
        };
        let version = |program, sources| Version {
            program,
            sources,
            population: &empty,
            label: "t",
        };
        let table = match_rules(
            &version(&before, &before_sources),
            &version(&after, &after_sources),
        );
        let changes: Vec<(&str, &RuleChange)> = table
            .rules
            .iter()
            .map(|r| (r.name.as_str(), &r.change))
            .collect();
        assert_eq!(
            changes,
            [
                // The bare rule moved two lines down: matched by trigger.
                ("on opened email (line 4)", &RuleChange::Same),
                ("kept", &RuleChange::Changed),
                ("renamed", &RuleChange::Renamed("r1".to_string())),
                ("new", &RuleChange::Added),
                ("gone", &RuleChange::Removed),
            ]
        );
        // Both sides' ids point at the same entries.
        assert_eq!(table.before, [0, 2, 1, 4]);
        assert_eq!(table.after, [0, 1, 2, 3]);
        // `kept` is on line 6 before and line 5 after.
        assert_eq!(table.rules[1].before_at.as_ref().unwrap().line, 6);
        assert_eq!(table.rules[1].after_at.as_ref().unwrap().line, 5);
    }

    #[test]
    fn bare_rules_are_keyed_by_their_trigger() {
        assert_eq!(
            bare_trigger("on opened email (line 12)"),
            Some("on opened email")
        );
        assert_eq!(bare_trigger("lead_to_mql"), None);
        assert_eq!(bare_trigger("on x (line twelve)"), None);
    }

    #[test]
    fn pairs_know_their_change() {
        let p = Pair {
            before: 5,
            after: 3,
        };
        assert!(p.changed());
        assert_eq!(p.delta(), -2);
        assert!(!Pair::default().changed());
    }
}
