"""Alembic's environment: the connection comes from `store.engine.migrate` (the URL from settings)."""

from __future__ import annotations

from alembic import context

from packetgen.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
