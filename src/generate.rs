//! Synthetic contacts and events (`nurture generate`).
//!
//! Writes `contacts.csv` and `events.csv` in the formats that
//! [`crate::data`] loads, shaped like a B2B lifecycle funnel: every contact
//! is a subscriber who gets a welcome e-mail and newsletters; many open some,
//! fewer click and read the blog, fewer still look at pricing, some of those
//! ask for a demo and then an offer, a few percent buy, some buy again and
//! some refer others; contacts go quiet after a while and 2–5 % unsubscribe
//! (after which they get no e-mail and open nothing). The acquisition channel
//! (`organic`, `paid_search`, `social`, `referral`, `webinar`, `partner`)
//! and company size change how likely each step is.
//!
//! Columns of `contacts.csv`: `id, email_address, company_size, country,
//! channel, job_title, budget, birthday, created_at, stage`.
//! Columns of `events.csv`: `contact_id, type, at, email, url, form, asset,
//! amount, order_id, category, channel, referred` (a column is empty where
//! the event type has no such property). Event types: the built-ins and a
//! custom `referral` with property `referred` (another contact's id).
//!
//! Determinism: every contact draws from its own random stream seeded from
//! (seed, contact index), and contacts are written in index order, so the
//! output depends only on the options, never on the thread count.

use crate::base::value::Instant;
use crate::ir::{self, builtin, EventTypeId};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerateOptions {
    pub contacts: u64,
    pub seed: u64,
    /// Start of the period (default 2025-01-01T00:00:00Z).
    pub start: Instant,
    /// Length of the period in days (default 365).
    pub days: u32,
    /// Average number of events per contact (default 10).
    pub events_per_contact: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            contacts: 1000,
            seed: 1,
            start: 1_735_689_600,
            days: 365,
            events_per_contact: 10.0,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    pub contacts: u64,
    pub events: u64,
    /// Events per type name.
    pub by_type: BTreeMap<String, u64>,
}

/// Contacts generated per parallel task.
const CHUNK: u64 = 2048;
/// Tasks per wave (bounds memory: a wave is generated, then written).
const WAVE: u64 = 32;
const DAY: i64 = 86_400;

pub const CONTACTS_HEADER: &str =
    "id,email_address,company_size,country,channel,job_title,budget,birthday,created_at,stage\n";
pub const EVENTS_HEADER: &str =
    "contact_id,type,at,email,url,form,asset,amount,order_id,category,channel,referred\n";

/// The event types written, in the order of the per-type counters: the
/// built-ins, by their id in the one table of built-in types
/// ([`ir::BUILTIN_EVENT_TYPES`], which names them), then the custom
/// `referral` (`None`).
const WRITTEN_TYPES: [Option<EventTypeId>; 9] = [
    Some(builtin::EMAIL_SENT),
    Some(builtin::EMAIL_OPENED),
    Some(builtin::EMAIL_CLICKED),
    Some(builtin::PAGE_VISITED),
    Some(builtin::FORM_SUBMITTED),
    Some(builtin::ASSET_DOWNLOADED),
    Some(builtin::PURCHASE),
    Some(builtin::UNSUBSCRIBED),
    None,
];

/// The custom event type the generator declares (see the module docs).
pub const REFERRAL: &str = "referral";

/// The name of the event type of per-type counter `slot`.
fn type_name(slot: usize) -> &'static str {
    match WRITTEN_TYPES.get(slot).copied().flatten() {
        Some(id) => ir::builtin_event_name(id).unwrap_or_default(),
        None => REFERRAL,
    }
}

/// Writes the contacts and events; see the module docs.
pub fn generate(
    options: &GenerateOptions,
    contacts_out: impl Write,
    events_out: impl Write,
) -> io::Result<GenerateSummary> {
    let mut cw = BufWriter::with_capacity(1 << 20, contacts_out);
    let mut ew = BufWriter::with_capacity(1 << 20, events_out);
    cw.write_all(CONTACTS_HEADER.as_bytes())?;
    ew.write_all(EVENTS_HEADER.as_bytes())?;
    let world = World::new(options);
    let chunks = options.contacts.div_ceil(CHUNK);
    let mut counts = [0u64; WRITTEN_TYPES.len()];
    let mut wave = 0;
    while wave < chunks {
        let last = (wave + WAVE).min(chunks);
        let outs: Vec<ChunkOut> = (wave..last)
            .into_par_iter()
            .map(|k| {
                let from = k * CHUNK;
                let to = (from + CHUNK).min(options.contacts);
                world.chunk(from, to)
            })
            .collect();
        for out in outs {
            cw.write_all(&out.contacts)?;
            ew.write_all(&out.events)?;
            for (c, n) in counts.iter_mut().zip(out.counts) {
                *c += n;
            }
        }
        wave = last;
    }
    cw.flush()?;
    ew.flush()?;
    Ok(GenerateSummary {
        contacts: options.contacts,
        events: counts.iter().sum(),
        by_type: (0..counts.len())
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(slot, n)| (type_name(slot).to_string(), n))
            .collect(),
    })
}

/// Writes `DIR/contacts.csv` and `DIR/events.csv`, creating `DIR`.
pub fn generate_to_dir(
    options: &GenerateOptions,
    dir: &std::path::Path,
) -> io::Result<GenerateSummary> {
    std::fs::create_dir_all(dir)?;
    let contacts = std::fs::File::create(dir.join("contacts.csv"))?;
    let events = std::fs::File::create(dir.join("events.csv"))?;
    generate(options, contacts, events)
}

