"""Read postmortems written elsewhere (and our own exports) into structured data, and save them.

It owns the parser (one module per concern: the Markdown structure, stamps, dates and zones,
zone names (abbreviations, misspelt regions), mistyped years, timeline entries, action items
and those announced in other sections, causes and fields; own_export reads documents this app
exported), the import page and form, the import_postmortem command, and saving.py, which
hands the incident's rows to incidents.imports and writes the postmortem's own.

It builds on postmortems (templates, sections, the exporters' cause keys), incidents and
core; nothing below it imports it. The parser modules read text and never the database.
"""
