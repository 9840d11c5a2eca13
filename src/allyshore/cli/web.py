"""``allyshore serve``, ``worker``, ``db upgrade``, ``users create`` and ``tokens create``: the web platform."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from allyshore.cli import app
from allyshore.cli._common import KeyFileOption, err_console

DATABASE_HELP = (
    "Database: any SQLAlchemy URL (postgresql+psycopg://user@host/db for a team) or a SQLite file "
    "(default: DATA_DIR/allyshore.db, or $ALLYSHORE_DATABASE_URL)."
)
DataDirOption = Annotated[
    Path,
    typer.Option("--data-dir", metavar="DIR", help="Folder of the SQLite database (and its key) by default."),
]
WebDatabaseOption = Annotated[
    str | None,
    typer.Option("--database-url", envvar="ALLYSHORE_DATABASE_URL", show_envvar=False, help=DATABASE_HELP),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--dask-scheduler",
        envvar="ALLYSHORE_DASK_SCHEDULER",
        show_envvar=False,
        help="Dask scheduler (tcp://host:port) for stress and simulate runs; default a local cluster.",
    ),
]

db_app = typer.Typer(help="The platform database.", no_args_is_help=True)
users_app = typer.Typer(help="Users of the platform.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens of the platform.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


def _url(database_url: str | None, data_dir: Path) -> str:
    if database_url:
        return database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir.resolve() / 'allyshore.db'}"


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    database_url: WebDatabaseOption = None,
    data_dir: DataDirOption = Path("."),
    runner: Annotated[
        bool | None,
        typer.Option(
            "--runner/--no-runner",
            help="Run jobs in this process (default: on SQLite yes; on PostgreSQL no, `allyshore worker` runs them).",
        ),
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Worker threads of the embedded runner.")] = 2,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Server processes (uvicorn workers); each runs its own runner.")
    ] = 1,
    dask_scheduler: SchedulerOption = None,
    key_file: KeyFileOption = None,
) -> None:
    """Serve the web API (migrations applied; jobs run in this process on SQLite)."""
    import uvicorn

    from allyshore.store import open_store
    from allyshore.web import Settings
    from allyshore.web.serving import serve_settings

    url = _url(database_url, data_dir)
    embedded = runner if runner is not None else not url.startswith("postgresql")
    settings = Settings(
        url,
        runner_threads=threads if embedded else 0,
        analysis_settings={"scheduler": dask_scheduler},
        key_file=str(key_file) if key_file else None,
    )
    with open_store(url, key_file=key_file) as store:  # migrated once, before any server process starts
        _first_user(store)
        shown = store.url
    serve_settings(settings)  # read by each server process (uvicorn workers are started from an import path)
    err_console.print(f"allyshore serving http://{host}:{port}/api/v1 (database {shown}, {workers} process(es))")
    uvicorn.run(
        "allyshore.web.serving:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


FIRST_USER = "admin@localhost"


def _first_user(store: Any) -> None:
    """On a database without users (a first start), make an administrator and print an API token for it, so
    that one command starts a single user's platform; ``allyshore users create`` adds people later."""
    from allyshore.store.tenancy import Accounts

    accounts = Accounts(store)
    if accounts.has_users():
        return
    made = accounts.create_user(FIRST_USER, "local", "admin", None, actor="serve")
    _, token = accounts.issue_token(made, name="first start", actor="serve")
    err_console.print(
        f"No users yet: made {FIRST_USER} (admin, organisation 'local'). Its API token, shown once:\n  {token}\n"
        "Use it as 'Authorization: Bearer TOKEN'; `allyshore users create EMAIL --org local --role admin` adds a "
        "user who signs in with a password.",
        markup=False,
        soft_wrap=True,
    )


@app.command()
def worker(
    database_url: WebDatabaseOption = None,
    data_dir: DataDirOption = Path("."),
    threads: Annotated[int, typer.Option("--threads", min=1, help="Runs at once.")] = 2,
    dask_scheduler: SchedulerOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run the queued runs, then exit.")] = False,
    key_file: KeyFileOption = None,
) -> None:
    """Run the platform's queued runs (beside `allyshore serve --database-url postgresql+psycopg://...`)."""
    import signal
    import threading

    from allyshore.store import open_store
    from allyshore.web.runner import Runner

    with open_store(_url(database_url, data_dir), key_file=key_file) as store:
        runner = Runner(store, threads=threads, kind="worker", server={"scheduler": dask_scheduler})
        recovered = runner.recover(everything=False)
        if recovered:
            err_console.print(f"{recovered} run(s) left running on this host marked failed (interrupted)")
        if once:
            err_console.print(f"{runner.run_pending()} run(s) done")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        runner.start()
        err_console.print(f"allyshore worker {runner.name} on {store.url}: waiting for runs (Ctrl+C stops)")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()


@db_app.command("upgrade")
def db_upgrade(
    database_url: WebDatabaseOption = None, data_dir: DataDirOption = Path("."), key_file: KeyFileOption = None
) -> None:
    """Create or upgrade the database's tables to this version's schema."""
    from allyshore.store import open_store

    with open_store(_url(database_url, data_dir), key_file=key_file) as store:
        print(f"{store.url}: up to date")


def _read_password(password_stdin: bool) -> str | None:
    if password_stdin or not sys.stdin.isatty():
        text = sys.stdin.readline().rstrip("\r\n")
        return text or None
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)  # type: ignore[no-any-return]


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="The user's email (their sign-in name).")],
    org: Annotated[str, typer.Option("--org", help="Organisation (made when new).")],
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer.")] = "analyst",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input's first line.")
    ] = False,
    database_url: WebDatabaseOption = None,
    data_dir: DataDirOption = Path("."),
    key_file: KeyFileOption = None,
) -> None:
    """Create a user (and the organisation). No prompt when standard input is not a terminal: the password is
    its first line (none: the user signs in with API tokens only)."""
    from allyshore.errors import InputError
    from allyshore.store import open_store
    from allyshore.store.tenancy import Accounts
    from allyshore.web.security import hash_password

    password = _read_password(password_stdin)
    if password is not None and len(password) < 12:
        raise InputError("the password is shorter than 12 characters: choose a longer one")
    with open_store(_url(database_url, data_dir), key_file=key_file) as store:
        made = Accounts(store).create_user(email, org, role, hash_password(password) if password else None)
    print(f"created {made.email} ({made.role}) in organisation {org} (id {made.org_id})")


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="A label for the token.")] = "cli",
    scope: Annotated[str, typer.Option("--scope", help="write (the user's rights) or read (reads only).")] = "write",
    database_url: WebDatabaseOption = None,
    data_dir: DataDirOption = Path("."),
    key_file: KeyFileOption = None,
) -> None:
    """Print a new API token of a user (shown once; use it as `Authorization: Bearer TOKEN`)."""
    from allyshore.errors import NotFoundError
    from allyshore.store import open_store
    from allyshore.store.tenancy import Accounts

    with open_store(_url(database_url, data_dir), key_file=key_file) as store:
        accounts = Accounts(store)
        found = accounts.user_by_email(email)
        if found is None:
            raise NotFoundError(f"no user {email}: create one with `allyshore users create {email} --org NAME`")
        _, token = accounts.issue_token(found[0], name=name, scope=scope, actor="cli")
    print(token)
