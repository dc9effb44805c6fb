"""``python -m study``."""

import sys

from study.cli.parser import main

sys.exit(main())
