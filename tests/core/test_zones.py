"""The time zone picker offers canonical IANA names with their offsets, the person's first."""

from datetime import UTC, datetime

import pytest

from core.zones import canonical_zone_names, utc_offset, zone_choices
from incidents.forms import IncidentForm, TimelineEventForm
from tests.factories import IncidentFactory, UserFactory


def test_the_zone_list_holds_canonical_names_and_no_aliases():
    names = canonical_zone_names()
    assert "Africa/Asmara" in names and "Africa/Asmera" not in names
    assert "America/Adak" in names and "America/Atka" not in names
    assert "Asia/Kolkata" in names and "Asia/Calcutta" not in names
    assert "Europe/Kyiv" in names and "Europe/Kiev" not in names
    assert "US/Pacific" not in names
    # UTC and the fixed offsets postmortems are often written in stay.
    assert names[0] == "UTC" and "Etc/GMT-2" in names


def test_choices_put_the_persons_zone_first_and_show_the_current_offset():
    winter = datetime(2026, 1, 15, tzinfo=UTC)
    choices = zone_choices(first="Europe/Berlin", at=winter)
    assert choices[0] == ("Europe/Berlin", "Europe/Berlin (UTC+01:00)")
    assert ("Asia/Kolkata", "Asia/Kolkata (UTC+05:30)") in choices
    summer = dict(zone_choices(at=datetime(2026, 7, 15, tzinfo=UTC)))
    assert summer["Europe/Berlin"] == "Europe/Berlin (UTC+02:00)"
    assert utc_offset("America/St_Johns", winter) == "UTC-03:30"


def test_a_stored_alias_is_kept_so_the_form_can_show_it():
    names = [name for name, _ in zone_choices(keep="Africa/Asmera")]
    assert "Africa/Asmera" in names
    assert "Africa/Asmera" not in [name for name, _ in zone_choices()]


@pytest.mark.django_db
def test_every_time_field_says_which_zone_it_is_read_in():
    incident = IncidentFactory(time_zone="Etc/GMT-2")
    form = IncidentForm(instance=incident)
    for name in IncidentForm.TIME_FIELDS:
        assert form.fields[name].help_text.startswith("Read in GMT+2")
    event_form = TimelineEventForm(incident=incident)
    assert event_form.fields["occurred_at"].help_text.startswith("Read in GMT+2")
    assert "Africa/Asmera" not in dict(event_form.fields["entry_zone"].choices)


@pytest.mark.django_db
def test_settings_list_zones_with_offsets_the_persons_own_first(client):
    user = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(user)
    page = client.get("/incidents/settings/").content.decode()
    datalist = page[page.index('<datalist id="time-zone-names">') :]
    assert datalist.index("Asia/Tokyo") < datalist.index("Africa/Abidjan")
    assert '<option value="Asia/Tokyo">Asia/Tokyo (UTC+09:00)</option>' in page
    assert "Africa/Asmera" not in page