// ---------------------------------------------------------------- random

/// SplitMix64: tiny, fast, and good enough for synthetic data.
struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn for_contact(seed: u64, index: u64) -> Rng {
        Rng(mix(seed ^ mix(index ^ 0x5EED_0000_0000_0000)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [lo, hi].
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "every table passed here is a non-empty constant of this module"
    )]
    fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let total: u32 = weighted.iter().map(|(_, w)| *w).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (item, w) in weighted {
            if r < *w {
                return *item;
            }
            r -= w;
        }
        weighted[weighted.len() - 1].0
    }

    /// One of `items`, uniformly (empty text for an empty list).
    fn choose<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = self.below(items.len() as u64) as usize;
        items.get(index).copied().unwrap_or_default()
    }

    /// A delay in seconds, mostly short: exponential with the mean, at least `min`.
    fn delay(&mut self, min: i64, mean: f64) -> i64 {
        min + self.exp(mean) as i64
    }
}

// ----------------------------------------------------------------- model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Organic,
    PaidSearch,
    Social,
    Referral,
    Webinar,
    Partner,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Channel::Organic => "organic",
            Channel::PaidSearch => "paid_search",
            Channel::Social => "social",
            Channel::Referral => "referral",
            Channel::Webinar => "webinar",
            Channel::Partner => "partner",
        }
    }

    /// How likely contacts from this channel move down the funnel.
    fn propensity(self) -> f64 {
        match self {
            Channel::Organic => 1.0,
            Channel::PaidSearch => 0.8,
            Channel::Social => 0.55,
            Channel::Referral => 1.7,
            Channel::Webinar => 1.4,
            Channel::Partner => 1.3,
        }
    }
}

const CHANNELS: &[(Channel, u32)] = &[
    (Channel::Organic, 30),
    (Channel::PaidSearch, 25),
    (Channel::Social, 20),
    (Channel::Referral, 8),
    (Channel::Webinar, 10),
    (Channel::Partner, 7),
];

const COUNTRIES: &[(&str, u32)] = &[
    ("PL", 22),
    ("DE", 18),
    ("GB", 14),
    ("US", 16),
    ("FR", 9),
    ("NL", 6),
    ("ES", 5),
    ("IT", 4),
    ("SE", 3),
    ("CZ", 3),
];

/// Job titles with a weight and a decision-making factor.
const TITLES: &[((&str, f64), u32)] = &[
    (("Marketing Manager", 1.1), 18),
    (("Marketing Specialist", 0.8), 14),
    (("Head of Marketing", 1.4), 8),
    (("CMO", 1.6), 4),
    (("CEO", 1.5), 6),
    (("Head of Growth", 1.3), 5),
    (("Sales Director", 1.2), 6),
    (("Operations Manager", 0.9), 7),
    (("Developer", 0.6), 10),
    (("Consultant", 0.9), 8),
    (("Student", 0.3), 6),
    (("Founder", 1.5), 8),
];

const FIRST: &[&str] = &[
    "anna", "jan", "maria", "piotr", "kasia", "tom", "emma", "lukas", "sophie", "max", "julia",
    "paul", "laura", "david", "olivia", "marek", "lea", "noah", "mia", "felix",
];
const LAST: &[&str] = &[
    "nowak",
    "kowalski",
    "muller",
    "schmidt",
    "smith",
    "jones",
    "martin",
    "bernard",
    "devries",
    "jansen",
    "wisniewski",
    "fischer",
    "brown",
    "taylor",
    "dubois",
    "weber",
    "lewis",
    "walker",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "acme.test",
    "globex.test",
    "initech.test",
    "mail.test",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mail {
    Welcome,
    Newsletter,
    MqlNurture,
    SalesIntro,
    Onboarding,
    Winback,
    WebinarInvite,
}

impl Mail {
    fn name(self) -> &'static str {
        match self {
            Mail::Welcome => "welcome",
            Mail::Newsletter => "newsletter",
            Mail::MqlNurture => "mql_nurture",
            Mail::SalesIntro => "sales_intro",
            Mail::Onboarding => "onboarding",
            Mail::Winback => "winback",
            Mail::WebinarInvite => "webinar_invite",
        }
    }
}

/// A URL: a fixed path, optionally followed by a number (`/blog/post-17`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Url(&'static str, u16);

const HOME: Url = Url("/", 0);
const PRICING: Url = Url("/pricing", 0);
const PRICING_ENTERPRISE: Url = Url("/pricing/enterprise", 0);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    NewsletterSignup,
    Webinar,
    Demo,
    OfferRequest,
    ContactSales,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::NewsletterSignup => "newsletter_signup",
            Form::Webinar => "webinar",
            Form::Demo => "demo",
            Form::OfferRequest => "offer_request",
            Form::ContactSales => "contact_sales",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Sent(Mail),
    Opened(Mail),
    Clicked(Mail, Url),
    Visited(Url),
    Submitted(Form),
    Downloaded(&'static str),
    Purchase {
        cents: u64,
        order: u32,
        category: &'static str,
        online: bool,
    },
    Unsubscribed,
    Referral(u64),
}

