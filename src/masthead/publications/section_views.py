"""The desk's sections: owners and admins list them with who gets each, create, edit and
delete them (a deleted section's posts stay, with no section)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from masthead.publications import sections
from masthead.publications.section_forms import SectionForm


@login_required
def section_list(request, publication_slug):
    membership = sections.get_sections_manager(request.user, publication_slug)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "sections": sections.sections_with_counts(membership.publication),
    }
    return render(request, "publications/section_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def section_create(request, publication_slug):
    membership = sections.get_sections_manager(request.user, publication_slug)
    publication = membership.publication
    form = SectionForm(request.POST or None, publication=publication)
    if request.method == "POST" and form.is_valid():
        try:
            section = sections.create_section(publication, **form.cleaned_data)
        except sections.SlugTaken as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, f"The section “{section.name}” is created.")
            return redirect("desk:sections", publication.slug)
    return _edit_page(request, membership, form, section=None)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, publication_slug, section_id):
    membership, section = sections.get_section_for_manager(
        request.user, publication_slug, section_id
    )
    form = SectionForm(request.POST or None, instance=section, publication=membership.publication)
    if request.method == "POST" and form.is_valid():
        try:
            sections.update_section(section, **form.cleaned_data)
        except sections.SlugTaken as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, f"The section “{section.name}” is saved.")
            return redirect("desk:sections", membership.publication.slug)
    return _edit_page(request, membership, form, section=section)


def _edit_page(request, membership, form, *, section):
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "form": form,
        "section": section,
    }
    status = 400 if form.errors else 200
    return render(request, "publications/section_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def section_delete(request, publication_slug, section_id):
    """GET asks first (how many posts it holds); POST deletes."""
    membership, section = sections.get_section_for_manager(
        request.user, publication_slug, section_id
    )
    if request.method == "POST":
        post_count = sections.delete_section(section)
        messages.success(
            request,
            f"The section “{section.name}” is deleted; its {post_count} post(s) now have no "
            "section.",
        )
        return redirect("desk:sections", membership.publication.slug)
    context = {
        "desk_publication": membership.publication,
        "membership": membership,
        "section": section,
        "post_count": section.post_set.count(),
    }
    return render(request, "publications/section_delete.html", context)
