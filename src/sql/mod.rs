//! The SQL backend: a checked program's segments and condition rules
//! compiled to one SQL query that a database runs over its own tables, with
//! the interpreter's meaning at one instant (`eval::population`, on the
//! data as it is: no rule has run). docs/sql.md is the user's guide: the
//! input tables, what compiles, the dialect notes.
//!
//! The query, in order:
//! 1. `nurture_contacts`: the contacts that exist at T (docs/language.md
//!    section 10, "When a contact exists") with their stage as its funnel
//!    ordinal, points, tags, fields, and whether they unsubscribed by T.
//! 2. one CTE per event question the checker shares (`ir::QueryId`), named
//!    after what it asks, answering it per contact;
//! 3. `nurture_facts`: each contact with every answer (a count of none is 0);
//! 4. `nurture_level_N`: the segments, a level per depth of segments using
//!    segments, so each reads the columns of the ones it uses;
//! 5. the final `SELECT`: `contact_id`, one `segment_NAME` and one
//!    `rule_NAME` column per segment and condition rule, ordered by id.
//!
//! What the fragment cannot express is refused, never approximated: a
//! script, a `since` window, a regular expression a dialect matches
//! differently (E0901–E0904).

mod dialect;
mod regex;
mod test;

pub use dialect::Dialect;

/// A table name as the SQL writes it (`schema.table`, each part quoted).
pub fn table_name(name: &str) -> String {
    dialect::table(name)
}

use crate::base::span::{FileId, Span};
use crate::base::value::Instant;
use crate::base::vocab::{AggFunc, Consent, CountOp, DayPattern, FieldType};
use crate::diagnostics::{codes, Code, Diagnostic};
use crate::ir::{
    self, Aggregate, Behaviour, Cond, CondKind, EventTypeId, Filter, Program, PropertyId,
    StageTest, TargetPattern, Trigger, UrlPattern, Window,
};
use chrono::Weekday;
use std::collections::BTreeMap;
use std::fmt::Write;
use test::{cmp_symbol, Operand};

/// The two shapes of output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlFormat {
    /// One script whose final `SELECT` is the per-contact table.
    Script,
    /// `CREATE VIEW`s: the per-contact table and one view per segment.
    Views,
    /// One row: the contacts that exist at T, then how many are in each
    /// segment and meet each condition rule's condition, in the order of
    /// the script's columns (what `nurture segments --engine` reads).
    Counts,
}

#[derive(Debug, Clone)]
pub struct SqlOptions {
    pub dialect: Dialect,
    /// The evaluation instant; a parameter of the query when `None`.
    pub at: Option<Instant>,
    pub contacts_table: String,
    pub events_table: String,
    pub format: SqlFormat,
}

impl SqlOptions {
    /// The documented defaults: tables `contacts` and `events`, a script.
    pub fn new(dialect: Dialect) -> Self {
        SqlOptions {
            dialect,
            at: None,
            contacts_table: "contacts".to_string(),
            events_table: "events".to_string(),
            format: SqlFormat::Script,
        }
    }
}

/// Why a construct does not compile, before it is placed in a file.
#[derive(Debug)]
pub(crate) struct Refusal {
    code: Code,
    why: String,
}

impl Refusal {
    fn regex(why: String) -> Self {
        Refusal {
            code: codes::SQL_REGEX,
            why,
        }
    }
}

impl From<String> for Refusal {
    fn from(why: String) -> Self {
        Refusal {
            code: codes::SQL_UNSUPPORTED,
            why,
        }
    }
}

