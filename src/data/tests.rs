#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::base::vocab::FieldType;
use chrono::NaiveDate;

fn schema() -> Schema {
    Schema::new(
        vec![
            ("email_address".into(), FieldType::Text),
            ("company_size".into(), FieldType::Number),
            ("vip".into(), FieldType::Bool),
            ("birthday".into(), FieldType::Date),
            ("last_seen".into(), FieldType::DateTime),
            ("interests".into(), FieldType::TextList),
        ],
        vec![
            EventTypeSchema::new("referral", &[("referred", FieldType::Text)]),
            EventTypeSchema::new(
                "refund",
                &[("amount", FieldType::Number), ("order_id", FieldType::Text)],
            ),
        ],
        vec![
            "Subscriber".into(),
            "Lead".into(),
            "MQL".into(),
            "Customer".into(),
        ],
        chrono_tz::UTC,
    )
}

fn opts(skip: bool) -> LoadOptions {
    LoadOptions {
        skip_bad_rows: skip,
        mapping: None,
        ..LoadOptions::default()
    }
}

fn ts(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

const CONTACTS: &str = "\
id,email_address,company_size,vip,birthday,last_seen,interests,stage,points,tags,created_at
c1,a@x.com,50,yes,1990-05-01,2025-01-02T03:04:05Z,crm;email,Lead,12,hot; b2b ,2025-01-01
c2,,,,,,,,,,
c3,\"c,3@x.com\",1e3,FALSE,,2025-01-02,,Customer,-3,,2025-02-01T10:00:00+01:00
";

const EVENTS: &str = "\
contact_id,type,at,email,url,amount,order_id,category,channel,referred
c2,email.sent,2025-01-05T10:00:00Z,welcome,,,,,,
c1,email.opened,2025-01-03T10:00:00Z,welcome,,,,,,
c1,email.sent,2025-01-03T09:00:00Z,welcome,,,,,,
c1,purchase,2025-01-03T10:00:00Z,,,199.5,o-1,pro,online,
c1,unsubscribed,2025-01-04,,,,,,,
c3,referral,2025-02-02T00:00:00Z,,,,,,,c1
";

fn problems_of(err: LoadError) -> Vec<RowProblem> {
    match err {
        LoadError::BadRows(r) => r.problems,
        other => panic!("expected bad rows, got {other}"),
    }
}

#[test]
fn loads_csv_contacts_and_events() {
    let d = load_str(&schema(), Some(CONTACTS), EVENTS, &opts(false)).unwrap();
    assert_eq!(d.contacts.len(), 3);
    let c1 = &d.contacts[0];
    assert_eq!(c1.id, "c1");
    assert_eq!(c1.fields[0], Some(Value::Text("a@x.com".into())));
    assert_eq!(c1.fields[1], Some(Value::Number(50.0)));
    assert_eq!(c1.fields[2], Some(Value::Bool(true)));
    assert_eq!(
        c1.fields[3],
        Some(Value::Date(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()))
    );
    assert_eq!(
        c1.fields[4],
        Some(Value::DateTime(ts("2025-01-02T03:04:05Z")))
    );
    assert_eq!(
        c1.fields[5],
        Some(Value::TextList(vec!["crm".into(), "email".into()]))
    );
    assert_eq!(c1.stage, Some(1));
    assert_eq!(c1.points, 12);
    assert_eq!(c1.tags, vec!["hot".to_string(), "b2b".to_string()]);
    assert_eq!(c1.created_at, Some(ts("2025-01-01T00:00:00Z")));
    let c2 = &d.contacts[1];
    assert!(c2.fields.iter().all(Option::is_none));
    assert_eq!((c2.stage, c2.points, c2.created_at), (None, 0, None));
    let c3 = &d.contacts[2];
    assert_eq!(c3.fields[0], Some(Value::Text("c,3@x.com".into())));
    assert_eq!(c3.fields[1], Some(Value::Number(1000.0)));
    assert_eq!(c3.created_at, Some(ts("2025-02-01T09:00:00Z")));

    // Sorted by (contact, at, input order): the 10:00 open precedes the
    // 10:00 purchase because it came first in the file.
    let order: Vec<(u32, String)> = d
        .events
        .iter()
        .map(|e| (e.contact, d_type(&e.event_type)))
        .collect();
    assert_eq!(
        order,
        vec![
            (0, "email.sent"),
            (0, "email.opened"),
            (0, "purchase"),
            (0, "unsubscribed"),
            (1, "email.sent"),
            (2, "referral"),
        ]
        .into_iter()
        .map(|(c, t)| (c, t.to_string()))
        .collect::<Vec<_>>()
    );
    assert_eq!(d.contact_event_ranges, vec![0..4, 4..5, 5..6]);
    assert_eq!(d.events_of(2).len(), 1);
    assert_eq!(d.events_of(99).len(), 0);
    assert_eq!(d.find_contact("c3"), Some(2));
    assert_eq!(d.find_contact("nobody"), None);
    let purchase = &d.events[2];
    assert_eq!(
        purchase.properties.to_vec(),
        vec![
            Some(Value::Number(199.5)),
            Some(Value::Text("o-1".into())),
            Some(Value::Text("pro".into())),
            Some(Value::Text("online".into())),
        ]
    );
    assert!(d.events[3].properties.is_empty());
    assert_eq!(
        d.events[5].properties.to_vec(),
        vec![Some(Value::Text("c1".into()))]
    );
    let r = &d.report;
    assert_eq!(
        r.contacts,
        RowCounts {
            read: 3,
            used: 3,
            rejected: 0,
            skipped: 0
        }
    );
    assert_eq!(
        r.events,
        RowCounts {
            read: 6,
            used: 6,
            rejected: 0,
            skipped: 0
        }
    );
    assert!(r.problems.is_empty());
    assert_eq!((r.contact_count, r.event_count), (3, 6));
    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["events"]["read"], 6);
}

