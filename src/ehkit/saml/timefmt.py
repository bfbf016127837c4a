"""xs:dateTime in and out. The core never reads a clock: callers pass ``now``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ehkit.errors import LoginRejected

_DT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def format_instant(dt: datetime) -> str:
    """UTC with millisecond precision and a Z, as the brokers write it."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_instant(text: str | None, what: str = "timestamp") -> datetime:
    """Parse a SAML instant; a time zone is required (SAML says UTC)."""
    if text is None:
        raise LoginRejected(f"{what} is missing", reason="time_missing")
    m = _DT_RE.match(text.strip())
    if not m:
        raise LoginRejected(f"{what} {text[:40]!r} is not an xs:dateTime with a time zone", reason="time_malformed")
    frac = m.group(7)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m.group(8)
    try:
        dt = datetime(
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6)),
            micro,
            tzinfo=UTC,
        )
    except ValueError:
        raise LoginRejected(f"{what} {text[:40]!r} is not a valid date", reason="time_malformed") from None
    if tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        from datetime import timedelta

        dt -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return dt


def utcnow() -> datetime:
    """For the I/O layers only; the sans-IO core takes time as a parameter."""
    return datetime.now(UTC)
