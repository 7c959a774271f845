from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importing.errors import PostmortemImportError
from importing.parse import parse_postmortem

SAMPLES = Path(__file__).parent / "samples"
DEFAULT_DATE = date(2026, 1, 10)


def parse(name: str, **kwargs):
    return parse_postmortem((SAMPLES / name).read_text(), default_date=DEFAULT_DATE, **kwargs)


def local_times(parsed) -> list[str]:
    zone = ZoneInfo(parsed.time_zone)
    return [e.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for e in parsed.events]


def test_the_example_with_html_headings_reads_every_fact():
    parsed = parse("01_seed_html_headings.md")
    assert parsed.title == "Real Housing and Estate Website Outage"
    assert parsed.time_zone == "Etc/GMT-2"
    assert parsed.started_at == datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("Etc/GMT-2"))
    assert parsed.resolved_at - parsed.started_at == (
        datetime(2026, 1, 1, 13) - datetime(2026, 1, 1, 9)
    )
    assert [t[-5:] for t in local_times(parsed)] == [
        "09:00", "09:05", "09:10", "09:30", "10:00", "11:30", "12:00", "12:30", "13:00",
    ]  # fmt: skip
    assert parsed.events[0].kind == "detection"
    assert parsed.events[3].kind == "hypothesis"
    assert parsed.events[-1].kind == "resolution"
    assert parsed.users_affected == "All users"
    assert parsed.impact.startswith("The Real Housing and Estate website experienced")
    assert [c.category for c in parsed.causes] == ["configuration"]
    assert parsed.resolution.startswith("The root cause of the outage was determined")
    assert [a.title for a in parsed.action_items] == [
        "Configuration management",
        "Automated testing",
        "Monitoring and alerting",
        "Incident response protocol",
        "Documentation and knowledge sharing",
    ]
    assert parsed.action_items[2].kind == "detect"
    assert parsed.action_items[0].description.startswith("Implement stricter configuration")
    assert parsed.closing_remarks.startswith("By implementing these measures")
    assert parsed.unplaced_text == ""


def test_google_sre_layout_with_dated_timeline_and_action_item_table():
    parsed = parse("02_google_sre.md")
    assert parsed.title == "Shakespeare Search Outage"
    assert parsed.time_zone == "UTC"
    assert local_times(parsed)[0] == "2015-10-21 14:51"
    assert local_times(parsed)[-1] == "2015-10-21 16:07"
    assert parsed.trigger.startswith("Latent bug")
    assert parsed.detection.startswith("Borgmon")
    assert parsed.went_well and parsed.went_wrong and parsed.got_lucky.startswith("Mary")
    items = [(a.title[:20], a.owner, a.due_date, a.status) for a in parsed.action_items]
    assert items == [
        ("Update playbook with", "jennifer", date(2015, 11, 1), "done"),
        ("Use flux capacitor t", "martin", date(2015, 12, 15), "in_progress"),
        ("Schedule cascading f", "docbrown", date(2016, 1, 10), "open"),
    ]
    assert parsed.unplaced_text == ""


def test_24_hour_bullets_with_a_zone_named_once_and_checkbox_follow_ups():
    parsed = parse("03_bullets_24h_pst.md")
    assert parsed.time_zone == "America/Los_Angeles"
    assert local_times(parsed) == [
        "2026-01-10 09:00", "2026-01-10 09:12", "2026-01-10 09:30", "2026-01-10 09:50",
    ]  # fmt: skip
    assert parsed.started_at.utcoffset().total_seconds() == -8 * 3600
    assert parsed.impact == "12% of checkout requests timed out."
    assert [(a.title, a.owner, a.due_date, a.status) for a in parsed.action_items] == [
        ("Add a latency check to the canary", "alice", date(2026, 2, 1), "open"),
        ("Document the rollback procedure", "bob", date(2026, 1, 15), "done"),
    ]


def test_utc_suffixed_times_and_bold_titled_action_items():
    parsed = parse("04_utc_suffix.md")
    assert parsed.title == "Login failures"
    assert local_times(parsed) == [
        "2026-01-10 14:32", "2026-01-10 14:40", "2026-01-10 15:05",
        "2026-01-10 15:20", "2026-01-10 15:31",
    ]  # fmt: skip
    assert parsed.events[1].kind == "escalation"
    first, second = parsed.action_items
    assert (first.title, first.owner, first.status) == (
        "Alert on certificate expiry",
        "carol",
        "in_progress",
    )
    assert first.description == "page 14 days before any certificate expires"
    assert (second.title, second.status, second.due_date) == (
        "Re-enable the renewal job",
        "done",
        date(2026, 2, 20),
    )