/// The name of event type `t` of [`schema()`].
fn d_type(t: &u16) -> String {
    schema().event_types[usize::from(*t)].name.clone()
}

#[test]
fn builtin_event_types_come_from_the_one_table() {
    // The loader's built-ins are the checker's, in the same order, so an
    // event type index means the same in the data and in the program; the
    // list itself is checked against the docs in tests/builtin_event_types.rs.
    let b = Schema::builtin_event_types();
    let table: Vec<EventTypeSchema> = crate::ir::BUILTIN_EVENT_TYPES
        .iter()
        .map(|(name, props)| EventTypeSchema::new(name, props))
        .collect();
    assert_eq!(b, table);
    assert_eq!(schema().event_types[..b.len()], b[..]);
}

fn one_bad_contact(row: &str) -> RowProblem {
    let contacts =
        format!("id,company_size,vip,birthday,last_seen,stage,points,created_at\n{row}\n");
    let err = load_str(
        &schema(),
        Some(&contacts),
        "contact_id,type,at\n",
        &opts(false),
    )
    .unwrap_err();
    let mut p = problems_of(err);
    assert_eq!(p.len(), 1, "{p:?}");
    p.remove(0)
}

#[test]
fn contact_row_codes() {
    let p = one_bad_contact("c1,1,yes");
    assert_eq!(
        (p.code.as_str(), p.line, p.column.as_deref()),
        ("D001", 2, None)
    );
    assert!(
        p.message.contains("3 fields but the header has 8"),
        "{}",
        p.message
    );

    let p = one_bad_contact(",1,,,,,,");
    assert_eq!((p.code.as_str(), p.column.as_deref()), ("D002", Some("id")));

    let p = one_bad_contact("c1,abc,,,,,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D003", Some("company_size"))
    );
    assert_eq!(
        p.message,
        "`company_size` is declared as a number but the value is \"abc\""
    );
    assert_eq!(one_bad_contact("c1,,maybe,,,,,").code, "D003");
    assert_eq!(one_bad_contact("c1,,,1990-02-30,,,,").code, "D003");
    assert_eq!(one_bad_contact("c1,,,,soon,,,").code, "D003");

    let p = one_bad_contact("c1,,,,,Leed,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D004", Some("stage"))
    );
    assert!(p.message.contains("did you mean `Lead`?"), "{}", p.message);

    let p = one_bad_contact("c1,,,,,,,yesterday");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D008", Some("created_at"))
    );

    let p = one_bad_contact("c1,,,,,,1.5,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D009", Some("points"))
    );
}

#[test]
fn invalid_utf8_is_a_malformed_row() {
    let mut contacts = b"id,email_address\nc1,".to_vec();
    contacts.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let err = load_inputs(
        &schema(),
        Some(Input::from_bytes("contacts.csv", Format::Csv, contacts)),
        Input::from_bytes("events.csv", Format::Csv, "contact_id,type,at\n"),
        &opts(false),
    )
    .unwrap_err();
    let p = problems_of(err);
    assert_eq!(
        (p[0].code.as_str(), p[0].line, p[0].file.as_str()),
        ("D001", 2, "contacts.csv")
    );
}

#[test]
fn duplicate_contact_id() {
    let err = load_str(
        &schema(),
        Some("id\nc1\nc2\nc1\n"),
        "contact_id,type,at\n",
        &opts(false),
    )
    .unwrap_err();
    let p = problems_of(err);
    assert_eq!((p[0].code.as_str(), p[0].line), ("D007", 4));
    assert!(p[0].message.contains("already used on line 2"));
    let d = load_str(
        &schema(),
        Some("id\nc1\nc2\nc1\n"),
        "contact_id,type,at\n",
        &opts(true),
    )
    .unwrap();
    assert_eq!(d.contacts.len(), 2);
    assert_eq!(
        d.report.contacts,
        RowCounts {
            read: 3,
            used: 2,
            rejected: 1,
            skipped: 0
        }
    );
}

