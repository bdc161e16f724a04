//! The events file, and contacts derived from it.

use super::codes::{D001, D002, D003, D005, D006, D008, D010, D011};
use super::contacts::{json_kind, ContactSet};
use super::convert::{self, Decoder};
use super::csvsplit::Records;
use super::mapping::{round_to, EventMapping, MissingIdPolicy, Prefixes};
use super::recode::{self, Kind, Recodes};
use super::row::{problem, recycle, Binding, Cell, CellsError, Problems};
use super::source::{self, Converter, Header, Input, JsonRecord};
use super::{Contact, Event, LoadError, LoadReport, Notes, Schema, SkippedRows};
use crate::base::value::{Instant, Value};
use crate::base::vocab::FieldType;
use crate::diagnostics::closest;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

const CONTACT: usize = 0;
const TYPE: usize = 1;
const AT: usize = 2;
const PROP0: usize = 3;
const SPECIAL: [&str; 3] = ["contact_id", "type", "at"];

#[derive(Clone, Debug)]
enum PropSource {
    Role(usize),
    Product {
        a: usize,
        b: usize,
        abs: bool,
        round: Option<u8>,
    },
}

#[derive(Debug)]
struct TypePlan {
    /// Per property of the type.
    props: Vec<PropSource>,
    /// Property roles that belong to other types (noted when set).
    foreign: Vec<usize>,
}

#[derive(Clone, Debug)]
enum ClassAction {
    Type(u16),
    /// Index into `Plan::skip_reasons`.
    Skip(usize),
}

struct Plan<'s> {
    schema: &'s Schema,
    file: String,
    binding: Binding,
    /// Property names of role `PROP0 + i`.
    prop_names: Vec<String>,
    types: Vec<TypePlan>,
    constant_type: Option<u16>,
    /// Per source column its rules, in order of the column's first rule;
    /// `actions` is indexed by rule number.
    classify: Vec<(usize, Prefixes)>,
    actions: Vec<ClassAction>,
    skip_reasons: Vec<String>,
    group_role: Option<usize>,
    /// Derived contacts: (role, field index).
    contact_fields: Vec<(usize, usize)>,
    /// `None` when contacts are derived from the events.
    contacts: Option<&'s ContactSet>,
    missing_contact: MissingIdPolicy,
    separator: String,
    roles: usize,
    /// The mapping's value maps and date formats, by role.
    recodes: Recodes,
}

/// Reason index 0 is always "no contact id".
const SKIP_NO_CONTACT: usize = 0;

#[derive(Default)]
struct Batch {
    read: u64,
    events: Vec<Event>,
    /// Filled when grouping or deriving contacts (parallel to `events`).
    lines: Vec<u64>,
    names: Vec<Box<str>>,
    groups: Vec<Option<Box<str>>>,
    cfields: Vec<Vec<Option<Value>>>,
    problems: Problems,
    skipped: Vec<u64>,
    /// (type, property role) seen set on a type that does not have it.
    foreign_seen: BTreeSet<(u16, usize)>,
    unknown_keys: BTreeSet<String>,
}

/// What a converted row becomes.
struct Row<'a> {
    event: Event,
    name: Option<Cow<'a, str>>,
    group: Option<Cow<'a, str>>,
    cfields: Vec<Option<Value>>,
}

enum Outcome<'a> {
    Row(Row<'a>),
    Bad(super::RowProblem),
    Skipped(usize),
}

/// Why a row gives no event: a problem (boxed, so that the `Result`s of
/// the conversion steps stay small on the path every good row takes) or a
/// deliberate skip (index into `Plan::skip_reasons`).
enum Rejected {
    Bad(Box<super::RowProblem>),
    Skipped(usize),
}

/// The cells of one row, by role, and the line it starts on.
#[derive(Clone, Copy)]
struct RowCells<'c, 'a> {
    line: u64,
    cells: &'c [Option<Cell<'a>>],
}

impl<'a> RowCells<'_, 'a> {
    /// The cell of `role`, unless it is absent or blank.
    fn get(&self, role: usize) -> Option<Cell<'a>> {
        self.cells
            .get(role)
            .copied()
            .flatten()
            .filter(|c| !c.is_blank())
    }
}

/// Per-batch caches that make repeated lookups cheap.
struct Caches {
    decoder: Decoder,
    last_type: Option<(String, u16)>,
    /// The last contact found; events are usually grouped by contact and
    /// often in the contacts file's order, so it or the next one is likely.
    last_contact: Option<u32>,
}

/// The roles a row's cells are read into: the specials (`contact_id`,
/// `type`, `at`), then every property name of every event type, then the
/// raw source columns the mapping reads directly, numbered in order of
/// first mention.
struct Roles<'s> {
    prop_names: Vec<String>,
    prop_index: HashMap<&'s str, usize>,
    raw_sources: Vec<String>,
    /// Looked up by name, so a mapping with 100,000 classify rules is read
    /// in linear time.
    raw_numbers: HashMap<String, usize>,
}

impl<'s> Roles<'s> {
    fn new(schema: &'s Schema) -> Self {
        let mut prop_names: Vec<String> = Vec::new();
        let mut prop_index: HashMap<&str, usize> = HashMap::new();
        for t in &schema.event_types {
            for (p, _) in &t.properties {
                if !prop_index.contains_key(p.as_str()) && !SPECIAL.contains(&p.as_str()) {
                    prop_index.insert(p.as_str(), prop_names.len());
                    prop_names.push(p.clone());
                }
            }
        }
        Roles {
            prop_names,
            prop_index,
            raw_sources: Vec::new(),
            raw_numbers: HashMap::new(),
        }
    }

    /// The first raw-column role.
    fn raw_base(&self) -> usize {
        PROP0 + self.prop_names.len()
    }

