"""One adapter per stack under test. Every adapter exposes the same small surface:

* ``name`` / ``label`` / ``version``
* ``spec``: the :class:`bench.fixture.ResponseSpec` it can read (the realistic
  one unless the library refuses it) and ``variant_note`` saying why not
* ``validate(xml) -> dict[attribute name, identifier]``: everything needed to
  accept the response and read the three encrypted identifiers
* ``verify_only(xml)``: the two signatures (Response, Assertion) only
* ``sign_authn_request() -> bytes``: one signed AuthnRequest

Adapters import their library lazily; :func:`load` returns (adapter or None, why).
"""

from __future__ import annotations

from bench.fixture import Fixture


class Unavailable(Exception):
    """The stack cannot run here (library or binary missing); the message says how to fix it."""


def load(name: str, fx: Fixture):
    """(adapter, "") or (None, why it cannot run here)."""
    try:
        if name == "ehkit":
            from bench.stacks.ehkit_stack import EhkitStack as cls
        elif name == "xmlsec":
            from bench.stacks.xmlsec_stack import XmlsecStack as cls
        elif name == "signxml":
            from bench.stacks.signxml_stack import SignxmlStack as cls
        elif name == "python3-saml":
            from bench.stacks.python3saml_stack import Python3SamlStack as cls
        elif name == "pysaml2":
            from bench.stacks.pysaml2_stack import PySaml2Stack as cls
        else:
            raise ValueError(f"unknown stack {name!r}")
        return cls(fx), ""
    except Unavailable as exc:
        return None, str(exc)
    except ImportError as exc:
        return None, f"{exc}; install the anchors with `.venv/bin/pip install -e '.[bench]'`"


ANCHORS = ("xmlsec", "signxml", "python3-saml", "pysaml2")
ALL_STACKS = ("ehkit", *ANCHORS)
