//! The registry of diagnostic codes. Codes are stable: once published, a
//! code keeps its meaning forever; retired codes are never reused.

use super::Severity;
use std::fmt;

/// A stable diagnostic code such as `E0201`, a lint id such as
/// `wait-at-end`, or a data problem code such as `D004`: one type for every
/// problem Nurture reports. It points at its registry entry, so
/// [`Code::info`] needs no lookup; two codes are equal when their text is.
#[derive(Clone, Copy)]
pub struct Code(&'static CodeInfo);

/// Which registry a code belongs to: it decides where the code can appear
/// (SARIF rules list checker codes and lints only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Reported by `nurture check` (E0xxx).
    Check,
    /// Reported while running (`simulate`, `test`, …), never by `check`.
    Run,
    /// A lint, with its category (`correctness`, `suspicious`, `style`)
    /// and whether it is on by default.
    Lint {
        category: &'static str,
        enabled: bool,
    },
    /// A problem with a data row or data file (`D001`…).
    Data,
}

/// What the registry knows about a code.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: &'static str,
    /// A short name for the problem, used as the SARIF rule name.
    pub title: &'static str,
    pub severity: Severity,
    /// One sentence on what triggers it.
    pub summary: &'static str,
    /// The longer description (a lint's rationale; else the summary).
    pub description: &'static str,
    pub kind: Kind,
}

impl Code {
    /// The code of a registry entry; registries build theirs with it.
    pub const fn new(info: &'static CodeInfo) -> Code {
        Code(info)
    }

    pub fn as_str(self) -> &'static str {
        self.0.code
    }

    /// The registry entry.
    pub fn info(self) -> &'static CodeInfo {
        self.0
    }

    /// Whether this is a lint id rather than a fixed code.
    pub fn is_lint(self) -> bool {
        matches!(self.0.kind, Kind::Lint { .. })
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for Code {}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.0.code == *other
    }
}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.code.hash(state);
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Code) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Code) -> std::cmp::Ordering {
        self.0.code.cmp(other.0.code)
    }
}

impl std::borrow::Borrow<str> for Code {
    fn borrow(&self) -> &str {
        self.0.code
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Code").field(&self.0.code).finish()
    }
}

/// A code is written as its text (`"E0201"`, `"wait-at-end"`, `"D004"`).
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.code)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

/// The code of an internal error: a problem Nurture cannot name.
pub const INTERNAL: Code = Code(&CodeInfo {
    code: "E0000",
    title: "internal-error",
    severity: Severity::Error,
    summary: "An internal error in Nurture itself; please report it.",
    description: "An internal error in Nurture itself; please report it.",
    kind: Kind::Check,
});

/// Every code Nurture can report, merged from the registries it is given
/// (the checker's, the run's, the lints', the data's): the answer to
/// "which codes exist" and "what is code X". `diagnostics` defines none
/// but its own; the driver hands it the others, so this layer imports no
/// layer above it.
#[derive(Debug, Clone)]
pub struct Registry {
    lists: Vec<&'static [Code]>,
}

impl Registry {
    pub fn new(lists: &[&'static [Code]]) -> Registry {
        Registry {
            lists: lists.to_vec(),
        }
    }

    /// Every code, list by list, each list in its own order.
    pub fn iter(&self) -> impl Iterator<Item = Code> + '_ {
        self.lists.iter().flat_map(|list| list.iter().copied())
    }

    /// The code whose text is `text`, e.g. `E0201` or `wait-at-end`.
    pub fn find(&self, text: &str) -> Option<Code> {
        self.iter().find(|code| code.as_str() == text)
    }
}

/// Builds a list of codes: a constant for each and a static list of all,
/// in code order. `$kind` is `Check`, `Run` or `Data`.
#[macro_export]
#[doc(hidden)]
macro_rules! __codes {
    ($list:ident, $kind:ident: $( $name:ident = $code:literal, $title:literal, $severity:ident, $summary:literal; )*) => {
        $(
            #[doc = $summary]
            pub const $name: $crate::diagnostics::Code = $crate::diagnostics::Code::new(&$crate::diagnostics::codes::CodeInfo {
                code: $code,
                title: $title,
                severity: $crate::diagnostics::Severity::$severity,
                summary: $summary,
                description: $summary,
                kind: $crate::diagnostics::codes::Kind::$kind,
            });
        )*
        /// Every code of this kind, in code order.
        pub static $list: &[$crate::diagnostics::Code] = &[ $( $name, )* ];
    };
}
pub use crate::__codes as codes;