    /// The role of raw source column `name`, numbered at its first mention.
    fn raw(&mut self, name: &str) -> usize {
        let i = match self.raw_numbers.get(name) {
            Some(&i) => i,
            None => {
                self.raw_numbers
                    .insert(name.to_string(), self.raw_sources.len());
                self.raw_sources.push(name.to_string());
                self.raw_sources.len() - 1
            }
        };
        self.raw_base() + i
    }

    /// The role a column renamed to `target` fills: a special or a property.
    fn target(&self, target: &str) -> Option<usize> {
        SPECIAL
            .iter()
            .position(|s| *s == target)
            .or_else(|| self.prop_index.get(target).map(|i| PROP0 + i))
    }

    fn count(&self) -> usize {
        self.raw_base() + self.raw_sources.len()
    }

    fn names(&self) -> Vec<String> {
        SPECIAL
            .iter()
            .map(|s| (*s).to_string())
            .chain(self.prop_names.iter().cloned())
            .chain(self.raw_sources.iter().cloned())
            .collect()
    }
}

/// What the mapping's `classify` rules become: an action per rule, the
/// skip reasons they name (after the built-in one) and the prefix table
/// of each column they read.
struct Classify {
    actions: Vec<ClassAction>,
    skip_reasons: Vec<String>,
    by_role: HashMap<usize, Prefixes>,
}

fn mapping_error(message: String) -> LoadError {
    LoadError::Mapping {
        code: super::codes::D018,
        path: "(events)".to_string(),
        message,
    }
}

/// The index of an event type a mapping names.
fn event_type_of(schema: &Schema, name: &str) -> Result<u16, LoadError> {
    schema
        .event_type_index(name)
        .and_then(|i| u16::try_from(i).ok())
        .ok_or_else(|| {
            mapping_error(format!(
                "event type `{name}` is neither built in nor declared in the rules; declare it (e.g. `event {name} {{ … }}`) or change the mapping"
            ))
        })
}

fn classify_rules(
    m: &EventMapping,
    roles: &mut Roles<'_>,
    type_of: &dyn Fn(&str) -> Result<u16, LoadError>,
) -> Result<Classify, LoadError> {
    let mut skip_reasons = vec!["no contact id (mapping: missing_contact = skip)".to_string()];
    let mut by_role: HashMap<usize, Prefixes> = HashMap::new();
    let mut actions = Vec::with_capacity(m.classify.len());
    for (rule, c) in m.classify.iter().enumerate() {
        let role = roles.raw(&c.column);
        let action = match (&c.event_type, &c.skip) {
            (Some(t), _) => ClassAction::Type(type_of(t)?),
            (None, Some(reason)) => {
                skip_reasons.push(format!(
                    "`{}` starts with {:?}: {reason}",
                    c.column, c.prefix
                ));
                ClassAction::Skip(skip_reasons.len() - 1)
            }
            (None, None) => {
                return Err(mapping_error(
                    "a classify rule needs `type` or `skip`".to_string(),
                ))
            }
        };
        actions.push(action);
        by_role
            .entry(role)
            .or_default()
            .insert(c.prefix.as_bytes(), rule);
    }
    Ok(Classify {
        actions,
        skip_reasons,
        by_role,
    })
}

/// The mapping's `computed` properties (a product of two columns).
fn computed_properties<'m>(
    m: &'m EventMapping,
    roles: &mut Roles<'_>,
    file: &str,
    notes: &mut Notes,
) -> HashMap<&'m str, PropSource> {
    let mut computed = HashMap::new();
    for (prop, c) in &m.computed {
        let a = roles.raw(&c.product[0]);
        let b = roles.raw(&c.product[1]);
        if !roles.prop_index.contains_key(prop.as_str()) {
            notes.push(|| format!(
                "{file}: computed property `{prop}` is not a property of any event type; it is ignored"
            ));
        }
        computed.insert(
            prop.as_str(),
            PropSource::Product {
                a,
                b,
                abs: c.abs,
                round: c.round,
            },
        );
    }
    computed
}

/// The columns that fill contact fields when contacts are derived from
/// the events (no contacts file), as (role, field index).
fn contact_field_roles(
    m: &EventMapping,
    schema: &Schema,
    contacts_file: bool,
    roles: &mut Roles<'_>,
    file: &str,
    notes: &mut Notes,
) -> Vec<(usize, usize)> {
    let mut contact_fields = Vec::new();
    if contacts_file {
        if !m.contact_fields.is_empty() {
            notes.push(|| format!(
                "{file}: mapping contact_fields is used only when contacts are derived from the events; it is ignored because a contacts file was given"
            ));
        }
        return contact_fields;
    }
    for (src, field) in &m.contact_fields {
        match schema.field_index(field) {
            Some(fi) => contact_fields.push((roles.raw(src), fi)),
            None => notes.push(|| format!(
                "{file}: mapping contact_fields: `{field}` is not a declared contact field; column `{src}` is not used for contacts"
            )),
        }
    }
    contact_fields
}

