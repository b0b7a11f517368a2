"""Discord, on discord.py 2.7. ``adapter``: life cycle and the outbox contract; ``slash``:
commands from the registry; ``interactions`` and ``answers``: what a command or button press
does and how it is answered; ``delivery``: sending for the outbox; ``render``: messages and
buttons; ``client``: the discord.py client and the button class. See docs/setup-discord.md."""

from bot.platforms.discord.adapter import DiscordPlatform, Timing

__all__ = ["DiscordPlatform", "Timing"]