codes! { CODES, Check:
    CANNOT_READ = "E0001", "cannot-read-file", Error, "A rules file or an imported file cannot be read.";
    NOT_UTF8 = "E0002", "not-utf8", Error, "A rules file is not valid UTF-8 text.";
    IMPORT_CYCLE = "E0003", "import-cycle", Error, "Files import each other in a cycle.";
    IMPORT_NOT_FOUND = "E0004", "import-not-found", Error, "An `import` names a file that does not exist.";
    IMPORT_NOT_DECLARATIONS = "E0005", "import-has-rules", Error, "An imported file holds rules or campaign settings; imports share declarations only.";
    OUTSIDE_PROJECT = "E0006", "outside-project", Error, "An import is an absolute path or leads outside the project, or a rules file is a symbolic link that does; it is not read.";
    SPECIAL_FILE = "E0007", "special-file", Error, "A rules file or an import is a named pipe (FIFO), a device or a socket; it is not opened.";
    NOT_RULES_FILE = "E0008", "not-a-rules-file", Error, "An import names a file that is neither `.nurture` nor `.rhai`, or a `.nurture` name is a link to some other file; it is not read.";
    UNUSABLE_CONFIG = "E0009", "unusable-config", Error, "A `nurture.toml` cannot be used: not a regular file, unreadable, not TOML, or an unknown table, lint or level.";

    SYNTAX = "E0101", "syntax-error", Error, "The text does not follow the grammar at this point.";
    UNCLOSED_STRING = "E0102", "unclosed-string", Error, "A string literal has no closing double quote on its line.";
    TOO_DEEP = "E0103", "nesting-too-deep", Error, "Parentheses, brackets or `not`s are nested deeper than the limit.";
    BAD_INT = "E0104", "number-too-large", Error, "A whole number does not fit in 64 bits.";
    CALENDAR_UNIT = "E0105", "calendar-duration", Error, "A duration is given in months or years, which have no fixed length.";
    DUPLICATE_CLAUSE = "E0106", "duplicate-rule-clause", Error, "A rule has `exit when` or `repeat every` twice.";
    TOO_LARGE = "E0107", "input-too-large", Error, "The file is too large or too complex to parse within the limits.";
    BAD_ESCAPE = "E0108", "invalid-escape", Error, "A string literal has a backslash escape Nurture does not know.";
    DOUBLE_COUNT = "E0109", "double-count", Error, "A behaviour clause gives its count twice (`opened 3 emails 2 times`).";
    COUNT_IN_TRIGGER = "E0110", "count-in-event-trigger", Error, "An `on` trigger has a count or window; it fires once per event.";
    SYNTAX_TIME_OF_DAY = "E0111", "malformed-time-of-day", Error, "A time of day is written in a form other than HH:MM.";

    UNDEFINED_STAGE = "E0201", "undefined-stage", Error, "A stage name is not in the `stages` declaration.";
    UNDEFINED_MESSAGE = "E0202", "undefined-message", Error, "An e-mail or SMS is used but not declared.";
    UNDEFINED_PAGE = "E0203", "undefined-page", Error, "A page is used but not declared.";
    UNDEFINED_FORM = "E0204", "undefined-form", Error, "A form is used but not declared.";
    UNDEFINED_ASSET = "E0205", "undefined-asset", Error, "An asset is used but not declared.";
    UNDEFINED_LIST = "E0206", "undefined-list", Error, "A static list is used but not declared.";
    UNDEFINED_SEGMENT = "E0207", "undefined-segment", Error, "A segment is used but not declared.";
    UNDEFINED_FIELD = "E0208", "undefined-field", Error, "A contact field is used but not declared.";
    UNDEFINED_EVENT = "E0209", "undefined-event-type", Error, "An event type is neither built in nor declared.";
    UNDEFINED_PROPERTY = "E0210", "undefined-property", Error, "An event type has no property of this name.";
    DUPLICATE = "E0211", "duplicate-declaration", Error, "A name is declared twice in the same namespace.";
    UNDEFINED_SCRIPT = "E0212", "undefined-script", Error, "A `script` condition names a script that is not declared.";
    SEGMENT_CYCLE = "E0213", "segment-cycle", Error, "Segments refer to each other in a cycle.";
    DUPLICATE_STAGES = "E0214", "duplicate-stages", Error, "The funnel is declared by more than one `stages` line.";
    DUPLICATE_SETTING = "E0215", "duplicate-setting", Error, "A campaign block or one of its settings appears twice.";
    SEGMENTS_TOO_DEEP = "E0216", "segments-too-deep", Error, "A condition nests more than 256 deep with the segments it uses written out (a long chain of segments using segments).";

    TYPE_MISMATCH = "E0301", "type-mismatch", Error, "A value of one type is compared with a field or property of another.";
    BAD_OPERATOR = "E0302", "operator-not-applicable", Error, "An operator does not apply to the type of the value it tests.";
    AGGREGATE_NOT_NUMBER = "E0303", "aggregate-needs-number", Error, "`total`, `average`, `min` or `max` of a property that is not a number.";
    SINCE_OUTSIDE_SEQUENCE = "E0305", "since-outside-sequence", Error, "A bare `since` window appears where no rule has fired.";
    TIME_TEST_NEEDS_TIME = "E0306", "time-test-on-non-time", Error, "`first`/`last` without a property is an event time and needs a time test.";
    POINTS_NOT_WHOLE = "E0307", "points-need-whole-number", Error, "`points` is tested with something other than a comparison with a whole number.";
    STAGE_NEEDS_NAME = "E0308", "stage-needs-name", Error, "`stage` is tested with a value (`stage = \"Lead\"`) instead of a stage name.";

    BAD_DURATION = "E0401", "invalid-duration", Error, "A duration is zero where it must be positive, or too long.";
    BAD_DATE = "E0402", "invalid-date", Error, "A date or date-time literal is not a real calendar date or time.";
    BAD_TIMEZONE = "E0403", "unknown-time-zone", Error, "A time zone is not an IANA time-zone name.";
    BAD_REGEX = "E0404", "invalid-regex", Error, "A `matches` pattern is not a valid regular expression.";
    BAD_URL_PATTERN = "E0405", "invalid-url-pattern", Error, "A page's URL pattern is empty, has spaces, or is not a path or URL.";
    BAD_TIME_OF_DAY = "E0406", "invalid-time-of-day", Error, "A time of day is not between 00:00 and 23:59.";
    BAD_NUMBER = "E0407", "invalid-number", Error, "A number is out of range for where it is used.";
    PAGE_WITHOUT_PATTERN = "E0408", "page-without-pattern", Error, "A page is declared without the URL pattern that says which visits count.";

    TEST_UNDEFINED = "E0601", "undefined-name-in-test", Error, "A test uses a stage, field, message, page, form, asset, segment, rule, event type or property that is not declared.";
    TEST_INVALID = "E0602", "invalid-test", Error, "A test cannot run as written: a bad instant or value, an event after `at`, no instant to check, no expectations, or a duplicate name.";

    SCRIPT_SYNTAX = "E0701", "script-syntax", Error, "A script is not valid rhai, or uses something the sandbox forbids (`eval`, `import`, too deep an expression).";
    SCRIPT_UNKNOWN_FUNCTION = "E0702", "script-unknown-function", Error, "A script calls a function that neither the script nor the sandbox defines.";
    SCRIPT_RESULT_TYPE = "E0703", "script-result-type", Error, "A script whose result is not true/false is used as a predicate.";
    SCRIPT_VALUE_TYPE = "E0704", "script-value-type", Error, "A script's value is used where its declared type does not fit: compared with or set into a value of another type, or ordered (`<`, `>=`) as text or true/false.";

    // W0501 (unused-declaration) is retired: it is the lint
    // `unused-declaration` now (see `crate::lint`). Never reuse W0501.
}