/// The program as SQL, or every construct that cannot be compiled (each
/// with its code, its span and why).
pub fn compile(program: &Program, options: &SqlOptions) -> Result<String, Vec<Diagnostic>> {
    let views = options.format == SqlFormat::Views;
    let mut writer = Writer {
        program,
        dialect: options.dialect,
        tz: program.settings.timezone,
        at: match options.at {
            Some(t) => dialect::instant(t),
            None => options.dialect.parameter(views),
        },
        events: dialect::table(&options.events_table),
        queries: BTreeMap::new(),
        needs_seq: false,
    };
    let mut diagnostics = Vec::new();
    let mut segments = Vec::new();
    for segment in program.segments.iter() {
        match writer.cond(&segment.condition) {
            Ok(sql) => segments.push(sql),
            Err(refusals) => {
                diagnostics.extend(refusals.into_iter().map(|r| r.at(segment.file)));
                segments.push(String::new());
            }
        }
    }
    let mut rules = Vec::new();
    for rule in program.rules.iter() {
        if let Trigger::Condition(condition) = &rule.trigger {
            match writer.cond(condition) {
                Ok(sql) => rules.push((rule.name.as_str(), sql)),
                Err(refusals) => {
                    diagnostics.extend(refusals.into_iter().map(|r| r.at(rule.file)));
                }
            }
        }
    }
    if !diagnostics.is_empty() {
        crate::diagnostics::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    Ok(writer.assemble(options, &segments, &rules))
}

/// A refusal at a place.
struct Placed {
    span: Span,
    refusal: Refusal,
}

impl Placed {
    fn at(self, file: FileId) -> Diagnostic {
        let message = match self.refusal.code.as_str() {
            "E0901" => "a script cannot be compiled to SQL".to_string(),
            "E0902" => {
                "a `since` window (since the rule last fired) cannot be compiled to SQL".to_string()
            }
            "E0903" => "a regular expression cannot be compiled to SQL the same way".to_string(),
            _ => "this cannot be compiled to SQL".to_string(),
        };
        Diagnostic::new(self.refusal.code, file, self.span, message).with_help(self.refusal.why)
    }
}

/// One event question answered per contact.
struct Query {
    /// The CTE's name.
    name: String,
    /// The CTE's body (a `SELECT` yielding `contact_id` and `value`).
    body: String,
    /// The answer in `nurture_facts` (`COALESCE(…, 0)` for counts).
    column: String,
}

pub(crate) struct Writer<'a> {
    program: &'a Program,
    dialect: Dialect,
    tz: chrono_tz::Tz,
    /// The evaluation instant as an SQL expression.
    at: String,
    events: String,
    /// By query id.
    queries: BTreeMap<usize, Query>,
    /// Whether a `first`/`last` of a property needs the events' input order.
    needs_seq: bool,
}

type Compiled = Result<String, Vec<Placed>>;

fn refuse(span: Span, refusal: impl Into<Refusal>) -> Vec<Placed> {
    vec![Placed {
        span,
        refusal: refusal.into(),
    }]
}

