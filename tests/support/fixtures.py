"""The real HealthKit data in tests/fixtures/healthkit (a copy of the shared fixtures, with their README)."""

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "healthkit"
EXPORT_XML_FILES = ("aparser-export.xml", "dogsheep-export.xml", "dogsheep-zip-export.xml")
HEALTH_AUTO_EXPORT_FILES = tuple(sorted(path.name for path in FIXTURES.glob("health-auto-export-*.json")))


def export_xml_samples(name: str) -> list[dict]:
    """The samples an iOS client would send for an export.xml fixture (the product converter)."""
    from healthkit.exportxml import export_samples

    return list(export_samples(str(FIXTURES / name)))


def health_auto_export_body(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
