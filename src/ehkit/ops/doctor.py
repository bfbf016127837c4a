"""``ehkit doctor``: is this DV's eHerkenning connection healthy, and if not, what to do.

Checks, in order (later ones run when what they need loaded):

1. ``config``: ehkit.toml parses and validates;
2. ``keys``: every key file is readable and matches its certificate, the
   certificate carries the DV's OIN, chains to the configured chain, and
   how many days it has left (warnings at 60 and 30 days, an error from 7
   days); a pending ``[keys.next]`` and its activation moment;
3. ``metadata``: the broker's metadata is reachable, correctly signed by a
   trusted key, not about to pass ``validUntil``; its ``cacheDuration``; the
   signing keys it announces (a broker rollover); the last cron refresh;
4. ``drift``: the published catalogue and SP metadata (``[ops]``) against
   what ehkit.toml says they should be now;
5. ``artifact``: a TLS handshake with the broker's artifact resolution
   service, presenting the DV certificate, and how long it took;
6. ``store``: the state store answers a write and a read-back.

Doctor never changes anything: it writes no file and no key, and the store
check only marks a throw-away key that expires after a minute (an SQLite file
that does not exist yet is reported, not created).
"""

from __future__ import annotations

import secrets
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509

from ehkit.config import ConfigInvalidError, EhkitConfig, KeyFiles, load_config
from ehkit.errors import EhkitError
from ehkit.ops.findings import Finding, exit_code
from ehkit.pki import KeyPair, certificate_oin, key_name_sha256, load_certificates, verify_chain
from ehkit.saml.metadata import IdpMetadata
from ehkit.saml.timefmt import utcnow

#: Days before a certificate expires at which doctor warns (the last one is an error).
EXPIRY_WARNINGS = (60, 30)
EXPIRY_ERROR = 7
#: Metadata whose validUntil is closer than this is reported.
METADATA_VALID_WARNING = timedelta(days=2)
#: A TLS handshake slower than this is reported (a login waits for it).
SLOW_HANDSHAKE = 2.0
#: A cron refresh status older than this many refresh intervals is stale.
STALE_INTERVALS = 2

ROLLOVER_FIX = (
    "configure the next certificate as [keys.next] (key, cert, activation) and run `ehkit catalogue rollover` "
    "for the documents to send to your broker (docs/operations.md, rollover procedure)"
)


@dataclass
class DoctorOptions:
    """What doctor may use besides ehkit.toml (tests pass transports; the CLI passes nothing)."""

    now: datetime | None = None
    metadata_transport: httpx.BaseTransport | None = None
    published_transport: httpx.BaseTransport | None = None
    tls_timeout: float = 5.0
    #: Replace the TLS probe (tests): called with (url, config, now), returns a Finding.
    artifact_probe: Callable[[str, EhkitConfig, datetime], Finding] | None = None


@dataclass
class DoctorReport:
    source: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "config": self.source,
            "exit_code": self.exit_code,
            "findings": [f.as_dict() for f in self.findings],
        }


def run_doctor(config_path: str | Path, options: DoctorOptions | None = None) -> DoctorReport:
    """Every check, as findings. Raises nothing for a problem it can describe."""
    options = options or DoctorOptions()
    now = options.now or utcnow()
    report = DoctorReport(str(config_path))
    config = _config(Path(config_path), report)
    if config is None:
        return report
    report.findings += _guarded("keys", lambda: key_findings(config, now))
    metadata: IdpMetadata | None = None

    def metadata_part() -> list[Finding]:
        nonlocal metadata
        metadata, more = metadata_findings(config, now, transport=options.metadata_transport)
        return more

    report.findings += _guarded("metadata", metadata_part)
    report.findings += _guarded("metadata", lambda: refresh_status_findings(config, now))
    report.findings += _guarded("drift", lambda: drift_findings(config, now, transport=options.published_transport))
    if metadata is not None:
        verified = metadata
        report.findings += _guarded("artifact", lambda: artifact_findings(config, verified, now, options))
    report.findings += _guarded("store", lambda: store_findings(config, now))
    return report


