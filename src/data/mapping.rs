//! Column mappings for real exports (`--map FILE`).
//!
//! A mapping is a small JSON file that says how the columns of an export
//! become the columns Nurture expects, so that a Mautic contact export or a
//! shop's order lines load without writing code. See `docs/data.md` for the
//! documented format and [`Mapping`] for the fields.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A column mapping for the contacts file, the events file, or both.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Free text (a string or a list of strings), ignored.
    #[serde(rename = "_comment", default)]
    pub comment: Option<serde_json::Value>,
    #[serde(default)]
    pub contacts: ContactMapping,
    #[serde(default)]
    pub events: EventMapping,
    /// The file it was read from ([`Mapping::from_file`]), for messages.
    #[serde(skip)]
    pub path: Option<String>,
}

/// What to do with a row whose contact id is empty.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MissingIdPolicy {
    /// A bad row (`D002`): reported, and the run fails unless bad rows are skipped.
    #[default]
    Error,
    /// Counted as rejected and summarised in the report, but not a bad row:
    /// the run goes on. For exports where anonymous rows are expected (the
    /// Online Retail set has 135,080 lines without a customer).
    Skip,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContactMapping {
    #[serde(rename = "_comment", default)]
    pub comment: Option<serde_json::Value>,
    /// Source column → target name: `id`, `stage`, `points`, `tags`,
    /// `created_at` or a declared field.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Source columns deliberately left out (no "ignored column" note).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Separator of `tags` and `list of text` cells in CSV; default `;`.
    #[serde(default)]
    pub list_separator: Option<String>,
    /// Rows with an empty `id`.
    #[serde(default)]
    pub missing_id: MissingIdPolicy,
    /// Source column → export value → the value Nurture reads (`null`:
    /// not set); see [`super::recode`].
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// Source column → the strftime-style date format(s) its dates are in.
    #[serde(default)]
    pub formats: BTreeMap<String, Formats>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventMapping {
    #[serde(rename = "_comment", default)]
    pub comment: Option<serde_json::Value>,
    /// Source column → target name: `contact_id`, `type`, `at` or a property.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Source columns deliberately left out (no "ignored column" note).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// The event type of every row that no `classify` rule matches, when the
    /// file has no `type` column.
    #[serde(rename = "type", default)]
    pub event_type: Option<String>,
    /// Computed properties: property name → computation.
    #[serde(default)]
    pub computed: BTreeMap<String, Computed>,
    /// Rows with the same value in this source column (and the same event
    /// type) become one event: numeric properties are summed, everything
    /// else is taken from the group's first row.
    #[serde(default)]
    pub group_by: Option<String>,
    /// Rules tried in order on each row; the first that matches decides.
    #[serde(default)]
    pub classify: Vec<Classify>,
    /// Rows with an empty `contact_id`.
    #[serde(default)]
    pub missing_contact: MissingIdPolicy,
    /// When contacts are derived from the events (no contacts file): source
    /// column → contact field, taken from the contact's first row that has it.
    #[serde(default)]
    pub contact_fields: BTreeMap<String, String>,
    /// Separator of `list of text` cells in CSV; default `;`.
    #[serde(default)]
    pub list_separator: Option<String>,
    /// Source column → export value → the value Nurture reads (`null`:
    /// not set); see [`super::recode`].
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// Source column → the strftime-style date format(s) its dates are in.
    #[serde(default)]
    pub formats: BTreeMap<String, Formats>,
}

/// One date format or several, tried in order.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Formats {
    One(String),
    Many(Vec<String>),
}

impl Formats {
    pub fn list(&self) -> &[String] {
        match self {
            Formats::One(f) => std::slice::from_ref(f),
            Formats::Many(fs) => fs,
        }
    }
}

/// A computed property.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Computed {
    /// The product of two numeric source columns, e.g. `["Quantity", "UnitPrice"]`.
    pub product: [String; 2],
    /// Take the absolute value (a refund amount as a positive number).
    #[serde(default)]
    pub abs: bool,
    /// Round the result (and group sums) to this many decimal places.
    #[serde(default)]
    pub round: Option<u8>,
}

/// Classify rows by the start of a column's value.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Classify {
    /// Source column to look at.
    pub column: String,
    /// The value must start with this text.
    pub prefix: String,
    /// Matching rows get this event type (it must be built in or declared).
    #[serde(rename = "type", default)]
    pub event_type: Option<String>,
    /// Or: matching rows are not loaded, counted as rejected with this reason
    /// (not bad rows).
    #[serde(default)]
    pub skip: Option<String>,
}

