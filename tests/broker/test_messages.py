"""The messages the simulator sends: shaped like the real 2023 message, every signature by the
right party, identifiers readable by the DV and by nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from broker_harness import DV_ENTITY, BrokerEnv
from lxml import etree

from ehkit.broker.engine import Broker
from ehkit.broker.messages import Tamper, build_artifact_response, build_login_response
from ehkit.broker.scenarios import SCENARIOS, get_scenario
from ehkit.broker.state import LoginFlow
from ehkit.domain.loa import LevelOfAssurance
from ehkit.domain.urns import ACTING_SUBJECT_ID, LEGAL_SUBJECT_ID, IdentifierType
from ehkit.errors import DecryptionError, SignatureError
from ehkit.pki import key_names
from ehkit.saml import constants as c
from ehkit.xml import TrustSet, decrypt_element, decryption_policy, parse_document, verify_element
from ehkit.xml.ns import DS, EXC_C14N, SAML, SAMLP, XACML_CONTEXT, XENC, q

A = lambda local: q(SAML, local)  # noqa: E731
P = lambda local: q(SAMLP, local)  # noqa: E731


def login_flow(broker: Broker, *, service_index: int, dv: str = DV_ENTITY) -> LoginFlow:
    registered = broker.registry.get(dv)
    assert registered is not None
    return broker.unsolicited_flow(registered, registered.services[service_index], "rs")


def grant_for(
    broker: Broker,
    person: str,
    ad: str,
    *,
    service_index: int = 2,
    company: str | None = None,
    vestiging: str | None = None,
    via: str | None = None,
):  # type: ignore[no-untyped-def]
    flow = login_flow(broker, service_index=service_index)
    flow.request_id = "_request-1"
    broker.authenticate(flow, broker.data.ad(ad), person, None, None, check_password=False)
    persona = broker.data.find_persona(person)
    if company is None:
        return broker.grant_for(flow, option=None)
    options = [
        o
        for o in broker.representation_options(flow, persona)  # type: ignore[arg-type]
        if o.company.id == company
        and (o.vestiging.number if o.vestiging else None) == vestiging
        and (o.intermediary.id if o.intermediary else None) == via
    ]
    assert len(options) == 1, options
    return broker.grant_for(flow, option=options[0])


def build(env: BrokerEnv, grant, tamper: Tamper | None = None) -> etree._Element:  # type: ignore[no-untyped-def]
    xml = build_login_response(grant, env.broker.context(tamper), hm_acs=env.broker.hm_acs)
    return parse_document(xml).root


def trust(cert) -> TrustSet:  # type: ignore[no-untyped-def]
    return TrustSet.from_certificates([cert])


def dv_policy(env: BrokerEnv, entity_id: str = DV_ENTITY):  # type: ignore[no-untyped-def]
    pair = env.keys.dv
    return decryption_policy([(pair.private_key, key_names(pair.certificate))], entity_id=entity_id)


# ------------------------------------------------------------------ structure versus the real message

_ALIAS = {SAMLP: "p", SAML: "a", DS: "ds", XENC: "xenc", XACML_CONTEXT: "x", EXC_C14N: "ec"}


def _step(el: etree._Element) -> str:
    qn = etree.QName(el)
    name = f"{_ALIAS.get(qn.namespace or '', qn.namespace)}:{qn.localname}"
    if qn.localname == "Attribute":
        name += "[" + (el.get("Name") or el.get("AttributeId") or "") + "]"
    return name


def shape(root: etree._Element) -> dict[str, frozenset[str]]:
    """Element paths (namespace URI + local name, attribute Names spelled out) -> attribute names.

    An identifier (a NameID or EncryptedID inside an AttributeValue) is one leaf,
    since the reference shows decrypted identifiers where the simulator encrypts.
    """
    out: dict[str, frozenset[str]] = {}

    def walk(el: etree._Element, prefix: str) -> None:
        path = f"{prefix}/{_step(el)}"
        out[path] = frozenset(
            etree.QName(a).localname
            if not a.startswith("{http://www.w3.org/2001/XMLSchema-instance}")
            else "xsi:" + etree.QName(a).localname
            for a in el.attrib
        )
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if etree.QName(el).localname == "AttributeValue" and etree.QName(child).localname in (
                "NameID",
                "EncryptedID",
            ):
                out[f"{path}/IDENTIFIER"] = frozenset()
                continue
            walk(child, path)

    walk(root, "")
    return out


def test_artifact_response_has_the_structure_of_the_2023_reference(env: BrokerEnv, reference_dir: Path) -> None:
    reference = shape(etree.parse(str(reference_dir / "artifactresponse-2023-decrypted.xml")).getroot())
    grant = grant_for(env.broker, "bram", "alfa", company="korenaar", vestiging="000012345602")
    response = build_login_response(grant, env.broker.context(), hm_acs=env.broker.hm_acs)
    ours = shape(
        parse_document(build_artifact_response(env.broker.context(), in_response_to="_resolve", message=response)).root
    )

    missing = {p for p in reference if p not in ours}
    # The reference's only element we do not send: the legacy SubdossierNr restriction.
    assert missing and all("SubdossierNr" in p for p in missing), sorted(missing)
    extra = {p for p in ours if p not in reference}
    allowed_extra = ("RSIN]", "CompanyName]")  # the service's second identifier and its requested attribute
    assert all(p.split("/a:AttributeValue")[0].endswith(allowed_extra) for p in extra), sorted(extra)
    differing = {p: (reference[p], ours[p]) for p in reference if p in ours and reference[p] != ours[p]}
    assert not differing, differing


def test_assertion_children_follow_the_reference_order(env: BrokerEnv) -> None:
    root = build(env, grant_for(env.broker, "anna", "alfa", company="korenaar"))
    assertion = root.find(A("Assertion"))
    assert [etree.QName(k).localname for k in assertion] == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "Advice",
        "AttributeStatement",
        "AuthnStatement",
    ]
    advice = assertion.find(A("Advice"))
    ad, mr = list(advice)
    assert ad.findtext(A("Issuer")) == env.data.ad("alfa").entity_id
    assert mr.findtext(A("Issuer")) == env.data.machtigingenregister.entity_id
    statement = mr.find(A("Statement"))
    assert (
        statement.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "xacml-saml:XACMLAuthzDecisionStatementType"
    )
    assert mr.find(f"{A('Advice')}/{A('AssertionIDRef')}").text == ad.get("ID")
    # LinkedDeclarationSignatureValue is the AD assertion's SignatureValue.
    linked = statement.find(
        f".//{q(XACML_CONTEXT, 'Attribute')}[@AttributeId='urn:etoegang:core:LinkedDeclarationSignatureValue']"
    )
    assert linked.findtext(q(XACML_CONTEXT, "AttributeValue")) == ad.findtext(
        f"{q(DS, 'Signature')}/{q(DS, 'SignatureValue')}"
    )


def test_every_signature_verifies_with_its_own_partys_key_only(env: BrokerEnv) -> None:
    keys = env.keys.broker
    root = build(env, grant_for(env.broker, "anna", "alfa", company="korenaar"))
    assertion = root.find(A("Assertion"))
    ad, mr = list(assertion.find(A("Advice")))
    signed = {
        "response": (root, keys.hm),
        "assertion": (assertion, keys.hm),
        "ad": (ad, keys.ad("alfa")),
        "mr": (mr, keys.mr),
    }
    for name, (element, pair) in signed.items():
        proof = verify_element(element, trust(pair.certificate))
        assert proof.element is element, name
    # And not with another party's key: each role has its own.
    for element, wrong in ((ad, keys.mr), (mr, keys.ad("alfa")), (assertion, keys.mr), (root, keys.ad("alfa"))):
        with pytest.raises(SignatureError) as err:
            verify_element(element, trust(wrong.certificate))
        assert err.value.reason == "signature_untrusted"

    # InclusiveNamespaces as in the real messages: HM "xacml-saml xs xsd", MR "xacml-saml", AD none.
    def prefixes(el: etree._Element) -> str | None:
        inc = el.find(f"{q(DS, 'Signature')}//{q(EXC_C14N, 'InclusiveNamespaces')}")
        return None if inc is None else inc.get("PrefixList")

    assert (prefixes(root), prefixes(assertion), prefixes(mr), prefixes(ad)) == (
        "xacml-saml xs xsd",
        "xacml-saml xs xsd",
        "xacml-saml",
        None,
    )
    # Message signatures name the key and carry no certificate (AS "Digitale ondertekening").
    for element, pair in ((assertion, keys.hm), (mr, keys.mr)):
        key_info = element.find(f"{q(DS, 'Signature')}/{q(DS, 'KeyInfo')}")
        assert [etree.QName(k).localname for k in key_info] == ["KeyName"]
        assert key_info.findtext(q(DS, "KeyName")) in pair.key_names


def test_identifiers_decrypt_for_the_dv_and_not_for_another_party(env: BrokerEnv) -> None:
    keys = env.keys.broker
    root = build(env, grant_for(env.broker, "bram", "alfa", company="korenaar", vestiging="000012345602"))
    assertion = root.find(A("Assertion"))

    def encrypted(attr: str) -> etree._Element:
        return assertion.find(
            f"{A('AttributeStatement')}/{A('Attribute')}[@Name='{attr}']/{A('AttributeValue')}/{A('EncryptedID')}"
        )

    legal = decrypt_element(encrypted(LEGAL_SUBJECT_ID), dv_policy(env))
    assert (legal.get("NameQualifier"), legal.text) == (IdentifierType.KVK.urn, "30123456")
    assert legal.get("Format") == c.NAMEID_PERSISTENT
    acting = decrypt_element(encrypted(ACTING_SUBJECT_ID), dv_policy(env))
    assert acting.get("NameQualifier") == IdentifierType.PSEUDO.urn
    # The EncryptedKey names the DV and its key, in the real sibling layout with RetrievalMethod.
    container = encrypted(LEGAL_SUBJECT_ID)
    data, key = list(container)
    assert etree.QName(data).localname == "EncryptedData" and etree.QName(key).localname == "EncryptedKey"
    assert key.get("Recipient") == DV_ENTITY
    assert key.findtext(f"{q(DS, 'KeyInfo')}/{q(DS, 'KeyName')}") == env.keys.dv.key_name
    assert data.find(f"{q(DS, 'KeyInfo')}/{q(DS, 'RetrievalMethod')}").get("URI") == "#" + key.get("Id")

    # Not readable by another DV's key, nor by the MR, nor by a key that claims the DV's name.
    other = env.keys.other_dv
    for private, names, entity in (
        (other.private_key, key_names(other.certificate), "urn:etoegang:DV:00000007777777770000:entities:1"),
        (keys.mr.private_key, keys.mr.key_names, env.data.machtigingenregister.entity_id),
        (other.private_key, key_names(env.keys.dv.certificate), DV_ENTITY),
    ):
        with pytest.raises(DecryptionError):
            decrypt_element(encrypted(LEGAL_SUBJECT_ID), decryption_policy([(private, names)], entity_id=entity))

    # The AD's ActingSubjectID is for the MR only.
    ad = assertion.find(A("Advice"))[0]
    ad_acting = ad.find(
        f"{A('AttributeStatement')}/{A('Attribute')}[@Name='{ACTING_SUBJECT_ID}']/{A('AttributeValue')}/{A('EncryptedID')}"
    )
    plain = decrypt_element(
        ad_acting,
        decryption_policy(
            [(keys.mr.private_key, keys.mr.key_names)], entity_id=env.data.machtigingenregister.entity_id
        ),
    )
    assert plain.get("NameQualifier") == IdentifierType.PSEUDO.urn
    with pytest.raises(DecryptionError):
        decrypt_element(ad_acting, dv_policy(env))


def test_mr_statement_carries_requested_and_used_level_and_the_restriction(env: BrokerEnv) -> None:
    root = build(env, grant_for(env.broker, "bram", "alfa", company="korenaar", vestiging="000012345602"))
    mr = root.find(A("Assertion")).find(A("Advice"))[1]
    values = {
        a.get("AttributeId"): a.findtext(q(XACML_CONTEXT, "AttributeValue"))
        for a in mr.iter(q(XACML_CONTEXT, "Attribute"))
        if a.find(q(XACML_CONTEXT, "AttributeValue")) is not None
        and len(a.find(q(XACML_CONTEXT, "AttributeValue"))) == 0
    }
    assert (
        values["urn:etoegang:core:LevelOfAssurance"] == LevelOfAssurance.EH3.urn
    )  # the catalogue level (nothing requested)
    assert values["urn:etoegang:core:LevelOfAssuranceUsed"] == LevelOfAssurance.EH3.urn
    assert values["urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"] == "000012345602"
    assert values["urn:oasis:names:tc:xacml:1.0:action:action-id"] == "Authenticate"
    assert mr.find(f".//{q(XACML_CONTEXT, 'Decision')}").text == "Permit"


def test_hm_assertion_subject_conditions_and_authn_statement(env: BrokerEnv) -> None:
    grant = grant_for(env.broker, "anna", "zeta", company="korenaar")
    root = build(env, grant)
    assertion = root.find(A("Assertion"))
    acs = grant.acs_url
    assert root.get("Destination") == acs and root.get("InResponseTo") == "_request-1"
    name_id = assertion.find(f"{A('Subject')}/{A('NameID')}")
    assert (name_id.get("Format"), name_id.get("NameQualifier")) == (c.NAMEID_TRANSIENT, env.data.ad("zeta").entity_id)
    scd = assertion.find(f"{A('Subject')}/{A('SubjectConfirmation')}/{A('SubjectConfirmationData')}")
    assert (scd.get("Recipient"), scd.get("InResponseTo")) == (acs, "_request-1")
    assert assertion.find(f"{A('Subject')}/{A('SubjectConfirmation')}").get("Method") == c.CM_BEARER
    assert assertion.findtext(f"{A('Conditions')}/{A('AudienceRestriction')}/{A('Audience')}") == DV_ENTITY
    authn = assertion.find(A("AuthnStatement"))
    assert authn.get("SessionIndex") and authn.get("AuthnInstant")
    assert (
        authn.findtext(f"{A('AuthnContext')}/{A('AuthnContextClassRef')}") == LevelOfAssurance.EH4.urn
    )  # Anna's key at Zeta
    assert authn.findtext(f"{A('AuthnContext')}/{A('AuthenticatingAuthority')}") == env.data.ad("zeta").entity_id


def test_chain_authorisation_names_the_intermediary(env: BrokerEnv) -> None:
    root = build(env, grant_for(env.broker, "carla", "beta", company="vandijk", via="telling"))
    statement = root.find(A("Assertion")).find(A("AttributeStatement"))
    names = [a.get("Name") for a in statement]
    assert "urn:etoegang:1.9:IntermediateEntityID:KvKnr" in names
    company = statement.find(
        f"{A('Attribute')}[@Name='urn:etoegang:1.13:attribute-intermediate:CompanyName']/{A('AttributeValue')}"
    )
    assert company.text == "Administratiekantoor Telling & Co B.V."
    kvk = statement.find(
        f"{A('Attribute')}[@Name='urn:etoegang:1.9:IntermediateEntityID:KvKnr']/{A('AttributeValue')}/{A('EncryptedID')}"
    )
    assert decrypt_element(kvk, dv_policy(env)).text == "30345678"
    legal = statement.find(f"{A('Attribute')}[@Name='{LEGAL_SUBJECT_ID}']/{A('AttributeValue')}/{A('EncryptedID')}")
    assert decrypt_element(legal, dv_policy(env)).text == "30234567"  # the client, not the intermediary


def test_pseudonyms_are_stable_per_dv_person_and_company(env: BrokerEnv) -> None:
    p = env.broker.pseudonyms
    first = p.acting("00000001234567890000", "carla", "vandijk")
    assert first == p.acting("00000001234567890000", "carla", "vandijk")
    assert first != p.acting("00000001234567890000", "carla", "korenaar")
    assert first != p.acting("00000007777777770000", "carla", "vandijk")
    assert first != p.acting("00000001234567890000", "anna", "vandijk")
    left, _, right = first.partition("@")
    assert len(left) == 64 and len(right) == 32 and int(left, 16) >= 0 and int(right, 16) >= 0


# ------------------------------------------------------------------ the tampering does what its scenario says


def test_message_scenarios_change_what_they_claim(env: BrokerEnv) -> None:
    grant = grant_for(env.broker, "anna", "alfa", company="korenaar")

    def tampered(scenario_id: str) -> etree._Element:
        return build(env, grant, get_scenario(scenario_id).tamper(grant))

    def top(root: etree._Element) -> list[etree._Element]:
        return root.findall(A("Assertion"))

    assert top(tampered("unsigned_assertion"))[0].find(q(DS, "Signature")) is None
    rogue = top(tampered("unknown_key"))[0]
    with pytest.raises(SignatureError):
        verify_element(rogue, trust(env.keys.broker.hm.certificate))
    verify_element(rogue, trust(env.keys.broker.rogue.certificate))

    xsw3 = top(tampered("xsw3"))
    assert len(xsw3) == 2 and xsw3[0].find(q(DS, "Signature")) is None and xsw3[1].find(q(DS, "Signature")) is not None

    advice = top(tampered("xsw_advice"))
    assert len(advice) == 1 and advice[0].find(q(DS, "Signature")) is None
    hidden = advice[0].find(A("Advice")).find(A("Assertion"))
    verify_element(hidden, trust(env.keys.broker.hm.certificate))

    with pytest.raises(Exception) as dup:
        parse_document(
            build_login_response(
                grant, env.broker.context(get_scenario("duplicate_id").tamper(grant)), hm_acs=env.broker.hm_acs
            )
        )
    assert getattr(dup.value, "reason", None) == "duplicate_id"

    assert (
        top(tampered("wrong_audience"))[0].findtext(f"{A('Conditions')}/{A('AudienceRestriction')}/{A('Audience')}")
        != DV_ENTITY
    )
    scd = f"{A('Subject')}/{A('SubjectConfirmation')}/{A('SubjectConfirmationData')}"
    assert top(tampered("wrong_recipient"))[0].find(scd).get("Recipient") != grant.acs_url
    assert top(tampered("wrong_in_response_to"))[0].find(scd).get("InResponseTo") != grant.in_response_to
    assert tampered("wrong_destination").get("Destination") != grant.acs_url
    assert tampered("unsigned_inner_response").find(q(DS, "Signature")) is None
    low = top(tampered("loa_too_low"))[0].findtext(
        f"{A('AuthnStatement')}/{A('AuthnContext')}/{A('AuthnContextClassRef')}"
    )
    assert LevelOfAssurance.from_urn(low) < grant.service.loa
    plain = top(tampered("plaintext_identifiers"))[0]
    assert plain.find(f".//{A('EncryptedID')}") is None or all(
        e.getparent().getparent().get("Name") not in (LEGAL_SUBJECT_ID, ACTING_SUBJECT_ID)
        for e in plain.find(A("AttributeStatement")).iter(A("EncryptedID"))
    )

    def window(root: etree._Element) -> tuple[datetime, datetime]:
        from ehkit.saml.timefmt import parse_instant

        cond = top(root)[0].find(A("Conditions"))
        return parse_instant(cond.get("NotBefore")), parse_instant(cond.get("NotOnOrAfter"))

    now = env.broker.now()
    assert window(tampered("expired_assertion"))[1] < now - timedelta(minutes=30)
    assert window(tampered("not_yet_valid"))[0] > now + timedelta(minutes=30)


def test_scenario_catalogue_is_complete_and_unique() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    required = {
        "expired_assertion",
        "not_yet_valid",
        "wrong_audience",
        "wrong_recipient",
        "wrong_in_response_to",
        "unsigned_assertion",
        "unknown_key",
        "xsw3",
        "xsw_advice",
        "duplicate_id",
        "replayed_artifact",
        "replayed_assertion",
        "slow_resolution",
        "http_500",
        "loa_too_low",
        "wrong_service_id",
        "plaintext_identifiers",
    }
    assert required <= set(ids)
    for s in SCENARIOS:
        assert s.title_nl and s.title_en and s.description
    with pytest.raises(KeyError):
        get_scenario("no-such-scenario")


def test_status_response_for_a_cancel(env: BrokerEnv) -> None:
    flow = login_flow(env.broker, service_index=1)
    delivery = env.broker.cancel(flow)
    assert delivery.binding == "artifact" and delivery.saml_art
    entry = env.broker.state.take_artifact(delivery.saml_art, DV_ENTITY, env.broker.now())
    root = parse_document(entry.response_xml).root
    code = root.find(f"{P('Status')}/{P('StatusCode')}")
    assert (code.get("Value"), code.find(P("StatusCode")).get("Value")) == (c.STATUS_RESPONDER, c.STATUS_AUTHN_FAILED)
    assert root.find(A("Assertion")) is None
    verify_element(root, trust(env.keys.broker.hm.certificate))


def test_clock_is_used_for_every_instant(tmp_path: Path, session_keys) -> None:  # type: ignore[no-untyped-def]
    from broker_harness import make_env

    fixed = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    env = make_env(
        tmp_path, session_keys, base_url="http://127.0.0.1:8801", dv_url="http://127.0.0.1:9", clock=lambda: fixed
    )
    root = build(env, grant_for(env.broker, "anna", "alfa", company="korenaar"))
    assert root.get("IssueInstant") == "2030-01-02T03:04:05.000Z"
    assert root.find(A("Assertion")).get("IssueInstant") == "2030-01-02T03:04:05.000Z"


def test_nested_signatures_survive_soap_wrapping_and_the_saml_artifact_response_builder(env: BrokerEnv) -> None:
    """Regression: ehkit.saml.soap.wrap and ehkit.saml.artifact_resolution.build_artifact_response
    used to append the signed message as a subtree, and lxml renamed the AD assertion's ``saml:``
    prefix to the enclosing ``saml2:``, breaking its exclusive-c14n digest (research/pitfalls.md)."""
    from ehkit.saml import artifact_resolution
    from ehkit.saml.soap import unwrap, wrap

    response = build_login_response(
        grant_for(env.broker, "anna", "alfa", company="korenaar"), env.broker.context(), hm_acs=env.broker.hm_acs
    )
    hm = env.keys.broker.hm
    built = artifact_resolution.build_artifact_response(
        response,
        in_response_to="_r",
        issuer=env.broker.settings.hm_entity_id,
        now=env.broker.now(),
        key=hm.private_key,
        key_name=hm.key_name,
    )
    for envelope in (
        wrap(built),
        wrap(parse_document(build_artifact_response(env.broker.context(), in_response_to="_r", message=response)).root),
    ):
        payload, _ = unwrap(envelope)
        verify_element(payload, trust(hm.certificate))
        assertion = payload.find(f"{P('Response')}/{A('Assertion')}")
        verify_element(assertion, trust(hm.certificate))
        ad, mr = list(assertion.find(A("Advice")))
        assert ad.prefix == "saml"  # as signed
        verify_element(ad, trust(env.keys.broker.ad("alfa").certificate))
        verify_element(mr, trust(env.keys.broker.mr.certificate))