def test_timeline_table_with_a_written_date_and_contributing_factors():
    parsed = parse("05_table_timeline.md")
    assert parsed.time_zone == "Europe/Berlin"
    # The line that says so is the zone, not the summary of the incident.
    assert "All times" not in parsed.summary + parsed.unplaced_text
    assert local_times(parsed) == [
        "2024-06-03 10:15", "2024-06-03 10:20", "2024-06-03 10:45", "2024-06-03 11:00",
    ]  # fmt: skip
    assert [(c.role, c.description) for c in parsed.causes][1:] == [
        ("contributing", "No canary for resolver configuration"),
        ("contributing", "The rollback runbook was out of date"),
    ]
    assert [(a.title, a.owner, a.status) for a in parsed.action_items] == [
        ("Canary resolver config pushes", "erin", "open"),
        ("Update the rollback runbook", "dave", "done"),
    ]


def test_timeline_as_headings_keeps_multi_line_text_and_marks_dead_ends():
    parsed = parse("06_headings_timeline.md")
    assert [t[-5:] for t in local_times(parsed)] == ["10:15", "10:40", "11:30", "12:15"]
    dead_end = parsed.events[1]
    assert dead_end.is_dead_end
    assert dead_end.description == (
        "We thought the consumer pods might be out of memory.\nThis turned out to be wrong."
    )
    assert [a.title for a in parsed.action_items] == ["Add a lock timeout to the consumer"]


def test_times_that_wrap_past_midnight_move_to_the_next_day():
    parsed = parse("07_midnight.md")
    assert local_times(parsed) == [
        "2026-01-10 23:40", "2026-01-10 23:55", "2026-01-11 00:30", "2026-01-11 01:10",
    ]  # fmt: skip
    assert parsed.resolved_at.time() == time(1, 10)


def test_start_line_and_duration_set_the_window_and_mentions_name_owners():
    parsed = parse("08_checkboxes.md")
    assert parsed.started_at == datetime(2025, 3, 4, 8, 0, tzinfo=ZoneInfo("UTC"))
    assert parsed.resolved_at == datetime(2025, 3, 4, 11, 0, tzinfo=ZoneInfo("UTC"))
    assert [(a.title, a.owner, a.due_date, a.status) for a in parsed.action_items] == [
        ("Back up the index nightly", "alice", date(2025, 3, 20), "done"),
        ("Alert on empty result ratio", "bob", date(2025, 4, 1), "open"),
        ("Write a reindex runbook", "", None, "open"),
    ]


def test_sections_it_does_not_know_are_kept_as_other_notes():
    parsed = parse("09_unknown_sections.md")
    assert parsed.summary.startswith("Static assets failed")
    assert "## Customer communication" in parsed.unplaced_text
    assert "We posted on the status page at 03:10" in parsed.unplaced_text
    assert "Graphs are in the shared drive." in parsed.unplaced_text
    assert parsed.events[1].kind == "communication"


def test_twelve_hour_duration_across_midnight_in_html():
    parsed = parse("10_duration_am_pm_no_zone.md")
    assert parsed.title == "Email delivery delayed"
    assert local_times(parsed) == ["2026-01-10 22:00", "2026-01-10 23:15", "2026-01-11 00:30"]
    assert (parsed.resolved_at - parsed.started_at).total_seconds() == 2.5 * 3600
    assert parsed.users_affected == "30% of customers"
    assert parsed.action_items[0].title == "Queue autoscaling"


def test_a_zone_given_by_the_user_wins_over_the_document():
    parsed = parse("03_bullets_24h_pst.md", time_zone="Asia/Tokyo")
    assert parsed.time_zone == "Asia/Tokyo"
    assert parsed.started_at.utcoffset().total_seconds() == 9 * 3600


