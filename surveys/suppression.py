"""Which groups' figures are hidden, so that no small group can be seen or worked out. Pure: no database.

The groups form a tree: the municipality's total above its areas and "not tied to a unit", each area above
its units (surveys.results builds it). Each group has a Figure (surveys.scoring).

The rule (tests/test_dashboard.py tests it):
    1. Small groups: a group with fewer than MIN_GROUP_SIZE (5) answers in n is hidden.
    2. Complementary suppression: no difference of shown figures may reveal a hidden group. A reader
       can add up the shown units of an area to get the area, and subtract shown groups from a shown
       total to get the one group left, across both levels and repeatedly. We work out everything a
       reader could work out that way, and require for each parent that can be worked out that its
       hidden part - the groups under it that cannot be worked out, taken down to the units - is
       either empty or has at least MIN_GROUP_SIZE answers in n. When it is not, one more group is
       hidden: the smallest (by n, then "don't know", then name) of the groups that are still shown
       next to that hidden part, and the check runs again. So when exactly one unit of an area (or
       one area of the municipality) is hidden while its siblings and the total are shown, the
       next-smallest sibling is hidden too; and an area hidden that way also loses its smallest unit,
       or its units would add up to it.
    Groups with no answers at all reveal nothing and are never hidden. The choice depends only on n
    and "don't know", which are the same for every indicator of one question, so the indicators of a
    question hide the same groups. A hidden group's counts never leave surveys.results: its Result has
    no figure. The public page does not even name a hidden group (`publishable`).
"""

from collections.abc import Iterable
from enum import StrEnum

from .scoring import MIN_GROUP_SIZE, Figure, add_up


class Hidden(StrEnum):
    SMALL = "small"  # fewer than MIN_GROUP_SIZE answers
    COMPLEMENTARY = "complementary"  # hidden so that a small group cannot be worked out from the others


def is_empty(figure: Figure) -> bool:
    return figure.n == 0 and figure.dont_know == 0


def is_safe(figure: Figure) -> bool:
    """May this figure be shown, or be worked out by a reader?"""
    return is_empty(figure) or figure.n >= MIN_GROUP_SIZE


def suppress(children: dict, figures: dict, rank: dict) -> dict:
    """Which groups to hide, and why: {group: Hidden}. The rule is in the module's docstring.

    `children` maps each parent to its children (a tree: the total above the areas above the units),
    `figures` gives every group's counts, `rank` a group's place for breaking ties by name.
    """
    hidden = {group: Hidden.SMALL for group, figure in figures.items() if not is_empty(figure) and figure.suppressed}
    parents = [parent for parent in sorted(children, key=rank.__getitem__) if children[parent]]
    for _attempt in range(len(figures) + 1):  # each round hides one more group, so this always ends
        known = workable(children, figures, hidden, parents)
        disclosed = next((parent for parent in parents if discloses(parent, children, figures, known)), None)
        if disclosed is None:
            return hidden
        candidates = shown_next_to_hidden_part(disclosed, children, figures, hidden, known)
        if not candidates and disclosed not in hidden:
            candidates = [disclosed]
        if not candidates:
            return hidden  # cannot happen with consistent counts: nothing is left shown there
        smallest = min(candidates, key=lambda group: (figures[group].n, figures[group].dont_know, rank[group]))
        hidden[smallest] = Hidden.COMPLEMENTARY
    return hidden


def workable(children: dict, figures: dict, hidden: dict, parents: list) -> set:
    """Every group a reader can work out from the shown figures, by adding up and subtracting."""
    known = {group for group in figures if group not in hidden}
    changed = True
    while changed:
        changed = False
        for parent in parents:
            kids = children[parent]
            if parent not in known and all(kid in known for kid in kids):
                known.add(parent)  # the sum of its children
                changed = True
            if parent in known:
                unknown = [kid for kid in kids if kid not in known]
                if len(unknown) == 1:
                    known.add(unknown[0])  # the parent less its other children
                    changed = True
    return known


def hidden_part(parent, children: dict, known: set) -> list:
    """The groups under `parent` that a reader cannot work out, taken down to the leaves."""
    leaves = []
    for kid in children.get(parent, []):
        if kid in known:
            continue
        if children.get(kid):
            leaves += hidden_part(kid, children, known)
        else:
            leaves.append(kid)
    return leaves


def discloses(parent, children: dict, figures: dict, known: set) -> bool:
    """Whether a reader can work out too small a part of `parent`: one hidden child, or a sum of them."""
    if parent not in known:
        return False
    part = hidden_part(parent, children, known)
    if part:
        return not is_safe(add_up(*(figures[group] for group in part)))
    return any(not is_safe(figures[kid]) for kid in children[parent])  # every child, small ones too, worked out


def shown_next_to_hidden_part(parent, children: dict, figures: dict, hidden: dict, known: set) -> list:
    """The shown groups that hiding would add to `parent`'s hidden part (its known groups, going down
    through hidden groups that a reader can still work out from their own children)."""
    found = []
    for kid in children.get(parent, []):
        if is_empty(figures[kid]) or (kid in known and kid in hidden and not children.get(kid)):
            continue
        if kid not in known:
            found += shown_next_to_hidden_part(kid, children, figures, hidden, known)
        elif kid not in hidden:
            found.append(kid)
        else:  # hidden, yet its own children add up to it
            found += [child for child in children[kid] if child not in hidden and not is_empty(figures[child])]
    return found


def publishable(results: Iterable) -> list:
    """What the public page shows of a breakdown: the results shown, never a hidden group, not even its name."""
    return [result for result in results if result.shown]


def units_named_in_answers(responses: dict, hidden_anywhere: set) -> set:
    """The units the raw-answers export may name in one wave; every other answer is “Other units”.

    `responses` maps each unit (None: not tied to one) to its number of responses in the wave,
    `hidden_anywhere` holds the units the dashboard hides for at least one indicator in the wave.
    A unit is named only if the dashboard shows it for every indicator (so naming it tells nothing the
    dashboard does not) and it has at least MIN_GROUP_SIZE responses; "Other units" is then the total less
    the named units, which the dashboard's figures give already. "Other units" must itself hold none or at
    least MIN_GROUP_SIZE responses: while it holds fewer, the smallest named unit joins it. So the export
    names no group below the limit, and adds to the dashboard's figures no group a reader could not work out
    from the dashboard alone (tests/test_survey_exports.py attacks it over random municipalities). The export
    also leaves out a question's answers in a wave where fewer than MIN_GROUP_SIZE answered it, or where the
    dashboard hides its total (surveys.dashboard_views.left_out_of_answers).
    """
    named = {
        unit
        for unit, count in responses.items()
        if unit is not None and unit not in hidden_anywhere and count >= MIN_GROUP_SIZE
    }
    while named:
        other = sum(count for unit, count in responses.items() if unit not in named)
        if other == 0 or other >= MIN_GROUP_SIZE:
            break
        named.remove(min(named, key=lambda unit: (responses[unit], str(unit))))
    return named
