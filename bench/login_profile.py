"""Where the CPU of one full login goes: the same login as the HTTP row, in one
process under cProfile, without sockets.

The DV side calls ``ServiceProvider.start_login`` and ``finish_login`` directly
(its artifact resolution reaches the simulator's ``Broker.resolve`` through an
``httpx.MockTransport``); the broker side is the simulator's ASGI app driven
through ``httpx.ASGITransport`` (POST /api/login, as in the HTTP row). Time is
grouped by package and by the expensive primitives.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def _category(filename: str, func: str) -> str:
    f = func
    if "RSAPrivateKey" in f and "decrypt" in f:
        return "RSA private-key decrypt (OAEP)"
    if "RSAPrivateKey" in f and "sign" in f:
        return "RSA private-key sign"
    if "RSAPublicKey" in f and ("verify" in f or "encrypt" in f):
        return "RSA public-key verify/encrypt"
    if "generate_private_key" in f or "rsa_generate" in f:
        return "RSA key generation"
    # lxml's Cython functions are invisible to cProfile: their time lands in the Python caller.
    if f == "canonicalize" or "lxml.etree.tostring" in f:
        return "exclusive c14n (lxml, in ehkit.xml.canonicalize)"
    if f in ("parse_document", "_check_tree", "_fast_id_index") or "lxml.etree.fromstring" in f:
        return "XML parse + limits (libxml2, in ehkit.xml.parse)"
    if "/ehkit/broker/messages/xmltext" in filename and f in ("parse_own", "serialize"):
        return "broker: lxml parse/serialise of its own messages"
    if "sqlite3" in f or "sqlite" in filename:
        return "SQLite state store"
    if "zlib" in f:
        return "deflate (Redirect binding)"
    for marker, label in (
        ("/ehkit/sp/", "ehkit.sp (Python)"),
        ("/ehkit/saml/", "ehkit.saml (Python)"),
        ("/ehkit/xml/", "ehkit.xml (Python)"),
        ("/ehkit/broker/", "ehkit.broker simulator (Python)"),
        ("/ehkit/", "ehkit other (Python)"),
        ("/httpx/", "httpx / httpcore"),
        ("/httpcore/", "httpx / httpcore"),
        ("/starlette/", "starlette / anyio / asyncio"),
        ("/anyio/", "starlette / anyio / asyncio"),
        ("/asyncio/", "starlette / anyio / asyncio"),
        ("/jinja2/", "jinja2"),
        ("/logging/", "logging"),
        ("/json/", "json"),
    ):
        if marker in filename:
            return label
    if filename == "~":
        return "other built-ins"
    return "other Python"


def profile_logins(n: int = 30) -> dict[str, Any]:
    import httpx

    from bench.http_apps import PERSON, SERVICE, prepare
    from ehkit.broker import BrokerSettings, build_broker, create_app
    from ehkit.broker.data import load_test_data
    from ehkit.config import load_config
    from ehkit.sp import ServiceProvider

    workdir = Path(tempfile.mkdtemp(prefix="ehkit-bench-login-"))
    try:
        broker_url, dv_url = "http://127.0.0.1:9", "http://127.0.0.1:10"  # never connected to
        prepare(workdir, broker_url=broker_url, dv_url=dv_url)
        broker = build_broker(
            BrokerSettings(
                base_url=broker_url,
                data=load_test_data(),
                state_dir=workdir / "broker-state",
                configs=[load_config(workdir / "ehkit.toml")],
                show_test_options=False,
            )
        )
        app = create_app(broker=broker)

        clock = {"simulator": 0.0}

        def ars(request: httpx.Request) -> httpx.Response:
            t0 = time.process_time()
            result = broker.resolve(request.content, client_cert_der=None)
            clock["simulator"] += time.process_time() - t0
            return httpx.Response(result.status, content=result.body, headers={"Content-Type": result.content_type})

        sp = ServiceProvider.from_config(workdir / "ehkit.toml", transport=httpx.MockTransport(ars))

        async def broker_login(location: str) -> dict[str, Any]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=broker_url) as client:
                t0 = time.process_time()
                r = await client.post("/api/login", json={"redirect_url": location, "person": PERSON})
                clock["simulator"] += time.process_time() - t0
                body = r.json()
                if r.status_code != 200 or body.get("status") != "success":
                    raise RuntimeError(f"/api/login answered {r.status_code}: {str(body)[:300]}")
                return body

        def one_login() -> tuple[float, float]:
            """One login; returns (SP CPU, simulator CPU) in seconds (time.process_time)."""
            before = clock["simulator"]
            t0 = time.process_time()
            start = sp.start_login(SERVICE, relay_state="/welkom")
            sp_cpu = time.process_time() - t0
            body = asyncio.run(broker_login(start.url))
            query = dict(p.split("=", 1) for p in urlsplit(body["delivery"]["url"]).query.split("&"))
            from urllib.parse import unquote

            art_before = clock["simulator"]
            t0 = time.process_time()
            sp.finish_login(
                saml_art=unquote(query["SAMLart"]),
                relay_state=unquote(query.get("RelayState", "")) or None,
                request_id=start.request_id,
            )
            # the artifact round trip (the simulator's resolve, inside finish_login) is not the SP's
            sp_cpu += time.process_time() - t0 - (clock["simulator"] - art_before)
            return sp_cpu, clock["simulator"] - before

        for _ in range(3):
            one_login()
        # Per side, without the profiler: CPU of the SP (start_login + finish_login minus the
        # simulator's artifact resolution inside it) and of the simulator (POST /api/login
        # through the ASGI app, plus the artifact resolution), median of n logins.
        sides = [one_login() for _ in range(max(n, 20))]
        per_side = {
            "logins": len(sides),
            "sp_cpu_ms": statistics.median(x[0] for x in sides) * 1000,
            "sp_cpu_ms_p90": sorted(x[0] for x in sides)[int(0.9 * (len(sides) - 1))] * 1000,
            "simulator_cpu_ms": statistics.median(x[1] for x in sides) * 1000,
        }
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            one_login()
        prof.disable()
        st = pstats.Stats(prof)
        total = st.total_tt  # type: ignore[attr-defined]
        cats: dict[str, float] = {}
        calls: dict[str, float] = {}
        for (filename, _line, func), (_cc, nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
            c = _category(filename, func)
            cats[c] = cats.get(c, 0.0) + tt
            if c.startswith("RSA"):
                calls[c] = calls.get(c, 0.0) + nc
        categories = sorted(
            (
                {
                    "category": k,
                    "ms": v / n * 1000,
                    "share": v / total if total else 0.0,
                    "calls_per_login": calls.get(k, 0.0) / n if k in calls else None,
                }
                for k, v in cats.items()
            ),
            key=lambda c: -c["ms"],
        )
        return {
            "status": "ok",
            "logins": n,
            "ms_per_login": total / n * 1000,
            "categories": categories,
            "per_side": per_side,
        }
    except Exception as exc:  # noqa: BLE001 - the simulator and SP are young; report instead of crashing
        return {"status": "failed", "note": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
