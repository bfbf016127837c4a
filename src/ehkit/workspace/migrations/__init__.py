"""Alembic migrations of the workspace schema (packaged, applied on start and by ``ehkit workspace migrate``)."""