impl Kind {
    /// The kind's slot in [`WRITTEN_TYPES`].
    fn type_index(self) -> usize {
        match self {
            Kind::Sent(_) => 0,
            Kind::Opened(_) => 1,
            Kind::Clicked(..) => 2,
            Kind::Visited(_) => 3,
            Kind::Submitted(_) => 4,
            Kind::Downloaded(_) => 5,
            Kind::Purchase { .. } => 6,
            Kind::Unsubscribed => 7,
            Kind::Referral(_) => 8,
        }
    }

    fn is_email(self) -> bool {
        matches!(self, Kind::Sent(_) | Kind::Opened(_) | Kind::Clicked(..))
    }
}

#[derive(Clone, Copy, Debug)]
struct Ev {
    at: Instant,
    seq: u32,
    kind: Kind,
}

/// Shared, read-only settings of one run.
struct World {
    seed: u64,
    contacts: u64,
    start: Instant,
    end: Instant,
    /// Scales how often things happen, so the average events per contact
    /// follows `events_per_contact`.
    rate: f64,
    /// Newsletter send times (everyone subscribed at that time gets one).
    newsletters: Vec<Instant>,
    /// Webinar invitation times.
    webinars: Vec<Instant>,
}

struct ChunkOut {
    contacts: Vec<u8>,
    events: Vec<u8>,
    counts: [u64; WRITTEN_TYPES.len()],
}

/// Calibrated so that `events_per_contact = 10` gives about 10.
const BASE_EVENTS: f64 = 16.0;

impl World {
    fn new(o: &GenerateOptions) -> World {
        let days = i64::from(o.days.max(1));
        let start = o.start;
        let end = start.saturating_add(days * DAY);
        let rate = if o.events_per_contact.is_finite() && o.events_per_contact > 0.0 {
            (o.events_per_contact / BASE_EVENTS).clamp(0.01, 100.0)
        } else {
            1.0
        };
        // Newsletters on a fixed cadence at 10:00 UTC, webinars every ~10 weeks.
        let interval = ((50.0 / rate) * DAY as f64).max(3600.0) as i64;
        let mut newsletters = Vec::new();
        let mut t = start + 3 * DAY + 10 * 3600;
        while t < end {
            newsletters.push(t);
            t += interval;
        }
        let mut webinars = Vec::new();
        let mut t = start + 20 * DAY + 9 * 3600;
        while t < end {
            webinars.push(t);
            t += 105 * DAY;
        }
        World {
            seed: o.seed,
            contacts: o.contacts,
            start,
            end,
            rate,
            newsletters,
            webinars,
        }
    }

    fn chunk(&self, from: u64, to: u64) -> ChunkOut {
        let mut out = ChunkOut {
            contacts: Vec::with_capacity(((to - from) * 110) as usize),
            events: Vec::with_capacity(
                ((to - from) as f64 * 70.0 * BASE_EVENTS * self.rate) as usize,
            ),
            counts: [0; WRITTEN_TYPES.len()],
        };
        let mut evs = Vec::new();
        for index in from..to {
            let mut rng = Rng::for_contact(self.seed, index);
            let profile = self.contact(index, &mut rng, &mut out.contacts);
            evs.clear();
            self.behaviour(index, &profile, &mut rng, &mut evs);
            for ev in &evs {
                if let Some(count) = out.counts.get_mut(ev.kind.type_index()) {
                    *count += 1;
                }
                write_event(&mut out.events, index, ev);
            }
        }
        out
    }

