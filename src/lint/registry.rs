//! The registry of lints: stable kebab-case ids, categories, default levels,
//! rationales and the bad and good examples `docs/diagnostics.md` shows.
//!
//! Lint ids are stable like diagnostic codes: once published, an id keeps
//! its meaning; a retired id is never reused.

use crate::diagnostics::codes::{CodeInfo, Kind};
use crate::diagnostics::{Code, Severity};

/// How a lint reports, per project or per place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "off" => Some(Level::Off),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The rules do something other than what was written.
    Correctness,
    /// Probably a mistake, but the rules still run.
    Suspicious,
    /// Clutter and leftovers.
    Style,
}

impl Category {
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Style => "style",
        }
    }
}

/// What the registry knows about a lint.
#[derive(Debug)]
pub struct LintInfo {
    pub id: &'static str,
    pub category: Category,
    pub default: Level,
    /// One sentence on what triggers it.
    pub summary: &'static str,
    /// Why it matters.
    pub rationale: &'static str,
    /// A whole file the lint fires on.
    pub bad: &'static str,
    /// The same file, fixed: the lint is silent on it.
    pub good: &'static str,
}

macro_rules! lints {
    ($( $name:ident = $id:literal, $category:ident, $default:ident, $summary:literal,
        $rationale:literal, $bad:literal, $good:literal; )*) => {
        $( pub const $name: &str = $id; )*
        /// Every lint, in id order.
        pub static LINTS: &[LintInfo] = &[
            $( LintInfo {
                id: $id,
                category: Category::$category,
                default: Level::$default,
                summary: $summary,
                rationale: $rationale,
                bad: $bad,
                good: $good,
            }, )*
        ];
        /// The lints as entries of the diagnostic code registry (the
        /// severity is the one a lint has when it is on), in id order.
        pub static LINT_CODES: &[Code] = &[
            $( Code::new(&const { CodeInfo {
                code: $id,
                title: $id,
                severity: lint_severity(Level::$default),
                summary: $summary,
                description: $rationale,
                kind: Kind::Lint {
                    category: Category::$category.as_str(),
                    enabled: !matches!(Level::$default, Level::Off),
                },
            } }), )*
        ];
    };
}

const fn lint_severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning | Level::Off => Severity::Warning,
    }
}

