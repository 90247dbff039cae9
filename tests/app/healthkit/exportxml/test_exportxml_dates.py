"""healthkit.exportxml.dates: the fast path gives exactly what strptime gives, and refuses what it refuses."""

from datetime import datetime

import pytest
from healthkit.exportxml.dates import FORMATS, export_datetime


def _strptime(text: str) -> str | None:
    for layout in FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).isoformat()
        except ValueError:
            continue
    return None


@pytest.mark.parametrize("text", [
    "2019-03-02 08:21:31 -0800", "2024-01-01 01:01:42 +0200", "2016-11-14 07:25:41 +0000",
    "2020-02-29 23:59:59 +1345", " 2019-03-02 08:21:31 -0800 ", "20150603050217+0100",
    "2019-13-02 08:21:31 -0800", "2019-02-30 08:21:31 -0800", "2019-03-02 25:21:31 -0800",
    "2019-03-02 08:21:31", "2019-03-02T08:21:31-08:00", "not a date", "2019-03-02 08:21:31 -08:00",
])
def test_every_form_reads_as_strptime_reads_it(text):
    assert export_datetime(text) == _strptime(text)


def test_absent_is_none():
    assert export_datetime(None) is None and export_datetime("") is None
