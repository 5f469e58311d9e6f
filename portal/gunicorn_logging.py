"""gunicorn's logger with URL secrets taken out of every access-log atom (see portal.log_redaction)."""

from gunicorn.glogging import Logger

from .log_redaction import SecretRoute, redact, secret_routes


class RedactingLogger(Logger):
    """Every atom redacted, at the cost of one look per request when nothing in it can hold a secret.

    gunicorn makes some forty atoms per request (each header and environ value among them); a request
    whose atoms hold no secret route's marker is left as it is, without a look at each atom.
    """

    _routes: tuple[SecretRoute, ...] | None = None

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if self._routes is None:
            self._routes = secret_routes()  # in the worker, once the URLconf is loaded
        texts = "\n".join(value for value in atoms.values() if isinstance(value, str))
        if not any(route.marker in texts for route in self._routes):
            return atoms
        return {key: redact(value, self._routes) if isinstance(value, str) else value for key, value in atoms.items()}
