"""``ehkit integration init|check|metadata|refresh-metadata`` and ``flask ehkit ...``."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from site_env import Site
from typer.testing import CliRunner

from ehkit.cli.main import app

runner = CliRunner()


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def site(make_site: Any) -> Site:
    return make_site("fastapi")


def test_init_writes_a_test_setup_once(tmp_path: Path) -> None:
    from ehkit.config import load_config

    done = cli("integration", "init", "--dir", str(tmp_path), "--site-url", "http://127.0.0.1:8123")
    assert done.exit_code == 0, done.output
    assert "ehkit broker serve --config ehkit.toml --state-dir .broker" in done.output
    config = load_config(tmp_path / "ehkit.toml")
    assert config.dv.acs_url == "http://127.0.0.1:8123/eherkenning/acs/"
    assert config.broker.metadata_url == "http://127.0.0.1:8801/broker/metadata/1.13"
    assert (tmp_path / ".broker" / "keys" / "hm.crt").is_file()
    assert (tmp_path / "keys" / "dv.key").stat().st_mode & 0o777 == 0o600
    again = cli("integration", "init", "--dir", str(tmp_path))
    assert again.exit_code == 2 and "exists already" in again.output
    assert cli("integration", "init", "--dir", str(tmp_path), "--force", "--prefix", "/eh").exit_code == 0
    assert load_config(tmp_path / "ehkit.toml").dv.acs_url == "http://127.0.0.1:8000/eh/acs/"


@pytest.mark.parametrize(
    "option, value", [("--site-url", "127.0.0.1:8000"), ("--prefix", "eherkenning/"), ("--broker-url", "ftp://x")]
)
def test_init_refuses_bad_addresses(tmp_path: Path, option: str, value: str) -> None:
    done = cli("integration", "init", "--dir", str(tmp_path), option, value)
    assert done.exit_code == 2 and option in done.output
    assert not (tmp_path / "ehkit.toml").exists()


def test_check_with_a_config_file(site: Site) -> None:
    done = cli("integration", "check", "--config", str(site.config), "--json")
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["ok"] and {f["check"] for f in report["findings"]} == {"config", "keys", "metadata", "store"}
    wrong = cli("integration", "check", "--config", str(site.config), "--acs-path", "/elders/acs/", "--offline")
    assert wrong.exit_code == 1 and "FAILED" in wrong.output and "/elders/acs/" in wrong.output


def test_check_reports_a_broken_file_by_field(tmp_path: Path, site: Site) -> None:
    copy = tmp_path / "c"
    shutil.copytree(site.config.parent, copy)
    text = (copy / "ehkit.toml").read_text().replace("index = 2", "index = 1", 1)
    (copy / "ehkit.toml").write_text(text)
    done = cli("integration", "check", "--config", str(copy / "ehkit.toml"), "--json")
    report = json.loads(done.output)
    assert done.exit_code == 1 and not report["ok"]
    assert any(f["field"] == "services[1].index" and f["level"] == "error" for f in report["findings"])


APP_MODULE = """
from fastapi import FastAPI
from ehkit.integrations.fastapi import EHerkenning

eh = EHerkenning(settings={{"CONFIG": {config!r}}})
app = FastAPI(lifespan=eh.lifespan)
app.include_router(eh.router, prefix={prefix!r})
"""

FLASK_MODULE = """
from flask import Flask
from ehkit.integrations.flask import EHerkenning

