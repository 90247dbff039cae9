"""HealthKit sample payloads as the iOS client sends them."""

from datetime import UTC, datetime, timedelta

BASE_TIME = datetime(2024, 3, 10, 9, 30, tzinfo=UTC)


def heart_rate_sample(i: int = 0, *, base: datetime = BASE_TIME, **overrides) -> dict:
    """A valid quantity sample; `i` shifts it by i minutes (so distinct i are distinct samples)."""
    moment = (base + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
    sample = {
        "type": "HKQuantityTypeIdentifierHeartRate",
        "value": 60.0 + (i % 40),
        "unit": "count/min",
        "start": moment,
        "end": moment,
        "source_name": "Zoë's Apple Watch",
        "source_bundle_id": "com.apple.health.8C3B",
        "device": "Apple Watch",
        "metadata": {"HKMetadataKeyHeartRateMotionContext": 1},
    }
    return sample | overrides


def sleep_sample(i: int = 0, **overrides) -> dict:
    """A valid category sample (no unit; the category's integer value)."""
    start = BASE_TIME + timedelta(hours=i)
    sample = {
        "type": "HKCategoryTypeIdentifierSleepAnalysis",
        "value": 1,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=45)).isoformat(),
        "source_name": "Sleep app",
        "source_bundle_id": "com.example.sleep",
    }
    return sample | overrides


def workout_sample(i: int = 0, **overrides) -> dict:
    """A valid workout: value = duration in a time unit, plus its activity type."""
    start = BASE_TIME + timedelta(days=i)
    sample = {
        "type": "HKWorkoutTypeIdentifier",
        "value": 30,
        "unit": "min",
        "workout_activity_type": "HKWorkoutActivityTypeRunning",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
        "source_name": "Workout",
        "source_bundle_id": "com.apple.health.workout",
        "uuid": "0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10",
    }
    return sample | overrides


def heart_rate_samples(count: int, *, start: int = 0) -> list[dict]:
    return [heart_rate_sample(i) for i in range(start, start + count)]

