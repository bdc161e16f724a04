//! Checking: from parsed files to a resolved, typed [`ir::Program`].
//!
//! The checker collects every problem in one run instead of stopping at the
//! first, so a CI log shows them all at once.

mod builtins;
pub mod declared;
mod mixups;
pub use crate::ir;
pub mod loader;
mod lower;
mod namespace;
pub mod nesting;
pub mod scripts;
pub mod symbols;
pub mod tests_check;
pub mod values;

use crate::diagnostics::{codes, Diagnostic, FileId, SourceMap, Suggestion};
use crate::syntax::ast::{self, ContentKind, ItemKind, SettingKind, Span};
use declared::{Declared, SymbolKind};
use ir::Program;
use namespace::Namespace;

/// Everything `check` learned about one root file.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Present when there are no errors.
    pub program: Option<Program>,
    /// The root file's `test` blocks, resolved (empty when there are errors).
    pub tests: Vec<tests_check::TestCase>,
    /// Every declaration and every resolved use of a name, also when there
    /// are errors (empty when a file did not parse). See docs/symbols.md.
    pub symbols: symbols::SymbolTable,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The errors alone, in order (what a command that cannot go on
    /// because of them shows).
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect()
    }
}

/// What resolving and typing parsed files gives.
#[derive(Debug)]
pub struct Resolved {
    /// The program; valid only if `diagnostics` has no error.
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
    /// Every declaration, for the lints.
    pub declared: Vec<Declared>,
    /// The symbol table so far; the driver adds the `test` blocks' names.
    pub symbols: symbols::Builder,
}

/// Resolves names and types over files that all parsed ([`loader::load`]
/// reported no error). Reading, parsing and linting around it are the
/// driver's (`crate::driver`).
pub fn resolve(sources: &SourceMap, files: &[loader::LoadedFile]) -> Resolved {
    let mut checker = Checker::new(sources);
    let program = checker.run(files);
    let declared = checker.declarations();
    let symbols = symbols::Builder::new(&checker, &program, files);
    Resolved {
        symbols,
        program,
        diagnostics: std::mem::take(&mut checker.diagnostics),
        declared,
    }
}

/// The names a program declares, one namespace per kind.
struct Names {
    stages: Namespace<ir::StageId>,
    fields: Namespace<ir::FieldId>,
    emails: Namespace<ir::MessageId>,
    sms: Namespace<ir::MessageId>,
    pages: Namespace,
    forms: Namespace,
    assets: Namespace,
    lists: Namespace<ir::ListId>,
    events: Namespace<ir::EventTypeId>,
    segments: Namespace<ir::SegmentId>,
    rules: Namespace<ir::RuleId>,
    scripts: Namespace<ir::ScriptId>,
}

impl Names {
    /// Every namespace with the kind of symbol its names are.
    fn by_kind(&self) -> [(SymbolKind, &namespace::Table); 12] {
        [
            (SymbolKind::Stage, &self.stages),
            (SymbolKind::Field, &self.fields),
            (SymbolKind::Email, &self.emails),
            (SymbolKind::Sms, &self.sms),
            (SymbolKind::Page, &self.pages),
            (SymbolKind::Form, &self.forms),
            (SymbolKind::Asset, &self.assets),
            (SymbolKind::List, &self.lists),
            (SymbolKind::EventType, &self.events),
            (SymbolKind::Segment, &self.segments),
            (SymbolKind::Rule, &self.rules),
            (SymbolKind::Script, &self.scripts),
        ]
    }

