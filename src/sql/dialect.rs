//! What differs between the SQL engines the compiler writes for: quoting,
//! literals, types, and the few functions that are spelled differently.
//! Everything else the compiler emits is SQL both engines read the same
//! way (docs/sql.md, "Dialect notes").

use crate::base::value::Instant;
use crate::base::vocab::FieldType;

/// The SQL engine a script is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (regular expressions are RE2).
    DuckDb,
    /// PostgreSQL (regular expressions are ARE).
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
        }
    }

    /// The column type a declared field or property is read as.
    pub fn column_type(self, ty: FieldType) -> &'static str {
        match (self, ty) {
            (_, FieldType::Text | FieldType::TextList) => "TEXT",
            (Dialect::DuckDb, FieldType::Number) => "DOUBLE",
            (Dialect::Postgres, FieldType::Number) => "DOUBLE PRECISION",
            (_, FieldType::Bool) => "BOOLEAN",
            (_, FieldType::Date) => "DATE",
            (_, FieldType::DateTime) => "TIMESTAMPTZ",
        }
    }

    /// Whether `x < y` on text must name the byte-order collation: Rust
    /// orders strings by bytes (UTF-8 byte order is code point order);
    /// PostgreSQL orders by the database's collation unless told `"C"`,
    /// DuckDB orders by code point already.
    pub fn byte_order(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb => expr.to_string(),
            Dialect::Postgres => format!("({expr} COLLATE \"C\")"),
        }
    }

    /// Whether `value` (a text expression) matches `pattern`, a regular
    /// expression already written in this dialect's syntax.
    pub fn regex_match(self, value: &str, pattern: &str) -> String {
        match self {
            Dialect::DuckDb => format!("regexp_matches({value}, {})", text(pattern)),
            Dialect::Postgres => format!("({value} ~ {})", text(pattern)),
        }
    }

    /// The path of `url`, a text that starts with `http://` or `https://`:
    /// from the first `/` after the host to the end, or `/` when there is
    /// none (`ir::url_path`). `(?s)`: RE2's `.` would stop at a newline,
    /// ARE's does not.
    pub fn url_path(self, url: &str) -> String {
        const PATH: &str = "^https?://[^/]*(/.*)$";
        let path = match self {
            Dialect::DuckDb => {
                format!("regexp_extract({url}, {}, 1)", text(&format!("(?s){PATH}")))
            }
            Dialect::Postgres => format!("substring({url} from {})", text(PATH)),
        };
        format!("COALESCE(NULLIF({path}, ''), '/')")
    }

    /// The items of a `;`-separated text (tags, `list of text` fields),
    /// trimmed, as a set to test membership in: `ELEMENT IN (…)`. DuckDB's
    /// list comprehension, not a `x -> …` lambda, which DuckDB 1.5 warns
    /// is deprecated.
    pub fn has_item(self, list: &str, item: &str) -> String {
        match self {
            Dialect::DuckDb => format!(
                "list_contains([trim(x) FOR x IN string_split({list}, ';')], {})",
                text(item)
            ),
            Dialect::Postgres => format!(
                "({} = ANY (SELECT btrim(x) FROM unnest(string_to_array({list}, ';')) AS x))",
                text(item)
            ),
        }
    }

    /// The evaluation instant when it is not a literal: a parameter the
    /// caller binds (docs/sql.md, "The instant").
    pub fn parameter(self, views: bool) -> String {
        match (self, views) {
            (Dialect::DuckDb, _) => "CAST(getvariable('nurture_at') AS TIMESTAMPTZ)".to_string(),
            (Dialect::Postgres, false) => "CAST($1 AS TIMESTAMPTZ)".to_string(),
            (Dialect::Postgres, true) => {
                "CAST(current_setting('nurture.at') AS TIMESTAMPTZ)".to_string()
            }
        }
    }
}

/// A quoted identifier: `"name"`, with `"` doubled, so that any name (a
/// keyword, one with spaces) is a column or table name.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name as given on the command line: `schema.table` stays
/// qualified, each part quoted.
pub fn table(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// A text literal. Both engines read `'…'` with `''` for a quote and the
/// backslash as itself (PostgreSQL's `standard_conforming_strings`, on by
/// default since 9.1).
pub fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// An instant as a literal.
pub fn instant(at: Instant) -> String {
    match chrono::DateTime::from_timestamp(at, 0) {
        Some(t) => format!(
            "CAST('{}' AS TIMESTAMPTZ)",
            t.format("%Y-%m-%d %H:%M:%S+00")
        ),
        None => "CAST(NULL AS TIMESTAMPTZ)".to_string(),
    }
}

/// An exact number of seconds as an interval.
pub fn seconds(n: i64) -> String {
    format!("INTERVAL '{n} seconds'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_texts_are_quoted_whatever_they_hold() {
        assert_eq!(ident("select"), "\"select\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(table("crm.people"), "\"crm\".\"people\"");
        assert_eq!(text("O'Neil \\"), "'O''Neil \\'");
        assert_eq!(instant(0), "CAST('1970-01-01 00:00:00+00' AS TIMESTAMPTZ)");
    }
}
