from __future__ import annotations

from django.apps import AppConfig


class EHerkenningConfig(AppConfig):
    name = "ehkit.integrations.django"
    label = "ehkit"
    verbose_name = "eHerkenning"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from ehkit.integrations.django import checks, conf

        checks.register()
        setting_changed.connect(conf.settings_changed)
