"""JSON pages -> DuckDB table (CREATE TABLE AS), in memory or in a .duckdb file.
usage: duck_build.py PAGES_DIR THREADS OUT   (OUT = :memory: or a .duckdb path)"""
import sys
import duckdb
from common_sql import select

pages, threads, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = duckdb.connect(out, config={"autoinstall_known_extensions": False, "threads": threads})
con.execute("CREATE TABLE claude_usage_keys AS " + select(f"{pages}/*.json"))
print(con.execute("SELECT count(*) FROM claude_usage_keys").fetchone()[0])
con.close()
