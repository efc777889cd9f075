"""Shared DuckDB SQL for the peer builders: explicit schema, no sampling or inference.

The same query as the performance anchors (BENCHMARKS.md): one row per usage result, 13 columns,
date = substr(starting_at, 1, 10)."""
COLS = """{'data': 'STRUCT(starting_at VARCHAR, ending_at VARCHAR, results STRUCT(
  uncached_input_tokens BIGINT,
  cache_creation STRUCT(ephemeral_1h_input_tokens BIGINT, ephemeral_5m_input_tokens BIGINT),
  cache_read_input_tokens BIGINT, output_tokens BIGINT,
  server_tool_use STRUCT(web_search_requests BIGINT),
  api_key_id VARCHAR, workspace_id VARCHAR, model VARCHAR, service_tier VARCHAR,
  context_window VARCHAR, inference_geo VARCHAR)[])[]',
 'has_more': 'BOOLEAN', 'next_page': 'VARCHAR'}"""

TABLE = """CREATE TABLE claude_usage_keys(date TEXT, api_key_id TEXT, workspace_id TEXT, model TEXT,
  service_tier TEXT, context_window TEXT, inference_geo TEXT, uncached_input_tokens INTEGER,
  cache_creation_5m_input_tokens INTEGER, cache_creation_1h_input_tokens INTEGER,
  cache_read_input_tokens INTEGER, output_tokens INTEGER, web_search_requests INTEGER)"""


def select(glob):
    src = f"read_json('{glob}', format='unstructured', columns={COLS})"
    return f"""
WITH b AS (SELECT unnest(data) AS b FROM {src}),
     r AS (SELECT CAST(b.starting_at AS VARCHAR) AS s, unnest(b.results) AS r FROM b)
SELECT substr(s, 1, 10) AS date,
       r.api_key_id, r.workspace_id, r.model, r.service_tier, r.context_window, r.inference_geo,
       r.uncached_input_tokens,
       r.cache_creation.ephemeral_5m_input_tokens AS cache_creation_5m_input_tokens,
       r.cache_creation.ephemeral_1h_input_tokens AS cache_creation_1h_input_tokens,
       r.cache_read_input_tokens, r.output_tokens,
       r.server_tool_use.web_search_requests AS web_search_requests
FROM r"""