fn one_bad_event(row: &str) -> RowProblem {
    let contacts = "id,company_size\nc1,1\nc2,oops\n";
    let events = format!("contact_id,type,at,amount,email\n{row}\n");
    let err = load_str(&schema(), Some(contacts), &events, &opts(false)).unwrap_err();
    let mut p: Vec<RowProblem> = problems_of(err)
        .into_iter()
        .filter(|p| p.file == "events")
        .collect();
    assert_eq!(p.len(), 1, "{p:?}");
    p.remove(0)
}

#[test]
fn event_row_codes() {
    assert_eq!(one_bad_event("c1,purchase").code, "D001");
    let p = one_bad_event(",purchase,2025-01-01,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D002", Some("contact_id"))
    );
    let p = one_bad_event("c1,,2025-01-01,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D002", Some("type"))
    );
    let p = one_bad_event("c1,purchase,,,");
    assert_eq!((p.code.as_str(), p.column.as_deref()), ("D002", Some("at")));
    let p = one_bad_event("c1,purchase,2025-01-01,abc,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D003", Some("amount"))
    );
    assert_eq!(
        p.message,
        "`amount` of a `purchase` event is declared as a number but the value is \"abc\""
    );
    let p = one_bad_event("c1,email.open,2025-01-01,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D005", Some("type"))
    );
    assert!(
        p.message.contains("did you mean `email.opened`?"),
        "{}",
        p.message
    );
    let p = one_bad_event("c9,purchase,2025-01-01,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D006", Some("contact_id"))
    );
    let p = one_bad_event("c1,purchase,2025-13-01,,");
    assert_eq!((p.code.as_str(), p.column.as_deref()), ("D008", Some("at")));
    let p = one_bad_event("c2,purchase,2025-01-01,,");
    assert_eq!(
        (p.code.as_str(), p.column.as_deref()),
        ("D010", Some("contact_id"))
    );
    assert!(p.message.contains("line 3 of contacts"), "{}", p.message);
}

#[test]
fn every_code_is_documented() {
    let tested = [
        "D001", "D002", "D003", "D004", "D005", "D006", "D007", "D008", "D009", "D010", "D011",
        "D012", "D013", "D014", "D015", "D016", "D017", "D018",
    ];
    let listed: Vec<&str> = codes::CODES.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, tested);
    assert!(codes::describe("D004").is_some());
    assert!(codes::describe("X999").is_none());
}

#[test]
fn bad_rows_fail_unless_skipped_and_counts_reconcile() {
    let events = "contact_id,type,at\nc1,email.sent,2025-01-01\nc1,nope,2025-01-01\nc9,email.sent,2025-01-01\n";
    let err = load_str(&schema(), Some("id\nc1\n"), events, &opts(false)).unwrap_err();
    let r = err.report().unwrap().clone();
    assert_eq!(
        r.events,
        RowCounts {
            read: 3,
            used: 1,
            rejected: 2,
            skipped: 0
        }
    );
    assert_eq!(r.problem_count, 2);
    assert_eq!(r.problems_by_code.get("D005"), Some(&1));
    assert!(err.to_string().contains("2 bad rows"));
    let d = load_str(&schema(), Some("id\nc1\n"), events, &opts(true)).unwrap();
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.report.events, r.events);
    assert_eq!(d.report.problems.len(), 2);
}

#[test]
fn problems_are_capped_but_counted() {
    let mut events = String::from("contact_id,type,at\n");
    for _ in 0..1500 {
        events.push_str("c1,nope,2025-01-01\n");
    }
    let d = load_str(&schema(), Some("id\nc1\n"), &events, &opts(true)).unwrap();
    assert_eq!(d.report.problems.len(), MAX_STORED_PROBLEMS);
    assert_eq!(d.report.problem_count, 1500);
    assert_eq!(d.report.events.rejected, 1500);
    // In line order.
    assert!(d.report.problems.windows(2).all(|w| w[0].line < w[1].line));
}

#[test]
fn missing_required_columns_is_a_file_error() {
    let err = load_str(
        &schema(),
        Some("email_address\nx\n"),
        "contact_id,type,at\n",
        &opts(false),
    )
    .unwrap_err();
    assert!(matches!(&err, LoadError::MissingColumns { missing, .. } if missing == &["id"]));
    assert!(
        err.to_string().contains("missing required column `id`"),
        "{err}"
    );
    let err = load_str(&schema(), Some("id\n"), "contact,type\n", &opts(false)).unwrap_err();
    match err {
        LoadError::MissingColumns { missing, .. } => assert_eq!(missing, vec!["contact_id", "at"]),
        other => panic!("{other}"),
    }
    assert!(matches!(
        load_str(&schema(), Some(""), "contact_id,type,at\n", &opts(false)),
        Err(LoadError::Format { .. })
    ));
}

