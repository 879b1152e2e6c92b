"""``chronology serve``: the web service on waitress, a production WSGI server (not Flask's own)."""

from __future__ import annotations

import click

from chronology import settings
from commands.store import open_store
from web.config import insecure_cookies

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def serve_app(host: str, port: int, *, threads: int = 8) -> None:
    """Bring the database up to date, build the app (which checks its secret key) and serve it."""
    from waitress import serve

    from web import create_app
    from web.config import ConfigError

    if insecure_cookies() and host not in LOOPBACK:
        raise click.ClickException(
            "CHRONOLOGY_INSECURE_COOKIES is for a plain-http demo on this machine only: "
            f"serve on 127.0.0.1, or unset it and put the service behind HTTPS (asked for --host {host})"
        )
    open_store(settings.database_url())
    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"serving on http://{host}:{port}/ (stop with Ctrl+C)")
    serve(app, host=host, port=port, threads=threads, ident="chronology")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
def serve_command(host: str, port: int, threads: int) -> None:
    """Run the web service (needs CHRONOLOGY_SECRET_KEY; put it behind HTTPS)."""
    serve_app(host, port, threads=threads)