    fn new() -> Self {
        Names {
            stages: Namespace::new(
                "stage",
                codes::UNDEFINED_STAGE,
                "add `NAME` to the `stages` line; the funnel order is the declaration order",
            ),
            fields: Namespace::new(
                "field",
                codes::UNDEFINED_FIELD,
                "declare it, e.g. `field NAME: text`",
            )
            .with_word_hint(builtins::not_a_field),
            emails: Namespace::new(
                "e-mail",
                codes::UNDEFINED_MESSAGE,
                "declare it with `email NAME`",
            ),
            sms: Namespace::new(
                "SMS",
                codes::UNDEFINED_MESSAGE,
                "declare it with `sms NAME`",
            ),
            pages: Namespace::new(
                "page",
                codes::UNDEFINED_PAGE,
                "declare it with `page NAME = \"/path*\"`",
            ),
            forms: Namespace::new("form", codes::UNDEFINED_FORM, "declare it with `form NAME`"),
            assets: Namespace::new(
                "asset",
                codes::UNDEFINED_ASSET,
                "declare it with `asset NAME`",
            ),
            lists: Namespace::new("list", codes::UNDEFINED_LIST, "declare it with `list NAME`"),
            events: Namespace::new(
                "event type",
                codes::UNDEFINED_EVENT,
                "declare it, e.g. `event NAME { property: text }`",
            ),
            segments: Namespace::new(
                "segment",
                codes::UNDEFINED_SEGMENT,
                "declare it with `segment NAME = <condition>`",
            ),
            rules: Namespace::new("rule", codes::DUPLICATE, ""),
            scripts: Namespace::new(
                "script",
                codes::UNDEFINED_SCRIPT,
                "declare it with `script NAME ``` rhai ``` ` (docs/language.md section 11)",
            ),
        }
    }

    /// Records what an item that could not be parsed would have declared,
    /// so that its names are not reported as undeclared where used.
    fn declare_broken(&mut self, broken: &ast::BrokenItem) {
        if broken.hides_declarations {
            for namespace in self.all() {
                namespace.hide_undeclared();
            }
            return;
        }
        let keyword = broken.keyword.as_ref().map(|k| k.name.as_str());
        let namespace: &mut namespace::Table = match keyword {
            Some("stages") => &mut self.stages,
            Some("field") => &mut self.fields,
            Some("email") => &mut self.emails,
            Some("sms") => &mut self.sms,
            Some("page") => &mut self.pages,
            Some("form") => &mut self.forms,
            Some("asset") => &mut self.assets,
            Some("list") => &mut self.lists,
            Some("event") => &mut self.events,
            Some("segment") => &mut self.segments,
            Some("rule") => &mut self.rules,
            Some("script") => &mut self.scripts,
            _ => return,
        };
        for name in &broken.names {
            namespace.declare_broken(&name.name);
        }
    }

    fn all(&mut self) -> [&mut namespace::Table; 12] {
        [
            &mut self.stages,
            &mut self.fields,
            &mut self.emails,
            &mut self.sms,
            &mut self.pages,
            &mut self.forms,
            &mut self.assets,
            &mut self.lists,
            &mut self.events,
            &mut self.segments,
            &mut self.rules,
            &mut self.scripts,
        ]
    }

    fn content(&mut self, kind: ContentKind) -> &mut namespace::Table {
        match kind {
            ContentKind::Email => &mut self.emails,
            ContentKind::Sms => &mut self.sms,
            ContentKind::Page => &mut self.pages,
            ContentKind::Form => &mut self.forms,
            ContentKind::Asset => &mut self.assets,
            ContentKind::List => &mut self.lists,
        }
    }
}

struct Checker<'s> {
    sources: &'s SourceMap,
    diagnostics: Vec<Diagnostic>,
    names: Names,
    /// The file whose items are being checked.
    file: FileId,
    program: Program,
    /// Segments each segment uses, for cycle detection.
    segment_uses: Vec<Vec<(ir::SegmentId, Span)>>,
    segment_sites: Vec<(FileId, Span)>,
    /// Names resolved without a namespace (event properties), for the
    /// symbol table.
    symbols: symbols::Recorder,
    /// Compiled `matches` patterns by their text: compiling is the most
    /// expensive part of checking, and large files repeat patterns.
    regexes: std::collections::HashMap<String, ir::RegexId>,
    /// Event queries by their key (see [`ir::QueryId`]).
    queries: std::collections::HashMap<lower::QueryKey, ir::QueryId>,
    /// The text of every string in the scripts (`count("refund", 90)`):
    /// a declared event type named there is used, by the script.
    script_strings: std::collections::HashSet<String>,
    /// The script bodies already read for strings: every script of one
    /// `.rhai` file has the whole file as its body.
    scanned_bodies: std::collections::HashSet<u64>,
}

