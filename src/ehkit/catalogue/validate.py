"""Validate a catalogue or SP metadata: XSD, then every rule, then the chosen broker profiles.

A document that does not even parse gets one finding instead of an exception,
so the CLI and the conformance report treat every outcome the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from cryptography import x509

from ehkit.catalogue.findings import REGISTRY, Finding, Report, Severity, finding
from ehkit.catalogue.model import CATALOGUE_LIMITS, is_catalogue, read_catalogue, read_catalogue_element
from ehkit.catalogue.rules import PROFILES, CatalogueContext, MetadataContext
from ehkit.errors import ConfigError, EhkitError
from ehkit.xml.parse import parse_xml

_PARSE_SOURCE = "XML 1.0; ehkit hardened parser (no DTD, no entities)"


def check_profiles(profiles: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(profiles)
    unknown = [p for p in chosen if p not in PROFILES]
    if unknown:
        raise ConfigError(
            f"unknown broker profile {', '.join(unknown)} (use one of {', '.join(PROFILES)})", reason="profile_unknown"
        )
    return chosen


def _unparsable(document: str, source: str, exc: EhkitError) -> Report:
    rule_id = "CAT-XSD" if document == "catalogue" else "META-XSD"
    return Report(
        document,  # type: ignore[arg-type]
        source,
        [Finding(rule_id, Severity.ERROR, "/", f"not readable XML: {exc.message}", _PARSE_SOURCE)],
    )


def validate_catalogue(
    data: bytes,
    *,
    profiles: Sequence[str] = (),
    trusted: Sequence[x509.Certificate] | None = None,
    now: datetime | None = None,
    source: str = "catalogue",
) -> Report:
    """Every finding for one catalogue. ``trusted`` enables the signature check."""
    chosen = check_profiles(profiles)
    try:
        doc = read_catalogue(data)
    except EhkitError as exc:
        return _unparsable("catalogue", source, exc)
    report = Report("catalogue", source, profiles=chosen)
    if not is_catalogue(doc.root):
        report.findings.append(
            Finding("CAT-XSD", Severity.ERROR, "/", "the root element is not esc:ServiceCatalogue", _PARSE_SOURCE)
        )
        return report
    ctx = CatalogueContext(doc, now or datetime.now(UTC), list(trusted) if trusted is not None else None)
    for r, check in REGISTRY.selected("catalogue", chosen):
        report.findings.extend(finding(r, path, message) for path, message in check(ctx))
    report.notes = ctx.notes
    return report


def validate_sp_metadata(
    data: bytes,
    *,
    profiles: Sequence[str] = (),
    trusted: Sequence[x509.Certificate] | None = None,
    catalogue: bytes | None = None,
    now: datetime | None = None,
    source: str = "metadata",
) -> Report:
    """Every finding for one SP metadata document; ``catalogue`` lets KPN-SPLIT-METADATA see eIDAS services."""
    chosen = check_profiles(profiles)
    try:
        root = parse_xml(data, CATALOGUE_LIMITS)
    except EhkitError as exc:
        return _unparsable("metadata", source, exc)
    cat_doc = None
    if catalogue is not None:
        cat_doc = read_catalogue_element(parse_xml(catalogue, CATALOGUE_LIMITS))
    report = Report("metadata", source, profiles=chosen)
    ctx = MetadataContext(root, now or datetime.now(UTC), list(trusted) if trusted is not None else None, cat_doc)
    for r, check in REGISTRY.selected("metadata", chosen):
        report.findings.extend(finding(r, path, message) for path, message in check(ctx))
    report.notes = ctx.notes
    return report