def _guarded(area: str, run: Callable[[], list[Finding]]) -> list[Finding]:
    """A check that needs something an earlier check found broken (a key that does not load, for
    the drift check that builds signed documents) reports that, instead of stopping doctor."""
    try:
        return run()
    except EhkitError as exc:
        return [
            Finding(
                f"{area}.skipped",
                "error",
                f"the {area} checks could not run: {exc.message}",
                "fix the error reported above first (usually a key or certificate file)",
            )
        ]


# ------------------------------------------------------------------ configuration


def _config(path: Path, report: DoctorReport) -> EhkitConfig | None:
    try:
        config = load_config(path)
    except ConfigInvalidError as exc:
        for problem in exc.problems:
            report.findings.append(
                Finding(
                    "config.invalid",
                    "error",
                    f"{problem.path or path}: {problem.message}",
                    f"edit {problem.path or 'the file'} in {path}",
                )
            )
        return None
    except EhkitError as exc:
        report.findings.append(
            Finding("config.load", "error", exc.message, "pass the right file with --config (default ./ehkit.toml)")
        )
        return None
    groups = len(config.service_groups())
    report.findings.append(
        Finding("config.valid", "ok", f"{path}: {len(config.services)} service(s) in {groups} metadata group(s)")
    )
    return config


# ------------------------------------------------------------------ keys


def _days_left(cert: x509.Certificate, now: datetime) -> float:
    return (cert.not_valid_after_utc - now).total_seconds() / 86400


def expiry_finding(check: str, label: str, cert: x509.Certificate, now: datetime, *, fix: str) -> Finding:
    """The 60/30/7-day ladder for one certificate."""
    days = _days_left(cert, now)
    until = f"{cert.not_valid_after_utc:%Y-%m-%d}"
    data = {"days_left": round(days, 1), "not_after": cert.not_valid_after_utc.isoformat()}
    if days <= 0:
        return Finding(check, "error", f"{label} expired on {until}", fix, data)
    if cert.not_valid_before_utc > now:
        return Finding(
            check, "error", f"{label} is valid only from {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC", fix, data
        )
    if days <= EXPIRY_ERROR:
        return Finding(check, "error", f"{label} expires in {days:.0f} day(s), on {until}", fix, data)
    for threshold in sorted(EXPIRY_WARNINGS):
        if days <= threshold:
            return Finding(check, "warning", f"{label} expires in {days:.0f} days (on {until})", fix, data)
    return Finding(check, "ok", f"{label} valid until {until} ({days:.0f} days)", None, data)


def _pairs(config: EhkitConfig) -> Iterator[tuple[str, str, KeyFiles]]:
    keys = config.keys
    yield "signing", "signing key", keys.current_signing
    if keys.encryption_key is not None:
        yield "encryption", "encryption key", keys.current_encryption
    if keys.next is not None:
        nxt_sign = keys.next_signing
        nxt_enc = keys.next_encryption
        if nxt_sign is not None:
            yield "next", "next signing key", nxt_sign
        if keys.next.encryption_key is not None and nxt_enc is not None:
            yield "next_encryption", "next encryption key", nxt_enc


