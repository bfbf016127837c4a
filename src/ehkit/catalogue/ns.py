"""Namespaces and fixed values of the service catalogue and SP metadata."""

from __future__ import annotations

from ehkit.domain.urns import SERVICE_CATALOG_NS
from ehkit.xml.ns import DS, MD, SAML, XML, q

ESC = SERVICE_CATALOG_NS  # urn:etoegang:1.13:service-catalog, unchanged up to AS 1.24

CATALOGUE_NSMAP = {"esc": ESC, "ds": DS, "md": MD, "saml": SAML}
METADATA_NSMAP = {"md": MD, "ds": DS}

XML_LANG = q(XML, "lang")

EIDAS_INBOUND = "eIDAS-inbound"
KNOWN_CLASSIFIERS = frozenset({EIDAS_INBOUND})

ARTIFACT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SAML_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


def esc(local: str) -> str:
    return q(ESC, local)


def md(local: str) -> str:
    return q(MD, local)


def saml(local: str) -> str:
    return q(SAML, local)


def ds(local: str) -> str:
    return q(DS, local)
