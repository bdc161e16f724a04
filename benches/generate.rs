//! `nurture generate`: the calibration figures of the synthetic B2B data,
//! and generating and loading it at full scale.
//!
//! * `cargo bench --bench generate` prints the calibration figures: events
//!   per contact, per type, and the share of contacts that reached each
//!   step of the funnel (`NURTURE_GEN_CONTACTS`, default 20,000, and
//!   `NURTURE_GEN_SEED`, default 5). Run it after changing the generator's
//!   rates, and compare with the figures in `src/generate.rs`.
//! * `cargo bench --bench generate -- --million` generates 1,000,000
//!   contacts (~10M events, ~1 GB of disk) into `NURTURE_GEN_DIR` (default
//!   a temporary directory), then loads them, printing wall and CPU time of
//!   each (`NURTURE_GEN_CONTACTS` changes the size; `NURTURE_LOAD_ONLY=1`
//!   loads what an earlier run wrote).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nurture::data::{self, Format, Input, LoadOptions, Schema};
use nurture::generate::{generate, generate_to_dir, GenerateOptions, GenerateSummary};
use std::time::Instant as Clock;

fn main() {
    if std::env::args().any(|a| a == "--million") {
        million_contacts();
    } else {
        calibration();
    }
}

/// The schema of the shipped B2B example, which the generator's data is
/// made for.
fn b2b_schema() -> Schema {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/b2b_lifecycle.nurture"
    );
    let checked = nurture::driver::check_file(std::path::Path::new(path), "b2b_lifecycle.nurture")
        .expect("the B2B example is readable");
    let program = checked.program.expect("the B2B example checks");
    Schema::from(&program)
}

fn calibration() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let n = env("NURTURE_GEN_CONTACTS", 20_000);
    let o = GenerateOptions {
        contacts: n,
        seed: env("NURTURE_GEN_SEED", 5),
        ..GenerateOptions::default()
    };
    let (mut c, mut e) = (Vec::new(), Vec::new());
    let s = generate(&o, &mut c, &mut e).unwrap();
    println!("events/contact {:.2}", s.events as f64 / n as f64);
    for (t, k) in &s.by_type {
        println!("{t:18} {:8} {:.3}/contact", k, *k as f64 / n as f64);
    }
    let schema = b2b_schema();
    let d = data::load_inputs(
        &schema,
        Some(Input::from_bytes("c", Format::Csv, c)),
        Input::from_bytes("e", Format::Csv, e),
        &LoadOptions::default(),
    )
    .unwrap();
    let ty = |name: &str| schema.event_type_index(name).unwrap() as u16;
    let text = |e: &data::Event| match e.properties.first() {
        Some(Some(nurture::base::value::Value::Text(s))) => s.to_string(),
        _ => String::new(),
    };
    // The share of contacts whose events satisfy `f`.
    let share_of = |f: &dyn Fn(&[data::Event]) -> bool| {
        (0..d.contacts.len()).filter(|i| f(d.events_of(*i))).count() as f64
            / d.contacts.len() as f64
    };
    // The share of contacts with at least one event satisfying `f`.
    let share = |f: &dyn Fn(&data::Event) -> bool| share_of(&|events| events.iter().any(f));
    println!(
        "opened any      {:.3}",
        share(&|e| e.event_type == ty("email.opened"))
    );
    println!(
        "clicked any     {:.3}",
        share(&|e| e.event_type == ty("email.clicked"))
    );
    println!(
        "visited pricing {:.3}",
        share(&|e| e.event_type == ty("page.visited") && text(e) == "/pricing")
    );
    println!(
        "webinar form    {:.3}",
        share(&|e| e.event_type == ty("form.submitted") && text(e) == "webinar")
    );
    println!(
        "demo            {:.3}",
        share(&|e| e.event_type == ty("form.submitted") && text(e) == "demo")
    );
    println!(
        "offer/contact   {:.3}",
        share(&|e| e.event_type == ty("form.submitted")
            && (text(e) == "offer_request" || text(e) == "contact_sales"))
    );
    println!(
        "bought          {:.3}",
        share(&|e| e.event_type == ty("purchase"))
    );
    println!(
        "bought twice    {:.3}",
        share_of(&|events| events
            .iter()
            .filter(|e| e.event_type == ty("purchase"))
            .count()
            > 1)
    );
    println!(
        "referred        {:.3}",
        share(&|e| e.event_type == ty("referral"))
    );
    println!(
        "unsubscribed    {:.3}",
        share(&|e| e.event_type == ty("unsubscribed"))
    );
}

fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Generation and loading at full scale (1M contacts, ~10M events).
fn million_contacts() {
    let dir = std::env::var_os("NURTURE_GEN_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("nurture-gen-1m"));
    let contacts: u64 = std::env::var("NURTURE_GEN_CONTACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let o = GenerateOptions {
        contacts,
        seed: 1,
        ..GenerateOptions::default()
    };
    let (t, c) = (Clock::now(), cpu());
    let s = if std::env::var_os("NURTURE_LOAD_ONLY").is_some() {
        GenerateSummary::default()
    } else {
        generate_to_dir(&o, &dir).unwrap()
    };
    println!(
        "generate: {} contacts, {} events in {:.2?}, {:.1} s CPU ({} threads)",
        s.contacts,
        s.events,
        t.elapsed(),
        cpu() - c,
        rayon::current_num_threads()
    );
    let schema = b2b_schema();
    let (t, c) = (Clock::now(), cpu());
    let d = data::load(
        &schema,
        &dir.join("contacts.csv"),
        &dir.join("events.csv"),
        &LoadOptions::default(),
    )
    .unwrap();
    println!(
        "load: {} contacts, {} events in {:.2?}, {:.1} s CPU; report {:?} {:?}",
        d.contacts.len(),
        d.events.len(),
        t.elapsed(),
        cpu() - c,
        d.report.contacts,
        d.report.events
    );
    assert_eq!(d.report.events.rejected, 0);
    // Freeing 10M events takes a while and is not part of loading.
    std::mem::forget(d);
}
