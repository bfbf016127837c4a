"""The only package that performs XML security: hardened parsing, the strict
signature profile and XML Encryption. Everything else calls into it."""

from ehkit.xml.encryption import (
    DecryptionKey,
    DecryptionPolicy,
    EncryptionRecipient,
    PrivateKeyCounter,
    decrypt_element,
    decryption_policy,
    encrypt_element,
    serialize_standalone,
)
from ehkit.xml.parse import DEFAULT_LIMITS, ParsedDocument, ParseLimits, element_text, parse_document, parse_xml
from ehkit.xml.signature import (
    VerifiedSignature,
    canonicalize,
    check_signature_shape,
    find_signature,
    sign_element,
    verify_element,
)
from ehkit.xml.trust import TrustedKey, TrustSet, certificate_key_names

__all__ = [
    "DEFAULT_LIMITS",
    "DecryptionKey",
    "DecryptionPolicy",
    "EncryptionRecipient",
    "ParseLimits",
    "ParsedDocument",
    "PrivateKeyCounter",
    "TrustSet",
    "TrustedKey",
    "VerifiedSignature",
    "canonicalize",
    "certificate_key_names",
    "check_signature_shape",
    "decrypt_element",
    "decryption_policy",
    "element_text",
    "encrypt_element",
    "find_signature",
    "parse_document",
    "parse_xml",
    "serialize_standalone",
    "sign_element",
    "verify_element",
]
