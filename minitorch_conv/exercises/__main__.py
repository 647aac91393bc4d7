"""``python -m minitorch_conv.exercises list | start NAME | check NAME``."""

import sys

from .commands import main

sys.exit(main())
