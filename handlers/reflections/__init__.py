"""Private reflections a peer does alone: ``/rolecheck`` (is this task really peer work?)
and ``/power`` (the power you hold at work), with the picture ``/power`` draws (``picture``).

Only the routers leave this package.
"""

from handlers.reflections.power import router as power_router
from handlers.reflections.rolecheck import router as rolecheck_router

__all__ = ["power_router", "rolecheck_router"]
