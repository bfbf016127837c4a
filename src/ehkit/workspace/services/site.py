"""Where the workspace keeps files on the server: test keys, simulator state, each project's key folder.

Keys are never stored in the database; a project's settings only name paths,
and those paths must lie inside that project's own key folder, so the editor
of one project cannot point its signing key at another project's key file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ehkit.workspace.db import DEFAULT_DIR


@dataclass(frozen=True)
class Site:
    data_dir: Path = DEFAULT_DIR

    @property
    def root(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def key_root(self) -> Path:
        return self.root / "keys"

    def key_dir(self, slug: str) -> Path:
        return self.key_root / slug

    @property
    def simulator_dir(self) -> Path:
        return self.root / "simulator"

    @property
    def test_ca_dir(self) -> Path:
        return self.root / "test-ca"
