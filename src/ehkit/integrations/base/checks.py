"""Configuration checks and the operator's tasks, shared by every integration's commands.

Three tasks, the same in ``manage.py ehkit ...``, ``flask ehkit ...`` and
``ehkit integration ...``:

* ``check``: the settings, ``ehkit.toml`` with the overrides, the keys, that
  ``dv.acs_url`` points at the mounted ACS, and, unless offline, that the
  broker metadata loads and verifies and that the state store answers.
  Django also runs the offline part as system checks at start-up.
* ``metadata``: the signed SP metadata of a service group.
* ``refresh-metadata``: fetch the broker metadata, verify it against the
  configured trust, and (for a ``metadata_file`` setup) replace the file
  atomically. Running applications re-read the file at their next scheduled
  refresh (``broker.metadata_refresh``, a day by default).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ehkit.config import ConfigInvalidError, EhkitConfig
from ehkit.errors import EhkitError
from ehkit.integrations.base.settings import IntegrationSettings
from ehkit.saml.timefmt import utcnow

Level = Literal["error", "warning", "ok"]
CERT_WARNING_DAYS = 30


@dataclass(frozen=True)
class Finding:
    """One result. ``field`` names what to change: a setting (``EHKIT["ACS_URL"]``) or an ehkit.toml path."""

    level: Level
    check: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _problems(exc: ConfigInvalidError, check: str) -> list[Finding]:
    return [Finding("error", check, p.path or "ehkit.toml", p.message) for p in exc.problems]


def load_settings(build: Callable[[], IntegrationSettings]) -> tuple[IntegrationSettings | None, list[Finding]]:
    try:
        return build(), []
    except ConfigInvalidError as exc:
        return None, _problems(exc, "settings")
    except EhkitError as exc:
        return None, [Finding("error", "settings", "", exc.message)]


def load_configuration(settings: IntegrationSettings) -> tuple[EhkitConfig | None, list[Finding]]:
    try:
        config = settings.load_config()
    except ConfigInvalidError as exc:
        return None, _problems(exc, "config")
    except EhkitError as exc:
        return None, [Finding("error", "config", settings.label("CONFIG"), exc.message)]
    found = [Finding("ok", "config", str(settings.config_path), f"{len(config.services)} service(s) configured")]
    if settings.default_service is not None and settings.default_service not in {s.key for s in config.services}:
        found.append(
            Finding(
                "error",
                "settings",
                settings.label("DEFAULT_SERVICE"),
                f"{settings.default_service!r} is not a service in ehkit.toml (known: "
                f"{', '.join(s.key for s in config.services)})",
            )
        )
    if settings.response_binding == "post" and not config.dv.post_acs_url:
        found.append(
            Finding(
                "error",
                "settings",
                settings.label("RESPONSE_BINDING"),
                "'post' needs dv.post_acs_url in ehkit.toml (or the POST_ACS_URL setting)",
            )
        )
    return config, found


def key_findings(config: EhkitConfig, *, now: datetime | None = None) -> list[Finding]:
    """Every key pair loads, matches its certificate, and the certificates are valid now."""
    from ehkit.pki.keypair import KeyPair

    now = now or utcnow()
    found: list[Finding] = []
    pairs = [("keys.signing_key", config.keys.signing_pair(now))]
    pairs += [(f"keys ({p.label} decryption)", p) for p in config.keys.decryption_pairs()]
    seen: set[Path] = set()
    for field, files in pairs:
        if files.key in seen:
            continue
        seen.add(files.key)
        try:
            pair = KeyPair.load(files.key, files.cert)
        except EhkitError as exc:
            found.append(Finding("error", "keys", field, exc.message))
            continue
        if pair.not_after <= now:
            found.append(
                Finding("error", "keys", field, f"certificate {files.cert} expired on {pair.not_after:%Y-%m-%d}")
            )
        elif pair.not_before > now:
            found.append(
                Finding(
                    "error", "keys", field, f"certificate {files.cert} is valid only from {pair.not_before:%Y-%m-%d}"
                )
            )
        elif pair.not_after - now < timedelta(days=CERT_WARNING_DAYS):
            found.append(
                Finding(
                    "warning",
                    "keys",
                    field,
                    f"certificate {files.cert} expires on {pair.not_after:%Y-%m-%d}; plan the rollover "
                    "([keys.next], see `ehkit catalogue rollover`)",
                )
            )
        else:
            found.append(Finding("ok", "keys", field, f"{files.cert} valid until {pair.not_after:%Y-%m-%d}"))
    return found


def route_findings(config: EhkitConfig, settings: IntegrationSettings, acs_route: str | None) -> list[Finding]:
    """``dv.acs_url`` (and ``post_acs_url``) must reach the ACS this application mounts."""
    if acs_route is None:
        return []
    found: list[Finding] = []
    acs_setting = settings.label("ACS_URL") if "ACS_URL" in settings.overrides else "dv.acs_url"
    for field, url in ((acs_setting, config.dv.acs_url), ("dv.post_acs_url", config.dv.post_acs_url)):
        if url is None:
            continue
        if field == "dv.post_acs_url" and "POST_ACS_URL" in settings.overrides:
            field = settings.label("POST_ACS_URL")
        path = urlsplit(url).path or "/"
        if path != acs_route:
            found.append(
                Finding(
                    "error",
                    "routes",
                    field,
                    f"{url} has path {path}, but this application's ACS is at {acs_route} "
                    f"(make the URL end in {acs_route}, or mount the integration where the URL points)",
                )
            )
        else:
            found.append(Finding("ok", "routes", field, f"{url} reaches this application's ACS"))
    if config.dv.slo_url and acs_route.endswith("/acs/"):
        # The SingleLogoutService is mounted next to the ACS: <prefix>/slo/.
        slo_route = acs_route[: -len("acs/")] + "slo/"
        path = urlsplit(config.dv.slo_url).path or "/"
        if path != slo_route:
            found.append(
                Finding(
                    "error",
                    "routes",
                    "dv.slo_url",
                    f"{config.dv.slo_url} has path {path}, but this application's SingleLogoutService is at "
                    f"{slo_route} (make the URL end in {slo_route})",
                )
            )
        else:
            found.append(Finding("ok", "routes", "dv.slo_url", f"{config.dv.slo_url} reaches this application's SLO"))
    return found


def callback_findings(config: EhkitConfig, settings: IntegrationSettings, callback_route: str | None) -> list[Finding]:
    """``broker.oidc.redirect_uri`` must reach the OIDC callback this application mounts (when there is an OIDC front)."""
    oidc = config.broker.oidc
    if callback_route is None or oidc is None:
        return []
    field = (
        settings.label("OIDC_REDIRECT_URI") if "OIDC_REDIRECT_URI" in settings.overrides else "broker.oidc.redirect_uri"
    )
    path = urlsplit(oidc.redirect_uri).path or "/"
    if path != callback_route:
        return [
            Finding(
                "error",
                "routes",
                field,
                f"{oidc.redirect_uri} has path {path}, but this application's OIDC callback is at {callback_route} "
                f"(make the URL end in {callback_route}, register it at the provider, or mount the integration "
                "where the URL points)",
            )
        ]
    return [Finding("ok", "routes", field, f"{oidc.redirect_uri} reaches this application's OIDC callback")]


def metadata_findings(config: EhkitConfig) -> list[Finding]:
    """The broker metadata loads (file or URL) and verifies against the configured trust."""
    from ehkit.sp.config_bridge import provider_parts

    now = utcnow()
    where = "broker.metadata_url" if config.broker.metadata_url else "broker.metadata_file"
    try:
        metadata = provider_parts(config, now=now).metadata.get(now=now)
    except EhkitError as exc:
        return [Finding("error", "metadata", where, f"{exc.message} ({exc.reason})")]
    until = f", valid until {metadata.valid_until:%Y-%m-%d %H:%M} UTC" if metadata.valid_until else ""
    return [
        Finding(
            "ok",
            "metadata",
            where,
            f"{metadata.entity_id}: {len(metadata.signing_certificates)} signing certificate(s){until}",
        )
    ]


def store_findings(config: EhkitConfig) -> list[Finding]:
    """The state store accepts a write (a throw-away replay-cache key that expires in a minute)."""
    from ehkit.sp.config_bridge import provider_parts
    from ehkit.sp.stores import StateStore, open_store

    now = utcnow()
    try:
        parts = provider_parts(config, now=now)
        store = parts.store if isinstance(parts.store, StateStore) else open_store(parts.store)
        try:
            store.mark_seen(f"ehkit-check:{secrets.token_hex(8)}", expires_at=now + timedelta(minutes=1), now=now)
        finally:
            store.close()
    except EhkitError as exc:
        return [Finding("error", "store", "state.store", f"{exc.message} ({exc.reason})")]
    except Exception as exc:  # noqa: BLE001 - any driver failure means the store is not usable
        return [Finding("error", "store", "state.store", f"{config.state.store}: {type(exc).__name__}: {exc}")]
    return [Finding("ok", "store", "state.store", f"{config.state.store.split('@')[-1]} answers")]


def run_checks(
    build: Callable[[], IntegrationSettings],
    *,
    acs_route: str | None = None,
    offline: bool = False,
    callback_route: str | None = None,
    extra: Callable[[IntegrationSettings, EhkitConfig], list[Finding]] | None = None,
) -> list[Finding]:
    """Everything, in order; later checks run only when what they need loaded."""
    settings, found = load_settings(build)
    if settings is None:
        return found
    config, more = load_configuration(settings)
    found += more
    if config is None:
        return found
    found += key_findings(config)
    found += route_findings(config, settings, acs_route)
    found += callback_findings(config, settings, callback_route)
    if extra is not None:
        found += extra(settings, config)
    if not offline:
        found += metadata_findings(config)
        found += store_findings(config)
    return found


def failed(findings: list[Finding]) -> bool:
    return any(f.level == "error" for f in findings)


# ------------------------------------------------------------------ operator tasks


def sp_metadata(config: EhkitConfig, group: str | None) -> dict[str, bytes]:
    """Signed SP metadata per group (all groups, or the one named)."""
    from ehkit.catalogue.sp_metadata import build_sp_metadata

    now = utcnow()
    groups = [config.service_group(group)] if group else list(config.service_groups())
    return {g.name: build_sp_metadata(config, g, now) for g in groups}


@dataclass(frozen=True)
class RefreshResult:
    source: str
    entity_id: str
    signing_certificates: int
    valid_until: datetime | None
    written_to: Path | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "entity_id": self.entity_id,
            "signing_certificates": self.signing_certificates,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "written_to": str(self.written_to) if self.written_to else None,
        }


def _fetch(url: str, timeout: float = 10.0) -> bytes:
    import httpx

    from ehkit.saml.metadata import MetadataError
    from ehkit.sp.metadata_cache import METADATA_LIMITS

    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise MetadataError(f"{url} answered HTTP {response.status_code}", reason="metadata_unavailable")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > METADATA_LIMITS.max_bytes:
                    raise MetadataError("the metadata is larger than 2 MiB", reason="metadata_malformed")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise MetadataError(f"cannot fetch {url}: {type(exc).__name__}", reason="metadata_unavailable") from None


def refresh_metadata(config: EhkitConfig, *, url: str | None = None) -> RefreshResult:
    """Fetch and verify the broker metadata; with a ``metadata_file`` setup and ``url``, replace the file.

    The file is written only after the new document verified against the
    configured trust (pinned certificates, or CA + OIN), and atomically, so a
    running application never reads a half-written or unverified copy.
    Without ``url`` the configured source (URL or file) is fetched and verified.
    """
    from ehkit.config.types import check_url
    from ehkit.errors import ValidationError
    from ehkit.sp.metadata_cache import CaTrust, MetadataCache, PinnedTrust, load_certificates
    from ehkit.util.files import atomic_write

    broker = config.broker
    if url is not None:
        try:
            check_url(url, max_length=None)
        except ValueError as exc:
            raise ValidationError(f"the metadata URL {exc}", reason="invalid_value") from None
    source = url or broker.metadata_url
    trust: PinnedTrust | CaTrust
    if broker.trust_mode == "pinned":
        trust = PinnedTrust(load_certificates(broker.pinned_certs))
    else:
        trust = CaTrust(roots=load_certificates(broker.ca_certs), oin=broker.effective_expected_oin)
    if source is not None:
        xml = _fetch(source)
    elif broker.metadata_file is not None:
        try:
            xml = Path(broker.metadata_file).read_bytes()
        except OSError as exc:
            from ehkit.saml.metadata import MetadataError

            raise MetadataError(
                f"cannot read {broker.metadata_file}: {exc.strerror}", reason="metadata_unavailable"
            ) from None
        source = str(broker.metadata_file)
    else:  # the configuration model guarantees one of the two
        raise ValidationError("no broker.metadata_file or broker.metadata_url is configured", reason="config_invalid")
    fetched = url is not None or broker.metadata_url is not None
    verifier = MetadataCache(
        entity_id=str(broker.entity_id), trust=trust, url=source if fetched else None, file=None if fetched else source
    )
    metadata = verifier.load(xml, now=utcnow())  # raises MetadataError unless signed by a trusted key
    written = None
    if url is not None and broker.metadata_file is not None and broker.metadata_url is None:
        atomic_write(broker.metadata_file, xml)
        written = Path(broker.metadata_file)
    return RefreshResult(source, metadata.entity_id, len(metadata.signing_certificates), metadata.valid_until, written)
