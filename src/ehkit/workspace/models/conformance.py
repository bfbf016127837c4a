"""Step 5's conformance runs: what to test (per project) and the reports each run produced.

A run itself is a :class:`~ehkit.workspace.models.project.TestRun` with
``kind = "conformance"`` (its date, who started it, its outcome and progress);
the three report files are kept here, one row per run, so listing runs never
loads the reports.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ehkit.workspace.models.base import Base, Versioned

#: What a run can be: ``running`` until the worker finishes, then the report's verdict or ``error``.
CONFORMANCE_OUTCOMES = ("running", "passed", "failed", "error")


class ConformanceTarget(Versioned, Base):
    """How the conformance suite reaches this project's DV: the login URL and the success detector.

    ``{service}`` in a URL stands for each eHerkenning service's key, so one
    form covers every service of the project.
    """

    __tablename__ = "conformance_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True, nullable=False)
    login_url: Mapped[str] = mapped_column(String(512), nullable=False)
    success_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    success_text: Mapped[str | None] = mapped_column(String(200), nullable=True)
    identity_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    simulator_url: Mapped[str] = mapped_column(String(200), nullable=False, default="http://127.0.0.1:8801")
    only: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class ConformanceReport(Base):
    """The report files of one finished run (HTML for reading, JSON and JUnit XML for download)."""

    __tablename__ = "conformance_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_run_id: Mapped[int] = mapped_column(
        ForeignKey("test_runs.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)
    html: Mapped[str] = mapped_column(Text, nullable=False)
    json: Mapped[str] = mapped_column(Text, nullable=False)
    junit: Mapped[str] = mapped_column(Text, nullable=False)
