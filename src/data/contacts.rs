//! The contacts file.

use super::codes::{D001, D002, D003, D004, D007, D008, D009};
use super::convert::{self, Decoder};
use super::csvsplit::Records;
use super::mapping::{ContactMapping, MissingIdPolicy};
use super::recode::{self, Kind, Recodes};
use super::row::{problem, recycle, Binding, Cell, CellsError, Problems};
use super::source::{self, Converter, Header, Input, JsonRecord};
use super::{Contact, LoadError, LoadReport, Notes, Schema, SkippedRows};
use crate::base::value::Value;
use crate::diagnostics::closest;
use std::collections::BTreeSet;

const ID: usize = 0;
const STAGE: usize = 1;
const POINTS: usize = 2;
const TAGS: usize = 3;
const CREATED_AT: usize = 4;
const FIELD0: usize = 5;
const SPECIAL: [&str; 5] = ["id", "stage", "points", "tags", "created_at"];

/// The loaded contacts and how to find them by id.
#[derive(Debug, Default)]
pub(crate) struct ContactSet {
    pub file: String,
    pub contacts: Vec<Contact>,
    pub index: super::IdMap<String, u32>,
    /// Ids whose rows were all rejected, with the line of the first one.
    pub rejected: super::IdMap<String, u64>,
}

struct Plan<'s> {
    schema: &'s Schema,
    file: String,
    binding: Binding,
    separator: String,
    missing_id: MissingIdPolicy,
    /// The mapping's value maps and date formats, by role.
    recodes: Recodes,
}

#[derive(Default)]
struct Batch {
    read: u64,
    rows: Vec<(u64, Contact)>,
    problems: Problems,
    rejected_ids: Vec<(String, u64)>,
    skipped: u64,
    unknown_keys: BTreeSet<String>,
}

enum Outcome {
    Row(Contact),
    /// A bad row, and its id when it had one.
    Bad(super::RowProblem, Option<String>),
    Skipped,
}

/// The roles a column named `target` feeds: a special column, a declared
/// field, or both when a field is declared with a special column's name
/// (`field created_at: datetime` reads the `created_at` column, which also
/// sets the contact's creation time).
fn roles_of(schema: &Schema, target: &str) -> impl Iterator<Item = usize> {
    let special = SPECIAL.iter().position(|s| *s == target);
    let field = schema.field_index(target).map(|i| FIELD0 + i);
    special.into_iter().chain(field)
}

fn role_count(schema: &Schema) -> usize {
    FIELD0 + schema.fields.len()
}

/// What role `role` holds, for checking a value map's targets.
fn role_kind(schema: &Schema, role: usize) -> Kind {
    match role {
        ID => Kind::Text,
        STAGE => Kind::Stage,
        POINTS => Kind::Points,
        TAGS => Kind::Typed(crate::base::vocab::FieldType::TextList),
        CREATED_AT => Kind::Typed(crate::base::vocab::FieldType::DateTime),
        _ => schema
            .fields
            .get(role - FIELD0)
            .map_or(Kind::Text, |(_, ty)| Kind::Typed(*ty)),
    }
}

/// The mapping's `values` and `formats`, attached to the roles their
/// columns feed; a target that the role cannot hold is a `D018` error.
fn recodes(
    schema: &Schema,
    m: &ContactMapping,
    file: &str,
    header: Option<&[String]>,
    rename: &dyn Fn(&str) -> String,
    notes: &mut Notes,
) -> Result<Recodes, LoadError> {
    let sources = recode::Sources {
        values: &m.values,
        formats: &m.formats,
    };
    if let Some(columns) = header {
        for src in m.values.keys().chain(m.formats.keys()) {
            if !columns.iter().any(|c| c == src) {
                notes.push(|| format!(
                    "{file}: the mapping has `values` or `formats` for column `{src}`, but the file has no such column"
                ));
            }
        }
    }
    let roles = |src: &str| -> Vec<(usize, Vec<Kind>)> {
        roles_of(schema, &rename(src))
            .map(|r| (r, vec![role_kind(schema, r)]))
            .collect()
    };
    let valid = |kind, target: &str| recode::valid_target(kind, target, schema);
    let mut unused = |src: &str, what: &str| {
        notes.push(|| format!(
            "{file}: the mapping's `{what}` for column `{src}` are not used: the column is not a declared field nor one of id, stage, points, tags, created_at"
        ));
    };
    Recodes::new(&sources, role_count(schema), &roles, &valid, &mut unused).map_err(|message| {
        LoadError::Mapping {
            code: super::codes::D018,
            path: "(contacts)".to_string(),
            message,
        }
    })
}