def key_findings(config: EhkitConfig, now: datetime) -> list[Finding]:
    found: list[Finding] = []
    loaded: dict[str, KeyPair] = {}
    chain = config.keys.signing_chain
    for role, label, files in _pairs(config):
        check = f"keys.{role}"
        try:
            pair = KeyPair.load(files.key, files.cert)
        except EhkitError as exc:
            found.append(
                Finding(
                    f"{check}.load",
                    "error",
                    f"{label}: {exc.message}",
                    f"point keys at the PEM private key and the certificate issued for it ({files.key}, {files.cert})",
                )
            )
            continue
        loaded[role] = pair
        name = key_name_sha256(pair.certificate)
        found.append(
            Finding(
                f"{check}.load",
                "ok",
                f"{label} {files.key.name} matches {files.cert.name} (KeyName {name[:16]}...)",
                data={"key_name": name},
            )
        )
        oin = certificate_oin(pair.certificate)
        if oin is None or str(oin) != str(config.dv.oin):
            found.append(
                Finding(
                    f"{check}.oin",
                    "error",
                    f"{label}: the certificate carries OIN {oin or 'none'}, the DV is {config.dv.oin}",
                    f"use the PKIoverheid certificate issued to OIN {config.dv.oin} (subject serialNumber), "
                    "or correct dv.oin",
                )
            )
        else:
            found.append(Finding(f"{check}.oin", "ok", f"{label}: OIN {oin} as in dv.oin"))
        fix = ROLLOVER_FIX if role in ("signing", "encryption") else "request a new certificate before activation"
        found.append(expiry_finding(f"{check}.expiry", f"{label} certificate", pair.certificate, now, fix=fix))
        if chain is not None and role in ("signing", "next"):
            found.append(_chain_finding(f"{check}.chain", label, pair.certificate, Path(chain), now))
    if chain is None and "signing" in loaded:
        found.append(
            Finding(
                "keys.signing.chain",
                "info",
                "no keys.signing_chain configured: the chain to the PKIoverheid root is not checked",
                "set keys.signing_chain to the file with the intermediate and root certificates of your TSP",
            )
        )
    found += _rollover_findings(config, loaded, now)
    return found


def _chain_finding(check: str, label: str, cert: x509.Certificate, chain: Path, now: datetime) -> Finding:
    try:
        certs = load_certificates(chain)
    except EhkitError as exc:
        return Finding(
            check, "error", f"keys.signing_chain: {exc.message}", "point it at a PEM bundle of CA certificates"
        )
    roots = [c for c in certs if c.issuer == c.subject] or certs[-1:]
    try:
        verify_chain(cert, certs, roots, now)
    except EhkitError as exc:
        return Finding(
            check,
            "error",
            f"{label}: does not chain to {chain.name} ({exc.message})",
            "put the issuing CA's intermediate(s) and root in keys.signing_chain, or fix the certificate",
        )
    return Finding(check, "ok", f"{label}: chains to {roots[0].subject.rfc4514_string()[:80]}")


def _rollover_findings(config: EhkitConfig, loaded: dict[str, KeyPair], now: datetime) -> list[Finding]:
    keys = config.keys
    if keys.next is None:
        return [Finding("keys.next", "ok", "no key rollover pending ([keys.next] not configured)")]
    activation = keys.next.activation
    data = {"activation": activation.isoformat()}
    if keys.next_active(now):
        return [
            Finding(
                "keys.next.activation",
                "warning",
                f"the next key became current at {activation:%Y-%m-%d %H:%M %Z}; ehkit signs with it",
                "once the broker confirmed the switch: send the catalogue with only the new certificate "
                "(`ehkit catalogue rollover`, step 3), then move [keys.next] into [keys]",
                data,
            )
        ]
    days = (activation - now).total_seconds() / 86400
    found = [
        Finding(
            "keys.next.activation",
            "info",
            f"next key becomes current at {activation:%Y-%m-%d %H:%M %Z} (in {days:.1f} days)",
            "make sure the broker has the catalogue and SP metadata announcing it (`ehkit catalogue rollover`)",
            data,
        )
    ]
    current = loaded.get("signing")
    if current is not None and current.certificate.not_valid_after_utc <= activation:
        found.append(
            Finding(
                "keys.next.activation",
                "error",
                f"the current certificate expires ({current.certificate.not_valid_after_utc:%Y-%m-%d}) before the "
                f"activation moment ({activation:%Y-%m-%d}): logins fail in between",
                "move keys.next.activation before the current certificate's expiry",
            )
        )
    nxt = loaded.get("next")
    if nxt is not None and nxt.certificate.not_valid_before_utc > activation:
        found.append(
            Finding(
                "keys.next.activation",
                "error",
                f"the next certificate is valid only from {nxt.certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC, "
                f"after its activation moment",
                "move keys.next.activation to after the next certificate's notBefore",
            )
        )
    return found


