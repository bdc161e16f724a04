//! The cases the SQL tests share (tests/sql_agreement.rs,
//! tests/segments_engine.rs, tests/sql_snapshots.rs): the shipped examples
//! and their sample data, data and rules covering each construct at its
//! edges, and the Berlin calendar case.

#![allow(dead_code)]

use std::path::PathBuf;

/// The shipped examples, by file stem.
pub const EXAMPLES: &[&str] = &[
    "ad_leads",
    "b2b_lifecycle",
    "ecommerce_lifecycle",
    "journey_milestones",
    "sales_funnel",
    "scoring_handoff",
];

/// An example's rules, contacts and events (examples/data/).
pub fn example_files(stem: &str) -> [PathBuf; 3] {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data_stem = if stem == "b2b_lifecycle" { "b2b" } else { stem };
    [
        root.join(format!("examples/{stem}.nurture")),
        root.join(format!("examples/data/{data_stem}_contacts.csv")),
        root.join(format!("examples/data/{data_stem}_events.csv")),
    ]
}

pub const TEST_CONTACTS: &str = "\
id,stage,points,tags,created_at,country,size,vip,birthday,last_seen,title,interests
a,Lead,5,hot; vip,2025-01-01T00:00:00Z,PL,10,true,2000-02-29,2025-03-30T01:30:00Z,Chief Executive,pricing;demo
b,MQL,0,,,DE,,false,1990-03-30,2025-03-29T23:30:00Z,vp sales,
c,,12,cold,2025-03-31T00:00:00Z,,50,,,,,
d,Customer,,hot,2025-04-01T00:00:00Z,pl,20.5,true,1985-10-26,2025-10-26T00:30:00Z,CTO (acting),demo
e,Lead,3,,2030-01-01T00:00:00Z,FR,1,false,2001-03-30,,Head of Ops,
";

pub const TEST_EVENTS: &str = "\
contact_id,type,at,email,url,amount,category,order_id,channel,form,asset,rating
a,email.opened,2025-03-01T00:00:00Z,welcome,,,,,,,,
a,email.opened,2025-03-31T00:00:00Z,welcome,,,,,,,,
a,email.opened,2025-03-31T00:00:00Z,news,,,,,,,,
a,page.visited,2025-03-30T10:00:00Z,,/pricing?utm=x,,,,,,,
a,page.visited,2025-03-30T11:00:00Z,,https://example.com/pricing/team#top,,,,,,,
a,page.visited,2025-03-30T12:00:00Z,,/blog/pricing,,,,,,,
a,purchase,2025-03-15T00:00:00Z,,,100,pro,o1,,,,
a,purchase,2025-03-15T00:00:00Z,,,50,basic,o2,,,,
a,purchase,2025-03-20T00:00:00Z,,,,pro,o3,,,,
b,email.opened,2025-03-01T00:00:01Z,welcome,,,,,,,,
b,page.visited,2025-03-30T10:00:00Z,,/pricing,,,,,,,
b,page.visited,2025-03-30T10:05:00Z,,/pricing?x=1,,,,,,,
b,purchase,2025-03-30T22:00:00Z,,,20,pro,o4,,,,
b,unsubscribed,2025-03-31T00:00:00Z,,,,,,,,,
b,review,2025-03-10T00:00:00Z,,,,,,,,,4
c,email.clicked,2025-03-25T00:00:00Z,welcome,https://x.com/a,,,,,,,
c,form.submitted,2025-02-01T00:00:00Z,,,,,,,demo,,
c,review,2025-03-10T00:00:00Z,,,,,,,,,2
c,review,2025-03-10T00:00:00Z,,,,,,,,,5
d,purchase,2025-03-31T00:00:00Z,,,75.25,pro,o5,,,,
d,asset.downloaded,2025-03-02T00:00:00Z,,,,,,,,pricing_sheet.pdf,
e,email.opened,2025-03-30T00:00:00Z,welcome,,,,,,,,
";

pub const TEST_RULES: &str = r#"campaign "sql agreement" {
  timezone "Europe/Warsaw"
}

stages Lead, MQL, SQL, Customer

field country: text
field size: number
field vip: bool
field birthday: date
field last_seen: datetime
field title: text
field interests: list of text

event review { rating: number }

email welcome, news
page pricing = "/pricing*"
form demo
asset pricing_sheet = "pricing_sheet*"

list vips

