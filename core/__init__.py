"""Machinery every app shares, apart from the incident domain.

It owns the outbox (ChangeRecord, EventHandling and core.events: what happened, recorded with
the change, and each consumer's progress on it), owed deliveries (the abstract Delivery row
and core.deliveries: claim, finish, retry, recover), the page cache and the generation of
recorded changes that retires it (page_cache, dashboard_cache), the per-request memo of who
may see what (visibility), time zone names (zones) and the request middleware.

It may import Django and the standard library only: no app of this project. What it needs
of the domain is given to it: ChangeRecord points at "incidents.Incident" by name, and the
incidents app sets the visibility rule from its AppConfig.ready. Every other app may import it.
"""
