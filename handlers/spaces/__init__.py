"""Peer spaces: adding and listing them (``register``), the audit of who can see them
(``audit``) and watching who joins and posts there (``watch``).

Only the routers leave this package.
"""

from handlers.spaces.audit import router as audit_router
from handlers.spaces.register import router
from handlers.spaces.watch import router as watch_router

__all__ = ["audit_router", "router", "watch_router"]
