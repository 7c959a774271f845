"""The shape a postmortem is written in: templates and their sections.

`builtin_templates` holds the templates every installation has, `sections` the template a
postmortem starts in and its section rows kept in step with it, `services` the writes to
templates (create, edit, copy, retire, team defaults), `forms` and `views` the template
editor and the choice of a postmortem's template.
"""
