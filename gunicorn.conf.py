"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py portal.wsgi`.

Environment: GUNICORN_BIND or PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS, GUNICORN_TIMEOUT.
"""

import gc
import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use, not all the host has
    except AttributeError:
        return os.cpu_count() or 1


# GUNICORN_BIND wins (comma-separated for several sockets); PORT alone means a platform that routes
# to the container from outside, so all interfaces, as gunicorn itself does with PORT.
if os.environ.get("GUNICORN_BIND"):
    bind = [address.strip() for address in os.environ["GUNICORN_BIND"].split(",") if address.strip()]
elif os.environ.get("PORT"):
    bind = [f"0.0.0.0:{os.environ['PORT']}"]
else:
    bind = ["127.0.0.1:8000"]

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores() + 1)
worker_class = "sync"
preload_app = True

# Recycle workers now and then against slow leaks; the jitter keeps them from restarting together.
# Not too often: a new worker starts with an empty page cache (LocMemCache is per process).
max_requests = 5000
max_requests_jitter = 500


def pre_fork(server, worker):
    """Before each fork, move what the master has made (with preload_app: the app, its URL tables, compiled
    templates and catalogues; see portal/wsgi.py) out of the garbage collector's reach. A worker's collections then
    neither walk those objects nor write to them, so they stay shared with the master instead of being copied into
    each new worker page by page: with worker recycling, that copying was the slow tail under load (p99 of a cached
    page 170-590 ms; with this, within 1.5x of the bare view's)."""
    gc.freeze()


timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Workers touch a heartbeat file all the time; on a disk-backed /tmp that can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - mkstemp, unlinked

# Proxies allowed to set X-Forwarded-Proto (and so mark a request as HTTPS).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
# No personal data: the path without its query string (%(U)s, not %(r)s), and no client address,
# user agent or referrer (a referrer is a full URL, query string included).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# A path may hold a secret (a survey's single-use link holds its code): what a view declares secret with
# portal.log_redaction.sensitive_url_kwargs is logged as "[name]", e.g. /undersoegelse/[code]/.
logger_class = "portal.gunicorn_logging.RedactingLogger"

# gunicorn's control socket (for `gunicornc`): one per instance, named after its first address, so that two
# instances on one host do not take each other's. GUNICORN_CONTROL_SOCKET sets the path; "off" turns it off.
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control.lower() == "off":
    control_socket_disable = True
elif _control:
    control_socket = _control
else:
    _runtime = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.path.expanduser("~"), ".gunicorn")
    _name = "".join(character if character.isalnum() else "-" for character in bind[0]).strip("-")
    control_socket = os.path.join(_runtime, f"gunicorn-{_name}.ctl")
