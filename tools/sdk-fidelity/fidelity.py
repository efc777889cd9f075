"""Reads the simulator's analytics and organization endpoints through the official `anthropic`
Python SDK with strict response validation: every page must parse into the SDK's own types.

Usage: fidelity.py BASE_URL  (admin key from $SIMULATOR_ADMIN_KEY). Exits 1 on the first
mismatch, naming the call and the SDK's validation error.
"""

import datetime
import json
import os
import sys
import urllib.request
from decimal import Decimal

import anthropic
from anthropic.types.beta import BetaOrganization
from anthropic.types.beta.organization.analytics import BetaAnalyticsCostItem, BetaAnalyticsUsageItem

EXPECTED_SDK = "2.15.0"
TODAY = datetime.date(2026, 12, 2)  # run.sh starts the simulator with --today 2026-12-02
START = datetime.datetime(2026, 10, 20, tzinfo=datetime.timezone.utc)  # a 4-week window
END = datetime.datetime(2026, 11, 17, tzinfo=datetime.timezone.utc)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def paginate(name, first_page, item_type):
    """Follows `next_page` to the end; returns (rows, pages). Every page is parsed by the SDK."""
    rows, pages = [], 0
    for page in first_page.iter_pages():
        pages += 1
        check(page.data_refreshed_at is None or page.data_refreshed_at.tzinfo is not None,
              f"{name}: data_refreshed_at is not tz-aware")
        for item in page.data:
            check(isinstance(item, item_type), f"{name}: row is {type(item).__name__}, not {item_type.__name__}")
            rows.append(item)
    check(pages > 0, f"{name}: no page")
    return rows, pages


def truth_total_cents(base_url, key, start, end):
    request = urllib.request.Request(f"{base_url}/_simulator/truth?from={start}&to={end}", headers={"x-api-key": key})
    with urllib.request.urlopen(request, timeout=30) as response:
        return Decimal(json.load(response)["total_cost_cents"])


def run(base_url, key):
    check(anthropic.__version__ == EXPECTED_SDK, f"anthropic {anthropic.__version__} installed, expected {EXPECTED_SDK}")
    client = anthropic.Anthropic(api_key=key, base_url=base_url, _strict_response_validation=True, max_retries=0)
    analytics = client.beta.organization.analytics

    org = client.beta.organization.retrieve()
    check(isinstance(org, BetaOrganization) and org.type == "organization" and org.id and org.name, f"organization: {org!r}")
    plain = client.organization.retrieve()
    check(plain.id == org.id and plain.name == org.name, "organization.retrieve() and beta.organization.retrieve() disagree")
    print(f"organization.retrieve: {org.id} {org.name!r}")

    # What sync asks for (docs/REFERENCE.md), small pages so the chains are long.
    usage, pages = paginate("usage by actor", analytics.usage.list(
        starting_at=START, ending_at=END, time_bucket_width="1d", order_by="time", order="asc", limit=40,
        group_by=["workspace_id", "api_key_id", "model", "actor", "product"]), BetaAnalyticsUsageItem)
    check(len(usage) > 40 and pages > 1, f"usage by actor: only {len(usage)} rows in {pages} pages")
    kinds = {row.group.actor.type for row in usage if row.group.actor is not None}
    check({"user_actor", "service_account_actor", "api_actor", "federated_actor"} <= kinds, f"usage: actor kinds {kinds}")
    check([r.starting_at for r in usage] == sorted(r.starting_at for r in usage), "usage: order_by=time&order=asc is not ascending")
    print(f"analytics.usage.list (sync's grouping): {len(usage)} rows, {pages} pages")

    cost, pages = paginate("cost by key", analytics.cost.list(
        starting_at=START, ending_at=END, time_bucket_width="1d", order_by="time", order="asc", limit=25,
        group_by=["workspace_id", "api_key_id", "model", "service_tier", "context_window", "cost_type", "token_type"]),
        BetaAnalyticsCostItem)
    check(pages > 1, f"cost by key: {pages} page(s)")
    total = sum(Decimal(row.cost.amount) for row in cost)
    expected = truth_total_cents(base_url, key, START.date(), END.date())
    check(total == expected, f"cost by key: rows add up to {total} cents, the simulator's truth is {expected}")
    check(all(row.cost.requests is None for row in cost), "cost fan-out rows must have requests null")
    print(f"analytics.cost.list (sync's grouping): {len(cost)} rows, {pages} pages, {total} cents = truth")

    # Other shapes: no bucket width (one aggregate per combination), hourly buckets, every
    # enum-typed dimension, metric ordering, filters.
    paginate("usage, whole range", analytics.usage.list(starting_at=START, group_by=["service_tier", "context_window", "inference_geo",
                                                                                     "speed", "actor_type"]), BetaAnalyticsUsageItem)
    paginate("usage, hourly", analytics.usage.list(starting_at=START, ending_at=START + datetime.timedelta(days=2),
                                                   time_bucket_width="1h", order_by="requests", limit=1000), BetaAnalyticsUsageItem)
    paginate("cost, by token type", analytics.cost.list(starting_at=START, ending_at=END, time_bucket_width="1d",
                                                        group_by=["model", "token_type"], order_by="list_amount", order="asc"),
             BetaAnalyticsCostItem)
    ungrouped, _ = paginate("cost, ungrouped", analytics.cost.list(starting_at=START, ending_at=END), BetaAnalyticsCostItem)
    check(len(ungrouped) == 1 and Decimal(ungrouped[0].cost.amount) == expected, "cost, ungrouped: not one row with the total")
    paginate("usage, filtered", analytics.usage.list(starting_at=START, ending_at=END, time_bucket_width="1d",
                                                     products=["claude_code"], group_by=["actor"],
                                                     exclude_deleted_users=True), BetaAnalyticsUsageItem)

    # Parameter rules answer 400 in the standard error envelope, which the SDK maps to its own error.
    try:
        analytics.cost.list(starting_at=START, ending_at=START + datetime.timedelta(days=32))
        raise Failure("a 32-day range was accepted")
    except anthropic.BadRequestError as e:
        check(e.status_code == 400 and e.body["error"]["type"] == "invalid_request_error", f"32-day range: {e.body}")
    print("400 for a 32-day range: anthropic.BadRequestError")


def main():
    if len(sys.argv) != 2:
        print("usage: fidelity.py BASE_URL", file=sys.stderr)
        return 2
    key = os.environ.get("SIMULATOR_ADMIN_KEY", "sk-ant-admin01-simulator-key")
    try:
        run(sys.argv[1].rstrip("/"), key)
    except anthropic.APIResponseValidationError as e:
        print(f"error: the SDK rejected a response: {e}", file=sys.stderr)
        return 1
    except (Failure, anthropic.APIError) as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print("sdk fidelity: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