// The codes of problems found while running (`simulate`, `segments`,
// `test`, `explain`, writing output), which `nurture check` never reports:
// they are documented in docs/diagnostics.md like the others, each with the
// command that shows it, but have no `check` fixture and no SARIF rule.
codes! { RUN_CODES, Run:
    SCRIPT_LIMIT = "E0705", "script-limit", Error, "A script stopped at run time because it hit a sandbox limit (operations, event visits, call depth, variables, a size).";
    SCRIPT_FAILED = "E0706", "script-failed", Error, "A script failed at run time: an error it raised, an unknown event type or property, a bad window, or a result of the wrong type.";

    TOO_MANY_TICKS = "E0801", "too-many-ticks", Error, "The run's period and tick make more evaluation ticks than `--max-ticks` allows.";
    CONTACT_LIMIT = "E0802", "contact-record-limit", Error, "One contact fired rules or took actions more often than `--max-actions-per-contact` allows.";

    OUTPUT_FAILED = "E0810", "output-write-failed", Error, "Writing the output to standard output failed (a full disk, an I/O error); a closed pipe is not an error.";
    OUTPUT_FILE_FAILED = "E0811", "output-file-failed", Error, "An output file (`simulate --outbox`, `generate --out`) cannot be created or written.";

    // `nurture diff`: versions read from git as `REV:PATH`.
    UNKNOWN_REVISION = "E0820", "unknown-revision", Error, "A `REV:PATH` version names a revision git cannot resolve, outside a git repository, or git cannot be run.";
    NOT_IN_REVISION = "E0821", "not-in-revision", Error, "A `REV:PATH` version names a path that the revision does not hold.";

    // `nurture sql`: what the SQL backend cannot compile (src/sql).
    SQL_SCRIPT = "E0901", "sql-script", Error, "A segment or rule condition uses a script, which cannot be compiled to SQL.";
    SQL_SINCE_FIRED = "E0902", "sql-since-fired", Error, "A condition counts events `since` the rule last fired, which only a dry run knows.";
    SQL_REGEX = "E0903", "sql-regex", Error, "A regular expression uses a construct the SQL dialect cannot match the way Nurture does.";
    SQL_UNSUPPORTED = "E0904", "sql-unsupported", Error, "A condition uses something outside the fragment the SQL backend compiles.";

    // `nurture segments --engine`: running the SQL in a database (src/engine).
    ENGINE_UNAVAILABLE = "E0910", "engine-unavailable", Error, "The database named by `--engine` cannot be reached: no connection, no DuckDB shell, no such database file.";
    ENGINE_SCHEMA = "E0911", "engine-schema", Error, "A table or column the compiled SQL reads is missing from the database.";
    ENGINE_TYPE = "E0912", "engine-type", Error, "A column of the database has a type the compiled SQL cannot use.";
    ENGINE_FAILED = "E0913", "engine-failed", Error, "The database failed to run the compiled SQL, or replied with something other than the counts.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        for list in [CODES, RUN_CODES] {
            for pair in list.windows(2) {
                assert!(
                    pair[0].as_str() < pair[1].as_str(),
                    "{} then {}",
                    pair[0].as_str(),
                    pair[1].as_str()
                );
            }
        }
        for run in RUN_CODES {
            assert!(
                CODES.iter().all(|c| c.as_str() != run.as_str()),
                "{} is both a check code and a run code",
                run.as_str()
            );
        }
        for pair in CODES.windows(2) {
            assert!(
                pair[0].as_str() < pair[1].as_str(),
                "{} then {}",
                pair[0].as_str(),
                pair[1].as_str()
            );
        }
    }

    #[test]
    fn run_codes_are_sorted_and_not_checker_codes() {
        for pair in RUN_CODES.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str());
        }
        assert!(RUN_CODES
            .iter()
            .all(|run| CODES.iter().all(|check| check.as_str() != run.as_str())));
    }

    #[test]
    fn every_code_is_documented() {
        let docs = include_str!("../../docs/diagnostics.md");
        for info in CODES.iter().chain(RUN_CODES) {
            assert!(
                docs.contains(&format!("## {}", info.as_str())),
                "docs/diagnostics.md has no section for {}",
                info.as_str()
            );
        }
    }
}
