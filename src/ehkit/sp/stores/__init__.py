"""Pending-request and replay stores: ``open_store("memory://" | "sqlite:///…" | "redis://…")``."""

from ehkit.sp.stores.base import EXPIRED_GRACE, DuplicateRequestId, PendingRequest, StateStore
from ehkit.sp.stores.factory import open_store
from ehkit.sp.stores.memory import MemoryStore

__all__ = ["EXPIRED_GRACE", "DuplicateRequestId", "MemoryStore", "PendingRequest", "StateStore", "open_store"]
