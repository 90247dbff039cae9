"""HKUnit strings (`+[HKUnit unitFromString:]` grammar) parsed into factors.

The grammar, from the comments of Apple's HKUnit.h: SI units (g, m, L/l, Pa, s, J, K, S, Hz,
V, W, mol<molar mass>) take the prefixes da, d, h, c, k, m, M, mc, G, n, T, p, f; non-SI units
(oz, lb, st, in, ft, yd, mi, mmHg, cmAq, atm, inHg, dBASPL, fl_oz_us, fl_oz_imp, pt_us, pt_imp,
cup_us, cup_imp, min, hr, d, cal, kcal, Cal, degC, degF, IU, count, %, dBHL, appleEffortScore)
take none. Factors multiply with `.` or `*`, take integral powers with `^`, and at most one `/`
divides everything before it by everything after it (`kg/m.s^2` is `kg/(m.s^2)`); the SDK's
own headers write such denominators in parentheses (`ml/(kg*min)`), which is accepted too.
"""

import re
from dataclasses import dataclass

SI_UNITS = frozenset({"g", "m", "L", "l", "Pa", "s", "J", "K", "S", "Hz", "V", "W"})
#: prefix -> power of ten (HKMetricPrefix)
PREFIXES = {
    "da": 1, "d": -1, "h": 2, "c": -2, "k": 3, "m": -3, "M": 6, "mc": -6,
    "G": 9, "n": -9, "T": 12, "p": -12, "f": -15,
}  # fmt: skip
NON_SI_UNITS = frozenset(
    {
        "oz", "lb", "st", "in", "ft", "yd", "mi", "mmHg", "cmAq", "atm", "inHg", "dBASPL",
        "fl_oz_us", "fl_oz_imp", "pt_us", "pt_imp", "cup_us", "cup_imp", "min", "hr", "d",
        "cal", "kcal", "Cal", "degC", "degF", "IU", "count", "%", "dBHL", "appleEffortScore",
    }
)  # fmt: skip
#: units that are not a plain product of dimensions (an offset or a logarithm): only alone, power 1
NON_MULTIPLICATIVE = frozenset({"degC", "degF", "dBASPL", "dBHL"})

_MOLE = re.compile(r"^mol<(\d+(?:\.\d+)?)>$")
_FACTOR = re.compile(r"^(?P<base>.+?)(?:\^(?P<power>-?\d+))?$")
MAX_UNIT_LENGTH = 64


class UnitSyntaxError(ValueError):
    """Not an HKUnit string."""


@dataclass(frozen=True, slots=True)
class UnitFactor:
    """One base unit of a unit string: `prefix` (a power of ten) `base` raised to `power`."""

    base: str  # an SI or non-SI unit name; `mol` carries its molar mass
    prefix_exponent: int = 0
    power: int = 1
    molar_mass: float | None = None  # grams per mole, for mol<...>


def _base_parse(token: str) -> UnitFactor:
    if token in NON_SI_UNITS:
        return UnitFactor(base=token)
    for prefix, exponent in sorted(PREFIXES.items(), key=lambda item: -len(item[0])) + [("", 0)]:
        if not token.startswith(prefix):
            continue
        rest = token[len(prefix) :]
        if rest in SI_UNITS:
            return UnitFactor(base=rest, prefix_exponent=exponent)
        mole = _MOLE.match(rest)
        if mole:
            return UnitFactor(base="mol", prefix_exponent=exponent, molar_mass=float(mole.group(1)))
    raise UnitSyntaxError(f"unknown unit {token!r}")


def _factors(part: str, sign: int, restore) -> list[UnitFactor]:
    if part.startswith("(") and part.endswith(")"):
        part = part[1:-1]
    factors = []
    for token in map(restore, re.split(r"[.*]", part)):
        match = _FACTOR.match(token)
        if not token or match is None or "(" in token or ")" in token:
            raise UnitSyntaxError(f"malformed unit part {part!r}")
        power = int(match.group("power") or 1)
        if power == 0:
            raise UnitSyntaxError("a power of 0 is not a unit")
        base = _base_parse(match.group("base"))
        factors.append(UnitFactor(base.base, base.prefix_exponent, power * sign, base.molar_mass))
    return factors


def unit_parse(text: str) -> tuple[UnitFactor, ...]:
    """The factors of an HKUnit string; UnitSyntaxError when it is not one."""
    if not isinstance(text, str) or not text or len(text) > MAX_UNIT_LENGTH or text != text.strip():
        raise UnitSyntaxError("empty or too long")
    # `.` joins factors, but also appears inside a molar mass: protect mol<...> first
    masses: list[str] = []
    protected = re.sub(r"<[^<>]*>", lambda m: masses.append(m.group(0)) or f"<{len(masses) - 1}>", text)
    parts = protected.split("/")
    if len(parts) > 2:
        raise UnitSyntaxError("at most one '/'")

    def restore(part: str) -> str:
        return re.sub(r"<(\d+)>", lambda m: masses[int(m.group(1))], part)

    factors = _factors(parts[0], 1, restore)
    if len(parts) == 2:
        factors += _factors(parts[1], -1, restore)
    special = [factor for factor in factors if factor.base in NON_MULTIPLICATIVE]
    if special and (len(factors) > 1 or factors[0].power != 1):
        raise UnitSyntaxError(f"{special[0].base} cannot be combined with other units")
    return tuple(factors)