impl<'s> Checker<'s> {
    fn new(sources: &'s SourceMap) -> Self {
        let mut names = Names::new();
        for (name, _) in ir::BUILTIN_EVENT_TYPES {
            names.events.declare_builtin(name);
        }
        Checker {
            sources,
            diagnostics: Vec::new(),
            names,
            file: 0,
            program: Program {
                event_types: ir::builtin_event_types(),
                ..Program::default()
            },
            segment_uses: Vec::new(),
            segment_sites: Vec::new(),
            symbols: symbols::Recorder::default(),
            regexes: std::collections::HashMap::new(),
            queries: std::collections::HashMap::new(),
            script_strings: std::collections::HashSet::new(),
            scanned_bodies: std::collections::HashSet::new(),
        }
    }

    fn error(
        &mut self,
        code: codes::Code,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, self.file, span, message));
        let last = self.diagnostics.len() - 1;
        // Just pushed, so `last` is in range.
        #[allow(clippy::indexing_slicing)]
        &mut self.diagnostics[last]
    }

    fn run(&mut self, files: &[loader::LoadedFile]) -> Program {
        // Settings first: the time zone decides what date literals mean.
        for loaded in files {
            self.file = loaded.file;
            for item in &loaded.ast.items {
                if let ItemKind::Campaign(campaign) = &item.kind {
                    self.campaign(campaign, *item.span);
                }
            }
        }
        for loaded in files {
            self.file = loaded.file;
            for item in &loaded.ast.items {
                self.declare(item);
            }
        }
        let mut segment_index = 0;
        for loaded in files {
            self.file = loaded.file;
            for item in &loaded.ast.items {
                match &item.kind {
                    ItemKind::Segment(segment) => {
                        self.segment(segment_index, segment, *item.span);
                        segment_index += 1;
                    }
                    ItemKind::Rule(rule) => self.rule(rule, *item.span),
                    _ => {}
                }
            }
        }
        if let Some(order) = self.report_segment_cycles() {
            self.check_segment_nesting(&order);
        }
        std::mem::take(&mut self.program)
    }

    fn campaign(&mut self, campaign: &ast::Campaign, span: Span) {
        if self.program.settings.campaign_name.is_some() {
            self.error(
                codes::DUPLICATE_SETTING,
                campaign.name.span.to(span),
                "there is more than one `campaign` block",
            )
            .help = Some("merge the settings into one `campaign` block".into());
            return;
        }
        self.program.settings.campaign_name = Some(campaign.name.value.clone());
        let mut seen_timezone = false;
        let mut seen_quiet = false;
        for setting in &campaign.settings {
            match &setting.kind {
                SettingKind::Timezone(name) => {
                    if std::mem::replace(&mut seen_timezone, true) {
                        self.duplicate_setting(*setting.span, "timezone");
                    }
                    self.timezone(name);
                }
                SettingKind::QuietHours { from, to } => {
                    if std::mem::replace(&mut seen_quiet, true) {
                        self.duplicate_setting(*setting.span, "quiet hours");
                    }
                    self.quiet_hours(from, to, *setting.span);
                }
                SettingKind::FrequencyCap {
                    limit,
                    channel,
                    per,
                    policy,
                } => self.frequency_cap(limit, *channel, per, *policy),
            }
        }
    }

    fn duplicate_setting(&mut self, span: Span, what: &str) {
        self.error(
            codes::DUPLICATE_SETTING,
            span,
            format!("`{what}` is set more than once"),
        )
        .help = Some("keep one; the campaign can only have one".into());
    }

    fn timezone(&mut self, name: &ast::Text) {
        match name.value.parse::<chrono_tz::Tz>() {
            Ok(tz) => self.program.settings.timezone = tz,
            Err(_) => {
                let suggestion = Suggestion::did_you_mean(
                    self.file,
                    *name.span,
                    &name.value,
                    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()),
                );
                let error = self.error(
                    codes::BAD_TIMEZONE,
                    *name.span,
                    format!("`{}` is not a time zone", name.value),
                );
                match suggestion {
                    // The span is the literal with its quotes, and so is
                    // the replacement; zone names need no escapes.
                    Some(mut suggestion) => {
                        suggestion.replacement = format!("\"{}\"", suggestion.replacement);
                        error.suggestions.push(suggestion);
                    }
                    None => {
                        error.help = Some(
                            "use an IANA time-zone name such as \"Europe/Warsaw\" or \"UTC\""
                                .into(),
                        )
                    }
                }
            }
        }
    }

    fn quiet_hours(&mut self, from: &ast::TimeOfDay, to: &ast::TimeOfDay, span: Span) {
        let (Some(from_minute), Some(to_minute)) = (self.time_of_day(from), self.time_of_day(to))
        else {
            return;
        };
        if from_minute == to_minute {
            self.error(
                codes::BAD_TIME_OF_DAY,
                span,
                "quiet hours start and end at the same time",
            )
            .help = Some("give a period such as `quiet hours 21:00 to 08:00`".into());
            return;
        }
        self.program.settings.quiet_hours = Some(ir::QuietHours {
            from_minute,
            to_minute,
        });
    }

    /// Minutes after midnight, or a diagnostic.
    fn time_of_day(&mut self, time: &ast::TimeOfDay) -> Option<u32> {
        if time.hour < 24 && time.minute < 60 {
            return Some(time.hour * 60 + time.minute);
        }
        self.error(
            codes::BAD_TIME_OF_DAY,
            *time.span,
            format!("{}:{:02} is not a time of day", time.hour, time.minute),
        )
        .help = Some("times of day run from 00:00 to 23:59".into());
        None
    }

    fn frequency_cap(
        &mut self,
        limit: &ast::Int,
        channel: crate::base::vocab::Channel,
        per: &ast::Duration,
        policy: crate::base::vocab::CapPolicy,
    ) {
        let per_seconds = self.positive_duration(per).map(|d| d.seconds);
        let limit_value = match u32::try_from(limit.value) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.error(
                    codes::BAD_NUMBER,
                    *limit.span,
                    "a frequency cap must allow at least one message",
                )
                .help = Some("to stop all sends, mark contacts do-not-contact instead".into());
                None
            }
        };
        if self
            .program
            .settings
            .caps
            .iter()
            .any(|cap| cap.channel == channel)
        {
            self.error(
                codes::DUPLICATE_SETTING,
                limit.span.to(*per.span),
                "this channel already has a frequency cap",
            )
            .help = Some("keep one cap per channel".into());
            return;
        }
        if let (Some(per_seconds), Some(limit)) = (per_seconds, limit_value) {
            self.program.settings.caps.push(ir::FrequencyCap {
                channel,
                limit,
                per_seconds,
                policy,
            });
        }
    }

    fn positive_duration(&mut self, duration: &ast::Duration) -> Option<ir::Duration> {
        match values::positive_seconds(duration) {
            Ok(seconds) => Some(ir::Duration {
                seconds,
                calendar: matches!(
                    duration.unit,
                    ast::DurationUnit::Days | ast::DurationUnit::Weeks
                ),
            }),
            Err(why) => {
                self.error(codes::BAD_DURATION, *duration.span, why);
                None
            }
        }
    }

    /// Registers the names an item declares.
    fn declare(&mut self, item: &ast::Item) {
        let file = self.file;
        let diagnostics = &mut self.diagnostics;
        match &item.kind {
            ItemKind::Stages(stages) => {
                if !self.names.stages.is_empty() {
                    diagnostics.push(
                        Diagnostic::new(
                            codes::DUPLICATE_STAGES,
                            file,
                            *item.span,
                            "the funnel stages are declared more than once",
                        )
                        .with_help("declare every stage on one `stages` line, lowest first"),
                    );
                    return;
                }
                for stage in stages {
                    if self
                        .names
                        .stages
                        .declare(stage, file, diagnostics)
                        .is_some()
                    {
                        self.program.stages.push(stage.name.clone());
                    }
                }
            }
            ItemKind::Field(field) => {
                if self
                    .names
                    .fields
                    .declare(&field.name, file, diagnostics)
                    .is_some()
                {
                    self.program.fields.push(ir::FieldDef {
                        name: field.name.name.clone(),
                        ty: field.ty.ty,
                    });
                }
            }
            ItemKind::Content(content) => {
                for entry in &content.entries {
                    if self.names.content(content.kind).declare_name(
                        &entry.name,
                        file,
                        &mut self.diagnostics,
                    ) {
                        self.content_entry(content.kind, entry);
                    }
                }
            }
            ItemKind::Event(event) => self.event_type(event),
            ItemKind::Segment(segment) => {
                // Declared up front so segments may use segments declared later.
                if self
                    .names
                    .segments
                    .declare(&segment.name, file, diagnostics)
                    .is_none()
                {
                    // Keep indices aligned with declaration order even for
                    // a duplicate: it is checked, then discarded.
                    self.names
                        .segments
                        .declare_builtin(&format!("\u{0}duplicate {}", self.segment_sites.len()));
                }
                self.segment_sites.push((file, *segment.name.span));
                self.segment_uses.push(Vec::new());
            }
            ItemKind::Decay(decay) => self.decay(decay, *item.span),
            ItemKind::Script(script) => {
                if self
                    .names
                    .scripts
                    .declare(&script.name, file, diagnostics)
                    .is_some()
                {
                    // A script that does not compile keeps its slot so ids
                    // stay aligned; the error keeps the program from running.
                    let body = {
                        use std::hash::{Hash, Hasher};
                        let mut hasher = std::collections::hash_map::DefaultHasher::new();
                        script.body.hash(&mut hasher);
                        hasher.finish()
                    };
                    if self.scanned_bodies.insert(body) {
                        self.script_strings.extend(scripts::strings(&script.body));
                    }
                    let (def, compiled) = scripts::compile(script, file, diagnostics)
                        .unwrap_or_else(|| {
                            let def = ir::ScriptDef {
                                name: script.name.name.clone(),
                                result: script.ty,
                            };
                            (def, std::sync::Arc::new(rhai::AST::empty()))
                        });
                    self.program.scripts.push(def);
                    self.program.compiled.scripts.push(compiled);
                }
            }
            ItemKind::Error(broken) => self.names.declare_broken(broken),
            ItemKind::Import(_) | ItemKind::Campaign(_) | ItemKind::Rule(_) | ItemKind::Test(_) => {
            }
        }
    }

    fn content_entry(&mut self, kind: ContentKind, entry: &ast::ContentEntry) {
        let name = entry.name.name.clone();
        match kind {
            ContentKind::Email => self.program.emails.push(name),
            ContentKind::Sms => self.program.sms.push(name),
            ContentKind::Form => self.program.forms.push(name),
            ContentKind::List => self.program.lists.push(name),
            ContentKind::Page => {
                let pattern = match &entry.pattern {
                    Some(pattern) => self.url_pattern(pattern, true),
                    None => {
                        self.error(
                            codes::PAGE_WITHOUT_PATTERN,
                            *entry.span,
                            format!("page `{name}` has no URL pattern"),
                        )
                        .help = Some(format!(
                            "say which visits count, e.g. `page {name} = \"/{name}*\"`"
                        ));
                        None
                    }
                };
                self.program.pages.push(ir::PageDef {
                    name,
                    pattern: pattern.unwrap_or_else(|| ir::UrlPattern::new("")),
                });
            }
            ContentKind::Asset => {
                let pattern = match &entry.pattern {
                    Some(pattern) => self.url_pattern(pattern, false),
                    None => Some(ir::UrlPattern::new(&name)),
                };
                self.program.assets.push(ir::AssetDef {
                    name,
                    pattern: pattern.unwrap_or_else(|| ir::UrlPattern::new("")),
                });
            }
        }
        if let Some(pattern) = &entry.pattern {
            if !matches!(kind, ContentKind::Page | ContentKind::Asset) {
                self.error(
                    codes::BAD_URL_PATTERN,
                    *pattern.span,
                    format!("a {} has no pattern", kind.keyword()),
                )
                .help = Some("only pages and assets take `= \"pattern\"`".into());
            }
        }
    }

    fn url_pattern(&mut self, pattern: &ast::Text, must_be_url: bool) -> Option<ir::UrlPattern> {
        let text = pattern.value.as_str();
        let problem = if text.is_empty() {
            Some("the pattern is empty")
        } else if text.chars().any(char::is_whitespace) {
            Some("the pattern contains spaces")
        } else if must_be_url
            && !(text.starts_with('/')
                || text.starts_with('*')
                || text.starts_with("http://")
                || text.starts_with("https://"))
        {
            Some("a page pattern must be a path starting with `/` or a full http(s) URL")
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.error(
                    codes::BAD_URL_PATTERN,
                    *pattern.span,
                    format!("`{text}` is not a usable pattern: {problem}"),
                )
                .help = Some("write e.g. \"/pricing*\"; `*` matches any characters".into());
                None
            }
            None => Some(ir::UrlPattern::new(text)),
        }
    }

    fn event_type(&mut self, event: &ast::EventDecl) {
        if self
            .names
            .events
            .declare(&event.name, self.file, &mut self.diagnostics)
            .is_none()
        {
            return;
        }
        let mut properties: Namespace<ir::PropertyId> =
            Namespace::new("property", codes::UNDEFINED_PROPERTY, "");
        let mut typed = Vec::new();
        let event_id = self.program.event_types.len();
        for property in &event.properties {
            if properties
                .declare(&property.name, self.file, &mut self.diagnostics)
                .is_some()
            {
                self.symbols.declare_property(
                    event_id,
                    typed.len(),
                    self.file,
                    *property.name.span,
                );
                typed.push((property.name.name.clone(), property.ty.ty));
            }
        }
        self.program.event_types.push(ir::EventTypeDef {
            name: event.name.name.clone(),
            properties: typed.into(),
        });
    }

    fn decay(&mut self, decay: &ast::Decay, span: Span) {
        if self.program.decay.is_some() {
            self.error(
                codes::DUPLICATE_SETTING,
                span,
                "points decay is set more than once",
            )
            .help = Some("keep one `decay points` line".into());
            return;
        }
        let every = self.positive_duration(&decay.every);
        let amount_ok = decay.amount.value > 0 && (!decay.percent || decay.amount.value <= 100);
        if !amount_ok {
            self.error(
                codes::BAD_NUMBER,
                *decay.amount.span,
                if decay.percent {
                    "a decay percentage must be between 1% and 100%"
                } else {
                    "points must decay by at least 1"
                },
            );
            return;
        }
        if let Some(every) = every {
            self.program.decay = Some(ir::PointsDecay {
                amount: decay.amount.value,
                percent: decay.percent,
                every,
            });
        }
    }

    /// Reports every cycle of segments that use each other and returns
    /// the segments in an order where each comes after those it uses
    /// (`None` when there is a cycle). A depth-first walk with its own
    /// stack: a chain of 100,000 segments must not overflow the thread's.
    fn report_segment_cycles(&mut self) -> Option<Vec<usize>> {
        let count = self.segment_uses.len();
        // 0 = unvisited, 1 = on the current path, 2 = finished.
        let mut state = vec![0u8; count];
        let mut reported = vec![false; count];
        let mut order = Vec::with_capacity(count);
        let mut cyclic = false;
        for start in 0..count {
            if state.get(start) != Some(&0) {
                continue;
            }
            // The path from `start`, each segment with where it was used
            // and the index of its next use to visit.
            let mut path: Vec<(usize, Span)> = vec![(start, Span::default())];
            let mut next_use: Vec<usize> = vec![0];
            set(&mut state, start, 1);
            while let (Some(&(segment, _)), Some(index)) = (path.last(), next_use.last_mut()) {
                let used = self
                    .segment_uses
                    .get(segment)
                    .and_then(|uses| uses.get(*index))
                    .map(|&(to, span)| (to.index(), span));
                let Some((to, span)) = used else {
                    set(&mut state, segment, 2);
                    order.push(segment);
                    path.pop();
                    next_use.pop();
                    continue;
                };
                *index += 1;
                match state.get(to) {
                    Some(0) => {
                        set(&mut state, to, 1);
                        path.push((to, span));
                        next_use.push(0);
                    }
                    Some(1) => {
                        cyclic = true;
                        self.report_cycle(to, &path, &mut reported);
                    }
                    _ => {}
                }
            }
        }
        (!cyclic).then_some(order)
    }

    /// Rejects segments and rule conditions that nest too deep with the
    /// segments they use written out, and records which segments time
    /// alone can change; both once per segment, in `order`.
    fn check_segment_nesting(&mut self, order: &[usize]) {
        use nesting::MAX_EXPANDED_DEPTH;
        let depths = nesting::segment_depths(&self.program, order);
        let mut deep: Vec<(FileId, Span, String)> = Vec::new();
        for &id in order {
            let Some(segment) = self.program.segments.get(ir::SegmentId::new(id)) else {
                continue;
            };
            if nesting::too_deep_here(&segment.condition, &depths) {
                deep.push((
                    segment.file,
                    *segment.span,
                    format!(
                        "segment `{}` nests more than {MAX_EXPANDED_DEPTH} deep with the segments it uses written out",
                        segment.name
                    ),
                ));
            }
        }
        for rule in &self.program.rules {
            for cond in nesting::deep_rule_conditions(rule, &depths) {
                deep.push((
                    rule.file,
                    *cond.span,
                    format!(
                        "this condition of rule `{}` nests more than {MAX_EXPANDED_DEPTH} deep with the segments it uses written out",
                        rule.name
                    ),
                ));
            }
        }
        for (file, span, message) in deep {
            self.diagnostics.push(
                Diagnostic::new(codes::SEGMENTS_TOO_DEEP, file, span, message).with_help(
                    "write some of the segments' conditions in place of `in segment …`, so that fewer segments use segments that use segments",
                ),
            );
        }
        self.program.segment_timed = ir::time::segment_time_dependence(&self.program, order);
    }

    fn report_cycle(&mut self, back_to: usize, path: &[(usize, Span)], reported: &mut [bool]) {
        let Some(start) = path.iter().position(|(s, _)| *s == back_to) else {
            return;
        };
        let cycle = path.get(start..).unwrap_or_default();
        if cycle.iter().any(|(s, _)| reported.get(*s) == Some(&true)) {
            return;
        }
        let name = |s: usize| {
            self.names
                .segments
                .names
                .get(s)
                .cloned()
                .unwrap_or_default()
        };
        let names: Vec<String> = cycle
            .iter()
            .map(|(s, _)| name(*s))
            .chain(std::iter::once(name(back_to)))
            .collect();
        let Some(&(file, span)) = self.segment_sites.get(back_to) else {
            return;
        };
        self.diagnostics.push(
            Diagnostic::new(
                codes::SEGMENT_CYCLE,
                file,
                span,
                format!("segments use each other in a cycle: {}", names.join(" → ")),
            )
            .with_help("a segment may use other segments, but never itself, directly or not"),
        );
        for (s, _) in cycle {
            if let Some(flag) = reported.get_mut(*s) {
                *flag = true;
            }
        }
    }

    /// Every declaration with its site and whether anything used it, for
    /// the lints (`unused-declaration`, `unreachable-stage`, …).
    fn declarations(&self) -> Vec<Declared> {
        let _ = self.sources;
        // Rules and scripts are not declarations the lints look at (an
        // unused rule is not a thing). An event type is used by a rule or
        // segment that names it, or by a script that names it in a string.
        let tables = self
            .names
            .by_kind()
            .into_iter()
            .filter(|(kind, _)| !matches!(kind, SymbolKind::Rule | SymbolKind::Script));
        let mut out = Vec::new();
        for (kind, namespace) in tables {
            let entries = namespace
                .names
                .iter()
                .zip(&namespace.sites)
                .zip(&namespace.used);
            for ((name, &(file, span)), &used) in entries {
                if file == usize::MAX {
                    continue; // built in, or a placeholder for a duplicate
                }
                let used =
                    used || (kind == SymbolKind::EventType && self.script_strings.contains(name));
                out.push(Declared {
                    kind,
                    noun: namespace.noun,
                    name: name.clone(),
                    file,
                    span,
                    used,
                });
            }
        }
        out
    }
}

/// `slots[index] = value`, where the index is known to be in range.
fn set(slots: &mut [u8], index: usize, value: u8) {
    if let Some(slot) = slots.get_mut(index) {
        *slot = value;
    }
}
