"""Steps 4 and 6 and the zelfverklaring: quotes, criteria, scores, decision; plan, key messages, tasks; declarations.

Amounts, weights and scores are exact decimals stored as scaled integers (BigInteger: cents,
hundredths, tenths; see ``models.base.Fixed``). Step 6 tasks are ``actions`` rows with a ``milestone``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 18:53:19.847214
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('broker_comparisons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('horizon_years', sa.Integer(), nullable=False),
    sa.Column('logins_per_year', sa.Integer(), nullable=False),
    sa.Column('services_count', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_broker_comparisons_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_comparisons')),
    sa.UniqueConstraint('project_id', name=op.f('uq_broker_comparisons_project_id'))
    )
    op.create_table('broker_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('broker_key', sa.String(length=40), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('one_off_cost', sa.BigInteger(), nullable=False),
    sa.Column('recurring_cost', sa.BigInteger(), nullable=False),
    sa.Column('recurring_period', sa.String(length=8), nullable=False),
    sa.Column('price_per_login', sa.BigInteger(), nullable=True),
    sa.Column('price_per_service', sa.BigInteger(), nullable=True),
    sa.Column('contract_term_months', sa.Integer(), nullable=True),
    sa.Column('notice_period_months', sa.Integer(), nullable=True),
    sa.Column('exit_conditions', sa.Text(), nullable=False),
    sa.Column('custom_work', sa.Text(), nullable=False),
    sa.Column('support', sa.Text(), nullable=False),
    sa.Column('interfaces', sa.JSON(), nullable=False),
    sa.Column('supplier_contacts', sa.Text(), nullable=False),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_broker_quotes_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_quotes')),
    sa.UniqueConstraint('project_id', 'broker_key', name=op.f('uq_broker_quotes_project_id_broker_key'))
    )
    op.create_table('communication_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('required_from', sa.Date(), nullable=True),
    sa.Column('info_url', sa.String(length=512), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_communication_plans_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communication_plans')),
    sa.UniqueConstraint('project_id', name=op.f('uq_communication_plans_project_id'))
    )
    op.create_table('project_brokers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('website', sa.String(length=512), nullable=True),
    sa.Column('interfaces', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_brokers_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_brokers')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_project_brokers_project_id_key'))
    )
    op.create_table('quote_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name_nl', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('weight', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_quote_criteria_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_criteria')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_quote_criteria_project_id_key'))
    )
    op.create_table('broker_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('broker_key', sa.String(length=40), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_broker_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_broker_decisions_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['broker_quotes.id'], name=op.f('fk_broker_decisions_quote_id_broker_quotes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_decisions')),
    sa.UniqueConstraint('project_id', name=op.f('uq_broker_decisions_project_id'))
    )
    op.create_table('quote_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['quote_criteria.id'], name=op.f('fk_quote_scores_criterion_id_quote_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_quote_scores_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['broker_quotes.id'], name=op.f('fk_quote_scores_quote_id_broker_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_scores')),
    sa.UniqueConstraint('quote_id', 'criterion_id', name=op.f('uq_quote_scores_quote_id_criterion_id'))
    )
    op.create_table('quote_sla_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('availability_pct', sa.BigInteger(), nullable=True),
    sa.Column('response_hours', sa.Integer(), nullable=True),
    sa.Column('cost_per_year', sa.BigInteger(), nullable=False),
    sa.Column('in_tco', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_quote_sla_options_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['broker_quotes.id'], name=op.f('fk_quote_sla_options_quote_id_broker_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_sla_options'))
    )
    op.create_table('self_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_self_declarations_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_self_declarations_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_self_declarations_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_declarations')),
    sa.UniqueConstraint('service_id', 'item', name=op.f('uq_self_declarations_service_id_item'))
    )
    op.create_table('key_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('text_nl', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_key_messages_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['communication_questions.id'], name=op.f('fk_key_messages_question_id_communication_questions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_messages')),
    sa.UniqueConstraint('project_id', 'key', name=op.f('uq_key_messages_project_id_key'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('milestone', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_actions_project_id_milestone'), ['project_id', 'milestone'])



def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_actions_project_id_milestone'), type_='unique')
        batch_op.drop_column('milestone')

    op.drop_table('key_messages')
    op.drop_table('self_declarations')
    op.drop_table('quote_sla_options')
    op.drop_table('quote_scores')
    op.drop_table('broker_decisions')
    op.drop_table('quote_criteria')
    op.drop_table('project_brokers')
    op.drop_table('communication_plans')
    op.drop_table('broker_quotes')
    op.drop_table('broker_comparisons')
