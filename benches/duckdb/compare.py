#!/usr/bin/env python3
"""Point-in-time segment counts: `nurture segments` against DuckDB.

Both read the same files and count, at one instant, the contacts in each
segment. The counts must agree exactly; the script prints both timings
(median of N runs, each including reading the files) and their ratio. Both
are process wall times; for DuckDB that includes starting python and importing
duckdb (0.4-0.6 s on the loaded 2-core machine), so the time inside its
process, and the ratio against it, follow.

Two data sets:

* b2b: generated contacts and events (`nurture generate`, seed 42, into
  target/bench-data/, reused if present) against examples/b2b_lifecycle.nurture.
* retail: the real UCI Online Retail export (541,909 order lines, read in
  place from ../shared/data/online_retail/online_retail.csv.gz, or from
  $ONLINE_RETAIL) against examples/ecommerce_lifecycle.nurture with
  examples/online_retail.map.json, at each instant of --retail-at. Skipped
  with a message when the file is absent.

* sql: the SQL `nurture sql` generates for examples/b2b_lifecycle.nurture
  (`--format counts`: its segments and all its condition rules) against the
  hand-written SQL of the b2b segments, both over the same tables of
  docs/sql.md loaded once from the b2b files, timed in one DuckDB process
  by turns (queries only: loading is shared), median of --runs. With
  NURTURE_BENCH_POSTGRES (a connection URL; `scripts/test-postgres.sh`
  starts a server), the generated SQL is also timed in PostgreSQL over the
  same files, with the indexes docs/sql.md recommends.

    python3 benches/duckdb/compare.py [--contacts 1000000] [--runs 5] [--at 2025-07-01]
                                      [--retail-at 2011-07-01,2011-12-10] [--only b2b|retail|sql]

Needs the release binary (built if missing) and DuckDB from PyPI (installed
into target/bench-venv/ on first use). Exits 1 if any count differs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(ROOT, "examples", "b2b_lifecycle.nurture")
RETAIL_RULES = os.path.join(ROOT, "examples", "ecommerce_lifecycle.nurture")
RETAIL_MAP = os.path.join(ROOT, "examples", "online_retail.map.json")
RETAIL_DATA = os.environ.get(
    "ONLINE_RETAIL", os.path.join(ROOT, "..", "shared", "data", "online_retail", "online_retail.csv.gz"))
NURTURE = os.path.join(ROOT, "target", "release", "nurture")
VENV = os.path.join(ROOT, "target", "bench-venv")

# ---------------------------------------------------------------------------
# b2b: generated data, examples/b2b_lifecycle.nurture
# ---------------------------------------------------------------------------

B2B_SETUP = [
    """CREATE TABLE contacts AS SELECT * FROM read_csv('{data}/contacts.csv', header=true,
        types={{'id': 'VARCHAR', 'job_title': 'VARCHAR', 'company_size': 'DOUBLE'}})""",
    """CREATE TABLE events AS SELECT contact_id, type, CAST("at" AS TIMESTAMPTZ) AS ts, url, asset
        FROM read_csv('{data}/events.csv', header=true,
        types={{'contact_id': 'VARCHAR', 'url': 'VARCHAR', 'asset': 'VARCHAR', 'at': 'VARCHAR'}})""",
]

# The segments of examples/b2b_lifecycle.nurture, written in SQL with the
# language's meaning: windows are (t - N days, t], only events at or before
# t count, unset values fail every test.
SEGMENT_SQL = {
    "engaged": """
        WITH w AS (
          SELECT contact_id,
            count(*) FILTER (WHERE type = 'email.opened'
              AND ts > $t - INTERVAL 30 DAY AND ts <= $t) AS opens,
            count(*) FILTER (WHERE type = 'email.clicked'
              AND ts > $t - INTERVAL 14 DAY AND ts <= $t) AS clicks
          FROM events GROUP BY contact_id)
        SELECT count(*) FROM contacts c LEFT JOIN w ON w.contact_id = c.id
        WHERE coalesce(w.opens, 0) >= 3 OR coalesce(w.clicks, 0) >= 1
    """,
    "pricing_interest": """
        WITH w AS (
          SELECT contact_id,
            count(*) FILTER (WHERE type = 'page.visited'
              AND regexp_replace(url, '[?#].*$', '') LIKE '/pricing%'
              AND ts > $t - INTERVAL 30 DAY AND ts <= $t) AS pricing_visits,
            count(*) FILTER (WHERE type = 'asset.downloaded'
              AND asset = 'pricing_sheet' AND ts <= $t) AS sheets
          FROM events GROUP BY contact_id)
        SELECT count(*) FROM contacts c LEFT JOIN w ON w.contact_id = c.id
        WHERE coalesce(w.pricing_visits, 0) >= 2 OR coalesce(w.sheets, 0) >= 1
    """,
    "decision_maker": """
        SELECT count(*) FROM contacts c WHERE
          (coalesce(regexp_matches(c.job_title, '(?i)(head|director|chief|vp|founder|owner|ceo|cto|cmo)'), false)
           OR coalesce(c.company_size < 20, false))
          -- Contacts created after t do not exist yet (unless they have an
          -- event by then: the generator writes none before created_at).
          AND (c.created_at IS NULL OR c.created_at <= $t)
    """,
}

# ---------------------------------------------------------------------------
# retail: UCI Online Retail, examples/ecommerce_lifecycle.nurture with
# examples/online_retail.map.json
# ---------------------------------------------------------------------------

# What the mapping makes of the export, in SQL (docs/data.md, "Mapping real
# exports", and src/data/mapping.rs):
#  * lines without a CustomerID are skipped (`missing_contact: skip`);
#  * invoices whose InvoiceNo starts with C are `refund` events, all others
#    `purchase` (`classify`, `type`);
#  * all lines of one invoice (and type) are ONE event (`group_by`): its time
#    and contact are those of the invoice's first line in file order (rowid),
#    its amount the sum over the lines of |Quantity * UnitPrice| rounded to
#    cents (`abs`, `round: 2`; nurture rounds each line and each partial sum
#    to cents, which is the exact sum of the rounded lines). Amounts are kept
#    here as whole cents so sums and thresholds are exact;
#  * InvoiceDate is RFC 3339 UTC ("2010-12-01T08:26:00Z"), so no time zone
#    applies; times are kept as `ts`, seconds since the epoch, because
#    windows count days of 24 hours;
#  * contacts are derived from the events: every CustomerID with a used line,
#    with every field unset except `country` (which no segment reads).
# Properties and fields the rules read but the export does not have
# (purchase `category`, contact `discount_hunter`, page visits) are present
# here as NULLs / an empty table, so the SQL keeps the rule's full meaning.
RETAIL_SETUP = [
    """CREATE TABLE lines AS SELECT * FROM read_csv('{data}', header=true,
        types={{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR',
                'Quantity': 'DOUBLE', 'InvoiceDate': 'VARCHAR', 'UnitPrice': 'DOUBLE',
                'CustomerID': 'VARCHAR', 'Country': 'VARCHAR'}})""",
    """CREATE TABLE events AS
        SELECT arg_min(CustomerID, rowid) AS contact_id,
               CASE WHEN InvoiceNo LIKE 'C%' THEN 'refund' ELSE 'purchase' END AS type,
               CAST(epoch(arg_min(CAST(InvoiceDate AS TIMESTAMPTZ), rowid)) AS BIGINT) AS ts,
               sum(CAST(round(abs(Quantity * UnitPrice) * 100) AS BIGINT)) AS cents,
               CAST(NULL AS VARCHAR) AS category
        FROM lines WHERE CustomerID IS NOT NULL
        GROUP BY InvoiceNo, type""",
    """CREATE TABLE contacts AS
        SELECT DISTINCT contact_id AS id, CAST(NULL AS BOOLEAN) AS discount_hunter FROM events""",
    "CREATE TABLE visits (contact_id VARCHAR, ts BIGINT, url VARCHAR)",
]

# Sanity checks on the loaded data, printed beside nurture's own numbers.
RETAIL_CHECKS = {
    # A line grouped with an invoice of another customer would be a bad row
    # (D011) in nurture; the export has none.
    "invoices with two customers": """
        SELECT count(*) FROM (SELECT InvoiceNo FROM lines WHERE CustomerID IS NOT NULL
                              GROUP BY InvoiceNo HAVING count(DISTINCT CustomerID) > 1)""",
    "purchase events": "SELECT count(*) FROM events WHERE type = 'purchase'",
    "refund events": "SELECT count(*) FROM events WHERE type = 'refund'",
}

# The segments of examples/ecommerce_lifecycle.nurture. $t is the instant in
# seconds since the epoch; $D is one day (86,400 s). A window "in last N days"
# is (t - N * $D, t]; without a window, all events at or before t; an aggregate
# over no events has no value and fails its test (`total` of none is 0).
RETAIL_SQL = {
    # segment potential_customer = no purchase and never event refund
    "potential_customer": """
        SELECT count(*) FROM contacts c
        WHERE NOT EXISTS (SELECT 1 FROM events e
                          WHERE e.contact_id = c.id AND e.type IN ('purchase', 'refund') AND e.ts <= $t)
    """,
    # segment new_customer =
    #   purchased exactly 1 time and last purchase within last 90 days
    "new_customer": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS purchases, max(ts) AS last_purchase
          FROM events WHERE type = 'purchase' AND ts <= $t GROUP BY contact_id)
        WHERE purchases = 1 AND last_purchase > $t - 90 * $D
    """,
    # segment active_customer =
    #   purchased 2 times (at least 2) and last purchase within last 90 days
    "active_customer": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS purchases, max(ts) AS last_purchase
          FROM events WHERE type = 'purchase' AND ts <= $t GROUP BY contact_id)
        WHERE purchases >= 2 AND last_purchase > $t - 90 * $D
    """,
    # segment inactive_customer = purchased and last purchase more than 90 days ago
    "inactive_customer": """
        SELECT count(*) FROM (
          SELECT contact_id, max(ts) AS last_purchase
          FROM events WHERE type = 'purchase' AND ts <= $t GROUP BY contact_id)
        WHERE last_purchase < $t - 90 * $D
    """,
    # segment big_basket = average purchase amount in last 365 days >= 80
    #   (average >= 80.00  <=>  total cents >= 8000 * number of purchases)
    "big_basket": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS purchases, sum(cents) AS total_cents
          FROM events WHERE type = 'purchase' AND ts > $t - 365 * $D AND ts <= $t
          GROUP BY contact_id)
        WHERE total_cents >= 8000 * purchases
    """,
    # segment frequent_buyer = purchased 3 times in last 90 days
    "frequent_buyer": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS purchases
          FROM events WHERE type = 'purchase' AND ts > $t - 90 * $D AND ts <= $t
          GROUP BY contact_id)
        WHERE purchases >= 3
    """,
    # segment best_customers =
    #   purchased 6 times in last 365 days or total purchase amount in last 365 days >= 1000
    "best_customers": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS purchases, sum(cents) AS total_cents
          FROM events WHERE type = 'purchase' AND ts > $t - 365 * $D AND ts <= $t
          GROUP BY contact_id)
        WHERE purchases >= 6 OR total_cents >= 100000
    """,
    # segment bargain_hunter =
    #   discount_hunter = true                                   (field unset: fails)
    #   or purchased 2 times where category = "sale" in last 180 days
    #                                                            (no category: fails)
    "bargain_hunter": """
        SELECT count(*) FROM contacts c LEFT JOIN (
          SELECT contact_id, count(*) AS sale_purchases
          FROM events WHERE type = 'purchase' AND category = 'sale'
            AND ts > $t - 180 * $D AND ts <= $t
          GROUP BY contact_id) s ON s.contact_id = c.id
        WHERE coalesce(c.discount_hunter = true, false) OR coalesce(s.sale_purchases, 0) >= 2
    """,
    # segment premium_taste =
    #   purchased where category = "premium"                     (all history)
    #   or max purchase amount in last 365 days >= 250
    #   or min purchase amount in last 365 days >= 100
    "premium_taste": """
        SELECT count(*) FROM (
          SELECT contact_id,
            count(*) FILTER (WHERE category = 'premium') AS premium_purchases,
            max(cents) FILTER (WHERE ts > $t - 365 * $D) AS max_cents,
            min(cents) FILTER (WHERE ts > $t - 365 * $D) AS min_cents
          FROM events WHERE type = 'purchase' AND ts <= $t GROUP BY contact_id)
        WHERE premium_purchases >= 1
           OR coalesce(max_cents >= 25000, false)
           OR coalesce(min_cents >= 10000, false)
    """,
    # segment serial_returner = event refund 3 times in last 180 days
    "serial_returner": """
        SELECT count(*) FROM (
          SELECT contact_id, count(*) AS refunds
          FROM events WHERE type = 'refund' AND ts > $t - 180 * $D AND ts <= $t
          GROUP BY contact_id)
        WHERE refunds >= 3
    """,
    # segment browsing =
    #   visited gift_guide (page "/blog/gift-guide*", all history)
    #   or visited product 3 times in last 30 days (page "/products/*")
    #   or visited 10 pages in last 30 days
    # Pages match the URL's path (query and fragment cut off). The export has
    # no page visits, so this is 0 on both sides.
    "browsing": """
        SELECT count(*) FROM (
          SELECT contact_id,
            count(*) FILTER (WHERE path LIKE '/blog/gift-guide%') AS gift_guide,
            count(*) FILTER (WHERE path LIKE '/products/%' AND ts > $t - 30 * $D) AS product,
            count(*) FILTER (WHERE ts > $t - 30 * $D) AS pages
          FROM (SELECT contact_id, ts, regexp_replace(url, '[?#].*$', '') AS path
                FROM visits WHERE ts <= $t)
          GROUP BY contact_id)
        WHERE gift_guide >= 1 OR product >= 3 OR pages >= 10
    """,
    # segment rfm_champion = script rfm_champion:
    #   days = days_since_last("purchase")   (fractional days; no purchase: false)
    #   recency   = 5 if days <= 30, 3 if days <= 90, else 1
    #   frequency = 5 if count("purchase", 365) >= 10, 3 if >= 4, else 1
    #   monetary  = 5 if spent >= 1000, 3 if spent >= 250, else 1, where
    #     spent = sum("purchase", "amount", 365) - sum("refund", "amount", 365)
    #   2 * recency + frequency + 2 * monetary >= 20
    # (days <= 30  <=>  t - last <= 30 * $D, since t and last are whole seconds)
    "rfm_champion": """
        WITH r AS (
          SELECT contact_id,
            max(ts) FILTER (WHERE type = 'purchase') AS last_purchase,
            count(*) FILTER (WHERE type = 'purchase' AND ts > $t - 365 * $D) AS orders,
            coalesce(sum(cents) FILTER (WHERE type = 'purchase' AND ts > $t - 365 * $D), 0)
              - coalesce(sum(cents) FILTER (WHERE type = 'refund' AND ts > $t - 365 * $D), 0) AS spent_cents
          FROM events WHERE ts <= $t GROUP BY contact_id)
        SELECT count(*) FROM r
        WHERE last_purchase IS NOT NULL
          AND 2 * (CASE WHEN $t - last_purchase <= 30 * $D THEN 5
                        WHEN $t - last_purchase <= 90 * $D THEN 3 ELSE 1 END)
            + (CASE WHEN orders >= 10 THEN 5 WHEN orders >= 4 THEN 3 ELSE 1 END)
            + 2 * (CASE WHEN spent_cents >= 100000 THEN 5
                        WHEN spent_cents >= 25000 THEN 3 ELSE 1 END) >= 20
    """,
}


