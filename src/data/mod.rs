//! Loading contacts and events (product brief, section 6).
//!
//! # Inputs
//!
//! * **Contacts**: CSV with a header, a JSON array of objects, or JSON lines.
//!   `id` is required and unique; other columns are the declared fields,
//!   converted to their declared types; optional `stage`, `points`, `tags`
//!   (`;`-separated) and `created_at`.
//! * **Events**: CSV, JSON lines or a JSON array with `contact_id`, `type`,
//!   `at` and the properties of the type (CSV: further columns, an empty
//!   cell is absent; JSON: a `properties` object or top-level keys).
//!
//! The format comes from the file name (`.csv`, `.json`, `.jsonl`,
//! `.ndjson`, each optionally `.gz`), otherwise from the first non-space
//! byte. Gzip files are decompressed on the fly. `docs/data.md` is the
//! user-facing description, with every conversion rule.
//!
//! # Bad rows
//!
//! A row that cannot be used is a *bad row*: it produces one [`RowProblem`]
//! (file, 1-based line the record starts on, column, a stable code from
//! [`codes`], a message in plain words) and is counted as rejected. All
//! rows are always read, so every problem is found in one run; at most
//! [`MAX_STORED_PROBLEMS`] problems are kept, but all are counted.
//!
//! Result shape:
//! * `Err(LoadError::BadRows(report))` — there were bad rows and
//!   [`LoadOptions::skip_bad_rows`] is off. The report has all counts and
//!   the problems; the caller prints them and exits 2.
//! * `Ok(dataset)` — no bad rows, or bad rows skipped: `dataset.report`
//!   says how many and why. `read == used + rejected` always holds.
//! * Any other `Err` is file-level (unreadable file, missing required
//!   column, malformed JSON array, bad mapping): exit 2.
//!
//! Rows a [`Mapping`] deliberately leaves out (no contact id with
//! `"missing_contact": "skip"`, or a `classify` rule with `skip`) are not bad
//! rows: they are counted as rejected *and* summarised in
//! [`LoadReport::skipped`], so nothing disappears silently, but they do not
//! fail the run.
//!
//! # Ordering and determinism
//!
//! Contacts keep input order. Events are sorted by (contact, `at`, input
//! order), with a stable sort; conversion runs in parallel but results are
//! reassembled in file order, so the thread count never changes the result.

pub mod codes;
mod contacts;
mod convert;
mod csvsplit;
mod events;
mod jsonsplit;
pub mod mapping;
mod recode;
mod row;
mod source;

pub use mapping::{
    Classify, Computed, ContactMapping, EventMapping, Formats, Mapping, MissingIdPolicy,
};
pub use source::{Format, Input, Limits};

use crate::base::value::{Instant, Value};
use crate::base::vocab::FieldType;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// A hash map for ids read from data: ahash instead of SipHash, since a
/// million contact ids are hashed on every load and the keys come from the
/// user's own files (nothing to defend against).
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// At most this many problems are kept in [`LoadReport::problems`]; all are
/// counted in [`LoadReport::problem_count`].
pub const MAX_STORED_PROBLEMS: usize = 1000;

/// At most this many notes are kept in [`LoadReport::notes`] (a file with
/// a million unknown columns says so in a hundred lines and one count);
/// all are counted in [`LoadReport::note_count`].
pub const MAX_STORED_NOTES: usize = 100;

/// What the data must look like: the loader's own description of the
/// fields and event types it converts to, built by the caller. For a
/// checked program that is `Schema::from(&program)` (implemented in
/// `sim`, so that `data` needs no program); tests build one with
/// [`Schema::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// Declared contact fields, in order.
    pub fields: Vec<(String, FieldType)>,
    /// Built-ins first (see [`Schema::builtin_event_types`]), then custom
    /// declared ones.
    pub event_types: Vec<EventTypeSchema>,
    /// Funnel order, lowest first.
    pub stages: Vec<String>,
    /// A bare date or a time without offset means wall-clock time here.
    pub timezone: chrono_tz::Tz,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventTypeSchema {
    pub name: String,
    pub properties: Vec<(String, FieldType)>,
}

impl EventTypeSchema {
    pub fn new(name: &str, properties: &[(&str, FieldType)]) -> EventTypeSchema {
        EventTypeSchema {
            name: name.to_string(),
            properties: properties
                .iter()
                .map(|(n, t)| ((*n).to_string(), *t))
                .collect(),
        }
    }
}

