"""Every rule, once failing and once passing.

The passing example is the catalogue / metadata ehkit builds from the fixed
example config: it must produce no finding at all, under every profile. The
failing example is that document with one targeted change. A test also checks
that every registered rule has a failing case here, so a new rule cannot be
added without one.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography import x509
from lxml import etree

from ehkit.catalogue import PROFILES, REGISTRY, build_catalogue, build_sp_metadata
from ehkit.catalogue.keys import certificate_b64
from ehkit.catalogue.ns import ESC
from ehkit.catalogue.validate import validate_catalogue, validate_sp_metadata
from ehkit.pki import key_name_sha256, load_certificate
from ehkit.xml.ns import DS, MD, SAML

NS = {"esc": ESC, "ds": DS, "md": MD, "saml": SAML}
ALL_PROFILES = tuple(PROFILES)
KVK = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
BSN = "urn:etoegang:1.12:EntityConcernedID:BSN"


@dataclass
class Env:
    catalogue: bytes
    metadata: bytes
    cert: x509.Certificate
    other_cert: x509.Certificate
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    def cat(self, mutate: Callable[[etree._Element], None]) -> bytes:
        root = etree.fromstring(self.catalogue)
        mutate(root)
        return etree.tostring(root)

    def md(self, mutate: Callable[[etree._Element], None]) -> bytes:
        root = etree.fromstring(self.metadata)
        mutate(root)
        return etree.tostring(root)


@pytest.fixture
def env(fixed_config, golden_at, data_dir) -> Env:
    return Env(
        catalogue=build_catalogue(fixed_config, at=golden_at),
        metadata=build_sp_metadata(fixed_config, "eherkenning", golden_at),
        cert=load_certificate(fixed_config.keys.signing_cert),
        other_cert=load_certificate(data_dir / "other-oin.crt"),
        now=golden_at,
    )


# ---------------------------------------------------------------- helpers on the trees


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.findall(path, NS)
    assert found, path
    return found[0]


def definition(root: etree._Element, n: int) -> etree._Element:
    return root.findall("esc:ServiceProvider/esc:ServiceDefinition", NS)[n]


def instance(root: etree._Element, n: int) -> etree._Element:
    return root.findall("esc:ServiceProvider/esc:ServiceInstance", NS)[n]


def remove(el: etree._Element) -> None:
    el.getparent().remove(el)


def set_text(path: str, value: str, n: int = 0, where: str = "root") -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        base = root if where == "root" else (definition(root, n) if where == "def" else instance(root, n))
        one(base, path).text = value

    return mutate


def replace_certificate(root: etree._Element, cert: x509.Certificate, n: int = 1) -> None:
    kd = one(instance(root, n), "esc:ServiceCertificate/md:KeyDescriptor")
    one(kd, "ds:KeyInfo/ds:KeyName").text = key_name_sha256(cert)
    one(kd, "ds:KeyInfo/ds:X509Data/ds:X509Certificate").text = certificate_b64(cert)


def vergunning_uses_bsn(root: etree._Element) -> None:
    for el in definition(root, 1).findall("esc:EntityConcernedTypesAllowed", NS):
        if el.get("setNumber") == "1" and el.text.endswith("RSIN"):
            el.text = BSN


# ---------------------------------------------------------------- catalogue cases


def _xsd_order(root: etree._Element) -> None:
    d = definition(root, 0)
    name = one(d, "esc:ServiceName")
    d.remove(name)
    d.insert(0, name)


def _signature_broken(env: Env) -> tuple[bytes, dict]:
    return env.cat(set_text("esc:ServiceName", "Iets anders", 0, "def")), {"trusted": [env.cert]}


def _extra_definition(root: etree._Element) -> None:
    d = copy.deepcopy(definition(root, 0))
    one(d, "esc:ServiceUUID").text = str(uuid.uuid4())
    definition(root, 2).addnext(d)


def _duplicate_uuid(root: etree._Element) -> None:
    one(instance(root, 0), "esc:ServiceUUID").text = one(definition(root, 0), "esc:ServiceUUID").text


def _duplicate_service_id(root: etree._Element) -> None:
    one(instance(root, 1), "esc:ServiceID").text = one(instance(root, 0), "esc:ServiceID").text


def _vestiging_without_kvk(root: etree._Element) -> None:
    for el in definition(root, 1).findall("esc:EntityConcernedTypesAllowed", NS):
        el.text = "urn:etoegang:1.9:EntityConcernedID:RSIN"
    remove(definition(root, 1).findall("esc:EntityConcernedTypesAllowed", NS)[1])


def _mixed_setnumbers(root: etree._Element) -> None:
    del definition(root, 1).findall("esc:EntityConcernedTypesAllowed", NS)[2].attrib["setNumber"]


def _identifying_attribute(root: etree._Element) -> None:
    one(definition(root, 1), "esc:RequestedAttribute").set("Name", KVK)


def _empty_purpose(root: etree._Element) -> None:
    for p in definition(root, 1).iterfind(".//esc:PurposeStatement", NS):
        p.text = ""


def _no_privacy(root: etree._Element) -> None:
    for el in instance(root, 1).findall("esc:PrivacyPolicyURL", NS):
        remove(el)


def _no_service_url(root: etree._Element) -> None:
    for el in instance(root, 0).findall("esc:ServiceURL", NS):
        remove(el)


def _eidas_kvk(root: etree._Element) -> None:
    one(definition(root, 2), "esc:EntityConcernedTypesAllowed").text = KVK


def _no_eidas(root: etree._Element) -> None:
    remove(one(instance(root, 2), "esc:Classifiers"))


def _three_certs(root: etree._Element) -> None:
    holder = one(instance(root, 0), "esc:ServiceCertificate")
    holder.addnext(copy.deepcopy(holder))
    holder.addnext(copy.deepcopy(holder))


def _sso_loa4(root: etree._Element) -> None:
    one(definition(root, 1), "saml:AuthnContextClassRef").text = "urn:etoegang:core:assurance-class:loa4"
    one(instance(root, 1), "esc:SSOSupport").text = "true"


def _eidas_shares_definition(root: etree._Element) -> None:
    one(instance(root, 2), "esc:InstanceOfService").text = one(definition(root, 1), "esc:ServiceUUID").text


def _eidas_same_name(root: etree._Element) -> None:
    one(definition(root, 2), "esc:ServiceName").text = one(definition(root, 1), "esc:ServiceName").text


def _no_en_service_url(root: etree._Element) -> None:
    remove(instance(root, 0).findall("esc:ServiceURL", NS)[1])


def _no_description_url(root: etree._Element) -> None:
    for el in definition(root, 0).findall("esc:ServiceDescriptionURL", NS):
        remove(el)


def _empty_signature(root: etree._Element) -> None:
    """A ds:Signature holding nothing: no SignedInfo, no DigestValue, no SignatureValue."""
    sig = one(root, "ds:Signature")
    for child in list(sig):
        sig.remove(child)


def _no_setnumber(root: etree._Element) -> None:
    del one(definition(root, 0), "esc:EntityConcernedTypesAllowed").attrib["setNumber"]


def _additional_broker(root: etree._Element) -> None:
    hm = one(instance(root, 0), "esc:HerkenningsmakelaarId")
    extra = etree.Element(f"{{{ESC}}}AdditionalHerkenningsmakelaarId")
    extra.text = "00000009999999990000"
    hm.addnext(extra)


def _bsn_other_cert(env: Env) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        vergunning_uses_bsn(root)
        replace_certificate(root, env.other_cert)

    return mutate


CATALOGUE_CASES: dict[str, Callable[[Env], tuple[bytes, dict]]] = {
    "CAT-XSD": lambda e: (e.cat(_xsd_order), {}),
    "CAT-SIGNATURE": lambda e: (e.cat(lambda r: remove(one(r, "ds:Signature"))), {}),
    "CAT-SIGNATURE-VALID": _signature_broken,
    "CAT-SIGNATURE-SHAPE": lambda e: (e.cat(_empty_signature), {}),
    "CAT-LENGTH": lambda e: (e.cat(set_text("esc:ServiceName", "x" * 65, 0, "def")), {}),
    "CAT-LANG": lambda e: (e.cat(lambda r: remove(definition(r, 0).findall("esc:ServiceName", NS)[1])), {}),
    "CAT-OIN": lambda e: (e.cat(set_text("esc:HerkenningsmakelaarId", "123", 0, "def")), {}),
    "CAT-UUID-FORMAT": lambda e: (e.cat(set_text("esc:ServiceUUID", "not-a-uuid", 0, "def")), {}),
    "CAT-UUID-UNIQUE": lambda e: (e.cat(_duplicate_uuid), {}),
    "CAT-SERVICEID": lambda e: (
        e.cat(set_text("esc:ServiceID", "urn:etoegang:DV:00000009999999990000:services:1", 0, "inst")),
        {},
    ),
    "CAT-INDEX-UNIQUE": lambda e: (e.cat(_duplicate_service_id), {}),
    "CAT-INSTANCE-OF": lambda e: (e.cat(set_text("esc:InstanceOfService", str(uuid.uuid4()), 0, "inst")), {}),
    "CAT-DEFINITION-USED": lambda e: (e.cat(_extra_definition), {}),
    "CAT-LOA": lambda e: (e.cat(set_text("saml:AuthnContextClassRef", "urn:example:loa", 0, "def")), {}),
    "CAT-LOA1": lambda e: (
        e.cat(set_text("saml:AuthnContextClassRef", "urn:etoegang:core:assurance-class:loa1", 0, "def")),
        {},
    ),
    "CAT-BSN-LOA": lambda e: (e.cat(set_text("esc:EntityConcernedTypesAllowed", BSN, 0, "def")), {}),
    "CAT-ECTA-KNOWN": lambda e: (
        e.cat(set_text("esc:EntityConcernedTypesAllowed", "urn:etoegang:1.9:EntityConcernedID:Foo", 0, "def")),
        {},
    ),
    "CAT-ECTA-SETS": lambda e: (e.cat(_mixed_setnumbers), {}),
    "CAT-IDENTIFYING-ATTR": lambda e: (e.cat(_identifying_attribute), {}),
    "CAT-VESTIGING-KVK": lambda e: (e.cat(_vestiging_without_kvk), {}),
    "CAT-PURPOSE": lambda e: (e.cat(_empty_purpose), {}),
    "CAT-PRIVACY-URL": lambda e: (e.cat(_no_privacy), {}),
    "CAT-SERVICE-URL": lambda e: (e.cat(_no_service_url), {}),
    "CAT-CLASSIFIER": lambda e: (e.cat(set_text("esc:Classifiers/esc:Classifier", "eIDAS-outbound", 2, "inst")), {}),
    "CAT-EIDAS-IDENTIFIERS": lambda e: (e.cat(_eidas_kvk), {}),
    "CAT-EIDAS-COUNTERPART": lambda e: (e.cat(_no_eidas), {}),
    "CAT-HM-ID": lambda e: (e.cat(set_text("esc:HerkenningsmakelaarId", "00000009999999990000", 0, "inst")), {}),
    "CAT-CERT": lambda e: (
        e.cat(set_text("esc:ServiceCertificate/md:KeyDescriptor/ds:KeyInfo/ds:KeyName", "abc", 0, "inst")),
        {},
    ),
    "CAT-CERT-VALIDITY": lambda e: (e.catalogue, {"now": datetime(2040, 1, 1, tzinfo=UTC)}),
    "CAT-CERT-OIN": lambda e: (e.cat(lambda r: replace_certificate(r, e.other_cert)), {}),
    "CAT-CERT-COUNT": lambda e: (e.cat(_three_certs), {}),
    "CAT-BSNK": lambda e: (e.cat(vergunning_uses_bsn), {}),
    "CAT-SSO-LOA4": lambda e: (e.cat(_sso_loa4), {}),
    "CAT-VERSION": lambda e: (e.cat(lambda r: r.set(f"{{{ESC}}}Version", "urn:example:v1")), {}),
    "KPN-EIDAS-DEFINITION": lambda e: (e.cat(_eidas_shares_definition), {}),
    "KPN-EIDAS-TEXT": lambda e: (e.cat(_eidas_same_name), {}),
    "SIGNICAT-BILINGUAL-URLS": lambda e: (e.cat(_no_en_service_url), {}),
    "SIGNICAT-DESCRIPTION-URL": lambda e: (e.cat(_no_description_url), {}),
    "SIGNICAT-SETNUMBER": lambda e: (e.cat(_no_setnumber), {}),
    "ONEWELCOME-ONE-BROKER": lambda e: (e.cat(_additional_broker), {}),
    "DIGIDENTITY-BSN-CERT": lambda e: (e.cat(_bsn_other_cert(e)), {}),
}

# ---------------------------------------------------------------- metadata cases


def _sp(root: etree._Element) -> etree._Element:
    return one(root, "md:SPSSODescriptor")


def _kd_after_acs(root: etree._Element) -> None:
    sp = _sp(root)
    kd = one(sp, "md:KeyDescriptor")
    sp.remove(kd)
    one(sp, "md:AssertionConsumerService").addnext(kd)


def _nameidformat(root: etree._Element) -> None:
    el = etree.Element(f"{{{MD}}}NameIDFormat")
    el.text = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    one(_sp(root), "md:AssertionConsumerService").addprevious(el)


def _two_key_descriptors(root: etree._Element) -> None:
    kd = one(_sp(root), "md:KeyDescriptor")
    kd.addnext(copy.deepcopy(kd))


def _metadata_signature_broken(env: Env) -> tuple[bytes, dict]:
    return env.md(lambda r: one(r, ".//md:ServiceName").__setattr__("text", "Anders")), {"trusted": [env.cert]}


def _identifying_requested(root: etree._Element) -> None:
    acs = one(_sp(root), "md:AttributeConsumingService")
    etree.SubElement(acs, f"{{{MD}}}RequestedAttribute").set("Name", KVK)


def _sso_on_first_instance(root: etree._Element) -> None:
    """SSOSupport on the first service, while the metadata publishes no SingleLogoutService."""
    root.find(".//esc:ServiceInstance/esc:SSOSupport", NS).text = "true"


def _mixed_groups(env: Env) -> tuple[bytes, dict]:
    return env.extra["mixed_metadata"], {"catalogue": env.catalogue}


METADATA_CASES: dict[str, Callable[[Env], tuple[bytes, dict]]] = {
    "META-XSD": lambda e: (e.md(_kd_after_acs), {}),
    "META-SIGNATURE": lambda e: (e.md(lambda r: remove(one(r, "ds:Signature"))), {}),
    "META-SIGNATURE-VALID": _metadata_signature_broken,
    "META-SIGNATURE-SHAPE": lambda e: (e.md(_empty_signature), {}),
    "META-ENTITYID": lambda e: (e.md(lambda r: r.set("entityID", "https://sp.example/metadata")), {}),
    "META-SPSSO": lambda e: (e.md(lambda r: _sp(r).set("AuthnRequestsSigned", "false")), {}),
    "META-NAMEIDFORMAT": lambda e: (e.md(_nameidformat), {}),
    "META-KEYDESCRIPTOR-USE": lambda e: (e.md(lambda r: one(_sp(r), "md:KeyDescriptor").set("use", "signing")), {}),
    "META-KEYNAME": lambda e: (
        e.md(lambda r: setattr(one(_sp(r), "md:KeyDescriptor/ds:KeyInfo/ds:KeyName"), "text", "abc")),
        {},
    ),
    "META-ONE-CERT": lambda e: (e.md(_two_key_descriptors), {}),
    "META-CERT-VALIDITY": lambda e: (e.metadata, {"now": datetime(2040, 1, 1, tzinfo=UTC)}),
    "META-NO-VALIDITY": lambda e: (e.md(lambda r: r.set("cacheDuration", "P7D")), {}),
    "META-ACS": lambda e: (
        e.md(
            lambda r: one(_sp(r), "md:AssertionConsumerService").set(
                "Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
            )
        ),
        {},
    ),
    "META-ATTRCS": lambda e: (e.md(lambda r: one(_sp(r), "md:AttributeConsumingService").attrib.pop("isDefault")), {}),
    "META-SERVICEID": lambda e: (
        e.md(
            lambda r: one(_sp(r), "md:AttributeConsumingService/md:RequestedAttribute").set(
                "Name", "urn:etoegang:DV:00000001234567890000:services:99"
            )
        ),
        {},
    ),
    "META-IDENTIFYING-ATTR": lambda e: (e.md(_identifying_requested), {}),
    "META-SERVICE-NAME": lambda e: (
        e.md(lambda r: remove(_sp(r).findall("md:AttributeConsumingService/md:ServiceName", NS)[1])),
        {},
    ),
    "META-CONTACT": lambda e: (e.md(lambda r: remove(one(r, "md:ContactPerson"))), {}),
    "META-ORGANIZATION": lambda e: (e.md(lambda r: remove(one(r, "md:Organization"))), {}),
    "KPN-SPLIT-METADATA": _mixed_groups,
    "ONEWELCOME-ONE-CERT": lambda e: (e.md(_two_key_descriptors), {}),
    "META-SSO-SLO": lambda e: (e.metadata, {"catalogue": e.cat(_sso_on_first_instance)}),
}


def _validate(document: str, data: bytes, env: Env, **kwargs: Any):
    options: dict[str, Any] = {"profiles": ALL_PROFILES, "now": env.now} | kwargs
    if document == "catalogue":
        return validate_catalogue(data, **options)
    options.setdefault("catalogue", env.catalogue)
    return validate_sp_metadata(data, **options)


def _same_setting(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The passing example keeps trust but is checked at the normal moment, with the built catalogue."""
    return {k: v for k, v in kwargs.items() if k not in ("now", "catalogue")}


