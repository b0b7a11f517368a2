"""``python -m bot``: see :mod:`bot.cli`."""

import sys

from bot import collector

collector.hold()  # no collections while starting: the service turns them back on

from bot.cli import main  # noqa: E402  (after the hold: importing is most of a start)

sys.exit(main())
