"""Error reports that keep secrets out, whatever frame they sit in.

Django's filter hides settings whose names look secret and the variables of functions
marked @sensitive_variables; a token can also sit in a dict of headers or the keyword
arguments of a library call (the trackers' clients pass one to requests). This filter also
hides, in every frame, variables and dict keys whose names look secret (Authorization,
token, auth, …), by the same pattern Django uses for settings.
"""

from django.views.debug import SafeExceptionReporterFilter


class SecretsReporterFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        return [
            (
                name,
                value if value == self.cleansed_substitute else self.cleanse_setting(name, value),
            )
            for name, value in variables
        ]
