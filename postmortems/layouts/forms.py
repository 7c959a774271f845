"""Forms of the template editor: the template, and its sections as an ordered list."""

from django import forms

from core.text import NewlinesNormalisedForm
from incidents.models import Team
from postmortems.layouts.sections import templates_for
from postmortems.models import PostmortemTemplate, SectionKind, TemplateSection
from postmortems.permissions import managed_team_ids


class TemplateForm(NewlinesNormalisedForm, forms.ModelForm):
    default_for = forms.ModelMultipleChoiceField(
        queryset=Team.objects.all(),
        required=False,
        label="Default template of",
        help_text="New incidents of these teams are written in this template.",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PostmortemTemplate
        fields = ["name", "description", "team"]
        labels = {"team": "Only for team"}
        help_texts = {"team": "Leave empty to let every team use it."}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = [d.team_id for d in self.instance.team_defaults.all()] if self.instance.pk else []
        if current:
            self.initial.setdefault("default_for", current)
        managed = managed_team_ids(user) if user is not None else None
        # The defaults of teams this manager does not manage are kept as they are.
        self.kept_defaults: list[Team] = []
        if managed is not None:
            self.fields["default_for"].queryset = Team.objects.filter(pk__in=managed)
            self.fields["team"].queryset = Team.objects.filter(
                pk__in=managed | ({self.instance.team_id} if self.instance.team_id else set())
            )
            self.kept_defaults = list(
                Team.objects.filter(pk__in=set(current) - managed).order_by("name")
            )
            if self.kept_defaults:
                names = ", ".join(str(team) for team in self.kept_defaults)
                self.fields["default_for"].help_text += f" Also the default of {names} (not yours)."

    def defaults_chosen(self) -> list[Team]:
        """Return every team this template is to be the default of, others' included."""
        return [*self.cleaned_data["default_for"], *self.kept_defaults]


class SectionForm(NewlinesNormalisedForm, forms.ModelForm):
    """One row of the section list; the order box and the remove tick come from the formset."""

    class Meta:
        model = TemplateSection
        fields = ["title", "kind", "help_text", "required", "group", "synonyms"]
        labels = {"help_text": "Prompt for the author", "required": "Required before review"}
        widgets = {
            "help_text": forms.Textarea(attrs={"rows": 2}),
            "synonyms": forms.TextInput(attrs={"placeholder": "e.g. Customer impact, Who saw it"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SectionKind.choices
        self.fields["group"].widget.attrs["placeholder"] = "e.g. Lessons Learned"


SectionFormSet = forms.inlineformset_factory(
    PostmortemTemplate,
    TemplateSection,
    form=SectionForm,
    extra=2,
    can_order=True,
    can_delete=True,
)


def section_specs(formset) -> list[dict]:
    """Return the sections the formset describes, in the order the author numbered them."""
    specs = []
    for form in formset.ordered_forms if formset.can_order else formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue
        if form.cleaned_data.get("DELETE"):
            continue
        data = form.cleaned_data
        specs.append(
            {
                "id": form.instance.pk,
                "title": data["title"],
                "kind": data["kind"],
                "help_text": data.get("help_text", ""),
                "required": data.get("required", False),
                "group": data.get("group", ""),
                "synonyms": data.get("synonyms", ""),
            }
        )
    return specs


class TemplateChoiceForm(forms.Form):
    """Pick the template a draft is written in, among those its team may use."""

    template = forms.ModelChoiceField(queryset=PostmortemTemplate.objects.none(), empty_label=None)

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates_for(team)
