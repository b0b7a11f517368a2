"""Self-care prompts: one now (``now``), a person's own schedule (``schedule``, ``when``,
``pause``) and a peer space's (``space``); choosing and dressing a prompt is ``prompts``.

Besides the router, the reading of days and pause dates leaves this package: check-ins
read them the same way.
"""

from handlers.selfcare.now import router
from handlers.selfcare.pause import today_for
from handlers.selfcare.schedule import local_date
from handlers.selfcare.space import space_of
from handlers.selfcare.when import DAYS, day_word, read_pause

__all__ = ["DAYS", "day_word", "local_date", "read_pause", "router", "space_of", "today_for"]
