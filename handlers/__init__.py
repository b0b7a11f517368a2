"""Feature handlers, one module per capability, all platform-blind.

Each module owns one :class:`~bot.core.commands.Router`. They are joined here explicitly and in
order (the order /help lists them in); nothing is discovered by magic.
"""

from bot.core.commands import Router
from handlers import (
    content_admin,
    crisis,
    digest,
    glossary,
    help,
    jobs,
    linking,
    membership,
    membership_removal,
    membership_roles,
    privacy,
    resources,
    selfcare,
    settings,
    spaces,
    spaces_audit,
    spaces_watch,
    start,
    training,
)

ROUTERS: tuple[Router, ...] = (
    start.router,
    help.router,
    crisis.router,
    settings.router,
    selfcare.router,
    resources.router,
    training.router,
    jobs.router,
    glossary.router,
    digest.router,
    content_admin.router,
    membership.router,
    linking.router,
    spaces.router,
    spaces_audit.router,
    spaces_watch.router,
    membership_roles.router,
    membership_removal.router,
    privacy.router,
)
