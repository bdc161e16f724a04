#!/usr/bin/env bash
# Dry-run the e-commerce lifecycle example on the real UCI Online Retail data
# (every invoice line of a UK gift shop, 2010-12-01 to 2011-12-09; CC0).
# The data is read in place from ../shared/data and never copied into the
# project. Each invoice becomes one purchase (cancellations become refunds);
# see examples/online_retail.map.json and docs/data.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${ONLINE_RETAIL:-../shared/data/online_retail/online_retail.csv.gz}"
if [ ! -f "$data" ]; then
  echo "error: $data not found; set ONLINE_RETAIL to the path of online_retail.csv.gz" >&2
  exit 2
fi
cargo build --release --quiet
exec target/release/nurture simulate examples/ecommerce_lifecycle.nurture \
  --events "$data" --map examples/online_retail.map.json \
  --from 2010-12-01 --to 2011-12-09 "$@"
