"""Working on a postmortem together: comment threads, @mentions and published versions.

`comments` writes threads and comments (each write recorded as an event), `mentions` says
who a text names and who may be told, `anchors` cuts the rendered document into the
sections threads hang on, `versions` freezes and compares published versions.
`thread_views` and `version_views` are their pages.
"""
