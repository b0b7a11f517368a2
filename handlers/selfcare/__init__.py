"""Self-care prompts: one now (``now``), a person's own schedule (``schedule``, ``when``,
``pause``) and a peer space's (``space``); choosing and dressing a prompt is ``prompts``.

Only the router leaves this package, and ``personal_prompt`` (one prompt for a person now,
which other capabilities offer, e.g. when a debrief room closes).
"""

from handlers.selfcare.now import router
from handlers.selfcare.prompts import personal_prompt

__all__ = ["personal_prompt", "router"]
