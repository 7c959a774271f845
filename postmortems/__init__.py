"""The postmortem document: editing, review, publishing and rendering of an incident's postmortem.

Its own rows are the Postmortem, its sections, reviews, templates, published versions and
comment threads; collaboration/, layouts/ and exporting/ hold those concerns with their
views. It builds on accounts, incidents and core; api, search, notifications and importing
build on it. See docs/architecture.md.
"""
