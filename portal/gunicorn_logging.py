"""gunicorn's logger with URL secrets taken out of every access-log atom (see portal.log_redaction)."""

from gunicorn.glogging import Logger

from .log_redaction import redact, secret_routes


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        routes = secret_routes()
        return {key: redact(value, routes) if isinstance(value, str) else value for key, value in atoms.items()}
