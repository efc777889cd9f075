"""json.loads per page + sqlite3.executemany into a file DB, one transaction.
usage: py_stdlib.py PAGES_DIR OUT.sqlite | py_stdlib.py PAGES_DIR --parse-only"""
import collections, glob, json, sqlite3, sys
from common_sql import TABLE

pages = sys.argv[1]


def rows():
    for path in sorted(glob.glob(f"{pages}/*.json")):
        with open(path, "rb") as f:
            page = json.loads(f.read())
        for b in page["data"]:
            d = b["starting_at"][:10]
            for r in b["results"]:
                cc = r["cache_creation"]
                yield (d, r.get("api_key_id"), r.get("workspace_id"), r.get("model"), r.get("service_tier"),
                       r.get("context_window"), r.get("inference_geo"), r["uncached_input_tokens"],
                       cc["ephemeral_5m_input_tokens"], cc["ephemeral_1h_input_tokens"],
                       r["cache_read_input_tokens"], r["output_tokens"],
                       r["server_tool_use"]["web_search_requests"])


if sys.argv[2] == "--parse-only":          # parse floor: build the tuples, insert nothing
    collections.deque(rows(), maxlen=0)
    sys.exit()
db = sqlite3.connect(sys.argv[2])
db.execute(TABLE)
with db:
    db.executemany("INSERT INTO claude_usage_keys VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
db.close()
