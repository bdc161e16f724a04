#!/usr/bin/env bash
# Rebuilds fuzz/nurture.dict, the libFuzzer dictionary: every keyword and
# operator of grammar/nurture.pest (words of two or more characters; the
# single letters there are pieces of case-insensitive rules), plus the names
# the data loader and mappings look for. Run it after changing the grammar.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# libFuzzer dictionary for the Nurture fuzz targets. Built by fuzz/dict.sh"
  echo "# from grammar/nurture.pest; do not edit by hand."
  grep -o '"[^"]*"' grammar/nurture.pest | sort -u |
    grep -vE '^"[a-zA-Z]?"$|[ ~|]|^"\\"$' |
    sed 's/\\/\\\\/g; s/^"\(.*\)"$/"\1"/'
  # Separators and literals the grammar builds from pieces.
  printf '%s\n' '"\x0a"' '"  "' '"\"x\""' '"# "' '"2025-03-01"' '"2025-03-01T09:00:00Z"' \
    '"09:00"' '"10%"' '"```rhai\x0a"' '"\x0a```\x0a"'
  # The data loader: built-in event types, columns, mapping keys.
  printf '"%s"\n' email.sent email.opened email.clicked sms.sent page.visited \
    form.submitted asset.downloaded purchase unsubscribed contact_id type at url \
    form asset amount order_id category channel id created_at tags \
    columns ignore list_separator missing_id classify computed contact_fields \
    event_type group_by missing_contact prefix product round skip abs _comment
  printf '%s\n' '"\x0d\x0a"' '"\xef\xbb\xbf"' '"\x1f\x8b"' '"\"\""' '"[{"' '"}]"' '"\":\""' '"null"'
} | perl -pe 's/([\x80-\xff])/sprintf("\\x%02x", ord($1))/ge' > fuzz/nurture.dict
# libFuzzer reads only ASCII in a dictionary, with the escapes \\, \" and
# \xNN only: other bytes are written \xNN.