@pytest.fixture
def mixed_env(env, make_config, fixed_text, golden_at) -> Env:
    """The example with the eIDAS service published in the eHerkenning metadata (what KPN refuses)."""
    text = fixed_text.replace(
        '[[metadata_groups]]\nname = "eidas"\nentity_id = "urn:etoegang:DV:00000001234567890000:entities:1"\n', ""
    )
    text = text.replace("eidas = true\n", 'eidas = true\nmetadata_group = "eherkenning"\n')
    config = make_config(text)
    env.extra["mixed_metadata"] = build_sp_metadata(config, "eherkenning", golden_at)
    return env


def test_every_rule_has_a_failing_case():
    registered = {r.id for r in REGISTRY.all_rules()}
    covered = set(CATALOGUE_CASES) | set(METADATA_CASES)
    assert registered == covered


@pytest.mark.parametrize("document", ["catalogue", "metadata"])
def test_built_documents_pass_every_rule(env, document):
    data = env.catalogue if document == "catalogue" else env.metadata
    report = _validate(document, data, env, trusted=[env.cert])
    assert report.findings == [], report.to_json()
    assert report.notes == []


@pytest.mark.parametrize("rule_id", sorted(CATALOGUE_CASES))
def test_catalogue_rule(env, rule_id):
    data, kwargs = CATALOGUE_CASES[rule_id](env)
    failing = _validate("catalogue", data, env, **kwargs)
    assert rule_id in failing.rule_ids(), failing.to_json()
    hit = next(f for f in failing.findings if f.rule == rule_id)
    assert hit.path.startswith("/") or hit.path.startswith("line")
    assert hit.message and hit.source
    passing = _validate("catalogue", env.catalogue, env, **_same_setting(kwargs))
    assert rule_id not in passing.rule_ids()