/// Binds a CSV header's columns to roles; every column is used, ignored
/// on purpose, or noted as ignored, and a missing required one is an error.
fn bind_csv(
    columns: Vec<String>,
    m: &EventMapping,
    roles: &Roles<'_>,
    file: &str,
    notes: &mut Notes,
) -> Result<Binding, LoadError> {
    let raw_base = roles.raw_base();
    let raw_index: HashMap<&str, usize> = roles
        .raw_sources
        .iter()
        .enumerate()
        .map(|(k, name)| (name.as_str(), k))
        .collect();
    let ignored: std::collections::HashSet<&str> = m.ignore.iter().map(String::as_str).collect();
    let rename = |src: &str| -> String {
        m.columns
            .get(src)
            .cloned()
            .unwrap_or_else(|| src.to_string())
    };
    let mut binding = Binding {
        role_names: roles.names(),
        width: columns.len(),
        ..Binding::default()
    };
    let mut bound = vec![false; roles.count()];
    for (i, name) in columns.iter().enumerate() {
        let target = rename(name);
        let mut used = false;
        match roles.target(&target) {
            Some(r) if bound.get(r) == Some(&false) => {
                if let Some(slot) = bound.get_mut(r) {
                    *slot = true;
                }
                binding.columns.push((i, r));
                if let Some(role_name) = binding.role_names.get_mut(r) {
                    role_name.clone_from(name);
                }
                used = true;
            }
            Some(_) => {
                notes.push(|| format!(
                    "{file}: column `{name}` repeats `{target}`; the first such column is used, this one is ignored"
                ));
                used = true;
            }
            None => {}
        }
        if let Some(&k) = raw_index.get(name.as_str()) {
            let r = raw_base + k;
            if let Some(slot) = bound.get_mut(r).filter(|b| !**b) {
                *slot = true;
                binding.columns.push((i, r));
            }
            used = true;
        }
        if !used && !ignored.contains(name.as_str()) {
            notes.push(|| format!(
                "{file}: column `{name}` is not contact_id, type, at, a property of any event type, or used by the mapping; it is ignored"
            ));
        }
    }
    let is_bound = |r: usize| bound.get(r) == Some(&true);
    let mut missing = Vec::new();
    if !is_bound(CONTACT) {
        missing.push("contact_id".to_string());
    }
    if !is_bound(AT) {
        missing.push("at".to_string());
    }
    if !is_bound(TYPE) && m.event_type.is_none() {
        missing.push("type".to_string());
    }
    for (k, src) in roles.raw_sources.iter().enumerate() {
        if !is_bound(raw_base + k) {
            missing.push(format!("{src} (named in the mapping)"));
        }
    }
    if !missing.is_empty() {
        return Err(LoadError::MissingColumns {
            file: file.to_string(),
            missing,
            found: columns,
        });
    }
    let present: std::collections::HashSet<&str> = columns.iter().map(String::as_str).collect();
    for src in m.columns.keys() {
        if !present.contains(src.as_str()) {
            notes.push(|| {
                format!(
                    "{file}: the mapping renames column `{src}`, but the file has no such column"
                )
            });
        }
    }
    Ok(binding)
}

/// Binds JSON keys to roles: a record's keys are looked up by name.
fn bind_json(m: &EventMapping, roles: &Roles<'_>) -> Binding {
    let raw_base = roles.raw_base();
    let mut binding = Binding {
        role_names: roles.names(),
        ..Binding::default()
    };
    for (r, name) in binding.role_names.iter().enumerate().take(raw_base) {
        binding.keys.entry(name.clone()).or_default().push(r);
    }
    for (src, target) in &m.columns {
        if let Some(r) = roles.target(target) {
            let keys = binding.keys.entry(src.clone()).or_default();
            keys.retain(|x| *x >= raw_base);
            keys.push(r);
        }
    }
    for (k, src) in roles.raw_sources.iter().enumerate() {
        binding
            .keys
            .entry(src.clone())
            .or_default()
            .push(raw_base + k);
    }
    binding.ignored = m.ignore.iter().cloned().collect();
    // `properties` is the nested object, never a property itself.
    binding.ignored.insert("properties".to_string());
    binding
}

/// The mapping's `values` and `formats`, attached to the roles their
/// columns feed: `contact_id`, `type`, `at`, a property (checked against
/// every event type that has it), or a column read for a contact field.
fn recodes(
    schema: &Schema,
    m: &EventMapping,
    roles: &Roles<'_>,
    contact_fields: &[(usize, usize)],
    file: &str,
    header: Option<&[String]>,
    notes: &mut Notes,
) -> Result<Recodes, LoadError> {
    if let Some(columns) = header {
        for src in m.values.keys().chain(m.formats.keys()) {
            if !columns.iter().any(|c| c == src) {
                notes.push(|| format!(
                    "{file}: the mapping has `values` or `formats` for column `{src}`, but the file has no such column"
                ));
            }
        }
    }
    let kinds_of = |role: usize| -> Vec<Kind> {
        match role {
            CONTACT => vec![Kind::Text],
            TYPE => vec![Kind::EventType],
            AT => vec![Kind::Typed(FieldType::DateTime)],
            _ => {
                let name = roles.prop_names.get(role - PROP0);
                schema
                    .event_types
                    .iter()
                    .flat_map(|t| &t.properties)
                    .filter(|(p, _)| Some(p) == name)
                    .map(|(_, ty)| Kind::Typed(*ty))
                    .collect()
            }
        }
    };
    let roles_of = |src: &str| -> Vec<(usize, Vec<Kind>)> {
        let target = m.columns.get(src).map_or(src, String::as_str);
        let mut out: Vec<(usize, Vec<Kind>)> = roles
            .target(target)
            .map(|r| (r, kinds_of(r)))
            .into_iter()
            .collect();
        if let Some(&raw) = roles.raw_numbers.get(src) {
            let raw = roles.raw_base() + raw;
            let kinds: Vec<Kind> = contact_fields
                .iter()
                .filter(|(r, _)| *r == raw)
                .filter_map(|(_, fi)| schema.fields.get(*fi).map(|(_, ty)| Kind::Typed(*ty)))
                .collect();
            if !kinds.is_empty() {
                out.push((raw, kinds));
            }
        }
        out
    };
    let valid = |kind, target: &str| recode::valid_target(kind, target, schema);
    let mut unused = |src: &str, what: &str| {
        notes.push(|| format!(
            "{file}: the mapping's `{what}` for column `{src}` are not used: the column is not contact_id, type, at, a property of any event type, or a contact field"
        ));
    };
    let sources = recode::Sources {
        values: &m.values,
        formats: &m.formats,
    };
    Recodes::new(&sources, roles.count(), &roles_of, &valid, &mut unused).map_err(mapping_error)
}

