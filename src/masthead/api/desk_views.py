"""The desk's API keys page: create a key (its secret shown once), list and revoke keys.

Only the publication's owners and admins may use it.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from masthead.api import keys
from masthead.api.models import ApiKey, KeyScope
from masthead.desk.lookups import MANAGERS, get_membership


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. “Zapier”.")
    scope = forms.ChoiceField(choices=KeyScope.choices, initial=KeyScope.READ)


@login_required
def key_list(request, publication_slug):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    publication = membership.publication
    new_key = None
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            new_key = keys.create_key(
                publication, request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
            )
        except keys.ApiKeyError as error:
            form.add_error(None, str(error))
        else:
            form = ApiKeyForm()
    context = {
        "desk_publication": publication,
        "membership": membership,
        "form": form,
        # Rendered in this answer only: the secret is never stored, nor put in a redirect.
        "new_key": new_key,
        "api_keys": keys.keys_of(publication).select_related("created_by"),
    }
    response = render(request, "api/desk_keys.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request, publication_slug, key_id):
    membership = get_membership(request.user, publication_slug, roles=MANAGERS)
    key = get_object_or_404(ApiKey, id=key_id, publication=membership.publication)
    keys.revoke_key(key)
    messages.success(request, f"The key “{key.name}” is revoked; calls with it now fail.")
    return redirect("desk:api:desk_keys", publication_slug)
