"""Per-client limits on the public survey pages (the counting is portal.rate_limits'):

- Answers through a wave's open link: at most SURVEY_OPEN_LINK_ANSWERS_PER_HOUR (default 10) per
  client address, so one person cannot flood the open link (it also has a limit per wave).
- Unknown codes: at most SURVEY_CODE_MISSES_PER_HOUR (default 30) per client address, against guessing.
"""

from portal.rate_limits import Limit, exhausted, give_back, take, used

__all__ = ["CODE_MISSES", "OPEN_LINK_ANSWERS", "exhausted", "give_back", "take", "used"]

OPEN_LINK_ANSWERS = Limit("surveys", "open", "SURVEY_OPEN_LINK_ANSWERS_PER_HOUR", 10)
CODE_MISSES = Limit("surveys", "miss", "SURVEY_CODE_MISSES_PER_HOUR", 30)
