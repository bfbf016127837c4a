"""Single sign-on rules of the afsprakenstelsel that both sides of the DV-HM interface apply.

An authentication session at the AD lasts at most two hours (a new assertion
may extend it), a service uses SSO only when its catalogue entry declares
``SSOSupport``, and never at EH4 (AS "Single sign-on and user sessions",
"Use cases Single Sign-On").
"""

from __future__ import annotations

from datetime import timedelta

from ehkit.domain.loa import LevelOfAssurance

#: The longest an AD authentication session may last.
AD_SESSION_MAX = timedelta(hours=2)


def sso_allowed(sso_support: bool, loa: LevelOfAssurance) -> bool:
    """True when a login for a service with this flag and level may reuse an AD session."""
    return sso_support and loa < LevelOfAssurance.EH4
