"""Flask sessions kept in the store (chronology/sessions.py) instead of in a signed cookie.

A signed cookie cannot be taken back: a copy keeps working until it expires, whatever happens to
the user. Here the cookie carries only a random id, and ending a session (sign-out, deactivation, a
password change, an administrator) deletes its row, so a copied cookie opens nothing from then on.

A session lasts ``PERMANENT_SESSION_LIFETIME`` after signing in (``signed_in_at``); a session with no
one signed in yet (the sign-in form's CSRF token) lasts ``ANONYMOUS_SESSION_MINUTES``. Signing in and
out always start a new id (``ServerSession.regenerate``), so an id known before signing in is useless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from chronology import sessions as store

MAX_ID_LENGTH = 100  # a real id is 43 characters; anything much longer is not worth a query


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session's contents, with the id of the row they came from (None until first stored)."""

    def __init__(self, initial: dict[str, Any] | None = None, session_id: str | None = None) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.session_id = session_id
        self.modified = False
        self.replaced: str | None = None  # an id to delete when this response is saved

    def regenerate(self) -> None:
        """Give this session a new id when it is saved, and end the old one (signing in and out)."""
        if self.session_id is not None:
            self.replaced = self.session_id
        self.session_id = None
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    serializer = TaggedJSONSerializer()

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or len(session_id) > MAX_ID_LENGTH:
            return ServerSession()
        with app.extensions["chronology_engine"].connect() as conn:
            data = store.load_session(conn, session_id)
        if data is None:  # ended, expired or made up: start afresh, never under the id offered
            return ServerSession()
        return ServerSession(self.serializer.loads(data), session_id)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.accessed:
            response.vary.add("Cookie")
        engine = app.extensions["chronology_engine"]
        if session.replaced is not None:
            with engine.begin() as conn:
                store.end_session(conn, session.replaced)
        if not session:
            if session.session_id is not None and session.modified:
                with engine.begin() as conn:
                    store.end_session(conn, session.session_id)
            if session.session_id is not None or session.replaced is not None:
                self._forget(app, response)
            return
        if not session.modified:
            return
        data = self.serializer.dumps(dict(session))
        user_id = session.get("user_id")
        expires_at = self._expiry(app, session)
        if session.session_id is None:
            session.session_id = store.new_session_id()
            with engine.begin() as conn:
                store.create_session(
                    conn, session.session_id, data, user_id, expires_at or self._anonymous_expiry(app)
                )
            self._remember(app, response, session.session_id, expires_at)
            return
        with engine.begin() as conn:
            live = store.update_session(conn, session.session_id, data, user_id, expires_at)
        if not live:  # ended while this request ran (e.g. "end all sessions"): it stays ended
            self._forget(app, response)

    @staticmethod
    def _expiry(app: Flask, session: ServerSession) -> dt.datetime | None:
        """Signed in: a fixed time after signing in, however active. Else None (keep the row's)."""
        signed_in_at = session.get("signed_in_at")
        if not signed_in_at:
            return None
        return dt.datetime.fromisoformat(signed_in_at) + app.permanent_session_lifetime

    @staticmethod
    def _anonymous_expiry(app: Flask) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=app.config["ANONYMOUS_SESSION_MINUTES"])

    def _remember(self, app: Flask, response: Response, session_id: str, expires_at: dt.datetime | None) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            session_id,
            expires=expires_at,  # none before signing in: the cookie goes when the browser closes
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )

    def _forget(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")