@pytest.mark.parametrize("rule_id", sorted(METADATA_CASES))
def test_metadata_rule(mixed_env, rule_id):
    env = mixed_env
    data, kwargs = METADATA_CASES[rule_id](env)
    failing = _validate("metadata", data, env, **kwargs)
    assert rule_id in failing.rule_ids(), failing.to_json()
    passing = _validate("metadata", env.metadata, env, **_same_setting(kwargs))
    assert rule_id not in passing.rule_ids()


def test_profile_rules_only_with_their_profile(env):
    data, _ = CATALOGUE_CASES["SIGNICAT-SETNUMBER"](env)
    assert "SIGNICAT-SETNUMBER" not in validate_catalogue(data, now=env.now).rule_ids()
    assert "SIGNICAT-SETNUMBER" in validate_catalogue(data, now=env.now, profiles=["signicat"]).rule_ids()


def test_kpn_split_needs_the_catalogue(mixed_env):
    report = validate_sp_metadata(mixed_env.extra["mixed_metadata"], profiles=["kpn"], now=mixed_env.now)
    assert "KPN-SPLIT-METADATA" not in report.rule_ids()
    assert any("--catalogue" in note for note in report.notes)


def test_unreadable_documents_are_findings(env):
    report = validate_catalogue(b"<not xml", now=env.now)
    assert not report.ok and report.findings[0].rule == "CAT-XSD"
    report = validate_catalogue(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', now=env.now)
    assert not report.ok
    report = validate_catalogue(env.metadata, now=env.now)
    assert "the root element is not esc:ServiceCatalogue" in report.findings[0].message
    report = validate_sp_metadata(b"", now=env.now)
    assert report.findings[0].rule == "META-XSD"


def test_unknown_profile(env):
    from ehkit.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        validate_catalogue(env.catalogue, profiles=["acme"])
    assert exc.value.reason == "profile_unknown"


def test_example_as_shipped_passes_every_profile(fresh_config):
    now = datetime.now(UTC)
    catalogue = build_catalogue(fresh_config, at=now)
    cert = load_certificate(fresh_config.keys.signing_cert)
    report = validate_catalogue(catalogue, profiles=ALL_PROFILES, trusted=[cert])
    assert report.findings == [], report.to_json()
    for group in fresh_config.service_groups():
        metadata = build_sp_metadata(fresh_config, group, now)
        report = validate_sp_metadata(metadata, profiles=ALL_PROFILES, trusted=[cert], catalogue=catalogue)
        assert report.findings == [], report.to_json()
        assert report.notes == []


# ---------------------------------------------------------------- structurally broken signatures


def _drop(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        remove(one(one(root, "ds:Signature"), path))

    return mutate


def _blank(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        one(one(root, "ds:Signature"), path).text = ""

    return mutate


def _attribute(root: etree._Element) -> None:
    one(root, "ds:Signature/ds:SignedInfo").set("Evil", "1")


def _reference_elsewhere(root: etree._Element) -> None:
    one(root, "ds:Signature/ds:SignedInfo/ds:Reference").set("URI", "#_other")


BROKEN_SIGNATURES = {
    "empty": (_empty_signature, "signature_profile"),
    "no-digest-value": (_drop("ds:SignedInfo/ds:Reference/ds:DigestValue"), "signature_profile"),
    "no-signature-value": (_drop("ds:SignatureValue"), "signature_profile"),
    "blank-signature-value": (_blank("ds:SignatureValue"), "signature_invalid"),
    "blank-digest-value": (_blank("ds:SignedInfo/ds:Reference/ds:DigestValue"), "signature_invalid"),
    "unknown-attribute": (_attribute, "signature_attribute_unknown"),
    "reference-elsewhere": (_reference_elsewhere, "signature_reference"),
}


@pytest.mark.parametrize("with_cert", [False, True], ids=["without-cert", "with-cert"])
@pytest.mark.parametrize("broken", sorted(BROKEN_SIGNATURES))
def test_structurally_broken_catalogue_signature_is_an_error(env, broken, with_cert):
    """Issue 19.5: with or without --cert, an empty or malformed ds:Signature fails validation."""
    mutate, reason = BROKEN_SIGNATURES[broken]
    report = validate_catalogue(env.cat(mutate), now=env.now, trusted=[env.cert] if with_cert else None)
    assert not report.ok
    hits = [f for f in report.findings if f.rule == "CAT-SIGNATURE-SHAPE"]
    assert len(hits) == 1, report.to_json()
    assert f"({reason})" in hits[0].message
    # with --cert the cryptographic check fails as well, as it always did
    assert ("CAT-SIGNATURE-VALID" in report.rule_ids()) is with_cert


@pytest.mark.parametrize("broken", ["empty", "no-signature-value", "unknown-attribute"])
def test_structurally_broken_metadata_signature_is_an_error(env, broken):
    mutate, reason = BROKEN_SIGNATURES[broken]
    report = validate_sp_metadata(env.md(mutate), now=env.now, catalogue=env.catalogue)
    hits = [f for f in report.findings if f.rule == "META-SIGNATURE-SHAPE"]
    assert len(hits) == 1 and f"({reason})" in hits[0].message, report.to_json()
    assert not report.ok


# ---------------------------------------------------------------- damaged certificates (issue 19.3)


@pytest.mark.parametrize("damage", ["unknown-key-algorithm", "damaged-subject", "bad-version"])
def test_damaged_service_certificate_is_a_finding_not_an_exception(env, damage):
    """UnsupportedAlgorithm and ValueError escaped from CAT-CERT and CAT-CERT-OIN before."""
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    from support.damaged_certificates import DAMAGE

    der = DAMAGE[damage](env.cert.public_bytes(Encoding.DER))

    def mangle(root):
        kd = one(instance(root, 0), "esc:ServiceCertificate/md:KeyDescriptor")
        one(kd, "ds:KeyInfo/ds:X509Data/ds:X509Certificate").text = base64.b64encode(der).decode()

    report = validate_catalogue(env.cat(mangle), now=env.now, trusted=[env.cert])
    hits = [f for f in report.findings if f.rule == "CAT-CERT"]
    assert hits and "not a usable certificate" in hits[0].message, report.to_json()
