//! Every error code, and the messages for common mistakes.

use super::{parse_err, text};
use crate::syntax::codes;

/// Checks code, message and the text the span covers.
fn assert_error(
    source: &str,
    code: crate::diagnostics::Code,
    message: &str,
    covered: &str,
) -> Option<String> {
    let error = parse_err(source);
    assert_eq!(error.code, code, "{source:?}: {error:?}");
    assert_eq!(error.message, message, "{source:?}");
    assert_eq!(text(source, error.span), covered, "{source:?}");
    error.help
}

#[test]
fn e0101_names_what_was_expected_after_which_words() {
    assert_error(
        "rule a: if x = 1 then move to 5",
        codes::UNEXPECTED,
        "expected a stage name after `move to`, found `5`",
        "5",
    );
    assert_error(
        "rule a: when then stop",
        codes::UNEXPECTED,
        "expected a condition after `when`, found `then`",
        "then",
    );
    assert_error(
        "rule a: when x = 1 then",
        codes::UNEXPECTED,
        "expected a step such as `move to`, `send email` or `wait` after `then`, found the end of the file",
        "",
    );
    assert_error(
        "rule a: when stage >= then stop",
        codes::UNEXPECTED,
        "expected a stage name after `stage >=`, found `then`",
        "then",
    );
    assert_error(
        "segment s = country in [\"PL\" \"DE\"]",
        codes::UNEXPECTED,
        "expected `,` or `]` after `\"PL\"`, found `\"DE\"`",
        "\"DE\"",
    );
}

#[test]
fn e0101_missing_then() {
    let help = assert_error(
        "rule a: if opened 5 emails move to MQL",
        codes::UNEXPECTED,
        "missing `then` before `move`",
        "move",
    );
    assert_eq!(
        help.unwrap(),
        "write `then` between the condition and the first step"
    );
}

#[test]
fn e0101_double_equals() {
    let help = assert_error(
        "segment s = amount == 5",
        codes::UNEXPECTED,
        "`==` is not an operator in Nurture",
        "==",
    );
    assert_eq!(help.unwrap(), "use `=` to compare");
    let help = assert_error(
        "segment s = x => 5",
        codes::UNEXPECTED,
        "`=>` is not an operator in Nurture",
        "=>",
    );
    assert_eq!(help.unwrap(), "write `>=` for \"at least\"");
}

#[test]
fn e0101_misspelt_item_keyword() {
    let help = assert_error(
        "stages A\nsegmnt s = x = 1",
        codes::UNEXPECTED,
        "expected a new rule or declaration, found `segmnt`",
        "segmnt",
    );
    assert_eq!(help.unwrap(), "did you mean `segment`?");
    let help = assert_error(
        "rulle a: if x = 1 then stop",
        codes::UNEXPECTED,
        "expected a new rule or declaration, found `rulle`",
        "rulle",
    );
    assert_eq!(help.unwrap(), "did you mean `rule`?");
}

#[test]
fn e0101_misspelt_keywords_elsewhere() {
    let help = assert_error(
        "rule a: if x = 1 then move ot MQL",
        codes::UNEXPECTED,
        "expected `back` or `to` after `then move`, found `ot`",
        "ot",
    );
    assert_eq!(help.unwrap(), "did you mean `to`?");
    let error = parse_err("rule a: whn x = 1 then stop");
    assert_eq!(error.help.unwrap(), "did you mean `when`?");
    let error = parse_err("rule a: when opend 5 emails then stop");
    assert_eq!(error.help.unwrap(), "did you mean `opened`?");
    let error = parse_err("rule a: when x = 1 then wait 7 dyas");
    assert_eq!(error.help.unwrap(), "did you mean `days`?");
}

#[test]
fn e0101_reserved_word_as_name() {
    let help = assert_error(
        "segment in = x = 1",
        codes::UNEXPECTED,
        "`in` is a reserved word and cannot be a name",
        "in",
    );
    assert!(help.unwrap().contains("reserved words"));
}

#[test]
fn e0101_unclosed_paren() {
    let help = assert_error(
        "rule a: if (a = 1 and b = 2 then stop",
        codes::UNEXPECTED,
        "expected `)` to close the `(` at line 1, column 12, found `then`",
        "then",
    );
    assert!(help.is_some());
}

#[test]
fn e0101_missing_colon_after_rule_name() {
    let help = assert_error(
        "rule lead_to_mql if x = 1 then stop",
        codes::UNEXPECTED,
        "missing `:` after `rule lead_to_mql`",
        "if",
    );
    assert!(help.unwrap().contains("rule lead_to_mql: if"));
    assert_error(
        "field budget number",
        codes::UNEXPECTED,
        "missing `:` after `field budget`",
        "number",
    );
}

#[test]
fn e0101_other_common_mistakes() {
    assert_error(
        "segment s = x = 'PL'",
        codes::UNEXPECTED,
        "text is written in double quotes",
        "'",
    );
    let help = assert_error(
        "rule a: when x = 1 then wait 7",
        codes::UNEXPECTED,
        "`7` needs a unit",
        "7",
    );
    assert!(help.unwrap().contains("`7 days`"));
    let error = parse_err("rule a: when x = 1 then if y = 2 then stop");
    assert!(error.help.unwrap().contains("ends with `end`"));
    let error = parse_err("rule a: when x = 1 then send welcome");
    assert_eq!(
        error.help.unwrap(),
        "say which channel: `send email welcome` or `send sms welcome`"
    );
}