impl Writer<'_> {
    /// A condition as a two-valued SQL expression over `nurture_facts`
    /// columns (and the segment columns of earlier levels).
    fn cond(&mut self, cond: &Cond) -> Compiled {
        let span = *cond.span;
        match &cond.kind {
            CondKind::And(parts) | CondKind::Or(parts) => {
                let joiner = if matches!(cond.kind, CondKind::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut out = Vec::new();
                let mut refused = Vec::new();
                for part in parts {
                    match self.cond(part) {
                        Ok(sql) => out.push(sql),
                        Err(r) => refused.extend(r),
                    }
                }
                if !refused.is_empty() {
                    return Err(refused);
                }
                if out.is_empty() {
                    let empty = matches!(cond.kind, CondKind::And(_));
                    return Ok(if empty { "TRUE" } else { "FALSE" }.to_string());
                }
                Ok(format!("({})", out.join(joiner)))
            }
            CondKind::Not(inner) => Ok(format!("(NOT {})", self.cond(inner)?)),
            CondKind::Stage(test) => Ok(stage(test)),
            CondKind::Points { op, value } => Ok(format!("(points {} {value})", cmp_symbol(*op))),
            CondKind::HasTag(tag) => Ok(format!(
                "COALESCE({}, FALSE)",
                self.dialect.has_item("tags", tag)
            )),
            CondKind::InSegment(id) => {
                let name = self.program.segments.get(*id).map_or("?", |s| &s.name);
                Ok(dialect::ident(&format!("segment_{name}")))
            }
            // Lists start empty and nobody is marked do not contact before
            // a rule runs (`ContactState::from_contact`).
            CondKind::InList(_) | CondKind::Consent(Consent::DoNotContact) => {
                Ok("FALSE".to_string())
            }
            CondKind::Consent(Consent::Unsubscribed) => Ok("unsubscribed".to_string()),
            CondKind::Field { field, test } => {
                let Some(def) = self.program.fields.get(*field) else {
                    return Err(refuse(
                        span,
                        "a field the program does not declare".to_string(),
                    ));
                };
                let column = dialect::ident(&format!("field_{}", def.name));
                self.value_test(
                    test,
                    Operand {
                        sql: &column,
                        ty: def.ty,
                    },
                )
                .map_err(|r| vec![Placed { span, refusal: r }])
            }
            CondKind::Behaviour(behaviour) => {
                let column = self.behaviour(behaviour).map_err(|r| {
                    vec![Placed {
                        span: *behaviour.matcher.span,
                        refusal: r,
                    }]
                })?;
                let n = behaviour.count.n;
                let sym = match behaviour.count.op {
                    CountOp::AtLeast => ">=",
                    CountOp::AtMost => "<=",
                    CountOp::Exactly => "=",
                    CountOp::MoreThan => ">",
                    CountOp::FewerThan => "<",
                };
                Ok(format!("({column} {sym} {n})"))
            }
            CondKind::Aggregate(aggregate) => {
                let (column, ty) = self
                    .aggregate(aggregate)
                    .map_err(|r| vec![Placed { span, refusal: r }])?;
                self.value_test(&aggregate.test, Operand { sql: &column, ty })
                    .map_err(|r| vec![Placed { span, refusal: r }])
            }
            CondKind::Today(pattern) => {
                let dow = format!("extract(isodow FROM {})", self.today());
                Ok(match pattern {
                    DayPattern::Weekday(day) => {
                        format!("({dow} = {})", day.number_from_monday())
                    }
                    DayPattern::Weekend => {
                        format!("({dow} >= {})", Weekday::Sat.number_from_monday())
                    }
                    DayPattern::Workday => {
                        format!("({dow} <= {})", Weekday::Fri.number_from_monday())
                    }
                })
            }
            CondKind::Script(_) | CondKind::ScriptCompare { .. } => Err(vec![Placed {
                span,
                refusal: Refusal {
                    code: codes::SQL_SCRIPT,
                    why: "scripts run in Nurture's rhai sandbox, which a database does not have; \
                          write the condition with the language's own tests, or evaluate this \
                          campaign with `nurture segments`"
                        .to_string(),
                },
            }]),
        }
    }

    /// The window's bounds on `e."at"`; every question ends at T.
    fn window(&self, window: Window) -> Result<String, Refusal> {
        let t = &self.at;
        Ok(match window {
            Window::All => format!("e.\"at\" <= {t}"),
            Window::Last(s) => format!(
                "e.\"at\" > {t} - {} AND e.\"at\" <= {t}",
                dialect::seconds(s)
            ),
            Window::Since(from) => {
                format!("e.\"at\" >= {} AND e.\"at\" <= {t}", dialect::instant(from))
            }
            Window::SinceFired => {
                return Err(Refusal {
                    code: codes::SQL_SINCE_FIRED,
                    why:
                        "a bare `since` counts from when the running rule last fired, which only a \
                          dry run knows; give the window a date (`since 2025-01-01`) or a length \
                          (`in last 30 days`)"
                            .to_string(),
                })
            }
        })
    }

    fn property(&self, event_type: EventTypeId, property: PropertyId) -> (String, FieldType) {
        let def = self
            .program
            .event_types
            .get(event_type)
            .and_then(|t| t.properties.get(property));
        match def {
            Some((name, ty)) => (format!("e.{}", dialect::ident(name)), *ty),
            None => ("NULL".to_string(), FieldType::Text),
        }
    }

    fn event_name(&self, event_type: EventTypeId) -> &str {
        self.program
            .event_types
            .get(event_type)
            .map_or("?", |t| t.name.as_str())
    }

    /// The `WHERE` of the events a question reads: type, window, target,
    /// filter.
    fn matching(
        &self,
        event_type: EventTypeId,
        target: Option<&ir::TargetMatch>,
        filter: Option<&Filter>,
        window: Window,
    ) -> Result<String, Refusal> {
        let mut parts = vec![
            format!(
                "e.\"type\" = {}",
                dialect::text(self.event_name(event_type))
            ),
            self.window(window)?,
        ];
        if let Some(target) = target {
            let (column, _) = self.property(event_type, target.property);
            parts.push(match &target.matcher {
                TargetPattern::Exact(name) => {
                    format!("COALESCE({column} = {}, FALSE)", dialect::text(name))
                }
                TargetPattern::Pattern(pattern) => url_matches(self.dialect, &column, pattern),
            });
        }
        if let Some(filter) = filter {
            parts.push(self.filter(event_type, filter)?);
        }
        Ok(parts.join("\n      AND "))
    }

    fn filter(&self, event_type: EventTypeId, filter: &Filter) -> Result<String, Refusal> {
        match filter {
            Filter::And(parts) | Filter::Or(parts) => {
                let joiner = if matches!(filter, Filter::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let parts = parts
                    .iter()
                    .map(|p| self.filter(event_type, p))
                    .collect::<Result<Vec<_>, _>>()?;
                if parts.is_empty() {
                    let all = matches!(filter, Filter::And(_));
                    return Ok(if all { "TRUE" } else { "FALSE" }.to_string());
                }
                Ok(format!("({})", parts.join(joiner)))
            }
            Filter::Not(inner) => Ok(format!("(NOT {})", self.filter(event_type, inner)?)),
            Filter::Property { property, test, .. } => {
                let (column, ty) = self.property(event_type, *property);
                self.value_test(test, Operand { sql: &column, ty })
            }
        }
    }

    /// The count column of a behaviour clause's question, made on first use.
    fn behaviour(&mut self, behaviour: &Behaviour) -> Result<String, Refusal> {
        let id = behaviour.query.index();
        if self.queries.contains_key(&id) {
            return Ok(format!("q{id}"));
        }
        let m = &behaviour.matcher;
        let counted = match behaviour.distinct {
            None => "count(*)".to_string(),
            Some(p) => {
                let (column, _) = self.property(m.event_type, p);
                if m.event_type == ir::builtin::PAGE_VISITED {
                    // Pages are told apart without query and fragment.
                    format!("count(DISTINCT {})", without_query(&column))
                } else {
                    format!("count(DISTINCT {column})")
                }
            }
        };
        let body = format!(
            "SELECT e.contact_id, {counted} AS value\n    FROM {} AS e\n    WHERE {}\n    GROUP BY e.contact_id",
            self.events,
            self.matching(m.event_type, m.target.as_ref(), m.filter.as_ref(), behaviour.window)?
        );
        let mut words = vec![
            if behaviour.distinct.is_some() {
                "different"
            } else {
                "count"
            }
            .to_string(),
            self.event_name(m.event_type).to_string(),
        ];
        if let Some(target) = &m.target {
            words.push(match &target.matcher {
                TargetPattern::Exact(name) => name.clone(),
                TargetPattern::Pattern(p) => p.text.clone(),
            });
        }
        if m.filter.is_some() {
            words.push("where".to_string());
        }
        words.push(window_words(behaviour.window));
        Ok(self.add_query(id, &words, body, true))
    }

    /// The value column of an aggregate's question and its type.
    fn aggregate(&mut self, aggregate: &Aggregate) -> Result<(String, FieldType), Refusal> {
        let property = aggregate
            .property
            .map(|p| self.property(aggregate.event_type, p));
        let ty = match (aggregate.func, &property) {
            (AggFunc::First | AggFunc::Last, None) => FieldType::DateTime,
            (AggFunc::First | AggFunc::Last, Some((_, ty))) => *ty,
            _ => FieldType::Number,
        };
        let id = aggregate.query.index();
        if self.queries.contains_key(&id) {
            return Ok((format!("q{id}"), ty));
        }
        let matching = self.matching(
            aggregate.event_type,
            None,
            aggregate.filter.as_ref(),
            aggregate.window,
        )?;
        let from = format!("FROM {} AS e\n    WHERE {matching}", self.events);
        let body = match (aggregate.func, &property) {
            (AggFunc::First, None) => {
                format!("SELECT e.contact_id, min(e.\"at\") AS value\n    {from}\n    GROUP BY e.contact_id")
            }
            (AggFunc::Last, None) => {
                format!("SELECT e.contact_id, max(e.\"at\") AS value\n    {from}\n    GROUP BY e.contact_id")
            }
            (AggFunc::First | AggFunc::Last, Some((column, _))) => {
                // The property of the first (last) event by time; of events
                // at one instant, the first (last) in input order, as
                // `Iterator::min_by_key` (`max_by_key`) over events sorted
                // by (time, input order). Its property may be unset.
                self.needs_seq = true;
                let order = if aggregate.func == AggFunc::First {
                    "e.\"at\" ASC, e.seq ASC"
                } else {
                    "e.\"at\" DESC, e.seq DESC"
                };
                format!(
                    "SELECT contact_id, value FROM (\n    SELECT e.contact_id, {column} AS value,\n      row_number() OVER (PARTITION BY e.contact_id ORDER BY {order}) AS nth\n    {from}) AS ranked\n    WHERE nth = 1"
                )
            }
            (func, property) => {
                let Some((column, _)) = property else {
                    return Err(format!("`{}` without a property", func.keyword()).into());
                };
                let f = match func {
                    AggFunc::Total => "sum",
                    AggFunc::Average => "avg",
                    AggFunc::Min => "min",
                    _ => "max",
                };
                format!(
                    "SELECT e.contact_id, {f}({column}) AS value\n    {from}\n    GROUP BY e.contact_id"
                )
            }
        };
        let mut words = vec![
            aggregate.func.keyword().to_string(),
            self.event_name(aggregate.event_type).to_string(),
        ];
        if let Some(p) = aggregate.property {
            let name = self
                .program
                .event_types
                .get(aggregate.event_type)
                .and_then(|t| t.properties.get(p))
                .map_or("?", |(n, _)| n.as_str());
            words.push(name.to_string());
        }
        if aggregate.filter.is_some() {
            words.push("where".to_string());
        }
        words.push(window_words(aggregate.window));
        // The total of no events is 0; the others have no value.
        let zero = aggregate.func == AggFunc::Total;
        Ok((self.add_query(id, &words, body, zero), ty))
    }

    /// Registers a question; its answer is column `qID` of `nurture_facts`.
    fn add_query(&mut self, id: usize, words: &[String], body: String, zero: bool) -> String {
        let name = query_name(id, words);
        let alias = format!("q{id}");
        let column = if zero {
            format!("COALESCE({alias}.value, 0)")
        } else {
            format!("{alias}.value")
        };
        self.queries.insert(id, Query { name, body, column });
        alias
    }
}

/// A stage test on the stage's funnel ordinal (`NULL`: no stage), as
/// `StageTest::holds`.
fn stage(test: &StageTest) -> String {
    let list = |stages: &[ir::StageId]| {
        stages
            .iter()
            .map(|s| s.index().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match test {
        StageTest::IsSet => "(stage_ord IS NOT NULL)".to_string(),
        StageTest::IsNotSet => "(stage_ord IS NULL)".to_string(),
        StageTest::Cmp(op, s) => format!(
            "COALESCE(stage_ord {} {}, FALSE)",
            cmp_symbol(*op),
            s.index()
        ),
        StageTest::In(stages) if stages.is_empty() => "FALSE".to_string(),
        StageTest::NotIn(stages) if stages.is_empty() => "(stage_ord IS NOT NULL)".to_string(),
        StageTest::In(stages) => format!("COALESCE(stage_ord IN ({}), FALSE)", list(stages)),
        StageTest::NotIn(stages) => {
            format!("COALESCE(stage_ord NOT IN ({}), FALSE)", list(stages))
        }
    }
}

/// A visited URL without query string and fragment (`ir::without_query`).
fn without_query(url: &str) -> String {
    format!("split_part(split_part({url}, '?', 1), '#', 1)")
}

/// `UrlPattern::matches`: the glob on the URL without its query, or, for a
/// pattern that is a path, on the path of a full http(s) URL (`/` when it
/// has none). The path is cut out by one regular expression rather than
/// nested `CASE`s over the URL, which repeated it a dozen times and made a
/// page question four times slower than any other.
fn url_matches(dialect: Dialect, column: &str, pattern: &UrlPattern) -> String {
    let bare = without_query(column);
    let like = glob_to_like(&pattern.text);
    let mut test = format!("{bare} LIKE {like} ESCAPE '\\'");
    if pattern.text.starts_with('/') {
        let path = dialect.url_path(&bare);
        let _ = write!(
            test,
            " OR (({bare} LIKE 'https://%' OR {bare} LIKE 'http://%') AND {path} LIKE {like} ESCAPE '\\')"
        );
    }
    format!("COALESCE({test}, FALSE)")
}

/// A `*` glob as a `LIKE` pattern: `*` is `%`, and `%`, `_` and `\` are
/// escaped with `\`. A glob of literal parts is matched leftmost-first by
/// `glob_match`, which finds a match whenever `LIKE` does.
fn glob_to_like(glob: &str) -> String {
    let mut out = String::new();
    for c in glob.chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    dialect::text(&out)
}

fn window_words(window: Window) -> String {
    match window {
        Window::All => "ever".to_string(),
        Window::Last(s) if s % 86_400 == 0 => format!("in_last_{}_days", s / 86_400),
        Window::Last(s) if s % 3_600 == 0 => format!("in_last_{}_hours", s / 3_600),
        Window::Last(s) => format!("in_last_{s}_seconds"),
        Window::Since(t) => format!("since_{}", crate::base::time::rfc3339(t)),
        Window::SinceFired => "since_fired".to_string(),
    }
}

/// `q3_count_email_opened_in_last_30_days`: the id, then what it asks, in
/// lower-case letters, digits and `_`, short enough for PostgreSQL's
/// 63-byte names.
fn query_name(id: usize, words: &[String]) -> String {
    let mut name = format!("q{id}");
    for word in words {
        name.push('_');
        name.extend(word.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    let mut squeezed = String::new();
    for c in name.chars() {
        if !(c == '_' && squeezed.ends_with('_')) {
            squeezed.push(c);
        }
    }
    let trimmed: String = squeezed.trim_end_matches('_').chars().take(60).collect();
    trimmed.trim_end_matches('_').to_string()
}

impl Writer<'_> {
    fn assemble(
        &self,
        options: &SqlOptions,
        segments: &[String],
        rules: &[(&str, String)],
    ) -> String {
        let program = self.program;
        let contacts = dialect::table(&options.contacts_table);
        let events = &self.events;
        let t = &self.at;
        let mut sql = String::new();
        let _ = writeln!(
            sql,
            "-- Generated by `nurture sql` for {}: do not edit; regenerate from the rules.",
            self.dialect.name()
        );
        let _ = writeln!(
            sql,
            "-- Tables: {contacts} (contacts) and {events} (events), as docs/sql.md describes."
        );
        match options.at {
            Some(at) => {
                let _ = writeln!(sql, "-- Evaluated at {}.", crate::base::time::rfc3339(at));
            }
            None => {
                let how = match (self.dialect, options.format) {
                    (Dialect::DuckDb, _) => "SET VARIABLE nurture_at = TIMESTAMPTZ '…';",
                    (Dialect::Postgres, SqlFormat::Script | SqlFormat::Counts) => {
                        "bind $1 (PREPARE … / \\bind in psql)"
                    }
                    (Dialect::Postgres, SqlFormat::Views) => "SET nurture.at = '…';",
                };
                let _ = writeln!(sql, "-- The instant T is a parameter: {how}");
            }
        }
        if self.needs_seq {
            let _ = writeln!(
                sql,
                "-- `first`/`last` of a property break ties at one instant by {events}.seq (input order)."
            );
        }
        let mut ctes: Vec<(String, String)> = Vec::new();
        // 1. The contacts that exist at T.
        let stage_case = if program.stages.is_empty() {
            "CAST(NULL AS INTEGER)".to_string()
        } else {
            let mut case = "CASE c.stage".to_string();
            for (i, name) in program.stages.iter().enumerate() {
                let _ = write!(case, " WHEN {} THEN {i}", dialect::text(name));
            }
            case.push_str(" END");
            case
        };
        let mut columns = vec![
            "c.id AS contact_id".to_string(),
            format!("{stage_case} AS stage_ord"),
            "COALESCE(c.points, 0) AS points".to_string(),
            "c.tags AS tags".to_string(),
        ];
        for field in program.fields.iter() {
            columns.push(format!(
                "c.{} AS {}",
                dialect::ident(&field.name),
                dialect::ident(&format!("field_{}", field.name))
            ));
        }
        columns.push(format!(
            "EXISTS (SELECT 1 FROM {events} AS e WHERE e.contact_id = c.id AND e.\"type\" = 'unsubscribed' AND e.\"at\" <= {t}) AS unsubscribed"
        ));
        ctes.push((
            "nurture_contacts".to_string(),
            format!(
                "SELECT\n    {}\n    FROM {contacts} AS c\n    WHERE c.created_at IS NULL OR c.created_at <= {t}\n      OR EXISTS (SELECT 1 FROM {events} AS e WHERE e.contact_id = c.id AND e.\"at\" <= {t})",
                columns.join(",\n    ")
            ),
        ));
        // 2. One question per shared query id.
        for q in self.queries.values() {
            ctes.push((q.name.clone(), q.body.clone()));
        }
        // 3. Each contact with every answer.
        let mut facts = "SELECT c.*".to_string();
        for (id, q) in &self.queries {
            let _ = write!(facts, ",\n      {} AS q{id}", q.column);
        }
        facts.push_str("\n    FROM nurture_contacts AS c");
        for (id, q) in &self.queries {
            let _ = write!(
                facts,
                "\n    LEFT JOIN {} AS q{id} ON q{id}.contact_id = c.contact_id",
                q.name
            );
        }
        ctes.push(("nurture_facts".to_string(), facts));
        // 4. Segments, by level.
        let levels = segment_levels(program);
        let depth = levels.iter().copied().max().map_or(0, |m| m + 1);
        let mut previous = "nurture_facts".to_string();
        for level in 0..depth {
            let mut body = "SELECT f.*".to_string();
            for ((segment, sql), l) in program.segments.iter().zip(segments).zip(&levels) {
                if *l == level {
                    let _ = write!(
                        body,
                        ",\n      {sql} AS {}",
                        dialect::ident(&format!("segment_{}", segment.name))
                    );
                }
            }
            let _ = write!(body, "\n    FROM {previous} AS f");
            let name = format!("nurture_level_{}", level + 1);
            ctes.push((name.clone(), body));
            previous = name;
        }
        // 5. One row per contact.
        let mut select = vec!["contact_id".to_string()];
        let mut columns = Vec::new();
        for segment in program.segments.iter() {
            let column = dialect::ident(&format!("segment_{}", segment.name));
            select.push(column.clone());
            columns.push(column);
        }
        for (name, sql) in rules {
            let column = dialect::ident(&format!("rule_{name}"));
            select.push(format!("{sql} AS {column}"));
            columns.push(column);
        }
        let order = self.dialect.byte_order("contact_id");
        let with = ctes
            .iter()
            .map(|(name, body)| format!("{name} AS (\n    {body}\n)"))
            .collect::<Vec<_>>()
            .join(",\n");
        let query = format!(
            "WITH\n{with}\nSELECT\n  {}\nFROM {previous}",
            select.join(",\n  ")
        );
        match options.format {
            SqlFormat::Script => {
                let _ = writeln!(sql, "{query}\nORDER BY {order};");
            }
            SqlFormat::Counts => {
                let mut counts = vec!["count(*) AS contacts".to_string()];
                counts.extend(
                    columns
                        .iter()
                        .map(|c| format!("count(*) FILTER (WHERE {c}) AS {c}")),
                );
                let _ = writeln!(
                    sql,
                    "WITH nurture_memberships AS (\n{query}\n)\nSELECT\n  {}\nFROM nurture_memberships;",
                    counts.join(",\n  ")
                );
            }
            SqlFormat::Views => {
                let _ = writeln!(sql, "CREATE VIEW nurture_memberships AS\n{query};");
                for segment in program.segments.iter() {
                    let _ = writeln!(
                        sql,
                        "\nCREATE VIEW {} AS\nSELECT contact_id FROM nurture_memberships WHERE {};",
                        dialect::ident(&format!("nurture_segment_{}", segment.name)),
                        dialect::ident(&format!("segment_{}", segment.name))
                    );
                }
            }
        }
        sql
    }
}

/// Each segment's level: 0 when it uses no segment, else one more than the
/// highest level of those it uses (the checker rejects cycles).
fn segment_levels(program: &Program) -> Vec<usize> {
    fn level(program: &Program, id: usize, memo: &mut Vec<Option<usize>>, depth: usize) -> usize {
        if let Some(Some(known)) = memo.get(id) {
            return *known;
        }
        let Some(segment) = program.segments.get(ir::SegmentId::new(id)) else {
            return 0;
        };
        let mut own = 0;
        // Depth-bounded in case of a program built without the checker.
        if depth < 1024 {
            for cond in ir::visit::conditions(&segment.condition) {
                if let CondKind::InSegment(used) = &cond.kind {
                    own = own.max(level(program, used.index(), memo, depth + 1) + 1);
                }
            }
        }
        if let Some(slot) = memo.get_mut(id) {
            *slot = Some(own);
        }
        own
    }
    let mut memo = vec![None; program.segments.len()];
    (0..program.segments.len())
        .map(|id| level(program, id, &mut memo, 0))
        .collect()
}

#[cfg(test)]
mod tests;