app = Flask(__name__)
app.config.update(SECRET_KEY="x" * 32, EHKIT_CONFIG={config!r}, EHKIT_URL_PREFIX={prefix!r})
EHerkenning(app)
"""


@pytest.mark.parametrize("template, target", [(APP_MODULE, "app"), (APP_MODULE, "eh"), (FLASK_MODULE, "app")])
@pytest.mark.parametrize("prefix, ok", [("/eherkenning", True), ("/elders", False)])
def test_check_with_the_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Site, template: str, target: str, prefix: str, ok: bool
) -> None:
    name = f"ehapp_{abs(hash((template, target, prefix))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(template.format(config=str(site.config), prefix=prefix))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    done = cli("integration", "check", "--app", f"{name}:{target}", "--offline", "--json")
    report = json.loads(done.output)
    routes = [f for f in report["findings"] if f["check"] == "routes"]
    if target == "eh":  # the instance alone does not know where it is mounted
        assert routes == [] and done.exit_code == 0
        return
    assert routes and (routes[0]["level"] == "ok") is ok
    assert done.exit_code == (0 if ok else 1)
    sys.modules.pop(name, None)


def test_check_with_a_bad_app_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nothing_here.py").write_text("x = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "module:attribute" in cli("integration", "check", "--app", "nocolon").output
    assert "cannot import" in cli("integration", "check", "--app", "no_such_module:app").output
    assert "no attribute" in cli("integration", "check", "--app", "nothing_here:app").output
    assert "no EHerkenning instance" in cli("integration", "check", "--app", "nothing_here:x").output


def test_metadata_as_the_application_publishes_it(tmp_path: Path, site: Site) -> None:
    done = cli("integration", "metadata", "--config", str(site.config), "--group", "eidas")
    assert done.exit_code == 0 and 'entityID="urn:etoegang:DV:00000001234567890000:entities:1"' in done.output
    written = cli("integration", "metadata", "--config", str(site.config), "-o", str(tmp_path / "md"))
    assert written.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "md").iterdir()) == ["metadata-eherkenning.xml", "metadata-eidas.xml"]
    assert cli("integration", "metadata", "--config", str(site.config), "--group", "nope").exit_code == 2


def test_refresh_verifies_and_replaces_a_metadata_file(tmp_path: Path, site: Site) -> None:
    copy = tmp_path / "file"
    shutil.copytree(site.config.parent, copy)
    config = copy / "ehkit.toml"
    config.write_text(re.sub(r'metadata_url = "[^"]*"', 'metadata_file = "broker-metadata.xml"', config.read_text()))
    url = f"{site.broker_url}/broker/metadata/1.13"
    # Without --url the file is only verified: there is none yet.
    assert cli("integration", "refresh-metadata", "--config", str(config)).exit_code == 2
    done = cli("integration", "refresh-metadata", "--config", str(config), "--url", url, "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["written_to"] == str((copy / "broker-metadata.xml").resolve())
    assert b"EntityDescriptor" in (copy / "broker-metadata.xml").read_bytes()
    plain = cli("integration", "refresh-metadata", "--config", str(config))
    assert plain.exit_code == 0 and "verified" in plain.output
    # Metadata signed by a key we do not pin is never written.
    (copy / ".broker" / "keys" / "hm.crt").write_bytes((copy / "keys" / "dv.crt").read_bytes())
    before = (copy / "broker-metadata.xml").read_bytes()
    refused = cli("integration", "refresh-metadata", "--config", str(config), "--url", url)
    assert refused.exit_code == 2 and "metadata" in refused.output
    assert (copy / "broker-metadata.xml").read_bytes() == before
    assert cli("integration", "refresh-metadata", "--config", str(config), "--url", "ftp://x").exit_code == 2


def test_refresh_with_a_metadata_url(site: Site) -> None:
    done = cli("integration", "refresh-metadata", "--config", str(site.config), "--json")
    assert done.exit_code == 0 and json.loads(done.output)["written_to"] is None


def test_flask_commands(site: Site) -> None:
    from flask import Flask

    from ehkit.integrations.flask import EHerkenning

    flask_app = Flask("cli_test")
    flask_app.config.update(SECRET_KEY="s" * 32, EHKIT_CONFIG=str(site.config))
    EHerkenning(flask_app)
    flask_cli = flask_app.test_cli_runner()
    check = flask_cli.invoke(args=["ehkit", "check", "--json"])
    assert check.exit_code == 0, check.output
    assert json.loads(check.output)["ok"]
    readable = flask_cli.invoke(args=["ehkit", "check", "--offline"])
    assert readable.exit_code == 0 and "OK" in readable.output and "reaches this application's ACS" in readable.output
    metadata = flask_cli.invoke(args=["ehkit", "metadata", "--group", "eherkenning"])
    assert 'entityID="urn:etoegang:DV:00000001234567890000:entities:0"' in metadata.output
    assert flask_cli.invoke(args=["ehkit", "metadata", "--group", "nope"]).exit_code == 1
    refresh = flask_cli.invoke(args=["ehkit", "refresh-metadata"])
    assert refresh.exit_code == 0 and "signing certificate" in refresh.output
    assert (
        json.loads(flask_cli.invoke(args=["ehkit", "refresh-metadata", "--json"]).output)["signing_certificates"] >= 1
    )
    assert flask_cli.invoke(args=["ehkit", "refresh-metadata", "--url", "ftp://x"]).exit_code == 1
    flask_app.config["EHKIT_SESSION_MAX_AGE"] = 1
    failing = flask_cli.invoke(args=["ehkit", "check", "--offline"])
    assert failing.exit_code == 1 and "EHKIT_SESSION_MAX_AGE" in failing.output


@pytest.fixture(scope="module")
def oidc_site(make_site: Any) -> Site:
    return make_site("flask", oidc=True)


@pytest.mark.parametrize("template", [APP_MODULE, FLASK_MODULE])
@pytest.mark.parametrize("prefix, ok", [("/eherkenning", True), ("/elders", False)])
def test_check_finds_the_oidc_callback_of_the_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oidc_site: Site, template: str, prefix: str, ok: bool
) -> None:
    name = f"ehapp_oidc_{abs(hash((template, prefix))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(template.format(config=str(oidc_site.config), prefix=prefix))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    done = cli("integration", "check", "--app", f"{name}:app", "--offline", "--json")
    report = json.loads(done.output)
    (callback,) = [f for f in report["findings"] if f["field"] == "broker.oidc.redirect_uri"]
    assert (callback["level"] == "ok") is ok, callback
    if not ok:
        assert f"{prefix}/oidc/callback/" in callback["message"]
    sys.modules.pop(name, None)