# ------------------------------------------------------------------ HM metadata

_SIGNATURE_REASONS = ("metadata_untrusted", "signature", "metadata_unsigned", "metadata_signature")


def metadata_findings(
    config: EhkitConfig, now: datetime, *, transport: httpx.BaseTransport | None = None
) -> tuple[IdpMetadata | None, list[Finding]]:
    from ehkit.ops.refresh import metadata_cache

    broker = config.broker
    if broker.metadata_url is None and broker.metadata_file is None:
        return None, [Finding("metadata.source", "info", "no SAML metadata configured (every service uses OIDC)")]
    where = "broker.metadata_url" if broker.metadata_url else "broker.metadata_file"
    source = broker.metadata_url or str(broker.metadata_file)
    try:
        cache = metadata_cache(config, transport=transport)
    except EhkitError as exc:
        return None, [Finding("metadata.trust", "error", exc.message, "fix broker.pinned_certs / broker.ca_certs")]
    started = time.perf_counter()
    try:
        xml = cache.fetch()
    except EhkitError as exc:
        return None, [
            Finding(
                "metadata.reachable",
                "error",
                exc.message if source in exc.message else f"{source}: {exc.message}",
                f"check {where} and that this host can reach the broker (proxy, firewall); a running SP keeps "
                "its last good copy until validUntil",
            )
        ]
    elapsed = time.perf_counter() - started
    found = [Finding("metadata.reachable", "ok", f"{source}: {len(xml)} bytes in {elapsed * 1000:.0f} ms")]
    try:
        metadata = cache.load(xml, now=now)
    except EhkitError as exc:
        if exc.reason == "metadata_expired":
            fix = "the broker published expired metadata: ask the broker; the SP refuses it (fails closed)"
        elif exc.reason.startswith(_SIGNATURE_REASONS):
            fix = (
                "the metadata is not signed by a key you trust: if the broker rolled its metadata signing key, get "
                "the new certificate through a trusted channel and add it to broker.pinned_certs; otherwise treat "
                "this copy as forged"
            )
        else:
            fix = f"check that {where} is the broker's metadata for {broker.entity_id}"
        found.append(Finding("metadata.signature", "error", f"{exc.message} ({exc.reason})", fix))
        return None, found
    found.append(Finding("metadata.signature", "ok", f"signed by a trusted key ({config.broker.trust_mode} trust)"))
    found += _validity_findings(config, metadata, now)
    found += _announced_key_findings(metadata, now)
    return metadata, found


def _duration(delta: timedelta) -> str:
    """``1 day``, ``6 h``, ``15 min``: how operators say it."""
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0 and seconds >= 86400:
        days = seconds // 86400
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _validity_findings(config: EhkitConfig, metadata: IdpMetadata, now: datetime) -> list[Finding]:
    found: list[Finding] = []
    if metadata.valid_until is None:
        found.append(
            Finding(
                "metadata.valid_until",
                "info",
                "the metadata has no validUntil (it is used until the next refresh replaces it)",
            )
        )
    else:
        left = metadata.valid_until - now
        data = {"valid_until": metadata.valid_until.isoformat(), "seconds_left": int(left.total_seconds())}
        if left < METADATA_VALID_WARNING:
            found.append(
                Finding(
                    "metadata.valid_until",
                    "warning",
                    f"validUntil {metadata.valid_until:%Y-%m-%d %H:%M} UTC is {left.total_seconds() / 3600:.0f} h away",
                    "make sure the scheduled refresh runs (`ehkit metadata refresh`); ask the broker for fresh metadata",
                    data,
                )
            )
        else:
            found.append(
                Finding(
                    "metadata.valid_until",
                    "ok",
                    f"valid until {metadata.valid_until:%Y-%m-%d %H:%M} UTC ({left.days} days)",
                    data=data,
                )
            )
    interval = timedelta(seconds=config.broker.metadata_refresh)
    effective = min(interval, metadata.cache_duration) if metadata.cache_duration else interval
    said = f"cacheDuration {_duration(metadata.cache_duration)}" if metadata.cache_duration else "no cacheDuration"
    found.append(
        Finding(
            "metadata.cache_duration",
            "ok",
            f"{said}; the SP refreshes every {_duration(effective)} (broker.metadata_refresh "
            f"{_duration(interval)}), with jitter",
            data={"refresh_seconds": effective.total_seconds()},
        )
    )
    return found


