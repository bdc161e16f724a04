//! Mappings for real exports (issue 14, "Real exports"): the shipped
//! HubSpot and Mautic mappings load their sample exports with no rejected
//! row and the values they should have; a bad mapping is a coded error and
//! exit 2; a value neither mapped nor valid is a bad row whose message
//! names the map; `segments` runs without `--events` when no segment reads
//! events, and names the one that does otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{nurture, root};
use nurture::data::{self, Contact, Dataset, LoadOptions, Mapping, Schema};
use nurture::ir::Program;

const RULES: &str = "examples/mappings/first_campaign.nurture";
const HUBSPOT: &str = "examples/mappings/hubspot_contacts.csv";
const HUBSPOT_MAP: &str = "examples/mappings/hubspot_contacts.map.json";
const MAUTIC: &str = "examples/mappings/mautic_contacts.csv";
const MAUTIC_MAP: &str = "examples/mappings/mautic_contacts.map.json";

fn program() -> Program {
    let path = root().join(RULES);
    let checked = nurture::driver::check_file(&path, RULES).unwrap();
    checked.program.expect("the example campaign checks")
}

/// Loads a sample export through its mapping, contacts only.
fn load(export: &str, mapping: &str) -> (Program, Dataset) {
    let program = program();
    let schema = Schema::from(&program);
    let options = LoadOptions {
        mapping: Some(Mapping::from_file(&root().join(mapping)).unwrap()),
        ..LoadOptions::default()
    };
    let dataset = data::load_contacts_only(&schema, &root().join(export), &options)
        .unwrap_or_else(|e| panic!("{export} through {mapping}: {e}"));
    (program, dataset)
}

fn contact<'d>(dataset: &'d Dataset, id: &str) -> &'d Contact {
    let i = dataset
        .find_contact(id)
        .unwrap_or_else(|| panic!("no contact {id}"));
    &dataset.contacts[i]
}

fn stage(program: &Program, c: &Contact) -> Option<String> {
    c.stage.map(|s| program.stages[s].clone())
}

fn field(program: &Program, c: &Contact, name: &str) -> Option<nurture::base::value::Value> {
    let schema = Schema::from(program);
    c.fields[schema.field_index(name).unwrap()].clone()
}

