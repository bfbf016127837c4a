"""Broker profiles for the catalogue: quirks individual brokers reported.

They are not afsprakenstelsel rules, so they only run with ``--profile``. The
metadata side of the profiles lives in :mod:`ehkit.catalogue.rules.metadata`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ehkit.catalogue.findings import Hit, Severity, rule
from ehkit.catalogue.model import path_of
from ehkit.catalogue.ns import EIDAS_INBOUND
from ehkit.catalogue.rules import common as c
from ehkit.domain.urns import identifier_type
from ehkit.pki import certificate_oin

E, W = Severity.ERROR, Severity.WARNING


@rule(
    "KPN-EIDAS-DEFINITION",
    E,
    "catalogue",
    "an eIDAS-inbound instance has a ServiceDefinition of its own, not shared with eHerkenning instances",
    f"{c.KPN_SPLIT}; {c.EIDAS_OWN_DEFINITION}",
    profile="kpn",
)
def kpn_eidas_definition(ctx: c.CatalogueContext) -> Iterator[Hit]:
    kinds: dict[str, set[bool]] = {}
    for view in ctx.doc.services():
        if view.instance.instance_of:
            kinds.setdefault(view.instance.instance_of, set()).add(EIDAS_INBOUND in view.instance.classifiers)
    for view in ctx.doc.services():
        if len(kinds.get(view.instance.instance_of or "", set())) > 1 and EIDAS_INBOUND in view.instance.classifiers:
            yield (
                path_of(view.instance.element),
                "this eIDAS-inbound instance shares its ServiceDefinition with "
                "eHerkenning instances; give it a definition of its own",
            )


@rule(
    "KPN-EIDAS-TEXT",
    W,
    "catalogue",
    "an eIDAS-inbound service has its own ServiceName and ServiceDescription, different from every eHerkenning service",
    c.KPN_FEEDBACK,
    profile="kpn",
)
def kpn_eidas_text(ctx: c.CatalogueContext) -> Iterator[Hit]:
    views = [(v, v.definition) for v in ctx.doc.services() if v.definition is not None]
    regular = [(v, d) for v, d in views if EIDAS_INBOUND not in v.instance.classifiers]
    for v, definition in views:
        if EIDAS_INBOUND not in v.instance.classifiers:
            continue
        for other, other_definition in regular:
            for what in ("names", "descriptions"):
                mine = getattr(definition, what).as_dict()
                theirs = getattr(other_definition, what).as_dict()
                same = [lang for lang, text in mine.items() if text and theirs.get(lang) == text]
                if same:
                    yield (
                        path_of(definition.element),
                        f"eIDAS service uses the same {what[:-1]} as "
                        f"{other.instance.service_id} ({', '.join(same)}); describe the eIDAS login separately",
                    )


@rule(
    "SIGNICAT-BILINGUAL-URLS",
    E,
    "catalogue",
    "ServiceURL, PrivacyPolicyURL and ServiceDescriptionURL, when given, are given in both nl and en",
    c.SIGNICAT_TEMPLATE,
    profile="signicat",
)
def signicat_bilingual(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        groups = [
            ("ServiceURL", view.instance.service_urls, view.instance.element),
            ("PrivacyPolicyURL", view.instance.privacy_urls, view.instance.element),
        ]
        if view.definition is not None:
            groups.append(("ServiceDescriptionURL", view.definition.description_urls, view.definition.element))
        for tag, values, element in groups:
            missing = {"nl", "en"} - values.langs
            if values and missing:
                yield (path_of(element), f"{tag} has no {' and '.join(sorted(missing))} version")


@rule(
    "SIGNICAT-DESCRIPTION-URL",
    W,
    "catalogue",
    "every ServiceDefinition has a ServiceDescriptionURL",
    c.SIGNICAT_TEMPLATE,
    profile="signicat",
)
def signicat_description_url(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            if not d.description_urls:
                yield (path_of(d.element), "no ServiceDescriptionURL (the Signicat template has one)")


@rule(
    "SIGNICAT-SETNUMBER",
    E,
    "catalogue",
    "every EntityConcernedTypesAllowed carries a setNumber",
    c.SIGNICAT_ECTA,
    profile="signicat",
)
def signicat_setnumber(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for provider in ctx.doc.providers:
        for d in provider.definitions:
            for urn, number, el in d.ecta:
                if number is None:
                    yield (path_of(el), f"{urn} has no setNumber")


@rule(
    "ONEWELCOME-ONE-BROKER",
    E,
    "catalogue",
    "every definition and instance names the same HerkenningsmakelaarId and no AdditionalHerkenningsmakelaarId",
    c.ONEWELCOME,
    profile="onewelcome",
)
def onewelcome_one_broker(ctx: c.CatalogueContext) -> Iterator[Hit]:
    ids = {d.hm_id for p in ctx.doc.providers for d in p.definitions} | {
        i.hm_id for p in ctx.doc.providers for i in p.instances
    }
    ids.discard(None)
    if len(ids) > 1:
        yield (path_of(ctx.doc.root), f"several HerkenningsmakelaarIds: {', '.join(sorted(i for i in ids if i))}")
    for view in ctx.doc.services():
        if view.instance.additional_hm_ids:
            yield (
                path_of(view.instance.element),
                "AdditionalHerkenningsmakelaarId is not used with one broker connection",
            )


@rule(
    "DIGIDENTITY-BSN-CERT",
    E,
    "catalogue",
    "a service using BSN or PseudoID publishes an encryption certificate that carries the DV's own OIN",
    c.DIGIDENTITY_KEYS,
    profile="digidentity",
)
def digidentity_bsn_cert(ctx: c.CatalogueContext) -> Iterator[Hit]:
    for view in ctx.doc.services():
        if view.definition is None:
            continue
        types = {identifier_type(u) for u, _, _ in view.definition.ecta}
        if not any(t is not None and t.requires_loa3 for t in types):
            continue
        for cert in view.instance.certificates:
            if cert.certificate is not None and certificate_oin(cert.certificate) != view.provider.oin:
                yield (
                    path_of(cert.element),
                    f"BSN/PseudoID are encrypted to this certificate, so it must carry the DV OIN {view.provider.oin}",
                )