#[test]
fn unknown_columns_and_properties_are_noted_once() {
    let events = "contact_id,type,at,email,colour\nc1,page.visited,2025-01-01,x,red\nc1,page.visited,2025-01-02,y,\n";
    let d = load_str(
        &schema(),
        Some("id,shoe_size\nc1,44\n"),
        events,
        &opts(false),
    )
    .unwrap();
    let notes = d.report.notes.join("\n");
    assert!(
        notes.contains("column `shoe_size` is not a declared field"),
        "{notes}"
    );
    assert!(
        notes.contains("column `colour` is not contact_id"),
        "{notes}"
    );
    assert_eq!(
        d.report
            .notes
            .iter()
            .filter(|n| n.contains("`email` is not a property of `page.visited`"))
            .count(),
        1,
        "{notes}"
    );
    assert!(
        notes.contains("declared field `company_size` has no column"),
        "{notes}"
    );
}

#[test]
fn json_array_contacts_and_json_lines_events() {
    let contacts = r#"[
      {"id": "c1", "company_size": "12", "vip": true, "interests": ["a", "b"], "stage": "MQL",
       "points": 4, "tags": ["x", "x", "y"], "extra": 1},
      {"id": 2, "birthday": null}
    ]"#;
    let events = r#"{"contact_id": "c1", "type": "purchase", "at": "2025-01-01T00:00:00Z", "properties": {"amount": 10, "order_id": 77}}

{"contact_id": "2", "type": "page.visited", "at": "2025-01-01", "url": "/pricing", "bogus": 1}
"#;
    let d = load_str(&schema(), Some(contacts), events, &opts(false)).unwrap();
    assert_eq!(d.contacts[0].fields[1], Some(Value::Number(12.0)));
    assert_eq!(d.contacts[0].fields[2], Some(Value::Bool(true)));
    assert_eq!(
        d.contacts[0].fields[5],
        Some(Value::TextList(vec!["a".into(), "b".into()]))
    );
    assert_eq!(d.contacts[0].stage, Some(2));
    assert_eq!(d.contacts[0].points, 4);
    assert_eq!(d.contacts[0].tags, vec!["x".to_string(), "y".to_string()]);
    assert_eq!(d.contacts[1].id, "2");
    assert_eq!(d.events[0].properties[0], Some(Value::Number(10.0)));
    assert_eq!(d.events[0].properties[1], Some(Value::Text("77".into())));
    assert_eq!(
        d.events[1].properties.to_vec(),
        vec![Some(Value::Text("/pricing".into()))]
    );
    let notes = d.report.notes.join("\n");
    assert!(notes.contains("key `extra`"), "{notes}");
    assert!(notes.contains("key `bogus`"), "{notes}");
}

#[test]
fn json_problems_have_lines() {
    let events = "{\"contact_id\": \"c1\", \"type\": \"email.sent\", \"at\": \"2025-01-01\"}\n[1]\n{oops\n\n{\"contact_id\": \"c1\", \"type\": \"email.sent\", \"at\": \"x\"}\n";
    let err = load_str(&schema(), Some("[{\"id\": \"c1\"}]"), events, &opts(false)).unwrap_err();
    let p = problems_of(err);
    let got: Vec<(&str, u64)> = p.iter().map(|p| (p.code.as_str(), p.line)).collect();
    assert_eq!(got, vec![("D001", 2), ("D001", 3), ("D008", 5)]);
    let err = load_str(&schema(), Some("[{\"id\": \"c1\"}"), "", &opts(false)).unwrap_err();
    assert!(matches!(err, LoadError::Format { .. }), "{err}");
    let events = "[\n{\"contact_id\": \"c1\", \"type\": \"email.sent\", \"at\": \"2025-01-01\", \"properties\": 3}\n]";
    let p = problems_of(load_str(&schema(), Some("id\nc1\n"), events, &opts(false)).unwrap_err());
    assert_eq!((p[0].code.as_str(), p[0].line), ("D001", 2));
}

