#!/usr/bin/env python3
"""Runs a `nurture sql` script in DuckDB over the contacts and events CSV
files a test gives, loaded into the tables docs/sql.md documents, and prints
the result rows as CSV (booleans as true/false), header first.

    sql_runner.py SPEC.json

SPEC: {"contacts": PATH, "events": PATH,
       "fields": [[name, type], ...], "properties": [[name, type], ...],
       "queries": [{"sql": PATH, "variable": RFC3339 or null}, ...]}
Each query's rows are followed by a row `--- end`; a query with a
`variable` runs after `SET VARIABLE nurture_at` to it.
Types are Nurture's: text, number, bool, date, datetime, list of text.
Every cell is read as text, an empty cell is NULL, and the cast to the
documented column type is DuckDB's. `seq` is the event's row number in
the file (input order). Exits 3 when duckdb is not installed.
"""

import csv
import json
import sys

try:
    import duckdb
except ImportError:
    sys.stderr.write("duckdb is not installed for this python\n")
    sys.exit(3)

TYPES = {
    "text": "TEXT",
    "number": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "list of text": "TEXT",
}


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def load(con, table, path, columns, extra_seq=False):
    """Loads PATH as text into a staging table (its rows numbered in file
    order when EXTRA_SEQ), then casts COLUMNS ([name, sql type]) into
    TABLE; columns the file lacks are NULL."""
    stage = table + "_text"
    seq = ", row_number() OVER () - 1 AS seq" if extra_seq else ""
    con.execute(
        "CREATE TABLE %s AS SELECT *%s FROM read_csv(?, header = true, all_varchar = true)"
        % (stage, seq),
        [path],
    )
    header = [r[0] for r in con.execute("DESCRIBE %s" % stage).fetchall()]
    select = []
    for name, sql_type in columns:
        if name in header:
            select.append("CAST(%s AS %s) AS %s" % (ident(name), sql_type, ident(name)))
        else:
            select.append("CAST(NULL AS %s) AS %s" % (sql_type, ident(name)))
    con.execute("CREATE TABLE %s AS SELECT %s FROM %s" % (table, ", ".join(select), stage))


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    contact_columns = [
        ["id", "TEXT"], ["stage", "TEXT"], ["points", "BIGINT"], ["tags", "TEXT"],
        ["created_at", "TIMESTAMPTZ"],
    ] + [[n, TYPES[t]] for n, t in spec["fields"]]
    load(con, "contacts", spec["contacts"], contact_columns)
    event_columns = [
        ["contact_id", "TEXT"], ["type", "TEXT"], ["at", "TIMESTAMPTZ"], ["seq", "BIGINT"],
    ] + [[n, TYPES[t]] for n, t in spec["properties"]]
    load(con, "events", spec["events"], event_columns, extra_seq=True)
    out = csv.writer(sys.stdout, lineterminator="\n")
    for query in spec["queries"]:
        if query.get("variable"):
            con.execute("SET VARIABLE nurture_at = CAST(? AS TIMESTAMPTZ)", [query["variable"]])
        result = con.execute(open(query["sql"], encoding="utf-8").read())
        out.writerow([d[0] for d in result.description])
        for row in result.fetchall():
            out.writerow(
                ["NULL" if v is None else ("true" if v is True else "false" if v is False else v) for v in row]
            )
        out.writerow(["--- end"])

main()
