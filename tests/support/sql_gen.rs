//! Random rules, contacts and events for tests/sql_differential.rs. Case
//! i of a seed depends on nothing else (its own generator, seeded from
//! both), so any case reproduces alone.

#![allow(dead_code)]

use nurture::base::value::Instant;

/// splitmix64: small, fast, the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, index: usize) -> Self {
        let mut rng = Rng(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

pub struct Case {
    pub index: usize,
    pub rules: String,
    pub contacts: String,
    pub events: String,
    pub instants: Vec<Instant>,
}

fn ts(s: &str) -> Instant {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

fn rfc(at: Instant) -> String {
    nurture::base::time::rfc3339(at)
}

const ZONES: &[&str] = &["UTC", "Europe/Warsaw", "America/New_York", "Europe/Berlin"];

/// Instants around which a case is built: daylight-saving changes of the
/// zones (Europe 30 March / 26 October 2025, New York 9 March / 2
/// November 2025, in UTC at and around local midnight), and plain days.
const ANCHORS: &[&str] = &[
    "2025-03-30T00:00:00Z",
    "2025-03-29T23:00:00Z",
    "2025-03-30T22:00:00Z",
    "2025-10-26T00:30:00Z",
    "2025-10-25T22:00:00Z",
    "2025-10-26T23:00:00Z",
    "2025-03-09T05:00:00Z",
    "2025-03-10T04:00:00Z",
    "2025-11-02T04:00:00Z",
    "2025-11-03T05:00:00Z",
    "2025-06-15T12:00:00Z",
    "2025-03-01T00:00:00Z",
];

const DAYS: &[u32] = &[1, 2, 7, 30];
const HOURS: &[u32] = &[1, 24, 48];
const STAGES: &[&str] = &["Lead", "MQL", "SQL", "Customer"];
const REGEXES: &[&str] = &[
    "^chief",
    "(?i)cto",
    "^\\\\d{2,3}$",
    "^a.c$",
    "sales$",
    "(?i)^head|ops",
    "\\\\bvp\\\\b",
];
const PATTERNS: &[&str] = &["/pricing*", "/pricing", "*pricing*", "/blog/*"];
const TITLES: &[&str] = &[
    "Chief Executive",
    "chief of staff",
    "CTO",
    "vp sales",
    "abc",
    "12",
    "Head of Ops",
    "a\u{1F600}c",
    "\u{0663}\u{0664}",
];
const URLS: &[&str] = &[
    "/pricing",
    "/pricing?x=1",
    "https://example.com/pricing/team#top",
    "/blog/pricing",
    "/about",
    "/pricing/",
];

struct Gen<'a> {
    rng: &'a mut Rng,
    anchor: Instant,
}

impl Gen<'_> {
    fn window(&mut self) -> String {
        if self.rng.chance(15) {
            // Weeks are calendar days too: across a daylight-saving change
            // a week is 167 or 169 hours.
            let w = self.rng.pick(&[1, 2, 5]);
            format!("in last {w} {}", if w == 1 { "week" } else { "weeks" })
        } else if self.rng.chance(70) {
            let d = self.rng.pick(DAYS);
            format!("in last {d} {}", if d == 1 { "day" } else { "days" })
        } else {
            let h = self.rng.pick(HOURS);
            format!("in last {h} {}", if h == 1 { "hour" } else { "hours" })
        }
    }

    fn opt_window(&mut self) -> String {
        if self.rng.chance(50) {
            format!(" {}", self.window())
        } else {
            String::new()
        }
    }

    fn date_near(&mut self) -> String {
        let at = self.anchor + (self.rng.below(5) as i64 - 2) * 86_400;
        rfc(at)[..10].to_string()
    }

    fn count(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        match self.rng.below(4) {
            0 => format!("exactly {n}"),
            1 => format!("at least {n}"),
            _ => format!("{n}"),
        }
    }

    fn compare(&mut self) -> &'static str {
        self.rng.pick(&[">=", ">", "<", "<=", "=", "!="])
    }

    fn atom(&mut self) -> String {
        let r = &mut *self;
        match r.rng.below(48) {
            0 => {
                let n = r.count();
                let w = r.opt_window();
                format!(
                    "opened {n} {}{w}",
                    if n.ends_with('1') { "email" } else { "emails" }
                )
            }
            1 => format!(
                "opened email {}{}",
                r.rng.pick(&["welcome", "news"]),
                r.opt_window()
            ),
            2 => format!("opened email welcome at least twice{}", r.opt_window()),
            3 => format!(
                "opened {} different emails{}",
                1 + r.rng.below(2),
                r.opt_window()
            ),
            4 => "never clicked any email".to_string(),
            5 => format!("no opened email {}", r.window()),
            6 => format!(
                "visited pricing {} times{}",
                1 + r.rng.below(3),
                r.opt_window()
            ),
            7 => format!(
                "visited {} different pages{}",
                1 + r.rng.below(3),
                r.opt_window()
            ),
            8 => format!("purchased since {}", r.date_near()),
            9 => format!(
                "purchased where amount {} {} and category = \"pro\"",
                r.compare(),
                r.rng.pick(&["20", "50", "75.25"])
            ),
            10 => format!("purchased where not category = \"basic\"{}", r.opt_window()),
            11 => format!(
                "{} purchase amount{} {} {}",
                r.rng.pick(&["total", "average", "max", "min"]),
                r.opt_window(),
                r.compare(),
                r.rng.pick(&["0", "20", "50", "75.25", "150"])
            ),
            12 => format!(
                "{} purchase amount is {}",
                r.rng.pick(&["total", "average", "max", "min"]),
                r.rng.pick(&["set", "not set"])
            ),
            13 => format!(
                "{} purchase {} {}",
                r.rng.pick(&["first", "last"]),
                r.rng.pick(&["before", "after"]),
                r.date_near()
            ),
            14 => format!(
                "{} purchase within last {} days",
                r.rng.pick(&["first", "last"]),
                r.rng.pick(DAYS)
            ),
            15 => format!(
                "{} purchase category = \"{}\"",
                r.rng.pick(&["first", "last"]),
                r.rng.pick(&["pro", "basic"])
            ),
            16 => format!(
                "{} review rating {} {}",
                r.rng.pick(&["first", "last"]),
                r.compare(),
                1 + r.rng.below(5)
            ),
            17 => format!(
                "country {} \"{}\"",
                r.rng.pick(&["=", "!="]),
                r.rng.pick(&["PL", "DE", "pl"])
            ),
            18 => format!("country {} [\"PL\", \"DE\"]", r.rng.pick(&["in", "not in"])),
            19 => format!(
                "size {} {}",
                r.compare(),
                r.rng.pick(&["1", "10", "20.5", "50"])
            ),
            20 => format!(
                "{} is {}",
                r.rng.pick(&[
                    "size",
                    "country",
                    "vip",
                    "birthday",
                    "last_seen",
                    "title",
                    "interests",
                    "renewal"
                ]),
                r.rng.pick(&["set", "not set"])
            ),
            21 => format!("vip is {}", r.rng.pick(&["true", "false"])),
            22 => format!(
                "{} {} {}",
                r.rng.pick(&["birthday", "renewal"]),
                r.rng.pick(&["before", "after"]),
                r.date_near()
            ),
            23 => format!(
                "{} is today",
                r.rng.pick(&["birthday", "renewal", "last_seen"])
            ),
            24 => format!(
                "{} within last {} {}",
                r.rng.pick(&["last_seen", "renewal"]),
                r.rng.pick(&[1, 2, 7]),
                r.rng.pick(&["days", "weeks"])
            ),
            25 => format!(
                "{} {} than {} {} ago",
                r.rng.pick(&["last_seen", "renewal"]),
                r.rng.pick(&["more", "less"]),
                r.rng.pick(&[1, 2]),
                r.rng.pick(&["days", "hours"])
            ),
            26 => format!(
                "last_seen {} {}",
                r.rng.pick(&["before", "after"]),
                r.date_near()
            ),
            27 => format!("title matches \"{}\"", r.rng.pick(REGEXES)),
            28 => format!(
                "title {} \"{}\"",
                r.rng.pick(&["starts with", "ends with", "contains"]),
                r.rng
                    .pick(&["Chief", "c", ")", "sales", "Ops", "\u{1F600}"])
            ),
            29 => format!(
                "interests contains \"{}\"",
                r.rng.pick(&["demo", "pricing", "x"])
            ),
            30 => format!("stage {} {}", r.compare(), r.rng.pick(STAGES)),
            31 => format!(
                "stage is {}",
                r.rng.pick(&["Lead", "not Lead", "set", "not set"])
            ),
            32 => format!("stage {} [Lead, Customer]", r.rng.pick(&["in", "not in"])),
            33 => format!("points {} {}", r.compare(), r.rng.below(8)),
            34 => format!("has tag \"{}\"", r.rng.pick(&["vip", "hot", "cold", "x"])),
            35 => "is unsubscribed".to_string(),
            36 => format!(
                "today is {}",
                r.rng
                    .pick(&["weekend", "weekday", "monday", "saturday", "sunday"])
            ),
            37 => format!("submitted form demo{}", r.opt_window()),
            38 => format!("downloaded asset sheet{}", r.opt_window()),
            39 => format!(
                "clicked email {}{}",
                r.rng.pick(&["welcome", "news"]),
                r.opt_window()
            ),
            40 => format!("no purchased {}", r.window()),
            41 => format!("purchased {} times{}", 1 + r.rng.below(3), r.opt_window()),
            42 => format!("last review rating is {}", r.rng.pick(&["set", "not set"])),
            43 => "in list vips".to_string(),
            44 => "is do not contact".to_string(),
            // Two properties of a custom event in one filter, correlated
            // with the count and the window on the same events.
            45 => format!(
                "event review {} where rating {} {} and source = \"{}\"{}",
                r.rng.pick(&["1 time", "2 times"]),
                r.compare(),
                1 + r.rng.below(5),
                r.rng.pick(&["app", "web"]),
                r.opt_window()
            ),
            46 => format!(
                "event review where source {} \"app\" or rating = {}",
                r.rng.pick(&["=", "!="]),
                1 + r.rng.below(5)
            ),
            _ => format!(
                "signed_up {} {}",
                r.rng.pick(&["before", "after"]),
                r.date_near()
            ),
        }
    }

    fn condition(&mut self, earlier: usize) -> String {
        let mut c = if earlier > 0 && self.rng.chance(25) {
            let k = self.rng.below(earlier);
            let not = if self.rng.chance(40) { "not " } else { "" };
            format!("{not}in segment s{k}")
        } else {
            self.atom()
        };
        while self.rng.chance(30) {
            let joiner = if self.rng.chance(50) { "and" } else { "or" };
            let next = if earlier > 0 && self.rng.chance(30) {
                format!("in segment s{}", self.rng.below(earlier))
            } else {
                self.atom()
            };
            // Parenthesised: `where` filters would take a following `and`.
            c = format!("({c}) {joiner} ({next})");
        }
        c
    }
}

