"""Deciding whether a certificate chains to a CA we trust, at a given moment.

eHerkenning parties are identified by PKIoverheid certificates. A broker
certificate found in metadata is accepted when it chains to the expected CA
and carries the expected OIN (see :func:`ehkit.pki.subject.require_oin`).
This is a deliberately small path check (names, signatures, CA flags, path
length, validity); it does not fetch CRLs or OCSP, and it does not apply the
web-PKI rules (host names, EKU) that PKIoverheid Private Services certificates
are not issued for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from cryptography import x509

from ehkit.errors import ConfigError
from ehkit.pki.subject import describe_name

__all__ = ["verify_chain"]

# Real PKIoverheid paths are 3 deep; this only stops loops and silly inputs.
_MAX_DEPTH = 8


def _name(cert: x509.Certificate) -> str:
    return describe_name(cert.subject)


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:  # noqa: BLE001 - wrong name, bad signature, unsupported algorithm: all "not issued by"
        return False
    return True


def _ca_problem(issuer: x509.Certificate, below: int) -> str | None:
    """Why ``issuer`` may not issue a certificate with ``below`` CA certificates under it, or None."""
    try:
        bc = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return "has no basicConstraints, so it is not a CA certificate"
    if not bc.ca:
        return "is not a CA certificate (basicConstraints CA=false)"
    if bc.path_length is not None and below > bc.path_length:
        return f"allows {bc.path_length} CA certificate(s) below it, but the chain has {below}"
    try:
        ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not ku.key_cert_sign:
        return "may not sign certificates (keyUsage lacks keyCertSign)"
    return None


def _check_validity(cert: x509.Certificate, at: datetime, role: str) -> None:
    if at < cert.not_valid_before_utc:
        raise ConfigError(
            f"{role} {_name(cert)!r} is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M:%SZ} "
            f"(checked at {at:%Y-%m-%d %H:%M:%SZ}); check the system clock or wait until it becomes valid",
            reason="certificate_not_yet_valid",
        )
    if at > cert.not_valid_after_utc:
        raise ConfigError(
            f"{role} {_name(cert)!r} expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M:%SZ} "
            f"(checked at {at:%Y-%m-%d %H:%M:%SZ}); get a renewed certificate and current metadata",
            reason="certificate_expired",
        )


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    roots: Iterable[x509.Certificate],
    at: datetime,
) -> None:
    """Raise ConfigError unless ``leaf`` chains through ``intermediates`` to one of ``roots`` at ``at``.

    Any certificate in ``roots`` is a trust anchor, so trusting just an
    intermediate CA ("only certificates from this TSP CA") works. Every
    certificate on the path, the anchor included, must be valid at ``at``; a
    naive ``at`` is taken as UTC. Reasons: ``certificate_untrusted`` (no path),
    ``certificate_expired``, ``certificate_not_yet_valid``.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    anchors = list(roots)
    pool = list(intermediates)
    if not anchors:
        raise ConfigError(
            "no trusted root certificates were given, so nothing can be trusted", reason="certificate_untrusted"
        )

    path = [leaf]
    current = leaf
    if leaf not in anchors:
        while True:
            if len(path) > _MAX_DEPTH:
                raise ConfigError(
                    f"certificate {_name(leaf)!r}: the chain is longer than {_MAX_DEPTH} certificates",
                    reason="certificate_untrusted",
                )
            below = len(path) - 1  # CA certificates between the next issuer and the leaf
            issuer, problem = _find_issuer(current, anchors, pool, path, below, at)
            if issuer is None:
                raise ConfigError(
                    f"certificate {_name(current)!r} (issuer {describe_name(current.issuer)!r}) "
                    f"{problem}; it does not chain to a trusted root"
                    + ("" if current is leaf else f" (while checking {_name(leaf)!r})")
                    + ". Configure the CA certificate that issued it, or check that this is the right certificate",
                    reason="certificate_untrusted",
                )
            path.append(issuer)
            if issuer in anchors:
                break
            current = issuer

    for position, cert in enumerate(path):
        _check_validity(cert, at, "certificate" if position == 0 else "CA certificate")


def _find_issuer(
    cert: x509.Certificate,
    anchors: list[x509.Certificate],
    pool: list[x509.Certificate],
    path: list[x509.Certificate],
    below: int,
    at: datetime,
) -> tuple[x509.Certificate | None, str]:
    # Anchors first (shortest path); among equals, one valid at `at` first, so a
    # renewed CA certificate with the same key wins over its expired twin.
    candidates = [c for c in anchors if c.subject == cert.issuer] + [
        c for c in pool if c.subject == cert.issuer and c not in path and c not in anchors
    ]
    if not candidates:
        if cert.issuer == cert.subject:
            return None, "is self-signed and not among the trusted roots"
        return None, "has no issuer among the trusted roots and given intermediates"
    candidates.sort(key=lambda c: (c not in anchors, not (c.not_valid_before_utc <= at <= c.not_valid_after_utc)))
    problem = "is not signed by the key of any certificate named as its issuer"
    for candidate in candidates:
        if not _signed_by(cert, candidate):
            continue
        ca_problem = _ca_problem(candidate, below)
        if ca_problem is not None:
            problem = f"has an issuer that {ca_problem}"
            continue
        return candidate, ""
    if cert.issuer == cert.subject:
        return (
            None,
            "is self-signed and not among the trusted roots (a trusted certificate has its name but another key)",
        )
    return None, problem
