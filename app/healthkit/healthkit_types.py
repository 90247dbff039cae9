"""Sample kinds: how the API treats a type identifier (the identifiers themselves: healthkit.catalogue).

Quantity samples carry a value in a unit of the type's dimension; category samples carry one of
the category's enumerated integers and no unit; workouts (`HKWorkoutTypeIdentifier`) carry their
duration in a time unit and a `workout_activity_type`. A well-formed identifier of a HealthKit
family the catalogue does not know (a newer iOS) is UNRECOGNIZED: stored as sent, not converted.
"""

import enum

from healthkit.catalogue import WORKOUT_TYPE, category_types, is_healthkit_identifier, quantity_types, workout_activity_types

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
