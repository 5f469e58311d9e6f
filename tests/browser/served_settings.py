"""portal.settings as production has them, with the collected static files in the test's own folder."""

import os
from pathlib import Path

from portal.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["SERVED_STATIC_ROOT"])