/// Where each event type's properties come from, and which property roles
/// belong to other types (foreign to it).
fn type_plans(
    schema: &Schema,
    computed: &HashMap<&str, PropSource>,
    roles: &Roles<'_>,
) -> Vec<TypePlan> {
    schema
        .event_types
        .iter()
        .map(|t| {
            let props = t
                .properties
                .iter()
                .map(|(p, _)| match computed.get(p.as_str()) {
                    Some(src) => src.clone(),
                    None => PropSource::Role(roles.target(p).unwrap_or(usize::MAX)),
                })
                .collect();
            let foreign = roles
                .prop_names
                .iter()
                .enumerate()
                .filter(|(_, n)| !t.properties.iter().any(|(p, _)| p == *n))
                .map(|(i, _)| PROP0 + i)
                .collect();
            TypePlan { props, foreign }
        })
        .collect()
}

impl<'s> Plan<'s> {
    fn new(
        schema: &'s Schema,
        file: &str,
        header: Header,
        mapping: Option<&EventMapping>,
        contacts: Option<&'s ContactSet>,
        notes: &mut Notes,
    ) -> Result<Plan<'s>, LoadError> {
        let empty = EventMapping::default();
        let m = mapping.unwrap_or(&empty);
        let type_of = |name: &str| event_type_of(schema, name);
        let mut roles = Roles::new(schema);
        // Raw columns are numbered in this order of first mention.
        let group_role = m.group_by.as_deref().map(|g| roles.raw(g));
        let classify = classify_rules(m, &mut roles, &type_of)?;
        let computed = computed_properties(m, &mut roles, file, notes);
        let contact_fields =
            contact_field_roles(m, schema, contacts.is_some(), &mut roles, file, notes);
        let columns = match &header {
            Header::Csv(columns) => Some(columns.as_slice()),
            Header::Json => None,
        };
        let recodes = recodes(schema, m, &roles, &contact_fields, file, columns, notes)?;
        let binding = match header {
            Header::Csv(columns) => bind_csv(columns, m, &roles, file, notes)?,
            Header::Json => bind_json(m, &roles),
        };
        let types = type_plans(schema, &computed, &roles);
        let Classify {
            actions,
            skip_reasons,
            by_role,
        } = classify;
        Ok(Plan {
            schema,
            file: file.to_string(),
            binding,
            roles: roles.count(),
            prop_names: roles.prop_names,
            types,
            constant_type: m.event_type.as_deref().map(type_of).transpose()?,
            classify: {
                let mut tables: Vec<(usize, Prefixes)> = by_role.into_iter().collect();
                tables.sort_by_key(|(_, t)| t.first_rule);
                tables
            },
            actions,
            skip_reasons,
            group_role,
            contact_fields,
            contacts,
            missing_contact: m.missing_contact,
            separator: m.list_separator.clone().unwrap_or_else(|| ";".to_string()),
            recodes,
        })
    }

    fn new_batch(&self, records: usize) -> Batch {
        Batch {
            events: Vec::with_capacity(records),
            skipped: vec![0; self.skip_reasons.len()],
            ..Batch::default()
        }
    }

    fn caches(&self) -> Caches {
        Caches {
            decoder: Decoder::new(self.schema.timezone),
            last_type: None,
            last_contact: None,
        }
    }

    fn derived(&self) -> bool {
        self.contacts.is_none()
    }

    fn needs_side_tables(&self) -> bool {
        self.derived() || self.group_role.is_some()
    }

    /// The action of the first classify rule (in mapping order) whose
    /// prefix starts its column's value in this row.
    fn classify_row<'a>(&self, get: &impl Fn(usize) -> Option<Cell<'a>>) -> Option<&ClassAction> {
        let mut first: Option<usize> = None;
        for (role, table) in &self.classify {
            if first.is_some_and(|f| f < table.first_rule) {
                // Every rule of this column and the next comes later.
                break;
            }
            let hit = get(*role)
                .and_then(|c| c.scalar_text())
                .and_then(|t| table.first_match(t.trim_start().as_bytes()));
            if let Some(rule) = hit {
                first = Some(first.map_or(rule, |f| f.min(rule)));
            }
        }
        first.and_then(|rule| self.actions.get(rule))
    }

    /// Converts one row: the contact id, the event type, the time, the
    /// contact, the properties, the group and the derived contact fields,
    /// in that order (the first that fails is the row's problem).
    fn convert<'a>(
        &self,
        line: u64,
        cells: &[Option<Cell<'a>>],
        caches: &mut Caches,
        foreign_seen: &mut BTreeSet<(u16, usize)>,
    ) -> Outcome<'a> {
        let row = RowCells { line, cells };
        match self.row(row, caches, foreign_seen) {
            Ok(row) => Outcome::Row(row),
            Err(Rejected::Bad(p)) => Outcome::Bad(*p),
            Err(Rejected::Skipped(reason)) => Outcome::Skipped(reason),
        }
    }

    fn row<'a>(
        &self,
        row: RowCells<'_, 'a>,
        caches: &mut Caches,
        foreign_seen: &mut BTreeSet<(u16, usize)>,
    ) -> Result<Row<'a>, Rejected> {
        // Contact id first: anonymous rows may be skipped by the mapping.
        let contact_text = self.contact_text(row)?;
        let event_type = self.event_type(row, caches)?;
        let at = self.at(row, caches)?;
        let contact = match self.contacts {
            Some(set) => self.resolve_contact(row, set, &contact_text, caches)?,
            None => 0,
        };
        let properties = self.properties(row, event_type, caches, foreign_seen)?;
        let group = self
            .group_role
            .and_then(|role| row.get(role))
            .and_then(|c| match c.scalar_text() {
                Some(Cow::Borrowed(s)) => Some(Cow::Borrowed(s.trim())),
                Some(Cow::Owned(s)) => Some(Cow::Owned(s.trim().to_string())),
                None => None,
            });
        let cfields = self.contact_fields(row, caches)?;
        Ok(Row {
            event: Event {
                contact,
                event_type,
                at,
                properties,
            },
            name: self.derived().then_some(contact_text),
            group,
            cfields,
        })
    }

    /// A bad row: the problem at `role`'s column (or the whole row).
    fn bad(
        &self,
        line: u64,
        role: Option<usize>,
        code: crate::diagnostics::Code,
        message: String,
    ) -> Rejected {
        let column = role.and_then(|r| self.binding.role_names.get(r).map(String::as_str));
        let mut message = message;
        // A value the mapping could have mapped or read: say which map.
        if let (Some(r), true) = (role, code != D002) {
            message.push_str(&self.recodes.help(r, code));
        }
        Rejected::Bad(Box::new(problem(&self.file, line, column, code, message)))
    }

    /// The `contact_id` cell, trimmed.
    fn contact_text<'a>(&self, row: RowCells<'_, 'a>) -> Result<Cow<'a, str>, Rejected> {
        let Some(cell) = row.get(CONTACT) else {
            if self.missing_contact == MissingIdPolicy::Skip {
                return Err(Rejected::Skipped(SKIP_NO_CONTACT));
            }
            return Err(self.bad(
                row.line,
                Some(CONTACT),
                D002,
                "`contact_id` is empty: every event needs the id of its contact".to_string(),
            ));
        };
        match cell.scalar_text() {
            Some(Cow::Borrowed(s)) => Ok(Cow::Borrowed(s.trim_ascii())),
            Some(Cow::Owned(s)) => Ok(Cow::Owned(s.trim_ascii().to_string())),
            None => Err(self.bad(
                row.line,
                Some(CONTACT),
                D003,
                format!(
                    "`contact_id` must be text but the value is {}",
                    cell.quoted()
                ),
            )),
        }
    }

    /// The event type: classify rules, then the `type` column, then the
    /// mapping's constant type.
    fn event_type(&self, row: RowCells<'_, '_>, caches: &mut Caches) -> Result<u16, Rejected> {
        if !self.classify.is_empty() {
            match self.classify_row(&|role| row.get(role)) {
                Some(ClassAction::Type(t)) => return Ok(*t),
                Some(ClassAction::Skip(reason)) => return Err(Rejected::Skipped(*reason)),
                None => {}
            }
        }
        match (row.get(TYPE), self.constant_type) {
            (Some(cell), _) => self.named_type(row.line, cell, caches),
            (None, Some(t)) => Ok(t),
            (None, None) => Err(self.bad(
                row.line,
                Some(TYPE),
                D002,
                "`type` is empty: every event needs a type".to_string(),
            )),
        }
    }

    /// The schema index of the type named in `cell`.
    fn named_type(&self, line: u64, cell: Cell<'_>, caches: &mut Caches) -> Result<u16, Rejected> {
        let text = cell.scalar_text().unwrap_or_default();
        let text = text.trim_ascii();
        if let Some((name, t)) = &caches.last_type {
            if name == text {
                return Ok(*t);
            }
        }
        if let Some(t) = self
            .schema
            .event_type_index(text)
            .and_then(|i| u16::try_from(i).ok())
        {
            caches.last_type = Some((text.to_string(), t));
            return Ok(t);
        }
        let mut msg = format!(
            "event type {} is neither built in nor declared in the rules",
            cell.quoted()
        );
        if let Some(s) = closest(
            text,
            self.schema.event_types.iter().map(|t| t.name.as_str()),
        ) {
            msg.push_str(&format!(" (did you mean `{s}`?)"));
        }
        Err(self.bad(line, Some(TYPE), D005, msg))
    }

    /// The `at` cell as an instant.
    fn at(&self, row: RowCells<'_, '_>, caches: &mut Caches) -> Result<Instant, Rejected> {
        let Some(cell) = row.get(AT) else {
            return Err(self.bad(
                row.line,
                Some(AT),
                D002,
                "`at` is empty: every event needs a time".to_string(),
            ));
        };
        cell.scalar_text()
            .and_then(|t| self.recodes.time(AT, &t, &mut caches.decoder))
            .ok_or_else(|| {
                self.bad(
                    row.line,
                    Some(AT),
                    D008,
                    format!(
                        "`at` is not a timestamp: {} (use RFC 3339 such as 2025-03-01T09:30:00Z, or a bare date 2025-03-01)",
                        cell.quoted()
                    ),
                )
            })
    }

    /// The index of the contact with id `id` in the contacts file.
    fn resolve_contact(
        &self,
        row: RowCells<'_, '_>,
        set: &ContactSet,
        id: &str,
        caches: &mut Caches,
    ) -> Result<u32, Rejected> {
        let is = |idx: u32| set.contacts.get(idx as usize).is_some_and(|c| c.id == id);
        let cached = match caches.last_contact {
            Some(idx) if is(idx) => Some(idx),
            Some(idx) if is(idx.wrapping_add(1)) => Some(idx + 1),
            _ => None,
        };
        if let Some(idx) = cached.or_else(|| set.index.get(id).copied()) {
            caches.last_contact = Some(idx);
            return Ok(idx);
        }
        Err(match set.rejected.get(id) {
            Some(l) => self.bad(
                row.line,
                Some(CONTACT),
                D010,
                format!(
                    "contact {} was rejected (line {l} of {}), so its events are rejected too",
                    convert::quote(id),
                    set.file
                ),
            ),
            None => self.bad(
                row.line,
                Some(CONTACT),
                D006,
                format!(
                    "no contact has the id {} (in {})",
                    convert::quote(id),
                    set.file
                ),
            ),
        })
    }

    /// The properties of an event of type `event_type`; notes the
    /// properties of other types set on this row in `foreign_seen`.
    fn properties(
        &self,
        row: RowCells<'_, '_>,
        event_type: u16,
        caches: &mut Caches,
        foreign_seen: &mut BTreeSet<(u16, usize)>,
    ) -> Result<crate::data::Properties, Rejected> {
        // `event_type` is an index into both lists (they are built from
        // the same schema), so the `else` is never taken.
        let (Some(ty), Some(plan)) = (
            self.schema.event_types.get(usize::from(event_type)),
            self.types.get(usize::from(event_type)),
        ) else {
            return Err(self.bad(row.line, Some(TYPE), D005, "unknown event type".to_string()));
        };
        let mut properties = crate::data::Properties::with_capacity(ty.properties.len());
        for ((pname, pty), src) in ty.properties.iter().zip(&plan.props) {
            let value = match src {
                PropSource::Role(role) => match row.get(*role) {
                    None => None,
                    Some(cell) => self
                        .recodes
                        .convert(*role, *pty, cell, &self.separator, &mut caches.decoder)
                        .map_err(|()| {
                            self.bad(
                                row.line,
                                Some(*role),
                                D003,
                                format!(
                                    "`{pname}` of a `{}` event is declared as {} but the value is {}",
                                    ty.name,
                                    convert::type_phrase(*pty),
                                    cell.quoted()
                                ),
                            )
                        })?,
                },
                PropSource::Product { a, b, abs, round } => {
                    self.product(row, (pname, *pty), &ty.name, [*a, *b], *abs, *round)?
                }
            };
            properties.push(value);
        }
        for &role in &plan.foreign {
            if row.get(role).is_some() && !foreign_seen.contains(&(event_type, role)) {
                foreign_seen.insert((event_type, role));
            }
        }
        Ok(properties)
    }

    /// A property computed as the product of two columns (`None` when
    /// either is blank).
    fn product(
        &self,
        row: RowCells<'_, '_>,
        (pname, pty): (&str, FieldType),
        type_name: &str,
        roles: [usize; 2],
        abs: bool,
        round: Option<u8>,
    ) -> Result<Option<Value>, Rejected> {
        let mut factors = [0.0f64; 2];
        let mut blank = false;
        for (factor, role) in factors.iter_mut().zip(roles) {
            match row.get(role) {
                None => blank = true,
                Some(cell) => match cell.scalar_text().and_then(|t| convert::parse_number(&t)) {
                    Some(x) => *factor = x,
                    None => {
                        let column = self.binding.role_names.get(role);
                        return Err(self.bad(
                            row.line,
                            Some(role),
                            D003,
                            format!(
                                "`{}` is multiplied into `{pname}` and must be a number, but the value is {}",
                                column.map(String::as_str).unwrap_or_default(),
                                cell.quoted()
                            ),
                        ));
                    }
                },
            }
        }
        if blank {
            return Ok(None);
        }
        let [x, y] = factors;
        let mut x = x * y;
        if abs {
            x = x.abs();
        }
        let x = round_to(x, round);
        if pty == FieldType::Number && x.is_finite() {
            Ok(Some(Value::Number(x)))
        } else if pty == FieldType::Text && x.is_finite() {
            Ok(Some(Value::Text(x.to_string().into())))
        } else {
            let [a, _] = roles;
            Err(self.bad(
                row.line,
                Some(a),
                D003,
                format!(
                    "`{pname}` of a `{type_name}` event is declared as {}, which a product of two numbers cannot fill",
                    convert::type_phrase(pty)
                ),
            ))
        }
    }

    /// The contact fields this row sets when contacts are derived from the
    /// events (empty otherwise).
    fn contact_fields(
        &self,
        row: RowCells<'_, '_>,
        caches: &mut Caches,
    ) -> Result<Vec<Option<Value>>, Rejected> {
        if self.contact_fields.is_empty() {
            return Ok(Vec::new());
        }
        let mut cfields = vec![None; self.schema.fields.len()];
        for &(role, fi) in &self.contact_fields {
            let (Some(cell), Some((fname, fty))) = (row.get(role), self.schema.fields.get(fi))
            else {
                continue;
            };
            let value = self
                .recodes
                .convert(role, *fty, cell, &self.separator, &mut caches.decoder)
                .map_err(|()| {
                    self.bad(
                        row.line,
                        Some(role),
                        D003,
                        format!(
                            "contact field `{fname}` is declared as {} but the value is {}",
                            convert::type_phrase(*fty),
                            cell.quoted()
                        ),
                    )
                })?;
            if let Some(slot) = cfields.get_mut(fi) {
                *slot = value;
            }
        }
        Ok(cfields)
    }

    fn finish(&self, batch: &mut Batch, line: u64, outcome: Outcome<'_>) {
        match outcome {
            Outcome::Row(row) => {
                batch.events.push(row.event);
                if self.needs_side_tables() {
                    batch.lines.push(line);
                    batch.groups.push(row.group.map(|g| g.into()));
                    if self.derived() {
                        batch.names.push(row.name.unwrap_or_default().into());
                        batch.cfields.push(row.cfields);
                    }
                }
            }
            Outcome::Bad(p) => batch.problems.push(p),
            Outcome::Skipped(reason) => {
                if let Some(n) = batch.skipped.get_mut(reason) {
                    *n += 1;
                }
            }
        }
    }
}

