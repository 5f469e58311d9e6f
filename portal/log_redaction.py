"""Keeps secrets that travel in a URL's path out of the logs, whichever app's URL holds them.

A view declares which of its URL's kwargs are secret, e.g. a survey's single-use link:
`@sensitive_url_kwargs("code")`. `redact(text)` finds the paths in a text (a log message, a request
line, a referer) and writes each declared value as "[code]" (the kwarg's name in brackets). What is
secret is read from the URL resolver, never copied:

- a path that resolves to a view that declares secrets has those kwargs' values replaced;
- a path that resolves to any other view is left as it is (e.g. /undersoegelse/tak/);
- a path that resolves to nothing (a link with a missing slash or a full stop stuck to it may still hold
  a good code) has replaced whatever stands where a declaring view's route has its secret, anything
  after it being allowed.

Django's loggers pass their records through `RedactURLSecrets` (LOGGING in portal.settings); gunicorn's
access log uses `redact` too (portal.gunicorn_logging). Importing this module needs no app registry.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote

from django.conf import settings
from django.urls import LocalePrefixPattern, Resolver404, URLResolver, get_resolver, get_urlconf, resolve
from django.urls.resolvers import RoutePattern
from django.utils import translation

SECRETS_ATTRIBUTE = "sensitive_url_kwargs"
# A path, with the scheme and host before it when there are any (a referer is a whole URL).
_PATH_IN_TEXT = re.compile(r"(?P<origin>[a-z][a-z0-9+.-]*://[^/\s\"'<>]*)?(?P<path>/[^\s\"'<>?#]*)", re.IGNORECASE)
# A parameter of a route: <converter:name> or <name> (Django's route syntax).
_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def sensitive_url_kwargs(*names: str):
    """Declare kwargs of a view's URL secret: the logs show "[name]" in place of each one's value."""

    def decorator(view):
        setattr(view, SECRETS_ATTRIBUTE, frozenset(names))
        return view

    return decorator


@dataclass(frozen=True)
class SecretRoute:
    """Where a declaring view's URL holds its secrets."""

    marker: str  # a literal part of the route: a text without it holds no such path
    regex: re.Pattern  # from the path's start to the last secret, each secret a named group
    names: frozenset[str]


def _route_regex(route: str, names: frozenset[str], *, endpoint: bool) -> tuple[str, str]:
    """A route ("undersoegelse/<survey_code:code>/") as a regex that takes any value where the route has a
    parameter (an endpoint's only up to its last secret, whatever follows), and the route's first literal part.
    """
    parts, literals, position = [], [], 0
    for parameter in _ROUTE_PARAMETER.finditer(route):
        literals.append(route[position : parameter.start()])
        value = ".+?" if parameter["converter"] == "path" else "[^/]+"
        name = parameter["name"]
        parts += [re.escape(literals[-1]), f"(?P<{name}>{value})" if name in names else f"(?:{value})"]
        position = parameter.end()
    literals.append(route[position:])
    parts.append(re.escape(literals[-1]))
    secrets = [index for index, part in enumerate(parts) if part.startswith("(?P<")]
    if endpoint and secrets:
        parts = parts[: secrets[-1] + 1]
    return "".join(parts), next((literal for literal in literals if literal), "")


def _pattern_regex(pattern, names: frozenset[str], *, endpoint: bool) -> tuple[str, str]:
    if isinstance(pattern, LocalePrefixPattern):
        languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
        return f"(?:(?:{languages})/)?", ""
    if isinstance(pattern, RoutePattern):
        return _route_regex(str(pattern), names, endpoint=endpoint)
    return str(pattern).removeprefix("^").removesuffix("$"), ""  # a regex pattern names its own groups


def _declaring_views(patterns, parents: tuple = ()):
    """(the chain of patterns, the secret names) of every view in `patterns` that declares secrets."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _declaring_views(pattern.url_patterns, (*parents, pattern.pattern))
        elif names := getattr(pattern.callback, SECRETS_ATTRIBUTE, None):
            yield (*parents, pattern.pattern), names


@cache
def _secret_routes(urlconf: str) -> tuple[SecretRoute, ...]:
    routes = []
    for chain, names in _declaring_views(get_resolver(urlconf).url_patterns):
        pieces = [_pattern_regex(pattern, names, endpoint=pattern is chain[-1]) for pattern in chain]
        marker = next((literal for _regex, literal in pieces if literal), "")
        regex = re.compile("^/" + "".join(regex for regex, _literal in pieces))
        routes.append(SecretRoute(marker, regex, frozenset(names) & set(regex.groupindex)))
    return tuple(routes)


def secret_routes() -> tuple[SecretRoute, ...]:
    """The routes of the views that declare secrets, in the URLconf in use."""
    return _secret_routes(get_urlconf() or settings.ROOT_URLCONF)


def _resolves_elsewhere(path: str) -> bool:
    """Whether `path` is the address of a view that declares no secrets."""
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            match = resolve(unquote(path))
    except Resolver404:
        return False
    return not getattr(match.func, SECRETS_ATTRIBUTE, None)


def _with_placeholders(path: str, found: re.Match, names: frozenset[str]) -> str:
    pieces, position = [], 0
    for name in sorted(names, key=found.start):
        pieces += [path[position : found.start(name)], f"[{name}]"]
        position = found.end(name)
    return "".join(pieces) + path[position:]


def redact_path(path: str, routes: tuple[SecretRoute, ...] | None = None) -> str:
    """`path` with the values of its view's secret kwargs written as "[name]"."""
    routes = secret_routes() if routes is None else routes
    if _resolves_elsewhere(path):
        return path
    for route in routes:
        found = route.regex.match(path)
        if found:
            return _with_placeholders(path, found, route.names)
    return path


def redact(text: str, routes: tuple[SecretRoute, ...] | None = None) -> str:
    """`text` with the secrets of every path in it written as "[name]" (see the module's docstring).

    `routes`: secret_routes(), when the caller redacts many texts at once.
    """
    routes = secret_routes() if routes is None else routes
    if not any(route.marker in text for route in routes):
        return text
    return _PATH_IN_TEXT.sub(lambda found: (found["origin"] or "") + redact_path(found["path"], routes), text)


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class RedactURLSecrets(logging.Filter):
    """A logging filter (for loggers or handlers) that takes URL secrets out of a record's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True
