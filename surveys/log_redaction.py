"""Keeps invitation codes out of the logs.

A single-use link is /undersoegelse/<code>/ (or /en/undersoegelse/<code>/). Django's request and
CSRF loggers name the path of a failed request, and gunicorn's access log names the path of every
request, so both pass through `redact`, which replaces the code with "[code]": portal.settings puts
`RedactSurveyCodes` on Django's loggers, gunicorn.conf.py uses surveys.gunicorn_logging. Importing this
module needs no Django app registry.
"""

import logging
import re

_CODE_IN_PATH = re.compile(r"(/undersoegelse/)(?!aaben/|tak/)[^/?#\s\"']+")


def redact(text: str) -> str:
    return _CODE_IN_PATH.sub(r"\1[code]", text) if "/undersoegelse/" in text else text


def _redact_value(value):
    return redact(value) if isinstance(value, str) else value


class RedactSurveyCodes(logging.Filter):
    """A logging filter (for loggers or handlers) that takes survey codes out of a record's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True