    /// Draws the contact, writes its row, returns what drives behaviour.
    fn contact(&self, index: u64, rng: &mut Rng, buf: &mut Vec<u8>) -> Profile {
        let channel = rng.pick(CHANNELS);
        let country = rng.pick(COUNTRIES);
        let (title, authority) = rng.pick(TITLES);
        // Company size: log-normal, median ~30, long tail.
        let size = (3.4 + 1.6 * rng.normal())
            .exp()
            .round()
            .clamp(1.0, 100_000.0) as u64;
        // Sign-ups spread over the period, a bit more towards the end
        // (a growing list), never in the last hour.
        let span = (self.end - self.start - 3600).max(1);
        let created = self.start + (rng.unit().powf(0.85) * span as f64) as i64;
        let budget = if rng.chance(0.35) {
            let b = (8.0 + 1.2 * rng.normal()).exp().clamp(500.0, 500_000.0) as u64;
            Some(b / 100 * 100)
        } else {
            None
        };
        let birthday = if rng.chance(0.3) {
            // 1960-01-01 .. 2003-12-31 as days since the epoch.
            Some(rng.range(-3653, 12_418))
        } else {
            None
        };
        let stage = rng.chance(0.88);

        push_id(buf, index);
        buf.push(b',');
        let first = rng.choose(FIRST);
        let last = rng.choose(LAST);
        let domain = rng.choose(DOMAINS);
        buf.extend_from_slice(first.as_bytes());
        buf.push(b'.');
        buf.extend_from_slice(last.as_bytes());
        push_u64(buf, index + 1);
        buf.push(b'@');
        buf.extend_from_slice(domain.as_bytes());
        buf.push(b',');
        push_u64(buf, size);
        buf.push(b',');
        buf.extend_from_slice(country.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(channel.name().as_bytes());
        buf.push(b',');
        buf.extend_from_slice(title.as_bytes());
        buf.push(b',');
        if let Some(b) = budget {
            push_u64(buf, b);
        }
        buf.push(b',');
        if let Some(d) = birthday {
            push_date(buf, d);
        }
        buf.push(b',');
        push_instant(buf, created);
        buf.push(b',');
        if stage {
            buf.extend_from_slice(b"Subscriber");
        }
        buf.push(b'\n');

        // Engagement: channel, a personal factor, and authority in buying.
        let personal = (0.8 * rng.normal()).exp();
        Profile {
            channel,
            created,
            size,
            authority,
            engagement: (channel.propensity() * personal).min(6.0),
        }
    }

    /// The contact's events, sorted by time.
    fn behaviour(&self, index: u64, p: &Profile, rng: &mut Rng, evs: &mut Vec<Ev>) {
        let mut s = Sim {
            evs,
            seq: 0,
            unsubscribed: None,
            warmth: 0.0,
            pricing_visits: 0,
            demo: false,
            mql_mail: false,
            customer: false,
            orders: 0,
            last_purchase: None,
        };
        let e = p.engagement;
        let t0 = p.created;
        // Active for a while, then quiet (no opens, no visits).
        let quiet = t0 + (rng.exp(75.0 * e.sqrt()) * DAY as f64) as i64;
        let p_open = (0.18 + 0.12 * e).min(0.85);
        let buy = p.channel.propensity() * p.authority;

        // Sign-up: a landing page and maybe a form.
        s.push(t0, Kind::Visited(HOME));
        match p.channel {
            Channel::Webinar => s.push(t0 + 20, Kind::Submitted(Form::Webinar)),
            _ if rng.chance(0.45) => s.push(t0 + 20, Kind::Submitted(Form::NewsletterSignup)),
            _ => {}
        }
        let welcome = t0 + rng.delay(60, 600.0);
        self.mail(
            &mut s,
            rng,
            Mail::Welcome,
            welcome,
            quiet,
            (p_open + 0.2).min(0.9),
            e,
        );

        // Stimuli in time order: newsletters, webinar invites, own visits.
        let mut stimuli: Vec<(Instant, u8)> = Vec::new();
        stimuli.extend(
            self.newsletters
                .iter()
                .filter(|t| **t > t0)
                .map(|t| (*t + rng.range(0, 1800), 0u8)),
        );
        stimuli.extend(
            self.webinars
                .iter()
                .filter(|t| **t > t0)
                .map(|t| (*t + rng.range(0, 600), 1u8)),
        );
        let visit_mean = (40.0 * DAY as f64 / (self.rate * e.max(0.05))).max(600.0);
        let mut t = t0 + (rng.exp(visit_mean)) as i64;
        while t < quiet.min(self.end) {
            stimuli.push((t, 2));
            t += (rng.exp(visit_mean) as i64).max(60);
        }
        stimuli.sort_unstable();

        for (t, what) in stimuli {
            if t >= self.end {
                break;
            }
            match what {
                0 => {
                    if s.unsubscribed.is_some() {
                        continue;
                    }
                    let opened = self.mail(&mut s, rng, Mail::Newsletter, t, quiet, p_open, e);
                    // Unsubscribes: more likely from the disengaged.
                    let p_unsub =
                        0.012 / self.rate.max(0.2) / (0.4 + e) * if opened { 0.6 } else { 1.0 };
                    if rng.chance(p_unsub) {
                        let at = t + rng.delay(300, 20_000.0);
                        s.unsubscribed = Some(at);
                        s.push(at, Kind::Unsubscribed);
                    }
                }
                1 => {
                    if s.unsubscribed.is_some() {
                        continue;
                    }
                    let opened = self.mail(&mut s, rng, Mail::WebinarInvite, t, quiet, p_open, e);
                    if opened && rng.chance(0.18 * p.channel.propensity()) {
                        let at = t + rng.delay(600, 30_000.0);
                        s.push(
                            at,
                            Kind::Visited(Url("/webinars/register-", (t / DAY % 97) as u16 + 1)),
                        );
                        s.push(at + 40, Kind::Submitted(Form::Webinar));
                        s.warmth += 4.0;
                    }
                }
                _ => {
                    let url = self.pick_url(rng, s.warmth);
                    s.push(t, Kind::Visited(url));
                    s.warmth += 0.5;
                    if url == PRICING {
                        self.pricing(&mut s, rng, p, t, buy, index);
                    }
                }
            }
            if !s.mql_mail && s.warmth >= 8.0 && s.unsubscribed.is_none() {
                s.mql_mail = true;
                let mail_at = t + rng.delay(3600, 40_000.0);
                self.mail(
                    &mut s,
                    rng,
                    Mail::MqlNurture,
                    mail_at,
                    quiet,
                    (p_open + 0.1).min(0.9),
                    e,
                );
            }
        }

        // Customers who stopped buying get a win-back e-mail.
        if let Some(last) = s.last_purchase {
            let at = last + 120 * DAY;
            if at < self.end && s.unsubscribed.is_none() {
                self.mail(&mut s, rng, Mail::Winback, at, i64::MAX, 0.3, e);
            }
        }

        // Nothing before sign-up or after the period; no e-mail activity
        // after unsubscribing.
        let end = self.end;
        let unsub = s.unsubscribed;
        s.evs.retain(|ev| {
            ev.at >= t0 && ev.at < end && !(ev.kind.is_email() && unsub.is_some_and(|u| ev.at >= u))
        });
        s.evs.sort_by_key(|ev| (ev.at, ev.seq));
    }

    /// Sends a mail; maybe opened (and clicked). Returns whether opened.
    #[allow(clippy::too_many_arguments)]
    fn mail(
        &self,
        s: &mut Sim<'_>,
        rng: &mut Rng,
        mail: Mail,
        at: Instant,
        quiet: Instant,
        p_open: f64,
        e: f64,
    ) -> bool {
        if s.unsubscribed.is_some_and(|u| at > u) {
            return false;
        }
        s.push(at, Kind::Sent(mail));
        let open_at = at + rng.delay(120, 6.0 * 3600.0);
        if open_at >= quiet || !rng.chance(p_open) {
            return false;
        }
        s.push(open_at, Kind::Opened(mail));
        s.warmth += 1.0;
        // Some people open the same mail again.
        if rng.chance(0.15) {
            s.push(open_at + rng.delay(600, 86_400.0), Kind::Opened(mail));
        }
        if rng.chance((0.12 + 0.06 * e).min(0.5)) {
            let url = match mail {
                Mail::MqlNurture | Mail::SalesIntro => PRICING,
                Mail::Onboarding => Url("/docs/getting-started", 0),
                Mail::WebinarInvite => Url("/webinars/register-", 1 + rng.below(30) as u16),
                _ => {
                    if rng.chance(0.15) {
                        PRICING
                    } else {
                        Url("/blog/post-", 1 + rng.below(120) as u16)
                    }
                }
            };
            let click_at = open_at + rng.delay(5, 120.0);
            s.push(click_at, Kind::Clicked(mail, url));
            s.push(click_at + 2, Kind::Visited(url));
            s.warmth += 2.0;
        }
        true
    }

    fn pick_url(&self, rng: &mut Rng, warmth: f64) -> Url {
        let p_pricing = (0.04 + 0.015 * warmth).min(0.35);
        if rng.chance(p_pricing) {
            return PRICING;
        }
        match rng.below(10) {
            0..=4 => Url("/blog/post-", 1 + rng.below(120) as u16),
            5 | 6 => Url("/docs/", 1 + rng.below(40) as u16),
            7 => Url("/case-studies/customer-", 1 + rng.below(25) as u16),
            _ => HOME,
        }
    }

    /// A pricing visit: maybe a download, a demo request, an offer, a sale.
    #[allow(clippy::too_many_arguments)]
    fn pricing(
        &self,
        s: &mut Sim<'_>,
        rng: &mut Rng,
        p: &Profile,
        t: Instant,

        buy: f64,
        index: u64,
    ) {
        s.pricing_visits += 1;
        s.warmth += 3.0;
        if p.size > 200 && rng.chance(0.3) {
            s.push(t + rng.delay(20, 120.0), Kind::Visited(PRICING_ENTERPRISE));
        }
        if rng.chance(0.12) {
            let asset = if rng.chance(0.6) {
                "pricing_sheet"
            } else {
                "whitepaper"
            };
            s.push(t + rng.delay(30, 300.0), Kind::Downloaded(asset));
        }
        if s.customer {
            return;
        }
        // Small teams sometimes just buy online.
        if p.size <= 50 && rng.chance(0.1 * buy) {
            let at = t + rng.delay(120, 1800.0);
            let category = if rng.chance(0.7) { "starter" } else { "pro" };
            let cents = rng.range(9_900, 199_900) as u64;
            self.purchase(s, rng, p, at, category, cents, true, index);
            return;
        }
        if s.demo {
            return;
        }
        let size_factor = if p.size > 50 { 1.5 } else { 0.8 };
        let p_demo = (0.12 * buy * size_factor * f64::from(s.pricing_visits).sqrt()).min(0.6);
        if !rng.chance(p_demo) {
            return;
        }
        s.demo = true;
        let demo_at = t + rng.delay(60, 900.0);
        s.push(demo_at, Kind::Submitted(Form::Demo));
        let mail_at = demo_at + rng.delay(1800, 20_000.0);
        self.mail(
            s,
            rng,
            Mail::SalesIntro,
            mail_at,
            i64::MAX,
            0.75,
            p.engagement,
        );
        if !rng.chance((0.6 * buy.sqrt()).min(0.9)) {
            return;
        }
        let offer_at = demo_at + rng.delay(DAY, 5.0 * DAY as f64);
        let form = if rng.chance(0.7) {
            Form::OfferRequest
        } else {
            Form::ContactSales
        };
        s.push(offer_at, Kind::Submitted(form));
        if !rng.chance(0.65) {
            return;
        }
        let at = offer_at + rng.delay(2 * DAY, 12.0 * DAY as f64);
        let (category, lo, hi) = if p.size > 500 {
            ("enterprise", 800_000, 2_000_000)
        } else {
            ("pro", 200_000, 900_000)
        };
        // Skewed towards the low end.
        let cents = lo + ((hi - lo) as f64 * rng.unit().powi(2)) as i64;
        self.purchase(s, rng, p, at, category, cents as u64, false, index);
    }

    /// A first purchase and what follows it: onboarding, repeat orders,
    /// referrals.
    #[allow(clippy::too_many_arguments)]
    fn purchase(
        &self,
        s: &mut Sim<'_>,
        rng: &mut Rng,
        p: &Profile,
        at: Instant,
        category: &'static str,
        cents: u64,
        online: bool,
        index: u64,
    ) {
        s.customer = true;
        s.orders += 1;
        s.push(
            at,
            Kind::Purchase {
                cents,
                order: s.orders,
                category,
                online,
            },
        );
        s.last_purchase = Some(at);
        let mail_at = at + rng.delay(3600, 20_000.0);
        self.mail(
            s,
            rng,
            Mail::Onboarding,
            mail_at,
            i64::MAX,
            0.8,
            p.engagement,
        );
        // Loyal customers buy again, every few months.
        let mut t = at;
        let mut again = rng.chance((0.35 * p.channel.propensity()).min(0.8));
        while again {
            t += (rng.exp(75.0) as i64 + 14) * DAY;
            if t >= self.end {
                break;
            }
            s.orders += 1;
            let category = if rng.chance(0.6) { "addon" } else { category };
            let cents = (cents as f64 * (0.1 + 0.5 * rng.unit())) as u64 + 1_000;
            s.push(
                t,
                Kind::Purchase {
                    cents,
                    order: s.orders,
                    category,
                    online: online || rng.chance(0.5),
                },
            );
            s.last_purchase = Some(t);
            again = rng.chance(0.75);
        }
        // Some customers refer others (ambassadors).
        let mut r = at;
        let mut p_ref = 0.35 * p.channel.propensity().min(1.5);
        while rng.chance(p_ref) && self.contacts > 1 {
            r += rng.delay(7 * DAY, 45.0 * DAY as f64);
            if r >= self.end {
                break;
            }
            let mut other = rng.below(self.contacts - 1);
            if other >= index {
                other += 1;
            }
            s.push(r, Kind::Referral(other));
            p_ref *= 0.5;
        }
    }
}

struct Profile {
    channel: Channel,
    created: Instant,
    size: u64,
    authority: f64,
    engagement: f64,
}

struct Sim<'a> {
    evs: &'a mut Vec<Ev>,
    seq: u32,
    unsubscribed: Option<Instant>,
    warmth: f64,
    pricing_visits: u32,
    demo: bool,
    mql_mail: bool,
    customer: bool,
    orders: u32,
    last_purchase: Option<Instant>,
}

