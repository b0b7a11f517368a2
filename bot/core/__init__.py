"""The platform-neutral core: people, commands, events, replies and dispatch.

Nothing here imports discord or telegram: adapters translate to and from these types.
"""
