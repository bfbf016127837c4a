"""One login against a fresh SP: start it, build the broker's answer, submit it.

Tests change exactly one thing through the factory hooks and assert the
reason code; ``private_ops`` counts RSA private-key operations during a
submission, ``pending_intact`` tells whether a rejection left the user's
pending request usable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ehkit.errors import LoginRejected
from ehkit.sp.provider import LoginStart, ServiceProvider
from ehkit.sp.result import LoginResult
from ehkit.xml.encryption import PrivateKeyCounter
from support.network import Network
from support.reference_messages import Built, ReferenceMessages

_DEFAULT: Any = object()

# The real 2023 message carries a 10-digit KvK number and a 13-digit
# vestigingsnummer (sanitised). The catalogue's "valid fixture" uses the
# valid forms so that format validation can stay on.
VALID_KVK = "69599084"
VALID_VESTIGING = "000012345678"


def valid_formats(root: Any) -> None:
    from ehkit.domain import urns
    from ehkit.xml.ns import SAML, q
    from support.reference_messages import attribute

    legal = attribute(root, urns.LEGAL_SUBJECT_ID)
    if legal is not None:  # absent in the 2020 form
        legal.find(f"{q(SAML, 'AttributeValue')}/{q(SAML, 'NameID')}").text = VALID_KVK
    vest = attribute(root, urns.VESTIGINGSNR)
    if vest is not None:
        vest.find(q(SAML, "AttributeValue")).text = VALID_VESTIGING


def _chain(*edits: Any) -> Any:
    edits = tuple(e for e in edits if e is not None)

    def run(root: Any) -> None:
        for e in edits:
            e(root)

    return run


class Scenario:
    def __init__(
        self,
        net: Network,
        messages: ReferenceMessages,
        t0: datetime,
        *,
        sp: ServiceProvider | None = None,
        service: str = "vergunning",
        relay_target: str | None = "/aanvraag/42",
        real_formats: bool = False,
        **sp_overrides: Any,
    ) -> None:
        self.net = net
        self.messages = messages
        self.t0 = t0
        self.real_formats = real_formats
        if real_formats:
            sp_overrides.setdefault("validate_identifier_formats", False)
        self.sp = sp or net.sp(**sp_overrides)
        self.start: LoginStart = self.sp.start_login(service, relay_state=relay_target, now=t0)
        self.binding = self.sp.settings.response_binding
        self.private_ops = 0

    @property
    def issued(self) -> datetime:
        return self.t0 + timedelta(seconds=2)

    @property
    def now(self) -> datetime:
        return self.t0 + timedelta(seconds=3)

    def build(self, **kw: Any) -> Built:
        kw.setdefault("request_id", self.start.request_id)
        if kw.get("binding") is None:
            kw["binding"] = self.binding
        kw.setdefault("now", self.issued)
        if not self.real_formats:
            kw["edit_plain"] = _chain(valid_formats, kw.get("edit_plain"))
        return self.messages.build(**kw)

    def submit(
        self,
        message: Built | bytes | None = None,
        *,
        binding: str | None = None,
        now: datetime | None = None,
        relay_state: Any = _DEFAULT,
        request_id: str | None = None,
        resolve_id: Any = _DEFAULT,
        **build: Any,
    ) -> LoginResult:
        if message is None:
            message = self.build(**({"binding": binding} if binding else {}), **build)
        xml = message.xml if isinstance(message, Built) else message
        if resolve_id is _DEFAULT:
            resolve_id = message.resolve_id if isinstance(message, Built) else "_resolve0123456789"
        if binding is None:
            binding = "artifact" if b"ArtifactResponse" in xml[:400] else "post"
        before = PrivateKeyCounter.count
        try:
            return self.sp.process_response(
                xml,
                binding=binding,  # type: ignore[arg-type]
                now=now or self.now,
                request_id=request_id,
                artifact_resolve_id=resolve_id if binding == "artifact" else None,
                relay_state=self.start.relay_state if relay_state is _DEFAULT else relay_state,
            )
        finally:
            self.private_ops = PrivateKeyCounter.count - before

    def reject(self, message: Built | bytes | None = None, **kw: Any) -> LoginRejected:
        with pytest.raises(LoginRejected) as info:
            self.submit(message, **kw)
        return info.value

    def pending_intact(self) -> bool:
        """True when the pending request still exists: a valid answer still logs in."""
        try:
            self.submit()
        except LoginRejected as exc:
            if exc.reason == "in_response_to_unknown":
                return False
            raise
        return True
