"""gunicorn's logger, made safe for the logs: URL secrets taken out (see portal.log_redaction), the path
percent-encoded so a request cannot forge a log line (%0A, %0D) or write a raw NUL, control characters in
any other atom escaped, and no client address unless GUNICORN_LOG_CLIENT_ADDRESS=true (also not in
gunicorn's own "Invalid request from ip=…" warnings)."""

import os
import re
from urllib.parse import quote

from gunicorn.glogging import Logger

from .log_redaction import SecretRoute, redact, secret_routes

# What stays as it is in a logged path: RFC 3986's unreserved and sub-delims, ":", "@", "/" and "%"
# (so an already encoded path does not grow, and "[code]" from the redaction stays readable).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%[]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CLIENT_HEADERS = ("{x-forwarded-for}i", "{forwarded}i", "{x-real-ip}i", "{remote_addr}e", "{http_x_forwarded_for}e")
_IP_IN_MESSAGE = re.compile(r"ip=\S+?:")


def logs_client_address() -> bool:
    return os.environ.get("GUNICORN_LOG_CLIENT_ADDRESS", "").strip().lower() in {"1", "true", "yes", "on"}


def encoded_path(path: str) -> str:
    """A WSGI PATH_INFO (bytes as latin-1) as the percent-encoded path the client sent, one printable line."""
    try:
        raw = path.encode("latin-1")
    except UnicodeEncodeError:
        raw = path.encode("utf-8")
    return quote(raw, safe=_PATH_SAFE)


def escaped(value: str) -> str:
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


class RedactingLogger(Logger):
    """Every atom redacted and escaped, the path percent-encoded, the client address left out unless configured.

    gunicorn makes some forty atoms per request (each header and environ value among them); a request
    whose atoms hold no secret route's marker and no control character costs one look, not one per atom.
    """

    _routes: tuple[SecretRoute, ...] | None = None

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if self._routes is None:
            self._routes = secret_routes()  # in the worker, once the URLconf is loaded
        texts = " ".join(value for value in atoms.values() if isinstance(value, str))
        routes = self._routes if any(route.marker in texts for route in self._routes) else ()
        safe = dict(atoms)
        if routes or _CONTROL.search(texts):
            safe = {
                key: escaped(redact(value, routes)) if isinstance(value, str) else value for key, value in atoms.items()
            }
        if isinstance(atoms.get("U"), str):
            safe["U"] = encoded_path(redact(atoms["U"], routes))
        if not logs_client_address():
            safe["h"] = "-"
            for key in _CLIENT_HEADERS:
                safe.pop(key, None)
        return safe

    def warning(self, msg, *args, **kwargs):
        if isinstance(msg, str) and not logs_client_address():
            msg = _IP_IN_MESSAGE.sub("ip=-:", msg)
        super().warning(msg, *args, **kwargs)
