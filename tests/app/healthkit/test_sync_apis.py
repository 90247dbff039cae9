"""The sync API in-process: deletions, on_invalid=skip, unknown types, units, offsets, the feed, the imports list."""

import json

import pytest
from healthkit import errors
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, HealthSample

from localservices.samples import heart_rate_sample, heart_rate_samples, sleep_sample

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports"
SAMPLES = "/api/v1/samples"
CHANGES = "/api/v1/changes"
UUID_A = "0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10"


def _import(client, capture, body: dict, query: str = ""):
    with capture(execute=True):
        return client.post(IMPORTS + query, data=json.dumps(body), content_type="application/json")


def _status(client, response) -> dict:
    return client.get(response.json()["status_url"]).json()


def test_deletions_ride_with_samples_and_are_counted_on_the_batch(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A)]})
    response = _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(1)], "deleted": [{"uuid": UUID_A}]})
    assert response.status_code == 202, response.content
    status = _status(api_client, response)
    assert (status["records_received"], status["records_created"], status["records_deleted"]) == (2, 1, 1)
    assert [sample["uuid"] for sample in api_client.get(SAMPLES).json()["results"]] == [None]


def test_a_request_of_deletions_alone_is_accepted(api_client, django_capture_on_commit_callbacks):
    response = _import(api_client, django_capture_on_commit_callbacks, {"deleted": [{"uuid": UUID_A}]})
    assert response.status_code == 202
    assert _status(api_client, response)["status"] == "completed"


def test_a_malformed_deletion_is_a_400(api_client):
    response = api_client.post(IMPORTS, data=json.dumps({"deleted": [{"uuid": "nope"}]}), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": "deleted", "message": errors.DELETION_INVALID}]


def test_a_type_the_server_does_not_know_is_stored_and_marked_unrecognized(api_client, django_capture_on_commit_callbacks):
    goal = heart_rate_sample(0, type="HKDataTypeSleepDurationGoal", unit="hr", value=8)
    response = _import(api_client, django_capture_on_commit_callbacks, {"samples": [goal, *heart_rate_samples(3, start=1)]})
    assert response.status_code == 202, response.content
    stored = api_client.get(SAMPLES, {"type": "HKDataTypeSleepDurationGoal"}).json()["results"]
    assert [(s["recognized"], s["value"], s["unit"]) for s in stored] == [(False, 8.0, "hr")]
    assert HealthSample.objects.count() == 4


def test_a_unit_that_cannot_express_the_type_is_rejected_naming_the_accepted_units(api_client):
    body = {"samples": [heart_rate_sample(0, type="HKQuantityTypeIdentifierStepCount", unit="kg", value=5)]}
    response = api_client.post(IMPORTS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    (problem,) = response.json()["errors"]
    assert problem["field"] == "unit" and "'kg' is not a unit of HKQuantityTypeIdentifierStepCount" in problem["message"]


def test_on_invalid_skip_imports_the_valid_samples_and_answers_the_rejected_ones(api_client, django_capture_on_commit_callbacks):
    body = {"samples": [heart_rate_sample(0), heart_rate_sample(1, unit="kg"), sleep_sample(value=9)]}
    response = _import(api_client, django_capture_on_commit_callbacks, body, "?on_invalid=skip")
    assert response.status_code == 202, response.content
    assert [(item["index"], item["field"]) for item in response.json()["rejected"]] == [(1, "unit"), (2, "value")]
    assert HealthSample.objects.count() == 1


def test_the_default_stays_all_or_nothing(api_client):
    body = {"samples": [heart_rate_sample(0), heart_rate_sample(1, unit="kg")]}
    response = api_client.post(IMPORTS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert HealthSample.objects.count() == 0


def test_offsets_and_time_zone_are_returned_as_sent_and_filters_stay_in_utc(api_client, django_capture_on_commit_callbacks):
    sample = heart_rate_sample(0, start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:31:00-08:00", metadata={"HKTimeZone": "America/Los_Angeles"})
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [sample]})
    (stored,) = api_client.get(SAMPLES, {"start": "2024-03-10T09:30:00Z", "end": "2024-03-10T09:30:30Z"}).json()["results"]
    assert (stored["start"], stored["end"], stored["start_offset"], stored["time_zone"]) == (
        "2024-03-10T01:30:00-08:00",
        "2024-03-10T01:31:00-08:00",
        -28800,
        "America/Los_Angeles",
    )


def test_unknown_sample_query_parameters_are_a_400(api_client):
    response = api_client.get(SAMPLES, {"typo": "x", "type": "HKQuantityTypeIdentifierHeartRate"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "typo", "message": errors.QUERY_PARAMETER_UNKNOWN}]


def test_updated_since_keeps_the_samples_changed_since(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A), heart_rate_sample(1)]})
    HealthSample.objects.update(updated_at="2020-01-01T00:00:00Z")
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A, value=99)]})
    changed = api_client.get(SAMPLES, {"updated_since": "2021-01-01T00:00:00Z"}).json()["results"]
    assert [sample["uuid"] for sample in changed] == [UUID_A]


