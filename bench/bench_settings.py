"""Settings for the benchmark only: the portal's, with a URLconf that adds a bare baseline view."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