#[test]
fn bare_date_in_dst_gap_is_first_valid_instant() {
    let mut s = schema();
    s.timezone = chrono_tz::America::Santiago;
    let d = load_str(
        &s,
        Some("id,created_at\nc1,2024-09-08\n"),
        "contact_id,type,at\nc1,email.sent,2024-09-08\n",
        &opts(false),
    )
    .unwrap();
    assert_eq!(d.contacts[0].created_at, Some(ts("2024-09-08T04:00:00Z")));
    assert_eq!(d.events[0].at, ts("2024-09-08T04:00:00Z"));
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x1234_5678_9abc_def0_u64;
    for round in 0..200 {
        let len = (round * 37) % 3000;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed & 0xff) as u8);
        }
        for (prefix, format) in [
            (&b"id,stage,points\n"[..], Format::Csv),
            (&b"["[..], Format::Json),
            (&b"{"[..], Format::Auto),
            (&b""[..], Format::Auto),
        ] {
            let mut c = prefix.to_vec();
            c.extend_from_slice(&bytes);
            let mut e = b"contact_id,type,at\n".to_vec();
            e.extend_from_slice(&bytes);
            let _ = load_inputs(
                &schema(),
                Some(Input::from_bytes("c", format, c)),
                Input::from_bytes("e", format, e),
                &opts(true),
            );
        }
    }
    // Deep nesting and a huge line.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let _ = load_str(&schema(), Some(&deep), &deep, &opts(true));
    // A 5 MB line is over the default record limit (D013, its line named);
    // with the limit raised it loads.
    let huge = format!("id\n{}\n", "x".repeat(5_000_000));
    let err = load_str(&schema(), Some(&huge), "contact_id,type,at\n", &opts(true)).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Input {
                code,
                line: Some(2),
                ..
            } if code == codes::D013
        ),
        "{err}"
    );
    let raised = crate::data::Limits {
        max_record: 8 << 20,
        ..crate::data::Limits::default()
    };
    let d = load_inputs(
        &schema(),
        Some(Input::from_bytes("c", Format::Csv, huge).with_limits(raised)),
        Input::from_bytes("e", Format::Csv, "contact_id,type,at\n"),
        &opts(true),
    )
    .unwrap();
    assert_eq!(d.contacts.len(), 1);
}

#[test]
fn quoted_newlines_keep_line_numbers() {
    let contacts = "id,email_address\nc1,\"multi\nline\"\nc2,x\nc3,\"a\"\"b\"\n";
    let events = "contact_id,type,at\nc3,email.sent,bad\n";
    let d = load_str(&schema(), Some(contacts), events, &opts(true)).unwrap();
    assert_eq!(d.report.problems[0].line, 2);
    assert_eq!(
        d.contacts[0].fields[0],
        Some(Value::Text("multi\nline".into()))
    );
    assert_eq!(d.contacts[2].fields[0], Some(Value::Text("a\"b".into())));
    let c = "id,points\nc1,\"1\nx\"\nc2,x\n";
    let p = problems_of(
        load_str(&schema(), Some(c), "contact_id,type,at\n", &opts(false)).unwrap_err(),
    );
    assert_eq!((p[0].line, p[1].line), (2, 4));
}

#[test]
fn many_rows_across_batches_stay_in_order() {
    // More rows than one batch, out of time order, several per contact.
    let mut contacts = String::from("id\n");
    for i in 0..500 {
        contacts.push_str(&format!("c{i}\n"));
    }
    let mut events = String::from("contact_id,type,at,email\n");
    for k in 0..30_000u64 {
        let c = (k * 7919) % 500;
        let day = 1 + (k * 31) % 28;
        events.push_str(&format!("c{c},email.sent,2025-02-{day:02},e{k}\n"));
    }
    let d = load_str(&schema(), Some(&contacts), &events, &opts(false)).unwrap();
    assert_eq!(d.events.len(), 30_000);
    for (c, r) in d.contact_event_ranges.iter().enumerate() {
        let evs = &d.events[r.clone()];
        assert!(evs.iter().all(|e| e.contact as usize == c));
        for w in evs.windows(2) {
            assert!(w[0].at <= w[1].at);
            if w[0].at == w[1].at {
                let k = |e: &Event| match &e.properties[0] {
                    Some(Value::Text(s)) => s[1..].parse::<u64>().unwrap(),
                    _ => unreachable!(),
                };
                assert!(k(&w[0]) < k(&w[1]), "input order kept for equal times");
            }
        }
    }
    // Same result on a one-thread pool.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let d1 = pool
        .install(|| load_str(&schema(), Some(&contacts), &events, &opts(false)))
        .unwrap();
    assert_eq!(d1.events, d.events);
}

// ---- mapping ----

const RETAIL: &str = "\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,HEART,6,2010-12-01T08:26:00Z,2.55,17850,United Kingdom
536365,71053,LANTERN,6,2010-12-01T08:26:00Z,3.39,17850,United Kingdom
536366,22633,HAND WARMER,6,2010-12-01T08:28:00Z,1.85,,United Kingdom
C536379,D,Discount,-1,2010-12-01T09:41:00Z,27.5,14527,United Kingdom
536367,84879,BIRD,32,2010-12-01T08:34:00Z,1.69,13047,
536365,22752,SET 7,2,2010-12-01T08:27:00Z,7.65,17850,United Kingdom
A563185,B,Adjust bad debt,1,2011-08-12T14:50:00Z,11062.06,,United Kingdom
";

