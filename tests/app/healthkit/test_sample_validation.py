import json
from datetime import UTC, datetime

import pytest
from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.validation import ImportLimits, import_body_parse, sample_parse

from localservices.samples import heart_rate_sample, sleep_sample, workout_sample

LIMITS = ImportLimits(max_samples=10, metadata_max_keys=3, metadata_max_bytes=64)


def _errors(sample: dict) -> list[dict]:
    _, problems = sample_parse(sample, index=0, limits=LIMITS)
    return problems


def _body_errors(body) -> list[dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ApplicationError) as caught:
        import_body_parse(body=raw, limits=LIMITS)
    return caught.value.errors


def _fields(problems: list[dict]) -> set[str]:
    return {problem.get("field") for problem in problems}


@pytest.mark.parametrize(
    "sample", [heart_rate_sample(), sleep_sample(), workout_sample()], ids=["quantity", "category", "workout"]
)
def test_valid_samples_of_each_kind_have_no_errors(sample):
    assert _errors(sample) == []


def test_dates_are_converted_to_utc_instants():
    parsed, _ = sample_parse(
        heart_rate_sample(start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:30:00-08:00"), limits=LIMITS
    )
    assert parsed.start == datetime(2024, 3, 10, 9, 30, tzinfo=UTC)


def test_unknown_type_is_rejected_with_its_name():
    problems = _errors(heart_rate_sample(type="Moodiness"))
    assert problems == [
        {"index": 0, "field": "type", "message": errors.TYPE_UNKNOWN.format(value="Moodiness")}
    ]


@pytest.mark.parametrize("value", ["2024-03-10", "yesterday", "2024-13-10T00:00:00Z", 1710063000])
def test_a_start_that_is_not_an_iso_datetime_is_rejected(value):
    assert _errors(heart_rate_sample(start=value, end="2024-03-10T09:30:00Z")) == [
        {"index": 0, "field": "start", "message": errors.DATETIME_INVALID}
    ]


def test_a_naive_datetime_is_rejected():
    problems = _errors(heart_rate_sample(start="2024-03-10T09:30:00", end="2024-03-10T09:30:00Z"))
    assert problems == [{"index": 0, "field": "start", "message": errors.DATETIME_NAIVE}]


def test_end_before_start_is_rejected():
    problems = _errors(heart_rate_sample(start="2024-03-10T09:30:00Z", end="2024-03-10T09:29:59Z"))
    assert _fields(problems) == {"end"}
    assert problems[0]["message"] == errors.END_BEFORE_START.format(
        start="2024-03-10T09:30:00Z", end="2024-03-10T09:29:59Z"
    )


def test_end_equal_to_start_written_with_another_offset_is_accepted():
    assert _errors(heart_rate_sample(start="2024-03-10T09:30:00Z", end="2024-03-10T10:30:00+01:00")) == []


@pytest.mark.parametrize(
    ("value", "kind"), [("72", "a string"), (True, "a boolean"), ([72], "a list"), ({"v": 1}, "an object")]
)
def test_a_value_that_is_not_a_number_is_rejected(value, kind):
    assert _errors(heart_rate_sample(value=value)) == [
        {"index": 0, "field": "value", "message": errors.VALUE_NOT_NUMBER.format(kind=kind)}
    ]


def test_an_integer_too_large_for_a_float_is_rejected():
    assert _fields(_errors(heart_rate_sample(value=10**400))) == {"value"}


@pytest.mark.parametrize("field", ["type", "value", "start", "end", "source_name"])
def test_each_required_field_is_reported_when_missing(field):
    sample = heart_rate_sample()
    del sample[field]
    assert {"index": 0, "field": field, "message": errors.FIELD_REQUIRED} in _errors(sample)


def test_a_quantity_sample_needs_a_unit():
    sample = heart_rate_sample()
    del sample["unit"]
    assert _errors(sample) == [{"index": 0, "field": "unit", "message": errors.UNIT_REQUIRED}]


def test_a_category_sample_must_not_have_a_unit():
    assert _errors(sleep_sample(unit="count")) == [{"index": 0, "field": "unit", "message": errors.UNIT_FORBIDDEN}]


def test_a_category_value_must_be_an_integer():
    message = errors.CATEGORY_VALUE_INVALID.format(type="HKCategoryTypeIdentifierSleepAnalysis", allowed="0, 1, 2, 3, 4, 5")
    assert _errors(sleep_sample(value=1.5)) == [{"index": 0, "field": "value", "message": message}]


def test_a_workout_needs_its_activity_type():
    sample = workout_sample()
    del sample["workout_activity_type"]
    assert _errors(sample) == [
        {"index": 0, "field": "workout_activity_type", "message": errors.WORKOUT_ACTIVITY_REQUIRED}
    ]


def test_a_workout_with_an_unknown_activity_type_is_rejected():
    assert _fields(_errors(workout_sample(workout_activity_type="HKWorkoutActivityTypeNapping"))) == {
        "workout_activity_type"
    }


def test_a_workout_duration_must_be_in_a_time_unit():
    assert _fields(_errors(workout_sample(unit="km"))) == {"unit"}


def test_only_workouts_have_an_activity_type():
    problems = _errors(heart_rate_sample(workout_activity_type="HKWorkoutActivityTypeRunning"))
    assert problems == [{"index": 0, "field": "workout_activity_type", "message": errors.WORKOUT_ACTIVITY_FORBIDDEN}]


def test_an_unknown_field_is_rejected():
    assert _errors(heart_rate_sample(colour="red")) == [
        {"index": 0, "field": "colour", "message": errors.FIELD_UNKNOWN}
    ]


def test_an_invalid_uuid_is_rejected():
    assert _errors(heart_rate_sample(uuid="not-a-uuid")) == [
        {"index": 0, "field": "uuid", "message": errors.UUID_INVALID}
    ]


def test_metadata_with_too_many_keys_is_rejected():
    problems = _errors(heart_rate_sample(metadata={"a": 1, "b": 2, "c": 3, "d": 4}))
    assert problems == [
        {"index": 0, "field": "metadata", "message": errors.METADATA_TOO_MANY_KEYS.format(count=4, limit=3)}
    ]


def test_metadata_larger_than_the_byte_limit_is_rejected():
    problems = _errors(heart_rate_sample(metadata={"note": "x" * 100}))
    assert _fields(problems) == {"metadata"}


def test_a_sample_that_is_not_an_object_is_rejected():
    assert _errors(["HKQuantityTypeIdentifierHeartRate"]) == [
        {"index": 0, "field": "sample", "message": errors.SAMPLE_NOT_OBJECT}
    ]


def test_every_invalid_sample_of_a_request_is_reported_with_its_index():
    body = {"samples": [heart_rate_sample(0), heart_rate_sample(1, value="x"), heart_rate_sample(2, type="nope")]}
    problems = _body_errors(body)
    assert [(problem["index"], problem["field"]) for problem in problems] == [(1, "value"), (2, "type")]


def test_malformed_json_is_a_request_level_error():
    problems = _body_errors(b'{"samples": [')
    assert len(problems) == 1
    assert "index" not in problems[0]
    assert problems[0]["field"] == "body"
    assert problems[0]["message"].startswith("malformed JSON: ")


def test_nan_is_refused_naming_the_sample_and_field():
    problems = _body_errors(b'{"samples": [{"value": NaN}]}')
    assert problems == [
        {
            "index": 0,
            "field": "value",
            "message": errors.UNSTORABLE_AT.format(
                problem=errors.NON_FINITE_NUMBER.format(text="NaN"), path="value"
            ),
        }
    ]


def test_a_body_without_samples_is_a_request_level_error():
    assert _body_errors({"items": []}) == [{"field": "items", "message": errors.UNKNOWN_TOP_LEVEL_FIELD}]
    assert _body_errors({}) == [{"field": "samples", "message": errors.SAMPLES_MISSING}]


def test_an_empty_sample_list_is_rejected():
    assert _body_errors({"samples": []}) == [{"field": "samples", "message": errors.SAMPLES_EMPTY}]


def test_more_samples_than_the_limit_is_a_request_level_error():
    problems = _body_errors({"samples": [heart_rate_sample(i) for i in range(11)]})
    assert problems == [{"field": "samples", "message": errors.TOO_MANY_SAMPLES.format(count=11, limit=10)}]


def test_a_valid_request_gives_its_samples_in_order():
    samples = import_body_parse(
        body=json.dumps({"samples": [heart_rate_sample(0), sleep_sample(1)]}).encode(), limits=LIMITS
    ).samples
    assert [sample.type for sample in samples] == [
        "HKQuantityTypeIdentifierHeartRate",
        "HKCategoryTypeIdentifierSleepAnalysis",
    ]


def test_a_stored_payload_parses_back_to_the_same_sample():
    original, _ = sample_parse(workout_sample(metadata={"k": 1}), limits=LIMITS)
    again, problems = sample_parse(original.to_payload(), limits=LIMITS)
    assert problems == []
    assert again == original
