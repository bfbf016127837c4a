"""Accounts, sessions, invitations and the one membership check every project route goes through.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed when
those change). Session and invitation tokens are random 256-bit values; the
database keeps only their SHA-256, so a leaked database copy opens no
session. A project the user is not a member of does not exist for them: the
check answers NotFound, exactly as for an unknown id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ehkit.workspace.errors import AuthFailed, Forbidden, InvalidInput, NotFound, Problem
from ehkit.workspace.models import ROLES, Invitation, Membership, Project, User, WebSession, utcnow
from ehkit.workspace.schemas import InviteIn, RoleIn, UserIn, parse
from ehkit.workspace.services.audit import Actor, created, record

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(hours=2)
INVITATION_LIFETIME = timedelta(days=7)

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("ehkit-workspace-timing-equaliser")

_RANK = {"viewer": 0, "editor": 1, "owner": 2}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ users


def create_user(session: Session, *, email: str, display_name: str, password: str, actor: Actor) -> User:
    data = parse(UserIn, {"email": email, "display_name": display_name, "password": password}, source="user")
    if session.scalar(select(User).where(User.email == data.email)) is not None:
        raise InvalidInput([Problem("email", "email_taken", {"email": data.email})], source="user")
    user = User(email=data.email, display_name=data.display_name, password_hash=_hasher.hash(data.password))
    session.add(user)
    created(session, actor, user, project_id=None, label=data.email)
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(session: Session, email: str, password: str) -> User:
    """The user, or AuthFailed with one message for every cause (no account enumeration)."""
    user = user_by_email(session, email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthFailed("wrong e-mail address or password", reason="workspace_auth_failed") from None
    if user is None or not user.is_active:
        raise AuthFailed("wrong e-mail address or password", reason="workspace_auth_failed")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count(User.id))) or 0)


# ------------------------------------------------------------------ sessions


@dataclass(frozen=True)
class OpenedSession:
    token: str
    record: WebSession


def open_session(session: Session, *, user: User | None = None, lang: str = "nl") -> OpenedSession:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record_ = WebSession(
        id=token_hash(token),
        user_id=user.id if user else None,
        csrf_token=secrets.token_urlsafe(32),
        lang=lang if lang in ("nl", "en") else "nl",
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(record_)
    session.flush()
    return OpenedSession(token, record_)


def load_session(session: Session, token: str | None, *, now: datetime | None = None) -> WebSession | None:
    """The live session for a cookie value, or None (unknown, expired, or idle too long)."""
    if not token or len(token) > 100:
        return None
    found = session.get(WebSession, token_hash(token))
    moment = now or utcnow()
    if found is None:
        return None
    if found.expires_at <= moment or found.last_seen_at + SESSION_IDLE <= moment:
        session.delete(found)
        return None
    if moment - found.last_seen_at > timedelta(minutes=1):
        found.last_seen_at = moment
    return found


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.id == token_hash(token)))


def purge_sessions(session: Session) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_ok(web_session: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and secrets.compare_digest(web_session.csrf_token, str(submitted))


# ------------------------------------------------------------------ membership


def membership(session: Session, user_id: int, project_id: int) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.project_id == project_id))


def require(session: Session, user: User, slug: str, need: str = "viewer") -> tuple[Project, str]:
    """The project and the user's role, if the user is a member with at least role ``need``."""
    project = session.scalar(select(Project).where(Project.slug == slug))
    found = membership(session, user.id, project.id) if project is not None else None
    if project is None or found is None:
        raise NotFound(f"no project {slug!r}", reason="workspace_not_found")
    if _RANK[found.role] < _RANK[need]:
        raise Forbidden(f"your role in {project.name} is {found.role}; this needs {need}", reason="workspace_forbidden")
    return project, found.role


def can(role: str, need: str) -> bool:
    return _RANK[role] >= _RANK[need]


def projects_of(session: Session, user: User) -> list[tuple[Project, str]]:
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.name)
    )
    return [(p, r) for p, r in rows]


def add_member(session: Session, project: Project, user: User, role: str, actor: Actor) -> Membership:
    role = parse(RoleIn, {"role": role}, source="role").role
    existing = membership(session, user.id, project.id)
    if existing is not None:
        before = {"role": existing.role}
        existing.role = role
        record(
            session, actor, project_id=project.id, action="update", entity="memberships",
            entity_id=existing.id, label=user.email, before=before, after={"role": role},
        )  # fmt: skip
        return existing
    member = Membership(project_id=project.id, user_id=user.id, role=role)
    session.add(member)
    session.flush()
    record(
        session, actor, project_id=project.id, action="create", entity="memberships",
        entity_id=member.id, label=user.email, after={"user": user.email, "role": role},
    )  # fmt: skip
    return member


