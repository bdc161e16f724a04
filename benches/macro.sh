#!/usr/bin/env bash
# The macro benchmark of the product brief, section 8: generate N contacts (default
# 1,000,000, about 10 events each), dry-run the B2B example over 365 days
# with 1 and with 2 threads, report wall time, events per second and peak
# memory, and check that both runs give byte-identical reports and outboxes.
#
#   bash benches/macro.sh [CONTACTS]
set -euo pipefail
cd "$(dirname "$0")/.."
contacts="${1:-1000000}"
data="target/bench-data/b2b-${contacts}"
out="target/bench-out"
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/nurture
if [ ! -f "$data/events.csv" ]; then
  "$bin" generate --contacts "$contacts" --out "$data" --seed 42
fi
events=$(($(wc -l < "$data/events.csv") - 1))
for threads in 1 2; do
  /usr/bin/time -v "$bin" simulate examples/b2b_lifecycle.nurture \
    --contacts "$data/contacts.csv" --events "$data/events.csv" \
    --from 2025-01-01 --to 2025-12-31 --format json --threads "$threads" \
    --outbox "$out/outbox-$threads.jsonl" > "$out/report-$threads.json" 2> "$out/time-$threads.txt"
  wall=$(grep "Elapsed (wall clock)" "$out/time-$threads.txt" | awk '{print $NF}')
  peak=$(grep "Maximum resident set size" "$out/time-$threads.txt" | awk '{print $NF}')
  seconds=$(python3 -c "import sys; p=sys.argv[1].split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))" "$wall")
  rate=$(python3 -c "print(f'{$events/$seconds:,.0f}')")
  echo "threads=$threads contacts=$contacts events=$events wall=${seconds}s events/s=$rate peak=$((peak/1024)) MiB"
done
if cmp -s "$out/report-1.json" "$out/report-2.json" && cmp -s "$out/outbox-1.jsonl" "$out/outbox-2.jsonl"; then
  echo "1 and 2 threads: identical report and outbox"
  sha256sum "$out/report-1.json" "$out/outbox-1.jsonl"
else
  echo "1 and 2 threads DIFFER" >&2
  exit 1
fi