#[test]
fn e0101_never_shows_rule_names() {
    for source in [
        "rule",
        "rule a",
        "rule a:",
        "segment",
        "segment s",
        "segment s =",
        "campaign",
        "campaign \"c\" {",
        "campaign \"c\" { at most",
        "field",
        "field f:",
        "event e {",
        "email",
        "page p =",
        "decay points",
        "on",
        "on opened",
        "rule a: if x",
        "rule a: if x =",
        "rule a: if x = 1 then set",
        "stages A,",
        "rule a: if total",
        "rule a: if opened email where",
        "rule a: if x = 1 then notify",
        "rule a: if x = 1 then wait until",
        "rule a: if x = 1 then stop exit",
        "import",
    ] {
        let error = parse_err(source);
        assert!(
            !error.message.contains('_'),
            "{source:?}: {}",
            error.message
        );
        assert!(error.span.end <= source.len());
    }
}

#[test]
fn e0102_unclosed_string() {
    let help = assert_error(
        "segment s = x = \"PL\nsegment t = y = 1",
        codes::UNCLOSED_STRING,
        "this string has no closing `\"`",
        "\"PL",
    );
    assert!(help.is_some());
    assert_error(
        "segment s = x = \"a\\",
        codes::UNCLOSED_STRING,
        "this string has no closing `\"`",
        "\"a\\",
    );
}

#[test]
fn e0103_too_deep() {
    let source = format!("segment s = {}x = 1{}", "(".repeat(65), ")".repeat(65));
    let error = parse_err(&source);
    assert_eq!(error.code, codes::TOO_DEEP);
    assert_eq!(error.span.start, "segment s = ".len() + 64);
    let source = format!("segment s = {}x = 1", "not ".repeat(65));
    let error = parse_err(&source);
    assert_eq!(
        (error.code, error.message.as_str()),
        (codes::TOO_DEEP, "more than 64 `not`s in a row")
    );
    let nested_ifs = format!(
        "rule a: if x = 1 then {}stop{}",
        "if x = 1 then ".repeat(300),
        " end".repeat(300)
    );
    assert_eq!(parse_err(&nested_ifs).code, codes::TOO_DEEP);
}

#[test]
fn e0103_sixty_four_levels_still_parse() {
    let source = format!("segment s = {}x = 1{}", "(".repeat(64), ")".repeat(64));
    super::parse_ok(&source);
    let source = format!("segment s = {}x = 1", "not ".repeat(64));
    super::parse_ok(&source);
}

#[test]
fn e0104_number_too_large() {
    assert_error(
        "rule a: if points > 99999999999999999999 then stop",
        codes::INVALID_NUMBER,
        "the number `99999999999999999999` is too large",
        "99999999999999999999",
    );
    assert_eq!(
        parse_err("segment s = x = 123456789012345678901234567").code,
        codes::INVALID_NUMBER
    );
    let huge_decimal = format!("segment s = x = {}.5", "9".repeat(400));
    assert_eq!(parse_err(&huge_decimal).code, codes::INVALID_NUMBER);
}

#[test]
fn e0105_months_and_years() {
    let help = assert_error(
        "segment s = opened 2 emails in last 3 months",
        codes::CALENDAR_UNIT,
        "months and years have no fixed length",
        "3 months",
    );
    assert_eq!(
        help.unwrap(),
        "write the length in days, e.g. `30 days` or `365 days`"
    );
    assert_eq!(
        parse_err("campaign \"c\" { at most 1 email per year }").code,
        codes::CALENDAR_UNIT
    );
}

#[test]
fn e0106_duplicate_rule_clause() {
    assert_error(
        "rule a: if x = 1 then stop exit when y = 1 exit when z = 1",
        codes::DUPLICATE_CLAUSE,
        "this rule already has an `exit when` clause",
        "exit when z = 1",
    );
    assert_error(
        "on purchase then stop repeat every 1 day repeat every 2 days",
        codes::DUPLICATE_CLAUSE,
        "this rule already has a `repeat every` clause",
        "repeat every 2 days",
    );
}

#[test]
fn e0107_too_large() {
    let source = " ".repeat(crate::syntax::limits::MAX_INPUT_BYTES + 1);
    let error = parse_err(&source);
    assert_eq!(error.code, codes::TOO_LARGE);
    assert!(error.span.end <= source.len());
}

#[test]
fn e0108_invalid_escape() {
    let help = assert_error(
        "segment s = x matches \"\\d+\"",
        codes::INVALID_ESCAPE,
        "`\\d` is not an escape Nurture knows",
        "\\d",
    );
    assert!(help.unwrap().contains("\\\\"));
}

#[test]
fn e0109_double_count() {
    assert_error(
        "segment s = opened 5 emails 3 times",
        codes::DOUBLE_COUNT,
        "this behaviour is already counted",
        "3",
    );
}

#[test]
fn e0110_count_in_event_trigger() {
    assert_error(
        "on opened 5 emails then stop",
        codes::COUNT_IN_EVENT_TRIGGER,
        "an `on` rule runs once for every matching event, so it cannot count events",
        "5",
    );
}

#[test]
fn e0111_invalid_time_of_day() {
    assert_error(
        "campaign \"c\" { quiet hours 25:00 to 08:00 }",
        codes::INVALID_TIME_OF_DAY,
        "`25:00` is not a time of day",
        "25:00",
    );
    assert_eq!(
        parse_err("rule a: if x = 1 then wait until 9:60").code,
        codes::INVALID_TIME_OF_DAY
    );
}

#[test]
fn errors_in_several_items_are_all_reported() {
    let source = "segment a = opened 1 email in last 2 years\nsegment b = y = 1\nsegment c = opened 1 email 2 times";
    let Err(errors) = crate::syntax::parse(source) else {
        panic!()
    };
    let codes: Vec<crate::diagnostics::Code> = errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, [codes::CALENDAR_UNIT, codes::DOUBLE_COUNT]);
}
