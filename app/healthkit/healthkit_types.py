"""Sample kinds: how the API treats a type identifier (the identifiers themselves: healthkit.catalogue).

Quantity samples carry a value in a unit of the type's dimension; category samples carry one of
the category's enumerated integers and no unit; workouts (`HKWorkoutTypeIdentifier`) carry their
duration in a time unit and a `workout_activity_type`. A well-formed identifier of a HealthKit
family the catalogue does not know (a newer iOS) is UNRECOGNIZED: stored as sent, not converted.
"""

import enum

from healthkit.catalogue import (
    CATEGORY_PREFIX,
    DATA_TYPE_PREFIX,
    QUANTITY_PREFIX,
    WORKOUT_TYPE,
    category_types,
    is_healthkit_identifier,
    quantity_types,
    workout_activity_types,
)

WORKOUT_ACTIVITY_TYPES = workout_activity_types()


class SampleKind(enum.StrEnum):
    QUANTITY = "quantity"
    CATEGORY = "category"
    WORKOUT = "workout"
    UNRECOGNIZED = "unrecognized"


def sample_kind(type_identifier: str) -> SampleKind | None:
    """The kind of a type identifier; None when it is not a HealthKit sample type identifier at all."""
    if type_identifier in quantity_types():
        return SampleKind.QUANTITY
    if type_identifier in category_types():
        return SampleKind.CATEGORY
    if type_identifier == WORKOUT_TYPE:
        return SampleKind.WORKOUT
    if is_healthkit_identifier(type_identifier):
        return SampleKind.UNRECOGNIZED
    return None


def unrecognized_family(type_identifier: str) -> str:
    """`quantity`, `category` or `other` for an unrecognized identifier (what its prefix says)."""
    if type_identifier.startswith(QUANTITY_PREFIX):
        return "quantity"
    if type_identifier.startswith(CATEGORY_PREFIX):
        return "category"
    return "other" if not type_identifier.startswith(DATA_TYPE_PREFIX) else "data_type"


def known_type_identifiers() -> frozenset[str]:
    return frozenset(quantity_types()) | frozenset(category_types()) | {WORKOUT_TYPE}
