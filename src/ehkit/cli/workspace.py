"""``ehkit workspace``: run the onboarding workspace and administer it from the server.

``serve`` applies the migrations and starts the web app; ``migrate`` only
migrates; ``create-user`` makes an account (the password is asked twice, or
read from stdin); ``invite`` prints a one-time link; ``export``/``import`` move
a whole project as YAML. Expected failures print one message and exit 2.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ehkit.errors import EhkitError

workspace_app = typer.Typer(
    name="workspace",
    help="Onboarding workspace: the whole eHerkenning step plan in one web app (serve, migrate, users, invitations, "
    "export/import, the project dossier).",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_USAGE = 2
F = TypeVar("F", bound=Callable[..., Any])
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL: sqlite:///path.db (default ./ehkit-workspace/workspace.db) or "
                 "postgresql://user@host/db. Also EHKIT_WORKSPACE_DB."),
]  # fmt: skip
DataOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder for key folders, test CA and simulator state (default ./ehkit-workspace)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``workspace`` command group to the ``ehkit`` app."""
    app.add_typer(workspace_app, name="workspace")


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    _err().print(f"[bold red]Error:[/bold red] {escape(message)}")
    return typer.Exit(code=EXIT_USAGE)


def friendly(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import OperationalError

        from ehkit.workspace.errors import InvalidInput
        from ehkit.workspace.web.i18n import problem_line

        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            console = _err()
            console.print(f"[bold red]Error:[/bold red] {escape(exc.source)} is not valid:")
            for problem in exc.problems:
                console.print(f"  - {escape(problem_line('en', problem))}")
            raise typer.Exit(code=EXIT_USAGE) from None
        except EhkitError as exc:
            raise _fail(exc.message) from None
        except OperationalError as exc:
            raise _fail(f"cannot use the database: {str(exc.orig).strip() or exc}") from None

    return wrapper  # type: ignore[return-value]


def _database(db: str | None, *, migrate: bool = True) -> Any:
    from ehkit.workspace.db import DEFAULT_DB_URL, Database

    database = Database(db or os.environ.get("EHKIT_WORKSPACE_DB") or DEFAULT_DB_URL)
    if migrate:
        database.migrate()
    return database


def _site(data_dir: Path | None) -> Any:
    from ehkit.workspace.db import DEFAULT_DIR
    from ehkit.workspace.services.site import Site

    return Site(data_dir or DEFAULT_DIR)


@workspace_app.command("serve")
@friendly
def serve_command(
    db: DbOpt = None,
    data_dir: DataOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8900,
) -> None:
    """Apply the migrations and serve the workspace (Ctrl-C stops it)."""
    import socket

    import uvicorn

    from ehkit.workspace.web import create_app

    database = _database(db)
    app = create_app(database, _site(data_dir))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise _fail(f"cannot listen on {host}:{port}: {exc.strerror} (choose another --port)") from None
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them: the printed address works at once
    bound = sock.getsockname()[1]
    state = database.state()
    Console(highlight=False).print(
        f"ehkit workspace on [bold]http://{host}:{bound}[/bold] ({state.engine}, schema {state.revision}); "
        "Ctrl-C stops it."
    )
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=True, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        database.dispose()


@workspace_app.command("migrate")
@friendly
def migrate_command(
    db: DbOpt = None,
    revision: Annotated[str, typer.Option("--revision", help="Target revision (default head).")] = "head",
    as_json: Annotated[bool, typer.Option("--json", help="Print the database state as JSON.")] = False,
) -> None:
    """Bring the database schema to the packaged head (or --revision)."""
    from ehkit.workspace.db import upgrade

    database = _database(db, migrate=False)
    upgrade(database.engine, revision)
    state = database.state()
    if as_json:
        typer.echo(json.dumps(state.as_dict()))
    else:
        Console(highlight=False).print(f"database {state.engine}: schema at {state.revision} (head {state.head})")
    database.dispose()


def _read_password(stdin: bool) -> str:
    if stdin:
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise _fail("no password on standard input")
        return value
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Password (again)", hide_input=True)
    if first != second:
        raise _fail("the two passwords differ; nothing was created")
    return str(first)


@workspace_app.command("create-user")
@friendly
def create_user_command(
    email: Annotated[str, typer.Argument(help="E-mail address (the login name).")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (default: the part before @).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: DbOpt = None,
) -> None:
    """Create a local account (the first owner creates projects in the browser)."""
    from ehkit.workspace.services import access
    from ehkit.workspace.services.audit import Actor

    password = _read_password(password_stdin)
    database = _database(db)
    with database.session() as session:
        user = access.create_user(
            session, email=email, display_name=name or email.split("@", 1)[0], password=password, actor=Actor.cli()
        )
        created = user.email
    Console(highlight=False).print(f"created user {escape(created)}")
    database.dispose()


@workspace_app.command("invite")
@friendly
def invite_command(
    project: Annotated[str, typer.Argument(help="Project short name (slug).")],
    email: Annotated[str, typer.Argument(help="E-mail address of the person invited.")],
    role: Annotated[str, typer.Option("--role", help="owner, editor or viewer.")] = "editor",
    base_url: Annotated[
        str, typer.Option("--base-url", help="Address of the workspace as users reach it.")
    ] = "http://127.0.0.1:8900",
    days: Annotated[int, typer.Option("--days", min=1, max=30, help="Days the link stays valid.")] = 7,
    db: DbOpt = None,
) -> None:
    """Print a one-time invitation link (single use, expiring); no mail server needed."""
    from datetime import timedelta

    from ehkit.workspace.services import access, projects
    from ehkit.workspace.services.audit import Actor

    database = _database(db)
    with database.session() as session:
        found = projects.by_slug(session, project)
        issued = access.invite(session, found, email, role, Actor.cli(), lifetime=timedelta(days=days))
        link = issued.link(base_url)
        expires = issued.invitation.expires_at.isoformat(timespec="minutes")
    Console(highlight=False, soft_wrap=True).print(f"invitation for {escape(email)} ({role}), valid until {expires}:")
    typer.echo(link)
    database.dispose()


@workspace_app.command("export")
@friendly
def export_command(
    project: Annotated[str, typer.Argument(help="Project short name (slug).")],
    fmt: Annotated[str, typer.Option("--format", help="Output format (yaml).")] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Write a whole project (group, inventory, answers, settings) as YAML."""
    from ehkit.util.files import atomic_write
    from ehkit.workspace.export import dump_project
    from ehkit.workspace.services import projects

    if fmt != "yaml":
        raise _fail(f"--format {fmt!r} is not supported (use yaml)")
    database = _database(db)
    with database.session() as session:
        text = dump_project(session, projects.by_slug(session, project))
    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write(output, text.encode("utf-8"))
        _err().print(f"wrote {escape(str(output))}")
    database.dispose()


@workspace_app.command("dossier")
@friendly
def dossier_command(
    project: Annotated[str, typer.Argument(help="Project short name (slug).")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, html or md (Markdown).")] = "pdf",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here, atomically (default ./PROJECT-dossier.FORMAT).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the dossier: nl or en.")] = "nl",
    db: DbOpt = None,
) -> None:
    """Write the project dossier: all six steps in one document (HTML, Markdown or PDF)."""
    from ehkit.workspace.errors import NotFound
    from ehkit.workspace.export import dossier
    from ehkit.workspace.services import projects

    if fmt not in dossier.FORMATS:
        raise _fail(f"--format {fmt!r} is not supported (use {', '.join(dossier.FORMATS)})")
    if lang not in ("nl", "en"):
        raise _fail(f"--lang {lang!r} is not supported (use nl or en)")
    database = _database(db)
    try:
        with database.session() as session:
            try:
                found = projects.by_slug(session, project)
            except NotFound:
                from sqlalchemy import select

                from ehkit.workspace.models import Project

                known = sorted(session.scalars(select(Project.slug)))
                listed = ", ".join(known) if known else "none yet"
                raise _fail(f"no project {project!r} in this workspace (projects: {listed})") from None
            target = out or Path(dossier.file_name(found, fmt))
            try:
                dossier.write(session, found, fmt, target, lang=lang)
            except OSError as exc:
                raise _fail(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        database.dispose()
    _err().print(f"wrote {escape(str(target))}")


@workspace_app.command("import")
@friendly
def import_command(
    file: Annotated[Path, typer.Argument(help="A project YAML file (ehkit workspace export).")],
    owner: Annotated[str | None, typer.Option("--owner", help="E-mail of the user who becomes owner.")] = None,
    project: Annotated[str | None, typer.Option("--project", help="Import under this short name instead.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an existing project of that name.")] = False,
    fresh_uuids: Annotated[
        bool, typer.Option("--fresh-uuids", help="Give every service a new ServiceUUID (templating a new DV).")
    ] = False,
    data_dir: DataOpt = None,
    db: DbOpt = None,
) -> None:
    """Create a project from a YAML file, in one transaction: on any error nothing is written."""
    from ehkit.workspace.export import import_project
    from ehkit.workspace.services import access
    from ehkit.workspace.services.audit import Actor

    try:
        text = file.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror}") from None
    database = _database(db)
    with database.session() as session:
        user = None
        if owner is not None:
            user = access.user_by_email(session, owner)
            if user is None:
                raise _fail(f"no user {owner} (create one with: ehkit workspace create-user {owner})")
        elif access.count_users(session) == 1:
            from sqlalchemy import select

            from ehkit.workspace.models import User

            user = session.scalar(select(User))
        else:
            raise _fail("give --owner EMAIL: the user who becomes the project's owner")
        created = import_project(
            session, text, Actor.cli(f"import {file.name}"), _site(data_dir), owner=user, slug=project,
            replace=replace, fresh_uuids=fresh_uuids, source=str(file),
        )  # fmt: skip
        summary = (created.slug, created.name)
    Console(highlight=False).print(f"imported project {escape(summary[0])} ({escape(summary[1])})")
    database.dispose()
