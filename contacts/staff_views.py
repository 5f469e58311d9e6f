"""The staff's pages of the relatives' contact requests (/personale/henvendelser/): the list, one request
(its reading logged), answering and closing it. Only for the role Pårørendekontakt (contacts.access)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import RuleViolation, show_on_form
from portal.views import crumb

from . import services
from .access import may_handle_requests
from .forms import CloseRequestForm
from .models import ContactRequest


def answerer_required(view):
    """Logged in (else the login page) and with the role Pårørendekontakt (else 403); never cached."""

    @wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        if not may_handle_requests(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _crumbs(*rest) -> list[dict]:
    return [
        crumb(_("For staff"), reverse("staff-home")),
        crumb(_("Relatives' requests"), reverse("contacts-staff:requests") if rest else None),
        *rest,
    ]


@answerer_required
@require_safe
def request_list(request):
    requests = services.list_contact_requests(acting_user=request.user)
    context = {
        "open_requests": [item for item in requests if item.status == ContactRequest.Status.OPEN],
        "closed_requests": [item for item in requests if item.status == ContactRequest.Status.CLOSED],
        "crumbs": _crumbs(),
    }
    return render(request, "contacts/staff/requests.html", context)


@answerer_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    form = CloseRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_contact_request(acting_user=request.user, pk=pk, note=form.cleaned_data["note"])
        except ContactRequest.DoesNotExist:
            raise Http404 from None
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            return redirect("contacts-staff:requests")
    try:
        contact_request = services.open_contact_request(acting_user=request.user, pk=pk)
    except ContactRequest.DoesNotExist:
        raise Http404 from None
    context = {"contact_request": contact_request, "form": form, "crumbs": _crumbs(crumb(contact_request.name))}
    return render(request, "contacts/staff/request.html", context)
