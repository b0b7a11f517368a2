"""All SQL lives here: the database connection, numbered migrations and typed repositories.

Handlers never write SQL; they call a repository on ``ctx.repo``.
"""
