"""The Health app's export.xml: one element (Record, Workout, Correlation) -> this API's sample dicts.

`element_samples` converts one parsed element and is pure, so a streaming reader (`export_samples`
here; the export.zip import later) feeds it elements one at a time and drops them after.
"""

from healthkit.exportxml.convert import element_samples
from healthkit.exportxml.reader import export_samples

__all__ = ["element_samples", "export_samples"]