def members_of(session: Session, project: Project) -> list[tuple[User, str]]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.display_name)
    )
    return [(u, r) for u, r in rows]


def set_role(session: Session, project: Project, user_id: int, role: str, actor: Actor) -> None:
    """Change a member's access; the last owner cannot be demoted, so no project is left ownerless."""
    role = parse(RoleIn, {"role": role}, source="role").role
    found = membership(session, user_id, project.id)
    if found is None:
        raise NotFound(f"no member {user_id} in this project", reason="workspace_not_found")
    if found.role == "owner" and role != "owner" and _owners(session, project) <= 1:
        raise InvalidInput([Problem("role", "last_owner")], source="role")
    before = {"role": found.role}
    found.role = role
    record(
        session, actor, project_id=project.id, action="update", entity="memberships",
        entity_id=found.id, label=found.user.email, before=before, after={"role": role},
    )  # fmt: skip


def remove_member(session: Session, project: Project, user_id: int, actor: Actor) -> None:
    found = membership(session, user_id, project.id)
    if found is None:
        raise NotFound(f"no member {user_id} in this project", reason="workspace_not_found")
    if found.role == "owner" and _owners(session, project) <= 1:
        raise InvalidInput([Problem("role", "last_owner")], source="role")
    record(
        session, actor, project_id=project.id, action="delete", entity="memberships",
        entity_id=found.id, label=found.user.email, before={"user": found.user.email, "role": found.role},
    )  # fmt: skip
    session.delete(found)


def _owners(session: Session, project: Project) -> int:
    return int(
        session.scalar(
            select(func.count(Membership.id)).where(Membership.project_id == project.id, Membership.role == "owner")
        )
        or 0
    )


# ------------------------------------------------------------------ invitations


@dataclass(frozen=True)
class IssuedInvitation:
    token: str
    invitation: Invitation

    def link(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/invite/{self.token}"


def invite(
    session: Session,
    project: Project,
    email: str,
    role: str,
    actor: Actor,
    *,
    lifetime: timedelta = INVITATION_LIFETIME,
) -> IssuedInvitation:
    data = parse(InviteIn, {"email": email, "role": role}, source="invitation")
    checked, role = data.email, data.role
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        project_id=project.id,
        email=checked,
        role=role,
        token_hash=token_hash(token),
        created_by_id=actor.user_id,
        expires_at=utcnow() + lifetime,
    )
    session.add(invitation)
    session.flush()
    record(
        session, actor, project_id=project.id, action="create", entity="invitations",
        entity_id=invitation.id, label=checked, after={"email": checked, "role": role},
    )  # fmt: skip
    return IssuedInvitation(token, invitation)


def open_invitation(session: Session, token: str) -> Invitation:
    """A usable invitation, or NotFound (unknown, used or expired: one answer for all)."""
    found = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token))) if token else None
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise NotFound("this invitation link is unknown, already used or expired", reason="workspace_not_found")
    return found


def accept_invitation(
    session: Session, token: str, *, user: User | None, display_name: str = "", password: str = ""
) -> User:
    """Use the link once: sign up (no account yet) or join with the signed-in account."""
    invitation = open_invitation(session, token)
    project = session.get(Project, invitation.project_id)
    if project is None:  # pragma: no cover - the foreign key cascades
        raise NotFound("the invited project no longer exists", reason="workspace_not_found")
    if user is None:
        existing = user_by_email(session, invitation.email)
        if existing is not None:
            raise InvalidInput(
                [Problem("email", "invite_login_first", {"email": invitation.email})], source="invitation"
            )
        user = create_user(
            session, email=invitation.email, display_name=display_name, password=password,
            actor=Actor(None, invitation.email),
        )  # fmt: skip
    actor = Actor(user.id, user.email)
    add_member(session, project, user, invitation.role, actor)
    invitation.used_at = utcnow()
    invitation.used_by_id = user.id
    return user


__all__ = [
    "ROLES",
    "Actor",
    "IssuedInvitation",
    "OpenedSession",
    "accept_invitation",
    "add_member",
    "authenticate",
    "can",
    "close_session",
    "count_users",
    "create_user",
    "csrf_ok",
    "invite",
    "load_session",
    "members_of",
    "membership",
    "open_invitation",
    "open_session",
    "projects_of",
    "purge_sessions",
    "remove_member",
    "require",
    "set_role",
    "user_by_email",
]
