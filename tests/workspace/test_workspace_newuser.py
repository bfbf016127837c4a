"""A new user, start to finish: ``ehkit workspace serve`` in a subprocess, an account made with the CLI,
a project created and steps 1, 2, 3 and 5 filled in the browser, the catalogue and SP metadata downloaded,
and ``ehkit catalogue validate`` / ``ehkit metadata validate`` passing on the downloads. On SQLite and on
PostgreSQL (a schema of its own in the test database).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from ws_browser import ANSWERS_MELDING, add_member, add_service, assess, connect, create_project, download, log_in
from ws_helpers import postgres_url

from ehkit.workspace.db import Database

pytestmark = [pytest.mark.browser, pytest.mark.network]
EHKIT = [str(Path(sys.executable).with_name("ehkit"))]
PASSWORD = "a long test password"  # noqa: S105 - a test account


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EHKIT, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


def _db_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'ehkit-workspace' / 'workspace.db'}"
    url = postgres_url()
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS ws_newuser CASCADE"))
        conn.execute(text("CREATE SCHEMA ws_newuser"))
    admin.dispose()
    return url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dws_newuser"


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = _db_url(request.param, tmp_path)
    made = _cli("workspace", "create-user", "projectleider@voorbeeldstad.example", "--name", "Pia", "--password-stdin",
                "--db", url, cwd=tmp_path, stdin=PASSWORD + "\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    proc = subprocess.Popen(
        [*EHKIT, "workspace", "serve", "--db", url, "--port", "0"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert found, line
        base = f"http://127.0.0.1:{found.group(1)}"
        health = httpx.get(base + "/healthz", timeout=30).json()
        assert health["database"]["engine"] == request.param and health["database"]["up_to_date"]
        yield {"base": base, "tmp": tmp_path, "db": url}
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_a_new_user_gets_a_catalogue_and_metadata_that_validate(served: dict[str, Any], page: Any) -> None:
    base, tmp = served["base"], served["tmp"]
    log_in(page, base, "projectleider@voorbeeldstad.example", PASSWORD)
    create_project(page, base, "voorbeeldstad", "Gemeente Voorbeeldstad", "00000001234567890000")
    add_member(
        page, base, "voorbeeldstad", "Ingrid Bakker", ["policy_owner", "architect"], {1: "A", 2: "A", 3: "A", 5: "A"}
    )
    add_service(page, base, "voorbeeldstad", "melding", "Melding openbare ruimte", "Report an issue in a public space")
    assess(page, base, "voorbeeldstad", "melding", ANSWERS_MELDING)
    connect(page, base, "voorbeeldstad", "https://eherkenning.voorbeeldstad.example/acs")
    catalogue = download(page, "download-catalogue", tmp / "catalogue.xml")
    metadata = download(page, "download-metadata-eherkenning", tmp / "metadata-eherkenning.xml")
    checked = _cli("catalogue", "validate", str(catalogue), cwd=tmp)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK" in checked.stdout or "passed" in checked.stdout
    meta = _cli("metadata", "validate", str(metadata), cwd=tmp)
    assert meta.returncode == 0, meta.stdout + meta.stderr
    # the workspace keeps the keys on disk, referenced by path: the database holds no key material
    assert (tmp / "ehkit-workspace" / "keys" / "voorbeeldstad" / "test-dv.key").is_file()
    exported = _cli("workspace", "export", "voorbeeldstad", "--db", served["db"], cwd=tmp)
    assert exported.returncode == 0 and "BEGIN" not in exported.stdout and "level: EH2+" in exported.stdout