def test_a_time_it_cannot_read_is_a_warning_naming_the_line_and_the_entry_is_kept():
    parsed = parse("90_bad_time.md")
    assert local_times(parsed) == ["2026-01-10 09:00"]
    assert "line 5: '25:61' is not a valid time of day; kept as text, time unknown" in (
        parsed.warnings
    )
    assert "## Timeline entries without a time" in parsed.unplaced_text
    assert "25:61 - This time cannot exist" in parsed.unplaced_text


def test_a_due_date_it_cannot_read_is_a_warning_and_the_item_is_kept():
    parsed = parse("91_bad_due.md")
    assert any(w.startswith("line 7: '2026-13-45' is not a valid date") for w in parsed.warnings)
    assert parsed.action_items and parsed.action_items[0].due_date is None


def test_a_document_without_a_title_or_any_time_still_imports_and_says_what_it_assumed():
    parsed = parse_postmortem("just words\n", default_date=DEFAULT_DATE)
    assert parsed.title == "just words"
    assert parsed.started_at == datetime(2026, 1, 10, 0, 0, tzinfo=ZoneInfo("UTC"))
    assert any("no heading names the incident" in w for w in parsed.warnings)
    assert any("found no start time" in w for w in parsed.warnings)
    assert any("gives no date; the incident is placed on 2026-01-10" in w for w in parsed.warnings)
    with pytest.raises(PostmortemImportError, match="empty"):
        parse_postmortem("   \n", default_date=DEFAULT_DATE)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "# Outage\n\nAll times in UTC-13.\n\n## Timeline\n\n- 09:00: alert\n",
            "line 3: 'UTC-13' is not a real offset",
        ),
        (
            "# Outage\n\n## Timeline\n\n- 09:00: alert\n- 09:30 GMT+15: fixed\n",
            "line 6: 'GMT+15' is not a real zone",
        ),
        (
            "# Outage\n\nTime zone: Mars/Olympus\n\n## Timeline\n\n- 09:00: alert\n",
            "line 3: 'Mars/Olympus' is not a time zone",
        ),
    ],
)
def test_a_zone_that_does_not_exist_leaves_times_unknown_with_a_warning_not_utc(source, message):
    # Guessing UTC would shift every time of the document by hours without a word.
    parsed = parse_postmortem(source, default_date=DEFAULT_DATE)
    assert any(message in warning for warning in parsed.warnings), parsed.warnings
    assert "Timeline entries without a time" in parsed.unplaced_text


def test_zone_for_knows_only_real_zones():
    from importing.times import zone_for

    assert zone_for("UTC-13") is None
    assert zone_for("GMT+14") == "Etc/GMT-14"
    assert zone_for("Mars/Olympus") is None


def test_code_quotes_and_images_are_never_entries_and_sub_bullets_stay_with_their_parent():
    source = (
        "# Cache outage\n\n**Date:** 2024-05-01\n\n## Timeline\n\n"
        "- 10:00 Cache evictions spike.\n"
        "  - 10:05 a sub-bullet with a time is still part of the entry above\n"
        "- 10:20 Cache resized.\n\n"
        "```\n10:30 this is log output, not an entry\n```\n\n"
        "> 10:40 a quoted chat line\n\n"
        "![10:50 graph](graph.png)\n\n"
        "Text after the list is a note, not part of 10:20.\n"
    )
    parsed = parse_postmortem(source, default_date=DEFAULT_DATE)
    assert local_times(parsed) == ["2024-05-01 10:00", "2024-05-01 10:20"]
    assert parsed.events[0].description == (
        "Cache evictions spike.\n- 10:05 a sub-bullet with a time is still part of the entry above"
    )
    assert parsed.events[1].description == "Cache resized."
    for kept in ("10:30 this is log output", "> 10:40 a quoted chat line", "![10:50 graph]"):
        assert kept in parsed.unplaced_text
    assert "Text after the list is a note" in parsed.unplaced_text


def test_a_second_timeline_section_adds_its_entries():
    source = (
        "# Outage\n\nDate: 2024-05-01\n\n## Timeline\n\n- 10:00 Alert fired\n\n"
        "## Follow-up timeline\n\n- 15:00 Fix deployed\n"
    )
    parsed = parse_postmortem(source, default_date=DEFAULT_DATE)
    assert local_times(parsed) == ["2024-05-01 10:00", "2024-05-01 15:00"]