fn retail_schema() -> Schema {
    Schema::new(
        vec![("country".into(), FieldType::Text)],
        vec![EventTypeSchema::new(
            "refund",
            &[("amount", FieldType::Number), ("order_id", FieldType::Text)],
        )],
        vec![],
        chrono_tz::UTC,
    )
}

fn retail_mapping() -> Mapping {
    Mapping::from_json(include_str!("../../examples/online_retail.map.json")).unwrap()
}

#[test]
fn online_retail_mapping() {
    let options = LoadOptions {
        skip_bad_rows: false,
        mapping: Some(retail_mapping()),
        ..LoadOptions::default()
    };
    let d = load_inputs(
        &retail_schema(),
        None,
        Input::from_bytes("retail.csv", Format::Csv, RETAIL),
        &options,
    )
    .unwrap();
    let r = &d.report;
    assert!(r.contacts_derived);
    // 7 rows: 2 without customer are skipped, 5 used, 3 of them grouped
    // into one order.
    assert_eq!(
        r.events,
        RowCounts {
            read: 7,
            used: 5,
            rejected: 2,
            skipped: 2
        }
    );
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].count, 2);
    assert!(r.skipped[0].reason.contains("no contact id"));
    assert_eq!(d.events.len(), 3);
    let ids: Vec<&str> = d.contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, vec!["17850", "14527", "13047"]);
    assert_eq!(
        d.contacts[0].fields[0],
        Some(Value::Text("United Kingdom".into()))
    );
    assert_eq!(d.contacts[2].fields[0], None);
    assert_eq!(d.contacts[0].created_at, Some(ts("2010-12-01T08:26:00Z")));
    let order = &d.events[0];
    assert_eq!(order.event_type, 7); // purchase
    assert_eq!(order.at, ts("2010-12-01T08:26:00Z"));
    // 6*2.55 + 6*3.39 + 2*7.65
    assert_eq!(order.properties[0], Some(Value::Number(50.94)));
    assert_eq!(order.properties[1], Some(Value::Text("536365".into())));
    let refund = &d.events[1];
    assert_eq!(refund.event_type, 9);
    assert_eq!(refund.properties[0], Some(Value::Number(27.5)));
    assert_eq!(refund.properties[1], Some(Value::Text("C536379".into())));
    assert!(!r.has_bad_rows());
}

#[test]
fn mapping_type_must_be_declared() {
    let options = LoadOptions {
        skip_bad_rows: false,
        mapping: Some(retail_mapping()),
        ..LoadOptions::default()
    };
    let s = Schema::new(vec![], vec![], vec![], chrono_tz::UTC);
    let err = load_inputs(
        &s,
        None,
        Input::from_bytes("r.csv", Format::Csv, RETAIL),
        &options,
    )
    .unwrap_err();
    assert!(matches!(err, LoadError::Mapping { .. }), "{err}");
    assert!(err.to_string().contains("`refund`"), "{err}");
}