impl Converter for Plan<'_> {
    type Out = Batch;

    fn csv(&self, block: &[u8], first_line: u64) -> Batch {
        // Rows are rarely shorter than 40 bytes.
        let mut batch = self.new_batch(block.len() / 40);
        let mut caches = self.caches();
        let mut spare: Vec<Option<Cell<'_>>> = Vec::new();
        let mut foreign = BTreeSet::new();
        let mut records = Records::new(block, first_line);
        while let Some(record) = records.next_record() {
            batch.read += 1;
            let line = record.line;
            let mut cells = recycle(spare, self.roles);
            let outcome = match self.binding.fill_csv(&record, &mut cells) {
                Ok(()) => {
                    self.recodes.apply(&mut cells);
                    self.convert(line, &cells, &mut caches, &mut foreign)
                }
                Err(CellsError::Malformed(msg)) => {
                    Outcome::Bad(problem(&self.file, line, None, D001, msg))
                }
            };
            self.finish(&mut batch, line, outcome);
            spare = recycle(cells, 0);
        }
        batch.foreign_seen = foreign;
        batch
    }

    fn json(&self, records: &[JsonRecord<'_>]) -> Batch {
        let mut batch = self.new_batch(records.len());
        let mut caches = self.caches();
        let mut foreign = BTreeSet::new();
        let mut unknown = BTreeSet::new();
        for record in records {
            batch.read += 1;
            let line = record.line;
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(record.bytes);
            let outcome = match &parsed {
                Err(e) => Outcome::Bad(problem(
                    &self.file,
                    line,
                    None,
                    D001,
                    format!("not valid JSON: {e}"),
                )),
                Ok(serde_json::Value::Object(map)) => {
                    let mut cells: Vec<Option<Cell<'_>>> = vec![None; self.roles];
                    match self
                        .binding
                        .fill_json(map, Some("properties"), &mut cells, &mut unknown)
                    {
                        Ok(()) => {
                            self.recodes.apply(&mut cells);
                            self.convert(line, &cells, &mut caches, &mut foreign)
                        }
                        Err(CellsError::Malformed(msg)) => {
                            Outcome::Bad(problem(&self.file, line, None, D001, msg))
                        }
                    }
                }
                Ok(other) => Outcome::Bad(problem(
                    &self.file,
                    line,
                    None,
                    D001,
                    format!("an event must be a JSON object, not {}", json_kind(other)),
                )),
            };
            self.finish(&mut batch, line, outcome);
        }
        batch.foreign_seen = foreign;
        batch.unknown_keys = unknown;
        batch
    }
}

