"""Accounts, sessions, invitations and the membership check, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from ws_helpers import PASSWORD, actor_of, new_project

from ehkit.workspace.db import Database
from ehkit.workspace.errors import AuthFailed, Forbidden, InvalidInput, NotFound
from ehkit.workspace.models import AuditEvent, User, WebSession, utcnow
from ehkit.workspace.services import access
from ehkit.workspace.services.audit import Actor


def test_passwords_are_argon2_hashed_and_checked(db: Database, owner: Any) -> None:
    with db.session() as s:
        user = s.get(User, owner.id)
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert access.authenticate(s, "OWNER@voorbeeldstad.example ", PASSWORD).id == owner.id
        for email, password in (("owner@voorbeeldstad.example", "wrong password!"), ("nobody@x.nl", PASSWORD)):
            with pytest.raises(AuthFailed) as err:
                access.authenticate(s, email, password)
            assert err.value.message == "wrong e-mail address or password"


def test_user_input_is_validated_field_by_field(db: Database, owner: Any) -> None:
    with db.session() as s, pytest.raises(InvalidInput) as err:
        access.create_user(s, email="not-an-email", display_name="", password="short", actor=Actor.cli())
    assert {(p.field, p.key) for p in err.value.problems} == {
        ("email", "email"), ("display_name", "required"), ("password", "password_short"),
    }  # fmt: skip
    with db.session() as s, pytest.raises(InvalidInput) as err:
        access.create_user(
            s, email="owner@voorbeeldstad.example", display_name="X", password=PASSWORD, actor=Actor.cli()
        )
    assert err.value.problems[0].key == "email_taken"


def test_sessions_store_only_a_hash_and_expire(db: Database, owner: Any) -> None:
    with db.session() as s:
        opened = access.open_session(s, user=s.get(User, owner.id))
        token = opened.token
        stored = s.scalars(select(WebSession)).one()
        assert stored.id != token and stored.id == access.token_hash(token)
        assert access.load_session(s, token) is not None
        assert access.load_session(s, "x" + token) is None
        assert access.load_session(s, token, now=utcnow() + access.SESSION_IDLE + timedelta(seconds=1)) is None
    with db.session() as s:
        assert access.load_session(s, token) is None  # the idle one was deleted


def test_csrf_tokens_compare_exactly(db: Database) -> None:
    with db.session() as s:
        web = access.open_session(s).record
        assert access.csrf_ok(web, web.csrf_token)
        assert not access.csrf_ok(web, web.csrf_token[:-1] + "x")
        assert not access.csrf_ok(web, None) and not access.csrf_ok(web, "")


def test_membership_decides_visibility_and_roles_decide_writes(db: Database, owner: Any) -> None:
    new_project(db, owner, "alpha")
    new_project(db, owner, "beta")
    with db.session() as s:
        viewer = access.create_user(s, email="v@x.nl", display_name="V", password=PASSWORD, actor=Actor.cli())
        s.flush()
        alpha, _ = access.require(s, s.get(User, owner.id), "alpha", "owner")  # type: ignore[arg-type]
        access.add_member(s, alpha, viewer, "viewer", actor_of(owner))
    with db.session() as s:
        v = access.user_by_email(s, "v@x.nl")
        assert v is not None
        assert access.require(s, v, "alpha", "viewer")[1] == "viewer"
        with pytest.raises(Forbidden):
            access.require(s, v, "alpha", "editor")
        with pytest.raises(NotFound):
            access.require(s, v, "beta", "viewer")  # exists, but not theirs: the same answer as
        with pytest.raises(NotFound):
            access.require(s, v, "gamma", "viewer")  # a project that does not exist
        assert [p.slug for p, _ in access.projects_of(s, v)] == ["alpha"]


def test_the_last_owner_stays(db: Database, owner: Any) -> None:
    new_project(db, owner, "alpha")
    with db.session() as s:
        alpha, _ = access.require(s, s.get(User, owner.id), "alpha")  # type: ignore[arg-type]
        for change in (lambda: access.set_role(s, alpha, owner.id, "editor", actor_of(owner)),
                       lambda: access.remove_member(s, alpha, owner.id, actor_of(owner))):  # fmt: skip
            with pytest.raises(InvalidInput) as err:
                change()
            assert err.value.problems[0].key == "last_owner"


def test_invitations_are_single_use_and_expire(db: Database, owner: Any) -> None:
    new_project(db, owner, "alpha")
    with db.session() as s:
        alpha, _ = access.require(s, s.get(User, owner.id), "alpha")  # type: ignore[arg-type]
        issued = access.invite(s, alpha, "New@X.nl", "editor", Actor.cli())
        expired = access.invite(s, alpha, "late@x.nl", "viewer", Actor.cli(), lifetime=timedelta(seconds=-1))
        assert issued.invitation.token_hash != issued.token and issued.link("http://h:1/").startswith(
            "http://h:1/invite/"
        )
    with db.session() as s:
        user = access.accept_invitation(s, issued.token, user=None, display_name="Nieuw", password=PASSWORD)
        assert user.email == "new@x.nl"
        assert access.require(s, user, "alpha")[1] == "editor"
    with db.session() as s:
        for token in (issued.token, expired.token, "nonsense"):
            with pytest.raises(NotFound):
                access.accept_invitation(s, token, user=None, display_name="X", password=PASSWORD)
    with db.session() as s, pytest.raises(InvalidInput):
        access.invite(s, alpha, "x@x.nl", "superuser", Actor.cli())


def test_every_change_is_in_the_audit_trail_without_secrets(db: Database, owner: Any) -> None:
    project = new_project(db, owner, "alpha")
    with db.session() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [(e.action, e.entity) for e in events] == [
        ("create", "users"),
        ("create", "projects"),
        ("create", "memberships"),
    ]
    assert events[1].project_id == project.id and events[1].changes["oin"] == [None, "00000001234567890000"]
    assert all("password_hash" not in e.changes for e in events)
