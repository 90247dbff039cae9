"""HKUnit factors as pint quantities: conversion and dimension checks by a maintained units library.

Every base unit maps to pint's own definition (pint's exact ounce, mile, mmHg... rather than the
rounded factors HKUnit.h prints beside them). HealthKit's scalar and special units have no pint
counterpart with HealthKit's meaning and are dimensions of their own here: `%` (HealthKit values
in percent are fractions, 0.0 to 1.0, so `%` does not convert to `count`), `IU`, `dBASPL`,
`dBHL` (levels, not linear), `appleEffortScore`. `count` is dimensionless; `mol<M>` is a mass
(M grams per mole), as HKUnit.h defines it.
"""

import threading

import pint

from healthkit.units.hkunit import UnitFactor

_PINT_NAMES = {
    "g": "gram", "m": "meter", "L": "liter", "l": "liter", "Pa": "pascal", "s": "second",
    "J": "joule", "K": "kelvin", "S": "siemens", "Hz": "hertz", "V": "volt", "W": "watt",
    "oz": "ounce", "lb": "pound", "st": "stone", "in": "inch", "ft": "foot", "yd": "yard",
    "mi": "mile", "mmHg": "millimeter_Hg", "cmAq": "cmH2O", "atm": "atmosphere", "inHg": "inch_Hg",
    "fl_oz_us": "US_fluid_ounce", "fl_oz_imp": "imperial_fluid_ounce", "pt_us": "pint",
    "pt_imp": "imperial_pint", "cup_us": "cup", "cup_imp": "imperial_cup", "min": "minute",
    "hr": "hour", "d": "day", "cal": "calorie", "kcal": "kilocalorie", "Cal": "kilocalorie",
    "degC": "degree_Celsius", "degF": "degree_Fahrenheit", "count": "dimensionless",
    "%": "hk_percent", "IU": "hk_international_unit", "dBASPL": "hk_dBASPL", "dBHL": "hk_dBHL",
    "appleEffortScore": "hk_apple_effort_score",
}  # fmt: skip
_OWN_DIMENSIONS = (
    "hk_percent = [hk_percent]",
    "hk_international_unit = [hk_international_unit]",
    "hk_dBASPL = [hk_sound_pressure_level]",
    "hk_dBHL = [hk_hearing_level]",
    "hk_apple_effort_score = [hk_apple_effort_score]",
)


_registry: pint.UnitRegistry | None = None
_registry_lock = threading.Lock()


def registry() -> pint.UnitRegistry:
    """The one registry of the process. Made once under a lock: the api's threads (gthread) may ask
    for it at the same time, and pint refuses to combine quantities of two registries."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                units = pint.UnitRegistry()
                for definition in _OWN_DIMENSIONS:
                    units.define(definition)
                _registry = units
    return _registry


def _factor_unit(factor: UnitFactor):
    units = registry()
    if factor.base == "mol":
        base = units.Quantity(factor.molar_mass, "gram")
    else:
        base = units.Quantity(1, _PINT_NAMES[factor.base])
    return (base * 10**factor.prefix_exponent) ** factor.power


def quantity_of(value: float, factors: tuple[UnitFactor, ...]) -> pint.Quantity:
    """`value` in the unit the factors describe, as a pint quantity."""
    units = registry()
    if len(factors) == 1 and factors[0].base in ("degC", "degF"):
        return units.Quantity(value, _PINT_NAMES[factors[0].base])
    unit = units.Quantity(1, "dimensionless")
    for factor in factors:
        unit = unit * _factor_unit(factor)
    return value * unit


def dimensionality(factors: tuple[UnitFactor, ...]):
    return quantity_of(1.0, factors).dimensionality