def _feed(client, since=None) -> tuple[list[dict], str]:
    """Every entry after `since`, read in pages of 2; the cursor after them."""
    entries = []
    while True:
        page = client.get(CHANGES, {"limit": 2} | ({"since": since} if since else {})).json()
        entries, since = entries + page["changes"], page["next"]
        if not page["has_more"]:
            return entries, since


def test_the_changes_feed_pages_with_an_opaque_cursor(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": heart_rate_samples(3)})
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(5, uuid=UUID_A)], "deleted": []})
    first = api_client.get(CHANGES, {"limit": 3}).json()
    rest = api_client.get(CHANGES, {"since": first["next"]}).json()
    assert [change["kind"] for change in first["changes"] + rest["changes"]] == ["upsert"] * 4
    assert (first["has_more"], rest["has_more"], rest["changes"][0]["sample"]["uuid"]) == (True, False, UUID_A)
    _import(api_client, django_capture_on_commit_callbacks, {"deleted": [{"uuid": UUID_A}]})
    removal = api_client.get(CHANGES, {"since": rest["next"]}).json()
    empty = api_client.get(CHANGES, {"since": removal["next"]}).json()
    assert [(c["kind"], c["sample_id"], c["uuid"], c["sample"]) for c in removal["changes"]] == [
        ("delete", rest["changes"][0]["sample_id"], UUID_A, None)
    ]
    assert (empty["changes"], empty["next"], empty["has_more"]) == ([], removal["next"], False)


def test_a_row_changed_twice_after_the_cursor_is_read_once_with_its_latest_content(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A), heart_rate_sample(1)]})
    _, cursor = _feed(api_client)
    for value in (80, 90):
        _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A, value=value)]})
    entries, _ = _feed(api_client, cursor)
    assert [(c["kind"], c["uuid"], c["sample"]["value"]) for c in entries] == [("upsert", UUID_A, 90.0)]
    batch = AppleHealthImportBatch.objects.order_by("-sequence").first()
    assert entries[0]["batch"] == str(batch.pk)  # the batch of the change it shows


def test_a_row_created_and_removed_after_the_cursor_is_read_as_its_removal_alone(api_client, django_capture_on_commit_callbacks):
    _, cursor = _feed(api_client)
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A)]})
    _import(api_client, django_capture_on_commit_callbacks, {"deleted": [{"uuid": UUID_A}]})
    entries, _ = _feed(api_client, cursor)
    assert [(c["kind"], c["uuid"]) for c in entries] == [("delete", UUID_A)]


def test_replaying_the_feed_from_any_cursor_gives_the_stored_samples(api_client, django_capture_on_commit_callbacks):
    rounds = [
        {"samples": heart_rate_samples(3)},
        {"samples": [heart_rate_sample(7, uuid=UUID_A), heart_rate_sample(0)]},  # a new row and a duplicate
        {"samples": [heart_rate_sample(7, uuid=UUID_A, value=99)], "deleted": []},  # a correction
        {"samples": [heart_rate_sample(8)], "deleted": [{"uuid": UUID_A}]},
        {"samples": [heart_rate_sample(7, uuid=UUID_A, value=50)]},  # later than the deletion: back, a new row
    ]
    replicas = {period: ({}, None) for period in (1, 2, 3, 5)}  # each reads on after every `period` rounds
    for number, body in enumerate(rounds, start=1):
        _import(api_client, django_capture_on_commit_callbacks, body)
        stored = {sample["id"]: sample for sample in api_client.get(SAMPLES, {"page_size": 100}).json()["results"]}
        for period, (samples, cursor) in replicas.items():
            if number % period and number < len(rounds):
                continue
            entries, cursor = _feed(api_client, cursor)
            for change in entries:
                if change["kind"] == "upsert":
                    samples[change["sample_id"]] = change["sample"]
                else:
                    samples.pop(change["sample_id"], None)
            replicas[period] = (samples, cursor)
            assert samples == stored, f"the replica reading every {period} rounds, after round {number}"