impl Schema {
    /// The built-in event types, in the checker's order (from the one
    /// table, [`crate::ir::BUILTIN_EVENT_TYPES`]).
    pub fn builtin_event_types() -> Vec<EventTypeSchema> {
        crate::ir::BUILTIN_EVENT_TYPES
            .iter()
            .map(|(name, properties)| EventTypeSchema::new(name, properties))
            .collect()
    }

    /// A schema with the built-in event types followed by `custom`.
    pub fn new(
        fields: Vec<(String, FieldType)>,
        custom_event_types: Vec<EventTypeSchema>,
        stages: Vec<String>,
        timezone: chrono_tz::Tz,
    ) -> Schema {
        let mut event_types = Schema::builtin_event_types();
        event_types.extend(custom_event_types);
        Schema {
            fields,
            event_types,
            stages,
            timezone,
        }
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|(n, _)| n == name)
    }

    pub fn event_type_index(&self, name: &str) -> Option<usize> {
        self.event_types.iter().position(|t| t.name == name)
    }

    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    pub id: String,
    /// Index = [`Schema::fields`] index; `None` = not set.
    pub fields: Vec<Option<Value>>,
    /// Index into [`Schema::stages`].
    pub stage: Option<usize>,
    pub points: i64,
    pub tags: Vec<String>,
    pub created_at: Option<Instant>,
}

impl Contact {
    /// When the contact comes into existence: its `created_at`, or its
    /// first event when that is earlier (an event proves the contact was
    /// there); `None` when it has no `created_at` (it was there before the
    /// data begins). Contacts derived from events are created at their
    /// first event. `own_events` are this contact's, sorted by time.
    pub fn exists_from(&self, own_events: &[Event]) -> Option<Instant> {
        let created = self.created_at?;
        Some(own_events.first().map_or(created, |e| e.at.min(created)))
    }

    /// Whether the contact exists at `at`. Before it exists a contact is in
    /// no segment, no rule condition holds for it and no rule fires: one
    /// meaning for `segments`, `simulate` and `explain` (docs/language.md,
    /// "When a contact exists").
    pub fn exists_at(&self, own_events: &[Event], at: Instant) -> bool {
        self.exists_from(own_events).is_none_or(|from| from <= at)
    }
}

/// An event's property values. Most event types have one property (the
/// e-mail, the page), which then lives inside the event: no allocation per
/// event, and ten million events stay contiguous.
pub type Properties = smallvec::SmallVec<[Option<Value>; 1]>;

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Index into [`Dataset::contacts`].
    pub contact: u32,
    /// Index into [`Schema::event_types`].
    pub event_type: u16,
    pub at: Instant,
    /// Index = the type's property index; `None` = absent.
    pub properties: Properties,
}

#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// In input order (or first-appearance order when derived from events).
    pub contacts: Vec<Contact>,
    /// Grouped per contact, sorted by (contact, at, input order).
    pub events: Vec<Event>,
    /// Per contact, its slice of `events`.
    pub contact_event_ranges: Vec<Range<usize>>,
    pub report: LoadReport,
}

impl Dataset {
    /// The index of the contact with this id (a linear search: for one-off
    /// look-ups such as `--contact ID`).
    pub fn find_contact(&self, id: &str) -> Option<usize> {
        self.contacts.iter().position(|c| c.id == id)
    }

    /// The events of contact `index`, in time order.
    pub fn events_of(&self, index: usize) -> &[Event] {
        match self.contact_event_ranges.get(index) {
            Some(r) => self.events.get(r.clone()).unwrap_or(&[]),
            None => &[],
        }
    }
}

/// Row counts of one file. `read == used + rejected` always.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RowCounts {
    /// Records read (CSV rows after the header, JSON records).
    pub read: u64,
    /// Rows that went into the dataset (for grouped events: every row of
    /// the group).
    pub used: u64,
    /// Bad rows plus rows skipped by the mapping.
    pub rejected: u64,
    /// The part of `rejected` that the mapping skipped on purpose (not bad
    /// rows); see [`LoadReport::skipped`].
    pub skipped: u64,
}

impl RowCounts {
    /// Rejected rows that are bad rows (each has a problem).
    pub fn bad(&self) -> u64 {
        self.rejected.saturating_sub(self.skipped)
    }
}

