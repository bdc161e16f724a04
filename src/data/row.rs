//! Pieces shared by the contacts and events converters: cells, per-batch
//! problem collection, and filling role slots from a CSV record or a JSON
//! object.

use super::csvsplit::Record;
use super::{LoadReport, RowProblem, MAX_STORED_PROBLEMS};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One cell of a record: CSV text or a JSON value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cell<'a> {
    Text(&'a str),
    Json(&'a serde_json::Value),
}

impl<'a> Cell<'a> {
    /// Empty, whitespace only, or JSON `null`.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Text(s) => super::convert::is_blank(s),
            Cell::Json(serde_json::Value::Null) => true,
            Cell::Json(serde_json::Value::String(s)) => super::convert::is_blank(s),
            Cell::Json(_) => false,
        }
    }

    /// The cell as text, if it is a scalar: JSON numbers and booleans are
    /// written out, strings taken as they are.
    pub(crate) fn scalar_text(&self) -> Option<std::borrow::Cow<'a, str>> {
        use serde_json::Value as J;
        match self {
            Cell::Text(s) => Some(std::borrow::Cow::Borrowed(s)),
            Cell::Json(J::String(s)) => Some(std::borrow::Cow::Borrowed(s.as_str())),
            Cell::Json(J::Number(n)) => Some(std::borrow::Cow::Owned(n.to_string())),
            Cell::Json(J::Bool(b)) => Some(std::borrow::Cow::Owned(b.to_string())),
            Cell::Json(_) => None,
        }
    }

    /// For messages.
    pub(crate) fn quoted(&self) -> String {
        match self {
            Cell::Text(s) => super::convert::quote(s),
            Cell::Json(j) => super::convert::quote_json(j),
        }
    }
}

/// Problems found in one batch; merged into the report in file order.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub kept: Vec<RowProblem>,
    pub count: u64,
    pub by_code: BTreeMap<&'static str, u64>,
}

impl Problems {
    pub(crate) fn push(&mut self, p: RowProblem) {
        self.count += 1;
        *self.by_code.entry(p.code.as_str()).or_insert(0) += 1;
        if self.kept.len() < MAX_STORED_PROBLEMS {
            self.kept.push(p);
        }
    }

    pub(crate) fn merge_into(self, report: &mut LoadReport) {
        report.problem_count += self.count;
        for (code, n) in self.by_code {
            *report.problems_by_code.entry(code).or_insert(0) += n;
        }
        let room = MAX_STORED_PROBLEMS.saturating_sub(report.problems.len());
        report.problems.extend(self.kept.into_iter().take(room));
    }
}

/// A problem builder bound to one file.
pub(crate) fn problem(
    file: &str,
    line: u64,
    column: Option<&str>,
    code: crate::diagnostics::Code,
    message: String,
) -> RowProblem {
    RowProblem {
        file: file.to_string(),
        line,
        column: column.map(str::to_string),
        code,
        message,
    }
}

/// How source columns (CSV) or keys (JSON) feed role slots.
#[derive(Debug, Default)]
pub(crate) struct Binding {
    /// CSV: (column index, role) pairs, and the header width.
    pub columns: Vec<(usize, usize)>,
    pub width: usize,
    /// JSON: key → roles.
    pub keys: HashMap<String, Vec<usize>>,
    /// JSON keys deliberately ignored.
    pub ignored: std::collections::HashSet<String>,
    /// Name shown in problems for each role.
    pub role_names: Vec<String>,
}

/// Why a record did not give cells.
pub(crate) enum CellsError {
    Malformed(String),
}

impl Binding {
    /// Fills `cells` from a CSV record.
    pub(crate) fn fill_csv<'r>(
        &self,
        record: &Record<'r>,
        cells: &mut [Option<Cell<'r>>],
    ) -> Result<(), CellsError> {
        if record.len() != self.width {
            return Err(CellsError::Malformed(format!(
                "the row has {} field{} but the header has {}",
                record.len(),
                if record.len() == 1 { "" } else { "s" },
                self.width
            )));
        }
        cells.iter_mut().for_each(|c| *c = None);
        // One UTF-8 check for the whole record, then cut fields out of it.
        let Some(text) = record.text() else {
            return Err(CellsError::Malformed(
                "the row is not valid UTF-8 text".to_string(),
            ));
        };
        for &(col, role) in &self.columns {
            let Some(range) = record.range(col) else {
                continue;
            };
            if range.is_empty() {
                continue;
            }
            // Fields end at ASCII delimiters, so these are char boundaries.
            let Some(field) = text.get(range) else {
                return Err(CellsError::Malformed(
                    "the row is not valid UTF-8 text".to_string(),
                ));
            };
            if let Some(slot) = cells.get_mut(role) {
                *slot = Some(Cell::Text(field));
            }
        }
        Ok(())
    }

    /// Fills `cells` from a JSON object: top-level keys, then the keys of a
    /// nested object under `nested` (for events: `properties`), which win.
    /// Keys that feed no role and are not ignored go to `unknown`.
    pub(crate) fn fill_json<'r>(
        &self,
        object: &'r serde_json::Map<String, serde_json::Value>,
        nested: Option<&str>,
        cells: &mut [Option<Cell<'r>>],
        unknown: &mut BTreeSet<String>,
    ) -> Result<(), CellsError> {
        cells.iter_mut().for_each(|c| *c = None);
        let mut visit = |map: &'r serde_json::Map<String, serde_json::Value>| {
            for (key, value) in map {
                if Some(key.as_str()) == nested && map_is_outer(map, object) {
                    continue;
                }
                match self.keys.get(key.as_str()) {
                    Some(roles) => {
                        for &role in roles {
                            if let Some(slot) = cells.get_mut(role) {
                                *slot = Some(Cell::Json(value));
                            }
                        }
                    }
                    None => {
                        if !self.ignored.contains(key.as_str()) && !unknown.contains(key.as_str()) {
                            unknown.insert(key.clone());
                        }
                    }
                }
            }
        };
        visit(object);
        match nested.and_then(|n| object.get(n)) {
            None => {}
            Some(serde_json::Value::Object(props)) => visit(props),
            Some(serde_json::Value::Null) => {}
            Some(_) => {
                return Err(CellsError::Malformed(format!(
                    "`{}` must be a JSON object",
                    nested.unwrap_or_default()
                )))
            }
        }
        Ok(())
    }
}

fn map_is_outer(
    map: &serde_json::Map<String, serde_json::Value>,
    outer: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    std::ptr::eq(map, outer)
}

/// Reuses a cell buffer for the next record: the cells of one record borrow
/// from it, so the buffer is emptied and handed back with a fresh lifetime
/// (the allocation is kept), then filled with `len` empty cells.
pub(crate) fn recycle<'b>(v: Vec<Option<Cell<'_>>>, len: usize) -> Vec<Option<Cell<'b>>> {
    let mut v: Vec<Option<Cell<'b>>> = {
        let mut v = v;
        v.clear();
        v.into_iter().map(|_| None).collect()
    };
    v.resize(len, None);
    v
}
