"""Count the database queries of one URL for an anonymous visitor, first render and cached.

Run by serve_bench.py in a child process with the benchmark's environment; prints one JSON line.
Usage: python bench/query_count.py PATH
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def main() -> None:
    path = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    client = Client(headers={"host": "127.0.0.1"})
    result = {}
    for label in ("first", "cached"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        result[label] = {
            "status": response.status_code,
            "queries": len(captured.captured_queries),
            "sql": [query["sql"] for query in captured.captured_queries],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
