"""Prints a fingerprint of a claude_usage_keys table (SQLite or DuckDB file), so every builder's
output can be checked to hold the same rows: count, non-null keys/workspaces, token sums, dates.
usage: fingerprint.py FILE"""
import sys

path = sys.argv[1]
Q = """SELECT count(*), count(api_key_id), count(workspace_id), sum(uncached_input_tokens),
  sum(cache_creation_5m_input_tokens), sum(cache_creation_1h_input_tokens), sum(cache_read_input_tokens),
  sum(output_tokens), sum(web_search_requests), min(date), max(date), count(DISTINCT date)
  FROM claude_usage_keys"""
if path.endswith(".duckdb"):
    import duckdb
    con = duckdb.connect(path, read_only=True)
else:
    import sqlite3
    con = sqlite3.connect(path)
print(tuple(str(v) for v in con.execute(Q).fetchone()))
