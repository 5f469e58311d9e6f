"""Which rows a user may see or change: every staff view, admin class and export starts here.

Two layers, both here:

- `visible_to(user, queryset)`: the municipality boundary. Every scoped model names the path from
  itself to its municipality in `MUNICIPALITY_LOOKUP` ("municipality", "page__municipality", or "pk"
  for Municipality itself); a user sees the rows of their own municipality, a platform superuser all.
- `AccessPolicy`: one object per app (Wagtail's permission policies) that answers, as a queryset,
  "which rows of this model may this user see / change". Its default is the municipality boundary;
  an app's policy narrows it further (a caseworker sees only the citizens of their own units).
  Views fetch objects through it: `get_object_or_404(policy.visible(user, Consent), pk=pk)`, so an
  object outside the user's reach answers 404 exactly like one that does not exist.
"""

from django.db.models import Model, QuerySet


def municipality_lookup(model: type[Model]) -> str:
    try:
        return model.MUNICIPALITY_LOOKUP
    except AttributeError:
        raise TypeError(f"{model.__name__} does not say how it belongs to a municipality") from None


def visible_to(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` that belong to `user`'s municipality (all of them for a platform superuser)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.municipality_id is None:
        return queryset.none()
    return queryset.filter(**{municipality_lookup(queryset.model): user.municipality_id})


def belongs_to_user_municipality(user, obj: Model) -> bool:
    """Whether one object is within `user`'s municipality, without a query where it can be avoided."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    lookup = municipality_lookup(type(obj))
    if lookup == "pk":
        return obj.pk == user.municipality_id
    if lookup == "municipality":
        return obj.municipality_id == user.municipality_id
    return visible_to(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def as_queryset(model_or_queryset: type[Model] | QuerySet) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


class AccessPolicy:
    """Which rows of an app's models a user may see and change, as querysets.

    Subclasses override `visible` (and `changeable` where changing needs more than seeing) and may
    add questions of their own ("may this user run surveys?"). Both take a model or a queryset, so
    a view can start from its own `select_related(...)`.
    """

    def visible(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        return visible_to(user, as_queryset(model_or_queryset))

    def changeable(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        return self.visible(user, model_or_queryset)

    def may_see(self, user, obj: Model) -> bool:
        return self.visible(user, type(obj)).filter(pk=obj.pk).exists()

    def may_change(self, user, obj: Model) -> bool:
        return self.changeable(user, type(obj)).filter(pk=obj.pk).exists()


municipality_policy = AccessPolicy()
