#!/usr/bin/env python3
"""How the cost of `nurture simulate` grows with contacts, events, rules and days.

From a base point (100,000 generated contacts, ~10 events each, the B2B
example's rules once, 365 days), one dimension at a time takes three sizes
(below), and each point is run like benches/macro.sh
does it: `nurture simulate examples/b2b_lifecycle.nurture --format json
--threads 2`, no outbox, under `/usr/bin/time -v`. The table gives wall time
(median of --runs), user CPU and peak memory (medians too) per point, and per
dimension the growth factor per doubling, (cost at the largest / cost at the
smallest) ^ (1 / number of doublings between them). The runs go round-robin
over the points, so load from other work spreads over all of them; on a shared
machine trust user CPU more than wall time.

    python3 benches/growth.py [--base 100000] [--runs 3] [--threads 2]

How each dimension is varied:
  contacts  base/2, base, 2*base (`nurture generate --contacts`, seed 42)
  events    about 10, 20 and 40 events per contact. `nurture generate
            --events-per-contact` is not linear (5 gives ~8, 20 gives ~15, and
            no value gives fewer than ~6 per contact), so the knob values
            10, 33 and 80 are used, calibrated to give ~10 / ~20 / ~40; the
            growth uses the events actually generated.
  rules     the example's segments and named rules once, twice, four times: the
            copies are renamed (`engaged_2`, `welcome_new_subscriber_2`, ...)
            and use their own copies of the segments; scoring (`on ... add N
            points`, decay) is not copied. Written to target/bench-data/growth/
            and checked with `nurture check` (lint warnings are expected).
  days      --from 2025-01-01 --to 2025-03-31 / 2025-06-29 / 2025-12-31 on the
            base data (which spans all of 2025, so the whole file is still read;
            events after --to are not simulated; the table's events column
            gives the events up to --to). The generated sign-ups lean towards
            the end of the year, so the later days hold more contacts and
            events than the earlier ones.
  span      days again, but on data generated for that span (`generate
            --days 90 / 180 / 365`) and simulated over all of it, with the
            same contacts and about the same events (knob 40 / 20 / 10, which
            gives ~10 events per contact for these spans): the same data
            spread over more days.

Data is generated into target/bench-data/growth/ and reused. Needs the
release binary (built if missing).
"""

import argparse
import math
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
NURTURE = os.path.join(ROOT, "target", "release", "nurture")
RULES = os.path.join(ROOT, "examples", "b2b_lifecycle.nurture")
WORK = os.path.join(ROOT, "target", "bench-data", "growth")
FROM = "2025-01-01"
TO_BY_DAYS = {90: "2025-03-31", 180: "2025-06-29", 365: "2025-12-31"}