impl Mapping {
    /// Parses and checks a mapping from JSON text.
    pub fn from_json(text: &str) -> Result<Mapping, String> {
        let m: Mapping = serde_json::from_str(text).map_err(|e| e.to_string())?;
        m.validate()?;
        Ok(m)
    }

    /// Reads a mapping file.
    /// Only a regular file is read (`D012` otherwise), and at most
    /// [`Mapping::MAX_BYTES`] of it (`D015`), counted while reading.
    pub fn from_file(path: &Path) -> Result<Mapping, super::LoadError> {
        let name = path.display().to_string();
        let bytes = crate::base::fsio::read_regular(path, &name, Mapping::MAX_BYTES).map_err(|e| {
            match e {
                crate::base::fsio::OpenError::TooLarge { path, limit } => super::source::coded(
                    super::codes::D015,
                    &path,
                    None,
                    format!("the mapping is larger than {limit} bytes; a mapping describes columns and is far smaller (250,000 classify rules fit)"),
                ),
                other => super::source::open_error(other),
            }
        })?;
        let mapping_error = |message| super::LoadError::Mapping {
            code: super::codes::D017,
            path: name.clone(),
            message,
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| mapping_error("the file is not UTF-8 text".to_string()))?;
        let mut mapping = Mapping::from_json(&text).map_err(mapping_error)?;
        mapping.path = Some(name);
        Ok(mapping)
    }

    /// The largest mapping file read: 16 MiB.
    pub const MAX_BYTES: u64 = 16 << 20;

    fn validate(&self) -> Result<(), String> {
        for c in &self.events.classify {
            match (&c.event_type, &c.skip) {
                (Some(_), None) | (None, Some(_)) => {}
                _ => {
                    return Err(format!(
                        "classify rule for column `{}` prefix {:?} needs exactly one of `type` or `skip`",
                        c.column, c.prefix
                    ))
                }
            }
        }
        for (name, c) in &self.events.computed {
            if c.round.is_some_and(|r| r > 12) {
                return Err(format!("computed `{name}`: `round` is at most 12"));
            }
        }
        for (values, formats) in [
            (&self.contacts.values, &self.contacts.formats),
            (&self.events.values, &self.events.formats),
        ] {
            for (column, entries) in values {
                super::recode::ValueMap::new(column, entries)?;
            }
            for (column, list) in formats {
                if list.list().is_empty() {
                    return Err(format!("`formats` for column `{column}` is an empty list"));
                }
                for f in list.list() {
                    super::recode::DateFormat::new(f)
                        .map_err(|e| format!("`formats` for column `{column}`: {e}"))?;
                }
            }
        }
        for sep in [&self.contacts.list_separator, &self.events.list_separator]
            .into_iter()
            .flatten()
        {
            if sep.is_empty() {
                return Err("`list_separator` must not be empty".to_string());
            }
        }
        Ok(())
    }
}

/// Rounds to `digits` decimal places (no-op for `None`).
pub(crate) fn round_to(x: f64, digits: Option<u8>) -> f64 {
    match digits {
        None => x,
        Some(d) => {
            let f = 10f64.powi(i32::from(d));
            let r = (x * f).round() / f;
            if r.is_finite() {
                r
            } else {
                x
            }
        }
    }
}

/// The `classify` rules of one source column as a trie of their prefixes:
/// the first rule (in mapping order) whose prefix starts a value is found in
/// one step per byte of the value, however many rules there are (a list of
/// 100,000 rules tried one by one on 100,000 rows took 46 s).
#[derive(Clone, Debug)]
pub(crate) struct Prefixes {
    /// Node 0 is the root, the empty prefix.
    nodes: Vec<PrefixNode>,
    /// The lowest rule number in the table.
    pub first_rule: usize,
}

/// A trie node: children are a linked list (at most 256 long), which keeps
/// a node at 16 bytes.
#[derive(Clone, Copy, Debug)]
struct PrefixNode {
    byte: u8,
    first_child: u32,
    next_sibling: u32,
    /// The lowest rule number whose prefix ends here.
    rule: u32,
}

impl PrefixNode {
    const NONE: u32 = u32::MAX;

    fn new(byte: u8) -> Self {
        PrefixNode {
            byte,
            first_child: Self::NONE,
            next_sibling: Self::NONE,
            rule: Self::NONE,
        }
    }
}

