"""`manage.py scheduler`: enqueue the apps' periodic jobs when due (portal.schedule), every 20 seconds.

`--once` looks once and stops, for cron or a systemd timer. Run one or more beside the workers
(`manage.py db_worker`); each job is enqueued once per period whichever scheduler sees it first.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from portal.schedule import enqueue_due


class Command(BaseCommand):
    help = "Enqueue the periodic jobs that are due (once, or every 20 seconds until stopped)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Look once and stop (for cron or a timer).")
        parser.add_argument("--interval", type=float, default=20.0, help="Seconds between looks.")

    def handle(self, *args, once: bool, interval: float, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        while True:
            try:
                for name in enqueue_due():
                    self.stdout.write(f"enqueued {name}")
            except OperationalError as error:  # the database is away: try again at the next look
                self.stderr.write(f"scheduler: the database did not answer ({error.__class__.__name__})")
            if once or not self.running:
                return
            slept = 0.0
            while self.running and slept < interval:
                time.sleep(0.5)
                slept += 0.5
            if not self.running:
                return
            close_old_connections()  # as Django does between requests: a connection the database dropped goes

    def stop(self, signum, frame):
        self.running = False
