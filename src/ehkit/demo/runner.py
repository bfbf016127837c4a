"""Run the broker simulator and the sample portal side by side in one process.

Each uvicorn server runs in its own thread, so Ctrl-C reaches the main thread,
which asks both to stop and waits for them: no orphaned ports.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from ehkit.demo.setup import BROKER_PORT, PORTAL_PORT, DemoPaths, broker_url, prepare


@dataclass
class RunningDemo:
    paths: DemoPaths
    portal_url: str
    broker_url: str
    servers: list[uvicorn.Server]
    threads: list[threading.Thread]
    #: The portal's ``ehkit.integrations.starlette.EHerkenning`` (its ServiceProvider is ``portal.core.sp``).
    portal: Any

    def stop(self, timeout: float = 10.0) -> None:
        for s in self.servers:
            s.should_exit = True
        for th in self.threads:
            th.join(timeout)
        self.portal.stop()


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _serve(app: Any, host: str, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    return server, thread


def _wait_started(servers: list[uvicorn.Server], threads: list[threading.Thread], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(s.started for s in servers):
            return
        if any(not th.is_alive() for th in threads):
            break
        time.sleep(0.05)
    for s in servers:
        s.should_exit = True
    raise RuntimeError("the demo servers did not start; is another program using the ports?")


def start(
    root: Path, *, host: str = "127.0.0.1", portal_port: int = PORTAL_PORT, broker_port: int = BROKER_PORT
) -> RunningDemo:
    """Prepare the folder, start both servers and return once they accept connections."""
    from ehkit.broker.app import create_app
    from ehkit.broker.settings import BrokerSettings
    from ehkit.config import load_config
    from ehkit.demo.portal import create_portal

    for port, what in ((portal_port, "portal"), (broker_port, "broker simulator")):
        if not port_free(host, port):
            raise RuntimeError(
                f"port {port} on {host} is in use, so the {what} cannot start; "
                f"stop the other program or choose another port (--portal-port / --broker-port)"
            )
    paths = prepare(root, host=host, portal_port=portal_port, broker_port=broker_port)
    config = load_config(paths.config)
    broker_app = create_app(
        BrokerSettings(base_url=broker_url(host, broker_port), state_dir=paths.broker_state, configs=[config])
    )
    servers, threads = [], []
    s, th = _serve(broker_app, host, broker_port)
    servers.append(s)
    threads.append(th)
    _wait_started(servers, threads)
    portal = create_portal(paths.config)
    s, th = _serve(portal, host, portal_port)
    servers.append(s)
    threads.append(th)
    _wait_started(servers, threads)
    return RunningDemo(
        paths, f"http://{host}:{portal_port}", broker_url(host, broker_port), servers, threads, portal.state.ehkit
    )