fn utc(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

#[test]
fn the_hubspot_export_loads_through_its_mapping_with_the_right_values() {
    use nurture::base::value::Value;
    let (program, dataset) = load(HUBSPOT, HUBSPOT_MAP);
    let counts = dataset.report.contacts;
    assert_eq!((counts.read, counts.used, counts.rejected), (32, 32, 0));
    assert_eq!(dataset.report.problem_count, 0);
    // The internal value, a US date and time (campaign zone New York, EST).
    let ada = contact(&dataset, "51000");
    assert_eq!(stage(&program, ada).as_deref(), Some("Subscriber"));
    assert_eq!(ada.created_at, Some(utc("2024-01-01T13:00:00Z")));
    assert_eq!(
        field(&program, ada, "marketing_contact"),
        Some(Value::Bool(true))
    );
    // A date the default reader takes (EDT), a quoted comma, a bool map.
    let ben = contact(&dataset, "51037");
    assert_eq!(stage(&program, ben).as_deref(), Some("Lead"));
    assert_eq!(ben.created_at, Some(utc("2024-06-02T15:07:00Z")));
    assert_eq!(
        field(&program, ben, "company"),
        Some(Value::Text("Acme, Inc.".into()))
    );
    assert_eq!(
        field(&program, ben, "marketing_contact"),
        Some(Value::Bool(false))
    );
    // marketingqualifiedlead; a US date without a time (the second format),
    // midnight on the day US clocks go back; the bool map in lower case.
    let chloe = contact(&dataset, "51074");
    assert_eq!(stage(&program, chloe).as_deref(), Some("MQL"));
    assert_eq!(chloe.created_at, Some(utc("2024-11-03T04:00:00Z")));
    assert_eq!(
        field(&program, chloe, "marketing_contact"),
        Some(Value::Bool(true))
    );
    // `other` maps to no stage; the country is spelt as the map says.
    let hiro = contact(&dataset, "51259");
    assert_eq!(stage(&program, hiro), None);
    assert_eq!(
        field(&program, hiro, "country"),
        Some(Value::Text("United States".into()))
    );
    // The label in title case, LEAD in capitals, " customer " with spaces;
    // an empty e-mail and an empty stage are not set.
    assert_eq!(
        stage(&program, contact(&dataset, "51296")).as_deref(),
        Some("MQL")
    );
    let jonas = contact(&dataset, "51333");
    assert_eq!(stage(&program, jonas).as_deref(), Some("Lead"));
    assert_eq!(field(&program, jonas, "email_address"), None);
    assert_eq!(stage(&program, contact(&dataset, "51407")), None);
    assert_eq!(
        stage(&program, contact(&dataset, "51444")).as_deref(),
        Some("Customer")
    );
}

#[test]
fn the_mautic_export_loads_through_its_mapping_with_the_right_values() {
    let (program, dataset) = load(MAUTIC, MAUTIC_MAP);
    let counts = dataset.report.contacts;
    assert_eq!((counts.read, counts.used, counts.rejected), (30, 30, 0));
    assert_eq!(dataset.report.problem_count, 0);
    let first = contact(&dataset, "101");
    assert_eq!(stage(&program, first).as_deref(), Some("Subscriber"));
    assert_eq!(first.tags, vec!["newsletter".to_string()]);
    // date_added without offset: wall-clock time in New York (EST).
    assert_eq!(first.created_at, Some(utc("2024-01-01T14:00:00Z")));
    assert_eq!(first.points, 0);
    let second = contact(&dataset, "102");
    assert_eq!(stage(&program, second).as_deref(), Some("Lead"));
    assert_eq!(second.tags, vec!["webinar", "newsletter"]);
    assert_eq!(second.points, 13);
    // Tags are mapped item by item; unmapped ones are kept as they are.
    let won = contact(&dataset, "106");
    assert_eq!(stage(&program, won).as_deref(), Some("Customer"));
    assert_eq!(won.tags, vec!["newsletter", "partner"]);
    assert_eq!(stage(&program, contact(&dataset, "107")), None);
    assert_eq!(
        stage(&program, contact(&dataset, "108")).as_deref(),
        Some("MQL")
    );
}

/// A scratch mapping file with `text`.
fn mapping_file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_bad_mapping_is_a_coded_error_and_exit_2() {
    let dir = common::scratch("mappings-bad");
    let cases = [
        (
            "typo.map.json",
            r#"{"contacts": {"value": {}}}"#,
            "D017 unknown field `value`, expected one of",
        ),
        (
            "time.map.json",
            r#"{"contacts": {"formats": {"Create Date": "%H:%M"}}}"#,
            "D017 `formats` for column `Create Date`: date format \"%H:%M\" does not give a whole date",
        ),
        (
            "directive.map.json",
            r#"{"contacts": {"formats": {"Create Date": "%m/%d/%Q"}}}"#,
            "D017 `formats` for column `Create Date`: date format \"%m/%d/%Q\" has a directive chrono does not know",
        ),
        (
            "twice.map.json",
            r#"{"contacts": {"values": {"Lifecycle Stage": {"lead": "Lead", "LEAD": "Lead"}}}}"#,
            "D017 `values` for column `Lifecycle Stage` lists",
        ),
        (
            "stages.map.json",
            r#"{"contacts": {"columns": {"Record ID": "id", "Lifecycle Stage": "stage"},
                "values": {"Lifecycle Stage": {"lead": "Leed"}}}}"#,
            "(contacts): D018 `values` for column `Lifecycle Stage` map to \"Leed\", but that is not a declared stage; the stages are Subscriber, Lead, MQL, SQL, Opportunity, Customer, Evangelist",
        ),
        (
            "bool.map.json",
            r#"{"contacts": {"columns": {"Record ID": "id", "Marketing contact status": "marketing_contact"},
                "values": {"Marketing contact status": {"Marketing contact": "maybe"}}}}"#,
            "D018 `values` for column `Marketing contact status` map to \"maybe\", but the column is read as a bool",
        ),
    ];
    for (name, text, expected) in cases {
        let map = mapping_file(&dir, name, text);
        let run = nurture(&["segments", RULES, "--contacts", HUBSPOT, "--map", &map]);
        assert_eq!(run.code(), Some(2), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("error: mapping {map}")) && run.stderr.contains(expected),
            "{name}: expected {expected:?} in\n{}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{name}: nothing is counted");
    }
}

