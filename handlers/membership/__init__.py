"""Membership: joining with an invitation (``joining``), letting people into and out of peer
spaces (``access``), roles (``roles``) and leaving or removal (``removal``).

Other capabilities use membership only through the names exported here.
"""

from handlers.membership.access import control, let_in, outcome_lines, shown, welcome_lines
from handlers.membership.joining import begin_join, throttled
from handlers.membership.joining import router as joining_router
from handlers.membership.removal import remove_from_network
from handlers.membership.removal import router as removal_router
from handlers.membership.roles import find_member, is_last_steward
from handlers.membership.roles import router as roles_router

__all__ = [
    "begin_join",
    "control",
    "find_member",
    "is_last_steward",
    "joining_router",
    "let_in",
    "outcome_lines",
    "removal_router",
    "remove_from_network",
    "roles_router",
    "shown",
    "throttled",
    "welcome_lines",
]
