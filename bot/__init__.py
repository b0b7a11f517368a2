"""Peer Circle: a peer-only network for peer workers on Discord and Telegram at once."""
