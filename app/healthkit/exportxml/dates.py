"""export.xml date-times: `2019-03-02 08:21:31 -0800`, and iOS 8's compact `20150603050217+0100`.

The modern form is rewritten to ISO-8601 and read by `datetime.fromisoformat` (C, about ten
times faster than `strptime`, which dominated reading a large export); anything else goes
through `strptime` with both layouts. Both give the same value, written back with `isoformat()`.
"""

import re
from datetime import datetime

FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y%m%d%H%M%S%z")
_MODERN = re.compile(r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})")


def export_datetime(text: str | None) -> str | None:
    """ISO-8601 with the offset the export wrote; None when absent or not a date-time of either dialect."""
    if not text:
        return None
    text = text.strip()
    modern = _MODERN.fullmatch(text)
    if modern:
        try:
            return datetime.fromisoformat("{}T{}{}:{}".format(*modern.groups())).isoformat()
        except ValueError:
            return None  # e.g. month 13: strptime refuses it too
    for layout in FORMATS:
        try:
            return datetime.strptime(text, layout).isoformat()
        except ValueError:
            continue
    return None