#[test]
fn a_value_neither_mapped_nor_valid_is_a_bad_row_naming_the_map() {
    let dir = common::scratch("mappings-unmapped");
    let csv = dir.join("hubspot.csv");
    std::fs::write(
        &csv,
        "Record ID,Lifecycle Stage,Create Date\n1,lead,03/05/2024 10:20\n2,champion,03/05/2024\n3,Lead,5 March 2024\n",
    )
    .unwrap();
    let map = mapping_file(
        &dir,
        "map.json",
        r#"{"contacts": {
            "columns": {"Record ID": "id", "Lifecycle Stage": "stage", "Create Date": "created_at"},
            "values": {"Lifecycle Stage": {"lead": "Lead"}},
            "formats": {"Create Date": ["%m/%d/%Y %H:%M", "%m/%d/%Y"]}}}"#,
    );
    let csv = csv.display().to_string();
    let run = nurture(&["segments", RULES, "--contacts", &csv, "--map", &map]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains(&format!(
        "error: {csv}:3: D004 [Lifecycle Stage] stage \"champion\" is not declared; the stages are Subscriber, Lead, MQL, SQL, Opportunity, Customer, Evangelist; it is not in the mapping's `values` for column `Lifecycle Stage`: add it there\n"
    )), "{}", run.stderr);
    assert!(run.stderr.contains(&format!(
        "error: {csv}:4: D008 [Create Date] `created_at` is not a timestamp: \"5 March 2024\" (use RFC 3339 such as 2025-03-01T09:30:00Z, or a bare date 2025-03-01); it fits none of the mapping's `formats` for column `Create Date` (\"%m/%d/%Y %H:%M\", \"%m/%d/%Y\")\n"
    )), "{}", run.stderr);
    // With --skip-bad-rows the counts reconcile: read = used + rejected.
    let run = nurture(&[
        "segments",
        RULES,
        "--contacts",
        &csv,
        "--map",
        &map,
        "--skip-bad-rows",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    assert_eq!(run.json()["contacts"], 1);
}

#[test]
fn without_a_map_a_bad_stage_or_date_says_a_mapping_can_give_one() {
    let dir = common::scratch("mappings-none");
    let csv = dir.join("contacts.csv");
    std::fs::write(
        &csv,
        "id,stage,created_at\n1,marketingqualifiedlead,2024-03-05\n2,Lead,03/05/2024 10:20\n",
    )
    .unwrap();
    let csv = csv.display().to_string();
    let run = nurture(&["segments", RULES, "--contacts", &csv]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("D004 [stage] stage \"marketingqualifiedlead\" is not declared; the stages are Subscriber, Lead, MQL, SQL, Opportunity, Customer, Evangelist; to load an export's own stage names, map them to stages with `values` in a --map file (see docs/data.md)"), "{}", run.stderr);
    assert!(run.stderr.contains("D008 [created_at] `created_at` is not a timestamp: \"03/05/2024 10:20\" (use RFC 3339 such as 2025-03-01T09:30:00Z, or a bare date 2025-03-01); for another date format, give it with `formats` in a --map file (see docs/data.md)"), "{}", run.stderr);
}

#[test]
fn segments_on_contact_fields_need_no_events() {
    let run = nurture(&[
        "segments",
        RULES,
        "--contacts",
        HUBSPOT,
        "--map",
        HUBSPOT_MAP,
        "--at",
        "2025-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["contacts"], 32);
    let count = |name: &str| {
        json["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["segment"] == name)
            .unwrap()["contacts"]
            .clone()
    };
    // Every contact at SQL or later, however its stage was spelt.
    assert_eq!(count("sales_ready"), 15);
    assert_eq!(count("us_prospects"), 7);
    // Rules that read events are left out, and a note says so.
    let rules: Vec<_> = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].clone())
        .collect();
    assert_eq!(rules, vec!["welcome_new_subscriber"]);
    assert!(run.stderr.contains(
        "note: without --events, the conditions of rules that read events are not counted: subscriber_to_lead, lead_to_mql"
    ), "{}", run.stderr);
    // The same counts as with an events file that has no rows.
    let dir = common::scratch("mappings-empty-events");
    let events = dir.join("events.csv");
    std::fs::write(&events, "contact_id,type,at\n").unwrap();
    let with = nurture(&[
        "segments",
        RULES,
        "--contacts",
        HUBSPOT,
        "--map",
        HUBSPOT_MAP,
        "--at",
        "2025-01-01",
        "--format",
        "json",
        "--events",
        &events.display().to_string(),
    ]);
    assert_eq!(with.code(), Some(0), "{}", with.stderr);
    assert_eq!(with.json()["segments"], json["segments"]);
}

#[test]
fn without_at_or_events_the_instant_is_the_last_created_at() {
    let run = nurture(&[
        "segments",
        RULES,
        "--contacts",
        MAUTIC,
        "--map",
        MAUTIC_MAP,
        "--format",
        "json",
    ]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr);
    // The latest date_added of the sample, 2024-12-… in New York.
    let at = run.json()["at"].as_str().unwrap().to_string();
    let dataset = load(MAUTIC, MAUTIC_MAP).1;
    let last = dataset
        .contacts
        .iter()
        .filter_map(|c| c.created_at)
        .max()
        .unwrap();
    assert_eq!(at, nurture::base::time::rfc3339(last));
}

#[test]
fn a_segment_that_reads_events_needs_events_and_is_named() {
    let run = nurture(&[
        "segments",
        "examples/b2b_lifecycle.nurture",
        "--contacts",
        "examples/data/b2b_contacts.csv",
    ]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: segment `engaged` reads events (what contacts did), so `segments` needs --events; only segments on contact fields (stage, points, tags, fields) are counted without it\n"
    );
    assert_eq!(run.stdout, "");
    // simulate still requires --events.
    let run = nurture(&[
        "simulate",
        RULES,
        "--contacts",
        HUBSPOT,
        "--map",
        HUBSPOT_MAP,
    ]);
    assert_eq!(run.code(), Some(2));
    assert!(run.stderr.contains("--events <EVENTS>"), "{}", run.stderr);
}

/// Events: a value map on `type` (an export's own activity names), date
/// formats on `at`, a value map on a property; JSON contacts with a value
/// map on a list field, item by item, where `null` drops an item.
#[test]
fn events_and_json_inputs_take_value_maps_and_formats() {
    use nurture::base::value::Value;
    use nurture::base::vocab::FieldType;
    let schema = Schema::new(
        vec![
            ("interests".to_string(), FieldType::TextList),
            ("vip".to_string(), FieldType::Bool),
        ],
        vec![],
        vec!["Lead".to_string(), "MQL".to_string()],
        chrono_tz::Europe::Warsaw,
    );
    let mapping = Mapping::from_json(
        r#"{
          "contacts": {
            "values": {"interests": {"Pricing": "pricing", "spam": null}, "vip": {"gold": "yes"}}
          },
          "events": {
            "columns": {"Activity": "type", "When": "at", "Email name": "email"},
            "values": {"Activity": {"Email open": "email.opened", "Unsubscribe": "unsubscribed"},
                       "Email name": {"Welcome (v2)": "welcome"}},
            "formats": {"When": "%d.%m.%Y %H:%M"}
          }
        }"#,
    )
    .unwrap();
    let contacts = r#"[{"id": "c1", "interests": ["Pricing", "spam", "webinar"], "vip": "GOLD"}]"#;
    let events = "contact_id,Activity,When,Email name\nc1,email open,05.03.2024 10:20,Welcome (v2)\nc1,Unsubscribe,2024-03-06,\n";
    let options = LoadOptions {
        mapping: Some(mapping),
        ..LoadOptions::default()
    };
    let dataset = data::load_str(&schema, Some(contacts), events, &options).unwrap();
    assert_eq!(dataset.report.events.rejected, 0);
    let c = &dataset.contacts[0];
    assert_eq!(
        c.fields[0],
        Some(Value::TextList(vec!["pricing".into(), "webinar".into()]))
    );
    assert_eq!(c.fields[1], Some(Value::Bool(true)));
    let opened = &dataset.events[0];
    assert_eq!(
        schema.event_types[usize::from(opened.event_type)].name,
        "email.opened"
    );
    // 10:20 in Warsaw (CET) is 09:20 UTC.
    assert_eq!(opened.at, utc("2024-03-05T09:20:00Z"));
    assert_eq!(opened.properties[0], Some(Value::Text("welcome".into())));
    let unsubscribed = &dataset.events[1];
    assert_eq!(
        schema.event_types[usize::from(unsubscribed.event_type)].name,
        "unsubscribed"
    );
    // A date the format does not read falls through to the normal reading.
    assert_eq!(unsubscribed.at, utc("2024-03-05T23:00:00Z"));
    // An event type mapped to one the rules do not declare is D018.
    let bad =
        Mapping::from_json(r#"{"events": {"values": {"type": {"open": "email.open"}}}}"#).unwrap();
    let err = data::load_str(
        &schema,
        None,
        "contact_id,type,at\nc1,open,2024-03-05\n",
        &LoadOptions {
            mapping: Some(bad),
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("D018 `values` for column `type` map to \"email.open\", but that is neither a built-in nor a declared event type"),
        "{err}"
    );
}
