"""Self-care prompts: one now (``now``), a person's own schedule (``schedule``, ``when``,
``pause``) and a peer space's (``space``); choosing and dressing a prompt is ``prompts``.

Only the router leaves this package.
"""

from handlers.selfcare.now import router

__all__ = ["router"]
