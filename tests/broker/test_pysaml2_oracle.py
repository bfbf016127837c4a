"""An independent SAML implementation checks the simulator's output.

pysaml2 (shelling out to the ``xmlsec1`` binary) loads the simulator's
metadata and verifies its signatures with its own XML security stack: the
metadata, the ArtifactResponse, the Response, the HM assertion and, each with
its own party's certificate, the AD and MR assertions; xmlsec1 decrypts the
DV's EncryptedID (sibling EncryptedKey found through RetrievalMethod).

What pysaml2 cannot do with an eHerkenning response (docs/broker.md): its
``correctly_signed_response`` re-serializes the message and validates it
against the SAML XSD; the MR's ``xsi:type="xacml-saml:XACMLAuthzDecisionStatementType"``
has no schema there and its re-serialization drops the ``xacml-saml``
namespace, so it refuses every real eHerkenning response, as it would the
2023 reference message.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from broker_harness import HM_ENTITY, BrokerEnv
from lxml import etree
from saml2 import sigver  # a dev dependency: a missing install fails, never skips

from ehkit.broker.messages import build_artifact_response, build_login_response
from ehkit.domain.urns import LEGAL_SUBJECT_ID
from ehkit.xml import parse_document
from ehkit.xml.ns import SAML, SAMLP, q
from support.services import missing

NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
NS_RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
NS_ARTIFACT_RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse"
NS_ENTITY = "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"


@pytest.fixture(scope="module")
def xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path is None:
        missing("xmlsec1", "install it with apt-get install xmlsec1 (pysaml2 runs it)")
    return path


@pytest.fixture
def security(xmlsec1: str) -> Any:
    return sigver.SecurityContext(sigver.CryptoBackendXmlSec1(xmlsec1))


def pem(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def login_xml(env: BrokerEnv) -> bytes:
    from test_messages import grant_for

    grant = grant_for(env.broker, "bram", "alfa", company="korenaar", vestiging="000012345602")
    return build_login_response(grant, env.broker.context(), hm_acs=env.broker.hm_acs)


def test_pysaml2_loads_the_metadata_and_verifies_its_signature(env: BrokerEnv, security: Any, tmp_path: Path) -> None:
    from saml2 import config as saml2_config
    from saml2.attribute_converter import ac_factory
    from saml2.mdstore import MetadataStore

    xml = env.app.state.metadata_xml
    metadata_file = pem(tmp_path, "metadata.xml", xml)
    store = MetadataStore(ac_factory(), saml2_config.Config())
    store.load("local", metadata_file)
    sso = store.single_sign_on_service(HM_ENTITY, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect")
    assert [s["location"] for s in sso] == [env.broker.settings.sso_url]
    assert len(store.certs(HM_ENTITY, "idpsso", "signing")) == 1

    hm = pem(tmp_path, "hm.pem", env.keys.broker.hm.certificate_pem())
    root_id = parse_document(xml).root.get("ID")
    assert security.verify_signature(xml.decode(), cert_file=hm, node_name=NS_ENTITY, node_id=root_id)
    other = pem(tmp_path, "mr.pem", env.keys.broker.mr.certificate_pem())
    with pytest.raises(sigver.SignatureError):
        security.verify_signature(xml.decode(), cert_file=other, node_name=NS_ENTITY, node_id=root_id)


def test_pysaml2_verifies_every_signature_with_the_right_certificate(
    env: BrokerEnv, security: Any, tmp_path: Path
) -> None:
    keys = env.keys.broker
    hm = pem(tmp_path, "hm.pem", keys.hm.certificate_pem())
    ad = pem(tmp_path, "ad.pem", keys.ad("alfa").certificate_pem())
    mr = pem(tmp_path, "mr.pem", keys.mr.certificate_pem())
    response_xml = login_xml(env)
    artifact_xml = build_artifact_response(env.broker.context(), in_response_to="_resolve", message=response_xml)
    artifact = parse_document(artifact_xml).root
    response = artifact.find(q(SAMLP, "Response"))
    assertion = response.find(q(SAML, "Assertion"))
    ad_assertion, mr_assertion = list(assertion.find(q(SAML, "Advice")))

    # xmlsec1 checks the first signature of a document, so each signed element is handed over on its own.
    cases = [
        (artifact_xml, hm, NS_ARTIFACT_RESPONSE, artifact.get("ID")),
        (etree.tostring(response), hm, NS_RESPONSE, response.get("ID")),
        (etree.tostring(assertion), hm, NS_ASSERTION, assertion.get("ID")),
        (etree.tostring(ad_assertion), ad, NS_ASSERTION, ad_assertion.get("ID")),
        (etree.tostring(mr_assertion), mr, NS_ASSERTION, mr_assertion.get("ID")),
    ]
    for xml, cert, node, node_id in cases:
        assert security.verify_signature(xml.decode(), cert_file=cert, node_name=node, node_id=node_id), node_id
    for xml, cert, node, node_id in (
        (etree.tostring(mr_assertion), ad, NS_ASSERTION, mr_assertion.get("ID")),
        (etree.tostring(assertion), mr, NS_ASSERTION, assertion.get("ID")),
    ):
        with pytest.raises(sigver.SignatureError):
            security.verify_signature(xml.decode(), cert_file=cert, node_name=node, node_id=node_id)


def test_xmlsec1_decrypts_the_legal_subject_for_the_dv_only(env: BrokerEnv, xmlsec1: str, tmp_path: Path) -> None:
    crypto = sigver.CryptoBackendXmlSec1(xmlsec1)
    assertion = parse_document(login_xml(env)).root.find(q(SAML, "Assertion"))
    encrypted = assertion.find(
        f"{q(SAML, 'AttributeStatement')}/{q(SAML, 'Attribute')}[@Name='{LEGAL_SUBJECT_ID}']/{q(SAML, 'AttributeValue')}/{q(SAML, 'EncryptedID')}"
    )
    text = etree.tostring(encrypted).decode()
    dv_key = pem(tmp_path, "dv.key", env.keys.dv.private_pem())
    plain = crypto.decrypt(text, dv_key)
    name_id = etree.fromstring(plain.encode() if isinstance(plain, str) else plain).find(f".//{q(SAML, 'NameID')}")
    assert name_id is not None and name_id.text == "30123456"
    other_key = pem(tmp_path, "other.key", env.keys.other_dv.private_pem())
    with pytest.raises(sigver.DecryptError):
        crypto.decrypt(text, other_key)