fn role_name(schema: &Schema, role: usize) -> String {
    match SPECIAL.get(role) {
        Some(s) => (*s).to_string(),
        None => schema
            .fields
            .get(role - FIELD0)
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
    }
}

impl<'s> Plan<'s> {
    fn new(
        schema: &'s Schema,
        file: &str,
        header: Header,
        mapping: Option<&ContactMapping>,
        notes: &mut Notes,
    ) -> Result<Plan<'s>, LoadError> {
        let empty = ContactMapping::default();
        let m = mapping.unwrap_or(&empty);
        let rename = |src: &str| -> String {
            m.columns
                .get(src)
                .cloned()
                .unwrap_or_else(|| src.to_string())
        };
        let n = role_count(schema);
        let ignored: std::collections::HashSet<&str> =
            m.ignore.iter().map(String::as_str).collect();
        let mut binding = Binding {
            role_names: (0..n).map(|r| role_name(schema, r)).collect(),
            ..Binding::default()
        };
        let columns = match &header {
            Header::Csv(columns) => Some(columns.as_slice()),
            Header::Json => None,
        };
        let recodes = recodes(schema, m, file, columns, &rename, notes)?;
        match header {
            Header::Csv(columns) => {
                binding.width = columns.len();
                let mut bound = vec![false; n];
                for (i, name) in columns.iter().enumerate() {
                    let target = rename(name);
                    let mut feeds = false;
                    let mut fresh = false;
                    for r in roles_of(schema, &target) {
                        feeds = true;
                        if let Some(slot) = bound.get_mut(r).filter(|b| !**b) {
                            *slot = true;
                            fresh = true;
                            binding.columns.push((i, r));
                            if let Some(role_name) = binding.role_names.get_mut(r) {
                                role_name.clone_from(name);
                            }
                        }
                    }
                    if fresh {
                        continue;
                    }
                    if feeds {
                        notes.push(|| format!(
                            "{file}: column `{name}` repeats `{target}`; the first such column is used, this one is ignored"
                        ));
                    } else if !ignored.contains(name.as_str()) {
                        notes.push(|| format!(
                            "{file}: column `{name}` is not a declared field nor one of id, stage, points, tags, created_at; it is ignored"
                        ));
                    }
                }
                if bound.first() != Some(&true) {
                    return Err(LoadError::MissingColumns {
                        file: file.to_string(),
                        missing: vec!["id".to_string()],
                        found: columns,
                    });
                }
                let present: std::collections::HashSet<&str> =
                    columns.iter().map(String::as_str).collect();
                for src in m.columns.keys() {
                    if !present.contains(src.as_str()) {
                        notes.push(|| format!(
                            "{file}: the mapping renames column `{src}`, but the file has no such column"
                        ));
                    }
                }
                for (fi, (fname, _)) in schema.fields.iter().enumerate() {
                    if bound.get(FIELD0 + fi) != Some(&true) {
                        notes.push(|| format!(
                            "{file}: declared field `{fname}` has no column; it is not set for any contact"
                        ));
                    }
                }
            }
            Header::Json => {
                for r in 0..n {
                    binding
                        .keys
                        .entry(role_name(schema, r))
                        .or_default()
                        .push(r);
                }
                for (src, target) in &m.columns {
                    let targets: Vec<usize> = roles_of(schema, target).collect();
                    if !targets.is_empty() {
                        *binding.keys.entry(src.clone()).or_default() = targets;
                    }
                }
                binding.ignored = m.ignore.iter().cloned().collect();
            }
        }
        Ok(Plan {
            schema,
            file: file.to_string(),
            binding,
            separator: m.list_separator.clone().unwrap_or_else(|| ";".to_string()),
            missing_id: m.missing_id,
            recodes,
        })
    }

    fn convert(&self, line: u64, cells: &[Option<Cell<'_>>], decoder: &mut Decoder) -> Outcome {
        let col = |role: usize| self.binding.role_names.get(role).map(String::as_str);
        let bad = |role: Option<usize>, code, mut message: String, id: Option<&str>| {
            // A value the mapping could have mapped or read: say which map.
            if let (Some(r), true) = (role, code != D002) {
                message.push_str(&self.recodes.help(r, code));
            }
            Outcome::Bad(
                problem(&self.file, line, role.and_then(col), code, message),
                id.map(str::to_string),
            )
        };
        let get = |role: usize| cells.get(role).copied().flatten().filter(|c| !c.is_blank());

        let id = match get(ID) {
            None => {
                if self.missing_id == MissingIdPolicy::Skip {
                    return Outcome::Skipped;
                }
                return bad(
                    Some(ID),
                    D002,
                    "`id` is empty: every contact needs an id".to_string(),
                    None,
                );
            }
            Some(cell) => match cell.scalar_text() {
                Some(t) => t.trim().to_string(),
                None => {
                    return bad(
                        Some(ID),
                        D003,
                        format!("`id` must be text but the value is {}", cell.quoted()),
                        None,
                    )
                }
            },
        };
        let idr = Some(id.as_str());

        let stage = match get(STAGE) {
            None => None,
            Some(cell) => {
                let text = cell.scalar_text().unwrap_or_default();
                let text = text.trim();
                match self.schema.stage_index(text) {
                    Some(i) => Some(i),
                    None => {
                        let mut msg = format!(
                            "stage {} is not declared; the stages are {}",
                            cell.quoted(),
                            self.schema.stages.join(", ")
                        );
                        if let Some(s) =
                            closest(text, self.schema.stages.iter().map(String::as_str))
                        {
                            msg.push_str(&format!(" (did you mean `{s}`?)"));
                        }
                        return bad(Some(STAGE), D004, msg, idr);
                    }
                }
            }
        };

        let points = match get(POINTS) {
            None => 0,
            Some(cell) => {
                let parsed = match cell {
                    Cell::Json(serde_json::Value::Number(n)) => n.as_i64().or_else(|| {
                        n.as_f64()
                            .and_then(|f| convert::parse_points(&f.to_string()))
                    }),
                    other => other.scalar_text().and_then(|t| convert::parse_points(&t)),
                };
                match parsed {
                    Some(p) => p,
                    None => {
                        return bad(
                            Some(POINTS),
                            D009,
                            format!(
                                "`points` must be a whole number but the value is {}",
                                cell.quoted()
                            ),
                            idr,
                        )
                    }
                }
            }
        };

        let tags = match get(TAGS) {
            None => Vec::new(),
            Some(cell) => match self.recodes.convert(
                TAGS,
                crate::base::vocab::FieldType::TextList,
                cell,
                &self.separator,
                decoder,
            ) {
                Ok(Some(Value::TextList(mut items))) => {
                    let mut seen = std::collections::HashSet::new();
                    items.retain(|t| seen.insert(t.clone()));
                    items
                }
                Ok(_) => Vec::new(),
                Err(()) => {
                    return bad(
                        Some(TAGS),
                        D003,
                        format!(
                            "`tags` must be text separated by `{}` (or a JSON array of text) but the value is {}",
                            self.separator,
                            cell.quoted()
                        ),
                        idr,
                    )
                }
            },
        };

        let created_at = match get(CREATED_AT) {
            None => None,
            Some(cell) => match cell
                .scalar_text()
                .and_then(|t| self.recodes.time(CREATED_AT, &t, decoder))
            {
                Some(t) => Some(t),
                None => {
                    return bad(
                        Some(CREATED_AT),
                        D008,
                        format!(
                            "`created_at` is not a timestamp: {} (use RFC 3339 such as 2025-03-01T09:30:00Z, or a bare date 2025-03-01)",
                            cell.quoted()
                        ),
                        idr,
                    )
                }
            },
        };

        let mut fields = Vec::with_capacity(self.schema.fields.len());
        for (i, (name, ty)) in self.schema.fields.iter().enumerate() {
            let value = match get(FIELD0 + i) {
                None => None,
                Some(cell) => {
                    match self
                        .recodes
                        .convert(FIELD0 + i, *ty, cell, &self.separator, decoder)
                    {
                        Ok(v) => v,
                        Err(()) => {
                            return bad(
                                Some(FIELD0 + i),
                                D003,
                                format!(
                                    "`{name}` is declared as {} but the value is {}",
                                    convert::type_phrase(*ty),
                                    cell.quoted()
                                ),
                                idr,
                            )
                        }
                    }
                }
            };
            fields.push(value);
        }

        Outcome::Row(Contact {
            id,
            fields,
            stage,
            points,
            tags,
            created_at,
        })
    }

    fn finish(&self, batch: &mut Batch, line: u64, outcome: Outcome) {
        match outcome {
            Outcome::Row(c) => batch.rows.push((line, c)),
            Outcome::Bad(p, id) => {
                batch.problems.push(p);
                if let Some(id) = id {
                    batch.rejected_ids.push((id, line));
                }
            }
            Outcome::Skipped => batch.skipped += 1,
        }
    }
}