def ensure_duckdb():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    return python


def ensure_data(contacts):
    out = os.path.join(ROOT, "target", "bench-data", f"b2b-{contacts}")
    if not os.path.exists(os.path.join(out, "events.csv")):
        subprocess.run([NURTURE, "generate", "--contacts", str(contacts), "--out", out, "--seed", "42"],
                       check=True)
    return out


def time_nurture(args, runs):
    """Runs `nurture segments ARGS --format json`; median seconds, counts, total contacts."""
    times, result, total = [], None, None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([NURTURE, "segments", *args, "--format", "json"],
                              capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"nurture segments failed ({proc.returncode}):\n{proc.stderr}")
        report = json.loads(proc.stdout)
        result = {s["segment"]: s["contacts"] for s in report["segments"]}
        total = report["contacts"]
    return statistics.median(times), result, total


# Runs in the venv's python: loads the data (setup statements), then runs
# every query; the time covers both. Prints counts, the number of contacts
# and the answers to the check queries as JSON.
DUCKDB_PROGRAM = r"""
import duckdb, json, sys, time
spec = json.loads(sys.argv[1])
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for statement in spec["setup"]:
    con.execute(statement)
counts = {name: con.execute(sql).fetchone()[0] for name, sql in spec["queries"].items()}
seconds = time.perf_counter() - start
contacts = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
checks = {name: con.execute(sql).fetchone()[0] for name, sql in spec.get("checks", {}).items()}
print(json.dumps({"seconds": seconds, "counts": counts, "contacts": contacts, "checks": checks}))
"""


