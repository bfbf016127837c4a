"""Optional: log a Django user in for each eHerkenning login (off unless listed in AUTHENTICATION_BACKENDS).

The user is found by a username derived from the legal subject *and* the
acting person's pseudonym, so one person acting for two companies is two
users, and two people of one company are two users. The username is a hash:
no KvK number, RSIN or BSN is stored in the user table, and without the
pseudonym (which only the broker and this DV know) the hash cannot be
reversed. Override :meth:`EHerkenningBackend.configure_user` to fill fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from ehkit.sp.result import LoginResult


class EHerkenningBackend(BaseBackend):
    username_prefix = "eh-"

    @classmethod
    def username_for(cls, login: LoginResult) -> str:
        legal, acting = login.legal_subject, login.acting_subject
        material = "\x00".join((legal.type.name, str(legal.value), acting.type.name, str(acting.value)))
        return cls.username_prefix + hashlib.sha256(material.encode()).hexdigest()[:40]

    def authenticate(self, request: HttpRequest | None, eherkenning: LoginResult | None = None, **kwargs: Any) -> Any:
        if eherkenning is None:
            return None
        from ehkit.integrations.django.conf import get_core

        user_model = get_user_model()
        username = self.username_for(eherkenning)
        field = str(getattr(user_model, "USERNAME_FIELD", "username"))
        created = False
        try:
            user = user_model._default_manager.get(**{field: username})
        except user_model.DoesNotExist:
            if not get_core().settings.create_users:
                return None
            user = user_model(**{field: username})
            user.set_unusable_password()
            user.save()
            created = True
        user = self.configure_user(request, user, eherkenning, created=created)
        return user if getattr(user, "is_active", True) else None

    def configure_user(self, request: HttpRequest | None, user: Any, login: LoginResult, *, created: bool) -> Any:
        """Hook: set fields from the login (company name, ...). Return the user."""
        return user

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if getattr(user, "is_active", True) else None
