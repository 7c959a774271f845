"""Postmortems in the shapes public ones are written in, each with what must be read from it.

Each document under samples/shapes/ is our own text in the shape of a public postmortem; the
comment at its top names the shape's origin. The expectations below are what a person reads
in the document: every timed entry in the document's zone, and every action item with its
owner and status.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importing.parse import parse_postmortem

SHAPES = Path(__file__).parent / "samples" / "shapes"


@dataclass
class Expected:
    zone: str
    times: list[str]
    items: list[tuple[str, str, str]]
    warning_lines: list[int] = field(default_factory=list)


EXPECTED = {
    "a_github_availability.md": Expected(
        zone="UTC",
        times=["2026-03-05 15:23", "2026-03-05 15:31", "2026-03-05 16:02", "2026-03-05 16:25"],
        items=[],
    ),
    "approx_times_followup_timeline.md": Expected(
        zone="Europe/Berlin",
        times=[
            "2024-09-18 13:30",
            "2024-09-18 13:45",
            "2024-09-18 14:05",
            "2024-09-18 14:32",
            "2024-09-18 16:10",
            "2024-09-18 17:14",
        ],
        items=[
            ("Pin the tax service version", "", "done"),
            ("Contract tests for the tax API", "Ben Ito", "open"),
        ],
    ),
    "atlassian_dated_entries.md": Expected(
        zone="UTC",
        times=[
            "2022-04-05 07:38",
            "2022-04-05 08:01",
            "2022-04-05 08:17",
            "2022-04-05 08:30",
            "2022-04-06 15:00",
            "2022-04-18 02:00",
        ],
        items=[
            ("Block bulk deletions without a second reviewer", "", "done"),
            ("Keep soft-deleted sites for 30 days", "", "open"),
            ("Restore many sites in parallel", "Platform", "open"),
        ],
    ),
    "atlassian_template_five_whys.md": Expected(
        zone="UTC",
        times=["2024-04-22 08:10", "2024-04-22 08:40", "2024-04-22 08:52", "2024-04-22 09:05"],
        items=[
            ("Run export smoke tests after each migration", "priya", "open"),
            ("Add the export job to the migration review checklist", "", "open"),
        ],
    ),
    "aws_prose_summary.md": Expected(
        zone="America/Los_Angeles",
        times=[],
        items=[],
        warning_lines=[7],  # no timeline: the start is the first time in the text
    ),
    "azure_pir_ranges.md": Expected(
        zone="UTC",
        times=["2024-01-12 08:50", "2024-01-12 09:02", "2024-01-12 09:30", "2024-01-12 11:25"],
        items=[
            ("Throttle background jobs during peak hours", "", "done"),
            ("Improve detection of hot scale units", "", "in_progress"),
        ],
    ),
    "b_linear_notes.md": Expected(
        zone="Europe/Berlin",
        times=["2024-11-19 09:58", "2024-11-19 10:05", "2024-11-19 10:21", "2024-11-19 10:47"],
        items=[
            ("Partition the sync queue by workspace", "jonas", "open"),
            ("Add per-partition latency panels", "mira", "done"),
            ("Double the queue workers", "", "wont_do"),
        ],
    ),
    "basecamp_html_headings.md": Expected(
        zone="America/Chicago",
        times=["2023-08-22 10:15", "2023-08-22 10:32", "2023-08-22 10:40"],
        items=[
            ("Alert 30 days before storage credentials expire", "dana", "open"),
        ],
        warning_lines=[5],  # CST is also China Standard Time: the choice is named
    ),
    "c_fly_status.md": Expected(
        zone="UTC",
        times=["2024-11-12 14:10", "2024-11-12 14:18", "2024-11-12 14:40", "2024-11-12 15:02"],
        items=[
            ("Canary scheduler deploys", "platform", "open"),
            ("Synthetic create checks every minute", "sre", "open"),
        ],
    ),
    "cet_summer_table_date_column.md": Expected(
        zone="Europe/Berlin",
        times=["2024-07-03 09:10", "2024-07-03 09:25", "2024-07-03 09:40", "2024-07-04 10:00"],
        items=[
            ("Alert on cache memory at 80%", "Lea", "in_progress"),
            ("Document cache sizing", "Omar", "open"),
        ],
    ),
    "circleci_utc_suffix_in_parens.md": Expected(
        zone="UTC",
        times=["2024-01-04 16:02", "2024-01-04 16:10", "2024-01-04 16:38", "2024-01-04 17:05"],
        items=[
            ("Restart the scheduler leader when it stops heartbeating", "sched-team", "done"),
            ("Add a leader election dashboard", "", "in_progress"),
        ],
    ),
    "cloudflare_backbone_date_note.md": Expected(
        zone="UTC",
        times=["2020-07-17 20:25", "2020-07-17 21:12", "2020-07-17 21:39", "2020-07-17 21:47"],
        items=[
            ("Add a maximum prefix limit on backbone sessions", "", "open"),
        ],
    ),
    "cloudflare_regex_cpu.md": Expected(
        zone="UTC",
        times=[
            "2024-06-12 13:31",
            "2024-06-12 13:37",
            "2024-06-12 13:42",
            "2024-06-12 13:45",
            "2024-06-12 14:02",
            "2024-06-12 14:07",
            "2024-06-12 14:09",
        ],
        items=[
            ("Re-introduce the CPU budget for rule evaluation", "", "open"),
            ("Run every rule change through a staged rollout", "", "open"),
            ("Benchmark patterns in CI before they can be merged", "", "open"),
        ],
    ),
    "d_squarespace_ampm.md": Expected(
        zone="America/New_York",
        times=[
            "2024-06-06 11:05",
            "2024-06-06 11:20",
            "2024-06-06 12:10",
            "2024-06-06 12:45",
            "2024-06-06 13:15",
        ],
        items=[
            ("Validate cache configs in CI", "Web Platform", "open"),
            ("Add an editor save success-rate alert", "SRE", "open"),
        ],
    ),
    "discord_pt_day_rollover.md": Expected(
        zone="America/Los_Angeles",
        times=[
            "2024-03-08 21:30",
            "2024-03-08 22:05",
            "2024-03-08 23:50",
            "2024-03-09 00:40",
            "2024-03-09 01:15",
        ],
        items=[
            ("Rate limit client reconnections per region", "", "open"),
            ("Deploy the gateway one region at a time", "", "open"),
        ],
    ),
    "e_plain_text_times.md": Expected(
        zone="UTC",
        times=["2025-02-11 08:12", "2025-02-11 08:15", "2025-02-11 08:40", "2025-02-11 08:52"],
        items=[
            ("load test the payment page monthly", "kim", "open"),
            ("connection pool alert", "lars", "done"),
        ],
    ),
    "fastly_short_report.md": Expected(
        zone="UTC",
        times=[
            "2021-06-08 09:47",
            "2021-06-08 09:58",
            "2021-06-08 10:27",
            "2021-06-08 10:36",
            "2021-06-08 12:35",
        ],
        items=[
            ("Deploy the bug fix across the network", "", "open"),
            ("Review why the bug was not caught in testing", "", "open"),
        ],
    ),
    "gcp_incident_report.md": Expected(
        zone="US/Pacific",
        times=["2023-11-14 10:05", "2023-11-14 10:12", "2023-11-14 10:40", "2023-11-14 10:52"],
        items=[
            ("Validate that a pool is unused before removing it", "", "open"),
            ("Roll configuration out region by region", "", "open"),
        ],
    ),
    "github_heading_stamps.md": Expected(
        zone="UTC",
        times=[
            "2023-10-21 22:52",
            "2023-10-21 22:54",
            "2023-10-21 23:07",
            "2023-10-22 00:05",
            "2023-10-22 06:51",
            "2023-10-22 16:24",
        ],
        items=[
            ("Stopped the orchestrator from promoting primaries across sites", "", "done"),
            ("Report status in more detail on the status page", "", "open"),
            ("Run chaos tests of cross-site partitions", "Jane Doe", "open"),
        ],
    ),
    "gitlab_database_removal.md": Expected(
        zone="UTC",
        times=[
            "2024-03-03 16:05",
            "2024-03-03 16:40",
            "2024-03-03 17:20",
            "2024-03-03 17:22",
            "2024-03-03 18:10",
            "2024-03-03 22:15",
        ],
        items=[
            ("Give every production host a coloured shell prompt with its role #1101", "", "open"),
            ("Test backup restores every day #1102", "dbre", "open"),
            ("Page on replication lag before it stops replication #1103", "", "done"),
        ],
    ),
    "gitlab_table_issue_links.md": Expected(
        zone="UTC",
        times=["2024-05-15 12:05", "2024-05-15 12:11", "2024-05-15 12:30", "2024-05-15 13:15"],
        items=[
            ("Canary storage backend updates in one zone first", "", "open"),
            ("Alert on registry 503 ratio per zone", "", "open"),
        ],
    ),
    "google_sre_date_heading.md": Expected(
        zone="UTC",
        times=[
            "2022-05-12 14:51",
            "2022-05-12 14:53",
            "2022-05-12 15:02",
            "2022-05-12 15:20",
            "2022-05-12 15:49",
            "2022-05-12 15:53",
        ],
        items=[
            ("Validate index size before rollout", "alice", "open"),
            ("Alert on empty result rate per build", "bob", "open"),
            ("Write a rollback playbook", "carol", "open"),
        ],
    ),
    "govuk_actions_table.md": Expected(
        zone="Europe/London",
        times=["2023-10-10 10:20", "2023-10-10 10:25", "2023-10-10 10:48", "2023-10-10 11:10"],
        items=[
            ("Review database connection limits", "Platform team", "done"),
            ("Add alerting on connection saturation", "Platform team", "open"),
        ],
    ),
    "heroku_no_timeline.md": Expected(
        zone="UTC",
        times=[],
        items=[
            ("Reconnect queue workers after a failover", "", "open"),
            ("Add a dashboard for queue age", "", "open"),
        ],
        warning_lines=[8],  # no timeline: the start is the first time in the text
    ),
    "heroku_status_iso_utc.md": Expected(
        zone="UTC",
        times=["2022-04-13 19:00", "2022-04-13 19:12", "2022-04-13 19:30", "2022-04-13 19:41"],
        items=[
            ("Canary router updates per availability zone", "routing", "open"),
        ],
    ),
    "honeycomb_pm_times.md": Expected(
        zone="UTC",
        times=[
            "2023-07-25 13:40",
            "2023-07-25 13:52",
            "2023-07-25 14:10",
            "2023-07-25 14:31",
            "2023-07-25 14:48",
        ],
        items=[
            ("Circuit breakers on schema cache misses", "", "done"),
            ("Move schema writes out of the ingest path", "", "in_progress"),
        ],
    ),
    "html_mixed_kinds_table.md": Expected(
        zone="UTC",
        times=["2024-01-15 10:02", "2024-01-15 10:10", "2024-01-15 10:25", "2024-01-15 10:40"],
        items=[
            ("Per-tenant write quotas PROJ-42", "Infra", "open"),
        ],
    ),
    "incidentio_table_owner_status.md": Expected(
        zone="Europe/London",
        times=["2024-06-20 11:02", "2024-06-20 11:10", "2024-06-20 11:45", "2024-06-20 12:20"],
        items=[
            ("Autoscale webhook workers", "Priya", "done"),
            ("Alert on backlog age", "Sam", "open"),
        ],
    ),
    "k8s_template_iso_headings.md": Expected(
        zone="UTC",
        times=["2024-02-02 14:00", "2024-02-02 14:06", "2024-02-02 14:35"],
        items=[
            ("Add backoff to the controller", "lee", "done"),
            ("Rate limit list calls per client", "sara", "open"),
        ],
    ),
    "midnight_date_headings.md": Expected(
        zone="UTC",
        times=[
            "2023-10-21 22:10",
            "2023-10-21 23:40",
            "2023-10-21 23:35",
            "2023-10-22 00:15",
            "2023-10-22 02:05",
            "2023-10-22 08:30",
        ],
        items=[
            ("Split the export by region", "", "open"),
        ],
    ),
    "monzo_prose_bold_times.md": Expected(
        zone="Europe/London",
        times=["2023-08-04 16:02", "2023-08-04 16:15", "2023-08-04 16:40"],
        items=[
            ("Make the re-send job idempotent", "", "open"),
            ("Add a kill switch for scheduled jobs", "", "open"),
        ],
    ),
    "monzo_table_bst.md": Expected(
        zone="Europe/London",
        times=[
            "2023-05-30 13:00",
            "2023-05-30 13:06",
            "2023-05-30 13:20",
            "2023-05-30 13:25",
            "2023-05-30 14:02",
        ],
        items=[
            ("Canary configuration changes on one processor link first", "", "open"),
            ("Restart connection pools automatically when they stall", "", "open"),
        ],
    ),
    "mozilla_bug_links_pdt.md": Expected(
        zone="America/Los_Angeles",
        times=["2019-05-03 18:00", "2019-05-03 19:10", "2019-05-04 02:44", "2019-05-04 09:00"],
        items=[
            ("Monitor certificate expiry dates (Bug 1549078)", "", "open"),
            ("Document the emergency release process (Bug 1549080)", "", "open"),
        ],
    ),
    "no_timeline_just_items.md": Expected(
        zone="UTC",
        times=[],
        items=[
            ("Renew the certificate", "", "done"),
            ("Alert 14 days before any certificate expires", "platform", "open"),
        ],
    ),
    "pagerduty_four_digit_ranges.md": Expected(
        zone="US/Eastern",
        times=["2024-02-14 07:30", "2024-02-14 07:46", "2024-02-14 08:02", "2024-02-14 08:30"],
        items=[
            ("Autoscale push workers on queue depth", "sre-team", "open"),
            ("Add latency SLO for notifications", "maria", "done"),
        ],
    ),
    "reddit_pi_day_mixed.md": Expected(
        zone="UTC",
        times=[
            "2023-03-14 19:05",
            "2023-03-14 19:21",
            "2023-03-14 19:40",
            "2023-03-14 21:30",
            "2023-03-14 22:35",
        ],
        items=[],
    ),
    "roblox_multi_day_headings.md": Expected(
        zone="UTC",
        times=[
            "2021-10-28 13:37",
            "2021-10-28 14:00",
            "2021-10-29 02:00",
            "2021-10-29 16:00",
            "2021-10-31 13:00",
            "2021-10-31 16:45",
        ],
        items=[
            ("Disable streaming for service discovery", "", "open"),
            ("Build a second service discovery cluster", "", "open"),
        ],
    ),
    "sentry_pdt_dashes.md": Expected(
        zone="America/Los_Angeles",
        times=["2023-06-21 14:13", "2023-06-21 14:20", "2023-06-21 15:05", "2023-06-21 15:40"],
        items=[
            ("Alert on consumer lag growth, not only on absolute lag", "", "open"),
            ("Cap rebalance frequency", "", "open"),
        ],
    ),
    "slack_pst_am_pm.md": Expected(
        zone="America/Los_Angeles",
        times=[
            "2024-01-04 06:00",
            "2024-01-04 06:57",
            "2024-01-04 07:14",
            "2024-01-04 08:15",
            "2024-01-04 09:15",
            "2024-01-04 10:40",
        ],
        items=[
            ("Move provisioning off the saturated network path", "", "in_progress"),
            ("Alert on network saturation in each availability zone", "netops", "open"),
        ],
    ),
    "spotify_cet_winter.md": Expected(
        zone="Europe/Berlin",
        times=["2022-03-08 14:23", "2022-03-08 14:31", "2022-03-08 15:02", "2022-03-08 15:20"],
        items=[
            ("Automate removal of unhealthy cache nodes", "", "open"),
        ],
    ),
    "stripe_bracket_times.md": Expected(
        zone="UTC",
        times=[
            "2023-05-24 16:36",
            "2023-05-24 16:44",
            "2023-05-24 17:05",
            "2023-05-24 17:15",
            "2023-05-24 17:22",
        ],
        items=[
            ("Alert when a cluster has no elected primary", "", "open"),
            ("Replace the election code path with the upstream fix", "", "open"),
        ],
    ),
    "stripe_month_day_no_year.md": Expected(
        zone="UTC",
        times=["2023-05-24 16:36", "2023-05-24 16:44", "2023-05-24 17:22", "2023-05-25 09:00"],
        items=[
            ("Alert when a database cluster has no primary", "", "open"),
        ],
    ),
    "travis_prose_range.md": Expected(
        zone="UTC",
        times=[],
        items=[
            ("Move the logs database to a new host", "", "open"),
            ("Upgrade the kernel on database hosts", "", "open"),
        ],
        warning_lines=[4],  # no timeline: the start is the first time in the text
    ),
    "travis_status_bullets.md": Expected(
        zone="UTC",
        times=[
            "2023-09-07 09:36",
            "2023-09-08 08:56",
            "2023-09-08 12:34",
            "2023-09-08 15:01",
            "2023-09-09 02:10",
        ],
        items=[
            ("Add storage capacity alerts on the virtualization cluster", "", "open"),
            ("Review the runbook for stopping macOS jobs", "", "open"),
        ],
    ),
    "typo_year_and_bad_zone_entry.md": Expected(
        zone="UTC",
        times=["2024-04-02 10:00", "2024-04-02 10:20", "2024-04-02 10:45"],
        items=[
            ("Alert when retries stop", "", "open"),
        ],
        # The 5-digit year is read as 2024, the year of the other entries, with a warning;
        # an unknown zone leaves its entry without a time; an unknown status is reported
        # and the item stays open.
        warning_lines=[7, 8, 13],
    ),
    "wiki_groups_team_owner.md": Expected(
        zone="UTC",
        times=["2024-10-02 11:00", "2024-10-02 11:04", "2024-10-02 11:30"],
        items=[
            ("Stop the duplicate leader", "Dana Lee", "done"),
            ("Reindex documents written during the split", "SEARCH", "done"),
            ("Require a quorum of three zones for leader election", "", "done"),
            ("Announce network maintenance to service owners", "ops", "open"),
        ],
    ),
    "zone_pt_declared_sentence.md": Expected(
        zone="America/Los_Angeles",
        times=["2024-03-09 09:12", "2024-03-09 09:15", "2024-03-09 09:31", "2024-03-09 09:40"],
        items=[
            ("Add a login smoke test to the deploy pipeline", "kenji", "open"),
            ("Page on login error rate, not only on uptime", "ana", "open"),
        ],
    ),
    "heading_entries_ampm_paragraphs.md": Expected(
        zone="America/New_York",
        times=[
            "2024-03-05 07:30",
            "2024-03-05 07:52",
            "2024-03-05 08:15",
            "2024-03-05 08:40",
            "2024-03-05 09:05",
            "2024-03-05 09:40",
        ],
        items=[
            ("Monitor certificate chain validity on the mail relays", "mail-team", "open"),
            ("Add an alert on email delivery latency", "", "open"),
        ],
    ),
    "heading_entries_h4_utc_em_dash.md": Expected(
        zone="UTC",
        times=[
            "2023-11-28 13:41",
            "2023-11-28 13:44",
            "2023-11-28 13:49",
            "2023-11-28 13:58",
            "2023-11-28 14:02",
            "2023-11-28 14:32",
        ],
        items=[
            ("Validate health check paths against every backend version before a push", "", "open"),
            ("Push load balancer configuration one region at a time", "", "open"),
        ],
    ),
    "date_headings_same_level_bullets.md": Expected(
        zone="UTC",
        times=[
            "2024-03-03 09:10",
            "2024-03-03 10:45",
            "2024-03-03 11:20",
            "2024-03-04 11:30",
            "2024-03-04 13:15",
            "2024-03-04 16:40",
        ],
        items=[
            ("Canary firmware updates on one rack for 24 hours", "", "open"),
            ("Pause the rollout automatically when error rates rise", "", "done"),
        ],
    ),
    "date_headings_day_labels.md": Expected(
        zone="America/Los_Angeles",
        times=[
            "2024-02-09 09:10",
            "2024-02-09 10:25",
            "2024-02-09 15:50",
            "2024-02-10 16:30",
            "2024-02-10 21:15",
        ],
        items=[
            ("Test index migrations against production-sized data", "search", "open"),
            ("Add a runbook for pausing migrations", "", "open"),
        ],
    ),
    "zone_hkt_table.md": Expected(
        zone="Asia/Hong_Kong",
        times=["2024-08-15 19:02", "2024-08-15 19:10", "2024-08-15 19:24", "2024-08-15 19:41"],
        items=[
            ("Alert on broker disk usage at 75%", "Wing", "done"),
            ("Shorten broker retention to 3 days", "Mei", "open"),
        ],
    ),
    "zone_ist_ambiguous_bullets.md": Expected(
        zone="Asia/Kolkata",
        times=[
            "2024-10-03 20:00",
            "2024-10-03 20:06",
            "2024-10-03 20:11",
            "2024-10-03 20:35",
            "2024-10-03 21:02",
        ],
        items=[
            (
                "Load test the inventory service at 5x normal traffic before each sale",
                "Arjun",
                "open",
            ),
            ("Pre-scale the inventory service an hour before a sale", "", "open"),
        ],
        warning_lines=[12],  # IST is also Irish and Israel time: the choice is named
    ),
    "zone_misspelt_region_name.md": Expected(
        zone="Europe/Berlin",
        times=[
            "2024-06-18 10:02",
            "2024-06-18 10:05",
            "2024-06-18 10:14",
            "2024-06-18 10:31",
            "2024-06-18 10:40",
        ],
        items=[
            ("Review identity provider changes with two people", "lena", "open"),
            ("Synthetic login check every minute", "", "open"),
        ],
        warning_lines=[4],  # Europe/Berlln read as Europe/Berlin
    ),
    "zone_space_in_region_name.md": Expected(
        zone="America/Los_Angeles",
        times=["2024-11-02 16:48", "2024-11-02 16:51", "2024-11-02 17:05", "2024-11-02 17:35"],
        items=[
            ("Alert on replica lag over 60 seconds", "", "open"),
            ("Rehearse database failover every quarter", "", "open"),
        ],
        warning_lines=[4],  # America/Los Angeles read as America/Los_Angeles
    ),
    "typo_year_in_table_row.md": Expected(
        zone="Europe/London",
        times=[
            "2024-03-02 09:12",
            "2024-03-02 09:20",
            "2024-03-02 09:48",
            "2024-03-02 10:30",
            "2024-03-02 11:15",
        ],
        items=[
            ("Stage scanner updates in pre-production for a day", "Platform team", "open"),
            ("Alert on upload error rate per document type", "Platform team", "done"),
        ],
        warning_lines=[16],  # 20244 read as 2024, the year of every other row
    ),
    "typo_year_far_from_others.md": Expected(
        zone="UTC",
        times=[
            "2024-09-14 07:05",
            "2024-09-14 08:40",
            "2024-09-14 09:02",
            "2024-09-14 09:30",
            "2024-09-14 10:12",
        ],
        items=[
            ("Alert when a CDN purge job fails", "", "open"),
            ("Check index freshness from three regions every 5 minutes", "", "open"),
        ],
        warning_lines=[12],  # 2204 read as 2024, the year of every other entry
    ),
    "range_date_only_entry.md": Expected(
        zone="UTC",
        # A range is one entry at its start; its end stays in the text ("until 15:30").
        times=["2024-03-02 13:45", "2024-03-02 14:00", "2024-03-02 15:40", "2024-03-02 16:05"],
        items=[
            ("Rehearse the failover on a production-sized copy", "", "open"),
            ("Publish expected write downtime before maintenance windows", "", "open"),
        ],
    ),
    "range_shared_pm_suffix.md": Expected(
        zone="America/Los_Angeles",
        times=["2024-03-02 13:40", "2024-03-02 14:00", "2024-03-02 15:45"],
        items=[
            ("Rebalance the cache cluster outside business hours", "", "open"),
            ("Alert on checkout latency above 2 seconds", "", "open"),
        ],
    ),
    "actions_taken_planned_in_resolution.md": Expected(
        zone="UTC",
        times=["2024-05-21 02:00", "2024-05-21 02:47", "2024-05-21 03:05", "2024-05-21 03:30"],
        items=[
            ("Moved backup output to object storage", "", "done"),
            ("Added a disk usage alert at 80% on the database volume", "", "done"),
            ("Run backups from a replica instead of the primary", "", "open"),
            ("Delete local backup files after upload", "", "open"),
            ("Document why each scheduled job runs where it does", "", "open"),
            ("Review every cron job on the database hosts this quarter", "", "open"),
        ],
    ),
    "actions_todo_followup_inline.md": Expected(
        zone="UTC",
        times=[
            "2024-07-09 11:12",
            "2024-07-09 11:15",
            "2024-07-09 11:20",
            "2024-07-09 11:29",
            "2024-07-09 11:36",
        ],
        items=[
            ("Add a PodDisruptionBudget for CoreDNS", "kai", "open"),
            ("Spread CoreDNS replicas across node pools with anti-affinity rules", "", "open"),
            ("Alert when fewer than two CoreDNS replicas are ready", "", "open"),
        ],
    ),
    "heldout_heading_entries_under_day_headings.md": Expected(
        zone="America/Los_Angeles",
        times=[
            "2024-03-12 21:12",
            "2024-03-12 21:30",
            "2024-03-13 00:40",
            "2024-03-13 01:25",
            "2024-03-13 01:50",
        ],
        items=[
            ("Alert on upload error rate, not only on crashes", "", "open"),
            ("Run schema changes during staffed hours", "", "open"),
        ],
    ),
    "heldout_nzdt_actions_in_resolution.md": Expected(
        zone="Pacific/Auckland",
        times=[
            "2024-02-20 08:05",
            "2024-02-20 08:20",
            "2024-02-20 08:34",
            "2024-02-20 08:51",
            "2024-02-20 09:15",
        ],
        items=[
            ("Pinned the template library to the previous major version", "", "done"),
            ("Add a rendering test for every invoice template", "", "open"),
            ("Alert when the mailer's send rate drops to zero for 10 minutes", "", "open"),
        ],
    ),
    "heldout_us_pacfic_range_table.md": Expected(
        zone="US/Pacific",
        times=["2024-05-07 09:00", "2024-05-07 09:12", "2024-05-07 09:40", "2024-05-07 10:05"],
        items=[
            ("Add capacity alarms to the session store", "Identity SRE", "done"),
            ("Automate session store failover", "Identity SRE", "in_progress"),
        ],
        warning_lines=[4],  # US/Pacfic read as US/Pacific
    ),
    "heldout_typo_year_swapped_we_will.md": Expected(
        zone="Europe/Berlin",
        times=[
            "2024-12-03 16:20",
            "2024-12-03 16:31",
            "2024-12-03 16:45",
            "2024-12-03 16:58",
            "2024-12-03 17:10",
        ],
        items=[
            ("Add zero-result queries to the search quality test set", "", "open"),
        ],
        warning_lines=[12],  # 2042 read as 2024
    ),
    "heldout_akst_followups_in_lessons.md": Expected(
        zone="America/Anchorage",
        times=[
            "2025-01-16 08:05",
            "2025-01-16 08:22",
            "2025-01-16 09:10",
            "2025-01-16 09:32",
            "2025-01-16 09:40",
        ],
        items=[
            ("Monitor the portal login page from outside our network", "Web team", "open"),
            ("Add a chain check to the certificate renewal checklist", "", "open"),
            ("Move certificate renewals to an automated service", "", "open"),
        ],
    ),
}


def parse(name: str):
    return parse_postmortem((SHAPES / name).read_text(), default_date=date(2026, 1, 10))


def local_times(parsed) -> list[str]:
    zone = ZoneInfo(parsed.time_zone)
    return [e.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for e in parsed.events]


def test_every_document_in_samples_has_its_expectations():
    assert sorted(EXPECTED) == sorted(path.name for path in SHAPES.glob("*.md"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_document_gives_its_entries_times_and_items(name):
    expected = EXPECTED[name]
    parsed = parse(name)
    assert parsed.time_zone == expected.zone
    assert local_times(parsed) == expected.times
    assert [(a.title, a.owner, a.status) for a in parsed.action_items] == expected.items
    lines = sorted(int(w.split(":")[0][5:]) for w in parsed.warnings if w.startswith("line "))
    assert lines == expected.warning_lines, parsed.warnings
