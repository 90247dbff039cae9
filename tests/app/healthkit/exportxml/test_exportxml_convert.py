"""healthkit.exportxml: every export.xml dialect real exports hold (tests/fixtures/healthkit/README.md lists them).

The fixture files hold the modern dialect; the iOS 8 one (`source=`, compact dates, min/max/average),
Correlation and HKDataTypeSleepDurationGoal are written below in the shapes that README describes.
"""

import io

import pytest
from defusedxml import EntitiesForbidden
from healthkit.exportxml import export_samples
from healthkit.validation import sample_parse

from tests.support.fixtures import export_xml_samples


def _samples(xml: str) -> list[dict]:
    return list(export_samples(io.BytesIO(xml.encode())))


def _valid(sample: dict):
    parsed, problems = sample_parse(sample)
    assert problems == []
    return parsed


def test_a_modern_record_keeps_its_offsets_metadata_and_device_without_the_pointer():
    heart = export_xml_samples("aparser-export.xml")[0]
    assert heart == {
        "type": "HKQuantityTypeIdentifierHeartRate",
        "value": 74.0,
        "unit": "count/min",
        "start": "2024-01-01T01:01:36+02:00",
        "end": "2024-01-01T01:01:36+02:00",
        "source_name": "Alexandre's Apple Watch",
        "device": "name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,7, software:10.2",
        "metadata": {"HKMetadataKeyHeartRateMotionContext": "0"},
    }


def test_category_case_names_become_their_integers_and_hk_time_zone_is_kept():
    sleep = export_xml_samples("aparser-export.xml")[-1]
    parsed = _valid(sleep)
    assert (parsed.value, parsed.time_zone) == (3.0, "Europe/Amsterdam")  # HKCategoryValueSleepAnalysisAsleepCore


def test_a_workout_is_its_duration_in_its_unit_with_the_activity_type():
    workout = _valid(export_xml_samples("dogsheep-export.xml")[-1])
    assert (workout.workout_activity_type, workout.canonical_unit) == ("HKWorkoutActivityTypeRunning", "s")
    assert workout.canonical_value == pytest.approx(5.19412346680959 * 60)
    assert workout.metadata["HKExportTotalDistance"] == "0.4971749504535062 mi"


def test_the_ios_8_dialect_source_attribute_compact_dates_and_average_heart_rate():
    (sample,) = _samples(
        '<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" source="iPhone" unit="count/min" '
        'startDate="20150603050217+0100" endDate="20150603050217+0100" min="60" max="80" average="70"/></HealthData>'
    )
    parsed = _valid(sample)
    assert (parsed.source_name, parsed.start.isoformat(), parsed.value) == ("iPhone", "2015-06-03T05:02:17+01:00", 70.0)
    assert parsed.metadata == {"HKExportMin": "60", "HKExportMax": "80"}


def test_a_category_record_without_value_is_not_applicable():
    (sample,) = _samples(
        '<HealthData><Record type="HKCategoryTypeIdentifierMindfulSession" sourceName="Breathe" '
        'startDate="2019-03-02 08:21:31 -0800" endDate="2019-03-02 08:22:31 -0800"/></HealthData>'
    )
    assert _valid(sample).value == 0


def test_a_correlation_gives_its_members_with_one_pairing_id():
    samples = _samples(
        '<HealthData><Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" '
        'startDate="2019-03-02 08:21:31 -0800" endDate="2019-03-02 08:21:31 -0800">'
        '<Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Cuff" unit="mmHg" value="120" '
        'startDate="2019-03-02 08:21:31 -0800" endDate="2019-03-02 08:21:31 -0800"/>'
        '<Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Cuff" unit="mmHg" value="80" '
        'startDate="2019-03-02 08:21:31 -0800" endDate="2019-03-02 08:21:31 -0800"/></Correlation></HealthData>'
    )
    parsed = [_valid(sample) for sample in samples]
    assert {p.correlation_type for p in parsed} == {"HKCorrelationTypeIdentifierBloodPressure"}
    assert len({p.correlation_id for p in parsed}) == 1 and [p.value for p in parsed] == [120.0, 80.0]


def test_a_sleep_duration_goal_passes_as_an_unrecognized_type():
    (sample,) = _samples(
        '<HealthData><Record type="HKDataTypeSleepDurationGoal" sourceName="Health" unit="hr" value="8" '
        'startDate="2023-01-01 00:00:00 +0100" endDate="2023-01-01 00:00:00 +0100"/></HealthData>'
    )
    parsed = _valid(sample)
    assert (parsed.recognized, parsed.value, parsed.unit) == (False, 8.0, "hr")


def test_entities_are_not_expanded():
    bomb = '<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY a "aaaa">]><HealthData>&a;</HealthData>'
    with pytest.raises(EntitiesForbidden):
        _samples(bomb)


def test_activity_summaries_and_routes_are_not_samples():
    assert [sample["type"] for sample in export_xml_samples("dogsheep-export.xml")] == [
        "HKQuantityTypeIdentifierBodyMassIndex",
        "HKQuantityTypeIdentifierHeartRate",
        "HKWorkoutTypeIdentifier",
    ]
