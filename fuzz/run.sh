#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after another, and fails
# if any of them finds a crash (a panic, an abort, a timeout of one input or
# running out of memory).
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # default 60 s, every target
#   SANITIZER=address fuzz/run.sh 600     # AddressSanitizer (slower build)
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

failed=()
for target in "${targets[@]}"; do
  log=fuzz/target/logs/$target.log
  echo "-- fuzzing $target for ${seconds}s (sanitizer: $sanitizer)"
  # -timeout: one input running this long counts as a hang (a crash).
  # -rss_limit_mb: one run growing past this counts as a crash.
  if cargo fuzz run --sanitizer "$sanitizer" "$target" -- \
      -max_total_time="$seconds" -dict=fuzz/nurture.dict \
      -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
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