impl Default for Prefixes {
    fn default() -> Self {
        Prefixes {
            nodes: vec![PrefixNode::new(0)],
            first_rule: usize::MAX,
        }
    }
}

impl Prefixes {
    fn node(&self, i: u32) -> Option<&PrefixNode> {
        self.nodes.get(i as usize)
    }

    /// The child of `parent` for `byte`.
    fn child(&self, parent: u32, byte: u8) -> Option<u32> {
        let mut at = self.node(parent)?.first_child;
        while let Some(node) = self.node(at) {
            if node.byte == byte {
                return Some(at);
            }
            at = node.next_sibling;
        }
        None
    }

    /// Adds rule number `rule` for `prefix`; a lower number already there
    /// wins (the first rule in the mapping decides).
    pub(crate) fn insert(&mut self, prefix: &[u8], rule: usize) {
        let rule32 = u32::try_from(rule).unwrap_or(PrefixNode::NONE - 1);
        self.first_rule = self.first_rule.min(rule);
        let mut at = 0u32;
        for &byte in prefix {
            at = match self.child(at, byte) {
                Some(child) => child,
                None => {
                    let Ok(new) = u32::try_from(self.nodes.len()) else {
                        return;
                    };
                    let mut node = PrefixNode::new(byte);
                    if let Some(parent) = self.nodes.get_mut(at as usize) {
                        node.next_sibling = parent.first_child;
                        parent.first_child = new;
                    }
                    self.nodes.push(node);
                    new
                }
            };
        }
        if let Some(node) = self.nodes.get_mut(at as usize) {
            node.rule = node.rule.min(rule32);
        }
    }

    /// The lowest rule number whose prefix starts `value`.
    pub(crate) fn first_match(&self, value: &[u8]) -> Option<usize> {
        let mut best = PrefixNode::NONE;
        let mut at = 0u32;
        if let Some(root) = self.node(at) {
            best = root.rule;
        }
        for &byte in value {
            match self.child(at, byte) {
                Some(child) => {
                    at = child;
                    if let Some(node) = self.node(at) {
                        best = best.min(node.rule);
                    }
                }
                None => break,
            }
        }
        (best != PrefixNode::NONE).then_some(best as usize)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_mapping() {
        let m = Mapping::from_json(
            r#"{
              "_comment": ["two", "lines"],
              "contacts": {"columns": {"date_added": "created_at"}, "ignore": ["lastname"]},
              "events": {
                "columns": {"CustomerID": "contact_id", "InvoiceDate": "at"},
                "type": "purchase",
                "computed": {"amount": {"product": ["Quantity", "UnitPrice"], "round": 2}},
                "group_by": "InvoiceNo",
                "classify": [{"column": "InvoiceNo", "prefix": "C", "type": "refund"}],
                "missing_contact": "skip"
              }
            }"#,
        )
        .unwrap();
        assert_eq!(m.events.missing_contact, MissingIdPolicy::Skip);
        assert_eq!(m.events.computed["amount"].round, Some(2));
    }

    #[test]
    fn rejects_unknown_keys_and_bad_rules() {
        assert!(Mapping::from_json(r#"{"event": {}}"#).is_err());
        assert!(Mapping::from_json(
            r#"{"events": {"classify": [{"column": "a", "prefix": "C"}]}}"#
        )
        .is_err());
        assert!(Mapping::from_json(r#"{"events": {"missing_contact": "drop"}}"#).is_err());
    }

    #[test]
    fn the_first_rule_whose_prefix_matches_decides() {
        let mut p = Prefixes::default();
        for (rule, prefix) in ["C5", "C", "A12", "", "C"].iter().enumerate() {
            p.insert(prefix.as_bytes(), rule + 10);
        }
        assert_eq!(p.first_rule, 10);
        assert_eq!(p.first_match(b"C5x"), Some(10));
        assert_eq!(p.first_match(b"C6"), Some(11));
        assert_eq!(p.first_match(b"A123"), Some(12));
        // Only the empty prefix matches.
        assert_eq!(p.first_match(b"A1"), Some(13));
        assert_eq!(p.first_match(b""), Some(13));
        let mut q = Prefixes::default();
        q.insert(b"ab", 0);
        assert_eq!(q.first_match(b"a"), None);
        assert_eq!(q.first_match(b"abc"), Some(0));
    }

    #[test]
    fn rounding() {
        assert_eq!(round_to(6.0 * 2.55, Some(2)), 15.3);
        assert_eq!(round_to(1.23456, None), 1.23456);
    }
}
