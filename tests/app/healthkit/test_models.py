import pytest
from django.db import IntegrityError, connection, transaction
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, HealthSample

pytestmark = pytest.mark.django_db


def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def _sample(owner, **overrides):
    fields = dict(
        owner=owner,
        type="HKQuantityTypeIdentifierHeartRate",
        value=72.0,
        unit="count/min",
        start_at="2024-03-10T09:30:00Z",
        end_at="2024-03-10T09:30:00Z",
        source_name="Watch",
        source_bundle_id="com.apple.health",
        fingerprint="f" * 64,
        change_id=1,
    )
    return HealthSample(**(fields | overrides))


def test_database_rejects_a_second_sample_with_the_same_owner_and_fingerprint(user):
    _sample(user).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _sample(user).save()


def test_database_rejects_a_sample_that_ends_before_it_starts(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        _sample(user, end_at="2024-03-10T09:29:59Z").save()


def test_database_rejects_an_unknown_batch_status(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppleHealthImportBatch.objects.create(owner=user, status="done")


def test_database_rejects_negative_counts(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        AppleHealthImportBatch.objects.create(owner=user, records_created=-1)


def test_database_rejects_a_reused_idempotency_key_of_the_same_owner(user):
    AppleHealthImportBatch.objects.create(owner=user, idempotency_key="k1")
    with pytest.raises(IntegrityError), transaction.atomic():
        AppleHealthImportBatch.objects.create(owner=user, idempotency_key="k1")


def test_database_allows_many_batches_without_an_idempotency_key(user):
    AppleHealthImportBatch.objects.create(owner=user)
    AppleHealthImportBatch.objects.create(owner=user)
    assert AppleHealthImportBatch.objects.filter(owner=user, idempotency_key=None).count() == 2


def test_database_rejects_two_chunks_with_the_same_index_in_a_batch(user):
    batch = AppleHealthImportBatch.objects.create(owner=user, chunks_total=2)
    AppleHealthImportChunk.objects.create(batch=batch, index=0, payload="[]")
    with pytest.raises(IntegrityError), transaction.atomic():
        AppleHealthImportChunk.objects.create(batch=batch, index=0, payload="[]")
