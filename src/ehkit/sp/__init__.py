"""The DV (service provider) library: ``ServiceProvider``, its policy, stores,
artifact resolution, HM metadata cache and audit log. See docs/sp.md."""

from ehkit.sp.provider import LoginStart, ServiceProvider
from ehkit.sp.result import Identifier, Intermediary, LoginResult
from ehkit.sp.settings import DecryptionKeyPair, ServiceSettings, SigningKey, SpSettings

__all__ = [
    "DecryptionKeyPair",
    "Identifier",
    "Intermediary",
    "LoginResult",
    "LoginStart",
    "ServiceProvider",
    "ServiceSettings",
    "SigningKey",
    "SpSettings",
]
