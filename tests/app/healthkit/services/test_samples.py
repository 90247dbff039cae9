"""samples_upsert: the PostgreSQL statement (one array per column, bound on the server) and the
portable VALUES statement (SQLite in dev) store the same rows, once per owner and fingerprint."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone
from healthkit.fingerprints import sample_fingerprint
from healthkit.models import HealthSample
from healthkit.services import samples as samples_module
from healthkit.services.samples import samples_upsert

from localservices.samples import heart_rate_sample, heart_rate_samples, sleep_sample, workout_sample
from tests.support.samples import parsed_samples

pytestmark = pytest.mark.django_db

#: what a row holds of its sample (the fingerprint depends on the owner: compared apart)
SAMPLE_FIELDS = (
    "type",
    "value",
    "unit",
    "start_at",
    "end_at",
    "source_name",
    "source_bundle_id",
    "device",
    "metadata",
    "healthkit_uuid",
    "workout_activity_type",
)
MIXED = [heart_rate_sample(1), sleep_sample(2), workout_sample(3)]


def _stored_by_type(owner) -> dict[str, tuple]:
    rows = HealthSample.objects.filter(owner=owner).values_list(*SAMPLE_FIELDS)
    return {row[0]: row for row in rows}


def _expected(sample) -> tuple:
    return (
        sample.type,
        float(sample.value),
        sample.unit,
        sample.start,
        sample.end,
        sample.source_name,
        sample.source_bundle_id,
        sample.device,
        sample.metadata,
        uuid.UUID(sample.uuid) if sample.uuid else None,
        sample.workout_activity_type,
    )


def test_samples_are_stored_once_and_the_count_is_of_rows_created(user):
    samples = parsed_samples(heart_rate_samples(3))
    assert samples_upsert(owner_id=user.pk, samples=[*samples, samples[0]]) == 3
    assert samples_upsert(owner_id=user.pk, samples=parsed_samples(heart_rate_samples(4))) == 1
    assert HealthSample.objects.filter(owner=user).count() == 4


def test_quantities_categories_and_workouts_in_one_statement_are_stored_as_given(user):
    samples = parsed_samples(MIXED)
    samples_upsert(owner_id=user.pk, samples=samples)
    assert _stored_by_type(user) == {sample.type: _expected(sample) for sample in samples}
    assert set(HealthSample.objects.filter(owner=user).values_list("fingerprint", flat=True)) == {
        sample_fingerprint(owner_id=user.pk, sample=sample) for sample in samples
    }


def test_the_portable_values_statement_stores_the_same_rows_as_the_postgresql_one(user_factory):
    first, second = user_factory(), user_factory()
    samples_upsert(owner_id=first.pk, samples=parsed_samples(MIXED))
    rows = [(sample, sample_fingerprint(owner_id=second.pk, sample=sample)) for sample in parsed_samples(MIXED)]
    with connection.cursor() as cursor:
        cursor.execute(
            samples_module._values_sql(len(rows)),
            samples_module._values_params(rows, shared=(second.pk, None, timezone.now())),
        )
        assert len(cursor.fetchall()) == 3
    assert _stored_by_type(second) == _stored_by_type(first)
