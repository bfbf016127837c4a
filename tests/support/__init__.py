"""Test support shared by tests/sp and tests/saml: a test eHerkenning network
(keys from a PKIoverheid look-alike CA) and factories for signed, encrypted
messages built from the real reference messages."""