def time_duckdb(python, spec, runs):
    """Median seconds (process start to last count), counts, contacts, checks, and the
    median seconds inside the process (connect to last count: no python start, no import)."""
    times, inside, out = [], [], None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([python, "-c", DUCKDB_PROGRAM, json.dumps(spec)],
                              capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"duckdb failed:\n{proc.stderr}")
        out = json.loads(proc.stdout)
        inside.append(out["seconds"])
    return statistics.median(times), out["counts"], out["contacts"], out["checks"], statistics.median(inside)


def print_table(names, nurture_counts, nurture_contacts, duck_counts, duck_contacts):
    """Prints the counts side by side; True when every one agrees."""
    print(f"  {'segment':<20} {'nurture':>10} {'duckdb':>10}")
    agree = True
    rows = [("(contacts)", nurture_contacts, duck_contacts)]
    rows += [(name, nurture_counts.get(name), duck_counts.get(name)) for name in names]
    for name, n, d in rows:
        same = n == d
        agree &= same
        print(f"  {name:<20} {n!s:>10} {d!s:>10} {'' if same else 'DIFFERENT'}")
    return agree


def run_b2b(python, args):
    data = ensure_data(args.contacts)
    # The campaign's time zone decides what the bare date means.
    at_utc = datetime.fromisoformat(args.at).replace(tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(ZoneInfo("UTC"))
    at_text = at_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    nurture_time, nurture_counts, nurture_contacts = time_nurture(
        [RULES, "--contacts", os.path.join(data, "contacts.csv"),
         "--events", os.path.join(data, "events.csv"), "--at", args.at], args.runs)
    t = f"TIMESTAMPTZ '{at_text}'"
    spec = {"setup": [s.format(data=data) for s in B2B_SETUP],
            "queries": {name: sql.replace("$t", t) for name, sql in SEGMENT_SQL.items()}}
    duck_time, duck_counts, duck_contacts, _, duck_inside = time_duckdb(python, spec, args.runs)
    print(f"b2b: {data} ({args.contacts:,} contacts), at {args.at} Europe/Warsaw = {at_text}")
    agree = print_table(SEGMENT_SQL, nurture_counts, nurture_contacts, duck_counts, duck_contacts)
    print(f"  median of {args.runs}: nurture {nurture_time:.2f} s, duckdb {duck_time:.2f} s, "
          f"ratio nurture/duckdb = {nurture_time / duck_time:.2f} "
          f"(duckdb inside its process {duck_inside:.2f} s, ratio {nurture_time / duck_inside:.2f})")
    return agree


def run_retail(python, args):
    if not os.path.exists(RETAIL_DATA):
        print(f"retail: {RETAIL_DATA} not found, skipped (set ONLINE_RETAIL to the path of "
              "online_retail.csv.gz)")
        return True
    data = os.path.abspath(RETAIL_DATA)
    agree = True
    for at in [a.strip() for a in args.retail_at.split(",") if a.strip()]:
        # A bare date is 00:00 in the campaign's time zone (Europe/London);
        # an RFC 3339 instant (2011-09-22T09:38:00Z) is taken as it is.
        at_utc = datetime.fromisoformat(at)
        if at_utc.tzinfo is None:
            at_utc = at_utc.replace(tzinfo=ZoneInfo("Europe/London"))
        at_utc = at_utc.astimezone(ZoneInfo("UTC"))
        t = int(at_utc.timestamp())
        nurture_time, nurture_counts, nurture_contacts = time_nurture(
            [RETAIL_RULES, "--events", data, "--map", RETAIL_MAP, "--at", at], args.runs)
        spec = {"setup": [s.format(data=data) for s in RETAIL_SETUP],
                "queries": {name: sql.replace("$t", str(t)).replace("$D", "86400")
                            for name, sql in RETAIL_SQL.items()},
                "checks": RETAIL_CHECKS}
        duck_time, duck_counts, duck_contacts, checks, duck_inside = time_duckdb(python, spec, args.runs)
        print(f"retail: {data}, at {at} (Europe/London) = {at_utc.strftime('%Y-%m-%d %H:%M:%S+00')}")
        print("  duckdb load: " + ", ".join(f"{k} {v:,}" for k, v in checks.items()))
        agree &= print_table(RETAIL_SQL, nurture_counts, nurture_contacts, duck_counts, duck_contacts)
        print(f"  median of {args.runs}: nurture {nurture_time:.2f} s, duckdb {duck_time:.2f} s, "
              f"ratio nurture/duckdb = {nurture_time / duck_time:.2f} "
          f"(duckdb inside its process {duck_inside:.2f} s, ratio {nurture_time / duck_inside:.2f})")
    return agree


# The tables of docs/sql.md from the b2b files: `at` and `created_at` as
# instants, ids and tags as text, `seq` the row number in file order, the
# other columns as DuckDB reads them (numbers, dates, text).
SQL_SETUP = [
    # `nurture generate` writes no points or tags: NULL (0 points, no tags).
    """CREATE TABLE contacts AS SELECT * REPLACE (CAST(created_at AS TIMESTAMPTZ) AS created_at),
          CAST(NULL AS BIGINT) AS points, CAST(NULL AS VARCHAR) AS tags
        FROM read_csv('{data}/contacts.csv', header=true,
        types={{'id': 'VARCHAR', 'stage': 'VARCHAR', 'created_at': 'VARCHAR'}})""",
    """CREATE TABLE events AS SELECT * REPLACE (CAST("at" AS TIMESTAMPTZ) AS "at"),
          row_number() OVER () - 1 AS seq
        FROM read_csv('{data}/events.csv', header=true,
        types={{'contact_id': 'VARCHAR', 'url': 'VARCHAR', 'asset': 'VARCHAR', 'at': 'VARCHAR'}})""",
    # The hand-written queries read `ts`.
    """CREATE VIEW events_hw AS SELECT contact_id, type, "at" AS ts, url, asset FROM events""",
]

# Loads the tables, then times the hand-written queries and the generated
# one by turns; prints the medians and the counts as JSON.
SQL_PROGRAM = r"""
import duckdb, json, statistics, sys, time
spec = json.loads(sys.argv[1])
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for statement in spec["setup"]:
    con.execute(statement)
hand, generated, only = [], [], []
for _ in range(spec["runs"]):
    start = time.perf_counter()
    hand_counts = {name: con.execute(sql).fetchone()[0] for name, sql in spec["queries"].items()}
    hand.append(time.perf_counter() - start)
    start = time.perf_counter()
    result = con.execute(spec["generated"])
    row = result.fetchone()
    generated.append(time.perf_counter() - start)
    generated_counts = dict(zip([d[0] for d in result.description], row))
    start = time.perf_counter()
    result = con.execute(spec["segments_only"])
    row = result.fetchone()
    only.append(time.perf_counter() - start)
    only_counts = dict(zip([d[0] for d in result.description], row))
print(json.dumps({"hand": statistics.median(hand), "generated": statistics.median(generated),
                  "segments_only": statistics.median(only), "only_counts": only_counts,
                  "hand_counts": hand_counts, "generated_counts": generated_counts}))
"""


def segments_only(rules, out):
    """The rules file without its `rule` and `test` blocks: the same segments, so the
    generated SQL answers what the hand-written SQL answers and no more."""
    kept, skipping = [], False
    for line in open(rules, encoding="utf-8"):
        # A block ends at the next top-level line (a test's closing `}`
        # belongs to it); `on …` and `when …` are rules without a name.
        top_level = line.strip() and not line[0].isspace() and line.strip() != "}"
        if top_level:
            skipping = line.startswith(("rule ", "test ", "on ", "when "))
        if not skipping:
            kept.append(line)
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(kept)
    return out


def generated_sql(dialect, at, rules=RULES):
    proc = subprocess.run([NURTURE, "sql", rules, "--dialect", dialect, "--format", "counts", "--at", at],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"nurture sql failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def postgres_time(url, data, sql, runs):
    """Loads the b2b files into a fresh schema with the recommended indexes, then runs
    the generated SQL `runs` times; the median seconds (psql's \\timing) and the row."""
    schema = "nurture_bench"
    contacts_header = open(os.path.join(data, "contacts.csv"), encoding="utf-8").readline().strip().split(",")
    events_header = open(os.path.join(data, "events.csv"), encoding="utf-8").readline().strip().split(",")
    typed = {"created_at": "TIMESTAMPTZ", "at": "TIMESTAMPTZ", "points": "BIGINT",
             "company_size": "DOUBLE PRECISION", "budget": "DOUBLE PRECISION", "birthday": "DATE"}
    def cols(header):
        return ", ".join(f'"{h}" {typed.get(h, "TEXT")}' for h in header)
    load = f"""SET client_min_messages = warning;
DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema};
CREATE TABLE contacts ({cols(contacts_header)}, points BIGINT, tags TEXT);
\\copy contacts ({", ".join(f'"{h}"' for h in contacts_header)}) FROM '{data}/contacts.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE events ({cols(events_header)}, seq BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 0 MINVALUE 0));
\\copy events ({", ".join(f'"{h}"' for h in events_header)}) FROM '{data}/events.csv' WITH (FORMAT csv, HEADER true)
CREATE INDEX events_contact_type_at ON events (contact_id, type, "at");
CREATE INDEX contacts_id ON contacts (id);
ANALYZE;
"""
    start = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=load, text=True, check=True)
    loaded = time.perf_counter() - start
    query = f"SET search_path = {schema};\n\\timing on\n" + (sql + "\n") * runs
    proc = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url], input=query,
                          capture_output=True, text=True, check=True)
    times = [float(line.split()[1]) / 1000 for line in proc.stdout.splitlines() if line.startswith("Time: ")]
    rows = [line for line in proc.stdout.splitlines() if line and not line.startswith("Time: ")]
    subprocess.run(["psql", "-X", "-q", url, "-c", f"DROP SCHEMA {schema} CASCADE"], check=True,
                   capture_output=True)
    return statistics.median(times), loaded, rows