def test_a_new_day_starts_only_when_the_clock_goes_back_by_hours():
    source = (
        "# Overnight\n\nDate: 2024-05-01\n\n## Timeline\n\n"
        "- 23:40 Alert\n- 23:35 Noted late\n- 00:15 Mitigated\n- 01:00 Resolved\n"
    )
    parsed = parse_postmortem(source, default_date=DEFAULT_DATE)
    assert local_times(parsed) == [
        "2024-05-01 23:40", "2024-05-01 23:35", "2024-05-02 00:15", "2024-05-02 01:00",
    ]  # fmt: skip


def test_the_title_is_the_first_heading_that_is_not_a_date():
    source = "# May 12\n\n# Billing outage\n\n## Timeline\n\n- 10:00 Alert\n"
    assert parse_postmortem(source, default_date=DEFAULT_DATE).title == "Billing outage"


def test_the_preview_says_which_zone_it_assumed_and_why():
    parsed = parse_postmortem(
        "# Outage\n\n## Timeline (PT)\n\n- 09:00 Alert\n", default_date=DEFAULT_DATE
    )
    assert parsed.time_zone == "America/Los_Angeles"
    assert parsed.zone_reason == "declared on line 3: 'Timeline (PT)'"


def test_cet_is_central_european_local_time_with_summer_time():
    parsed = parse_postmortem(
        "# Outage\n\nAll times CET.\n\n## Timeline\n\n- 2024-07-03 09:00 Alert\n",
        default_date=DEFAULT_DATE,
    )
    assert parsed.events[0].occurred_at.utcoffset().total_seconds() == 2 * 3600


def test_a_misspelt_region_is_read_as_the_close_zone_and_an_unknown_one_is_not():
    from importing.times import zone_for

    assert zone_for("US/Pacfic") == "US/Pacific"
    assert zone_for("All times America/Los Angeles") == "America/Los_Angeles"
    assert zone_for("Europe/Berlln") == "Europe/Berlin"
    assert zone_for("Mars/Olympus") is None


def test_an_ambiguous_abbreviation_follows_the_documents_words_without_a_warning():
    parsed = parse_postmortem(
        "# Outage\n\nOur Dublin office saw it first.\n\n## Timeline\n\n"
        "- 2024-07-03 09:00 IST Alert\n- 2024-07-03 09:30 IST Fixed\n",
        default_date=DEFAULT_DATE,
    )
    assert parsed.time_zone == "Europe/Dublin"
    assert parsed.events[0].occurred_at.utcoffset().total_seconds() == 3600
    assert not any("IST" in warning for warning in parsed.warnings)


def test_a_capitalised_word_after_a_time_is_text_not_a_zone():
    parsed = parse_postmortem(
        "# Outage\n\nDate: 2024-05-01\n\n## Timeline\n\n- 14:00 west region fails\n"
        "- 14:30 art assets restored\n",
        default_date=DEFAULT_DATE,
    )
    assert parsed.time_zone == "UTC"
    assert local_times(parsed) == ["2024-05-01 14:00", "2024-05-01 14:30"]
    assert parsed.events[0].description == "west region fails"


def test_a_far_year_no_slip_explains_keeps_its_entry_as_text_and_the_rest_imports():
    parsed = parse_postmortem(
        "# Outage\n\n## Timeline\n\n| Date | Time | Event |\n|---|---|---|\n"
        "| 2024-03-02 | 09:00 | Alert |\n| 2031-03-02 | 09:10 | Paged |\n"
        "| 2024-03-02 | 09:40 | Fixed |\n",
        default_date=DEFAULT_DATE,
    )
    assert local_times(parsed) == ["2024-03-02 09:00", "2024-03-02 09:40"]
    assert any(w.startswith("line 8: the year 2031 is far") for w in parsed.warnings)
    assert "Paged" in parsed.unplaced_text


def test_promises_about_the_report_are_no_action_items():
    parsed = parse_postmortem(
        "# Outage\n\n## Summary\n\nWe will publish a full report. We will add alerts.\n\n"
        "## Lessons learned\n\nWe will continue to monitor the cluster. "
        "We will add a disk alert.\n",
        default_date=DEFAULT_DATE,
    )
    assert [item.title for item in parsed.action_items] == ["Add a disk alert"]
