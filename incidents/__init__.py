"""The incident domain: incidents, their timeline, causes and action items, and reminders.

It owns the rows of that domain (models/ by aggregate), the services that write them and
record each change, the selectors that read them, the board, the dashboard, tags and the
calendar feed. It builds on core only; every other app builds on it. See
docs/architecture.md.
"""
