"""healthkit.sync.store's loads: the key indexes, however many rows the owner has and whatever the statistics say."""

import json

import pytest
from django.db import connection
from healthkit.services.samples import samples_upsert
from healthkit.sync import store
from healthkit.sync.bulk import server_bound_fetchall

from localservices.samples import heart_rate_samples
from tests.support.samples import parsed_samples

pytestmark = pytest.mark.django_db

KEY_INDEXES = {"healthkit_sample_fp_owner", "healthkit_sample_uuid_owner_unique", "healthkit_sample_sync_owner_unique"}


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _rows_load_plan(owner, fingerprints: list[str]) -> list[dict]:
    """The nodes of the rows load's plan for `fingerprints`, as EXPLAIN ANALYZE reports them (in the chunk's setting)."""
    params = {"owner": owner.pk, "uuids": "{}", "syncs": [], "fingerprints": "{" + ",".join(fingerprints) + "}"}
    server_bound_fetchall("SET enable_seqscan = off", [])  # as plan_load sets it for its transaction
    try:
        (row,) = server_bound_fetchall("EXPLAIN (ANALYZE, FORMAT JSON) " + store._ROWS_LOAD, params)
    finally:
        server_bound_fetchall("RESET enable_seqscan", [])
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return list(_plan_nodes(plan[0]["Plan"]))


def test_the_rows_load_uses_the_key_indexes_even_when_statistics_say_the_owner_has_few_rows(user, django_user_model):
    other = django_user_model.objects.create_user(username="small")
    samples_upsert(owner_id=other.pk, samples=parsed_samples(heart_rate_samples(10)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE healthkit_healthsample")  # statistics of a small table: 10 rows of another owner
    samples_upsert(owner_id=user.pk, samples=parsed_samples(heart_rate_samples(6000)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT fingerprint FROM healthkit_healthsample WHERE owner_id = %s ORDER BY id LIMIT 20", [user.pk])
        fingerprints = [fingerprint for (fingerprint,) in cursor.fetchall()]

    nodes = _rows_load_plan(user, fingerprints)

    assert {node["Index Name"] for node in nodes if "Index Name" in node} <= KEY_INDEXES
    assert "healthkit_sample_fp_owner" in {node.get("Index Name") for node in nodes}
    assert not [node for node in nodes if node["Node Type"] == "Seq Scan"]
    assert sum(node.get("Rows Removed by Filter", 0) for node in nodes) == 0  # none of the owner's other rows read
    assert nodes[0]["Actual Rows"] == len(fingerprints)