def data_set(contacts, events_per_contact, span):
    """Generated contacts.csv / events.csv; returns (directory, number of events)."""
    out = os.path.join(WORK, f"c{contacts}-e{events_per_contact:g}" + ("" if span == 365 else f"-d{span}"))
    events = os.path.join(out, "events.csv")
    if not os.path.exists(events):
        subprocess.run([NURTURE, "generate", "--contacts", str(contacts), "--out", out, "--seed", "42",
                        "--events-per-contact", f"{events_per_contact:g}", "--start", FROM, "--days", str(span)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(events, "rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return out, lines - 1


def events_until(data, to_date):
    """Events of the file dated on or before `to_date` (UTC date of `at`)."""
    with open(os.path.join(data, "events.csv"), encoding="utf-8") as f:
        column = f.readline().rstrip("\n").split(",").index("at")
        return sum(1 for line in f if line.split(",")[column][:10] <= to_date)


def rules_file(copies):
    """The B2B example with its segments and named rules repeated `copies` times."""
    if copies == 1:
        return RULES
    text = open(RULES, encoding="utf-8").read()
    text = text[:text.index("# --- tests")]  # tests name rules; keep them out of the copies
    start = text.index("# Segments other rules and reports use.")
    body = text[start:]
    segments = re.findall(r"^segment (\w+)", body, flags=re.M)
    parts = [text]
    for k in range(2, copies + 1):
        copy = re.sub(r"^(rule|segment) (\w+)", rf"\1 \2_{k}", body, flags=re.M)
        for name in segments:
            copy = re.sub(rf"\bin segment {name}\b", f"in segment {name}_{k}", copy)
        parts.append(f"\n# --- copy {k} of the segments and rules ---\n\n{copy}")
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, f"b2b-rules-x{copies}.nurture")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(parts))
    # Lint warnings (exit 1) are fine; errors (exit 2) are not.
    check = subprocess.run([NURTURE, "check", path, "--format", "json"], capture_output=True, text=True)
    if check.returncode not in (0, 1):
        sys.exit(f"{path} does not pass `nurture check`:\n{check.stdout}{check.stderr}")
    return path


def count_rules(path):
    text = open(path, encoding="utf-8").read()
    return len(re.findall(r"^rule \w+", text, flags=re.M)), len(re.findall(r"^segment \w+", text, flags=re.M))


def seconds_of(clock):
    """`h:mm:ss` or `m:ss.ss` → seconds."""
    return sum(float(x) * 60 ** i for i, x in enumerate(reversed(clock.split(":"))))


def run_once(rules, data, days, threads):
    """One run: wall seconds, user CPU seconds, peak RSS (MiB)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", NURTURE, "simulate", rules,
         "--contacts", os.path.join(data, "contacts.csv"), "--events", os.path.join(data, "events.csv"),
         "--from", FROM, "--to", TO_BY_DAYS[days], "--format", "json", "--threads", str(threads)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"nurture simulate failed ({proc.returncode}):\n{proc.stderr}")
    fields = dict(line.strip().rsplit(": ", 1) for line in proc.stderr.splitlines() if ": " in line)
    return (seconds_of(fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"]),
            float(fields["User time (seconds)"]),
            int(fields["Maximum resident set size (kbytes)"]) / 1024)


def per_doubling(x1, x3, v1, v3):
    return (v3 / v1) ** (1 / math.log2(x3 / x1)) if v1 > 0 and x3 > x1 else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=int, default=100_000, help="contacts at the base point")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not os.path.exists(NURTURE):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    base = args.base
    # dimension -> [(size, label, contacts, --events-per-contact, rule copies,
    #                days simulated, days the generated data spans)];
    # size None: the number of events generated.
    dims = {
        "contacts": [(n, f"{n:,}", n, 10, 1, 365, 365) for n in (base // 2, base, base * 2)],
        "events": [(None, f"knob {e}", base, e, 1, 365, 365) for e in (10, 33, 80)],
        "rules": [(k, f"x{k}", base, 10, k, 365, 365) for k in (1, 2, 4)],
        "days": [(d, f"{d} days", base, 10, 1, d, 365) for d in (90, 180, 365)],
        # knob calibrated per span so each data set has ~10 events per contact
        "span": [(d, f"{d} days", base, k, 1, d, d) for d, k in ((90, 40), (180, 20), (365, 10))],
    }
    # Prepare every distinct point, then run them round-robin (run 1 of every
    # point, then run 2, ...) so that load from other work on the machine
    # spreads over all points instead of spoiling one.
    points = {}
    for dim, rows in dims.items():
        for size, label, contacts, epc, copies, days, span in rows:
            key = (contacts, epc, copies, days, span)
            if key not in points:
                data, events = data_set(contacts, epc, span)
                points[key] = (rules_file(copies), data, events)
    samples = {key: [] for key in points}
    for _ in range(args.runs):
        for key, (rules, data, _) in points.items():
            samples[key].append(run_once(rules, data, key[3], args.threads))
    load = os.getloadavg()
    print(f"nurture simulate, B2B example, --threads {args.threads}, JSON report, no outbox; "
          f"median of {args.runs} (round-robin); load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'dimension':<10} {'point':>14} {'contacts':>9} {'events':>11} {'rules/segs':>10} "
          f"{'days':>5} {'wall s':>7} {'min s':>6} {'user s':>7} {'peak MiB':>9}")
    summary = []
    for dim, rows in dims.items():
        results = []
        for size, label, contacts, epc, copies, days, span in rows:
            key = (contacts, epc, copies, days, span)
            rules, _, events = points[key]
            walls, users, peaks = zip(*samples[key])
            wall, user, peak = statistics.median(walls), statistics.median(users), statistics.median(peaks)
            n_rules, n_segments = count_rules(rules)
            if size is None:
                label = f"{events / contacts:.1f}/contact"
            if days != span:
                events = events_until(points[key][1], TO_BY_DAYS[days])
            results.append((events if size is None else size, wall, user, peak))
            print(f"{dim:<10} {label:>14} {contacts:>9,} {events:>11,} {f'{n_rules}/{n_segments}':>10} "
                  f"{days:>5} {wall:>7.2f} {min(walls):>6.2f} {user:>7.2f} {peak:>9.0f}")
        (x1, w1, u1, p1), (x2, w2, u2, p2), (x3, w3, u3, p3) = results
        summary.append((dim, f"{x1:,} → {x2:,} → {x3:,}",
                        per_doubling(x1, x3, w1, w3), per_doubling(x1, x3, u1, u3), per_doubling(x1, x3, p1, p3),
                        w2 / w1, w3 / w2, u2 / u1, u3 / u2))
    print()
    print("growth per doubling: (largest / smallest) ^ (1 / doublings between them); steps: each step's ratio")
    print(f"{'dimension':<10} {'sizes':>33} {'wall':>6} {'user':>6} {'peak':>6} {'wall steps':>12} {'user steps':>12}")
    for dim, sizes, w, u, p, s1, s2, t1, t2 in summary:
        print(f"{dim:<10} {sizes:>33} {w:>6.2f} {u:>6.2f} {p:>6.2f} {f'{s1:.2f}, {s2:.2f}':>12} "
              f"{f'{t1:.2f}, {t2:.2f}':>12}")


if __name__ == "__main__":
    main()
