"""Workspace as code: a whole project as one YAML document, and back; and the project dossier.

See :mod:`ehkit.workspace.export.yaml_io` for the format (``ehkit_workspace: 1``)
and :mod:`ehkit.workspace.export.dossier` for the dossier (HTML, Markdown, PDF).
"""

from ehkit.workspace.export.yaml_io import FORMAT_VERSION, dump_project, export_project, import_project, load_document

__all__ = ["FORMAT_VERSION", "dump_project", "export_project", "import_project", "load_document"]
