"""Static checks: the DV's SP metadata and catalogue, and the certificates in them.

The document rules are :mod:`ehkit.catalogue`'s (XSD, afsprakenstelsel, broker
profiles); this module only runs them and turns each rule into a result with
the findings as evidence. Signatures are checked against the certificates the
metadata itself publishes, so an empty or broken signature is reported as
such. The certificate checks look at what a broker's PKI check looks at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ehkit.catalogue import PROFILES, Finding, Report, validate_catalogue, validate_sp_metadata
from ehkit.catalogue import REGISTRY as RULES
from ehkit.catalogue.model import CATALOGUE_LIMITS, read_catalogue, read_key_descriptor
from ehkit.catalogue.ns import md
from ehkit.conformance.checks import CHECKS, Category, Severity
from ehkit.conformance.report import CheckResult, Evidence, Status
from ehkit.domain.identifiers import EntityID
from ehkit.errors import ConfigError, EhkitError
from ehkit.pki import certificate_oin, describe_name, key_name_sha256, load_certificates, verify_chain
from ehkit.xml.parse import parse_xml

__all__ = ["Source", "read_source", "static_results"]

ROLLOVER_WARNING = timedelta(days=60)
MAX_EVIDENCE = 40
_UNREADABLE = "not readable XML"


@dataclass(frozen=True)
class Source:
    """A document the DV publishes: where it came from and its bytes."""

    name: str
    data: bytes


def read_source(source: str, *, what: str, timeout: float = 20.0) -> Source:
    """A file path or an http(s) URL; ConfigError naming the source when it cannot be read."""
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True, trust_env=False)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch the {what} at {source}: {exc}", reason="dv_source_unreachable") from None
        return Source(source, response.content)
    try:
        return Source(source, Path(source).expanduser().read_bytes())
    except OSError as exc:
        raise ConfigError(
            f"cannot read the {what} {source}: {exc.strerror or exc}", reason="dv_source_unreadable"
        ) from None


@dataclass(frozen=True)
class _Cert:
    """A certificate as published: in which document, for which party."""

    where: str
    certificate: x509.Certificate
    expected_oin: str | None
    document: str  # "metadata" | "catalogue"

    @property
    def label(self) -> str:
        c = self.certificate
        return (
            f"{self.where}: {describe_name(c.subject)} (SHA-256 {key_name_sha256(c)[:16]}..., "
            f"valid {c.not_valid_before_utc:%Y-%m-%d} to {c.not_valid_after_utc:%Y-%m-%d})"
        )


def _metadata_certs(source: Source) -> tuple[list[_Cert], str | None]:
    try:
        root = parse_xml(source.data, CATALOGUE_LIMITS)
    except EhkitError:
        return [], None
    entities = [root] if root.tag == md("EntityDescriptor") else root.findall(md("EntityDescriptor"))
    out: list[_Cert] = []
    entity_ids = []
    for entity in entities:
        entity_id = entity.get("entityID", "")
        entity_ids.append(entity_id)
        oin = str(EntityID(entity_id).oin) if EntityID.is_valid(entity_id) else None
        for sp in entity.findall(md("SPSSODescriptor")):
            for kd in sp.findall(md("KeyDescriptor")):
                entry = read_key_descriptor(kd)
                if entry.certificate is not None:
                    out.append(_Cert(f"{source.name} ({entity_id})", entry.certificate, oin, "metadata"))
    return out, entity_ids[0] if entity_ids else None


def _catalogue_certs(source: Source) -> list[_Cert]:
    try:
        doc = read_catalogue(source.data)
    except EhkitError:
        return []
    out = []
    for view in doc.services():
        for entry in view.instance.certificates:
            if entry.certificate is not None:
                out.append(
                    _Cert(
                        f"{source.name} ({view.instance.service_id})",
                        entry.certificate,
                        view.provider.oin,
                        "catalogue",
                    )
                )
    return out


# ---------------------------------------------------------------- document rules


def _unreadable(report: Report) -> bool:
    return any(f.message.startswith(_UNREADABLE) for f in report.findings)


def _validate_metadata(source: Source, catalogue: Source | None, profiles: tuple[str, ...], now: datetime) -> Report:
    certs, _ = _metadata_certs(source)
    trusted = [c.certificate for c in certs] or None
    try:
        return validate_sp_metadata(
            source.data,
            profiles=profiles,
            trusted=trusted,
            catalogue=catalogue.data if catalogue is not None else None,
            now=now,
            source=source.name,
        )
    except EhkitError:
        # The catalogue is unreadable: its own CAT-XSD result says so; check the metadata without it.
        return validate_sp_metadata(source.data, profiles=profiles, trusted=trusted, now=now, source=source.name)


def _document_results(
    metadata: list[Source],
    catalogue: Source | None,
    chosen: tuple[str, ...] | None,
    now: datetime,
    selected: Callable[[str], bool],
) -> list[CheckResult]:
    profiles = tuple(PROFILES) if chosen is None else chosen
    reports: list[Report] = [_validate_metadata(m, catalogue, profiles, now) for m in metadata]
    if catalogue is not None:
        trusted = [c.certificate for m in metadata for c in _metadata_certs(m)[0]] or None
        reports.append(
            validate_catalogue(catalogue.data, profiles=profiles, trusted=trusted, now=now, source=catalogue.name)
        )
    results = []
    for rule in RULES.all_rules():
        if not selected(rule.id):
            continue
        check = CHECKS[rule.id]
        severity = check.severity
        if rule.profile is not None and chosen is None:
            severity = Severity.RECOMMENDED
        if rule.profile is not None and chosen is not None and rule.profile not in chosen:
            results.append(
                CheckResult(check, Status.SKIPPED, f"broker profile {rule.profile} not chosen", severity=severity)
            )
            continue
        mine = [r for r in reports if r.document == rule.document]
        if not mine:
            results.append(CheckResult(check, Status.SKIPPED, "no service catalogue given", severity=severity))
            continue
        findings: list[tuple[str, Finding]] = [(r.source, f) for r in mine for f in r.findings if f.rule == rule.id]
        unreadable = [r.source for r in mine if _unreadable(r) and not findings]
        notes = [n for r in mine for n in r.notes if n.startswith(rule.id)]
        results.append(_rule_result(rule.id, severity, mine, findings, unreadable, notes))
    return results


def _rule_result(
    rule_id: str,
    severity: Severity,
    reports: list[Report],
    findings: list[tuple[str, Finding]],
    unreadable: list[str],
    notes: list[str],
) -> CheckResult:
    check = CHECKS[rule_id]
    checked = ", ".join(r.source for r in reports)
    if findings:
        evidence = [Evidence(f"{src} {f.path}", f.message) for src, f in findings[:MAX_EVIDENCE]]
        if len(findings) > MAX_EVIDENCE:
            evidence.append(Evidence("more", f"{len(findings) - MAX_EVIDENCE} more findings"))
        first = findings[0][1].message
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return CheckResult(check, Status.FAILED, f"{first}{more}", severity=severity, evidence=evidence)
    if unreadable:
        return CheckResult(
            check, Status.SKIPPED, f"not checked: {', '.join(unreadable)} is not readable XML", severity=severity
        )
    if notes:
        return CheckResult(check, Status.SKIPPED, notes[0], severity=severity)
    if rule_id.endswith("SIGNATURE-VALID"):
        unsigned = [r.source for r in reports if any(f.rule == rule_id.removesuffix("-VALID") for f in r.findings)]
        if unsigned:
            return CheckResult(
                check, Status.SKIPPED, f"nothing to verify: {', '.join(unsigned)} is not signed", severity=severity
            )
    return CheckResult(check, Status.PASSED, f"no findings in {checked}", severity=severity)


# ---------------------------------------------------------------- certificates


def _result(check_id: str, problems: list[str], ok: str, evidence: Iterable[Evidence] = ()) -> CheckResult:
    check = CHECKS[check_id]
    ev = list(evidence)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        ev = [Evidence("problem", p) for p in problems[:MAX_EVIDENCE]] + ev
        return CheckResult(check, Status.FAILED, problems[0] + more, evidence=ev)
    return CheckResult(check, Status.PASSED, ok, evidence=ev)


def _shape(certs: list[_Cert]) -> list[str]:
    problems = []
    for c in certs:
        cert = c.certificate
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
            problems.append(f"{c.label}: the key is not RSA of at least 2048 bits")
        if cert.issuer == cert.subject:
            problems.append(f"{c.label}: self-signed; a broker expects a certificate issued under PKIoverheid")
        try:
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            continue
        if not usage.digital_signature:
            problems.append(f"{c.label}: key usage does not allow digital signatures")
    return problems


def _oins(certs: list[_Cert]) -> list[str]:
    problems = []
    for c in certs:
        found = certificate_oin(c.certificate)
        if c.expected_oin is None:
            continue
        if found is None:
            problems.append(f"{c.label}: no OIN in the subject serialNumber (expected {c.expected_oin})")
        elif str(found) != c.expected_oin:
            problems.append(f"{c.label}: OIN {found} in the subject serialNumber, expected {c.expected_oin}")
    return problems


def _validity(certs: list[_Cert], now: datetime) -> list[str]:
    problems = []
    for c in certs:
        if c.certificate.not_valid_after_utc < now:
            problems.append(f"{c.label}: expired on {c.certificate.not_valid_after_utc:%Y-%m-%d}")
    for where in sorted({c.where for c in certs}):
        mine = [c for c in certs if c.where == where]
        if mine and not any(
            c.certificate.not_valid_before_utc <= now <= c.certificate.not_valid_after_utc for c in mine
        ):
            problems.append(f"{where}: no certificate is valid now (the broker cannot check signatures today)")
    return problems


def _chain(certs: list[_Cert], trusted: list[x509.Certificate], now: datetime) -> list[str]:
    problems = []
    for c in certs:
        at = max(now, c.certificate.not_valid_before_utc)
        try:
            verify_chain(c.certificate, trusted, trusted, min(at, c.certificate.not_valid_after_utc))
        except ConfigError as exc:
            problems.append(f"{c.label}: {exc.message} ({exc.reason})")
    return problems


def _rollover(certs: list[_Cert], now: datetime, have_catalogue: bool) -> tuple[list[str], str]:
    problems: list[str] = []
    current = [c for c in certs if c.certificate.not_valid_before_utc <= now <= c.certificate.not_valid_after_utc]
    upcoming = [c for c in certs if c.certificate.not_valid_before_utc > now]
    fingerprints = {key_name_sha256(c.certificate) for c in current}
    next_by_fp = {
        key_name_sha256(c.certificate): c for c in upcoming if key_name_sha256(c.certificate) not in fingerprints
    }
    latest_end = max((c.certificate.not_valid_after_utc for c in current), default=None)
    if latest_end is not None and latest_end < now + ROLLOVER_WARNING and not next_by_fp:
        problems.append(
            f"the current certificate ends on {latest_end:%Y-%m-%d} and no next certificate is published; "
            "publish the successor now (brokers need weeks to process a new catalogue)"
        )
    for fp, nxt in next_by_fp.items():
        cert = nxt.certificate
        if latest_end is not None and cert.not_valid_before_utc > latest_end:
            problems.append(
                f"next certificate {fp[:16]}... starts {cert.not_valid_before_utc:%Y-%m-%d}, after the current one "
                f"ends ({latest_end:%Y-%m-%d}): logins fail in between"
            )
        oins = {str(certificate_oin(c.certificate)) for c in current}
        if oins and str(certificate_oin(cert)) not in oins:
            problems.append(
                f"next certificate {fp[:16]}... carries OIN {certificate_oin(cert)}, the current one {', '.join(sorted(oins))}"
            )
        documents = {c.document for c in upcoming if key_name_sha256(c.certificate) == fp}
        wanted = {"metadata", "catalogue"} if have_catalogue else {"metadata"}
        if documents != wanted:
            missing = ", ".join(sorted(wanted - documents))
            problems.append(f"next certificate {fp[:16]}... is not published in the {missing}")
    if next_by_fp:
        summary = f"rollover prepared: {len(next_by_fp)} next certificate(s) published in time"
    elif latest_end is not None:
        summary = f"no rollover pending (current certificate valid until {latest_end:%Y-%m-%d})"
    else:
        summary = "no current certificate to roll over"
    return problems, summary


def _certificate_results(
    metadata: list[Source],
    catalogue: Source | None,
    trusted_ca: list[Path],
    now: datetime,
    selected: Callable[[str], bool],
) -> list[CheckResult]:
    certs = [c for m in metadata for c in _metadata_certs(m)[0]]
    if catalogue is not None:
        certs.extend(_catalogue_certs(catalogue))
    listing = [Evidence("certificate", c.label) for c in certs]
    results: list[CheckResult] = []
    if not certs:
        for cid in ("CERT-PKIO-SHAPE", "CERT-OIN", "CERT-VALID", "CERT-CHAIN", "CERT-ROLLOVER"):
            if selected(cid):
                results.append(
                    CheckResult(CHECKS[cid], Status.FAILED, "no readable certificate in the metadata or the catalogue")
                )
        return results
    if selected("CERT-PKIO-SHAPE"):
        results.append(
            _result("CERT-PKIO-SHAPE", _shape(certs), f"{len(certs)} certificates have the PKIoverheid shape", listing)
        )
    if selected("CERT-OIN"):
        results.append(_result("CERT-OIN", _oins(certs), "every certificate carries the DV's OIN", listing))
    if selected("CERT-VALID"):
        results.append(
            _result(
                "CERT-VALID", _validity(certs, now), "no certificate has expired; a current one is published", listing
            )
        )
    if selected("CERT-CHAIN"):
        if not trusted_ca:
            results.append(
                CheckResult(
                    CHECKS["CERT-CHAIN"],
                    Status.SKIPPED,
                    "no trusted roots given: pass --trusted-ca with the PKIoverheid (or test CA) root and intermediate",
                )
            )
        else:
            trusted = [cert for path in trusted_ca for cert in load_certificates(path)]
            results.append(
                _result(
                    "CERT-CHAIN",
                    _chain(certs, trusted, now),
                    f"every certificate chains to {', '.join(str(p) for p in trusted_ca)}",
                    listing,
                )
            )
    if selected("CERT-ROLLOVER"):
        problems, summary = _rollover(certs, now, catalogue is not None)
        results.append(_result("CERT-ROLLOVER", problems, summary, listing))
    return results


def static_results(
    metadata: list[Source],
    catalogue: Source | None,
    *,
    profiles: list[str] | None,
    trusted_ca: list[Path],
    now: datetime,
    selected: Callable[[str], bool],
) -> list[CheckResult]:
    """Every selected metadata, catalogue and certificate check."""
    chosen = tuple(profiles) if profiles is not None else None
    results = _document_results(metadata, catalogue, chosen, now, selected)
    results.extend(_certificate_results(metadata, catalogue, trusted_ca, now, selected))
    order = {cid: i for i, cid in enumerate(CHECKS)}
    category_order = {c: i for i, c in enumerate(Category)}
    results.sort(key=lambda r: (category_order[r.check.category], order[r.check.id]))
    return results