segment opens_30 = opened 2 emails in last 30 days
segment opens_30_exact = opened exactly 1 email in last 30 days
segment welcome_twice = opened email welcome at least twice
segment different_emails = opened 2 different emails
segment never_clicked = never clicked any email
segment no_opens_week = no opened email in last 7 days
segment pricing_twice = visited pricing 2 times in last 30 days
segment two_pages = visited 2 different pages
segment since_march = purchased since 2025-03-16
segment big_pro = purchased where amount >= 50 and category = "pro"
segment not_basic = purchased where not category = "basic"
segment spent = total purchase amount >= 150
segment spent_nothing = total purchase amount < 1
segment avg_high = average purchase amount > 60
segment max_big = max purchase amount in last 30 days >= 75
segment min_set = min purchase amount is not set
segment first_old = first purchase before 2025-03-16
segment last_recent = last purchase within last 2 days
segment first_cat = first purchase category = "pro"
segment last_cat = last purchase category = "basic"
segment first_rating = first review rating >= 4
segment last_rating = last review rating >= 4
segment country_not_pl = country != "PL"
segment country_in = country in ["PL", "DE"]
segment country_not_in = country not in ["PL"]
segment size_small = size < 20
segment size_unset = size is not set
segment vip_yes = vip is true
segment born_before = birthday before 1995-01-01
segment birthday_today = birthday is today
segment seen_recently = last_seen within last 1 day
segment seen_long_ago = last_seen more than 1 day ago
segment seen_soon = last_seen less than 1 day ago
segment seen_after = last_seen after 2025-03-30
segment title_chief = title matches "(?i)^chief|\\bcto\\b"
segment title_starts = title starts with "Chief" or title ends with ")"
segment title_contains = title contains "sales"
segment likes_demo = interests contains "demo"
segment stage_mql_up = stage >= MQL
segment stage_not_lead = stage is not Lead
segment stage_in = stage in [Lead, Customer]
segment stage_not_in = stage not in [Lead]
segment no_stage = stage is not set
segment staged = stage is set
segment points_some = points > 4
segment tagged = has tag "vip" or has tag "cold"
segment listed = in list vips
segment gone = is unsubscribed
segment dnc = is do not contact
segment weekend = today is weekend
segment monday = today is monday
segment demo_form = submitted form demo
segment sheet = downloaded asset pricing_sheet
segment engaged = in segment opens_30 or in segment pricing_twice
segment engaged_vip = in segment engaged and not in segment country_not_pl

rule warm:
  when in segment engaged and points >= 3
  then add 1 point
"#;

pub const BERLIN_RULES: &str = r#"campaign "berlin" {
  timezone "Europe/Berlin"
}

field renewal: date
field signed_up: datetime
field note: text

segment renewal_day = renewal is today
segment renewal_recent = renewal within last 1 day
segment renewal_old = renewal more than 1 day ago
segment renewal_soon = renewal less than 1 day ago
segment renewal_before = renewal before 2025-03-30
segment renewal_after = renewal after 2025-03-30
segment signed_before = signed_up before 2025-03-30
segment signed_after = signed_up after 2025-10-26
segment signed_today = signed_up is today
segment sunday = today is sunday
segment saturday = today is saturday
segment workday = today is weekday
segment opened_since = opened email since 2025-03-30
segment opened_day = opened email in last 1 day
segment opened_hours = opened email in last 24 hours
segment note_dot = note matches "^a.c$"
segment note_word = note matches "(?i)\\bstraße\\b"
segment note_digits = note matches "^\\d{2,3}$"
"#;

pub const BERLIN_CONTACTS: &str = "\
id,created_at,renewal,signed_up,note
b1,,2025-03-30,2025-03-29T22:59:59Z,abc
b2,,2025-03-29,2025-03-29T23:00:00Z,a\u{1F600}c
b3,,2025-10-26,2025-10-25T22:00:00Z,STRASSE 5
b4,,2025-10-27,2025-10-26T23:00:00Z,Hauptstraße
b5,,,,12
b6,,,,\u{0663}\u{0664}
b7,,,,Lange STRAßE 3
";

pub const BERLIN_EVENTS: &str = "\
contact_id,type,at,email
b1,email.opened,2025-03-29T23:00:00Z,welcome
b2,email.opened,2025-03-29T22:59:59Z,welcome
b3,email.opened,2025-10-25T22:00:00Z,welcome
b4,email.opened,2025-10-26T23:00:00Z,welcome
";
