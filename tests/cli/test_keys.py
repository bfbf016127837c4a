"""``ehkit keys``: generate and show, driven through typer's CliRunner."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from cryptography.hazmat.primitives.serialization import Encoding
from typer.testing import CliRunner

from ehkit.cli.keys import register
from ehkit.pki import (
    KeyPair,
    certificate_oin,
    key_name_sha1,
    key_name_sha256,
    load_certificate,
    load_certificates,
    verify_chain,
)

OIN = "00000001234567890000"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    # A fresh app with only our group, so this test does not depend on other command modules.
    app = typer.Typer(add_completion=False)

    @app.callback()
    def _root() -> None:
        """ehkit (test root)"""

    register(app)
    return app


@pytest.fixture
def run(app: typer.Typer):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["keys", *args], catch_exceptions=False)

    return invoke


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generate_writes_a_usable_key_pair(run, tmp_path: Path) -> None:
    out = tmp_path / "keys"
    result = run("generate", "--oin", OIN, "--role", "DV", "--out", str(out))
    assert result.exit_code == 0, result.output

    key, crt, chain = out / "dv.key", out / "dv.crt", out / "dv-chain.pem"
    assert _mode(key) == 0o600
    pair = KeyPair.load(key, crt, chain)  # also proves key and certificate match
    assert pair.oin == OIN
    assert certificate_oin(load_certificate(crt)) == OIN
    root = load_certificate(out / "ca" / "ca-root.pem")
    verify_chain(pair.certificate, pair.chain, [root], datetime.now(UTC))
    assert _mode(out / "ca" / "ca-root.key") == 0o600
    assert _mode(out / "ca" / "ca-intermediate.key") == 0o600

    # The summary shows what an onboarding form asks for.
    der = pair.certificate.public_bytes(Encoding.DER)
    assert key_name_sha256(pair.certificate) in result.output
    assert key_name_sha1(pair.certificate) in result.output
    assert OIN in result.output
    assert str(key) in result.output and str(crt) in result.output and str(chain) in result.output
    assert len(der) > 0
    assert "created" in result.output


def test_generate_refuses_to_overwrite_without_force(run, tmp_path: Path) -> None:
    first = run("generate", "--oin", OIN, "--role", "HM", "--out", str(tmp_path))
    assert first.exit_code == 0, first.output
    key_before = (tmp_path / "hm.key").read_bytes()
    crt_before = (tmp_path / "hm.crt").read_bytes()
    root_before = (tmp_path / "ca" / "ca-root.pem").read_bytes()

    again = run("generate", "--oin", OIN, "--role", "HM", "--out", str(tmp_path))
    assert again.exit_code == 1
    assert "--force" in again.output and str(tmp_path / "hm.key") in again.output
    assert "Traceback" not in again.output
    assert (tmp_path / "hm.key").read_bytes() == key_before
    assert (tmp_path / "hm.crt").read_bytes() == crt_before

    forced = run("generate", "--oin", OIN, "--role", "HM", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "hm.key").read_bytes() != key_before
    assert (tmp_path / "hm.crt").read_bytes() != crt_before
    # The CA is reused, never replaced: earlier certificates stay trusted.
    assert (tmp_path / "ca" / "ca-root.pem").read_bytes() == root_before
    assert "reused" in forced.output


def test_one_existing_file_is_enough_to_refuse(run, tmp_path: Path) -> None:
    (tmp_path / "ad-chain.pem").write_bytes(b"mine")
    result = run("generate", "--oin", OIN, "--role", "AD", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert not (tmp_path / "ad.key").exists()
    assert (tmp_path / "ad-chain.pem").read_bytes() == b"mine"


def test_generate_json(run, tmp_path: Path) -> None:
    result = run(
        "generate",
        "--oin",
        OIN,
        "--role",
        "mr",
        "--out",
        str(tmp_path),
        "--json",
        "--days",
        "30",
        "--cn",
        "mr.example.nl",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cert = load_certificate(tmp_path / "mr.crt")
    assert data["role"] == "MR"
    assert data["oin"] == OIN
    assert data["key_name_sha256"] == key_name_sha256(cert)
    assert data["key_name_sha1"] == key_name_sha1(cert)
    assert data["files"]["private_key"] == str(tmp_path / "mr.key")
    assert data["files"]["certificate"] == str(tmp_path / "mr.crt")
    assert data["files"]["chain"] == str(tmp_path / "mr-chain.pem")
    assert data["ca"]["created"] is True
    assert data["key_size"] == 2048
    assert data["dns_names"] == ["mr.example.nl"]
    assert "CN=mr.example.nl" in data["subject"]
    not_before = datetime.fromisoformat(data["not_before"])
    not_after = datetime.fromisoformat(data["not_after"])
    assert (not_after - not_before).days == 30
    assert not_after == cert.not_valid_after_utc

    # A second role reuses the CA: same root, and the JSON says so.
    second = run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path), "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["ca"]["created"] is False
    dv_chain = load_certificates(tmp_path / "dv-chain.pem")
    assert dv_chain == load_certificates(tmp_path / "mr-chain.pem")


def test_separate_ca_dir(run, tmp_path: Path) -> None:
    ca_dir = tmp_path / "shared-ca"
    for role, out in (("DV", tmp_path / "dv"), ("HM", tmp_path / "hm")):
        result = run("generate", "--oin", OIN, "--role", role, "--out", str(out), "--ca-dir", str(ca_dir), "--json")
        assert result.exit_code == 0, result.output
    assert not (tmp_path / "dv" / "ca").exists()
    root = load_certificate(ca_dir / "ca-root.pem")
    now = datetime.now(UTC)
    for stem, out in (("dv", tmp_path / "dv"), ("hm", tmp_path / "hm")):
        pair = KeyPair.load(out / f"{stem}.key", out / f"{stem}.crt", out / f"{stem}-chain.pem")
        verify_chain(pair.certificate, pair.chain, [root], now)


@pytest.mark.parametrize("bad", ["123", "0000000123456789000X", "000000012345678900000", ""])
def test_bad_oin_exit_2(run, tmp_path: Path, bad: str) -> None:
    result = run("generate", "--oin", bad, "--role", "DV", "--out", str(tmp_path / "k"))
    assert result.exit_code == 2
    assert "--oin" in result.output and "20" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize("bad", ["XX", "broker", ""])
def test_bad_role_exit_2(run, tmp_path: Path, bad: str) -> None:
    result = run("generate", "--oin", OIN, "--role", bad, "--out", str(tmp_path / "k"))
    assert result.exit_code == 2
    assert "--role" in result.output and "DV" in result.output and "HM" in result.output
    assert not (tmp_path / "k").exists()


def test_bad_cn_exit_2_before_writing(run, tmp_path: Path) -> None:
    result = run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path / "k"), "--cn", "x" * 70)
    assert result.exit_code == 2
    assert "--cn" in result.output
    assert not (tmp_path / "k").exists()


def test_broken_ca_dir_is_an_error_not_a_traceback(run, tmp_path: Path) -> None:
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    (ca_dir / "ca-root.pem").write_bytes(b"garbage")
    result = run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path), "--ca-dir", str(ca_dir))
    assert result.exit_code == 1
    assert "ca_incomplete" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "dv.key").exists()


def test_show(run, tmp_path: Path) -> None:
    assert run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path)).exit_code == 0
    cert = load_certificate(tmp_path / "dv.crt")

    text = run("show", str(tmp_path / "dv.crt"))
    assert text.exit_code == 0, text.output
    for expected in (OIN, key_name_sha256(cert), key_name_sha1(cert), "2048", "Private Services CA - G1", "valid"):
        assert expected in text.output

    as_json = run("show", str(tmp_path / "dv.crt"), "--json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["oin"] == OIN
    assert data["key_name_sha256"] == key_name_sha256(cert)
    assert data["key_name_sha1"] == key_name_sha1(cert)
    assert data["key_size"] == 2048 and data["key_type"] == "RSA"
    assert data["issuer"] == "CN=ehkit Test PKIoverheid Private Services CA - G1,O=ehkit Test PKIoverheid,C=NL"
    assert data["not_after"] == cert.not_valid_after_utc.isoformat()
    assert data["status"] == "valid"
    assert data["certificates_in_file"] == 1


def test_show_der_and_bundle(run, tmp_path: Path) -> None:
    assert run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path)).exit_code == 0
    cert = load_certificate(tmp_path / "dv.crt")
    (tmp_path / "dv.der").write_bytes(cert.public_bytes(Encoding.DER))
    data = json.loads(run("show", str(tmp_path / "dv.der"), "--json").stdout)
    assert data["key_name_sha256"] == key_name_sha256(cert)

    bundle = tmp_path / "full.pem"
    bundle.write_bytes((tmp_path / "dv.crt").read_bytes() + (tmp_path / "dv-chain.pem").read_bytes())
    result = run("show", str(bundle))
    assert result.exit_code == 0 and "2 certificates" in result.output
    assert key_name_sha256(cert) in result.output


def test_show_reference_broker_certificate(run, reference_dir: Path, tmp_path: Path) -> None:
    import base64

    from lxml import etree

    tree = etree.parse(str(reference_dir / "hm-onewelcome-preprod-1.13.xml"))
    b64 = tree.find(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate").text
    path = tmp_path / "broker.der"
    path.write_bytes(base64.b64decode("".join(b64.split())))
    data = json.loads(run("show", str(path), "--json").stdout)
    assert data["oin"] == "00000003520354760000"
    assert data["key_name_sha256"] == "e6e04e0a22bbc8a036a8a243abc9655e92907f73a4ba5a2ad28485ec3f4c82d1"
    assert data["status"] == "expired"


def test_show_key_file_is_a_clear_error(run, tmp_path: Path) -> None:
    assert run("generate", "--oin", OIN, "--role", "DV", "--out", str(tmp_path)).exit_code == 0
    result = run("show", str(tmp_path / "dv.key"))
    assert result.exit_code == 1
    assert "certificate_unreadable" in result.output and "swap" in result.output
    assert "Traceback" not in result.output
    key_body = (tmp_path / "dv.key").read_text().splitlines()[1]
    assert key_body not in result.output


def test_show_missing_file_exit_2(run, tmp_path: Path) -> None:
    result = run("show", str(tmp_path / "nope.crt"))
    assert result.exit_code == 2
