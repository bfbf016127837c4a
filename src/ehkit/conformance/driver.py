"""One login, driven end to end: the DV's login URL, the simulator in the middle, the DV's ACS, the verdict.

The browser really goes to the DV and back; at the simulator's SSO endpoint the
driver takes over from the screens and makes the choices a tester would (which
authentication service, which person, whom to represent) through the
simulator's engine, the same code its pages and JSON API use. What the browser
then carries to the DV is exactly what a real broker would send.

How "the DV refused" is judged (docs/conformance.md, "Judging a login"):

* **logged in** when a success detector succeeds: ``success_url`` answers 2xx
  itself in this browser (a redirect to a login page counts as not logged in),
  or ``success_text`` is on the page the DV landed on;
* **crashed** when any answer of the DV on the way from its ACS is HTTP 500,
  shows a stack trace, or never comes (timeout, connection refused);
* **refused** otherwise: no detector succeeds and the DV answered with a page.
"""

from __future__ import annotations

import html
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from ehkit.broker.data import EidasPerson, LoginMeans, Person
from ehkit.broker.dv_registry import DvService
from ehkit.broker.engine import Broker, Delivery, PageError, RepresentationOption, RequestRefused
from ehkit.broker.grant import Grant
from ehkit.broker.state import LoginFlow
from ehkit.conformance.browser import Browser, Hop, Navigation, PendingRequest, same_origin
from ehkit.conformance.config import LoginTarget
from ehkit.conformance.simulator import Simulator
from ehkit.domain.urns import IdentifierType

__all__ = ["Choice", "Driver", "Judgement", "Started"]

Kind = str  # "plain" | "branch" | "chain" | "eidas" | "unauthorised"
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Started:
    """How far a login got towards the broker."""

    target: LoginTarget
    nav: Navigation
    request: PendingRequest | None = None
    binding: str | None = None
    relay_state: str | None = None
    flow: LoginFlow | None = None
    #: The broker answered the request with a Requester status (delivered to the DV like any response).
    refused: Delivery | None = None
    refusal_message: str | None = None
    #: The broker could not answer at all (error page at the broker): (reason, message).
    page_error: tuple[str, str] | None = None
    #: The browser never reached the broker: why.
    problem: str | None = None
    #: The AuthnRequest as the simulator read it (whatever binding carried it).
    xml: bytes | None = None

    @property
    def service(self) -> DvService | None:
        return self.flow.service if self.flow is not None else None

    def describe(self) -> str:
        lines = [h.line() for h in self.nav.hops]
        if self.request is not None:
            lines.append(
                f"{self.request.method} {self.request.url.split('?')[0]} (the AuthnRequest, {self.binding} binding)"
            )
        if self.flow is not None:
            lines.append(
                f"broker accepted the request for {self.flow.service.service_id} ({self.flow.service.loa.label})"
            )
        if self.refusal_message:
            lines.append(f"broker refused the request: {self.refusal_message}")
        if self.page_error:
            lines.append(f"broker refused the request: {self.page_error[1]} ({self.page_error[0]})")
        if self.problem:
            lines.append(self.problem)
        return "\n".join(lines)


@dataclass(frozen=True)
class Choice:
    """Who logs in, where, and for whom."""

    person: Person | EidasPerson
    ad_id: str
    means: LoginMeans | None
    option: RepresentationOption | None

    def describe(self) -> str:
        who = f"{self.person.display_name} ({self.person.id})"
        means = f"{self.means.label_en} {self.means.loa.label}" if self.means else "eIDAS means"
        text = f"{who} at authentication service {self.ad_id} with {means}"
        if self.option is not None:
            text += f", acting for {self.option.company.name} (KvK {self.option.company.kvk})"
            if self.option.vestiging is not None:
                text += f", vestiging {self.option.vestiging.number}"
            if self.option.intermediary is not None:
                text += f" via {self.option.intermediary.name} (KvK {self.option.intermediary.kvk})"
        return text


