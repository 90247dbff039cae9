"""Pulumi entry point: read config into settings, validate, deploy, export the outputs.

Pulumi runs this file with ``stacks/`` on ``sys.path``; the repository root is added so the
``infra`` and ``stacks`` packages import the same way here as in tests.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from stacks.program import main  # noqa: E402

main()
