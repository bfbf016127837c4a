"""Sans-IO SAML messages of the eHerkenning DV-HM interface.

No network, no clock (time is a parameter), no storage: callers move bytes,
these modules build and check messages.
"""
