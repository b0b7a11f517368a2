"""Feature handlers, one module or package per capability, all platform-blind.

Each module owns one :class:`~bot.core.commands.Router` (a package exposes its routers from its
``__init__``). They are joined here explicitly and in
order (the order /help lists them in); nothing is discovered by magic.
"""

from bot.core.commands import Router
from handlers import (
    away,
    buddies,
    checkins,
    content_admin,
    crisis,
    digest,
    glossary,
    help,
    jobs,
    linking,
    membership,
    privacy,
    reflections,
    resources,
    selfcare,
    settings,
    spaces,
    start,
    training,
)

ROUTERS: tuple[Router, ...] = (
    start.router,
    help.router,
    crisis.router,
    settings.router,
    selfcare.router,
    checkins.router,
    buddies.router,
    away.router,
    resources.router,
    training.router,
    jobs.router,
    glossary.router,
    digest.router,
    reflections.rolecheck_router,
    reflections.power_router,
    content_admin.router,
    membership.joining_router,
    linking.router,
    spaces.router,
    spaces.audit_router,
    spaces.watch_router,
    membership.roles_router,
    membership.removal_router,
    privacy.router,
)
