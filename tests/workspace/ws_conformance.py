"""The example project's own DV for the conformance tests: ehkit's demo portal on the workspace's generated ehkit.toml.

This is what a DV does with step 5: take the generated configuration (with the
simulator as broker), run it, and let the workspace test it. The simulator's
HM metadata is written for the port the test's simulator will listen on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ws_browser import ServerThread, free_port

from ehkit.util.files import atomic_write
from ehkit.workspace.db import Database
from ehkit.workspace.models import Project
from ehkit.workspace.services import simulator, step5_connect
from ehkit.workspace.services.audit import Actor
from ehkit.workspace.services.site import Site


@dataclass
class RunningDv:
    url: str
    simulator_url: str
    server: ServerThread

    def form(self, **extra: str) -> dict[str, str]:
        return {
            "login_url": self.url + "/login/{service}",
            "success_url": self.url + "/dienst/{service}",
            "simulator_url": self.simulator_url,
        } | extra


def start_project_dv(db: Database, slug: str, site: Site, root: Path) -> RunningDv:
    """Give the project test keys and the simulator as broker, then run the demo portal on its ehkit.toml."""
    from ehkit import ServiceProvider
    from ehkit.config import load_config
    from ehkit.demo.portal import create_portal
    from ehkit.demo.setup import ACS_PATH

    dv_port, broker_port = free_port(), free_port()
    simulator_url = f"http://127.0.0.1:{broker_port}"
    with db.session() as s:
        project = s.query(Project).filter_by(slug=slug).one()
        step5_connect.create_test_keys(s, project, Actor.cli(), site)
        step5_connect.use_simulator_broker(s, project, Actor.cli(), site)
        project.settings.acs_url = f"http://127.0.0.1:{dv_port}{ACS_PATH}"
        s.flush()
        keys = simulator.simulator_keys(site)
        atomic_write(site.key_dir(slug) / "simulator-metadata.xml", simulator.simulator_metadata(keys, simulator_url))
        artefacts = step5_connect.generate(s, project, profiles=())
        assert artefacts.toml is not None and artefacts.config is not None, artefacts.blockers
        toml = artefacts.toml
    path = root / "ehkit.toml"
    atomic_write(path, toml.encode("utf-8"))
    config = load_config(path)
    sp: Any = ServiceProvider.from_config(config)
    server = ServerThread(create_portal(path, sp=sp), port=dv_port).__enter__()
    return RunningDv(server.url, simulator_url, server)
