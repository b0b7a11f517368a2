"""The bridge: peer spaces on Discord and Telegram joined into one conversation.

``setup`` has ``/space bridge`` and ``/space unbridge`` (declared with ``/space`` in
``handlers/spaces``) and the conversation lines of ``/space list``; ``policy`` is what a bridged
conversation decides for the relay engine (``bot/relay``); ``tools`` has ``/delete`` and
``/status``. Only these names leave the package.
"""

from handlers.bridge.setup import bridge, conversation_lines, unbridge
from handlers.bridge.tools import router

__all__ = ["bridge", "conversation_lines", "router", "unbridge"]
