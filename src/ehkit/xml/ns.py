"""Namespace URIs and Clark-notation tag names used throughout ehkit.

Elements are always matched by (namespace URI, local name), never by prefix:
prefixes are chosen by the sender and an attacker can rebind them.
"""

from __future__ import annotations

DS = "http://www.w3.org/2000/09/xmldsig#"
DSIG_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"
XACML_SAML = "urn:oasis:xacml:2.0:saml:assertion:schema:os"
XACML_CONTEXT = "urn:oasis:names:tc:xacml:2.0:context:schema:os"
XINCLUDE = "http://www.w3.org/2001/XInclude"
XML = "http://www.w3.org/XML/1998/namespace"


def q(ns: str, local: str) -> str:
    """Clark notation ``{ns}local`` as lxml uses it."""
    return "{" + ns + "}" + local


# Frequently used tags, precomputed to keep hot paths free of string building.
DS_SIGNATURE = q(DS, "Signature")
DS_SIGNED_INFO = q(DS, "SignedInfo")
DS_SIGNATURE_VALUE = q(DS, "SignatureValue")
DS_KEY_INFO = q(DS, "KeyInfo")
DS_KEY_NAME = q(DS, "KeyName")
DS_X509_DATA = q(DS, "X509Data")
DS_X509_CERTIFICATE = q(DS, "X509Certificate")
DS_REFERENCE = q(DS, "Reference")
DS_TRANSFORMS = q(DS, "Transforms")
DS_TRANSFORM = q(DS, "Transform")
DS_DIGEST_METHOD = q(DS, "DigestMethod")
DS_DIGEST_VALUE = q(DS, "DigestValue")
DS_C14N_METHOD = q(DS, "CanonicalizationMethod")
DS_SIGNATURE_METHOD = q(DS, "SignatureMethod")
DS_RETRIEVAL_METHOD = q(DS, "RetrievalMethod")
EC_INCLUSIVE_NAMESPACES = q(EXC_C14N, "InclusiveNamespaces")
XENC_ENCRYPTED_DATA = q(XENC, "EncryptedData")
XENC_ENCRYPTED_KEY = q(XENC, "EncryptedKey")
XENC_ENCRYPTION_METHOD = q(XENC, "EncryptionMethod")
XENC_CIPHER_DATA = q(XENC, "CipherData")
XENC_CIPHER_VALUE = q(XENC, "CipherValue")
XENC_REFERENCE_LIST = q(XENC, "ReferenceList")
XENC_DATA_REFERENCE = q(XENC, "DataReference")
XENC_CARRIED_KEY_NAME = q(XENC, "CarriedKeyName")
XENC11_MGF = q(XENC11, "MGF")
SAML_ISSUER = q(SAML, "Issuer")