impl Sim<'_> {
    fn push(&mut self, at: Instant, kind: Kind) {
        self.evs.push(Ev {
            at,
            seq: self.seq,
            kind,
        });
        self.seq += 1;
    }
}

// ---------------------------------------------------------------- output

fn write_event(buf: &mut Vec<u8>, contact: u64, ev: &Ev) {
    push_id(buf, contact);
    buf.push(b',');
    buf.extend_from_slice(type_name(ev.kind.type_index()).as_bytes());
    buf.push(b',');
    push_instant(buf, ev.at);
    // email,url,form,asset,amount,order_id,category,channel,referred
    match ev.kind {
        Kind::Sent(m) | Kind::Opened(m) => {
            buf.push(b',');
            buf.extend_from_slice(m.name().as_bytes());
            buf.extend_from_slice(b",,,,,,,,\n");
        }
        Kind::Clicked(m, url) => {
            buf.push(b',');
            buf.extend_from_slice(m.name().as_bytes());
            buf.push(b',');
            push_url(buf, url);
            buf.extend_from_slice(b",,,,,,,\n");
        }
        Kind::Visited(url) => {
            buf.extend_from_slice(b",,");
            push_url(buf, url);
            buf.extend_from_slice(b",,,,,,,\n");
        }
        Kind::Submitted(form) => {
            buf.extend_from_slice(b",,,");
            buf.extend_from_slice(form.name().as_bytes());
            buf.extend_from_slice(b",,,,,,\n");
        }
        Kind::Downloaded(asset) => {
            buf.extend_from_slice(b",,,,");
            buf.extend_from_slice(asset.as_bytes());
            buf.extend_from_slice(b",,,,,\n");
        }
        Kind::Purchase {
            cents,
            order,
            category,
            online,
        } => {
            buf.extend_from_slice(b",,,,,");
            push_u64(buf, cents / 100);
            buf.push(b'.');
            let c = cents % 100;
            buf.push(b'0' + (c / 10) as u8);
            buf.push(b'0' + (c % 10) as u8);
            buf.extend_from_slice(b",o");
            push_u64(buf, contact + 1);
            buf.push(b'-');
            push_u64(buf, u64::from(order));
            buf.push(b',');
            buf.extend_from_slice(category.as_bytes());
            buf.push(b',');
            buf.extend_from_slice(if online { b"online" } else { b"sales" });
            buf.extend_from_slice(b",\n");
        }
        Kind::Unsubscribed => buf.extend_from_slice(b",,,,,,,,,\n"),
        Kind::Referral(other) => {
            buf.extend_from_slice(b",,,,,,,,,");
            push_id(buf, other);
            buf.push(b'\n');
        }
    }
}

