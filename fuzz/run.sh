#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, JOBS at a time, and fails
# if any of them finds a crash (a panic, an abort, a timeout of one input or
# running out of memory).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # default 60 s, every target
#   SANITIZER=address fuzz/run.sh 600     # AddressSanitizer (slower build)
#   JOBS=1 fuzz/run.sh                    # one target at a time
#
# The targets are built once first. Without a sanitizer (the default) the
# build works on the stable toolchain as it is; AddressSanitizer needs
# nightly flags, which RUSTC_BOOTSTRAP=1 unlocks on stable. The seeds come
# from fuzz/seed.sh; the dictionary is fuzz/nurture.dict. libFuzzer's last
# lines (executions, coverage) of each run are kept in fuzz/target/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(parse check fmt_roundtrip loader simulate)
fi
sanitizer=${SANITIZER:-none}
if [ "$sanitizer" != none ]; then
  export RUSTC_BOOTSTRAP=1
fi

fuzz/seed.sh >/dev/null
mkdir -p fuzz/target/logs
cargo fuzz build --sanitizer "$sanitizer"

# Targets run JOBS at a time (default: one per core). Each still gets its
# full time: libFuzzer runs one process per target, so on two cores two
# targets at once halve the wall time and cost each about nothing.
jobs=${JOBS:-$(nproc 2>/dev/null || echo 1)}

fuzz_one() {
  local target=$1 log=fuzz/target/logs/$1.log
  # -timeout: one input running this long counts as a hang (a crash).
  # -rss_limit_mb: one run growing past this counts as a crash.
  if cargo fuzz run --sanitizer "$sanitizer" "$target" -- \
      -max_total_time="$seconds" -dict=fuzz/nurture.dict \
      -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    echo ok > "fuzz/target/logs/$target.status"
  else
    echo crash > "fuzz/target/logs/$target.status"
  fi
}

echo "-- fuzzing ${targets[*]} for ${seconds}s each, $jobs at a time (sanitizer: $sanitizer)"
running=0
for target in "${targets[@]}"; do
  rm -f "fuzz/target/logs/$target.status"
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=()
for target in "${targets[@]}"; do
  log=fuzz/target/logs/$target.log
  if [ "$(cat "fuzz/target/logs/$target.status" 2>/dev/null)" = ok ]; then
    echo "-- $target:"
    grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
  else
    echo "!! $target found a crash; its log ($log) ends:"
    tail -n 40 "$log"
    ls "fuzz/artifacts/$target" 2>/dev/null || true
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (reproduce: cargo fuzz run --sanitizer none TARGET fuzz/artifacts/TARGET/FILE)"
  exit 1
fi
