"""Steps through the workspace pages in a real browser, shared by the browser and new-user tests.

Every step is done as a person does it: by the labels on the page.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from ehkit.workspace.web.i18n import t

ANSWERS_MELDING = {
    "sector_law": "no", "public_dv": "yes", "bsn": "no", "personal_data": "ordinary", "special_data": "no",
    "return_flow": "no", "company_data": "no", "legal_consequences": "none", "basisregistratie": "no",
    "economic_interest": "limited", "public_interest": "none_or_limited", "who_acts": "employee_mandate",
    "reversible": "yes",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn in a daemon thread on a loopback port."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label(t("nl", "field_email")).fill(email)
    page.get_by_label(t("nl", "field_password")).fill(password)
    page.get_by_role("button", name=t("nl", "login")).click()
    page.get_by_role("heading", name=t("nl", "portfolio_title")).wait_for()


def create_project(page: Any, base: str, slug: str, name: str, oin: str) -> None:
    page.goto(base + "/projects/new")
    page.get_by_label(t("nl", "field_slug")).fill(slug)
    page.get_by_label(t("nl", "field_name")).fill(name)
    page.get_by_label(t("nl", "field_oin")).fill(oin)
    page.get_by_label(t("nl", "field_go_live")).fill("2027-03-01")
    page.get_by_role("button", name=t("nl", "create")).click()
    page.get_by_role("heading", name=t("nl", "dashboard_title", project=name)).wait_for()


def add_member(page: Any, base: str, slug: str, name: str, roles: list[str], raci: dict[int, str]) -> None:
    page.goto(f"{base}/p/{slug}/step1")
    form = page.get_by_test_id("member-form")
    form.get_by_label(t("nl", "field_member_name")).fill(name)
    for role in roles:
        form.get_by_label(t("nl", f"crole_{role}"), exact=True).check()
    for step, letter in raci.items():
        form.locator(f"#f-raci_{step}").select_option(letter)
    form.get_by_role("button", name=t("nl", "add")).click()
    page.get_by_test_id("members").get_by_role("cell", name=name, exact=True).wait_for()


def add_service(page: Any, base: str, slug: str, key: str, name_nl: str, name_en: str) -> None:
    page.goto(f"{base}/p/{slug}/services/new")
    form = page.get_by_test_id("service-form")
    form.get_by_label(t("nl", "field_key"), exact=True).fill(key)
    form.get_by_label(t("nl", "field_name_nl")).fill(name_nl)
    form.get_by_label(t("nl", "field_name_en")).fill(name_en)
    form.get_by_label(t("nl", "field_description_nl")).fill(f"{name_nl} namens uw bedrijf.")
    form.get_by_label(t("nl", "field_description_en")).fill(f"{name_en} on behalf of your company.")
    form.get_by_label(t("nl", "field_audience")).fill("Ondernemers")
    form.get_by_label(t("nl", "field_backoffice_system")).fill("Zaaksysteem")
    form.get_by_label(t("nl", "field_backoffice_process")).fill("Wordt een zaak")
    form.get_by_label(t("nl", "field_data_needed")).fill("KvK-nummer")
    form.get_by_label(t("nl", "field_privacy_url_nl")).fill("https://www.voorbeeldstad.example/privacy")
    form.get_by_label(t("nl", "field_privacy_url_en")).fill("https://www.voorbeeldstad.example/en/privacy")
    form.get_by_test_id("service-save").click()
    page.get_by_test_id("service-level").wait_for()


def assess(page: Any, base: str, slug: str, key: str, answers: dict[str, str]) -> None:
    page.goto(f"{base}/p/{slug}/step3")
    page.get_by_test_id(f"level-{key}").get_by_role("link").click()
    for qid, value in answers.items():
        page.locator(f"#q-{qid}").select_option(value)
    page.get_by_test_id("assess-preview").click()
    page.get_by_test_id("level-change").wait_for()
    page.get_by_test_id("assess-save").click()
    page.get_by_role("status").wait_for()


def connect(page: Any, base: str, slug: str, acs_url: str) -> None:
    page.goto(f"{base}/p/{slug}/step5")
    page.get_by_test_id("test-keys").click()
    page.get_by_test_id("simulator-broker").click()
    page.get_by_label(t("nl", "field_acs_url")).fill(acs_url)
    page.get_by_label(t("nl", "field_contact_email")).fill("eherkenning@voorbeeldstad.example")
    page.get_by_test_id("settings-save").click()
    page.get_by_test_id("download-catalogue").wait_for()


def download(page: Any, test_id: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_test_id(test_id).click()
    info.value.save_as(target)
    return target
