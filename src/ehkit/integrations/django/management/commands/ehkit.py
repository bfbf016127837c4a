"""``manage.py ehkit check | metadata | refresh-metadata``: the same tasks as ``flask ehkit`` and ``ehkit integration``."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ehkit.errors import EhkitError
from ehkit.integrations.base.checks import failed, refresh_metadata, run_checks, sp_metadata


class Command(BaseCommand):
    help = "eHerkenning: check the configuration, print SP metadata, refresh the broker metadata."
    requires_system_checks = []  # noqa: RUF012 - `check` reports the same problems itself, readably

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="task", required=True)
        check = sub.add_parser("check", help="Validate settings, ehkit.toml, keys, routes; fetch the broker metadata.")
        check.add_argument("--offline", action="store_true", help="Skip the broker metadata and state store.")
        check.add_argument("--json", action="store_true", dest="as_json", help="Machine-readable output.")
        meta = sub.add_parser("metadata", help="Print the signed SP metadata.")
        meta.add_argument("--group", "-g", default=None, help="Only this service group.")
        refresh = sub.add_parser("refresh-metadata", help="Fetch and verify the broker metadata.")
        refresh.add_argument("--url", default=None, help="Fetch from here and replace broker.metadata_file.")
        refresh.add_argument("--json", action="store_true", dest="as_json", help="Machine-readable output.")

    def handle(self, *args: Any, **options: Any) -> None:
        task = options["task"]
        try:
            if task == "check":
                self._check(options["offline"], options["as_json"])
            elif task == "metadata":
                self._metadata(options["group"])
            else:
                self._refresh(options["url"], options["as_json"])
        except EhkitError as exc:
            raise CommandError(f"{exc.message} ({exc.reason})") from None

    def _check(self, offline: bool, as_json: bool) -> None:
        from ehkit.integrations.django.checks import acs_route, callback_route, django_findings
        from ehkit.integrations.django.conf import integration_settings

        findings = run_checks(
            integration_settings,
            acs_route=acs_route(),
            offline=offline,
            extra=django_findings,
            callback_route=callback_route(),
        )
        if as_json:
            self.stdout.write(
                json.dumps({"ok": not failed(findings), "findings": [f.as_dict() for f in findings]}, indent=2)
            )
        else:
            style = {"ok": self.style.SUCCESS, "warning": self.style.WARNING, "error": self.style.ERROR}
            for f in findings:
                self.stdout.write(f"{style[f.level](f'{f.level:>7}')}  {f.field}: {f.message}")
            self.stdout.write(self.style.ERROR("FAILED") if failed(findings) else self.style.SUCCESS("OK"))
        if failed(findings):
            sys.exit(1)

    def _metadata(self, group: str | None) -> None:
        from ehkit.integrations.django.conf import get_core

        for data in sp_metadata(get_core().config, group).values():
            self.stdout.write(data.decode("utf-8"), ending="")

    def _refresh(self, url: str | None, as_json: bool) -> None:
        from ehkit.integrations.django.conf import get_core

        result = refresh_metadata(get_core().config, url=url)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{result.entity_id}: {result.signing_certificates} signing certificate(s), valid until {result.valid_until}"
        )
        if result.written_to:
            self.stdout.write(f"wrote {result.written_to}")