@dataclass
class Judgement:
    """What the DV did with one delivery."""

    nav: Navigation
    signals: list[tuple[str, bool]] = field(default_factory=list)
    crash: str | None = None
    identity: tuple[str, list[tuple[str, bool]]] | None = None

    @property
    def logged_in_any(self) -> bool:
        return any(ok for _, ok in self.signals)

    @property
    def logged_in_all(self) -> bool:
        return bool(self.signals) and all(ok for _, ok in self.signals)

    @property
    def refused(self) -> bool:
        return not self.logged_in_any and self.crash is None

    @property
    def acs_hop(self) -> Hop | None:
        return self.nav.hops[0] if self.nav.hops else None

    def describe(self) -> str:
        lines = [h.line() for h in self.nav.hops]
        for label, ok in self.signals:
            lines.append(f"success detector: {label}: {'logged in' if ok else 'not logged in'}")
        if self.crash:
            lines.append(f"crash: {self.crash}")
        if self.identity is not None:
            url, found = self.identity
            for value, ok in found:
                lines.append(f"identity page {url}: {value!r} {'shown' if ok else 'NOT shown'}")
        return "\n".join(lines)


def page_text(raw: str) -> str:
    return html.unescape(_TAGS.sub(" ", raw))


class Driver:
    def __init__(self, simulator: Simulator, *, timeout: float, verify: ssl.SSLContext | bool = True) -> None:
        if simulator.broker is None:
            raise ValueError("the simulator has no broker (the DV could not be registered)")
        self.simulator = simulator
        self.broker: Broker = simulator.broker
        self.timeout = timeout
        self.verify = verify
        #: Every first answer of the DV's ACS seen in this run (ACS-CACHE-CONTROL).
        self.acs_hops: list[Hop] = []

    def browser(self) -> Browser:
        return Browser(timeout=self.timeout, verify=self.verify)

    # -- towards the broker

    def _at_sso(self, method: str, url: str) -> bool:
        return same_origin(url, self.simulator.base_url) and urlsplit(url).path == self.simulator.sso_path

    def start(self, browser: Browser, target: LoginTarget) -> Started:
        nav = browser.navigate("GET", target.login_url, intercept=self._at_sso)
        started = Started(target, nav)
        pending = nav.pending
        if pending is None:
            last = nav.last
            if last is None or last.status is None:
                started.problem = f"the login URL did not answer ({last.error if last else 'no request made'})"
            else:
                started.problem = (
                    f"the login URL did not lead to the broker's SSO endpoint {self.simulator.settings.sso_url}; "
                    f"it ended at {last.url} (HTTP {last.status}). Check that the DV uses the simulator's metadata "
                    f"({self.simulator.metadata_url})"
                )
            return started
        query = urlsplit(pending.url).query
        params = {**dict(parse_qsl(query, keep_blank_values=True)), **pending.form}
        started.request = pending
        started.binding = "artifact" if "SAMLart" in params else ("redirect" if pending.method == "GET" else "post")
        started.relay_state = params.get("RelayState")
        before = len(self.simulator.observed_requests())
        try:
            flow = self.simulator.run_async(
                self.broker.accept(method=pending.method, query_string=query, form=pending.form)
            )
        except RequestRefused as refused:
            started.refused = refused.refusal.delivery
            started.refusal_message = refused.refusal.message
        except PageError as exc:
            started.page_error = (exc.reason, exc.message)
        else:
            started.flow = flow
        seen = self.simulator.observed_requests()[before:]
        started.xml = seen[-1][1] if seen else _decode(params, pending.method)
        return started

    # -- at the broker

    def choose(self, flow: LoginFlow, kind: Kind) -> Choice | None:
        """The first test person who fits ``kind`` for this service, or None."""
        service = flow.service
        data = self.broker.data
        if kind == "eidas":
            for ad in self.broker.eligible_ads(service):
                if ad.kind != "eidas":
                    continue
                for eidas in data.eidas_persons:
                    if eidas.loa >= service.loa and self.broker.eidas_allowed(flow, eidas):
                        return Choice(eidas, ad.id, None, None)
            return None
        for person in data.persons:
            means = self._means(person, service)
            if means is None:
                continue
            options = self.broker.representation_options(flow, person)
            option = _pick(options, kind)
            if kind == "unauthorised":
                if not options:
                    return Choice(person, means.ad, means, None)
                continue
            if option is not None:
                return Choice(person, means.ad, means, option)
        return None

    def _means(self, person: Person, service: DvService) -> LoginMeans | None:
        eligible = {a.id for a in self.broker.eligible_ads(service) if a.kind != "eidas"}
        strong = [m for m in person.means if m.ad in eligible and m.loa >= service.loa]
        return min(strong, key=lambda m: m.loa) if strong else None

    def authenticate(self, flow: LoginFlow, choice: Choice) -> None:
        self.broker.authenticate(
            flow,
            self.broker.data.ad(choice.ad_id),
            choice.person.id,
            choice.means.id if choice.means else None,
            None,
            check_password=False,
        )

    def finish(self, flow: LoginFlow, choice: Choice, scenario: str = "none") -> tuple[Grant, list[Delivery]]:
        self.authenticate(flow, choice)
        grant = self.broker.grant_for(flow, option=choice.option)
        flow.scenario = scenario
        return grant, self.broker.finish(flow, grant, scenario)

    def cancel(self, flow: LoginFlow) -> Delivery:
        return self.broker.cancel(flow)

    # -- back at the DV

    def deliver(self, browser: Browser, delivery: Delivery) -> Navigation:
        if delivery.binding == "artifact":
            nav = browser.navigate("GET", delivery.url, intercept=self._at_sso)
        else:
            nav = browser.navigate("POST", delivery.acs_url, delivery.fields, intercept=self._at_sso)
        if nav.hops:
            self.acs_hops.append(nav.hops[0])
        return nav

    def judge(
        self, browser: Browser, target: LoginTarget, nav: Navigation, *, expect_identity: list[str] | None = None
    ) -> Judgement:
        judgement = Judgement(nav)
        for hop in nav.hops:
            if hop.status is None:
                judgement.crash = f"no answer from {hop.url}: {hop.error}"
                break
            if hop.status == 500:
                judgement.crash = f"HTTP 500 (an unhandled error) at {hop.url}"
                break
            if hop.stack_trace:
                judgement.crash = f"a stack trace in the answer of {hop.url} (HTTP {hop.status})"
                break
        if nav.pending is not None:
            judgement.signals.append(("the DV sent the browser back to the broker", False))
        if target.success_text is not None:
            found = target.success_text in nav.final_text or target.success_text in page_text(nav.final_text)
            judgement.signals.append((f"text {target.success_text!r} on the landing page", found))
        if target.success_url is not None:
            response, hop = browser.fetch(target.success_url)
            ok = response is not None and 200 <= response.status_code < 300
            judgement.signals.append((f"{target.success_url} answers {hop.status if hop.status else hop.error}", ok))
        if expect_identity and target.identity_url is not None and judgement.logged_in_all:
            response, hop = browser.fetch(target.identity_url)
            text = response.text if response is not None else ""
            plain = page_text(text)
            judgement.identity = (target.identity_url, [(v, v in text or v in plain) for v in expect_identity])
        return judgement


