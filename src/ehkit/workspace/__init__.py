"""The onboarding workspace: the whole eHerkenning step plan in one web app.

A team (the DV's project lead, architect, software supplier) runs its
connection project here: step 1 the project group, step 2 the service
inventory, step 3 the level per service (:mod:`ehkit.assess`), step 5 the
generated ``ehkit.toml``, catalogue and SP metadata (:mod:`ehkit.catalogue`),
checked against the broker simulator (:mod:`ehkit.broker`), and a dashboard
over all six steps. ``services`` holds the logic as plain functions over a
SQLAlchemy session; ``web`` only maps HTTP onto them. See docs/workspace.md.
"""

from __future__ import annotations

__all__: list[str] = []
