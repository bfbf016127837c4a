"""Every stable reason code in one registry.

A rejection anywhere in ehkit carries a ``reason`` (see :mod:`ehkit.errors`).
Web layers, integrations and the OIDC relying party need to know what kind of
failure a reason is (retry later, the user cancelled, refuse) without matching
strings; operators need one table of what each code means. Both come from
here: the documentation's Reason codes page is generated from this table when
the site is built (tools/docgen.py), and a test keeps
every reason literal in the source registered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["REASONS", "ReasonInfo", "ReasonKind", "UserOutcome", "describe", "kind_of", "outcome"]


class ReasonKind(StrEnum):
    """What a failure says about the message or the set-up."""

    AUTHENTICITY = "authenticity"
    """The message could not be shown to come unchanged from the broker: treat it as an attack."""
    POLICY = "policy"
    """Authentic, but not acceptable for this login (level, time window, audience, identifiers)."""
    BROKER_STATUS = "broker_status"
    """The broker itself reported a failure."""
    CANCELLED = "cancelled"
    """The user cancelled at the broker."""
    UNAVAILABLE = "unavailable"
    """A dependency (broker, metadata, state store) did not answer: try again later."""
    INPUT = "input"
    """Bad input to a tool rather than a login: a file, a CLI argument, a pasted message."""
    CONFIG = "config"
    """The configuration or key material cannot be used; fix the set-up."""


UserOutcome = Literal["cancelled", "unavailable", "refused"]


class ReasonInfo:
    __slots__ = ("code", "kind", "text")

    def __init__(self, code: str, kind: ReasonKind, text: str) -> None:
        self.code = code
        self.kind = kind
        self.text = text

    def __repr__(self) -> str:
        return f"ReasonInfo({self.code!r}, {self.kind.value}, {self.text!r})"


K = ReasonKind

_TABLE: dict[str, tuple[ReasonKind, str]] = {
    "acting_subject_missing": (
        K.POLICY,
        "no (unambiguous) legal subject, a second identifier of its type disagreeing, no acting person",
    ),
    "artifact_malformed": (K.AUTHENTICITY, "SAMLart is not 44 bytes of base64, or not type 0x0004"),
    "artifact_not_resolved": (K.BROKER_STATUS, "ArtifactResponse status is not Success"),
    "artifact_resolution_endpoint": (K.CONFIG, "the resolution URL is not https (plain http only to loopback)"),
    "artifact_resolution_failed": (K.UNAVAILABLE, "no connection after one retry, or another transport error"),
    "artifact_resolution_http": (K.UNAVAILABLE, "the broker answered with an HTTP status other than 200"),
    "artifact_resolution_timeout": (
        K.UNAVAILABLE,
        "the broker did not answer in time, or not within the exchange deadline (not retried: the artifact may be spent)",
    ),
    "artifact_resolve_malformed": (
        K.AUTHENTICITY,
        "an ArtifactResolve (at the simulator) is not one well-formed, signed request",
    ),
    "artifact_response_empty": (K.AUTHENTICITY, "ArtifactResponse carries several messages, or none"),
    "artifact_response_malformed": (K.AUTHENTICITY, "ArtifactResponse carries several messages, or none"),
    "artifact_response_mismatch": (K.AUTHENTICITY, "ArtifactResponse InResponseTo is not our ArtifactResolve"),
    "artifact_source_unknown": (K.AUTHENTICITY, "SAMLart SourceID is not our broker's (no connection is made)"),
    "artifact_type": (K.AUTHENTICITY, "SAMLart is not 44 bytes of base64, or not type 0x0004"),
    "assertion_count": (K.AUTHENTICITY, "not exactly one top-level Assertion in a Success response"),
    "assertion_wrapping": (
        K.AUTHENTICITY,
        "an Assertion outside the signed Assertion's Advice, or a verified element not in its place",
    ),
    "assess_answers_invalid": (
        K.INPUT,
        "an answers file for the level assessment has wrong or missing answers; the message lists each",
    ),
    "assess_apply": (K.INPUT, "the assessed levels cannot be written into the configuration file"),
    "assess_rules_invalid": (K.CONFIG, "the packaged assessment rules table is malformed (a bug in ehkit)"),
    "attribute_duplicate": (
        K.POLICY,
        "an attribute name twice (also with other NameFormat, or two aliases of one URN)",
    ),
    "attribute_missing": (K.POLICY, "ServiceID or ServiceUUID absent"),
    "attribute_multivalued": (K.POLICY, "an identifier or service attribute with several values, or of the wrong kind"),
    "attribute_value_invalid": (
        K.POLICY,
        "an identifier or service attribute with several values, or of the wrong kind",
    ),
    "audience_mismatch": (K.POLICY, "no AudienceRestriction, or one without our EntityID (per metadata group)"),
    "authn_instant_stale": (K.POLICY, "AuthnInstant before our request: an SSO session was reused despite ForceAuthn"),
    "binding_mismatch": (K.POLICY, "the answer came by another response binding than requested"),
    "binding_not_enabled": (K.CONFIG, "a POST response arrived but no post_acs_url is configured"),
    "bsn_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "c14n_failed": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "ca_incomplete": (K.CONFIG, "a test CA directory lacks one of its files"),
    "cancelled": (K.CANCELLED, "status Responder + AuthnFailed: the user cancelled"),
    "certificate_expired": (K.CONFIG, "a certificate has expired"),
    "certificate_not_yet_valid": (K.CONFIG, "a certificate is not valid yet"),
    "certificate_oin_mismatch": (K.CONFIG, "a certificate's subject serialNumber does not carry the expected OIN"),
    "certificate_malformed": (
        K.INPUT,
        "a certificate inside a document (metadata, catalogue, KeyInfo) cannot be read or used",
    ),
    "certificate_unreadable": (K.CONFIG, "a certificate file is not PEM or DER X.509"),
    "certificate_untrusted": (K.CONFIG, "a certificate was not issued by the expected CA"),
    "condition_unsupported": (
        K.POLICY,
        "no Conditions or NotOnOrAfter; odd AudienceRestriction; ProxyRestriction or unknown conditions",
    ),
    "conditions_malformed": (
        K.POLICY,
        "no Conditions or NotOnOrAfter; odd AudienceRestriction; ProxyRestriction or unknown conditions",
    ),
    "conditions_missing": (
        K.POLICY,
        "no Conditions or NotOnOrAfter; odd AudienceRestriction; ProxyRestriction or unknown conditions",
    ),
    "config": (K.CONFIG, "the configuration cannot be used (generic)"),
    "config_invalid": (K.CONFIG, "the configuration does not validate; the message names every wrong field"),
    "config_not_found": (K.CONFIG, "the configuration file does not exist"),
    "config_unreadable": (K.CONFIG, "the configuration file cannot be read or is not TOML"),
    "data_not_found": (K.INPUT, "a simulator test-data file does not exist"),
    "data_unreadable": (K.INPUT, "a simulator test-data file cannot be read or does not validate"),
    "days_invalid": (K.INPUT, "a validity period in days is out of range"),
    "decryption_failed": (
        K.AUTHENTICITY,
        "one error for every failure after the RSA operation started (key, padding, tag, plaintext XML), so no oracle",
    ),
    "destination_mismatch": (K.POLICY, "Response Destination missing or not our ACS"),
    "duplicate_id": (K.AUTHENTICITY, "two elements share an ID (ID, Id, id or xml:id)"),
    "dv_catalogue_invalid": (K.INPUT, "a DV service catalogue given to the simulator is not acceptable"),
    "dv_catalogue_signature": (
        K.INPUT,
        "a DV service catalogue given to the simulator has an empty, malformed or foreign ds:Signature",
    ),
    "dv_catalogue_unmatched": (K.INPUT, "a DV service catalogue names no service of the loaded SP metadata"),
    "dv_metadata_invalid": (K.INPUT, "DV SP metadata given to the simulator is not acceptable"),
    "dv_metadata_signature": (K.INPUT, "DV SP metadata given to the simulator has a signature that does not verify"),
    "dv_source_unreachable": (
        K.UNAVAILABLE,
        "a DV metadata or catalogue URL given to the simulator could not be fetched",
    ),
    "dv_source_unreadable": (K.INPUT, "a DV metadata or catalogue file given to the simulator cannot be read"),
    "eidas_identifier_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "encrypted_assertion_unsupported": (K.AUTHENTICITY, "an EncryptedAssertion"),
    "encrypted_attribute_unsupported": (K.POLICY, "an EncryptedAttribute"),
    "encrypted_id_limit": (K.AUTHENTICITY, "more EncryptedIDs than max_encrypted_ids (checked before decrypting)"),
    "encrypted_key_limit": (
        K.AUTHENTICITY,
        "before any RSA operation: too many EncryptedKeys, odd structure, algorithm not allowed (rsa-1_5, CBC when only GCM is), RetrievalMethod outside the message, no EncryptedKey addressed to us",
    ),
    "encryption_algorithm": (
        K.AUTHENTICITY,
        "before any RSA operation: too many EncryptedKeys, odd structure, algorithm not allowed (rsa-1_5, CBC when only GCM is), RetrievalMethod outside the message, no EncryptedKey addressed to us",
    ),
    "encryption_external_reference": (
        K.AUTHENTICITY,
        "before any RSA operation: too many EncryptedKeys, odd structure, algorithm not allowed (rsa-1_5, CBC when only GCM is), RetrievalMethod outside the message, no EncryptedKey addressed to us",
    ),
    "encryption_no_key_for_us": (
        K.AUTHENTICITY,
        "before any RSA operation: too many EncryptedKeys, odd structure, algorithm not allowed (rsa-1_5, CBC when only GCM is), RetrievalMethod outside the message, no EncryptedKey addressed to us",
    ),
    "encryption_structure": (
        K.AUTHENTICITY,
        "before any RSA operation: too many EncryptedKeys, odd structure, algorithm not allowed (rsa-1_5, CBC when only GCM is), RetrievalMethod outside the message, no EncryptedKey addressed to us",
    ),
    "entity_id_invalid": (K.INPUT, "an EntityID is not urn:etoegang:<ROLE>:<OIN>:entities:<index>"),
    "error": (K.INPUT, "generic ehkit error (base class)"),
    "flow_finished": (K.INPUT, "a simulator login session is already completed"),
    "flow_incomplete": (K.INPUT, "a simulator login session has not reached this step yet"),
    "flow_unknown": (K.INPUT, "a simulator login session is unknown or expired"),
    "identifier_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "identifier_not_encrypted": (
        K.POLICY,
        'an identifier arrived as a plain NameID/attribute while require_encrypted_identifiers is on (the default; see "Decisions")',
    ),
    "identifier_type_not_allowed": (
        K.POLICY,
        "NameQualifier is not a known identifier type, or not one the service accepts (acting person: Pseudo, PseudoID, BSN; intermediary: KvK)",
    ),
    "identifier_type_unknown": (
        K.POLICY,
        "NameQualifier is not a known identifier type, or not one the service accepts (acting person: Pseudo, PseudoID, BSN; intermediary: KvK)",
    ),
    "in_response_to_mismatch": (K.POLICY, "SubjectConfirmationData InResponseTo differs from the Response's"),
    "in_response_to_unknown": (K.POLICY, "no pending request with that ID (unknown, already used, long expired)"),
    "inspect_empty": (K.INPUT, "ehkit inspect got empty input"),
    "inspect_input": (K.INPUT, "ehkit inspect cannot read its input"),
    "inspect_no_message": (K.INPUT, "the URL or form holds no SAMLRequest, SAMLResponse or SAMLart"),
    "inspect_unrecognised": (K.INPUT, "the input is not XML, base64, a URL or a form body"),
    "invalid_client": (K.INPUT, "OIDC at the simulator: the authorization request names an unregistered client"),
    "invalid_request": (
        K.INPUT,
        "OIDC at the simulator: the authorization request is malformed (a parameter twice, an unregistered redirect URI)",
    ),
    "invalid_value": (K.INPUT, "a value (identifier, level, field) has the wrong form"),
    "issue_instant_invalid": (K.POLICY, "an IssueInstant is in the future or older than max_message_age"),
    "issuer_malformed": (K.AUTHENTICITY, "an Issuer is absent, not the broker, or carries Format/qualifiers"),
    "issuer_mismatch": (K.AUTHENTICITY, "an Issuer is absent, not the broker, or carries Format/qualifiers"),
    "issuer_missing": (K.AUTHENTICITY, "an Issuer is absent, not the broker, or carries Format/qualifiers"),
    "issuer_unknown": (K.AUTHENTICITY, "a request's Issuer is missing or not a known party"),
    "key_mismatch": (K.CONFIG, "a private key does not belong to its certificate"),
    "key_not_rsa": (K.CONFIG, "a key is not RSA (PKIoverheid requires RSA)"),
    "key_password_required": (K.CONFIG, "a private key is encrypted but no password was given"),
    "key_password_wrong": (K.CONFIG, "a private key could not be decrypted with the given password"),
    "key_too_small": (K.CONFIG, "a broker certificate in the metadata is below 2048 bits or not RSA"),
    "key_unreadable": (K.CONFIG, "a key file is not a PEM private key"),
    "key_unsupported": (K.CONFIG, "a broker certificate in the metadata is below 2048 bits or not RSA"),
    "kvk_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "legal_subject_conflict": (
        K.POLICY,
        "no (unambiguous) legal subject, a second identifier of its type disagreeing, no acting person",
    ),
    "legal_subject_missing": (
        K.POLICY,
        "no (unambiguous) legal subject, a second identifier of its type disagreeing, no acting person",
    ),
    "loa_above_catalogue": (K.CONFIG, "a requested level is above the service's catalogue level"),
    "loa_eh1_refused": (K.POLICY, "AuthnContextClassRef missing, unknown, or EH1"),
    "loa_invalid": (K.POLICY, "AuthnContextClassRef missing, unknown, or EH1"),
    "loa_too_low": (K.POLICY, "delivered level below the service's"),
    "login_failed": (K.BROKER_STATUS, "any other non-Success status (also with a signed assertion present)"),
    "login_rejected": (K.POLICY, "the SP refuses the login (generic base reason)"),
    "message_base64": (K.AUTHENTICITY, "POST value empty, or not strict standard base64"),
    "message_deflate": (K.AUTHENTICITY, "a Redirect-binding value is not valid raw DEFLATE data"),
    "message_empty": (K.AUTHENTICITY, "POST value empty, or not strict standard base64"),
    "message_missing": (K.AUTHENTICITY, "finish_login got neither or both of SAMLart and SAMLResponse"),
    "message_not_xml": (K.AUTHENTICITY, "POST value is not base64 of XML (deflated, double-encoded, …)"),
    "message_too_large": (K.AUTHENTICITY, "POST value, inflated message or artifact-resolution answer above its limit"),
    "message_type_unexpected": (
        K.AUTHENTICITY,
        "not an ArtifactResponse (artifact binding) or Response (POST), or the ArtifactResponse carries something else",
    ),
    "metadata_entity": (K.AUTHENTICITY, "the broker metadata is not for the configured broker EntityID"),
    "metadata_expired": (K.UNAVAILABLE, "the broker metadata has expired and no valid copy could be loaded"),
    "metadata_invalid": (K.AUTHENTICITY, "the broker metadata breaks the metadata schema or profile"),
    "metadata_malformed": (K.AUTHENTICITY, "the broker metadata is not acceptable XML"),
    "metadata_no_endpoint": (K.CONFIG, "the broker metadata has no endpoint for the binding needed"),
    "metadata_no_keys": (K.AUTHENTICITY, "the broker metadata has no signing certificate"),
    "metadata_signature": (K.AUTHENTICITY, "the broker metadata signature does not verify with the trusted keys"),
    "metadata_unavailable": (K.UNAVAILABLE, "no broker metadata could be fetched or read, and no good copy is cached"),
    "metadata_unsigned": (K.AUTHENTICITY, "the broker metadata is not signed, or no trust for it is configured"),
    "metadata_untrusted": (K.CONFIG, "every pinned metadata certificate has expired or is not yet valid"),
    "metadata_weak_key": (K.AUTHENTICITY, "a broker key in the metadata is below 2048 bits or not RSA"),
    "nameid_invalid": (
        K.POLICY,
        "decrypted content is not one saml:NameID, a NameID holds elements, or an identifier is not persistent",
    ),
    "not_found": (K.INPUT, "the address, service or page does not exist (a 404 page)"),
    "not_logged_in": (K.POLICY, "the page needs a login and the session has none"),
    "oidc_acr_missing": (
        K.POLICY,
        "OIDC: the ID token has no acr (NL GOV), or the claims carry no level where the profile says",
    ),
    "oidc_acr_unknown": (K.POLICY, "OIDC: the level value is not in the claim profile's mapping"),
    "oidc_alg_not_allowed": (
        K.AUTHENTICITY,
        "OIDC: ID token (or userinfo) signed with none, HS*, or an algorithm outside RS256/PS256/ES256, or a key that does not fit it",
    ),
    "oidc_at_hash_mismatch": (K.AUTHENTICITY, "OIDC: the ID token's at_hash does not match the access token"),
    "oidc_audience_mismatch": (K.POLICY, "OIDC: aud lacks our client id, or several audiences without our azp"),
    "oidc_callback_invalid": (
        K.AUTHENTICITY,
        "OIDC: the callback has neither or both of code and error, a parameter twice, or malformed values",
    ),
    "oidc_claim_invalid": (K.POLICY, "OIDC: a claim has the wrong type (a number where a string belongs, a bad time)"),
    "oidc_claim_missing": (K.POLICY, "OIDC: a required ID token claim (sub, exp, iat) is absent"),
    "oidc_client_auth": (K.CONFIG, "OIDC: the client secret or key for the token endpoint cannot be loaded"),
    "oidc_client_invalid": (
        K.INPUT,
        "an OIDC client registration at the simulator (client file or ehkit.toml) is not usable",
    ),
    "oidc_discovery_invalid": (
        K.UNAVAILABLE,
        "OIDC: the discovery document cannot be parsed or lacks what the code flow needs, and no good copy is cached",
    ),
    "oidc_discovery_unavailable": (
        K.UNAVAILABLE,
        "OIDC: the discovery document could not be fetched, and no good copy is cached",
    ),
    "oidc_endpoint_insecure": (K.CONFIG, "OIDC: a provider endpoint is not https (plain http only to loopback)"),
    "oidc_issuer_mismatch": (
        K.AUTHENTICITY,
        "OIDC: the issuer (discovery, ID token or callback iss) is not exactly the configured one",
    ),
    "oidc_jwks_invalid": (
        K.UNAVAILABLE,
        "OIDC: the JWKS cannot be parsed, publishes private keys or holds no usable key, and no good copy is cached",
    ),
    "oidc_jwks_unavailable": (K.UNAVAILABLE, "OIDC: the JWKS could not be fetched, and no good copy is cached"),
    "oidc_key_unknown": (
        K.AUTHENTICITY,
        "OIDC: the ID token's kid is not in the provider's JWKS, also after one refetch",
    ),
    "oidc_nonce_mismatch": (K.AUTHENTICITY, "OIDC: the ID token's nonce is not the one of this login"),
    "oidc_profile_invalid": (K.CONFIG, "OIDC: a claim profile (preset or [broker.oidc.profile]) does not validate"),
    "oidc_profile_unknown": (K.CONFIG, "OIDC: no claim profile preset of that name"),
    "oidc_provider_error": (
        K.BROKER_STATUS,
        "OIDC: the provider answered the authorization with an error other than access_denied",
    ),
    "oidc_rejected": (K.POLICY, "OIDC: the relying party refuses the provider's answer (generic base reason)"),
    "oidc_signature_invalid": (
        K.AUTHENTICITY,
        "OIDC: the ID token's signature does not verify with the provider's key",
    ),
    "oidc_state_unknown": (
        K.AUTHENTICITY,
        "OIDC: the callback's state is missing, malformed, unknown or already used",
    ),
    "oidc_token_error": (
        K.BROKER_STATUS,
        "OIDC: the token endpoint refused the code (invalid_grant, invalid_client, ...)",
    ),
    "oidc_token_expired": (K.POLICY, "OIDC: the ID token's exp has passed, or its iat is older than the allowed age"),
    "oidc_token_malformed": (
        K.AUTHENTICITY,
        "OIDC: the ID token is not a compact JWS of JSON, too large, encrypted, or brings its own key (jku/jwk/x5u) or crit",
    ),
    "oidc_token_not_yet_valid": (K.POLICY, "OIDC: the ID token's iat, nbf or auth_time lies in the future"),
    "oidc_token_response_invalid": (
        K.AUTHENTICITY,
        "OIDC: the token response is not JSON, carries no ID token, or a non-Bearer access token",
    ),
    "oidc_token_unavailable": (
        K.UNAVAILABLE,
        "OIDC: the token endpoint did not answer, timed out or answered HTTP 5xx",
    ),
    "oidc_unavailable": (K.UNAVAILABLE, "OIDC: the provider did not answer usably (generic base reason)"),
    "oidc_userinfo_invalid": (K.AUTHENTICITY, "OIDC: the userinfo answer is not JSON or a valid signed JWT"),
    "oidc_userinfo_sub_mismatch": (K.AUTHENTICITY, "OIDC: the userinfo answer's sub differs from the ID token's"),
    "oidc_userinfo_unavailable": (K.UNAVAILABLE, "OIDC: the userinfo endpoint did not answer or answered HTTP 5xx"),
    "oin_invalid": (K.INPUT, "an OIN is not 20 digits"),
    "profile_unknown": (K.INPUT, "an unknown broker profile was named"),
    "pseudoid_invalid": (K.POLICY, "a PseudoID identifier has the wrong form"),
    "pseudonym_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "recipient_mismatch": (K.POLICY, "SubjectConfirmationData Recipient is not our ACS"),
    "redirect_duplicate_parameter": (K.AUTHENTICITY, "a Redirect-binding query parameter appears twice"),
    "relay_state_invalid": (K.POLICY, "the RelayState token is missing, changed, foreign or longer than 80 bytes"),
    "relay_target_invalid": (K.CONFIG, "a return target is not a relative path on this site"),
    "replay": (K.AUTHENTICITY, "the Response or Assertion ID was seen before"),
    "request_binding_missing": (
        K.AUTHENTICITY,
        "the ACS was reached without this browser's login cookie (started elsewhere, expired, or dropped by SameSite)",
    ),
    "request_expired": (K.POLICY, "the pending request expired (pending_ttl, 15 minutes)"),
    "request_id_duplicate": (K.AUTHENTICITY, "a pending request with this ID already exists"),
    "request_id_mismatch": (K.AUTHENTICITY, "InResponseTo is not the request of this browser session"),
    "request_malformed": (K.AUTHENTICITY, "an AuthnRequest (at the simulator) is malformed"),
    "request_unsupported": (K.BROKER_STATUS, "second-level status RequestUnsupported"),
    "request_unsupported_comparison": (K.AUTHENTICITY, "RequestedAuthnContext Comparison is not minimum"),
    "request_version": (K.AUTHENTICITY, "the message is not a SAML 2.0 AuthnRequest"),
    "response_extensions": (K.AUTHENTICITY, "the Response carries Extensions"),
    "response_malformed": (K.AUTHENTICITY, "required parts missing or repeated (ID, Status, StatusCode, Subject, …)"),
    "role_invalid": (K.INPUT, "an eHerkenning role is not one of DV, HM, AD, MR, BR"),
    "rollover_not_configured": (K.CONFIG, "no [keys.next] is configured for a rollover"),
    "rsin_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "service_id_invalid": (K.INPUT, "a ServiceID is not urn:etoegang:DV:<OIN>:services:<index>"),
    "service_id_mismatch": (K.POLICY, "the broker names another service than requested"),
    "service_uuid_mismatch": (K.POLICY, "the broker names another service than requested"),
    "session_too_large": (K.CONFIG, "the login is too large for the framework's cookie session (too many attributes)"),
    "signature_algorithm": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_attribute_unknown": (
        K.AUTHENTICITY,
        "an element inside a ds:Signature carries an attribute the XMLDSig schema does not give it",
    ),
    "signature_context_unstable": (
        K.CONFIG,
        "a tree to sign canonicalises differently once serialized (refused to sign)",
    ),
    "signature_digest": (K.AUTHENTICITY, "the signed content was changed"),
    "signature_invalid": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_missing": (
        K.AUTHENTICITY,
        "a required signature is absent (ArtifactResponse, Assertion, Response with POST or when configured)",
    ),
    "signature_multiple": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_no_trusted_keys": (K.AUTHENTICITY, "no broker key is usable now (all expired or not yet valid)"),
    "signature_position": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_profile": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_reference": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_text_unexpected": (
        K.AUTHENTICITY,
        "non-whitespace text inside a ds:Signature where only elements belong",
    ),
    "signature_transforms": (
        K.AUTHENTICITY,
        "the signature breaks the strict profile: empty value, extra elements, Reference not to the parent's ID, other transforms, HMAC/SHA-1/other c14n, not in its schema position, two signatures, canonicalisation error",
    ),
    "signature_untrusted": (
        K.AUTHENTICITY,
        "the signature does not verify with any broker key (attacker or other participant key, garbled value)",
    ),
    "soap_fault": (K.BROKER_STATUS, "not one SOAP 1.1 Body with one element, or a SOAP Fault"),
    "soap_malformed": (K.AUTHENTICITY, "not one SOAP 1.1 Body with one element, or a SOAP Fault"),
    "statement_invalid": (K.POLICY, "not exactly one AuthnStatement and one AttributeStatement, or another statement"),
    "status_malformed": (K.AUTHENTICITY, "required parts missing or repeated (ID, Status, StatusCode, Subject, …)"),
    "store_unavailable": (K.UNAVAILABLE, "the state store failed (database or Redis down)"),
    "store_url": (K.CONFIG, "a state-store URL is not memory://, sqlite:/// or redis://"),
    "structure_duplicate": (K.AUTHENTICITY, "required parts missing or repeated (ID, Status, StatusCode, Subject, …)"),
    "structure_missing": (K.AUTHENTICITY, "required parts missing or repeated (ID, Status, StatusCode, Subject, …)"),
    "subdossiernummer_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "subject_confirmation_invalid": (K.POLICY, "not exactly one SubjectConfirmation, not bearer, or no NotOnOrAfter"),
    "time_expired": (K.POLICY, "NotOnOrAfter/NotBefore/SessionNotOnOrAfter/AuthnInstant outside the window"),
    "time_malformed": (
        K.POLICY,
        "an instant is not an xs:dateTime with zone, or is missing (before consumption for IssueInstants, after for the rest)",
    ),
    "time_missing": (
        K.POLICY,
        "an instant is not an xs:dateTime with zone, or is missing (before consumption for IssueInstants, after for the rest)",
    ),
    "time_not_yet_valid": (K.POLICY, "NotOnOrAfter/NotBefore/SessionNotOnOrAfter/AuthnInstant outside the window"),
    "tls_client_cert": (K.CONFIG, "the TLS client certificate or key for artifact resolution cannot be loaded"),
    "tls_host_invalid": (K.INPUT, "a host for a TLS server certificate is neither a host name nor an IP address"),
    "unknown_ad": (K.INPUT, "the simulator knows no such authentication service"),
    "unknown_company": (K.INPUT, "the simulator knows no such company"),
    "unknown_group": (K.INPUT, "no SP metadata group of that name"),
    "unknown_person": (K.INPUT, "the simulator knows no such person"),
    "unknown_service": (K.CONFIG, "no service with that key is configured"),
    "unsolicited": (K.AUTHENTICITY, "the Response has no InResponseTo"),
    "user_unknown": (K.POLICY, "the login maps to no local user and the integration may not create one"),
    "version_unsupported": (K.AUTHENTICITY, "Response, Assertion or ArtifactResponse Version is not 2.0"),
    "vestigingsnummer_invalid": (
        K.POLICY,
        "an identifier has the wrong form (validation on: 8-digit KvK, 12-digit vestigingsnummer, 11-check for RSIN/BSN, base64 BSNk blobs, 64hex@32hex pseudonym, XX/YY/… eIDAS; validation off: only empty/overlong/control characters)",
    ),
    "workspace_auth_failed": (
        K.INPUT,
        "workspace sign-in refused: wrong e-mail address or password (one answer for every cause)",
    ),
    "workspace_data_file": (
        K.INPUT,
        "a workspace data file (brokers.yaml, lead_times.yaml) does not validate; the message names the line",
    ),
    "workspace_conflict": (
        K.INPUT,
        "a workspace record was changed by someone else since the form was opened; nothing was overwritten",
    ),
    "workspace_db_url": (
        K.CONFIG,
        "the workspace --db value is not a supported database URL (sqlite:/// or postgresql://)",
    ),
    "workspace_error": (K.INPUT, "generic workspace error (base class)"),
    "workspace_forbidden": (K.INPUT, "the user's role in the workspace project does not allow this change"),
    "workspace_invalid_input": (
        K.INPUT,
        "a workspace form or import file does not validate; every wrong field is named",
    ),
    "workspace_not_found": (
        K.INPUT,
        "no such workspace record in this project, or the project is not the user's (404)",
    ),
    "xml": (K.AUTHENTICITY, "XML security failure (generic base reason)"),
    "xml_dtd": (K.AUTHENTICITY, "DOCTYPE/entities, processing instruction, XInclude, or not UTF-8"),
    "xml_empty": (
        K.AUTHENTICITY,
        "not XML, or malformed (also libxml2's own nesting limit and invalid namespace URIs)",
    ),
    "xml_encoding": (K.AUTHENTICITY, "DOCTYPE/entities, processing instruction, XInclude, or not UTF-8"),
    "xml_limit": (K.AUTHENTICITY, "an XML limit was exceeded (generic base reason)"),
    "xml_malformed": (
        K.AUTHENTICITY,
        "not XML, or malformed (also libxml2's own nesting limit and invalid namespace URIs)",
    ),
    "xml_not_bytes": (
        K.AUTHENTICITY,
        "not XML, or malformed (also libxml2's own nesting limit and invalid namespace URIs)",
    ),
    "xml_pi": (K.AUTHENTICITY, "DOCTYPE/entities, processing instruction, XInclude, or not UTF-8"),
    "xml_too_deep": (K.AUTHENTICITY, "a parse limit was exceeded"),
    "xml_too_large": (K.AUTHENTICITY, "a parse limit was exceeded"),
    "xml_too_many_assertions": (K.AUTHENTICITY, "more saml:Assertion elements in the document than the profile allows"),
    "xml_too_many_attributes": (
        K.AUTHENTICITY,
        "more saml:Attribute and XACML Attribute elements in the document than the profile allows",
    ),
    "xml_too_many_elements": (K.AUTHENTICITY, "a parse limit was exceeded"),
    "xml_too_many_encrypted_ids": (
        K.AUTHENTICITY,
        "more saml:EncryptedID elements in the document than the profile allows",
    ),
    "xml_too_many_encrypted_keys": (
        K.AUTHENTICITY,
        "more xenc:EncryptedKey elements in the document than the profile allows",
    ),
    "xml_too_many_namespaces": (K.AUTHENTICITY, "a parse limit was exceeded"),
    "xml_too_many_signatures": (
        K.AUTHENTICITY,
        "more ds:Signature elements in the document (anywhere) than the profile allows",
    ),
    "xml_unexpected_child": (K.AUTHENTICITY, "an element that must hold only text holds elements"),
    "xml_xinclude": (K.AUTHENTICITY, "DOCTYPE/entities, processing instruction, XInclude, or not UTF-8"),
    # Single logout (docs/logout.md)
    "logout_rejected": (K.AUTHENTICITY, "a LogoutRequest or LogoutResponse was refused (generic base reason)"),
    "logout_malformed": (K.AUTHENTICITY, "a logout message lacks an ID, a readable NameID/SessionIndex or a parameter"),
    "logout_message_unexpected": (
        K.AUTHENTICITY,
        "a LogoutRequest arrived where a LogoutResponse was expected, or the reverse",
    ),
    "logout_destination_mismatch": (K.POLICY, "a logout message's Destination is missing or not our logout endpoint"),
    "logout_issue_instant_invalid": (
        K.POLICY,
        "a logout message's IssueInstant is in the future or too old, or it expired",
    ),
    "logout_unsolicited": (K.AUTHENTICITY, "a LogoutResponse has no InResponseTo"),
    "logout_in_response_to_unknown": (K.POLICY, "a LogoutResponse answers no pending logout of ours (unknown or used)"),
    "logout_request_id_mismatch": (K.AUTHENTICITY, "a LogoutResponse answers another browser's logout"),
    "logout_replay": (K.AUTHENTICITY, "a LogoutRequest or LogoutResponse ID was seen before"),
    "logout_status_failed": (K.BROKER_STATUS, "the broker answered the logout with a non-Success status"),
    "logout_not_supported": (K.CONFIG, "the broker metadata has no SingleLogoutService for the binding"),
    "logout_no_session": (K.INPUT, "there is no eHerkenning login in this session to log out"),
    "logout_slo_url_missing": (K.CONFIG, "sso_support needs dv.slo_url: the DV's SingleLogoutService endpoint"),
}

REASONS: dict[str, ReasonInfo] = {code: ReasonInfo(code, kind, text) for code, (kind, text) in _TABLE.items()}
del K


def describe(reason: str) -> ReasonInfo:
    """The registry entry for ``reason``; an unregistered code reads as a generic refusal."""
    info = REASONS.get(reason)
    if info is None:
        return ReasonInfo(reason, ReasonKind.POLICY, "unregistered reason code")
    return info


def kind_of(reason: str) -> ReasonKind:
    return describe(reason).kind


def outcome(reason: str) -> UserOutcome:
    """What to tell the user: they cancelled, try again later, or the login was refused.

    Everything that is not a cancel or an unavailable dependency is a refusal:
    the user sees one generic text and the reason goes to the audit log only.
    """
    kind = kind_of(reason)
    if kind is ReasonKind.CANCELLED:
        return "cancelled"
    if kind is ReasonKind.UNAVAILABLE:
        return "unavailable"
    return "refused"
