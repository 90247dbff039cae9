"""``python -m rehearsal``: the rehearsal's command line (see :mod:`rehearsal.cli`)."""

import sys

from rehearsal.cli import main

sys.exit(main())
