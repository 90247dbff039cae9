"""One Health Auto Export body -> samples in this API's shape (pure; the API validates them after).

- quantity metrics: each `{qty, date}` is a sample at `date`; the app sends no end date, so
  end = start; the metric's `units` is the unit (`bpm`, `steps`... are mapped by healthkit.units);
- `heart_rate` records are aggregates (`Min`, `Avg`, `Max` over an interval): the sample is the
  `Avg` at `date`, with `Min`/`Max` in metadata;
- `sleep_analysis`: a per-stage record (`startDate`, `endDate`, `value`) is one SleepAnalysis
  sample of that stage; an aggregated record gives an InBed sample (`inBedStart`..`inBedEnd`) and
  an AsleepUnspecified sample (`sleepStart`..`sleepEnd`), with the stage totals (hours) in the
  latter's metadata (the app does not say when each stage happened);
- workouts: one HKWorkoutTypeIdentifier sample (duration = end - start, activity from `name`),
  plus its `heartRateData` as heart rate samples and its `stepCount`/`activeEnergy` totals over
  the workout; `route` and `elevation` go to metadata as counts/values, not samples;
- no bundle ids exist in these bodies; the source is the record's own source when it has one,
  else "Health Auto Export".
"""

from datetime import datetime
from typing import Any

from healthkit.catalogue import WORKOUT_ACTIVITY_PREFIX, WORKOUT_TYPE, category_case_values, workout_activity_types
from healthkit.healthautoexport import metrics as names

SOURCE = "Health Auto Export"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"


class MappingError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _date(raw: Any, field: str) -> str:
    try:
        return datetime.strptime(raw, DATE_FORMAT).isoformat()
    except (TypeError, ValueError):
        raise MappingError(field, f"must be a date like 2021-12-24 08:02:43 +0800, not {raw!r}") from None


def _sample(type_: str, value, start: str, end: str, *, unit: str | None = None, source: str = SOURCE, **extra) -> dict:
    sample = {"type": type_, "value": value, "start": start, "end": end, "source_name": source or SOURCE}
    if unit is not None:
        sample["unit"] = unit
    return sample | {key: item for key, item in extra.items() if item}


def _quantity_records(metric: dict, field: str) -> list[dict]:
    type_ = names.QUANTITY_METRICS.get(metric.get("name"))
    if type_ is None:
        raise MappingError(f"{field}.name", f"unknown metric {metric.get('name')!r}")
    samples = []
    for index, record in enumerate(metric.get("data") or []):
        moment = _date(record.get("date"), f"{field}.data[{index}].date")
        samples.append(_sample(type_, record.get("qty"), moment, moment, unit=metric.get("units"), source=record.get("source")))
    return samples


def _heart_rate_records(metric: dict, field: str) -> list[dict]:
    samples = []
    for index, record in enumerate(metric.get("data") or []):
        moment = _date(record.get("date"), f"{field}.data[{index}].date")
        extremes = {f"HealthAutoExport{key}": record[key] for key in ("Min", "Max") if key in record}
        samples.append(
            _sample(names.HEART_RATE, record.get("Avg"), moment, moment, unit=metric.get("units"), metadata=extremes)
        )
    return samples


def _sleep_value(stage: str) -> int:
    return category_case_values()[names.SLEEP_STAGES[stage]]


def _sleep_records(metric: dict, field: str) -> list[dict]:
    samples = []
    for index, record in enumerate(metric.get("data") or []):
        where = f"{field}.data[{index}]"
        if "startDate" in record:  # one stage
            if record.get("value") not in names.SLEEP_STAGES:
                raise MappingError(f"{where}.value", f"unknown sleep stage {record.get('value')!r}")
            samples.append(
                _sample(
                    names.SLEEP_ANALYSIS,
                    _sleep_value(record["value"]),
                    _date(record["startDate"], f"{where}.startDate"),
                    _date(record.get("endDate"), f"{where}.endDate"),
                    source=record.get("source"),
                )
            )
            continue
        if "inBedStart" in record:
            samples.append(
                _sample(
                    names.SLEEP_ANALYSIS,
                    _sleep_value("In Bed"),
                    _date(record["inBedStart"], f"{where}.inBedStart"),
                    _date(record.get("inBedEnd"), f"{where}.inBedEnd"),
                    source=record.get("inBedSource") or record.get("source"),
                )
            )
        totals = {f"HealthAutoExport{key[0].upper()}{key[1:]}Hours": record[key] for key in names.SLEEP_TOTALS if key in record}
        samples.append(
            _sample(
                names.SLEEP_ANALYSIS,
                _sleep_value("Asleep"),
                _date(record.get("sleepStart"), f"{where}.sleepStart"),
                _date(record.get("sleepEnd"), f"{where}.sleepEnd"),
                source=record.get("sleepSource") or record.get("source"),
                metadata=totals,
            )
        )
    return samples


def _workout_activity(name: Any) -> str:
    candidate = WORKOUT_ACTIVITY_PREFIX + "".join(str(name).split())
    return candidate if candidate in workout_activity_types() else WORKOUT_ACTIVITY_PREFIX + "Other"


def _workout(workout: dict, field: str) -> list[dict]:
    start, end = _date(workout.get("start"), f"{field}.start"), _date(workout.get("end"), f"{field}.end")
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    elevation = workout.get("elevation") or {}
    metadata = {
        f"HealthAutoExportElevation{key.title()}": f"{elevation[key]} {elevation.get('units', '')}".strip()
        for key in ("ascent", "descent")
        if key in elevation
    }
    metadata |= {"HealthAutoExportRoutePoints": len(workout["route"])} if workout.get("route") else {}
    samples = [
        _sample(WORKOUT_TYPE, seconds, start, end, unit="s", workout_activity_type=_workout_activity(workout.get("name")), metadata=metadata)
    ]
    for index, beat in enumerate(workout.get("heartRateData") or []):
        moment = _date(beat.get("date"), f"{field}.heartRateData[{index}].date")
        samples.append(_sample(names.HEART_RATE, beat.get("qty"), moment, moment, unit=beat.get("units")))
    for key, type_ in (("stepCount", "StepCount"), ("activeEnergy", "ActiveEnergyBurned")):
        total = workout.get(key)
        if total:
            samples.append(_sample(f"{names.Q}{type_}", total.get("qty"), start, end, unit=total.get("units")))
    return samples


def body_samples(document: Any) -> list[dict]:
    """The samples of a Health Auto Export body; MappingError names the first part it cannot read."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise MappingError("data", "the body must be {\"data\": {\"metrics\": [...], \"workouts\": [...]}}")
    data, samples = document["data"], []
    for index, metric in enumerate(data.get("metrics") or []):
        field = f"data.metrics[{index}]"
        if not isinstance(metric, dict):
            raise MappingError(field, "must be an object")
        reader = {names.HEART_RATE_METRIC: _heart_rate_records, names.SLEEP_METRIC: _sleep_records}.get(
            metric.get("name"), _quantity_records
        )
        samples += reader(metric, field)
    for index, workout in enumerate(data.get("workouts") or []):
        if not isinstance(workout, dict):
            raise MappingError(f"data.workouts[{index}]", "must be an object")
        samples += _workout(workout, f"data.workouts[{index}]")
    return samples