def _announced_key_findings(metadata: IdpMetadata, now: datetime) -> list[Finding]:
    certs = metadata.signing_certificates
    names = [key_name_sha256(c)[:16] + "..." for c in certs]
    valid = [c for c in certs if c.not_valid_before_utc <= now < c.not_valid_after_utc]
    found: list[Finding] = []
    if len(certs) > 1:
        found.append(
            Finding(
                "metadata.keys",
                "info",
                f"the broker announces {len(certs)} signing keys ({', '.join(names)}): a rollover is under way; "
                "responses signed by any of them are accepted",
                data={"key_names": [key_name_sha256(c) for c in certs]},
            )
        )
    else:
        found.append(Finding("metadata.keys", "ok", f"one broker signing key ({', '.join(names) or 'none'})"))
    if not valid:
        found.append(
            Finding(
                "metadata.keys.valid",
                "error",
                "no broker signing certificate in the metadata is valid now: every login is refused",
                "ask the broker; the SP accepts only currently valid signing certificates",
            )
        )
    else:
        latest = max(valid, key=lambda c: c.not_valid_after_utc)
        days = _days_left(latest, now)
        if days <= 30:
            found.append(
                Finding(
                    "metadata.keys.valid",
                    "warning",
                    f"the broker's newest signing certificate expires in {days:.0f} days and no successor is announced",
                    "ask the broker when it publishes its next signing key",
                )
            )
    return found


def refresh_status_findings(config: EhkitConfig, now: datetime) -> list[Finding]:
    from ehkit.ops.refresh import read_status, status_path

    record = read_status(config)
    if record is None:
        return [
            Finding(
                "metadata.refresh",
                "info",
                f"no scheduled refresh recorded ({status_path(config)}); a running SP refreshes in the background",
                "optionally schedule `ehkit metadata refresh` (cron) so a failing refresh shows up here",
            )
        ]
    data = record.as_dict()
    if not record.ok:
        since = f"; last success {record.last_success:%Y-%m-%d %H:%M} UTC" if record.last_success else ""
        return [
            Finding(
                "metadata.refresh",
                "error",
                f"the last refresh ({record.at:%Y-%m-%d %H:%M} UTC) failed: {record.message} ({record.reason}){since}; "
                "the last good copy stays in use",
                "fix the cause named above; run `ehkit metadata refresh` to retry",
                data,
            )
        ]
    age = now - record.at
    stale = timedelta(seconds=config.broker.metadata_refresh * STALE_INTERVALS)
    if age > stale:
        return [
            Finding(
                "metadata.refresh",
                "warning",
                f"the last recorded refresh ran {age.days} day(s) ago ({record.at:%Y-%m-%d %H:%M} UTC)",
                "check that the scheduled `ehkit metadata refresh` still runs",
                data,
            )
        ]
    return [Finding("metadata.refresh", "ok", f"last refresh {record.at:%Y-%m-%d %H:%M} UTC succeeded", data=data)]


# ------------------------------------------------------------------ drift


