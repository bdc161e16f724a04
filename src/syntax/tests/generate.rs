//! Generated rule files for size and speed tests.

use std::fmt::Write;

const HEADER: &str = r#"# Generated campaign for parser benchmarks.
stages Subscriber, Lead, MQL, SQL, Customer, Loyal, Ambassador
campaign "Generated" {
  timezone "Europe/Warsaw"
  quiet hours 21:00 to 08:00
  at most 1 email per 2 days
}
field country: text
field budget: number
field birthday: date
page pricing = "/pricing*"
form demo
"#;

/// One block of rules using every kind of construct; `{n}` makes names unique.
fn block(out: &mut String, n: usize) {
    let _ = write!(
        out,
        r#"email welcome_{n}, nurture_{n}
segment engaged_{n} =
  opened 3 emails in last 30 days or clicked any email in last 14 days
on purchase where amount > 1000 and category = "pro" then add tag "big_{n}"
# Leads who engage become MQLs.
rule lead_to_mql_{n}:
  if opened 5 emails and visited pricing
  then move to MQL and send email nurture_{n}
rule demo_request_{n} priority 10:
  when submitted form demo
  then move to SQL, notify sales "Demo requested", add tag "hot"
rule winback_{n}:
  when stage >= Customer and no purchase in last 90 days
  then send email welcome_{n}, wait 7 days, send email welcome_{n} again unless purchased since
  exit when purchased since
  repeat every 180 days
rule big_{n}:
  when total purchase amount in last 365 days >= 1000 and last purchase more than 90 days ago
   and country in ["PL", "DE"] and not (birthday is today or today is weekend)
   and opened email welcome_{n} at least 3 times in the last 7 days and budget is set
  then if points > 10 then move to Loyal else hand off to crm "x" end, wait until 09:00
"#
    );
}

/// A valid file of at least `bytes` bytes.
pub(crate) fn rules_with_bytes(bytes: usize) -> String {
    let mut out = String::from(HEADER);
    let mut n = 0;
    while out.len() < bytes {
        block(&mut out, n);
        n += 1;
    }
    out
}
