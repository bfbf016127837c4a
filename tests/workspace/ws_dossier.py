"""Reading a dossier back: its PDF's text through pdftotext (poppler-utils), and the six step headings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ehkit.workspace.texts import text

HEADINGS = {lang: [text(lang, "dossier_step", n=n, title=text(lang, f"step_{n}")) for n in range(1, 7)]
            for lang in ("nl", "en")}  # fmt: skip


def pdf_text(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        from support.services import missing

        missing("pdftotext", "install poppler-utils (apt-get install poppler-utils)")
    path = tmp_path / "dossier.pdf"
    path.write_bytes(data)
    done = subprocess.run([str(tool), "-layout", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").replace("\u00a0", " ").split())
