"""A DV on another SAML library: pysaml2 builds and signs its requests, xmlsec1 verifies and decrypts.

The suite knows nothing about it beyond its SP metadata, catalogue and URLs,
and judges it the same way as ehkit's own DV. pysaml2 cannot process the
eHerkenning Response itself (its ``correctly_signed_response`` validates the
re-serialised message against the SAML XSD, which drops the MR statement's
``xacml-saml`` namespace; see tests/broker/test_pysaml2_oracle.py), so this DV
uses pysaml2 for what it can do (AuthnRequest and ArtifactResolve objects,
the Redirect-binding signature, XML signatures and decryption through
xmlsec1) and reads the Response with its own checks, as a real DV on pysaml2
would have to.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from conformance_harness import PublishedDv, start_weak_dv

from ehkit.conformance import Status, run
from support.services import missing

pytestmark = pytest.mark.network

pytest.importorskip("saml2.sigver")


@pytest.fixture(scope="module")
def pysaml2_dv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDv]:
    if shutil.which("xmlsec1") is None:
        missing("xmlsec1", "install it with apt-get install xmlsec1 (pysaml2 runs it)")
    dv = start_weak_dv(tmp_path_factory.mktemp("pysaml2-dv"), backend="pysaml2", tls=True)
    try:
        yield dv
    finally:
        dv.server.stop()


def test_the_pysaml2_dv_passes_every_check_it_can(pysaml2_dv: PublishedDv) -> None:
    pysaml2_dv.app_state.reset(frozenset())
    assert pysaml2_dv.app_state.crypto.name == "pysaml2 + xmlsec1"
    report = run(pysaml2_dv.config(("vergunning",), tls=True))
    failed = {r.check.id: r.summary for r in report.results if r.status is Status.FAILED}
    # Its documents are ehkit-built, so only recommendations for a DV without an eIDAS service or URLs remain.
    assert set(failed) <= {"META-ORGANIZATION", "CAT-SERVICE-URL", "CAT-EIDAS-COUNTERPART", "SIGNICAT-DESCRIPTION-URL"}
    assert report.ok, report.mandatory_failures
    protocol = {r.check.id: r.status for r in report.results if r.check.category.is_protocol}
    assert {k for k, v in protocol.items() if v is not Status.PASSED} == {"LOGIN-EIDAS"}
    # Its signatures were made by xmlsec1 and accepted by the simulator; its refusals came from xmlsec1 too.
    assert report.result("REQ-SIGNED").status is Status.PASSED
    assert report.result("ARS-SIGNED").status is Status.PASSED
    assert report.result("REFUSE-UNKNOWN-KEY").status is Status.PASSED


def test_a_weakness_in_the_pysaml2_dv_is_found_the_same_way(pysaml2_dv: PublishedDv) -> None:
    pysaml2_dv.app_state.reset(frozenset({"first_signature"}))
    report = run(pysaml2_dv.config(("vergunning",), tls=True, only=["REFUSE-*", "LOGIN-SUCCESS"]))
    assert report.failed_ids() == {
        "REFUSE-UNSIGNED-ASSERTION",
        "REFUSE-BAD-SIGNATURE",
        "REFUSE-UNKNOWN-KEY",
        "REFUSE-XSW3",
        "REFUSE-XSW-ADVICE",
        "REFUSE-DUPLICATE-ID",
    }
