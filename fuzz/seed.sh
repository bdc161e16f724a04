#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets in fuzz/corpus/TARGET from the
# shipped examples, the test fixtures and the small seeds in fuzz/seeds/.
# The corpora are not committed (fuzz/corpus is ignored): this script makes
# them again on any clone. Data seeds are cut to their first lines, since
# libFuzzer mutates small inputs faster and takes -max_len from the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
mkdir -p "$out"/{parse,check,fmt_roundtrip,loader,simulate}

# Rules files: the examples, the imported shared file, every fixture, and the
# rules seeds of fuzz/seeds (reproducers of crashes the fuzzers found).
n=0
while IFS= read -r -d '' file; do
  n=$((n + 1))
  for target in parse check fmt_roundtrip; do
    cp "$file" "$out/$target/rules-$n.nurture"
  done
done < <(find examples tests/fixtures fuzz/programs fuzz/seeds src/syntax/testdata -name '*.nurture' -type f -print0 | sort -z)

# The loader's input: a flag byte, then events, contacts and mapping cut at
# 0xFF bytes (see fuzz_targets/loader.rs for the flag bits).
loader_seed() { # name flag events [contacts [mapping]]
  local name=$1 flag=$2 events=$3 contacts=${4:-} mapping=${5:-}
  {
    printf "\\x$flag"
    head -c 4096 "$events"
    if [ -n "$contacts" ] || [ -n "$mapping" ]; then printf '\xff'; fi
    if [ -n "$contacts" ]; then head -c 4096 "$contacts"; fi
    if [ -n "$mapping" ]; then printf '\xff'; cat "$mapping"; fi
  } > "$out/loader/$name"
}
for events in examples/data/*_events.csv; do
  base=$(basename "$events" _events.csv)
  contacts=examples/data/${base}_contacts.csv
  loader_seed "$base-csv" 10 "$events" "$contacts"           # contacts present, CSV
  loader_seed "$base-auto-skip" 9e "$events" "$contacts"     # sniffed, skip bad rows
  head -c 4096 "$events" > "$out/simulate/$base.csv"
done
loader_seed retail-mapped 22 fuzz/seeds/retail_events.csv "" examples/online_retail.map.json
loader_seed retail-mapped-skip a2 fuzz/seeds/retail_events.csv "" examples/online_retail.map.json
# JSON lines and a JSON array of the same events, and a gzip read through a file.
python3 - "$out" <<'PY'
import csv, gzip, json, sys
out = sys.argv[1]
rows = list(csv.DictReader(open("fuzz/seeds/simulate_events.csv")))
rows = [{k: v for k, v in r.items() if v} for r in rows]
lines = "".join(json.dumps(r) + "\n" for r in rows).encode()
array = json.dumps(rows).encode()
open(f"{out}/loader/jsonl", "wb").write(b"\x01" + lines)
open(f"{out}/loader/json-array", "wb").write(b"\x03" + array)
open(f"{out}/loader/gzip-csv", "wb").write(b"\x40" + gzip.compress(open("fuzz/seeds/simulate_events.csv", "rb").read()))
open(f"{out}/simulate/jsonl", "wb").write(lines)
PY
cp fuzz/seeds/simulate_events.csv "$out/simulate/q1.csv"
for target in parse check fmt_roundtrip loader simulate; do
  echo "$target: $(ls "$out/$target" | wc -l) seeds"
done
