"""Protocol checks: logins through the simulator, and what the DV sent on the way.

Order matters, and is fixed: first one successful login per login URL (the
positive control, LOGIN-SUCCESS: without it no refusal can be told apart from
a broken login, so the other login checks are not judged), then the other
flows, the hostile responses, the broker outages (the unreachable broker last,
since it stops the server), and finally the checks on the AuthnRequests,
ArtifactResolves and ACS answers collected along the way.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ehkit.broker.dv_registry import DvService, RegisteredDv
from ehkit.broker.engine import Broker, Delivery
from ehkit.broker.grant import Grant
from ehkit.broker.scenarios import get_scenario
from ehkit.conformance.browser import Browser, same_origin
from ehkit.conformance.checks import CHECKS, Check
from ehkit.conformance.config import LoginTarget
from ehkit.conformance.driver import Choice, Driver, Judgement, Kind, Started, expected_identity
from ehkit.conformance.report import CheckResult, Evidence, Status
from ehkit.conformance.simulator import ResolveObservation, Simulator
from ehkit.domain.loa import LevelOfAssurance
from ehkit.errors import EhkitError
from ehkit.saml.artifact_resolution import parse_artifact_resolve
from ehkit.saml.bindings import verify_redirect_query
from ehkit.saml.soap import unwrap
from ehkit.xml.ns import SAML, SAMLP, q
from ehkit.xml.parse import parse_document
from ehkit.xml.signature import find_signature, verify_element
from ehkit.xml.trust import TrustSet

__all__ = ["PROTOCOL_ORDER", "ProtocolRun"]

FLOW_CHECKS = (
    "LOGIN-SUCCESS",
    "LOGIN-CANCEL",
    "LOGIN-NOT-AUTHORISED",
    "LOGIN-CHAIN",
    "LOGIN-BRANCH",
    "LOGIN-EIDAS",
    "LOGIN-UNSIGNED-INNER-RESPONSE",
)
HOSTILE_CHECKS = tuple(c.id for c in CHECKS.values() if c.id.startswith("REFUSE-"))
OUTAGE_CHECKS = ("DOWN-HTTP-500", "DOWN-UNREACHABLE")
COLLECTED_CHECKS = (
    "REQ-SIGNED",
    "REQ-WELL-FORMED",
    "REQ-FORCE-AUTHN",
    "REQ-SERVICE-INDEX",
    "REQ-RELAY-STATE",
    "REQ-LOA",
    "ARS-SIGNED",
    "ARS-MTLS",
    "ARS-CONTENT-TYPE",
    "ACS-CACHE-CONTROL",
)
PROTOCOL_ORDER = FLOW_CHECKS + HOSTILE_CHECKS + OUTAGE_CHECKS + COLLECTED_CHECKS
RELAY_STATE_LIMIT = 80
REQUEST_CLOCK_WINDOW = 300.0


@dataclass
class _Target:
    """A login URL with what its first (discovery) login showed."""

    target: LoginTarget
    started: Started
    judgement: Judgement | None = None
    choice: Choice | None = None
    grant: Grant | None = None
    problem: str | None = None

    @property
    def service(self) -> DvService | None:
        return self.started.service

    @property
    def succeeded(self) -> bool:
        return self.judgement is not None and self.judgement.logged_in_all and self.judgement.crash is None

    def identity_ok(self) -> bool:
        if self.judgement is None or self.judgement.identity is None:
            return True
        return all(ok for _, ok in self.judgement.identity[1])


@dataclass
class _Outcome:
    status: Status
    summary: str
    sent: str = ""
    observed: str = ""
    evidence: list[Evidence] = field(default_factory=list)


class ProtocolRun:
    def __init__(
        self,
        simulator: Simulator,
        targets: list[LoginTarget],
        *,
        timeout: float,
        selected: Callable[[str], bool],
        sso_support: dict[str, bool],
        tick: Callable[[str], None] = lambda _: None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.simulator = simulator
        self.targets = targets
        self.selected = selected
        self.sso_support = sso_support
        self.tick = tick
        self.timeout = timeout
        self.verify = verify
        self.results: list[CheckResult] = []
        self.starts: list[Started] = []
        self._driver: Driver | None = None
        self.known: list[_Target] = []

    @property
    def driver(self) -> Driver:
        if self._driver is None:
            raise RuntimeError("the protocol run has not started")
        return self._driver

    @property
    def broker(self) -> Broker:
        if self.simulator.broker is None:
            raise RuntimeError("the simulator has no broker")
        return self.simulator.broker

    # -- bookkeeping

    def wanted(self) -> list[str]:
        return [cid for cid in PROTOCOL_ORDER if self.selected(cid)]

    def _add(self, check_id: str, outcome: _Outcome, started_at: float) -> None:
        check = CHECKS[check_id]
        self.results.append(
            CheckResult(
                check,
                outcome.status,
                outcome.summary,
                sent=outcome.sent,
                observed=outcome.observed,
                evidence=outcome.evidence,
                duration=time.monotonic() - started_at,
            )
        )
        self.tick(check_id)

    @contextmanager
    def _timed(self, check_id: str) -> Iterator[Callable[[_Outcome], None]]:
        t0 = time.monotonic()
        box: list[_Outcome] = []
        yield box.append
        if self.selected(check_id):
            self._add(check_id, box[0] if box else _Outcome(Status.FAILED, "the check produced no verdict"), t0)

    def _all(self, status: Status, summary: str) -> list[CheckResult]:
        for cid in self.wanted():
            self._add(cid, _Outcome(status, summary), time.monotonic())
        return self.results

    # -- the run

    def run(self) -> list[CheckResult]:
        if not self.wanted():
            return []
        if self.simulator.broker is None:
            error = self.simulator.load_error
            detail = f"{error.message} ({error.reason})" if error else "it did not start"
            return self._all(
                Status.FAILED,
                f"not run: the simulator could not register the DV from its SP metadata and catalogue, as a broker "
                f"could not: {detail}",
            )
        self._driver = Driver(self.simulator, timeout=self.timeout, verify=self.verify)
        self._discover()
        primary = self._primary()
        self._flows(primary)
        for cid in HOSTILE_CHECKS:
            if self.selected(cid):
                self._hostile(cid, primary)
        if self.selected("DOWN-HTTP-500"):
            self._hostile("DOWN-HTTP-500", primary)
        if self.selected("DOWN-UNREACHABLE"):
            self._unreachable(primary)
        self._collected()
        return self.results

    def _browser(self) -> Browser:
        return self.driver.browser()

    def _start(self, browser: Browser, target: LoginTarget) -> Started:
        started = self.driver.start(browser, target)
        self.starts.append(started)
        return started

    # -- discovery: one successful login per target (LOGIN-SUCCESS)

    def _discover(self) -> None:
        t0 = time.monotonic()
        for target in self.targets:
            with self._browser() as browser:
                started = self._start(browser, target)
                known = _Target(target, started)
                self.known.append(known)
                if started.flow is None:
                    known.problem = _not_started(started)
                    continue
                kind: Kind = "plain" if _has_company_sets(started.flow.service) else "eidas"
                choice = self.driver.choose(started.flow, kind)
                if choice is None:
                    known.problem = f"no test person can log in for {started.flow.service.service_id} ({kind})"
                    continue
                grant, deliveries = self.driver.finish(started.flow, choice)
                nav = self.driver.deliver(browser, deliveries[0])
                known.choice, known.grant = choice, grant
                known.judgement = self.driver.judge(
                    browser, target, nav, expect_identity=expected_identity(grant, kind)
                )
        if self.selected("LOGIN-SUCCESS"):
            self._add("LOGIN-SUCCESS", self._success_outcome(), t0)

    def _success_outcome(self) -> _Outcome:
        evidence = []
        failures = []
        for k in self.known:
            label = k.target.login_url
            lines = [k.started.describe()]
            if k.choice is not None:
                lines.append("logged in as " + k.choice.describe())
            if k.judgement is not None:
                lines.append(k.judgement.describe())
            if k.problem:
                lines.append(k.problem)
                failures.append(f"{label}: {k.problem}")
            elif not k.succeeded:
                failures.append(f"{label}: {_verdict(k.judgement)}")
            elif not k.identity_ok():
                identity = k.judgement.identity if k.judgement is not None else None
                missing = [v for v, ok in identity[1] if not ok] if identity is not None else []
                failures.append(f"{label}: logged in, but the identity page does not show {', '.join(missing)}")
            evidence.append(Evidence(label, "\n".join(lines)))
        if failures:
            return _Outcome(Status.FAILED, failures[0], evidence=evidence)
        services = ", ".join(f"{k.service.service_id} ({k.service.loa.label})" for k in self.known if k.service)
        shown = "" if any(k.target.identity_url for k in self.known) else " (identity not checked: no identity_url)"
        return _Outcome(Status.PASSED, f"logged in for {services}{shown}", evidence=evidence)

    def _primary(self) -> _Target | None:
        ok = [k for k in self.known if k.succeeded]
        companies = [k for k in ok if k.service is not None and _has_company_sets(k.service)]
        pool = companies or ok
        return pool[0] if pool else None

    def _target_for(self, predicate: Callable[[DvService], bool]) -> _Target | None:
        return next((k for k in self.known if k.succeeded and k.service is not None and predicate(k.service)), None)

    # -- the other flows

    def _flows(self, primary: _Target | None) -> None:
        not_judged = _Outcome(
            Status.FAILED,
            "not judged: no successful login (LOGIN-SUCCESS), so a refusal cannot be told apart from a broken login",
        )
        for cid, unauthorised in (("LOGIN-CANCEL", False), ("LOGIN-NOT-AUTHORISED", True)):
            if self.selected(cid):
                with self._timed(cid) as done:
                    done(self._cancel(primary, unauthorised=unauthorised) if primary else not_judged)
        for cid, kind, predicate, absent in (
            (
                "LOGIN-CHAIN",
                "chain",
                lambda s: _has_company_sets(s) and _allows_intermediation(s),
                "no company service allows intermediaries (catalogue Intermediation is noIntermediation)",
            ),
            (
                "LOGIN-BRANCH",
                "branch",
                lambda s: _has_company_sets(s) and s.vestiging_restriction,
                "no company service has the Vestigingsnr restriction",
            ),
            ("LOGIN-EIDAS", "eidas", lambda s: s.eidas, "the DV offers no eIDAS service (Classifier eIDAS-inbound)"),
        ):
            if not self.selected(cid):
                continue
            with self._timed(cid) as done:
                target = self._target_for(predicate)
                if target is None:
                    offered = any(predicate(k.service) for k in self.known if k.service is not None)
                    reason = "the login URL of that service did not log in (see LOGIN-SUCCESS)" if offered else absent
                    done(
                        _Outcome(
                            Status.FAILED if offered else Status.SKIPPED,
                            ("not judged: " if offered else "not applicable: ") + reason,
                        )
                    )
                    continue
                done(self._positive(target, kind))
        if self.selected("LOGIN-UNSIGNED-INNER-RESPONSE"):
            with self._timed("LOGIN-UNSIGNED-INNER-RESPONSE") as done:
                done(
                    self._positive(primary, _kind(primary), scenario="unsigned_inner_response")
                    if primary
                    else not_judged
                )

    def _positive(self, target: _Target, kind: Kind, scenario: str = "none") -> _Outcome:
        with self._browser() as browser:
            started = self._start(browser, target.target)
            if started.flow is None:
                return _Outcome(Status.FAILED, _not_started(started), observed=started.describe())
            if scenario != "none" and started.flow.response_binding == "post":
                return _Outcome(Status.SKIPPED, "not applicable: the DV asked for the POST response binding")
            choice = self.driver.choose(started.flow, kind)
            if choice is None:
                return _Outcome(
                    Status.SKIPPED, f"no test person fits a {kind} login for {started.flow.service.service_id}"
                )
            grant, deliveries = self.driver.finish(started.flow, choice, scenario)
            nav = self.driver.deliver(browser, deliveries[0])
            judgement = self.driver.judge(browser, target.target, nav, expect_identity=expected_identity(grant, kind))
        sent = _sent(scenario, choice, deliveries, started)
        observed = judgement.describe()
        if not judgement.logged_in_all or judgement.crash:
            return _Outcome(Status.FAILED, f"the DV did not log in: {_verdict(judgement)}", sent, observed)
        if judgement.identity is not None and not all(ok for _, ok in judgement.identity[1]):
            missing = [v for v, ok in judgement.identity[1] if not ok]
            return _Outcome(
                Status.FAILED, f"logged in, but the identity page does not show {', '.join(missing)}", sent, observed
            )
        if judgement.identity is not None:
            extra = ""
        elif target.target.identity_url is None:
            extra = " (identity page not checked: no identity_url)"
        else:
            extra = " (nothing to compare on the identity page: the legal subject is a pseudonym)"
        return _Outcome(Status.PASSED, f"logged in as {choice.describe()}{extra}", sent, observed)

    def _cancel(self, target: _Target, *, unauthorised: bool) -> _Outcome:
        with self._browser() as browser:
            started = self._start(browser, target.target)
            if started.flow is None:
                return _Outcome(Status.FAILED, _not_started(started), observed=started.describe())
            lines = []
            if unauthorised:
                choice = self.driver.choose(started.flow, "unauthorised")
                if choice is None:
                    return _Outcome(
                        Status.SKIPPED,
                        f"no test person without an authorisation can log in for {started.flow.service.service_id}",
                    )
                self.driver.authenticate(started.flow, choice)
                lines.append(
                    f"{choice.describe()} logged in; the authorisation register has no authorisation for this "
                    "service, so the broker shows 'not authorised' and sends nothing; the user then cancels"
                )
            else:
                lines.append("the user cancels at the broker's first screen")
            delivery = self.driver.cancel(started.flow)
            lines.append("status Responder / AuthnFailed, delivered by the " + delivery.binding + " binding")
            nav = self.driver.deliver(browser, delivery)
            judgement = self.driver.judge(browser, target.target, nav)
        return _refusal(judgement, "\n".join(lines), "the DV ended the login without a session")

    # -- hostile responses

    def _hostile(self, check_id: str, primary: _Target | None) -> None:
        check = CHECKS[check_id]
        with self._timed(check_id) as done:
            if primary is None:
                done(
                    _Outcome(
                        Status.FAILED,
                        "not judged: no successful login (LOGIN-SUCCESS), so a refusal cannot be told apart from a "
                        "broken login",
                    )
                )
                return
            done(self._scenario(check, primary))

    def _scenario(self, check: Check, target: _Target) -> _Outcome:
        scenario = get_scenario(check.scenario)
        with self._browser() as browser:
            started = self._start(browser, target.target)
            if started.flow is None:
                return _Outcome(Status.FAILED, _not_started(started), observed=started.describe())
            choice = self.driver.choose(started.flow, _kind(target))
            if choice is None:  # pragma: no cover - the primary target logged in with one
                return _Outcome(Status.FAILED, "no test person fits")
            _, deliveries = self.driver.finish(started.flow, choice, scenario.id)
            sent = _sent(scenario.id, choice, deliveries, started)
            first_nav = self.driver.deliver(browser, deliveries[0])
            first = self.driver.judge(browser, target.target, first_nav)
        if len(deliveries) == 1:
            return _refusal(first, sent, "the DV refused the login")
        if not first.logged_in_all or first.crash:
            return _Outcome(
                Status.FAILED,
                f"not judged: the first delivery should log in but did not ({_verdict(first)}), so the second "
                "cannot show a replay",
                sent,
                "first delivery:\n" + first.describe(),
            )
        with self._browser() as attacker:
            second_nav = self.driver.deliver(attacker, deliveries[1])
            second = self.driver.judge(attacker, target.target, second_nav)
        outcome = _refusal(second, sent, "the first delivery logged in; the DV refused the second")
        outcome.observed = (
            "first delivery (this browser):\n"
            + first.describe()
            + "\n\nsecond delivery (a fresh browser):\n"
            + second.describe()
        )
        return outcome

    def _unreachable(self, primary: _Target | None) -> None:
        with self._timed("DOWN-UNREACHABLE") as done:
            if primary is None:
                done(_Outcome(Status.FAILED, "not judged: no successful login (LOGIN-SUCCESS)"))
                return
            with self._browser() as browser:
                started = self._start(browser, primary.target)
                if started.flow is None:
                    done(_Outcome(Status.FAILED, _not_started(started), observed=started.describe()))
                    return
                choice = self.driver.choose(started.flow, _kind(primary))
                if choice is None:
                    done(_Outcome(Status.FAILED, "no test person fits (the discovery login had one)"))
                    return
                _, deliveries = self.driver.finish(started.flow, choice)
                self.simulator.pause()
                try:
                    nav = self.driver.deliver(browser, deliveries[0])
                    judgement = self.driver.judge(browser, primary.target, nav)
                finally:
                    self.simulator.resume()
            sent = (
                _sent("none", choice, deliveries, started)
                + "\nthen the simulator stops listening before the DV resolves the artifact"
            )
            done(_refusal(judgement, sent, "the DV showed an error without a session"))

    # -- what the DV sent on the way

    def _collected(self) -> None:
        for cid, fn in (
            ("REQ-SIGNED", self._req_signed),
            ("REQ-WELL-FORMED", self._req_well_formed),
            ("REQ-FORCE-AUTHN", self._req_force_authn),
            ("REQ-SERVICE-INDEX", self._req_service_index),
            ("REQ-RELAY-STATE", self._req_relay_state),
            ("REQ-LOA", self._req_loa),
            ("ARS-SIGNED", self._ars_signed),
            ("ARS-MTLS", self._ars_mtls),
            ("ARS-CONTENT-TYPE", self._ars_content_type),
            ("ACS-CACHE-CONTROL", self._acs_cache_control),
        ):
            if self.selected(cid):
                t0 = time.monotonic()
                self._add(cid, fn(), t0)

    def _requests(self) -> list[tuple[Started, etree._Element | None, RegisteredDv | None]]:
        out = []
        for s in self.starts:
            if s.request is None:
                continue
            root = None
            if s.xml is not None:
                try:
                    root = parse_document(s.xml).root
                except EhkitError:
                    root = None
            issuer = root.findtext(q(SAML, "Issuer")) if root is not None else None
            out.append((s, root, self.broker.registry.get((issuer or "").strip())))
        return out

    def _no_requests(self) -> _Outcome:
        return _Outcome(Status.FAILED, "no AuthnRequest reached the simulator (see LOGIN-SUCCESS)")

    def _req_signed(self) -> _Outcome:
        rows = self._requests()
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        for s, root, dv in rows:
            where = f"{s.target.login_url} ({s.binding} binding)"
            if root is None or dv is None:
                problems.append(f"{where}: the request could not be read or its Issuer is not the DV")
                continue
            try:
                if s.binding == "redirect" and "Signature=" in urlsplit(s.request.url if s.request else "").query:
                    verify_redirect_query(urlsplit(s.request.url).query if s.request else "", dv.trust_set())
                    how = "Redirect-binding query signature verifies"
                elif s.binding == "artifact":
                    if find_signature(root) is not None:
                        verify_element(root, dv.trust_set())
                        how = "enveloped signature verifies"
                    else:
                        how = "carried in the DV's signed ArtifactResponse (verified by the simulator)"
                elif find_signature(root) is not None:
                    verify_element(root, dv.trust_set())
                    how = "enveloped signature verifies"
                else:
                    problems.append(f"{where}: not signed")
                    continue
            except EhkitError as exc:
                problems.append(
                    f"{where}: the signature does not verify with the metadata certificate: {exc.message} ({exc.reason})"
                )
                continue
            lines.append(f"{where}: {how}")
        return _verdict_list(problems, lines, f"{len(rows)} requests signed with the metadata key")

    def _req_well_formed(self) -> _Outcome:
        rows = self._requests()
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        seen: dict[str, int] = {}
        for s, root, dv in rows:
            where = s.target.login_url
            if root is None:
                problems.append(f"{where}: the AuthnRequest is not acceptable XML")
                continue
            request_id = root.get("ID") or ""
            seen[request_id] = seen.get(request_id, 0) + 1
            if root.tag != q(SAMLP, "AuthnRequest") or root.get("Version") != "2.0":
                problems.append(f"{where}: not a SAML 2.0 AuthnRequest")
            if dv is None:
                problems.append(
                    f"{where}: Issuer {root.findtext(q(SAML, 'Issuer'))!r} is not an EntityID of the SP metadata"
                )
            destination = root.get("Destination") or ""
            if not (
                same_origin(destination, self.simulator.base_url)
                and urlsplit(destination).path == self.simulator.sso_path
            ):
                problems.append(
                    f"{where}: Destination {destination!r} is not the SSO URL {self.simulator.settings.sso_url}"
                )
            if (root.get("IsPassive") or "").strip() in ("true", "1"):
                problems.append(f'{where}: IsPassive="true" (eHerkenning always shows its screens)')
            instant = root.get("IssueInstant") or ""
            try:
                age = abs((datetime.now(UTC) - datetime.fromisoformat(instant.replace("Z", "+00:00"))).total_seconds())
                if age > REQUEST_CLOCK_WINDOW + 60:
                    problems.append(f"{where}: IssueInstant {instant} is {int(age)} s from the simulator's clock")
            except ValueError:
                problems.append(f"{where}: IssueInstant {instant!r} is not an xs:dateTime")
            lines.append(f"{where}: ID {request_id}, Destination {destination}, IssueInstant {instant}")
        problems.extend(f"request ID {rid} used {n} times" for rid, n in seen.items() if n > 1)
        return _verdict_list(problems, lines, f"{len(rows)} requests well formed, every ID unique")

    def _req_force_authn(self) -> _Outcome:
        rows = self._requests()
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        for s, root, _ in rows:
            if root is None or s.service is None:
                continue
            service = s.service
            force = (root.get("ForceAuthn") or "").strip() in ("true", "1")
            sso = self.sso_support.get(service.service_id, False) and service.loa < LevelOfAssurance.EH4
            lines.append(
                f"{service.service_id}: ForceAuthn={root.get('ForceAuthn')!r}, SSOSupport={'true' if sso else 'false'}"
            )
            if not force and not sso:
                problems.append(
                    f"{service.service_id}: ForceAuthn is {root.get('ForceAuthn')!r} but the service has no SSOSupport"
                    + (" (and EH4 never allows SSO)" if service.loa >= LevelOfAssurance.EH4 else "")
                )
        if not lines:
            return _Outcome(Status.FAILED, "no AuthnRequest could be matched to a service")
        return _verdict_list(problems, lines, 'ForceAuthn="true" wherever SSO is not declared')

    def _req_service_index(self) -> _Outcome:
        rows = self._requests()
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        for s, root, dv in rows:
            if root is None:
                continue
            raw = root.get("AttributeConsumingServiceIndex")
            where = s.target.login_url
            if raw is None:
                problems.append(
                    f"{where}: no AttributeConsumingServiceIndex (the broker falls back to the default service)"
                )
                continue
            index = int(raw) if raw.strip().isdigit() else None
            if dv is None or index is None or index not in dv.services:
                known = ", ".join(str(i) for i in sorted(dv.services)) if dv else "none"
                problems.append(
                    f"{where}: AttributeConsumingServiceIndex {raw!r} is not a service of the metadata (known: {known})"
                )
                continue
            lines.append(f"{where}: index {index} = {dv.services[index].service_id}")
        return _verdict_list(problems, lines, "every request names its service")

    def _req_relay_state(self) -> _Outcome:
        rows = [s for s in self.starts if s.request is not None]
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        for s in rows:
            if s.relay_state is None:
                lines.append(f"{s.target.login_url}: no RelayState")
                continue
            size = len(s.relay_state.encode("utf-8"))
            lines.append(f"{s.target.login_url}: RelayState of {size} bytes")
            if size > RELAY_STATE_LIMIT:
                problems.append(
                    f"{s.target.login_url}: RelayState is {size} bytes (at most {RELAY_STATE_LIMIT}): {s.relay_state[:120]!r}"
                )
        return _verdict_list(problems, sorted(set(lines)), f"every RelayState is at most {RELAY_STATE_LIMIT} bytes")

    def _req_loa(self) -> _Outcome:
        rows = self._requests()
        if not rows:
            return self._no_requests()
        problems, lines = [], []
        for s, root, dv in rows:
            if root is None:
                continue
            service = s.service
            raw = root.get("AttributeConsumingServiceIndex")
            if service is None and dv is not None and raw and raw.isdigit():
                service = dv.services.get(int(raw))
            rac = root.find(q(SAMLP, "RequestedAuthnContext"))
            if rac is None:
                lines.append(f"{s.target.login_url}: no RequestedAuthnContext (the catalogue decides)")
                continue
            comparison = rac.get("Comparison")
            if comparison not in (None, "minimum", "exact"):
                problems.append(f"{s.target.login_url}: Comparison={comparison!r} (use minimum)")
            for ref in rac.findall(q(SAML, "AuthnContextClassRef")):
                urn = (ref.text or "").strip()
                try:
                    level = LevelOfAssurance.from_urn(urn)
                except EhkitError:
                    problems.append(f"{s.target.login_url}: {urn!r} is not an eHerkenning level")
                    continue
                if service is not None and level > service.loa:
                    problems.append(
                        f"{s.target.login_url}: asks for {level.label}, the catalogue says {service.loa.label}"
                    )
                lines.append(
                    f"{s.target.login_url}: asks for {level.label}"
                    + (f" (catalogue {service.loa.label})" if service else "")
                )
        return _verdict_list(problems, sorted(set(lines)), "no request asks for more than the catalogue")

    def _resolves(self) -> list[ResolveObservation]:
        return self.simulator.resolve_observations()

    def _no_resolve(self) -> _Outcome:
        extra = (
            " With TLS: a DV that presents a client certificate which is not in its metadata fails the TLS handshake "
            "before any HTTP request."
            if self.simulator.config.tls
            else ""
        )
        return _Outcome(Status.FAILED, "no ArtifactResolve reached the simulator (see LOGIN-SUCCESS)." + extra)

    def _ars_signed(self) -> _Outcome:
        obs = self._resolves()
        if not obs:
            return self._no_resolve()
        broker = self.broker
        problems, lines = [], []
        for o in obs:
            try:
                payload, _ = unwrap(o.body)
                message = parse_artifact_resolve(payload, lambda issuer: _trust_of(broker.registry.get(issuer)))
                lines.append(f"{o.at:%H:%M:%S} ArtifactResolve {message.id} from {message.issuer}: signature verifies")
            except EhkitError as exc:
                problems.append(f"{o.at:%H:%M:%S} ArtifactResolve: {exc.message} ({exc.reason})")
        return _verdict_list(problems, lines, f"{len(obs)} ArtifactResolves signed with the metadata key")

    def _ars_mtls(self) -> _Outcome:
        if not self.simulator.config.tls:
            return _Outcome(
                Status.SKIPPED,
                "not checked: the simulator ran on plain HTTP; run with --tls (and let the DV trust the simulator's "
                "CA) to check the TLS client certificate",
            )
        obs = self._resolves()
        if not obs:
            return self._no_resolve()
        broker = self.broker
        allowed = {
            hashlib.sha256(c.public_bytes(Encoding.DER)).hexdigest(): dv.entity_id
            for dv in broker.registry.all()
            for c in dv.signing_certificates
        }
        problems, lines = [], []
        for o in obs:
            if not o.client_cert_pem:
                problems.append(f"{o.at:%H:%M:%S}: no TLS client certificate presented")
                continue
            der = x509.load_pem_x509_certificate(o.client_cert_pem.encode("ascii")).public_bytes(Encoding.DER)
            digest = hashlib.sha256(der).hexdigest()
            if digest not in allowed:
                problems.append(
                    f"{o.at:%H:%M:%S}: the client certificate (SHA-256 {digest[:16]}...) is not in the SP metadata"
                )
            else:
                lines.append(f"{o.at:%H:%M:%S}: client certificate SHA-256 {digest[:16]}... of {allowed[digest]}")
        return _verdict_list(problems, lines, "the metadata certificate was presented at every resolution")

    def _ars_content_type(self) -> _Outcome:
        obs = self._resolves()
        if not obs:
            return self._no_resolve()
        problems, lines = [], []
        for o in obs:
            lines.append(f"{o.at:%H:%M:%S}: Content-Type {o.content_type!r}, SOAPAction {o.soap_action!r}")
            if not o.content_type.lower().startswith("text/xml"):
                problems.append(f"{o.at:%H:%M:%S}: Content-Type {o.content_type!r} (brokers require text/xml)")
        return _verdict_list(problems, lines, "every ArtifactResolve is text/xml")

    def _acs_cache_control(self) -> _Outcome:
        # An HTTP 500 is a crash, reported by the check whose login crashed; this check is about the pages
        # the DV means to send (redirects, error pages, 503 "try again later").
        hops = [h for h in self.driver.acs_hops if h.status is not None and h.status != 500]
        if not hops:
            return _Outcome(Status.FAILED, "the DV's ACS never answered (see LOGIN-SUCCESS)")
        problems, lines = [], []
        for h in hops:
            value = h.headers.get("cache-control", "")
            lines.append(f"{h.method} {h.url.split('?')[0]} -> {h.status}: Cache-Control {value!r}")
            if "no-store" not in value.lower():
                problems.append(
                    f"{h.method} {h.url.split('?')[0]} -> {h.status}: Cache-Control is {value or 'absent'!r}"
                )
        return _verdict_list(problems, lines, f"all {len(hops)} ACS answers carry Cache-Control no-store")


# ---------------------------------------------------------------- helpers


def _kind(target: _Target) -> Kind:
    """Hostile responses go to a company login where the DV has one, else to its eIDAS login."""
    return "plain" if target.service is None or _has_company_sets(target.service) else "eidas"


def _trust_of(dv: RegisteredDv | None) -> TrustSet | None:
    return dv.trust_set() if dv is not None else None


def _has_company_sets(service: DvService) -> bool:
    from ehkit.domain.urns import IdentifierType

    company = {IdentifierType.KVK, IdentifierType.RSIN, IdentifierType.BSN}
    return any(set(s) & company for s in service.identifier_sets)


def _allows_intermediation(service: DvService) -> bool:
    return not (service.from_catalogue and service.intermediation == "noIntermediation")


def _not_started(started: Started) -> str:
    if started.problem:
        return started.problem
    if started.page_error:
        return f"the broker refused the AuthnRequest: {started.page_error[1]} ({started.page_error[0]})"
    if started.refusal_message:
        return f"the broker refused the AuthnRequest: {started.refusal_message}"
    return "the login did not reach the broker"


def _verdict(judgement: Judgement | None) -> str:
    if judgement is None:
        return "no answer"
    if judgement.crash:
        return judgement.crash
    signals = "; ".join(f"{label}: {'yes' if ok else 'no'}" for label, ok in judgement.signals)
    last = judgement.nav.last
    page = f"; last page {last.url} (HTTP {last.status})" if last is not None else ""
    return f"{signals}{page}"


def _sent(scenario_id: str, choice: Choice, deliveries: list[Delivery], started: Started) -> str:
    scenario = get_scenario(scenario_id)
    lines = [
        f"login started at {started.target.login_url} ({started.binding} request binding)",
        f"scenario {scenario.id}: {scenario.description}",
        f"person: {choice.describe()}",
        f"deliveries: {len(deliveries)} by the {deliveries[0].binding} binding"
        + (" (the second in a fresh browser)" if len(deliveries) > 1 else ""),
    ]
    return "\n".join(lines)


def _refusal(judgement: Judgement, sent: str, good: str) -> _Outcome:
    observed = judgement.describe()
    if judgement.crash:
        return _Outcome(Status.FAILED, f"the DV crashed: {judgement.crash}", sent, observed)
    if judgement.logged_in_any:
        logged = "; ".join(label for label, ok in judgement.signals if ok)
        return _Outcome(Status.FAILED, f"the DV logged the user in ({logged})", sent, observed)
    last = judgement.nav.last
    page = f" (HTTP {last.status} at {last.url.split('?')[0]})" if last is not None else ""
    return _Outcome(Status.PASSED, good + page, sent, observed)


def _verdict_list(problems: list[str], lines: list[str], ok: str) -> _Outcome:
    evidence = [Evidence("observed", "\n".join(lines))] if lines else []
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return _Outcome(
            Status.FAILED, problems[0] + more, evidence=[Evidence("problem", "\n".join(problems)), *evidence]
        )
    return _Outcome(Status.PASSED, ok, evidence=evidence)
