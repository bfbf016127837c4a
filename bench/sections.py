"""The measured sections. Each takes the Bench, the fixture and the loaded stacks.

Section keys (``--only``): floor, validate, signatures, authn, hostile, memory,
profile, http.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import statistics
import tracemalloc
from typing import Any

from bench import fixture as F
from bench.fixture import Fixture, ResponseSpec, describe_variant
from bench.floor import FloorComposite
from bench.harness import Bench, Case, Row, percentile, timed_latencies

# iteration counts at --scale 1 (3 timed runs each, after 3 warm-up calls)
N_VALIDATE = {"ehkit": 1000, "xmlsec": 600, "signxml": 300, "python3-saml": 60, "pysaml2": 15}
N_SIGNATURES = {"ehkit": 3000, "xmlsec": 2000, "signxml": 500, "python3-saml": 1000}
N_AUTHN = {"ehkit": 2000, "xmlsec": 1500, "signxml": 1000, "python3-saml": 1000, "pysaml2": 30}
N_HOSTILE = 2000


def _variant_key(spec: ResponseSpec) -> str:
    return describe_variant(spec)


# ------------------------------------------------------------------ correctness


def check_correctness(fx: Fixture, stacks: dict[str, Any], echo) -> dict[str, str]:
    """Every stack must read the same three identifiers and reject a tampered copy.
    Returns stack name -> problem (empty dict when all is well)."""
    problems: dict[str, str] = {}
    for name, s in stacks.items():
        xml = fx.variant(s.spec)
        try:
            got = s.validate(xml)
        except Exception as exc:  # noqa: BLE001
            problems[name] = f"could not read its response: {type(exc).__name__}: {str(exc)[:200]}"
            continue
        if got != F.EXPECTED_IDS:
            problems[name] = f"read {got!r}, expected {F.EXPECTED_IDS!r}"
            continue
        try:
            s.validate(fx.tampered(xml))
        except Exception:  # noqa: BLE001 - any rejection is right
            echo(
                f"  check: {name:<13} reads the 3 identifiers and rejects the tampered copy"
                + (f"  [{s.variant_note}]" if s.variant_note else "")
            )
            continue
        problems[name] = "accepted a tampered response"
    if "ehkit" in stacks:
        e = stacks["ehkit"]
        for other in stacks.values():
            if other.spec != e.spec:
                try:
                    if e.validate(fx.variant(other.spec)) != F.EXPECTED_IDS:
                        problems["ehkit"] = f"misread the {other.name} variant"
                except Exception as exc:  # noqa: BLE001
                    problems["ehkit"] = f"could not read the {other.name} variant: {exc}"
    return problems


# ------------------------------------------------------------------ validation

FLOOR_FULL = "floor: parse + 2 x (c14n + SHA-256 + RSA verify) + 3 x (OAEP decrypt + AES-CBC), run as one call"
FLOOR_SIGNATURES = "floor: parse + 2 x (c14n + SHA-256 + RSA verify), run as one call"
FLOOR_NOTE = "measured in the same interleaved rounds as the stacks; no checks, no Python logic"

VALIDATE_CASES = {
    "xmlsec": "2 x SignatureContext.verify + 3 x (select EncryptedKey, EncryptionContext.decrypt key + data)",
    "signxml": "XMLVerifier x2 (Response, then Assertion in signed_xml) + 3 decryptions on cryptography",
    "python3-saml": "Response.is_valid(strict) + 3 x Utils.decrypt_element",
    "pysaml2": "parse_authn_request_response + get_identity + 3 x sec.decrypt_keys",
}


def run_validate(b: Bench, fx: Fixture, stacks: dict[str, Any], floor: dict[str, Any]) -> None:
    S = "validate"
    e = stacks.get("ehkit")
    fc = FloorComposite(fx)
    cases: list[Case] = [
        Case(
            S,
            FLOOR_FULL,
            "floor",
            fc.full,
            1000,
            notes=FLOOR_NOTE,
            extra={"variant": _variant_key(ResponseSpec(request_id=fx.request_id)), "composite": True},
        )
    ]
    done_variants: set[str] = set()
    if e is not None:
        cases.append(
            Case(
                S,
                e.validate_case,
                "ehkit",
                lambda: e.validate(fx.response),
                N_VALIDATE["ehkit"],
                extra={"variant": _variant_key(e.spec), "bytes": len(fx.response)},
            )
        )
        done_variants.add(_variant_key(e.spec))
    for name, s in stacks.items():
        if name == "ehkit":
            continue
        xml = fx.variant(s.spec)
        key = _variant_key(s.spec)
        cases.append(
            Case(
                S,
                VALIDATE_CASES[name],
                name,
                lambda s=s, xml=xml: s.validate(xml),
                N_VALIDATE[name],
                notes=s.variant_note,
                extra={"variant": key, "bytes": len(xml)},
            )
        )
        if e is not None and key not in done_variants:
            done_variants.add(key)
            cases.append(
                Case(
                    S,
                    f"{e.validate_case} - on the {name} variant",
                    "ehkit",
                    lambda xml=xml: e.validate(xml),
                    N_VALIDATE["ehkit"],
                    notes=f"same bytes as the {name} row, for a like-for-like ratio",
                    extra={"variant": key, "bytes": len(xml)},
                )
            )
    rows = b.measure_many(cases)
    if e is not None and rows and rows[0].stack == "ehkit" and rows[0].median:
        lat = timed_latencies(lambda: e.validate(fx.response), b.iterations(N_VALIDATE["ehkit"]))
        rows[0].extra.update(p50_ms=percentile(lat, 50) * 1000, p99_ms=percentile(lat, 99) * 1000)
        rows[0].notes = (
            rows[0].notes + " " if rows[0].notes else ""
        ) + f"latency p50 {rows[0].extra['p50_ms']:.2f} ms, p99 {rows[0].extra['p99_ms']:.2f} ms"
    if floor.get("full"):
        b.add(
            Row(
                S,
                "cost model: sum of the primitives of the floor section",
                "floor",
                median=floor["full"],
                min=floor["full"],
                max=floor["full"],
                status="ok",
                notes="sum of the floor rows (a lower bound on cost)",
                extra={"variant": _variant_key(ResponseSpec(request_id=fx.request_id)), "model": True},
            )
        )


SIGNATURE_CASES = {
    "xmlsec": "parse + 2 x SignatureContext.verify (+ reference/position checks)",
    "signxml": "XMLVerifier x2",
    "python3-saml": "Utils.validate_sign x2",
}


def run_signatures(b: Bench, fx: Fixture, stacks: dict[str, Any], floor: dict[str, Any]) -> None:
    S = "signatures"
    e = stacks.get("ehkit")
    fc = FloorComposite(fx)
    cases: list[Case] = [
        Case(
            S,
            FLOOR_SIGNATURES,
            "floor",
            fc.signatures,
            3000,
            notes=FLOOR_NOTE,
            extra={"variant": _variant_key(ResponseSpec(request_id=fx.request_id)), "composite": True},
        )
    ]
    done_variants: set[str] = set()
    if e is not None:
        cases.append(
            Case(
                S,
                "parse_document + verify_element x2 (Response, Assertion)",
                "ehkit",
                lambda: e.verify_only(fx.response),
                N_SIGNATURES["ehkit"],
                extra={"variant": _variant_key(e.spec)},
            )
        )
        cases.append(
            Case(
                S,
                "parse_document + saml.response.verify_message (2 signatures + structure, issuer, positions)",
                "ehkit:saml",
                lambda: e.verify_message(fx.response),
                N_SIGNATURES["ehkit"],
                extra={"variant": _variant_key(e.spec)},
            )
        )
        done_variants.add(_variant_key(e.spec))
    for name, s in stacks.items():
        if name not in SIGNATURE_CASES:
            continue
        xml = fx.variant(s.spec)
        key = _variant_key(s.spec)
        cases.append(
            Case(
                S,
                SIGNATURE_CASES[name],
                name,
                lambda s=s, xml=xml: s.verify_only(xml),
                N_SIGNATURES[name],
                notes=s.variant_note,
                extra={"variant": key},
            )
        )
        if e is not None and key not in done_variants:
            done_variants.add(key)
            cases.append(
                Case(
                    S,
                    f"parse_document + verify_element x2 - on the {name} variant",
                    "ehkit",
                    lambda xml=xml: e.verify_only(xml),
                    N_SIGNATURES["ehkit"],
                    notes=f"same bytes as the {name} row",
                    extra={"variant": key},
                )
            )
    b.measure_many(cases)
    if floor.get("signatures"):
        b.add(
            Row(
                S,
                "cost model: sum of the primitives of the floor section",
                "floor",
                median=floor["signatures"],
                min=floor["signatures"],
                max=floor["signatures"],
                notes="sum of the floor rows",
                extra={"variant": _variant_key(ResponseSpec(request_id=fx.request_id)), "model": True},
            )
        )


AUTHN_CASES = {
    "xmlsec": "template + SignatureContext.sign (same element as ehkit)",
    "signxml": "XMLSigner.sign (same element as ehkit)",
    "python3-saml": "Authn_Request.get_xml + Utils.add_sign",
    "pysaml2": "create_authn_request(sign=True)",
}


def run_authn(b: Bench, fx: Fixture, stacks: dict[str, Any], floor: dict[str, Any]) -> None:
    S = "authn"
    e = stacks.get("ehkit")
    fc = FloorComposite(fx)
    cases: list[Case] = [
        Case(
            S,
            "floor: one RSA-2048 PKCS#1 v1.5 sign",
            "floor",
            fc.sign,
            2000,
            notes="measured in the same rounds as the stacks",
            extra={"variant": "authn", "composite": True},
        )
    ]
    if e is not None:
        cases.append(
            Case(
                S,
                "AuthnRequest(...).to_signed_xml (enveloped, KeyName)",
                "ehkit",
                e.sign_authn_request,
                N_AUTHN["ehkit"],
                extra={"variant": "authn"},
            )
        )
        if e.mode == "sp":
            cases.append(
                Case(
                    S,
                    "ServiceProvider.start_login (POST form: sign + store pending + base64 + HTML)",
                    "ehkit:sp",
                    e.start_login,
                    N_AUTHN["ehkit"],
                    extra={"variant": "authn"},
                )
            )
        else:
            b.skip(S, "ServiceProvider.start_login", "ehkit:sp", e.mode_note, status="not-available")
    for name, s in stacks.items():
        if name in AUTHN_CASES and hasattr(s, "sign_authn_request"):
            cases.append(
                Case(S, AUTHN_CASES[name], name, s.sign_authn_request, N_AUTHN[name], extra={"variant": "authn"})
            )
    b.measure_many(cases)
    if floor.get("authn_request"):
        b.add(
            Row(
                S,
                "cost model: the RSA sign row of the floor section",
                "floor",
                median=floor["authn_request"],
                min=floor["authn_request"],
                max=floor["authn_request"],
                notes="floor row",
                extra={"variant": "authn", "model": True},
            )
        )


# ------------------------------------------------------------------ hostile input


def run_hostile(b: Bench, fx: Fixture, e: Any) -> None:
    S = "hostile"
    for name, (data, what) in F.hostile_inputs(fx).items():
        _hostile_row(b, S, e, name, data, what, target=True)
    for name, (data, what) in F.informational_inputs(fx).items():
        _hostile_row(b, S, e, name, data, what, target=False)


def _hostile_row(b: Bench, S: str, e: Any, name: str, data: bytes, what: str, *, target: bool) -> None:
    before = e.private_ops()
    try:
        reason = e.reject(data)
    except Exception as exc:  # noqa: BLE001 - accepted, or an untyped exception escaped
        b.add(
            Row(
                S,
                f"{name}: {what}",
                "ehkit",
                status="failed",
                notes=f"{type(exc).__name__}: {exc}"[:300],
                extra={"target": target},
            )
        )
        return
    row = b.measure(
        S,
        f"{name}: {what}",
        "ehkit",
        lambda: e.reject(data),
        N_HOSTILE,
        extra={"bytes": len(data), "reason": reason, "target": target},
    )
    ops = e.private_ops() - before
    if row is not None:
        calls = 1 + b.warmup + row.runs * row.n
        row.extra.update(private_key_ops=ops, calls=calls)
        row.notes = f"reason={reason}; RSA private-key operations: {ops} in {calls} calls"


# ------------------------------------------------------------------ memory


def run_memory(b: Bench, fx: Fixture, stacks: dict[str, Any]) -> None:
    """tracemalloc peak of one validation (Python-level allocations only: libxml2,
    libxmlsec1 and OpenSSL allocate outside its view)."""
    S = "memory"
    for name, s in stacks.items():
        xml = fx.variant(s.spec)
        peaks = []
        try:
            s.validate(xml)
            gc.collect()
            tracemalloc.start()
            for _ in range(5 if name != "pysaml2" else 2):
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                s.validate(xml)
                peaks.append(tracemalloc.get_traced_memory()[1] - base)
        except Exception as exc:  # noqa: BLE001
            b.add(Row(S, "tracemalloc peak per validation", name, status="failed", notes=str(exc)[:200]))
            continue
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
        kib = statistics.median(peaks) / 1024
        row = Row(
            S,
            "tracemalloc peak per validation (Python allocations)",
            name,
            status="ok",
            notes=(s.variant_note or ""),
            extra={"peak_kib": kib, "variant": _variant_key(s.spec), "bytes": len(xml)},
        )
        b.add_info(row, f"{kib:,.0f} KiB")


# ------------------------------------------------------------------ profile


def run_profile(b: Bench, fx: Fixture, e: Any) -> dict[str, Any]:
    """cProfile of the ehkit full validation: where the time goes, by category and by function."""
    n = b.iterations(300)
    for _ in range(5):
        e.validate(fx.response)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        e.validate(fx.response)
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt  # type: ignore[attr-defined]
    funcs = []
    cats: dict[str, float] = {}
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        label = f"{_short(filename)}:{line}({func})" if line else func
        funcs.append(
            {
                "function": label,
                "calls_per_validation": nc / n,
                "tottime_ms": tt / n * 1000,
                "cumtime_ms": ct / n * 1000,
                "share": tt / total if total else 0,
            }
        )
        cat = _category(filename, func)
        cats[cat] = cats.get(cat, 0.0) + tt
    funcs.sort(key=lambda f: -f["tottime_ms"])
    categories = sorted(
        ({"category": k, "ms": v / n * 1000, "share": v / total if total else 0} for k, v in cats.items()),
        key=lambda c: -c["ms"],
    )
    b.echo("  [profile] ehkit full validation, cProfile (profiler overhead inflates Python-heavy parts):")
    for c in categories[:8]:
        b.echo(f"      {c['category']:<58} {c['ms']:7.3f} ms  {c['share'] * 100:5.1f} %")
    return {
        "iterations": n,
        "total_ms_per_validation": total / n * 1000,
        "categories": categories,
        "top_functions": funcs[:25],
    }


def _short(filename: str) -> str:
    for marker in ("/src/ehkit/", "/site-packages/", "/bench/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _category(filename: str, func: str) -> str:
    f = func
    if "RSAPrivateKey" in f and "decrypt" in f:
        return "RSA private-key decrypt (OAEP), 3 per response"
    if "RSAPublicKey" in f and "verify" in f:
        return "RSA public-key verify, 2 per response"
    if "RSAPrivateKey" in f and "sign" in f:
        return "RSA private-key sign"
    # lxml's Cython functions are invisible to cProfile: their time lands in the Python caller.
    if "lxml.etree.tostring" in f or f == "canonicalize":
        return "exclusive c14n (lxml, in ehkit.xml.canonicalize)"
    if f in ("parse_document", "_check_tree", "_fast_id_index") or "lxml.etree.fromstring" in f:
        return "XML parse + limits (libxml2, in ehkit.xml.parse)"
    if "xpath" in f or "XPath" in f:
        return "lxml XPath calls"
    if "Cipher" in f or "decryptor" in f or "finalize" in f or ("update" in f and "Hash" in f):
        return "AES / hashing"
    if "/ehkit/xml/parse" in filename:
        return "ehkit.xml.parse (limits, ID index, checks; Python)"
    if "/ehkit/xml/signature" in filename:
        return "ehkit.xml.signature (profile checks; Python)"
    if "/ehkit/xml/encryption" in filename:
        return "ehkit.xml.encryption (key selection, checks; Python)"
    if "/ehkit/saml/" in filename:
        return "ehkit.saml (verify_message, reading; Python)"
    if "/ehkit/sp/" in filename:
        return "ehkit.sp (policy, identity, result; Python)"
    if "/ehkit/domain/" in filename:
        return "ehkit.domain (identifier validation; Python)"
    if "logging" in filename or "json" in filename:
        return "audit event (logging, json)"
    if "/bench/" in filename:
        return "benchmark harness (store put, call)"
    if filename == "~":
        return "other built-ins (isinstance, str, list, lxml methods)"
    return "other Python"