def _read_published(source: str, transport: httpx.BaseTransport | None) -> bytes:
    from ehkit.saml.metadata import MetadataError

    if source.startswith(("http://", "https://")):
        try:
            with httpx.Client(transport=transport, timeout=10.0, trust_env=False) as client:
                response = client.get(source)
        except httpx.HTTPError as exc:
            raise MetadataError(f"cannot fetch {source}: {type(exc).__name__}", reason="metadata_unavailable") from None
        if response.status_code != 200:
            raise MetadataError(f"{source} answered HTTP {response.status_code}", reason="metadata_unavailable")
        return response.content
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise MetadataError(f"cannot read {source}: {exc.strerror or exc}", reason="metadata_unavailable") from None


def drift_findings(
    config: EhkitConfig, now: datetime, *, transport: httpx.BaseTransport | None = None
) -> list[Finding]:
    found: list[Finding] = []
    ops = config.ops
    if ops.published_catalogue is None:
        found.append(
            Finding(
                "drift.catalogue",
                "info",
                "no published catalogue to compare ([ops] published_catalogue)",
                "set [ops] published_catalogue to the catalogue your broker has, to detect drift",
            )
        )
    else:
        found += _catalogue_drift(config, Path(ops.published_catalogue), now)
    if not ops.published_metadata:
        found.append(
            Finding(
                "drift.metadata",
                "info",
                "no published SP metadata to compare ([ops] published_metadata)",
                "set [ops] published_metadata to the files or URLs your broker reads, to detect drift",
            )
        )
    else:
        found += _metadata_drift(config, ops.published_metadata, now, transport)
    return found


_QUIET_CATALOGUE_FIELDS = {"version"}


def _catalogue_drift(config: EhkitConfig, path: Path, now: datetime) -> list[Finding]:
    from ehkit.catalogue.build import build_catalogue
    from ehkit.catalogue.diff import diff_catalogues

    try:
        published = path.read_bytes()
    except OSError as exc:
        return [
            Finding(
                "drift.catalogue",
                "error",
                f"cannot read {path}: {exc.strerror or exc}",
                "fix [ops] published_catalogue",
            )
        ]
    try:
        diff = diff_catalogues(published, build_catalogue(config, at=now, sign=False))
    except EhkitError as exc:
        return [Finding("drift.catalogue", "error", f"{path}: {exc.message}", "point it at a service catalogue")]
    changes = [f"{c.field}: {c.old!r} -> {c.new!r}" for c in diff.catalogue if c.field not in _QUIET_CATALOGUE_FIELDS]
    for service in diff.services:
        if service.status == "unchanged":
            continue
        label = service.name or service.key
        if service.status in ("added", "removed"):
            where = "in ehkit.toml only" if service.status == "added" else "in the published catalogue only"
            changes.append(f"service {label} {where}")
        for change in service.changes:
            changes.append(f"service {label}: {change.field} {change.note or ''}".rstrip())
    if not changes:
        return [Finding("drift.catalogue", "ok", f"{path.name} matches ehkit.toml")]
    return [
        Finding(
            "drift.catalogue",
            "error" if diff.breaking else "warning",
            f"{path.name} differs from ehkit.toml: " + "; ".join(changes[:8]) + (" ..." if len(changes) > 8 else ""),
            "build the catalogue (`ehkit catalogue build`), check it with `ehkit catalogue diff`, and send it to "
            "your broker (then update [ops] published_catalogue)",
            {"changes": changes, "breaking": diff.breaking},
        )
    ]