/// An event being grouped: where it is and who its contact is.
struct GroupEntry {
    index: usize,
    line: u64,
    contact: u32,
}

/// Reads the events file; returns the contacts (given or derived) and the
/// events sorted by (contact, at, input order).
pub(crate) fn load_events(
    schema: &Schema,
    contact_set: Option<ContactSet>,
    input: Input,
    mapping: Option<&EventMapping>,
    report: &mut LoadReport,
) -> Result<(Vec<Contact>, Vec<Event>), LoadError> {
    let file = input.name.clone();
    let mut notes = Notes::default();
    let mut skip_reasons = Vec::new();
    let mut prop_names = Vec::new();
    let derived = contact_set.is_none();
    let mut merge = Merge {
        schema,
        file: &file,
        mapping,
        given: contact_set.as_ref(),
        grouping: mapping.and_then(|m| m.group_by.as_ref()).is_some(),
        roundings: (0..schema.event_types.len())
            .map(|t| mapping_rounding(schema, mapping, u16::try_from(t).unwrap_or(u16::MAX)))
            .collect(),
        derived: Vec::new(),
        derived_index: Default::default(),
        events: Vec::new(),
        groups: Default::default(),
        skipped: Vec::new(),
        foreign: BTreeSet::new(),
        unknown_keys: BTreeSet::new(),
        read: 0,
        used: 0,
    };
    source::run(
        input,
        |header| {
            let plan = Plan::new(
                schema,
                &file,
                header,
                mapping,
                contact_set.as_ref(),
                &mut notes,
            )?;
            skip_reasons = plan.skip_reasons.clone();
            prop_names = plan.prop_names.clone();
            Ok(plan)
        },
        |batch| merge.batch(batch, report),
    )?;
    report.contacts_derived = derived;

    // Notes: each said once.
    for &(t, role) in &merge.foreign {
        let tname = schema
            .event_types
            .get(usize::from(t))
            .map_or("?", |x| x.name.as_str());
        let pname = role
            .checked_sub(PROP0)
            .and_then(|i| prop_names.get(i))
            .map_or("?", String::as_str);
        notes.push(|| format!(
            "{file}: `{pname}` is not a property of `{tname}` events; where set on them it is ignored"
        ));
    }
    for key in &merge.unknown_keys {
        notes.push(|| format!(
            "{file}: key `{key}` is not contact_id, type, at or a property of any event type; it is ignored"
        ));
    }
    report.add_notes(notes);
    let skipped_total: u64 = merge.skipped.iter().sum();
    for (reason, &count) in skip_reasons.into_iter().zip(&merge.skipped) {
        if count > 0 {
            report.skipped.push(SkippedRows {
                file: file.clone(),
                reason,
                count,
            });
        }
    }
    report.events.read = merge.read;
    report.events.used = merge.used;
    report.events.skipped = skipped_total;
    report.events.rejected = merge.read.saturating_sub(merge.used);

    let mut events = merge.events;
    let contacts = match contact_set {
        Some(set) => set.contacts,
        None => merge.derived,
    };
    // Stable: equal (contact, at) keep input order. Exports are often
    // sorted already; then there is nothing to do.
    if !events.is_sorted_by_key(|e| (e.contact, e.at)) {
        events.par_sort_by_key(|e| (e.contact, e.at));
    }
    Ok((contacts, events))
}