/// Rows left out on purpose by the mapping, per file and reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkippedRows {
    pub file: String,
    pub reason: String,
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LoadReport {
    pub contacts: RowCounts,
    pub events: RowCounts,
    /// The first [`MAX_STORED_PROBLEMS`] problems, contacts file first, then
    /// by line.
    pub problems: Vec<RowProblem>,
    /// All bad rows, including those not stored.
    pub problem_count: u64,
    /// Bad rows per code.
    pub problems_by_code: BTreeMap<&'static str, u64>,
    /// Rows left out on purpose by the mapping.
    pub skipped: Vec<SkippedRows>,
    /// Things worth knowing that are not errors: ignored columns, unknown
    /// properties, each said once. The first [`MAX_STORED_NOTES`] are
    /// kept; all are counted in [`LoadReport::note_count`].
    pub notes: Vec<String>,
    /// All notes, including those not stored.
    pub note_count: u64,
    /// Contacts were derived from the events file (no contacts file).
    pub contacts_derived: bool,
    /// Contacts in the dataset.
    pub contact_count: u64,
    /// Events in the dataset (fewer than rows used when rows are grouped).
    pub event_count: u64,
}

impl LoadReport {
    /// Whether any row was bad (the caller exits 2 unless skipping).
    pub fn has_bad_rows(&self) -> bool {
        self.problem_count > 0
    }

    /// Adds the notes of one file, in order, keeping at most
    /// [`MAX_STORED_NOTES`] in all.
    pub(crate) fn add_notes(&mut self, notes: Notes) {
        self.note_count += notes.count;
        let room = MAX_STORED_NOTES.saturating_sub(self.notes.len());
        self.notes.extend(notes.kept.into_iter().take(room));
    }
}

/// Notes being collected: the first [`MAX_STORED_NOTES`] are kept, all are
/// counted, and a note past the cap is never even formatted.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    kept: Vec<String>,
    count: u64,
}