def test_the_feed_shows_only_the_owners_changes(api_client, api_client_for, user_factory, django_capture_on_commit_callbacks):
    other = api_client_for(user_factory())
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A)]})
    _import(api_client, django_capture_on_commit_callbacks, {"deleted": [{"uuid": UUID_A}]})
    assert other.get(CHANGES).json()["changes"] == []


@pytest.mark.parametrize("cursor", ["garbage", "aGtjMTotMQ", "", "aGtjMTox=="])
def test_a_cursor_the_api_did_not_give_is_a_400(api_client, cursor):
    response = api_client.get(CHANGES, {"since": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "since"


def test_the_imports_list_is_the_owners_batches_newest_first(
    api_client, api_client_for, user_factory, django_capture_on_commit_callbacks
):
    other_api_client = api_client_for(user_factory())
    ids = [_import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(i)]}).json()["id"] for i in range(3)]
    page = api_client.get(IMPORTS, {"page_size": 2}).json()
    rest = api_client.get(page["next"]).json()
    assert [batch["id"] for batch in page["results"] + rest["results"]] == list(reversed(ids))
    assert other_api_client.get(IMPORTS).json()["results"] == []


def test_a_succeeded_chunk_keeps_its_counts_but_not_its_payload(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": heart_rate_samples(2)})
    chunk = AppleHealthImportChunk.objects.get()
    assert (chunk.payload, chunk.records_created, chunk.payload_cleared_at is not None) == ("[]", 2, True)


def test_the_retention_setting_keeps_a_chunks_payload(api_client, django_capture_on_commit_callbacks, settings):
    settings.HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS = 7
    _import(api_client, django_capture_on_commit_callbacks, {"samples": heart_rate_samples(2)})
    assert len(json.loads(AppleHealthImportChunk.objects.get().payload)) == 2


def test_purge_chunk_payloads_empties_payloads_older_than_the_retention(api_client, django_capture_on_commit_callbacks, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    settings.HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS = 7
    _import(api_client, django_capture_on_commit_callbacks, {"samples": heart_rate_samples(2)})
    _import(api_client, django_capture_on_commit_callbacks, {"samples": heart_rate_samples(2, start=5)})
    old, recent = AppleHealthImportChunk.objects.order_by("created_at")
    AppleHealthImportChunk.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    call_command("purge_chunk_payloads")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.payload, old.records_created, len(json.loads(recent.payload))) == ("[]", 2, 2)
    assert old.payload_cleared_at is not None and recent.payload_cleared_at is None


UUID_B = "7F4A0C1E-2B3D-4E5F-8A9B-0C1D2E3F4A5B"


def test_two_uuids_with_the_same_content_are_two_samples_over_the_api(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A), heart_rate_sample(0, uuid=UUID_B)]})
    assert sorted(sample["uuid"].upper() for sample in api_client.get(SAMPLES).json()["results"]) == sorted([UUID_A, UUID_B])


def test_a_uuid_resent_with_a_corrected_value_is_one_updated_sample_over_the_api(api_client, django_capture_on_commit_callbacks):
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A, value=70)]})
    again = _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A, value=75)]})
    assert [sample["value"] for sample in api_client.get(SAMPLES).json()["results"]] == [75.0]
    assert _status(api_client, again)["records_updated"] == 1


def test_a_backfill_and_a_live_sync_of_one_measurement_are_one_sample_over_the_api(api_client, django_capture_on_commit_callbacks):
    backfill = heart_rate_sample(0, source_bundle_id="", metadata=None)
    backfill.pop("source_bundle_id")
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [backfill]})
    _import(api_client, django_capture_on_commit_callbacks, {"samples": [heart_rate_sample(0, uuid=UUID_A)]})
    assert [sample["uuid"] for sample in api_client.get(SAMPLES).json()["results"]] == [UUID_A]