/// Converts one cell to a value of a declared type; `Ok(None)` when blank.
pub(crate) fn convert_cell(
    ty: crate::base::vocab::FieldType,
    cell: Cell<'_>,
    separator: &str,
    decoder: &mut Decoder,
) -> Result<Option<Value>, ()> {
    if cell.is_blank() {
        return Ok(None);
    }
    match cell {
        Cell::Text(s) => convert::convert_text(ty, s, separator, decoder)
            .map(Some)
            .map_err(|_| ()),
        Cell::Json(j) => convert::convert_json(ty, j, separator, decoder).map_err(|_| ()),
    }
}

impl Converter for Plan<'_> {
    type Out = Batch;

    fn csv(&self, block: &[u8], first_line: u64) -> Batch {
        let mut batch = Batch::default();
        let mut decoder = Decoder::new(self.schema.timezone);
        let mut spare: Vec<Option<Cell<'_>>> = Vec::new();
        let mut records = Records::new(block, first_line);
        while let Some(record) = records.next_record() {
            batch.read += 1;
            let line = record.line;
            let mut cells = recycle(spare, role_count(self.schema));
            let outcome = match self.binding.fill_csv(&record, &mut cells) {
                Ok(()) => {
                    self.recodes.apply(&mut cells);
                    self.convert(line, &cells, &mut decoder)
                }
                Err(CellsError::Malformed(msg)) => {
                    Outcome::Bad(problem(&self.file, line, None, D001, msg), None)
                }
            };
            self.finish(&mut batch, line, outcome);
            spare = recycle(cells, 0);
        }
        batch
    }

    fn json(&self, records: &[JsonRecord<'_>]) -> Batch {
        let mut batch = Batch::default();
        let mut decoder = Decoder::new(self.schema.timezone);
        for record in records {
            batch.read += 1;
            let line = record.line;
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(record.bytes);
            let outcome = match parsed {
                Err(e) => Outcome::Bad(
                    problem(&self.file, line, None, D001, format!("not valid JSON: {e}")),
                    None,
                ),
                Ok(serde_json::Value::Object(map)) => {
                    let mut cells: Vec<Option<Cell<'_>>> = vec![None; role_count(self.schema)];
                    match self
                        .binding
                        .fill_json(&map, None, &mut cells, &mut batch.unknown_keys)
                    {
                        Ok(()) => {
                            self.recodes.apply(&mut cells);
                            self.convert(line, &cells, &mut decoder)
                        }
                        Err(CellsError::Malformed(msg)) => {
                            Outcome::Bad(problem(&self.file, line, None, D001, msg), None)
                        }
                    }
                }
                Ok(other) => Outcome::Bad(
                    problem(
                        &self.file,
                        line,
                        None,
                        D001,
                        format!("a contact must be a JSON object, not {}", json_kind(&other)),
                    ),
                    None,
                ),
            };
            self.finish(&mut batch, line, outcome);
        }
        batch
    }
}

pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Reads the contacts file into `report` and returns the contacts.
pub(crate) fn load_contacts(
    schema: &Schema,
    input: Input,
    mapping: Option<&ContactMapping>,
    report: &mut LoadReport,
) -> Result<ContactSet, LoadError> {
    let file = input.name.clone();
    let mut notes = Notes::default();
    let mut set = ContactSet {
        file: file.clone(),
        ..ContactSet::default()
    };
    let mut first_line: Vec<u64> = Vec::new();
    let mut unknown = BTreeSet::new();
    let mut rejected_ids: Vec<(String, u64)> = Vec::new();
    let mut skipped = 0u64;
    let mut read = 0u64;
    source::run(
        input,
        |header| Plan::new(schema, &file, header, mapping, &mut notes),
        |batch: Batch| {
            read += batch.read;
            let mut problems = batch.problems;
            for (line, contact) in batch.rows {
                let Ok(index) = u32::try_from(set.contacts.len()) else {
                    return Err(LoadError::Format {
                        file: file.clone(),
                        message: "more than 4294967295 contacts".to_string(),
                    });
                };
                match set.index.entry(contact.id.clone()) {
                    std::collections::hash_map::Entry::Occupied(first) => {
                        let first = first_line.get(*first.get() as usize).copied().unwrap_or(0);
                        problems.push(problem(
                            &file,
                            line,
                            Some("id"),
                            D007,
                            format!(
                                "the id {} was already used on line {first}; this row is rejected",
                                convert::quote(&contact.id)
                            ),
                        ));
                    }
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(index);
                        first_line.push(line);
                        set.contacts.push(contact);
                    }
                }
            }
            // Duplicate-id problems were appended after the batch's own, so
            // put the batch back in line order before merging.
            problems.kept.sort_by_key(|p| p.line);
            problems.merge_into(report);
            rejected_ids.extend(batch.rejected_ids);
            skipped += batch.skipped;
            unknown.extend(batch.unknown_keys);
            Ok(())
        },
    )?;
    for (id, line) in rejected_ids {
        if !set.index.contains_key(&id) {
            set.rejected.entry(id).or_insert(line);
        }
    }
    for key in unknown {
        notes.push(|| format!(
            "{file}: key `{key}` is not a declared field nor one of id, stage, points, tags, created_at; it is ignored"
        ));
    }
    report.add_notes(notes);
    report.contacts.read = read;
    report.contacts.used = set.contacts.len() as u64;
    report.contacts.skipped = skipped;
    report.contacts.rejected = read.saturating_sub(report.contacts.used);
    if skipped > 0 {
        report.skipped.push(SkippedRows {
            file: file.clone(),
            reason: "no contact id (mapping: missing_id = skip)".to_string(),
            count: skipped,
        });
    }
    Ok(set)
}
