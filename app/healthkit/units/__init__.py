"""Units of HealthKit quantities: parse an HKUnit string, check it against a type, convert to canonical.

`unit_resolve` accepts HKUnit strings and a few exporter spellings (ALIASES); `converter` gives
the (cached) linear or affine map from a unit to a type's canonical unit.
"""

from dataclasses import dataclass
from functools import lru_cache

from healthkit.units.hkunit import UnitSyntaxError, unit_parse
from healthkit.units.registry import dimensionality, quantity_of

#: exporter spellings -> HKUnit strings (Health Auto Export writes `bpm`, `steps`...)
ALIASES = {
    "bpm": "count/min",
    "beats/min": "count/min",
    "breaths/min": "count/min",
    "steps": "count",
    "step": "count",
    "kcal/hr·kg": "kcal/(kg*hr)",
    "ml/(kg·min)": "ml/(kg*min)",
    "mL/min·kg": "ml/(kg*min)",
}
#: significant digits a canonical value keeps (conversion noise such as 0.30479999999999996 goes)
CANONICAL_DIGITS = 12

__all__ = ["ALIASES", "UnitError", "Converter", "converter", "canonical_round", "unit_resolve"]


class UnitError(ValueError):
    """A unit that is not an HKUnit string, or cannot express a type."""


def unit_resolve(text: str) -> str:
    """The HKUnit string for `text` (aliases mapped); UnitError when it is not a unit."""
    resolved = ALIASES.get(text, text)
    try:
        unit_parse(resolved)
    except UnitSyntaxError as exc:
        raise UnitError(str(exc)) from None
    return resolved


@dataclass(frozen=True, slots=True)
class Converter:
    """value_in_canonical = value * scale + offset."""

    scale: float
    offset: float = 0.0

    def __call__(self, value: float) -> float:
        return canonical_round(value * self.scale + self.offset)


def canonical_round(value: float) -> float:
    return float(f"{value:.{CANONICAL_DIGITS}g}")


@lru_cache(maxsize=4096)
def converter(unit: str, canonical_unit: str) -> Converter:
    """How to convert from `unit` (an HKUnit string or alias) to `canonical_unit`; UnitError if incompatible."""
    source = unit_parse(unit_resolve(unit))
    target = unit_parse(canonical_unit)
    if dimensionality(source) != dimensionality(target):
        raise UnitError(f"{unit!r} cannot express a quantity measured in {canonical_unit!r}")
    zero = quantity_of(0.0, source).to(quantity_of(1.0, target).units).magnitude
    one = quantity_of(1.0, source).to(quantity_of(1.0, target).units).magnitude
    target_scale = quantity_of(1.0, target).magnitude
    return Converter(scale=(one - zero) / target_scale, offset=zero / target_scale)
