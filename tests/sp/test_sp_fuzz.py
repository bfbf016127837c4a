"""Fuzz: ServiceProvider.process_response and finish_login let only typed errors out.

Real messages (the 2023 ArtifactResponse and the 2020 Response, re-signed for
the test network) are damaged three ways: their bytes after signing (parse and
signature checks), their tree before signing so the damage is signed and
reaches the policy and identity code, and the transport values finish_login
receives (SAMLart, SAMLResponse, the artifact resolution answer).
"""

from __future__ import annotations

import base64

import httpx
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ehkit.errors import EhkitError, LoginRejected
from ehkit.saml.artifact import Artifact
from ehkit.sp.artifact_client import ArtifactClient, Timeouts
from support import network as n
from support.mutations import FUZZ, mutate_tree, mutated_bytes
from support.reference_messages import RESPONSE_2020, ReferenceMessages
from support.scenario import Scenario


@pytest.fixture
def valid(net, messages, t0) -> bytes:
    return Scenario(net, messages, t0).build().xml


def _only_typed(call) -> None:
    """Call; it returns or raises an EhkitError (the reason is recorded for --hypothesis-show-statistics)."""
    try:
        call()
    except EhkitError as exc:
        event(exc.reason)
    else:
        event("accepted")


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_process_response_damaged_bytes(net, messages, t0, valid, data):
    s = Scenario(net, messages, t0)
    xml = data.draw(mutated_bytes(valid))
    binding = data.draw(st.sampled_from(["artifact", "post"]))
    _only_typed(lambda: s.submit(xml, binding=binding))


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_process_response_damage_that_is_signed(net, messages, t0, data):
    """The broker signs the damaged tree: every check after the signatures sees it."""
    kind = data.draw(st.sampled_from(["artifact-2023", "post-2020"]))
    if kind == "post-2020":
        s = Scenario(net, ReferenceMessages(net, RESPONSE_2020), t0, response_binding="post")
    else:
        s = Scenario(net, messages, t0)
    ops = data.draw(st.integers(1, 3))
    where = data.draw(st.sampled_from(["plain", "edit"]))

    def damage(root):
        mutate_tree(root, data.draw, ops)

    try:
        built = s.build(**{"edit_plain" if where == "plain" else "edit": damage})
    except (EhkitError, ValueError, TypeError, AssertionError, AttributeError):
        return  # the test factory could not build (sign, encrypt) this tree: nothing to submit
    _only_typed(lambda: s.submit(built))


@FUZZ
@given(
    value=st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
        st.sampled_from(["", " ", "=", "%%%", "A" * 10_000]),
    )
)
def test_finish_login_post_values(net, messages, t0, value):
    s = Scenario(net, messages, t0, response_binding="post")
    _only_typed(lambda: s.sp.finish_login(saml_response=value, relay_state=s.start.relay_state, now=s.now))


@FUZZ
@given(data=st.data())
def test_finish_login_post_damaged_message(net, messages, t0, data):
    s = Scenario(net, ReferenceMessages(net, RESPONSE_2020), t0, response_binding="post")
    xml = data.draw(mutated_bytes(s.build().xml))
    value = base64.b64encode(xml).decode()
    _only_typed(lambda: s.sp.finish_login(saml_response=value, relay_state=s.start.relay_state, now=s.now))


@FUZZ
@given(
    art=st.one_of(
        st.text(max_size=120),
        st.binary(min_size=0, max_size=60).map(lambda b: base64.b64encode(b).decode()),
        st.binary(min_size=40, max_size=40).map(
            lambda b: base64.b64encode(b"\x00\x04\x00\x00" + b).decode()  # type 0x0004, any SourceID
        ),
    ),
    relay=st.one_of(st.none(), st.text(max_size=100)),
)
def test_finish_login_artifact_values(net, messages, t0, art, relay):
    s = Scenario(net, messages, t0)
    s.sp._artifact_client = ArtifactClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(500)), timeouts=Timeouts(1, 1, 2)
    )
    _only_typed(lambda: s.sp.finish_login(saml_art=art, relay_state=relay, now=s.now))


@FUZZ
@given(data=st.data())
def test_finish_login_damaged_artifact_resolution_answer(net, messages, t0, data):
    s = Scenario(net, messages, t0)
    answer = data.draw(mutated_bytes(s.build(soap=True).xml))
    status = data.draw(st.sampled_from([200, 200, 200, 302, 500]))
    s.sp._artifact_client = ArtifactClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(status, content=answer)), timeouts=Timeouts(1, 1, 2)
    )
    with pytest.raises(LoginRejected):  # an answer not signed for our ArtifactResolve can never log in
        s.sp.finish_login(saml_art=Artifact.new(n.HM_ENTITY).encode(), relay_state=s.start.relay_state, now=s.now)