lints! {
    CONFLICTING_STAGE_MOVES = "conflicting-stage-moves", Suspicious, Warning,
        "Two rules of the same priority can move the same contact to different stages at the same instant.",
        "Both rules fire for the same event (or on the same condition), so the stage a contact ends in depends on their order in the file rather than on an intent anyone wrote down. Give one of them a `priority`, or make their triggers exclusive.",
        "stages Lead, MQL, SQL\n\non submitted any form then move to MQL\non submitted any form then move to SQL\n",
        "stages Lead, MQL, SQL\n\nform demo, newsletter\n\non submitted form newsletter then move to MQL\non submitted form demo then move to SQL\n";
    IMPOSSIBLE_CONDITION = "impossible-condition", Correctness, Warning,
        "A condition can never hold: contradictory stage tests (`stage > TOP` above the last stage, `stage < FIRST` below the first), point bounds or event counts in one `and`.",
        "A rule or segment whose condition can never be true never fires; the mistake is usually a reversed comparison or a `never` clause that contradicts a count of the same events.",
        "stages Lead, MQL\n\nrule hot_lead:\n  when opened 5 emails and never opened email\n  then move to MQL\n",
        "stages Lead, MQL\n\nrule hot_lead:\n  when opened 5 emails and never clicked email\n  then move to MQL\n";
    MOVE_TO_LOWER_STAGE = "move-to-lower-stage", Correctness, Warning,
        "A `move to` targets a stage below every stage the rule's condition allows, so it never moves anyone.",
        "Stages only move forward with `move to`: a forward move to a lower stage is skipped. When a rule that only fires above a stage moves to it, `move back to` was almost certainly meant.",
        "stages Lead, MQL, SQL\n\non submitted any form then move to SQL\n\nrule cool_down:\n  when stage >= SQL and no opened email in last 90 days\n  then move to MQL\n",
        "stages Lead, MQL, SQL\n\non submitted any form then move to SQL\n\nrule cool_down:\n  when stage >= SQL and no opened email in last 90 days\n  then move back to MQL\n";
    REPEAT_SHORTER_THAN_WAITS = "repeat-shorter-than-waits", Suspicious, Warning,
        "A rule's `repeat every` is shorter than the waits in its own sequence.",
        "The rule may fire again while its previous run is still waiting, so a contact gets overlapping sequences (two reminders in flight, sends doubled). Make the repeat at least as long as the waits.",
        "email reminder, last_call\n\nrule reminders:\n  when opened 3 emails in last 30 days\n  then send email reminder again, wait 14 days, send email last_call again\n  repeat every 7 days\n",
        "email reminder, last_call\n\nrule reminders:\n  when opened 3 emails in last 30 days\n  then send email reminder again, wait 14 days, send email last_call again\n  repeat every 30 days\n";
    SEND_WITHOUT_CHANNEL = "send-without-channel", Correctness, Warning,
        "A send goes to a contact who cannot receive it: the rule requires them to be unsubscribed or do-not-contact, fires on their unsubscribe, or marked them so earlier in the sequence.",
        "Unsubscribed and do-not-contact contacts get no sends, so the send is always suppressed. This is usually a condition with a missing `not`, or steps in the wrong order.",
        "email winback\n\nrule winback:\n  when is unsubscribed\n  then send email winback\n",
        "email winback\n\nrule winback:\n  when no purchase in last 90 days\n  then send email winback\n";
    SHADOWED_RULE = "shadowed-rule", Suspicious, Warning,
        "A rule has the same trigger as an earlier rule with the same priority and repeat: it repeats that rule or should be merged into it.",
        "Two rules with one trigger run one after the other on the same instant: with the same steps the second one doubles every effect (points counted twice), and with other steps the split hides what the trigger does. Merge them, or remove the copy.",
        "on opened email then add 1 point\non opened email then add 1 point\n",
        "on opened email then add 1 point\non clicked email then add 3 points\n";
    SINGLE_USE_SEGMENT = "single-use-segment", Style, Off,
        "A segment is used in one place or none (a hint; off by default).",
        "A segment names a group of contacts so several rules can share it; one used once could be written inline, and one no rule uses only shows in the dry run's report. It is off by default because a well-named segment documents intent even when used once.",
        "stages Lead, MQL\n\nsegment engaged = opened 3 emails in last 30 days\n\nrule mql:\n  when in segment engaged\n  then move to MQL\n",
        "stages Lead, MQL\n\nemail nurture\n\nsegment engaged = opened 3 emails in last 30 days\n\nrule mql:\n  when in segment engaged\n  then move to MQL\n\nrule nurture:\n  when in segment engaged and stage is MQL\n  then send email nurture\n";
    UNREACHABLE_STAGE = "unreachable-stage", Suspicious, Warning,
        "No rule can move a contact into a stage: no `move to` or `move back to` targets it and it is not the first stage.",
        "Contacts can still start in the stage from their data, so this is a warning, but a stage no rule leads into is usually a rule that was forgotten or that moves to the wrong stage.",
        "stages Lead, MQL, SQL\n\non submitted any form then move to SQL\n",
        "stages Lead, MQL, SQL\n\non opened email then move to MQL\non submitted any form then move to SQL\n";
    UNUSED_ALLOW = "unused-allow", Suspicious, Warning,
        "A `# nurture: allow(…)` comment suppresses nothing, or names a lint that does not exist.",
        "A stale allow hides the next real problem of the same kind on that item; an allow with a misspelt id never worked at all.",
        "email welcome\n\n# nurture: allow(unused-declaration)\non submitted any form then send email welcome\n",
        "# nurture: allow(unused-declaration)\nemail welcome, archived\n\non submitted any form then send email welcome\n";
    UNUSED_DECLARATION = "unused-declaration", Style, Warning,
        "A declared e-mail, SMS, page, form, asset, list or event type is never used (was W0501).",
        "An unused declaration is usually a typo elsewhere or a leftover from an older version of the campaign. A name in a `where` test of a built-in event (`where form in [\"demo\"]`) is a use; an event type is used when a rule or segment names it or a script names it in a string (`count(\"refund\", 90)`). Files without rules are shared declaration libraries and are not checked.",
        "email welcome, winback\n\non submitted any form then send email welcome\n",
        "email welcome, winback\n\non submitted any form then send email welcome\non purchased then send email winback\n";
    UNUSED_FIELD = "unused-field", Style, Off,
        "A declared contact field is never used by a rule or segment (off by default).",
        "Fields also describe the data and serve `simulate --by`, so a field no rule reads is often deliberate; turn this on to keep the declarations trim.",
        "field country: text\nemail welcome\n\non submitted any form then send email welcome\n",
        "field country: text\nemail welcome\n\nrule welcome_pl:\n  when country = \"PL\"\n  then send email welcome\n";
    WAIT_AT_END = "wait-at-end", Style, Warning,
        "A `wait` is the last step of a sequence, so nothing happens after it.",
        "A trailing wait does nothing but keep the sequence open (and its exit condition checked); usually the step meant to follow it was lost.",
        "email welcome\n\non submitted any form then send email welcome, wait 3 days\n",
        "email welcome, follow_up\n\non submitted any form then send email welcome, wait 3 days, send email follow_up\n";
}

/// The registry entry of a lint id.
pub fn find(id: &str) -> Option<&'static LintInfo> {
    LINTS.iter().find(|info| info.id == id)
}

/// The diagnostic code of a lint id (the kebab-case id is its text).
pub fn code(id: &str) -> Option<Code> {
    LINT_CODES.iter().copied().find(|code| code.as_str() == id)
}