#[test]
fn classify_skip_and_missing_contact_error() {
    let m = Mapping::from_json(
        r#"{"events": {
            "columns": {"CustomerID": "contact_id", "InvoiceDate": "at"},
            "type": "purchase",
            "computed": {"amount": {"product": ["Quantity", "UnitPrice"]}},
            "classify": [{"column": "InvoiceNo", "prefix": "C", "skip": "cancellation"}],
            "ignore": ["StockCode", "Description", "Country", "InvoiceNo"]
        }}"#,
    )
    .unwrap();
    let options = LoadOptions {
        skip_bad_rows: true,
        mapping: Some(m),
        ..LoadOptions::default()
    };
    let d = load_inputs(
        &retail_schema(),
        None,
        Input::from_bytes("r.csv", Format::Csv, RETAIL),
        &options,
    )
    .unwrap();
    let r = &d.report;
    // Empty CustomerID is a bad row (D002) without `missing_contact: skip`;
    // the cancellation is skipped on purpose.
    assert_eq!(
        r.events,
        RowCounts {
            read: 7,
            used: 4,
            rejected: 3,
            skipped: 1
        }
    );
    assert_eq!(r.problems_by_code.get("D002"), Some(&2));
    assert!(r.skipped[0].reason.contains("cancellation"));
    // Not grouped: one event per line, amounts not rounded.
    assert_eq!(d.events.len(), 4);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn group_conflict_is_d011() {
    let m =
        Mapping::from_json(r#"{"events": {"type": "purchase", "group_by": "order_id"}}"#).unwrap();
    let events = "contact_id,at,order_id,amount\nc1,2025-01-01,o1,5\nc2,2025-01-01,o1,6\nc1,2025-01-02,o1,7\nc2,2025-01-01,,1\n";
    let options = LoadOptions {
        skip_bad_rows: false,
        mapping: Some(m.clone()),
        ..LoadOptions::default()
    };
    let err = load_str(&schema(), Some("id\nc1\nc2\n"), events, &options).unwrap_err();
    let p = problems_of(err);
    assert_eq!(
        (p[0].code.as_str(), p[0].line, p[0].column.as_deref()),
        ("D011", 3, Some("order_id"))
    );
    let options = LoadOptions {
        skip_bad_rows: true,
        mapping: Some(m),
        ..LoadOptions::default()
    };
    let d = load_str(&schema(), Some("id\nc1\nc2\n"), events, &options).unwrap();
    assert_eq!(
        d.report.events,
        RowCounts {
            read: 4,
            used: 3,
            rejected: 1,
            skipped: 0
        }
    );
    assert_eq!(d.events.len(), 2);
    assert_eq!(d.events[0].properties[0], Some(Value::Number(12.0)));
    assert_eq!(d.events[0].at, ts("2025-01-01T00:00:00Z"));
}

#[test]
fn mautic_style_contacts() {
    let m = Mapping::from_json(
        r#"{"contacts": {
            "columns": {"email": "email_address", "date_added": "created_at"},
            "ignore": ["firstname", "lastname"],
            "list_separator": "|",
            "missing_id": "skip"
        }}"#,
    )
    .unwrap();
    let contacts = "id,email,firstname,lastname,points,stage,tags,date_added\n\
                    7,a@x.com,Ann,Lee,15,Lead,webinar|hot,2024-03-01 10:20:30\n\
                    ,b@x.com,Bob,Ray,0,,,2024-03-02 00:00:00\n";
    let options = LoadOptions {
        skip_bad_rows: false,
        mapping: Some(m),
        ..LoadOptions::default()
    };
    let d = load_str(
        &schema(),
        Some(contacts),
        "contact_id,type,at\n7,email.sent,2024-03-05\n",
        &options,
    )
    .unwrap();
    assert_eq!(d.contacts.len(), 1);
    let c = &d.contacts[0];
    assert_eq!(c.fields[0], Some(Value::Text("a@x.com".into())));
    assert_eq!(c.tags, vec!["webinar".to_string(), "hot".to_string()]);
    assert_eq!(c.created_at, Some(ts("2024-03-01T10:20:30Z")));
    assert_eq!(
        d.report.contacts,
        RowCounts {
            read: 2,
            used: 1,
            rejected: 1,
            skipped: 1
        }
    );
    assert!(!d.report.notes.iter().any(|n| n.contains("firstname")));
}

