"""HKUnit strings and conversion to a type's canonical unit (pint underneath)."""

import pytest
from healthkit.catalogue import category_types, quantity_types
from healthkit.units import UnitError, converter
from healthkit.units.hkunit import UnitSyntaxError, unit_parse


@pytest.mark.parametrize(
    ("unit", "canonical", "value", "expected"),
    [
        ("count/min", "count/s", 72, 1.2),
        ("bpm", "count/s", 72, 1.2),
        ("kJ", "kcal", 4.184, 1.0),
        ("Cal", "kcal", 250, 250.0),
        ("mi", "m", 1, 1609.344),
        ("km", "m", 1.5, 1500.0),
        ("degF", "degC", 98.6, 37.0),
        ("mmol<180.15588>/L", "mg/dL", 5.5, 99.085734),
        ("lb", "kg", 150, 68.0388555),
        ("mcg", "g", 5, 5e-06),
        ("kcal/hr.kg", "kcal/(kg*hr)", 3, 3.0),
        ("fl_oz_us", "mL", 1, 29.5735295625),
    ],
)
def test_a_unit_converts_to_the_canonical_one(unit, canonical, value, expected):
    assert converter(unit, canonical)(value) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("unit", "canonical"), [("kg", "count"), ("count", "%"), ("Pa", "dBASPL"), ("m", "s")])
def test_a_unit_of_another_dimension_is_refused(unit, canonical):
    with pytest.raises(UnitError, match="cannot express"):
        converter(unit, canonical)


@pytest.mark.parametrize("text", ["", "foo", "m/s/s", "kg^0", "degC/s", "km ", "mol<abc>", "(m"])
def test_what_is_not_an_hkunit_string_is_refused(text):
    with pytest.raises(UnitSyntaxError):
        unit_parse(text)


def test_every_canonical_unit_of_the_catalogue_parses():
    for quantity in quantity_types().values():
        unit_parse(quantity.canonical_unit)


def test_the_catalogue_has_the_category_types_the_old_list_missed():
    assert {"HKCategoryTypeIdentifierPelvicPain", "HKCategoryTypeIdentifierIntermenstrualBleeding", "HKCategoryTypeIdentifierHypertensionEvent"} <= set(category_types())


def test_threads_asking_for_the_first_conversions_at_once_share_one_registry(monkeypatch):
    """gthread serves requests on several threads: two registries would make pint refuse to convert."""
    from healthkit import units
    from healthkit.units import registry as registry_module

    from tests.support.imports import run_concurrently

    monkeypatch.setattr(registry_module, "_registry", None)
    units.converter.cache_clear()
    pairs = [("count/s", "count/min"), ("mi", "m"), ("lb", "kg"), ("degF", "degC"), ("kcal", "kJ"), ("ft", "cm")]
    outcomes = run_concurrently(*[lambda pair=pair: (registry_module.registry(), units.converter(*pair)) for pair in pairs])
    assert [error for _, error in outcomes] == [None] * len(pairs)
    assert len({id(registry) for (registry, _), _ in outcomes}) == 1
    units.converter.cache_clear()
