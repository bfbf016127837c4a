"""Step 5 conformance runs: the DV's login target per project and the kept reports per run.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conformance_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("login_url", sa.String(length=512), nullable=False),
        sa.Column("success_url", sa.String(length=512), nullable=True),
        sa.Column("success_text", sa.String(length=200), nullable=True),
        sa.Column("identity_url", sa.String(length=512), nullable=True),
        sa.Column("simulator_url", sa.String(length=200), nullable=False),
        sa.Column("only", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_conformance_targets_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conformance_targets")),
        sa.UniqueConstraint("project_id", name=op.f("uq_conformance_targets_project_id")),
    )
    op.create_table(
        "conformance_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_run_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("json", sa.Text(), nullable=False),
        sa.Column("junit", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_conformance_reports_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["test_run_id"], ["test_runs.id"], name=op.f("fk_conformance_reports_test_run_id_test_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conformance_reports")),
        sa.UniqueConstraint("test_run_id", name=op.f("uq_conformance_reports_test_run_id")),
    )


def downgrade() -> None:
    op.drop_table("conformance_reports")
    op.drop_table("conformance_targets")
