"""The HealthKit type catalogue: which identifiers exist, their canonical units and value enumerations.

The data are tab-separated files beside this module, derived from Apple's HealthKit SDK headers
(README.md names each source and commit). Nothing here is typed from memory: to follow a new iOS
release, update the files from its headers.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent

QUANTITY_PREFIX = "HKQuantityTypeIdentifier"
CATEGORY_PREFIX = "HKCategoryTypeIdentifier"
CORRELATION_PREFIX = "HKCorrelationTypeIdentifier"
DATA_TYPE_PREFIX = "HKDataType"
WORKOUT_TYPE = "HKWorkoutTypeIdentifier"
WORKOUT_ACTIVITY_PREFIX = "HKWorkoutActivityType"

#: what a well-formed HealthKit identifier looks like (known or not): a family prefix, then a name
IDENTIFIER_PATTERN = re.compile(
    rf"^(?:{QUANTITY_PREFIX}|{CATEGORY_PREFIX}|{CORRELATION_PREFIX}|{DATA_TYPE_PREFIX})[A-Z][A-Za-z0-9]{{1,80}}$"
)

#: the correlation types and the sample types each may pair (HKCorrelationType, HKTypeIdentifiers.h)
CORRELATION_MEMBERS = {
    f"{CORRELATION_PREFIX}BloodPressure": frozenset(
        {f"{QUANTITY_PREFIX}BloodPressureSystolic", f"{QUANTITY_PREFIX}BloodPressureDiastolic"}
    ),
}


@dataclass(frozen=True, slots=True)
class QuantityType:
    identifier: str
    canonical_unit: str  # the unit the header documents; values are stored in it
    aggregation: str  # HKQuantityAggregationStyle: cumulative, discreteArithmetic, ...


def _rows(name: str) -> list[list[str]]:
    lines = (_HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


@cache
def quantity_types() -> dict[str, QuantityType]:
    return {
        QUANTITY_PREFIX + name: QuantityType(QUANTITY_PREFIX + name, unit, aggregation)
        for name, unit, aggregation, _since in _rows("quantity_types.tsv")
    }


@cache
def category_types() -> dict[str, str]:
    """Category identifier -> the name of its value enumeration."""
    return {CATEGORY_PREFIX + name: enumeration for name, enumeration, _since in _rows("category_types.tsv")}


@cache
def category_enumerations() -> dict[str, dict[str, int]]:
    """Enumeration name -> {case name: integer} (deprecated aliases included)."""
    enumerations: dict[str, dict[str, int]] = {}
    for enumeration, case, value in _rows("category_values.tsv"):
        enumerations.setdefault(enumeration, {})[case] = int(value)
    return enumerations


@cache
def category_case_values() -> dict[str, int]:
    """Every category case name (HKCategoryValueSleepAnalysisInBed...) -> its integer."""
    return {case: value for cases in category_enumerations().values() for case, value in cases.items()}


def category_values(type_identifier: str) -> frozenset[int] | None:
    """The integers a known category type accepts; None when the type is not a known category."""
    enumeration = category_types().get(type_identifier)
    if enumeration is None:
        return None
    return frozenset(category_enumerations()[enumeration].values())


@cache
def workout_activity_types() -> frozenset[str]:
    return frozenset(WORKOUT_ACTIVITY_PREFIX + name for name, _value in _rows("workout_activity_types.tsv"))


def correlation_types() -> frozenset[str]:
    return frozenset(CORRELATION_MEMBERS)


def is_healthkit_identifier(value: str) -> bool:
    """A well-formed sample type identifier of one of HealthKit's families (known or not)."""
    return bool(IDENTIFIER_PATTERN.match(value)) or value == WORKOUT_TYPE
