"""Keep a running connection healthy: ``ehkit doctor``, the cron metadata refresh, metrics and health.

* :mod:`ehkit.ops.findings` - one finding per check, with its fix; exit codes by the worst one.
* :mod:`ehkit.ops.doctor` - the checks (configuration, keys, HM metadata, drift, artifact endpoint,
  state store). Doctor reads; it never changes a file, a key or the store's data.
* :mod:`ehkit.ops.refresh` - ``ehkit metadata refresh`` for cron, and the state of its last run.
* :mod:`ehkit.ops.health` - the health document the integrations and the simulator serve.
* :mod:`ehkit.ops.metrics` - Prometheus metrics (the ``metrics`` extra: prometheus-client).
"""

from __future__ import annotations

from ehkit.ops.findings import EXIT_ERROR, EXIT_OK, EXIT_WARNING, Finding, exit_code, worst

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_WARNING", "Finding", "exit_code", "worst"]