def _metadata_drift(
    config: EhkitConfig, sources: list[str], now: datetime, transport: httpx.BaseTransport | None
) -> list[Finding]:
    from ehkit.broker.dv_registry import parse_sp_metadata
    from ehkit.catalogue.sp_metadata import build_sp_metadata

    found: list[Finding] = []
    expected = {str(g.entity_id): g for g in config.service_groups()}
    seen: set[str] = set()
    for source in sources:
        try:
            dvs = parse_sp_metadata(_read_published(source, transport), source=source)
        except EhkitError as exc:
            found.append(Finding("drift.metadata", "error", f"{source}: {exc.message}", "fix [ops] published_metadata"))
            continue
        for dv in dvs:
            group = expected.get(dv.entity_id)
            if group is None:
                found.append(
                    Finding(
                        "drift.metadata",
                        "error",
                        f"{source}: {dv.entity_id} is not an EntityID of ehkit.toml",
                        "publish the metadata `ehkit metadata build` writes",
                    )
                )
                continue
            seen.add(dv.entity_id)
            want = parse_sp_metadata(build_sp_metadata(config, group, now), source="ehkit.toml")[0]
            diffs = _metadata_differences(dv, want)
            if diffs:
                found.append(
                    Finding(
                        "drift.metadata",
                        "error",
                        f"{source} ({group.name}) differs from ehkit.toml now: " + "; ".join(diffs),
                        f"publish `ehkit metadata build --group {group.name}` (and tell your broker when it "
                        "does not fetch it by URL)",
                        {"group": group.name, "differences": diffs},
                    )
                )
            else:
                found.append(Finding("drift.metadata", "ok", f"{source} ({group.name}) matches ehkit.toml"))
    missing = [g.name for eid, g in expected.items() if eid not in seen]
    if missing:
        found.append(
            Finding(
                "drift.metadata",
                "warning",
                f"no published metadata for group(s) {', '.join(missing)}",
                "add their file or URL to [ops] published_metadata",
            )
        )
    return found


def _metadata_differences(published: Any, expected: Any) -> list[str]:
    out: list[str] = []
    have = {key_name_sha256(c) for c in published.signing_certificates}
    want = {key_name_sha256(c) for c in expected.signing_certificates}
    for name in sorted(want - have):
        out.append(f"certificate {name[:16]}... is missing")
    for name in sorted(have - want):
        out.append(f"certificate {name[:16]}... should no longer be published")
    acs_have = {(e.binding, e.location) for e in published.acs}
    acs_want = {(e.binding, e.location) for e in expected.acs}
    if acs_have != acs_want:
        out.append(
            f"AssertionConsumerService {sorted(loc for _, loc in acs_have)} instead of {sorted(loc for _, loc in acs_want)}"
        )
    services_have = {i: s.service_id for i, s in published.services.items()}
    services_want = {i: s.service_id for i, s in expected.services.items()}
    if services_have != services_want:
        out.append(f"services {sorted(services_have.values())} instead of {sorted(services_want.values())}")
    return out


# ------------------------------------------------------------------ artifact endpoint


def artifact_findings(
    config: EhkitConfig, metadata: IdpMetadata, now: datetime, options: DoctorOptions
) -> list[Finding]:
    try:
        url = metadata.artifact_resolution_url()
    except EhkitError as exc:
        return [Finding("artifact.endpoint", "error", exc.message, "ask the broker: its metadata lists no ARS")]
    if options.artifact_probe is not None:
        return [options.artifact_probe(url, config, now)]
    return [tls_probe(url, config, now, timeout=options.tls_timeout)]