def run_sql(python, args):
    data = ensure_data(args.contacts)
    at_utc = datetime.fromisoformat(args.at).replace(tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(ZoneInfo("UTC"))
    t = f"TIMESTAMPTZ '{at_utc.strftime('%Y-%m-%d %H:%M:%S+00')}'"
    spec = {"setup": [s.format(data=data) for s in SQL_SETUP],
            "queries": {name: sql.replace("$t", t).replace("FROM events ", "FROM events_hw ")
                        for name, sql in SEGMENT_SQL.items()},
            "generated": generated_sql("duckdb", args.at),
            "segments_only": generated_sql(
                "duckdb", args.at, segments_only(RULES, os.path.join(data, "segments_only.nurture"))),
            "runs": args.runs}
    proc = subprocess.run([python, "-c", SQL_PROGRAM, json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"duckdb failed:\n{proc.stderr}")
    out = json.loads(proc.stdout)
    nurture_time, nurture_counts, nurture_contacts = time_nurture(
        [RULES, "--contacts", os.path.join(data, "contacts.csv"),
         "--events", os.path.join(data, "events.csv"), "--at", args.at], 1)
    generated = {name: out["generated_counts"][f"segment_{name}"] for name in SEGMENT_SQL}
    print(f"sql: {data} ({args.contacts:,} contacts), at {args.at} Europe/Warsaw")
    print(f"  {'segment':<20} {'nurture':>10} {'generated':>10} {'hand':>10}")
    agree = out["generated_counts"]["contacts"] == nurture_contacts
    for name in SEGMENT_SQL:
        same = (nurture_counts[name] == generated[name] == out["hand_counts"][name]
                == out["only_counts"][f"segment_{name}"])
        agree &= same
        print(f"  {name:<20} {nurture_counts[name]:>10} {generated[name]:>10} {out['hand_counts'][name]:>10}"
              f" {'' if same else 'DIFFERENT'}")
    columns = len(out["generated_counts"]) - 1
    print(f"  DuckDB, median of {args.runs}, queries only: generated {out['generated']:.3f} s "
          f"({columns} columns: every segment and condition rule), hand-written {out['hand']:.3f} s "
          f"({len(SEGMENT_SQL)} segments); ratio generated/hand = {out['generated'] / out['hand']:.2f}")
    print(f"  DuckDB, the segments alone: generated {out['segments_only']:.3f} s, "
          f"ratio generated/hand = {out['segments_only'] / out['hand']:.2f} (target <= 1.2)")
    url = os.environ.get("NURTURE_BENCH_POSTGRES")
    if url:
        seconds, loaded, rows = postgres_time(url, data, generated_sql("postgres", args.at), args.runs)
        print(f"  PostgreSQL, median of {args.runs}: generated {seconds:.2f} s "
              f"(loading and indexing {loaded:.0f} s, not counted); row: {rows[-1] if rows else '?'}")
    else:
        print("  PostgreSQL: not measured (set NURTURE_BENCH_POSTGRES to a connection URL)")
    return agree


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--at", default="2025-07-01", help="instant for the b2b data set")
    parser.add_argument("--retail-at", default="2011-07-01,2011-12-10",
                        help="comma-separated instants for the Online Retail data set "
                             "(2011-12-10 00:00 London is after its last invoice)")
    parser.add_argument("--only", choices=["b2b", "retail", "sql"], help="run one comparison only")
    args = parser.parse_args()
    if not os.path.exists(NURTURE):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    python = ensure_duckdb()
    agree = True
    if args.only in (None, "b2b"):
        agree &= run_b2b(python, args)
    if args.only in (None, "retail"):
        agree &= run_retail(python, args)
    if args.only in (None, "sql"):
        agree &= run_sql(python, args)
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