/// Puts converted batches together, in file order: derives contacts,
/// groups rows, counts.
struct Merge<'a> {
    schema: &'a Schema,
    file: &'a str,
    mapping: Option<&'a EventMapping>,
    given: Option<&'a ContactSet>,
    grouping: bool,
    roundings: Vec<Vec<Option<u8>>>,
    derived: Vec<Contact>,
    derived_index: super::IdMap<Box<str>, u32>,
    events: Vec<Event>,
    groups: super::IdMap<(u16, Box<str>), GroupEntry>,
    skipped: Vec<u64>,
    foreign: BTreeSet<(u16, usize)>,
    unknown_keys: BTreeSet<String>,
    read: u64,
    used: u64,
}

impl Merge<'_> {
    fn contact_id(&self, index: u32) -> &str {
        let contacts = match self.given {
            Some(set) => &set.contacts,
            None => &self.derived,
        };
        contacts.get(index as usize).map_or("", |c| c.id.as_str())
    }

    fn batch(&mut self, batch: Batch, report: &mut LoadReport) -> Result<(), LoadError> {
        self.read += batch.read;
        let mut problems = batch.problems;
        if self.skipped.len() < batch.skipped.len() {
            self.skipped.resize(batch.skipped.len(), 0);
        }
        for (s, n) in self.skipped.iter_mut().zip(&batch.skipped) {
            *s += n;
        }
        self.foreign.extend(batch.foreign_seen);
        self.unknown_keys.extend(batch.unknown_keys);
        let derived = self.given.is_none();
        if !derived && !self.grouping {
            self.used += batch.events.len() as u64;
            self.events.extend(batch.events);
            problems.merge_into(report);
            return Ok(());
        }
        let nfields = self.schema.fields.len();
        let group_column = self.mapping.and_then(|m| m.group_by.as_deref());
        let mut names = batch.names.into_iter();
        let mut cfields = batch.cfields.into_iter();
        for ((mut event, line), group) in
            batch.events.into_iter().zip(batch.lines).zip(batch.groups)
        {
            let name = if derived { names.next() } else { None };
            let fields = if derived { cfields.next() } else { None };
            // The contact this row names, if it is already known.
            let known = match &name {
                Some(n) => self.derived_index.get(n).copied(),
                None => Some(event.contact),
            };
            if let Some(g) = group {
                let key = (event.event_type, g);
                if let Some(entry) = self.groups.get(&key) {
                    if known != Some(entry.contact) {
                        let this = match (&name, known) {
                            (Some(n), _) => n.to_string(),
                            (None, Some(k)) => self.contact_id(k).to_string(),
                            (None, None) => String::new(),
                        };
                        problems.push(problem(
                            self.file,
                            line,
                            group_column,
                            D011,
                            format!(
                                "this row is grouped with line {} (same {} {}), which is for contact {}, but this row is for contact {}",
                                entry.line,
                                group_column.unwrap_or("group"),
                                convert::quote(&key.1),
                                convert::quote(self.contact_id(entry.contact)),
                                convert::quote(&this)
                            ),
                        ));
                        continue;
                    }
                    let rounding = self
                        .roundings
                        .get(usize::from(event.event_type))
                        .map_or(&[][..], Vec::as_slice);
                    if let Some(target) = self.events.get_mut(entry.index) {
                        merge_into(target, std::mem::take(&mut event.properties), rounding);
                    }
                    self.used += 1;
                    continue;
                }
                let contact = resolve(
                    &mut self.derived,
                    &mut self.derived_index,
                    name.as_deref(),
                    known,
                    nfields,
                )
                .ok_or_else(|| too_many(self.file))?;
                self.groups.insert(
                    key,
                    GroupEntry {
                        index: self.events.len(),
                        line,
                        contact,
                    },
                );
                event.contact = contact;
            } else {
                event.contact = resolve(
                    &mut self.derived,
                    &mut self.derived_index,
                    name.as_deref(),
                    known,
                    nfields,
                )
                .ok_or_else(|| too_many(self.file))?;
            }
            if derived {
                if let Some(c) = self.derived.get_mut(event.contact as usize) {
                    c.created_at = Some(c.created_at.map_or(event.at, |t| t.min(event.at)));
                    if let Some(fields) = fields {
                        for (slot, value) in c.fields.iter_mut().zip(fields) {
                            if slot.is_none() {
                                *slot = value;
                            }
                        }
                    }
                }
            }
            self.used += 1;
            self.events.push(event);
        }
        problems.kept.sort_by_key(|p| p.line);
        problems.merge_into(report);
        Ok(())
    }
}

