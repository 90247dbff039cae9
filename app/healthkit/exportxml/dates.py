"""export.xml date-times: `2019-03-02 08:21:31 -0800`, and iOS 8's compact `20150603050217+0100`."""

from datetime import datetime

FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y%m%d%H%M%S%z")


def export_datetime(text: str | None) -> str | None:
    """ISO-8601 with the offset the export wrote; None when absent or not a date-time of either dialect."""
    if not text:
        return None
    for layout in FORMATS:
        try:
            return datetime.strptime(text.strip(), layout).isoformat()
        except ValueError:
            continue
    return None
