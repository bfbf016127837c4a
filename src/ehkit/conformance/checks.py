"""Every conformance check as data: what it checks, the rule it rests on, where that rule comes from, how to fix it.

A broker's implementation team reads the report, not the code, so each check
carries its rule and source in words. Static checks are not written twice:
each rule of :mod:`ehkit.catalogue`'s registry (XSD, afsprakenstelsel rules,
broker profiles) becomes one check here. The rest (certificates, logins through
the simulator, the DV's own messages, outages, manual items) are listed below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ehkit.catalogue import REGISTRY as CATALOGUE_RULES
from ehkit.catalogue import Severity as RuleSeverity

__all__ = ["CHECKS", "Category", "Check", "Severity", "check"]


class Severity(StrEnum):
    """A mandatory check that fails makes the run fail (exit code 1); a recommended one does not."""

    MANDATORY = "mandatory"
    RECOMMENDED = "recommended"


class Category(StrEnum):
    METADATA = "metadata"
    CATALOGUE = "catalogue"
    CERTIFICATES = "certificates"
    FLOWS = "flows"
    HOSTILE = "hostile"
    REQUEST = "request"
    RESOLUTION = "resolution"
    ACS = "acs"
    OUTAGE = "outage"
    MANUAL = "manual"

    @property
    def heading(self) -> str:
        return _CATEGORY_TITLES[self]

    @property
    def is_protocol(self) -> bool:
        return self in _PROTOCOL


_CATEGORY_TITLES = {
    Category.METADATA: "SP metadata (static)",
    Category.CATALOGUE: "Service catalogue / dienstencatalogus (static)",
    Category.CERTIFICATES: "Certificates (static)",
    Category.FLOWS: "Login flows through the simulator",
    Category.HOSTILE: "Hostile responses the DV must refuse",
    Category.REQUEST: "The DV's AuthnRequest",
    Category.RESOLUTION: "The DV's ArtifactResolve",
    Category.ACS: "The DV's answer at its ACS",
    Category.OUTAGE: "Broker down / makelaar onbereikbaar",
    Category.MANUAL: "Manual items (attested by the DV)",
}
_PROTOCOL = {
    Category.FLOWS,
    Category.HOSTILE,
    Category.REQUEST,
    Category.RESOLUTION,
    Category.ACS,
    Category.OUTAGE,
}


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    id: str
    title: str
    category: Category
    severity: Severity
    #: The requirement in one or two sentences.
    rule: str
    #: Where the requirement comes from (afsprakenstelsel page, SAML spec, broker documentation).
    source: str
    #: What to change when the check fails.
    fix: str
    title_nl: str = ""
    #: The simulator scenario the check logs in with (hostile responses and outages).
    scenario: str | None = None
    #: Catalogue rules that only apply with one broker's profile.
    profile: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "title": self.title,
            "title_nl": self.title_nl or None,
            "category": self.category.value,
            "severity": self.severity.value,
            "rule": self.rule,
            "source": self.source,
            "fix": self.fix,
            "scenario": self.scenario,
            "profile": self.profile,
        }


# ---------------------------------------------------------------- sources

AS_DVHM = (
    "AS Interface specifications DV-HM (afsprakenstelsel.etoegang.nl/Startpagina/as/interface-specifications-dv-hm)"
)
AS_DVHM_RESP = "AS Interface specifications DV-HM, response (afsprakenstelsel.etoegang.nl/display/as/snippet.Interface+specifications+DV-HM+response)"
AS_BIND = "AS Bindings (afsprakenstelsel.etoegang.nl/Startpagina/as/bindings)"
AS_WEB = "AS Interface specifications web (afsprakenstelsel.etoegang.nl/display/as/Interface+specifications+web)"
AS_SIG = "AS Digital signature (afsprakenstelsel.etoegang.nl/Startpagina/as/digital-signature)"
AS_ERR = "AS Error handling (afsprakenstelsel.etoegang.nl/Startpagina/as/error-handling)"
AS_HMAD = "AS Interface specifications HM-AD, quoted in open-forms #3969 (requested LoA at most the catalogue's)"
AS_SSO = (
    "AS Single sign-on and user sessions (afsprakenstelsel.etoegang.nl/display/as/Single+sign-on+and+user+sessions)"
)
AS_DIALOG = "AS Dialoogbeschrijving (afsprakenstelsel.etoegang.nl/Startpagina/v2/dialoogbeschrijving)"
AS_LOA = "AS Betrouwbaarheidsniveaus; the service catalogue's AuthnContextClassRef per service"
AS_IDK = "AS Identificerende kenmerken (afsprakenstelsel.etoegang.nl/display/as/Identificerende+kenmerken)"
AS_EIDAS = "eherkenning.nl: clients in Europe (eIDAS) via the broker; catalogue Classifier eIDAS-inbound"
AS_PKIO = "AS Digital signature + PKIoverheid Private Services: RSA >= 2048 bits, OIN in subject serialNumber"
DIGIDENTITY_TEST = "Digidentity test process (connect.digidentity.com/eHerkenning/Testen/): happy, cancel, not authorised, ketenmachtiging"
COMMUNICATION = (
    "eherkenning.nl Handbook communication (handbooks and support): tell users in time, date and level; key messages"
)
SAML_CORE = "SAML 2.0 Core (OASIS saml-core-2.0-os) §2.5 Conditions, §2.4.1 SubjectConfirmation, §3.2.2 Response"
SAML_BINDINGS = "SAML 2.0 Bindings (OASIS saml-bindings-2.0-os) §3.4.3 / §3.6.3: RelayState MUST NOT exceed 80 bytes"
SAML_PROFILES = "SAML 2.0 Profiles (OASIS saml-profiles-2.0-os) §4.1.4.5: bearer assertions are used once"
SAML_ARTIFACT = (
    "SAML 2.0 Bindings §3.6.5 / Core §3.5.3: an artifact is resolved once; later it yields an empty ArtifactResponse"
)
XSW = "On Breaking SAML (Somorovsky et al., USENIX Security 2012); CVE-2022-41912; read only what was verified"
BROKER_TLS = "AS Bindings: artifact resolution over mutual TLS with the DV's PKIoverheid certificate; OneWelcome and Signicat require Content-Type text/xml since April 2022"

# ---------------------------------------------------------------- native checks

_REFUSE_FIX = (
    "Refuse the login and show an error page with a way forward; log the reason. "
    "Check the failing condition before you create the session, and read identifiers only from the verified assertion."
)

_NATIVE: tuple[Check, ...] = (
    # -- certificates
    Check(
        "CERT-PKIO-SHAPE",
        "Certificates have the PKIoverheid shape",
        Category.CERTIFICATES,
        Severity.MANDATORY,
        "Every certificate in the SP metadata and the catalogue is an RSA key of at least 2048 bits, issued by a CA "
        "(not self-signed), usable for signatures.",
        AS_PKIO,
        "Use the PKIoverheid Private Services certificate of the DV (or its test equivalent), not a self-made one.",
        title_nl="Certificaten hebben de PKIoverheid-vorm",
    ),
    Check(
        "CERT-OIN",
        "Certificates carry the DV's OIN",
        Category.CERTIFICATES,
        Severity.MANDATORY,
        "The subject serialNumber of every certificate the DV publishes is the OIN in its EntityID "
        "(urn:etoegang:DV:<OIN>:entities:<n>).",
        AS_PKIO,
        "Request the certificate for the OIN you are registered with, or correct the OIN in the EntityID.",
        title_nl="Certificaten bevatten het OIN van de dienstverlener",
    ),
    Check(
        "CERT-VALID",
        "Certificates are valid now",
        Category.CERTIFICATES,
        Severity.MANDATORY,
        "No published certificate has expired and the current one is already valid.",
        AS_PKIO,
        "Renew the certificate and publish new metadata and a new catalogue (ehkit catalogue rollover plans it).",
        title_nl="Certificaten zijn nu geldig",
    ),
    Check(
        "CERT-CHAIN",
        "Certificates chain to a trusted root",
        Category.CERTIFICATES,
        Severity.MANDATORY,
        "Each published certificate chains to one of the trusted roots given (PKIoverheid, or the broker's test CA).",
        AS_PKIO,
        "Publish the certificate issued under PKIoverheid; give the root and intermediate with --trusted-ca.",
        title_nl="Certificaten horen bij een vertrouwde root",
    ),
    Check(
        "CERT-ROLLOVER",
        "Certificate rollover is on track",
        Category.CERTIFICATES,
        Severity.RECOMMENDED,
        "A certificate that expires within 60 days has a successor published; a published next certificate has the "
        "same OIN, becomes valid before the current one ends, and appears in both the metadata and the catalogue.",
        f"{AS_PKIO}; brokers via django-digid-eherkenning CHANGELOG (publish the next certificate in time)",
        "Plan the rollover with `ehkit catalogue rollover` and publish the next certificate in both documents.",
        title_nl="Certificaatwissel op schema",
    ),
    # -- flows
    Check(
        "LOGIN-SUCCESS",
        "Successful login",
        Category.FLOWS,
        Severity.MANDATORY,
        "After a correct Response the DV logs the user in (the success detector succeeds) and, when an identity page "
        "is given, shows the identifier it read (the KvK number of the test company).",
        f"{DIGIDENTITY_TEST}; {AS_DVHM_RESP}",
        "Resolve the artifact at the broker's ArtifactResolutionService, verify the signatures with the keys from "
        "the broker metadata, decrypt the identifiers with your key and start the session.",
        title_nl="Geslaagde inlog",
    ),
    Check(
        "LOGIN-CANCEL",
        "Cancelled login",
        Category.FLOWS,
        Severity.MANDATORY,
        "When the user cancels at the broker the DV gets status Responder/AuthnFailed; it does not log in and shows a "
        "page from which the user can try again.",
        f"{DIGIDENTITY_TEST}; {AS_ERR}",
        "Treat a non-Success status as the end of the login: no session, a clear 'login cancelled' page with a retry link.",
        title_nl="Afgebroken inlog",
    ),
    Check(
        "LOGIN-NOT-AUTHORISED",
        "Person without authorisation",
        Category.FLOWS,
        Severity.MANDATORY,
        "A person without an authorisation (machtiging) gets no response at all from the broker; when they cancel, "
        "the DV gets AuthnFailed and must not log in.",
        DIGIDENTITY_TEST,
        "Handle the cancel like any other; never keep a half-started login that a later response could complete.",
        title_nl="Niet gemachtigd",
    ),
    Check(
        "LOGIN-CHAIN",
        "Chain authorisation (ketenmachtiging) via an intermediary",
        Category.FLOWS,
        Severity.MANDATORY,
        "An intermediary's employee acting for a client logs in; the DV reads the client as the legal subject "
        "(LegalSubjectID), not the intermediary (IntermediateEntityID).",
        f"{DIGIDENTITY_TEST}; {AS_DVHM_RESP} (chain authorisations carry the chain in a separate attribute)",
        "Read LegalSubjectID as the party the user acts for; keep the intermediary attribute apart (show or log it).",
        title_nl="Ketenmachtiging via een intermediair",
    ),
    Check(
        "LOGIN-BRANCH",
        "Branch-restricted login (vestiging)",
        Category.FLOWS,
        Severity.MANDATORY,
        "A person authorised for one vestiging only logs in; the DV honours the Vestigingsnr attribute (shows it on "
        "the identity page) instead of granting access to the whole company.",
        f"{AS_IDK}; {AS_DVHM_RESP}",
        "Read urn:etoegang:1.9:ServiceRestriction:Vestigingsnr and restrict what the user sees to that branch.",
        title_nl="Inlog beperkt tot een vestiging",
    ),
    Check(
        "LOGIN-EIDAS",
        "European login (eIDAS)",
        Category.FLOWS,
        Severity.MANDATORY,
        "For a service offered to eIDAS users, a person with a foreign means logs in; the DV accepts a pseudonym "
        "(no KvK number) as the legal subject.",
        AS_EIDAS,
        "Accept the eIDAS identifier types the catalogue names for the service (Pseudo / PseudoID) and the eIDAS "
        "minimum data set.",
        title_nl="Europese inlog (eIDAS)",
    ),
    Check(
        "LOGIN-UNSIGNED-INNER-RESPONSE",
        "Inner Response without its own signature",
        Category.FLOWS,
        Severity.RECOMMENDED,
        "Inside a signed ArtifactResponse the broker may leave the Response unsigned (the assertion is signed). "
        "A DV must accept that.",
        f"{AS_SIG} (the signature on the inner Response may be omitted); {AS_DVHM_RESP}",
        "With the artifact binding, accept the Response when the ArtifactResponse and the assertion are signed.",
        title_nl="Binnenste Response zonder eigen handtekening",
        scenario="unsigned_inner_response",
    ),
    # -- hostile responses
    Check(
        "REFUSE-LOA-TOO-LOW",
        "Level of assurance below the service's",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The assertion claims a level (AuthnContextClassRef) below the service's level in the catalogue; "
        "the DV refuses (EH1 / loa1 no longer exists and is refused too).",
        AS_LOA,
        f"Compare the delivered level with the service's required level (EH2 < EH2+ < EH3 < EH4). {_REFUSE_FIX}",
        title_nl="Betrouwbaarheidsniveau te laag",
        scenario="loa_too_low",
    ),
    Check(
        "REFUSE-SERVICE-ID",
        "Wrong ServiceID",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The ServiceID attribute names another service than the one requested; the DV refuses.",
        AS_DVHM_RESP,
        f"Check that ServiceID is the service of your AttributeConsumingServiceIndex. {_REFUSE_FIX}",
        title_nl="Verkeerde ServiceID",
        scenario="wrong_service_id",
    ),
    Check(
        "REFUSE-SERVICE-UUID",
        "Wrong ServiceUUID",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The ServiceUUID attribute names another service than the one requested; the DV refuses.",
        AS_DVHM_RESP,
        f"Check ServiceUUID against the service's UUID in your catalogue. {_REFUSE_FIX}",
        title_nl="Verkeerde ServiceUUID",
        scenario="wrong_service_uuid",
    ),
    Check(
        "REFUSE-REPLAYED-ARTIFACT",
        "Replayed artifact",
        Category.HOSTILE,
        Severity.MANDATORY,
        "A faulty broker lets an artifact resolve twice; the second browser that brings it gets the same Response. "
        "The first delivery logs in; the second (in a fresh browser) must not.",
        f"{SAML_PROFILES}; {AS_BIND} (each artifact may be resolved only once)",
        "Keep a record of every Response and Assertion ID until its NotOnOrAfter (shared by all app servers) and "
        "bind the InResponseTo to the browser session that sent the request.",
        title_nl="Artifact opnieuw gebruikt",
        scenario="replayed_artifact",
    ),
    Check(
        "REFUSE-REPLAYED-ASSERTION",
        "Replayed assertion",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The same Response (same IDs, same signatures) arrives under a new artifact, in a fresh browser; the DV "
        "refuses the second delivery.",
        SAML_PROFILES,
        "Keep a replay record of Response and Assertion IDs and consume each pending request exactly once.",
        title_nl="Assertion opnieuw aangeboden",
        scenario="replayed_assertion",
    ),
    Check(
        "REFUSE-EXPIRED",
        "Expired assertion",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The assertion's Conditions and SubjectConfirmationData ended an hour ago; the DV refuses.",
        SAML_CORE,
        f"Check NotOnOrAfter of Conditions and SubjectConfirmationData (allow a small clock skew). {_REFUSE_FIX}",
        title_nl="Verlopen assertion",
        scenario="expired_assertion",
    ),
    Check(
        "REFUSE-NOT-YET-VALID",
        "Assertion not yet valid",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The assertion's Conditions start an hour from now; the DV refuses.",
        SAML_CORE,
        f"Check Conditions/@NotBefore (allow a small clock skew). {_REFUSE_FIX}",
        title_nl="Assertion nog niet geldig",
        scenario="not_yet_valid",
    ),
    Check(
        "REFUSE-AUDIENCE",
        "Wrong Audience",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The AudienceRestriction names another DV; the DV refuses.",
        SAML_CORE,
        f"Require your own EntityID in Conditions/AudienceRestriction/Audience. {_REFUSE_FIX}",
        title_nl="Verkeerde audience",
        scenario="wrong_audience",
    ),
    Check(
        "REFUSE-RECIPIENT",
        "Wrong Recipient",
        Category.HOSTILE,
        Severity.MANDATORY,
        "SubjectConfirmationData/@Recipient names another ACS URL; the DV refuses.",
        SAML_CORE,
        f"Require Recipient to be the ACS URL the response arrived at. {_REFUSE_FIX}",
        title_nl="Verkeerde recipient",
        scenario="wrong_recipient",
    ),
    Check(
        "REFUSE-DESTINATION",
        "Wrong Destination",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The Response's Destination names another ACS URL; the DV refuses.",
        f"{SAML_CORE}; {AS_DVHM_RESP} (Destination matches the DV metadata)",
        f"Require Response/@Destination to be your ACS URL. {_REFUSE_FIX}",
        title_nl="Verkeerde destination",
        scenario="wrong_destination",
    ),
    Check(
        "REFUSE-IN-RESPONSE-TO",
        "Wrong InResponseTo",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The SubjectConfirmationData answers a request the DV never sent (the Response's InResponseTo is right); "
        "the DV refuses.",
        SAML_CORE,
        f"Require InResponseTo of the Response and of the SubjectConfirmationData to be the pending request of "
        f"this browser. {_REFUSE_FIX}",
        title_nl="Verkeerde InResponseTo",
        scenario="wrong_in_response_to",
    ),
    Check(
        "REFUSE-UNSIGNED-ASSERTION",
        "Unsigned assertion",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The broker's assertion carries no signature (the Response and ArtifactResponse are signed); the DV refuses.",
        f"{AS_SIG} (the recipient validates all signatures and rejects unsigned parts)",
        "Require a valid signature on the assertion itself; a signature on the Response does not cover your checks "
        "of the assertion's content.",
        title_nl="Ongetekende assertion",
        scenario="unsigned_assertion",
    ),
    Check(
        "REFUSE-BAD-SIGNATURE",
        "Assertion changed after signing",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The assertion's content was changed after it was signed (its digest no longer matches); the Response "
        "around it is validly signed. The DV refuses.",
        AS_SIG,
        "Verify the assertion's own signature, digest included, with the broker's key from its metadata.",
        title_nl="Assertion gewijzigd na ondertekening",
        scenario="tampered_assertion",
    ),
    Check(
        "REFUSE-UNKNOWN-KEY",
        "Assertion signed by a key not in the broker metadata",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The assertion is signed by a key from another CA that is in no metadata; the DV refuses.",
        f"{AS_SIG} (message signatures carry only a KeyName; keys come from the metadata)",
        "Take verification keys only from the broker's signed metadata, never from KeyInfo in the message.",
        title_nl="Handtekening met een onbekende sleutel",
        scenario="unknown_key",
    ),
    Check(
        "REFUSE-XSW3",
        "Signature wrapping: evil assertion first",
        Category.HOSTILE,
        Severity.MANDATORY,
        "An unsigned assertion claiming another company is inserted before the signed one; the DV refuses.",
        XSW,
        "Require exactly one top-level Assertion and read data only from the element whose signature you verified.",
        title_nl="Signature wrapping: kwaadaardige assertion ervoor",
        scenario="xsw3",
    ),
    Check(
        "REFUSE-XSW-ADVICE",
        "Signature wrapping: signed assertion hidden in Advice",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The signed assertion is hidden in the Advice of an unsigned one that claims another company; the DV refuses.",
        XSW,
        "Verify the signature of the top-level assertion itself; Advice assertions never stand in for it.",
        title_nl="Signature wrapping in Advice",
        scenario="xsw_advice",
    ),
    Check(
        "REFUSE-DUPLICATE-ID",
        "Duplicate IDs",
        Category.HOSTILE,
        Severity.MANDATORY,
        "An unsigned assertion with the same ID as the signed one is placed before it; the DV refuses.",
        f"{XSW}; Perl XML::Sig CVE-2026-9487 (duplicate IDs)",
        "Refuse any document in which two elements share an ID.",
        title_nl="Dubbele ID's",
        scenario="duplicate_id",
    ),
    Check(
        "REFUSE-SPENT-ARTIFACT",
        "Artifact brought twice",
        Category.HOSTILE,
        Severity.MANDATORY,
        "The browser brings an artifact a second time (back button, double submit); the broker has resolved it "
        "already and returns an ArtifactResponse without a message. The DV must not crash and must not log in.",
        SAML_ARTIFACT,
        "Handle an ArtifactResponse without a Response as a failed login (an error page, no stack trace).",
        title_nl="Artifact twee keer aangeboden",
        scenario="spent_artifact",
    ),
    # -- the DV's AuthnRequest
    Check(
        "REQ-SIGNED",
        "AuthnRequest signed",
        Category.REQUEST,
        Severity.MANDATORY,
        "Every AuthnRequest is signed with the DV key in its metadata: an enveloped signature (POST, Artifact) or "
        "the Redirect-binding query signature, RSA-SHA256 or stronger (SHA-1 is refused).",
        f"{AS_SIG}; {AS_DVHM}",
        "Sign the AuthnRequest with the private key of the certificate in your SP metadata "
        '(and keep AuthnRequestsSigned="true").',
        title_nl="AuthnRequest ondertekend",
    ),
    Check(
        "REQ-WELL-FORMED",
        "AuthnRequest well formed",
        Category.REQUEST,
        Severity.MANDATORY,
        "Version 2.0, Issuer = the DV EntityID of the metadata, Destination = the broker's SSO URL from its metadata, "
        "a current IssueInstant, IsPassive absent or false, and an ID never used before.",
        AS_DVHM,
        "Build the request from the broker metadata's SingleSignOnService and a fresh random ID each time.",
        title_nl="AuthnRequest goed opgebouwd",
    ),
    Check(
        "REQ-FORCE-AUTHN",
        "ForceAuthn when the service has no SSO",
        Category.REQUEST,
        Severity.MANDATORY,
        'ForceAuthn="true" for every service whose catalogue entry does not declare SSOSupport, and always at EH4.',
        f"{AS_DVHM} (ForceAuthn forbids reuse of an SSO session); {AS_SSO}",
        'Send ForceAuthn="true" (the usual eHerkenning request does).',
        title_nl="ForceAuthn zonder single sign-on",
    ),
    Check(
        "REQ-SERVICE-INDEX",
        "AttributeConsumingServiceIndex names the service",
        Category.REQUEST,
        Severity.MANDATORY,
        "The request carries AttributeConsumingServiceIndex, and it is the index of a service in the DV's SP "
        "metadata (the <n> of its ServiceID).",
        AS_DVHM,
        "Send AttributeConsumingServiceIndex = the index of the service the user wants to use.",
        title_nl="AttributeConsumingServiceIndex wijst de dienst aan",
    ),
    Check(
        "REQ-RELAY-STATE",
        "RelayState at most 80 bytes",
        Category.REQUEST,
        Severity.MANDATORY,
        "When a RelayState is sent it is at most 80 bytes (brokers refuse longer ones).",
        f"{SAML_BINDINGS}; {AS_WEB}",
        "Send a short opaque token as RelayState and keep the return URL in the session.",
        title_nl="RelayState hoogstens 80 bytes",
    ),
    Check(
        "REQ-LOA",
        "Requested level not above the catalogue's",
        Category.REQUEST,
        Severity.MANDATORY,
        "A RequestedAuthnContext, when sent, asks for a level no higher than the service's level in the catalogue "
        '(Comparison="minimum").',
        AS_HMAD,
        "Leave RequestedAuthnContext out (the catalogue decides) or send the catalogue's level.",
        title_nl="Gevraagd niveau niet boven dat van de catalogus",
    ),
    # -- artifact resolution
    Check(
        "ARS-SIGNED",
        "ArtifactResolve signed",
        Category.RESOLUTION,
        Severity.MANDATORY,
        "The ArtifactResolve is signed with the DV key from its metadata (enveloped, RSA-SHA256 or stronger).",
        AS_SIG,
        "Sign the ArtifactResolve with the key of the certificate in your SP metadata.",
        title_nl="ArtifactResolve ondertekend",
    ),
    Check(
        "ARS-MTLS",
        "Mutual TLS with the metadata certificate",
        Category.RESOLUTION,
        Severity.MANDATORY,
        "The DV presents a TLS client certificate at the broker's artifact resolution service, and it is the "
        "certificate in its SP metadata.",
        BROKER_TLS,
        "Configure your HTTP client with your PKIoverheid certificate and key as TLS client certificate.",
        title_nl="Wederzijdse TLS met het metadatacertificaat",
    ),
    Check(
        "ARS-CONTENT-TYPE",
        "SOAP Content-Type text/xml",
        Category.RESOLUTION,
        Severity.MANDATORY,
        "The ArtifactResolve is POSTed as SOAP 1.1 with Content-Type text/xml (the SOAPAction header is shown as "
        "evidence).",
        BROKER_TLS,
        'Send Content-Type: text/xml; charset=utf-8 and SOAPAction: "http://www.oasis-open.org/committees/security".',
        title_nl="SOAP Content-Type text/xml",
    ),
    # -- ACS answer
    Check(
        "ACS-CACHE-CONTROL",
        "ACS answer not cached",
        Category.ACS,
        Severity.MANDATORY,
        "Every answer of the DV's AssertionConsumerService (redirects and error pages alike) carries Cache-Control "
        "with no-store (the afsprakenstelsel asks for no-cache, no-store and Pragma: no-cache). An HTTP 500 is left "
        "to the check whose login crashed.",
        AS_WEB,
        "Set Cache-Control: no-cache, no-store and Pragma: no-cache on the ACS answer (redirects and error pages too).",
        title_nl="Antwoord van de ACS niet in de cache",
    ),
    # -- outages
    Check(
        "DOWN-HTTP-500",
        "Broker answers artifact resolution with HTTP 500",
        Category.OUTAGE,
        Severity.MANDATORY,
        "The broker's artifact resolution service answers HTTP 500 without SOAP; the DV does not log in and shows "
        "an error page, not a stack trace.",
        f"{AS_ERR}; {AS_DIALOG} (errors give a way forward)",
        "Catch transport and HTTP errors of the artifact resolution and show an 'eHerkenning is not reachable, try "
        "again later' page.",
        title_nl="Makelaar antwoordt HTTP 500",
        scenario="http_500",
    ),
    Check(
        "DOWN-UNREACHABLE",
        "Broker unreachable at artifact resolution",
        Category.OUTAGE,
        Severity.MANDATORY,
        "The broker cannot be reached when the DV resolves the artifact (connection refused); the DV does not log "
        "in and shows an error page, not a stack trace.",
        f"{AS_ERR}; {AS_DIALOG}",
        "Use connect and read timeouts, catch connection errors, and show a 'try again later' page.",
        title_nl="Makelaar onbereikbaar",
    ),
    # -- manual
    Check(
        "MANUAL-NO-IFRAME",
        "Broker screens not framed",
        Category.MANUAL,
        Severity.MANDATORY,
        "The DV never shows the broker's screens inside an iframe or an app web view; the login is a full-page "
        "navigation.",
        f"{AS_DIALOG} (screens must not be embedded in an iframe or app web view)",
        "Navigate the whole window to the broker (a redirect or a form post), never an iframe.",
        title_nl="Geen iframe om de schermen van de makelaar",
    ),
    Check(
        "MANUAL-LOGOUT",
        "Logout always shown when SSO is used",
        Category.MANUAL,
        Severity.MANDATORY,
        "A DV that uses single sign-on keeps its own session and permanently offers a logout option; logging out "
        "destroys the session and its cookies.",
        AS_SSO,
        "Show a logout button on every page of a logged-in session and destroy the session on logout.",
        title_nl="Uitloggen altijd zichtbaar bij single sign-on",
    ),
    Check(
        "MANUAL-ERROR-PAGES",
        "Error pages with a way forward",
        Category.MANUAL,
        Severity.MANDATORY,
        "Every failed login ends on a page that says what happened in plain words and what the user can do next "
        "(try again, contact), with an error code for the helpdesk.",
        f"{AS_DIALOG} (errors give handelingsperspectief with error codes); {AS_ERR}",
        "Give cancel, refused and unreachable their own texts and a retry link; log the reason code.",
        title_nl="Foutpagina's met handelingsperspectief",
    ),
    Check(
        "MANUAL-COMMUNICATION",
        "Communication duties",
        Category.MANUAL,
        Severity.MANDATORY,
        "Users are told in time from which date eHerkenning is required and which level (EH2, EH2+, EH3, EH4) they "
        'need; the button reads "Inloggen met eHerkenning" (eIDAS: "European login") with the official logo.',
        COMMUNICATION,
        "Follow the communication handbook: announce the date and the level, use the key messages and the logo.",
        title_nl="Communicatieplichten",
    ),
)

#: Attestation key in the configuration for each manual check.
ATTESTATIONS: dict[str, str] = {
    "no_iframe": "MANUAL-NO-IFRAME",
    "logout_shown": "MANUAL-LOGOUT",
    "error_pages": "MANUAL-ERROR-PAGES",
    "communication": "MANUAL-COMMUNICATION",
}

#: Specific fixes for the catalogue rules brokers are known to reject on (others point at the findings).
_RULE_FIXES = {
    "META-NAMEIDFORMAT": "Remove every md:NameIDFormat from the SP metadata.",
    "META-KEYDESCRIPTOR-USE": 'Remove use="signing"/"encryption" from the KeyDescriptor: one certificate does both.',
    "META-IDENTIFYING-ATTR": "Remove identifiers (KvKnr, RSIN, BSN, Pseudo) from the RequestedAttributes: they "
    "come from the catalogue's EntityConcernedTypesAllowed.",
    "CAT-IDENTIFYING-ATTR": "Remove identifiers from the RequestedAttributes; list them in "
    "EntityConcernedTypesAllowed instead.",
    "CAT-LOA": "Give every ServiceDefinition an AuthnContextClassRef of loa2, loa2plus, loa3 or loa4.",
    "CAT-LOA1": "Raise the level to at least EH2 (loa2): EH1 ended on 1 July 2021.",
    "KPN-SPLIT-METADATA": "Publish eIDAS-inbound services in a metadata document (EntityDescriptor) of their own.",
    "META-SIGNATURE": "Sign the metadata with the DV key (ehkit metadata build does), ds:Signature first.",
    "META-SIGNATURE-VALID": "Sign again after the last change; the signature must verify with the certificate "
    "published in the metadata.",
    "CAT-SIGNATURE": "Sign the catalogue with the DV key (ehkit catalogue build does).",
    "CAT-SIGNATURE-VALID": "Sign again after the last change; the signature must verify with the DV certificate.",
}


#: The catalogue CLI's wording refers to its --cert flag; here the certificate comes from the SP metadata.
_RULE_TEXTS = {
    "META-SIGNATURE-VALID": "the signature verifies with the DV certificate published in the metadata itself",
    "CAT-SIGNATURE-VALID": "the signature verifies with the DV certificate from the SP metadata "
    "(enveloped, exc-c14n, rsa-sha256, reference to the catalogue ID)",
}


def _from_rule(rule_id: str) -> Check:
    rule, _ = CATALOGUE_RULES.rules[rule_id]
    text = _RULE_TEXTS.get(rule.id, rule.checks)
    category = Category.METADATA if rule.document == "metadata" else Category.CATALOGUE
    tool = "ehkit metadata validate" if rule.document == "metadata" else "ehkit catalogue validate"
    profile = f" (broker profile {rule.profile})" if rule.profile else ""
    return Check(
        rule.id,
        text[:1].upper() + text[1:] + profile,
        category,
        Severity.MANDATORY if rule.severity is RuleSeverity.ERROR else Severity.RECOMMENDED,
        text,
        rule.source,
        _RULE_FIXES.get(rule.id, f"Correct what the findings name; `{tool}` shows the same findings as you edit."),
        profile=rule.profile,
    )


def _build(native: Iterable[Check]) -> dict[str, Check]:
    out: dict[str, Check] = {}
    for rule in CATALOGUE_RULES.all_rules():
        out[rule.id] = _from_rule(rule.id)
    for c in native:
        if c.id in out:
            raise ValueError(f"check {c.id} defined twice")
        out[c.id] = c
    return out


#: Every check by id, static ones first (report order).
CHECKS: dict[str, Check] = _build(_NATIVE)


def check(check_id: str) -> Check:
    return CHECKS[check_id]
