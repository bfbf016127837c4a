"""Run the commands a document shows, exactly as written, in a scratch folder.

Only the fixed ports a document names are mapped to free ones (in the
commands and in the files the commands write), because tests must never bind
fixed ports; every other character is the document's. Commands that start a
server run in the background in their own process group and are stopped by
their id when the test ends.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The shell the documents' commands are written for.
BASH = shutil.which("bash") or "/bin/bash"


def section(path: Path, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level (outside code)."""
    lines = path.read_text(encoding="utf-8").splitlines(True)
    level = len(heading.split(" ", 1)[0])
    start = next(i for i, line in enumerate(lines) if line.rstrip("\n") == heading) + 1
    fenced = False
    for i in range(start, len(lines)):
        stripped = lines[i].lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(rf"#{{1,{level}}} ", lines[i]):
            return "".join(lines[start:i])
    return "".join(lines[start:])


def code_blocks(text: str, language: str) -> list[str]:
    """Fenced blocks of ``language``, indentation of list items removed."""
    blocks = []
    for match in re.finditer(rf"(?m)^(?P<indent>[ ]*)```{language}\n(?P<body>.*?)^(?P=indent)```", text, re.S):
        indent = len(match["indent"])
        blocks.append("".join(line[indent:] if line.strip() else line for line in match["body"].splitlines(True)))
    return blocks


def commands(block: str) -> list[str]:
    """One command per line (backslash continuations joined), comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    out = []
    for line in joined.splitlines():
        line = line.split("   # ", 1)[0].rstrip()  # a trailing comment the docs use for explanations
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s:\n{log.read_text(errors='replace')}")


@dataclass
class Workdir:
    """A scratch folder with the repository's ``.venv`` linked in, as the docs' relative paths expect."""

    root: Path
    ports: dict[int, int]
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / ".venv").symlink_to(REPO / ".venv")

    def mapped(self, text: str) -> str:
        for fixed, free in self.ports.items():
            text = re.sub(rf"(?<![0-9]){fixed}(?![0-9])", str(free), text)
        return text

    def map_ports_in(self, path: Path) -> None:
        path.write_text(self.mapped(path.read_text(encoding="utf-8")), encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EHKIT_")}
        env["PATH"] = f"{REPO / '.venv' / 'bin'}:{env.get('PATH', '')}"
        return env

    def run(self, command: str, timeout: float = 120.0) -> str:
        done = subprocess.run(
            [BASH, "-c", self.mapped(command)],
            check=False,
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{command!r} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def serve(self, command: str, port: int) -> subprocess.Popen[bytes]:
        """Start a server command in the background and wait until ``port`` (already mapped) accepts."""
        log = self.root / f"server-{len(self.servers)}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [BASH, "-c", self.mapped(command)],
                cwd=self.root,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.servers.append(process)
        wait_for_port(port, process, log)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def close(self) -> None:
        for process in self.servers:
            self.stop(process)


def workdir(root: Path, *fixed_ports: int) -> Iterator[Workdir]:
    work = Workdir(root, {port: free_port() for port in fixed_ports})
    try:
        yield work
    finally:
        work.close()
