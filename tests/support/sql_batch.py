#!/usr/bin/env python3
"""Runs many `nurture sql` scripts in one DuckDB process: for each job, a
fresh in-memory database with the contacts and events CSV files loaded into
the tables docs/sql.md documents, then the job's queries; prints the rows
as CSV (booleans as true/false), header first.

    sql_batch.py SPEC.json

SPEC: {"jobs": [{"contacts": PATH, "events": PATH,
                 "fields": [[name, type], ...], "properties": [[name, type], ...],
                 "queries": [{"sql": PATH, "variable": RFC3339 or null}, ...]}, ...]}
A job may name a "database" file instead: the tables are loaded into it
and kept there (the text staging tables dropped) for a reader such as
`nurture segments --engine duckdb:FILE`; "queries" may then be empty.
Each query's rows are followed by a row `--- end`. A query that fails
prints `--- error` and its message instead of rows (the job goes on).
Loading: every cell as text (an empty one NULL), then cast to the column's
type by DuckDB; `seq` is the row number in file order. Exits 3 when duckdb
is not installed.
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


def run_job(job, out):
    con = duckdb.connect(job.get("database", ":memory:"))
    con.execute("SET TimeZone = 'UTC'")
    contact_columns = [
        ["id", "TEXT"], ["stage", "TEXT"], ["points", "BIGINT"], ["tags", "TEXT"],
        ["created_at", "TIMESTAMPTZ"],
    ] + [[n, TYPES[t]] for n, t in job["fields"]]
    load(con, "contacts", job["contacts"], contact_columns)
    event_columns = [
        ["contact_id", "TEXT"], ["type", "TEXT"], ["at", "TIMESTAMPTZ"], ["seq", "BIGINT"],
    ] + [[n, TYPES[t]] for n, t in job["properties"]]
    load(con, "events", job["events"], event_columns, extra_seq=True)
    if "database" in job:
        con.execute("DROP TABLE contacts_text")
        con.execute("DROP TABLE events_text")
    for query in job["queries"]:
        try:
            if query.get("variable"):
                con.execute("SET VARIABLE nurture_at = CAST(? AS TIMESTAMPTZ)", [query["variable"]])
            result = con.execute(open(query["sql"], encoding="utf-8").read())
            rows = result.fetchall()
        except duckdb.Error as e:
            out.writerow(["--- error", str(e)])
            continue
        out.writerow([d[0] for d in result.description])
        for row in rows:
            out.writerow(
                ["NULL" if v is None else ("true" if v is True else "false" if v is False else v) for v in row]
            )
        out.writerow(["--- end"])
    con.close()


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    out = csv.writer(sys.stdout, lineterminator="\n")
    for job in spec["jobs"]:
        run_job(job, out)


main()