#[test]
fn gzip_files_and_paths() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("nurture-data-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cpath = dir.join("contacts.csv");
    std::fs::write(&cpath, CONTACTS).unwrap();
    let epath = dir.join("events.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(EVENTS.as_bytes()).unwrap();
    std::fs::write(&epath, gz.finish().unwrap()).unwrap();
    let d = load(&schema(), &cpath, &epath, &opts(false)).unwrap();
    assert_eq!(d.events.len(), 6);
    let err = load(&schema(), &dir.join("missing.csv"), &epath, &opts(false)).unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }));
    // Truncated gzip: a file-level error, not a panic.
    let bytes = std::fs::read(&epath).unwrap();
    std::fs::write(&epath, &bytes[..bytes.len() / 2]).unwrap();
    assert!(load(&schema(), &cpath, &epath, &opts(true)).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// A row of the events file: good, or bad in one of several ways.
    fn event_row() -> impl Strategy<Value = (String, bool)> {
        prop_oneof![
            (0u32..5, 1u32..28)
                .prop_map(|(c, d)| (format!("c{c},email.sent,2025-01-{d:02},x"), true)),
            (0u32..5).prop_map(|c| (format!("c{c},purchase,2025-01-01,12.5"), true)),
            Just(("c1,nope,2025-01-01,".to_string(), false)),
            Just(("c99,email.sent,2025-01-01,".to_string(), false)),
            Just(("c1,email.sent,never,".to_string(), false)),
            Just(("c1,purchase,2025-01-01,lots".to_string(), false)),
            Just(("c1,email.sent".to_string(), false)),
            Just((",email.sent,2025-01-01,".to_string(), false)),
            Just(("cbad,email.sent,2025-01-01,".to_string(), false)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn counts_always_reconcile(rows in proptest::collection::vec(event_row(), 0..200)) {
            let contacts = "id,company_size\nc0,1\nc1,2\nc2,3\nc3,4\nc4,5\ncbad,x\n";
            let mut events = String::from("contact_id,type,at,amount\n");
            for (row, _) in &rows {
                events.push_str(row);
                events.push('\n');
            }
            let good = rows.iter().filter(|(_, g)| *g).count() as u64;
            let d = load_str(&schema(), Some(contacts), &events, &opts(true)).unwrap();
            let r = &d.report;
            prop_assert_eq!(r.events.read, rows.len() as u64);
            prop_assert_eq!(r.events.read, r.events.used + r.events.rejected);
            prop_assert_eq!(r.contacts.read, r.contacts.used + r.contacts.rejected);
            prop_assert_eq!(r.events.used, good);
            prop_assert_eq!(r.problem_count, 1 + rows.len() as u64 - good);
            let strict = load_str(&schema(), Some(contacts), &events, &opts(false));
            prop_assert!(strict.is_err());
        }
    }
}

/// The real Online Retail export (not part of the repository).
/// `cargo test --release --lib data::tests::online_retail_real -- --ignored --nocapture`
/// reads `$NURTURE_ONLINE_RETAIL` or `../shared/data/online_retail/online_retail.csv.gz`.
#[test]
#[ignore = "needs the shared Online Retail data set"]
fn online_retail_real() {
    let path = std::env::var_os("NURTURE_ONLINE_RETAIL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/data/online_retail/online_retail.csv.gz")
        });
    let options = LoadOptions {
        skip_bad_rows: false,
        mapping: Some(retail_mapping()),
        ..LoadOptions::default()
    };
    let t = std::time::Instant::now();
    let d = load_paths(&retail_schema(), None, &path, &options).unwrap();
    let elapsed = t.elapsed();
    let r = &d.report;
    let refunds = d.events.iter().filter(|e| e.event_type == 9).count();
    let orders = d.events.iter().filter(|e| e.event_type == 7).count();
    println!("loaded in {elapsed:.2?}");
    println!("rows: {:?}", r.events);
    println!("skipped: {:?}", r.skipped);
    println!("problems: {} {:?}", r.problem_count, r.problems_by_code);
    println!("notes: {:#?}", r.notes);
    println!(
        "customers {}, orders {orders}, cancellations {refunds}, events {}",
        d.contacts.len(),
        d.events.len()
    );
    assert_eq!(r.events.read, r.events.used + r.events.rejected);
    assert!(!r.has_bad_rows());
}

#[test]
fn line_numbers_stay_right_across_blocks() {
    // Over 2 MiB, so the file is cut into several blocks, with quoted line
    // breaks everywhere and a bad row near the end.
    let mut events = String::from("contact_id,type,at,email\n");
    let mut line = 2u64;
    for k in 0..60_000u64 {
        events.push_str(&format!(
            "c1,email.sent,2025-01-01,\"mail {k}\nsecond line, with comma \"\"q\"\"\"\n"
        ));
        line += 2;
    }
    events.push_str("c1,email.sent,not a time,x\n");
    let bad_line = line;
    events.push_str("c1,email.sent,2025-01-02,\"last\"\n");
    assert!(events.len() > 3 << 20);
    let d = load_str(&schema(), Some("id\nc1\n"), &events, &opts(true)).unwrap();
    assert_eq!(d.events.len(), 60_001);
    assert_eq!(d.report.problems.len(), 1);
    assert_eq!(
        (
            d.report.problems[0].code.as_str(),
            d.report.problems[0].line
        ),
        ("D008", bad_line)
    );
    assert_eq!(
        d.events[7].properties[0],
        Some(Value::Text("mail 7\nsecond line, with comma \"q\"".into()))
    );
}

#[test]
fn same_result_with_one_or_two_threads_on_a_multi_block_unsorted_file() {
    let mut contacts = String::from("id\n");
    for i in 0..2000 {
        contacts.push_str(&format!("c{i}\n"));
    }
    let mut events = String::from("contact_id,type,at,email\n");
    let mut x = 12345u64;
    for k in 0..120_000u64 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let c = (x >> 33) % 2000;
        let day = 1 + (x >> 20) % 28;
        events.push_str(&format!(
            "c{c},email.sent,2025-02-{day:02}T10:00:00Z,mail-{k}\n"
        ));
    }
    assert!(events.len() > 5 << 20);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| load_str(&schema(), Some(&contacts), &events, &opts(false)))
            .unwrap()
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.events, b.events);
    assert_eq!(a.contact_event_ranges, b.contact_event_ranges);
    assert_eq!(a.report, b.report);
    // Sorted by (contact, at, input order).
    let k = |e: &Event| match &e.properties[0] {
        Some(Value::Text(s)) => s[5..].parse::<u64>().unwrap(),
        _ => unreachable!(),
    };
    assert!(a.events.windows(2).all(|w| {
        let (p, q) = ((w[0].contact, w[0].at), (w[1].contact, w[1].at));
        p < q || (p == q && k(&w[0]) < k(&w[1]))
    }));
    assert_eq!(a.events.len(), 120_000);
}
