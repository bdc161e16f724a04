#!/usr/bin/env python3
"""Point-in-time segment counts: `nurture segments` against DuckDB.

Both read the same CSV files and count, at one instant, the contacts in each
segment of examples/b2b_lifecycle.nurture. The counts must agree exactly;
the script prints both timings (median of N runs, each including reading the
files) and their ratio.

    python3 benches/duckdb/compare.py [--contacts 1000000] [--runs 5] [--at 2025-07-01]

Data: generated with `nurture generate` into target/bench-data/ (reused if
present). Needs the release binary (built if missing) and DuckDB from PyPI
(installed into target/bench-venv/ on first use).
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
NURTURE = os.path.join(ROOT, "target", "release", "nurture")
VENV = os.path.join(ROOT, "target", "bench-venv")

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
          coalesce(regexp_matches(c.job_title, '(?i)(head|director|chief|vp|founder|owner|ceo|cto|cmo)'), false)
          OR coalesce(c.company_size < 20, false)
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


def time_nurture(data, at, runs):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            [NURTURE, "segments", RULES, "--contacts", os.path.join(data, "contacts.csv"),
             "--events", os.path.join(data, "events.csv"), "--at", at, "--format", "json"],
            check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        result = {s["segment"]: s["contacts"] for s in json.loads(proc.stdout)["segments"]}
    return statistics.median(times), result


DUCKDB_PROGRAM = r"""
import duckdb, json, sys, time
data, t = sys.argv[1], sys.argv[2]
queries = json.loads(sys.argv[3])
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute(f'''CREATE TABLE contacts AS SELECT * FROM read_csv('{data}/contacts.csv', header=true,
    types={{'id': 'VARCHAR', 'job_title': 'VARCHAR', 'company_size': 'DOUBLE'}})''')
con.execute(f'''CREATE TABLE events AS SELECT contact_id, type, CAST("at" AS TIMESTAMPTZ) AS ts, url, asset
    FROM read_csv('{data}/events.csv', header=true,
    types={{'contact_id': 'VARCHAR', 'url': 'VARCHAR', 'asset': 'VARCHAR', 'at': 'VARCHAR'}})''')
counts = {}
for name, sql in queries.items():
    counts[name] = con.execute(sql.replace("$t", f"TIMESTAMPTZ '{t}'")).fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - start, "counts": counts}))
"""


def time_duckdb(python, data, at_utc, runs):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([python, "-c", DUCKDB_PROGRAM, data, at_utc, json.dumps(SEGMENT_SQL)],
                              check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        result = json.loads(proc.stdout)["counts"]
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--at", default="2025-07-01")
    args = parser.parse_args()
    if not os.path.exists(NURTURE):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    python = ensure_duckdb()
    data = ensure_data(args.contacts)
    # The campaign's time zone decides what the bare date means.
    at_utc = datetime.fromisoformat(args.at).replace(tzinfo=ZoneInfo("Europe/Warsaw")).astimezone(ZoneInfo("UTC"))
    at_text = at_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    nurture_time, nurture_counts = time_nurture(data, args.at, args.runs)
    duck_time, duck_counts = time_duckdb(python, data, at_text, args.runs)
    print(f"data: {data} ({args.contacts:,} contacts), at {args.at} Europe/Warsaw = {at_text}")
    print(f"{'segment':<18} {'nurture':>10} {'duckdb':>10}")
    agree = True
    for name in SEGMENT_SQL:
        same = nurture_counts.get(name) == duck_counts.get(name)
        agree &= same
        print(f"{name:<18} {nurture_counts.get(name):>10} {duck_counts.get(name):>10} {'' if same else 'DIFFERENT'}")
    print(f"median of {args.runs}: nurture {nurture_time:.2f} s, duckdb {duck_time:.2f} s, "
          f"ratio nurture/duckdb = {nurture_time / duck_time:.2f}")
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