fn push_url(buf: &mut Vec<u8>, url: Url) {
    buf.extend_from_slice(url.0.as_bytes());
    if url.1 > 0 {
        push_u64(buf, u64::from(url.1));
    }
}

/// `c0000001` for index 0: 1-based, at least 7 digits.
fn push_id(buf: &mut Vec<u8>, index: u64) {
    buf.push(b'c');
    push_digits(buf, index + 1, 7);
}

fn push_u64(buf: &mut Vec<u8>, x: u64) {
    push_digits(buf, x, 0);
}

/// `x` in decimal, zero-padded to `width` digits.
fn push_digits(buf: &mut Vec<u8>, x: u64, width: usize) {
    // u64::MAX has 20 digits, so the loop always ends with `rest == 0`.
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = x;
    for slot in &mut digits {
        *slot = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits.iter().take(len).rev());
}

fn push2(buf: &mut Vec<u8>, x: u32) {
    buf.push(b'0' + (x / 10 % 10) as u8);
    buf.push(b'0' + (x % 10) as u8);
}

/// Days since the epoch to (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push_date(buf: &mut Vec<u8>, days: i64) {
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(0, 9999) as u32;
    push2(buf, y / 100);
    push2(buf, y % 100);
    buf.push(b'-');
    push2(buf, m);
    buf.push(b'-');
    push2(buf, d);
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn push_instant(buf: &mut Vec<u8>, t: Instant) {
    let days = t.div_euclid(DAY);
    let secs = t.rem_euclid(DAY) as u32;
    push_date(buf, days);
    buf.push(b'T');
    push2(buf, secs / 3600);
    buf.push(b':');
    push2(buf, secs / 60 % 60);
    buf.push(b':');
    push2(buf, secs % 60);
    buf.push(b'Z');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::data::{self, Format, Input, LoadOptions, Schema};

    fn run(o: &GenerateOptions) -> (Vec<u8>, Vec<u8>, GenerateSummary) {
        let mut c = Vec::new();
        let mut e = Vec::new();
        let s = generate(o, &mut c, &mut e).unwrap();
        (c, e, s)
    }

    fn opts(contacts: u64, seed: u64) -> GenerateOptions {
        GenerateOptions {
            contacts,
            seed,
            ..GenerateOptions::default()
        }
    }

    /// The schema of the shipped B2B example, which this generator's data
    /// is made for: a test fails if the two drift apart.
    fn b2b_schema() -> Schema {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/b2b_lifecycle.nurture"
        );
        let checked =
            crate::driver::check_file(std::path::Path::new(path), "b2b_lifecycle.nurture")
                .expect("the B2B example is readable");
        let program = checked.program.expect("the B2B example checks");
        Schema::from(&program)
    }

    #[test]
    fn every_written_type_has_its_property_columns() {
        // The types come from the one table of built-ins; the header is
        // written by hand, so it must follow the table.
        let columns: Vec<&str> = EVENTS_HEADER.trim_end().split(',').collect();
        assert_eq!(columns[..3], ["contact_id", "type", "at"]);
        let mut used = vec!["contact_id", "type", "at", "referred"];
        for id in WRITTEN_TYPES.iter().flatten() {
            let (name, props) = ir::BUILTIN_EVENT_TYPES[id.index()];
            for (p, _) in props {
                assert!(columns.contains(p), "no `{p}` column for `{name}`");
                used.push(p);
            }
        }
        for c in &columns {
            assert!(used.contains(c), "column `{c}` belongs to no written type");
        }
        assert_eq!(type_name(WRITTEN_TYPES.len() - 1), REFERRAL);
    }

    #[test]
    fn formatting_helpers() {
        let mut b = Vec::new();
        push_instant(&mut b, 1_735_689_600);
        b.push(b' ');
        push_instant(&mut b, 951_827_696); // 2000-02-29T12:34:56Z
        b.push(b' ');
        push_id(&mut b, 0);
        b.push(b' ');
        push_id(&mut b, 12_345_678);
        b.push(b' ');
        push_date(&mut b, -1);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "2025-01-01T00:00:00Z 2000-02-29T12:34:56Z c0000001 c12345679 1969-12-31"
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_differs() {
        let a = run(&opts(3000, 7));
        let b = run(&opts(3000, 7));
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        assert_eq!(a.2, b.2);
        let c = run(&opts(3000, 8));
        assert_ne!(a.0, c.0);
        assert_ne!(a.1, c.1);
        // Independent of the thread count.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let d = pool.install(|| run(&opts(3000, 7)));
        assert_eq!(a.1, d.1);
        // A prefix of contacts is the same whatever the total, except for
        // referral targets, which depend on the total.
        let small = run(&opts(10, 7));
        assert!(a.0.starts_with(&small.0));
    }

    #[test]
    fn generated_files_load_without_rejected_rows_and_look_like_a_funnel() {
        let (c, e, summary) = run(&opts(5000, 42));
        let d = data::load_inputs(
            &b2b_schema(),
            Some(Input::from_bytes("contacts.csv", Format::Csv, c)),
            Input::from_bytes("events.csv", Format::Csv, e.clone()),
            &LoadOptions::default(),
        )
        .unwrap();
        let r = &d.report;
        assert_eq!(r.contacts.rejected, 0);
        assert_eq!(r.events.rejected, 0);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert_eq!(r.contacts.read, 5000);
        assert_eq!(r.events.read, summary.events);
        assert_eq!(summary.by_type.values().sum::<u64>(), summary.events);
        let per_contact = summary.events as f64 / 5000.0;
        assert!(
            (7.0..14.0).contains(&per_contact),
            "{per_contact} events per contact"
        );

        // The file is already sorted per contact and by time: loading
        // (which sorts stably) must not change the order.
        let text = String::from_utf8(e).unwrap();
        let mut last: Option<(String, String)> = None;
        for line in text.lines().skip(1) {
            let mut parts = line.split(',');
            let id = parts.next().unwrap().to_string();
            let at = parts.nth(1).unwrap().to_string();
            if let Some((lid, lat)) = &last {
                assert!(lid < &id || (lid == &id && lat <= &at), "{line}");
            }
            last = Some((id, at));
        }

        // Funnel shape.
        let schema = b2b_schema();
        let ty = |n: &str| schema.event_type_index(n).unwrap() as u16;
        let has = |c: usize, t: u16, pred: &dyn Fn(&data::Event) -> bool| {
            d.events_of(c).iter().any(|e| e.event_type == t && pred(e))
        };
        let n = d.contacts.len();
        let count = |f: &dyn Fn(usize) -> bool| (0..n).filter(|c| f(*c)).count() as f64 / n as f64;
        let prop = |e: &data::Event, i: usize| match &e.properties[i] {
            Some(crate::base::value::Value::Text(s)) => s.to_string(),
            _ => String::new(),
        };
        let opened = count(&|c| has(c, ty("email.opened"), &|_| true));
        let pricing = count(&|c| has(c, ty("page.visited"), &|e| prop(e, 0) == "/pricing"));
        let demo = count(&|c| has(c, ty("form.submitted"), &|e| prop(e, 0) == "demo"));
        let bought = count(&|c| has(c, ty("purchase"), &|_| true));
        let unsub = count(&|c| has(c, ty("unsubscribed"), &|_| true));
        let funnel =
            format!("opened {opened} pricing {pricing} demo {demo} bought {bought} unsub {unsub}");
        assert!(opened > 0.4 && opened < 0.95, "{funnel}");
        assert!(pricing > 0.05 && pricing < opened, "{funnel}");
        assert!(demo > 0.005 && demo < pricing, "{funnel}");
        assert!(bought > 0.01 && bought < 0.08, "{funnel}");
        assert!(unsub > 0.015 && unsub < 0.06, "{funnel}");

        // Causality: every open follows a send of the same mail, every
        // click an open; nothing e-mail after unsubscribing; nothing
        // before sign-up.
        for c in 0..n {
            let evs = d.events_of(c);
            let created = d.contacts[c].created_at.unwrap();
            let mut unsub_at = None;
            for (i, e) in evs.iter().enumerate() {
                assert!(e.at >= created);
                assert!(e.at < 1_735_689_600 + 365 * DAY);
                let before = &evs[..i];
                if e.event_type == ty("email.opened") {
                    assert!(before
                        .iter()
                        .any(|b| b.event_type == ty("email.sent")
                            && b.properties[0] == e.properties[0]));
                }
                if e.event_type == ty("email.clicked") {
                    assert!(before.iter().any(|b| b.event_type == ty("email.opened")
                        && b.properties[0] == e.properties[0]));
                }
                if e.event_type <= ty("email.clicked") {
                    assert!(unsub_at.is_none(), "e-mail after unsubscribing");
                }
                if e.event_type == ty("unsubscribed") {
                    unsub_at = Some(e.at);
                }
                if e.event_type == ty("referral") {
                    let other = prop(e, 0);
                    assert_ne!(other, d.contacts[c].id);
                    assert!(other.as_str() >= "c0000001" && other.as_str() <= "c0005000");
                }
            }
        }
    }

    #[test]
    fn channel_changes_conversion() {
        let (c, e, _) = run(&opts(20_000, 3));
        let d = data::load_inputs(
            &b2b_schema(),
            Some(Input::from_bytes("contacts.csv", Format::Csv, c)),
            Input::from_bytes("events.csv", Format::Csv, e),
            &LoadOptions::default(),
        )
        .unwrap();
        let purchase = b2b_schema().event_type_index("purchase").unwrap() as u16;
        let rate = |channel: &str| {
            let members: Vec<usize> = (0..d.contacts.len())
                .filter(|i| {
                    d.contacts[*i].fields[3]
                        == Some(crate::base::value::Value::Text(channel.into()))
                })
                .collect();
            let buyers = members
                .iter()
                .filter(|i| d.events_of(**i).iter().any(|e| e.event_type == purchase))
                .count();
            buyers as f64 / members.len().max(1) as f64
        };
        assert!(
            rate("referral") > rate("social"),
            "{} vs {}",
            rate("referral"),
            rate("social")
        );
    }

    #[test]
    fn zero_contacts_and_odd_options() {
        let (c, e, s) = run(&opts(0, 1));
        assert_eq!(c, CONTACTS_HEADER.as_bytes());
        assert_eq!(e, EVENTS_HEADER.as_bytes());
        assert_eq!(s.events, 0);
        let (_, _, s) = run(&GenerateOptions {
            contacts: 50,
            days: 0,
            events_per_contact: f64::NAN,
            ..GenerateOptions::default()
        });
        assert_eq!(s.contacts, 50);
        let (_, _, s) = run(&GenerateOptions {
            contacts: 200,
            events_per_contact: 30.0,
            ..GenerateOptions::default()
        });
        assert!(s.events as f64 / 200.0 > 15.0, "{}", s.events);
    }
}