def tls_probe(url: str, config: EhkitConfig, now: datetime, *, timeout: float = 5.0) -> Finding:
    """Connect to the ARS and complete a TLS handshake presenting the DV certificate; nothing is sent."""
    from ehkit.sp.artifact_client import tls_context

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if parts.scheme != "https":
                elapsed = time.perf_counter() - started
                return Finding(
                    "artifact.tls",
                    "warning",
                    f"{url} is plain http (only for a local test broker): TCP connect in {elapsed * 1000:.0f} ms",
                    "a real broker's artifact resolution service is https with mutual TLS",
                    {"seconds": round(elapsed, 4)},
                )
            pair = config.keys.signing_pair(now)
            ctx = tls_context(client_cert=pair.cert, client_key=pair.key, ca_file=config.broker.tls_ca)
            with ctx.wrap_socket(sock, server_hostname=host) as tls:
                elapsed = time.perf_counter() - started
                version = tls.version()
                peer = tls.getpeercert()
                _await_verdict(tls)
    except (OSError, ssl.SSLError, EhkitError) as exc:
        message = exc.message if isinstance(exc, EhkitError) else f"{type(exc).__name__}: {exc}"
        return Finding(
            "artifact.tls",
            "error",
            f"{url}: {message}",
            "check the network path to the broker, broker.tls_ca (the broker's server CA), and that the broker has "
            "your certificate (it checks the TLS client certificate against your SP metadata)",
        )
    data: dict[str, Any] = {"seconds": round(elapsed, 4), "tls_version": version}
    level: Any = "ok"
    note = ""
    if elapsed > SLOW_HANDSHAKE:
        level, note = "warning", " (slow: every login waits for this)"
    not_after = peer.get("notAfter") if isinstance(peer, dict) else None
    if isinstance(not_after, str):
        data["server_not_after"] = not_after
    return Finding(
        "artifact.tls",
        level,
        f"{url}: {version} handshake with client certificate in {elapsed * 1000:.0f} ms{note}",
        "ask the broker about the latency of its artifact resolution service" if level != "ok" else None,
        data,
    )


def _await_verdict(tls: ssl.SSLSocket) -> None:
    """With TLS 1.3 the client finishes its handshake before the server has judged the client
    certificate; a refusal arrives as an alert on the first read. Wait briefly for one (nothing
    is sent: a server that accepted simply waits for a request, or closes)."""
    tls.settimeout(_VERDICT_WAIT)
    try:
        tls.recv(1)
    except TimeoutError:
        return


_VERDICT_WAIT = 1.0


# ------------------------------------------------------------------ state store


def store_findings(config: EhkitConfig, now: datetime) -> list[Finding]:
    from ehkit.sp.stores import open_store

    state = config.state
    shown = state.store.split("@")[-1]
    if state.kind == "memory":
        return [
            Finding(
                "store.reachable",
                "info",
                "memory:// keeps login state per process: fine for one process, wrong for several workers",
                "use sqlite:///state.db (one host) or redis://host:6379/0 (several hosts)",
            )
        ]
    if state.kind == "sqlite" and state.sqlite_path is not None and not state.sqlite_path.exists():
        return [
            Finding(
                "store.reachable",
                "warning",
                f"{state.sqlite_path} does not exist yet (the SP creates it at its first login; doctor does not)",
                "start the application once, or check state.store",
            )
        ]
    started = time.perf_counter()
    try:
        store = open_store(state.store)
        try:
            key = f"ehkit-doctor:{secrets.token_hex(8)}"
            expires = now + timedelta(minutes=1)
            first = store.mark_seen(key, expires_at=expires, now=now)
            second = store.mark_seen(key, expires_at=expires, now=now)
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 - any driver failure means the store is unusable
        message = exc.message if isinstance(exc, EhkitError) else f"{type(exc).__name__}: {exc}"
        return [
            Finding(
                "store.reachable",
                "error",
                f"{shown}: {message}",
                "check state.store and that the store (Redis, the SQLite file's directory) is up and reachable; "
                "while it is down every login fails",
            )
        ]
    elapsed = time.perf_counter() - started
    if not (first and not second):
        return [
            Finding(
                "store.roundtrip",
                "error",
                f"{shown}: a written key did not read back (first {first}, second {second}): replays would pass",
                "check that every application server uses the same store and that it keeps what is written",
            )
        ]
    return [
        Finding(
            "store.roundtrip",
            "ok",
            f"{shown}: write and read-back in {elapsed * 1000:.1f} ms",
            data={"seconds": round(elapsed, 4)},
        )
    ]