impl Notes {
    pub(crate) fn push(&mut self, note: impl FnOnce() -> String) {
        self.count += 1;
        if self.kept.len() < MAX_STORED_NOTES {
            self.kept.push(note());
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub file: String,
    /// 1-based line the record starts on.
    pub line: u64,
    /// The column (or JSON key) at fault, if one is.
    pub column: Option<String>,
    /// A code from [`codes`].
    pub code: crate::diagnostics::Code,
    pub message: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {} ", self.file, self.line, self.code)?;
        if let Some(c) = &self.column {
            write!(f, "[{c}] ")?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Go on past bad rows (they are counted and reported, not loaded).
    pub skip_bad_rows: bool,
    /// Column mapping for real exports (`--map FILE`).
    pub mapping: Option<Mapping>,
    /// What one input may hold (files opened by [`load_paths`]).
    pub limits: Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}: missing required column {}; the columns are: {}", list(.missing), list(.found))]
    MissingColumns {
        file: String,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    /// A file-level problem with a stable code (`D012`…): a file that is
    /// not a regular file, a limit exceeded.
    #[error("{file}:{}{code} {message}", .line.map(|l| format!("{l}: ")).unwrap_or_else(|| " ".to_string()))]
    Input {
        code: crate::diagnostics::Code,
        file: String,
        /// The line the problem is on, where there is one.
        line: Option<u64>,
        message: String,
    },
    /// A mapping that is not valid (`D017`) or does not fit the rules or
    /// the file (`D018`).
    #[error("mapping {path}: {code} {message}")]
    Mapping {
        code: crate::diagnostics::Code,
        path: String,
        message: String,
    },
    #[error("{} in the data (rerun with --skip-bad-rows to load the rest)", crate::base::number::counted(.0.problem_count, "bad row", "bad rows"))]
    BadRows(Box<LoadReport>),
}

impl LoadError {
    /// The report, when the error is about bad rows.
    pub fn report(&self) -> Option<&LoadReport> {
        match self {
            LoadError::BadRows(r) => Some(r),
            _ => None,
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "(none)".to_string();
    }
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The path that means standard input: `-`, and nothing else (never
/// `/dev/stdin`, which is refused as not a regular file).
pub const STDIN: &str = "-";

/// Loads contacts and events from files.
pub fn load(
    schema: &Schema,
    contacts_path: &Path,
    events_path: &Path,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    load_paths(schema, Some(contacts_path), events_path, options)
}

/// Like [`load`]; without a contacts file, contacts are derived from the
/// events: each distinct `contact_id` becomes a contact with no fields,
/// `created_at` = its first event (see [`EventMapping::contact_fields`]).
/// Either path (not both) may be [`STDIN`].
pub fn load_paths(
    schema: &Schema,
    contacts_path: Option<&Path>,
    events_path: &Path,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    let stdin = Path::new(STDIN);
    if contacts_path == Some(stdin) && events_path == stdin {
        return Err(LoadError::Input {
            code: codes::D016,
            file: STDIN.to_string(),
            line: None,
            message: "standard input can feed only one of --contacts and --events; give the other as a file".to_string(),
        });
    }
    let open = |path: &Path| {
        if path == stdin {
            Input::stdin(options.limits)
        } else {
            Input::open(path, options.limits)
        }
    };
    let contacts = contacts_path.map(open).transpose()?;
    let events = open(events_path)?;
    load_inputs(schema, contacts, events, options)
}

/// Loads from in-memory text, with the format sniffed (`Format::Auto`).
pub fn load_str(
    schema: &Schema,
    contacts: Option<&str>,
    events: &str,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    load_inputs(
        schema,
        contacts.map(|c| Input::from_bytes("contacts", Format::Auto, c)),
        Input::from_bytes("events", Format::Auto, events),
        options,
    )
}

/// Loads from any inputs. See the module docs for the result shape.
pub fn load_inputs(
    schema: &Schema,
    contacts: Option<Input>,
    events: Input,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    load_parts(schema, contacts, Some(events), options)
}

/// Loads a contacts file alone, for what needs no events (`segments` whose
/// segments read only contact fields): the dataset has no events, and its
/// events counts are all 0. The path may be [`STDIN`].
pub fn load_contacts_only(
    schema: &Schema,
    contacts_path: &Path,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    let input = if contacts_path == Path::new(STDIN) {
        Input::stdin(options.limits)
    } else {
        Input::open(contacts_path, options.limits)
    }?;
    load_parts(schema, Some(input), None, options)
}

/// Loads contacts, events or both (not neither: without contacts they are
/// derived from the events).
fn load_parts(
    schema: &Schema,
    contacts: Option<Input>,
    events: Option<Input>,
    options: &LoadOptions,
) -> Result<Dataset, LoadError> {
    check_schema(schema)?;
    let mut report = LoadReport::default();
    let mapping = options.mapping.as_ref();
    // The loaders name the part of the mapping at fault; the file is known here.
    let located = |e: LoadError| match (e, mapping.and_then(|m| m.path.as_deref())) {
        (
            LoadError::Mapping {
                code,
                path,
                message,
            },
            Some(file),
        ) => LoadError::Mapping {
            code,
            path: format!("{file} {path}"),
            message,
        },
        (e, _) => e,
    };
    let contact_set = match contacts {
        Some(input) => Some(
            contacts::load_contacts(schema, input, mapping.map(|m| &m.contacts), &mut report)
                .map_err(located)?,
        ),
        None => None,
    };
    let events_mapping = mapping.map(|m| &m.events);
    let (contacts, events) = match (events, contact_set) {
        (Some(events), contact_set) => {
            events::load_events(schema, contact_set, events, events_mapping, &mut report)
                .map_err(located)?
        }
        (None, Some(set)) => (set.contacts, Vec::new()),
        (None, None) => {
            return Err(LoadError::Format {
                file: "(no file)".to_string(),
                message: "neither contacts nor events were given".to_string(),
            })
        }
    };
    report.contact_count = contacts.len() as u64;
    report.event_count = events.len() as u64;
    if report.has_bad_rows() && !options.skip_bad_rows {
        return Err(LoadError::BadRows(Box::new(report)));
    }
    let contact_event_ranges = ranges(contacts.len(), &events);
    Ok(Dataset {
        contacts,
        events,
        contact_event_ranges,
        report,
    })
}

fn check_schema(schema: &Schema) -> Result<(), LoadError> {
    if schema.event_types.len() > usize::from(u16::MAX) {
        return Err(LoadError::Format {
            file: "rules".to_string(),
            message: "more than 65535 event types".to_string(),
        });
    }
    Ok(())
}

/// Per contact, the range of its events in `events` (sorted by contact).
fn ranges(contacts: usize, events: &[Event]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(contacts);
    let mut start = 0usize;
    for c in 0..contacts {
        let mut end = start;
        while events.get(end).is_some_and(|e| e.contact as usize == c) {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests;
