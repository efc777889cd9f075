"""JSON pages -> SQLite file through DuckDB 1.5.5 + the sqlite_scanner wheel, streaming
read_json straight into the attached SQLite table (perf-anchors' `direct` form).
usage: duck_to_sqlite.py PAGES_DIR OUT.sqlite"""
import glob, os, sys
import duckdb
import duckdb_extension_sqlite_scanner as ext
from common_sql import select

pages, out = sys.argv[1], sys.argv[2]
so = glob.glob(os.path.join(os.path.dirname(ext.__file__), "extensions", "*", "sqlite_scanner.duckdb_extension"))[0]
con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
con.execute(f"LOAD '{so}'")
con.execute(f"ATTACH '{out}' AS s (TYPE sqlite)")
con.execute("CREATE TABLE s.claude_usage_keys AS " + select(f"{pages}/*.json"))
con.close()
