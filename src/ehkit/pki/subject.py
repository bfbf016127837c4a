"""What a certificate says about its holder that eHerkenning relies on.

PKIoverheid puts the holder's OIN in the subject ``serialNumber`` (OID
2.5.4.5); a DV must hold a certificate with its own OIN, and a broker
certificate is accepted for a broker only when its OIN is the broker's.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from ehkit.domain.identifiers import Oin
from ehkit.errors import ConfigError
from ehkit.pki.untrusted import PARSE_ERRORS

__all__ = ["certificate_oin", "describe_name", "describe_subject", "require_oin"]


def certificate_oin(cert: x509.Certificate) -> Oin | None:
    """The OIN in the subject serialNumber, or None when there is none.

    A serialNumber that is not a 20-digit OIN (personal certificates use other
    numbers there) counts as none; so do two different OINs, because a
    certificate that names two holders identifies neither, and so does a
    subject that cannot be read (``cryptography`` parses it only now, and a
    damaged one raises): it names no holder.
    """
    try:
        attributes = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    except PARSE_ERRORS:
        return None
    values = {attr.value for attr in attributes if isinstance(attr.value, str)}
    oins = {v for v in values if Oin.is_valid(v)}
    if len(oins) != 1:
        return None
    return Oin(oins.pop())


def require_oin(cert: x509.Certificate, expected: str) -> None:
    """Refuse ``cert`` unless its subject carries the ``expected`` OIN.

    A valid PKIoverheid chain proves only that *some* organisation holds the
    key; the OIN binds it to the party we expect (the broker, or ourselves).
    """
    want = Oin(expected)
    got = certificate_oin(cert)
    if got != want:
        shown = got if got is not None else "no OIN"
        raise ConfigError(
            f"certificate {describe_subject(cert)!r} carries {shown} in its subject serialNumber, "
            f"expected OIN {want}; check that this is the right party's certificate",
            reason="certificate_oin_mismatch",
        )


def describe_name(name: x509.Name) -> str:
    """RFC 4514 text of a name, with serialNumber spelled out (cryptography prints it as 2.5.4.5)."""
    try:
        return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})
    except PARSE_ERRORS:
        return "<a name that cannot be read>"


def describe_subject(cert: x509.Certificate) -> str:
    """The subject as text, also for a certificate whose subject cannot be parsed."""
    try:
        return describe_name(cert.subject)
    except PARSE_ERRORS:
        return "<a subject that cannot be read>"
