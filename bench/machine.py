"""What the numbers were measured on: CPU, cores, load, Python and library versions."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def _v(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for dist in (
        "ehkit",
        "lxml",
        "cryptography",
        "xmlsec",
        "signxml",
        "python3-saml",
        "pysaml2",
        "httpx",
        "uvicorn",
        "starlette",
    ):
        out[dist] = _v(dist)
    try:
        from lxml import etree

        out["libxml2 (lxml)"] = ".".join(map(str, etree.LIBXML_VERSION))
    except ImportError:
        pass
    try:
        from cryptography.hazmat.backends.openssl import backend

        out["OpenSSL (cryptography)"] = backend.openssl_version_text()
    except Exception:  # noqa: BLE001
        pass
    try:
        import xmlsec

        out["libxmlsec1 (xmlsec wheel)"] = ".".join(map(str, xmlsec.get_libxmlsec_version()))
        out["libxml2 (xmlsec wheel)"] = ".".join(map(str, xmlsec.get_libxml_version()))
    except Exception:  # noqa: BLE001
        pass
    binary = shutil.which("xmlsec1")
    if binary:
        try:
            out["xmlsec1 binary"] = subprocess.run(
                [binary, "--version"], check=False, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except OSError:
            out["xmlsec1 binary"] = "present, version unknown"
    else:
        out["xmlsec1 binary"] = None
    return out


def machine_info() -> dict[str, object]:
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "versions": versions(),
    }