/// Event times: on the window edges before the anchor (T−D exactly, a
/// second either side), at T, just after, and random ones in the 40 days
/// before.
fn event_time(rng: &mut Rng, anchor: Instant) -> Instant {
    match rng.below(6) {
        0 => anchor - i64::from(rng.pick(DAYS)) * 86_400,
        1 => anchor - i64::from(rng.pick(HOURS)) * 3600,
        2 => anchor - i64::from(rng.pick(DAYS)) * 86_400 + rng.pick(&[-1, 1, 3600, -3600]),
        3 => anchor + rng.pick(&[0, 1, -1]),
        _ => anchor - rng.below(40 * 86_400) as i64,
    }
}

/// One of the values, or (the rest of the time) an empty cell: not set.
fn cell(rng: &mut Rng, percent_set: usize, values: &[&str]) -> String {
    if rng.chance(percent_set) {
        rng.pick(values).to_string()
    } else {
        String::new()
    }
}

fn csv_line(cells: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(cells).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

impl Case {
    pub fn generate(seed: u64, index: usize) -> Case {
        let mut rng = Rng::new(seed, index);
        let anchor = ts(rng.pick(ANCHORS));
        let zone = rng.pick(ZONES);
        let pattern = rng.pick(PATTERNS);
        let mut rules = format!(
            "campaign \"differential\" {{\n  timezone \"{zone}\"\n}}\n\nstages Lead, MQL, SQL, Customer\n\n\
             field country: text\nfield size: number\nfield vip: bool\nfield birthday: date\n\
             field renewal: date\nfield last_seen: datetime\nfield signed_up: datetime\n\
             field title: text\nfield interests: list of text\n\n\
             event review {{ rating: number, source: text }}\n\nlist vips\n\nemail welcome, news\npage pricing = \"{pattern}\"\n\
             form demo\nasset sheet = \"sheet*\"\n\n"
        );
        let segments = 2 + rng.below(5);
        {
            let mut g = Gen {
                rng: &mut rng,
                anchor,
            };
            for i in 0..segments {
                let c = g.condition(i);
                rules.push_str(&format!("segment s{i} = {c}\n"));
            }
            let c = g.condition(segments);
            rules.push_str(&format!("\nrule r0:\n  when {c}\n  then add 1 point\n"));
        }
        let ids = [
            "c0", "c1", "c2", "c3", "C4", "c_5", "c10", "c9", "\u{e9}6", "Z7",
        ];
        let n = 3 + rng.below(6);
        let mut contacts = String::from(
            "id,stage,points,tags,created_at,country,size,vip,birthday,renewal,last_seen,signed_up,title,interests\n",
        );
        let mut events = String::from(
            "contact_id,type,at,email,url,amount,category,order_id,form,asset,rating,source\n",
        );
        for id in ids.iter().take(n) {
            let stage = cell(&mut rng, 70, STAGES);
            let points = cell(&mut rng, 70, &["0", "1", "2", "3", "4", "5", "6", "7"]);
            let tags = cell(&mut rng, 60, &["hot; vip", "cold", "vip", "hot"]);
            let created = match rng.below(5) {
                0 => rfc(anchor + 1),
                1 => rfc(anchor),
                2 => rfc(anchor - 10 * 86_400),
                _ => String::new(),
            };
            let country = cell(&mut rng, 70, &["PL", "DE", "pl", "FR"]);
            let size = cell(&mut rng, 70, &["1", "10", "20.5", "50", "0"]);
            let vip = cell(&mut rng, 70, &["true", "false"]);
            let near =
                |rng: &mut Rng| rfc(anchor + (rng.below(5) as i64 - 2) * 86_400)[..10].to_string();
            let birthday = if rng.chance(70) {
                format!(
                    "{}{}",
                    rng_pick(&mut rng, &["1990", "2000", "1985"]),
                    &near(&mut rng)[4..]
                )
            } else {
                String::new()
            };
            let renewal = if rng.chance(70) {
                near(&mut rng)
            } else {
                String::new()
            };
            let last_seen = if rng.chance(70) {
                rfc(event_time(&mut rng, anchor))
            } else {
                String::new()
            };
            let signed_up = if rng.chance(70) {
                rfc(event_time(&mut rng, anchor))
            } else {
                String::new()
            };
            let title = cell(&mut rng, 70, TITLES);
            let interests = cell(&mut rng, 60, &["demo;pricing", "demo", "pricing"]);
            contacts.push_str(&csv_line(&[
                id.to_string(),
                stage,
                points,
                tags,
                created,
                country,
                size,
                vip,
                birthday,
                renewal,
                last_seen,
                signed_up,
                title,
                interests,
            ]));
            let own = rng.below(9);
            let mut rows: Vec<(Instant, Vec<String>)> = Vec::new();
            for o in 0..own {
                let at = event_time(&mut rng, anchor);
                let kind = rng.below(8);
                let mut row = vec![String::new(); 9];
                let ty = match kind {
                    0 => {
                        row[0] = rng_pick(&mut rng, &["welcome", "news"]);
                        "email.opened"
                    }
                    1 => {
                        row[0] = rng_pick(&mut rng, &["welcome", "news"]);
                        row[1] = rng_pick(&mut rng, URLS);
                        "email.clicked"
                    }
                    2 | 3 => {
                        row[1] = rng_pick(&mut rng, URLS);
                        "page.visited"
                    }
                    4 => {
                        row[2] = cell(&mut rng, 80, &["0", "20", "50", "75.25", "100"]);
                        row[3] = cell(&mut rng, 80, &["pro", "basic"]);
                        row[4] = format!("o{o}");
                        "purchase"
                    }
                    5 => {
                        row[7] = cell(&mut rng, 80, &["1", "2", "3", "4", "5"]);
                        row[8] = cell(&mut rng, 80, &["app", "web"]);
                        "review"
                    }
                    6 => {
                        if rng.chance(50) {
                            row[5] = rng_pick(&mut rng, &["demo", "other"]);
                            "form.submitted"
                        } else {
                            row[6] = rng_pick(&mut rng, &["sheet.pdf", "x.pdf"]);
                            "asset.downloaded"
                        }
                    }
                    _ => "unsubscribed",
                };
                let mut line = vec![id.to_string(), ty.to_string(), rfc(at)];
                line.extend(row);
                rows.push((at, line));
            }
            // The export is in time order; ties keep their generated order.
            rows.sort_by_key(|(at, _)| *at);
            for (_, line) in rows {
                events.push_str(&csv_line(&line));
            }
        }
        let instants = vec![
            anchor,
            anchor - 1,
            anchor + 1,
            anchor + 3600,
            anchor + 86_400,
        ];
        Case {
            index,
            rules,
            contacts,
            events,
            instants,
        }
    }
}

fn rng_pick(rng: &mut Rng, items: &[&str]) -> String {
    rng.pick(items).to_string()
}