fn too_many(file: &str) -> LoadError {
    LoadError::Format {
        file: file.to_string(),
        message: "more than 4294967295 contacts".to_string(),
    }
}

/// The contact index of a row: given, or found/created by name.
fn resolve(
    contacts: &mut Vec<Contact>,
    index: &mut super::IdMap<Box<str>, u32>,
    name: Option<&str>,
    known: Option<u32>,
    nfields: usize,
) -> Option<u32> {
    if let Some(k) = known {
        return Some(k);
    }
    let name = name?;
    let i = u32::try_from(contacts.len()).ok()?;
    index.insert(name.into(), i);
    contacts.push(Contact {
        id: name.to_string(),
        fields: vec![None; nfields],
        stage: None,
        points: 0,
        tags: Vec::new(),
        created_at: None,
    });
    Some(i)
}

fn mapping_rounding(schema: &Schema, mapping: Option<&EventMapping>, t: u16) -> Vec<Option<u8>> {
    let Some(ty) = schema.event_types.get(usize::from(t)) else {
        return Vec::new();
    };
    ty.properties
        .iter()
        .map(|(p, _)| {
            mapping
                .and_then(|m| m.computed.get(p))
                .and_then(|c| c.round)
        })
        .collect()
}

/// Folds a grouped row into its group's event: numbers are summed, other
/// values keep the first one that is set.
fn merge_into(target: &mut Event, props: crate::data::Properties, rounding: &[Option<u8>]) {
    for (k, (slot, new)) in target.properties.iter_mut().zip(props).enumerate() {
        match (slot.as_mut(), new) {
            (Some(Value::Number(a)), Some(Value::Number(b))) => {
                *a = round_to(*a + b, rounding.get(k).copied().flatten());
            }
            (None, new @ Some(_)) => *slot = new,
            _ => {}
        }
    }
}
