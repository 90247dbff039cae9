"""healthkit.sync.store's loads: one index probe per key, however many rows the owner has."""

import json

import pytest
from django.db import connection
from healthkit.services.samples import samples_upsert
from healthkit.sync import store
from healthkit.sync.bulk import server_bound_fetchall

from localservices.samples import heart_rate_samples
from tests.support.samples import parsed_samples

pytestmark = pytest.mark.django_db


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def _probes(owner, *, keys: dict) -> list[dict]:
    """The scans of the rows load for `keys`, as EXPLAIN ANALYZE reports them."""
    params = {"owner": owner.pk, "uuids": "{}", "syncs": [], "fingerprints": "{}"} | keys
    with connection.cursor():  # Django's connection, as the chunk task uses it
        (row,) = server_bound_fetchall("EXPLAIN (ANALYZE, FORMAT JSON) " + store._ROWS_LOAD, params)
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return [node for node in _plan_nodes(plan[0]["Plan"]) if "Relation Name" in node]


def test_the_rows_load_probes_the_fingerprint_index_and_never_scans_the_owners_rows(user):
    samples_upsert(owner_id=user.pk, samples=parsed_samples(heart_rate_samples(6000)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT fingerprint FROM healthkit_healthsample WHERE owner_id = %s ORDER BY id LIMIT 20", [user.pk])
        fingerprints = [fingerprint for (fingerprint,) in cursor.fetchall()]
    scans = _probes(user, keys={"fingerprints": "{" + ",".join(fingerprints) + "}"})
    fingerprint_scans = [scan for scan in scans if scan.get("Actual Loops", 0) == len(fingerprints)]
    assert [scan["Index Name"] for scan in fingerprint_scans] == ["healthkit_sample_owner_fp"]
    assert sum(scan["Actual Rows"] * scan["Actual Loops"] for scan in fingerprint_scans) == len(fingerprints)
    assert all(scan.get("Rows Removed by Filter", 0) == 0 for scan in scans)
