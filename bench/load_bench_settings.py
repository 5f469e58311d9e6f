"""Settings for bench/load_bench.py: the production settings with the bare baseline view, and the page cache on or off.

LOAD_BENCH_CACHE=off swaps the cache for Django's DummyCache, so every public page is rendered: the "uncached" rows.
"""

import os

from bench_settings import *  # noqa: F403

if os.environ.get("LOAD_BENCH_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
