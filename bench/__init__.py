"""ehkit's own benchmark harness (issue 8).

Run ``make bench`` or ``python -m bench.run --help``. Everything here is
project code written for ehkit; the anchor libraries (python3-saml, pysaml2,
signxml, the xmlsec binding) are only driven through their public APIs.
"""