def _pick(options: list[RepresentationOption], kind: Kind) -> RepresentationOption | None:
    if kind == "plain":
        wanted = [o for o in options if o.intermediary is None and o.vestiging is None]
    elif kind == "branch":
        wanted = [o for o in options if o.restricted and o.vestiging is not None and o.intermediary is None]
    elif kind == "chain":
        wanted = [o for o in options if o.intermediary is not None and o.vestiging is None]
    else:
        wanted = []
    return wanted[0] if wanted else None


def expected_identity(grant: Grant, kind: Kind) -> list[str]:
    """What an identity page should show after this grant: the KvK/RSIN it read, the vestiging."""
    out = [str(i.value) for i in grant.identifiers[:1] if i.kind in (IdentifierType.KVK, IdentifierType.RSIN)]
    if kind == "branch" and grant.vestiging:
        out.append(str(grant.vestiging))
    return out


def _decode(params: dict[str, str], method: str) -> bytes | None:
    """The AuthnRequest from the browser's request, when the simulator stopped before reading it."""
    from ehkit.errors import EhkitError
    from ehkit.saml.bindings import decode_post, decode_redirect

    value = params.get("SAMLRequest")
    if value is None:
        return None
    try:
        return decode_redirect(value) if method == "GET" else decode_post(value)
    except EhkitError:
        return None
