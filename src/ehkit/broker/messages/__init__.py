"""SAML messages the simulated HM sends: the login Response and its parts.

Built inner to outer, each part signed by its own party before it is embedded
as text: AD assertion (AD key), MR assertion (MR key), HM assertion (HM key),
Response (HM key), and at resolution time the ArtifactResponse (HM key).
"""

from __future__ import annotations

from ehkit.broker.grant import Grant
from ehkit.broker.messages.advice import build_ad_assertion
from ehkit.broker.messages.assertions import (
    build_artifact_response,
    build_hm_assertion,
    build_response,
    build_status_response,
    evil_twin,
)
from ehkit.broker.messages.context import BuildContext, Network, Tamper
from ehkit.broker.messages.xacml import build_mr_assertion
from ehkit.broker.messages.xmltext import SAML, parse_own, serialize
from ehkit.saml.ids import new_id
from ehkit.xml.ns import q

__all__ = [
    "BuildContext",
    "Network",
    "Tamper",
    "build_artifact_response",
    "build_login_response",
    "build_status_response",
]


def build_login_response(grant: Grant, ctx: BuildContext, *, hm_acs: str) -> bytes:
    """The complete, signed success Response for ``grant``, with the tampering of ``ctx`` applied.

    ``hm_acs`` is where the AD would have sent its assertion (the HM's own ACS),
    used as the AD assertion's Recipient.
    """
    ad_xml, ad_id, ad_signature = build_ad_assertion(grant, ctx, ad_request_id=new_id(), hm_acs=hm_acs)
    mr_xml = build_mr_assertion(grant, ctx, ad_assertion_id=ad_id, ad_signature_value=ad_signature)
    tamper = ctx.tamper
    keys = ctx.network.keys
    signer = None
    if tamper.sign_assertion:
        signer = keys.rogue if tamper.assertion_key == "rogue" else keys.hm
    signed, signed_id = build_hm_assertion(grant, ctx, advice=[ad_xml, mr_xml], sign_with=signer)
    if tamper.corrupt_assertion:
        signed = _change_after_signing(signed)

    if tamper.wrapping is None:
        return build_response(grant, ctx, assertions=[signed])
    evil = evil_twin(grant)
    if tamper.wrapping == "xsw_advice":
        # The signed assertion hidden in the Advice of an unsigned one that claims another party.
        evil_xml, _ = build_hm_assertion(evil, ctx, advice=[signed], sign_with=None)
        return build_response(grant, ctx, assertions=[evil_xml])
    # The evil assertion gets Advice of its own, so the only duplicate ID is the one meant.
    evil_ad, evil_ad_id, evil_sig = build_ad_assertion(evil, ctx, ad_request_id=new_id(), hm_acs=hm_acs)
    evil_mr = build_mr_assertion(evil, ctx, ad_assertion_id=evil_ad_id, ad_signature_value=evil_sig)
    if tamper.wrapping == "xsw3":
        evil_xml, _ = build_hm_assertion(evil, ctx, advice=[evil_ad, evil_mr], sign_with=None)
        return build_response(grant, ctx, assertions=[evil_xml, signed])
    if tamper.wrapping == "duplicate_id":
        evil_xml, _ = build_hm_assertion(evil, ctx, advice=[evil_ad, evil_mr], sign_with=None, assertion_id=signed_id)
        return build_response(grant, ctx, assertions=[evil_xml, signed])
    raise ValueError(f"unknown wrapping {tamper.wrapping!r}")


def _change_after_signing(assertion_xml: bytes) -> bytes:
    """The signed assertion with its Subject NameID altered: the signature stays, the digest no longer fits."""
    root = parse_own(assertion_xml)
    name_id = root.find(f"{q(SAML, 'Subject')}/{q(SAML, 'NameID')}")
    if name_id is None:  # pragma: no cover - build_hm_assertion always writes one
        raise ValueError("the HM assertion has no Subject NameID")
    name_id.text = "changed-after-signing-" + (name_id.text or "")
    return serialize(root)
