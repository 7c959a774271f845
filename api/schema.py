"""Additions to the generated OpenAPI schema."""

ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "description": "`detail` says what went wrong; a field's name maps to its errors.",
            "additionalProperties": True,
        }
    }
}
ERRORS = {
    "400": "The input is invalid: the body names each field or query parameter that is wrong "
    "and why; a query parameter the list does not take is refused, with those it takes.",
    "401": "No token, or a token that is unknown, expired or revoked.",
    "403": "Not allowed: the reason is in `detail`.",
    "404": "No such object.",
    "412": "If-Match names an older version; `current` holds the current one.",
    "429": "Too many requests; Retry-After says when to try again.",
}
WRITE_ONLY = {"412"}


def document_errors(result, generator, request, public):
    """Describe the error answers every operation can give, so clients can rely on them."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in WRITE_ONLY and method not in ("patch", "put", "delete"):
                    continue
                responses.setdefault(code, {"description": description, "content": ERROR_BODY})
    return result


def document_empty_query_values(result, generator, request, public):
    """Say that an empty query parameter (`?status=`) is as if it were not given.

    A list's filters are the web page's filters, whose forms send every field, filled or
    not; a malformed value, in contrast, answers 400 with the parameter's name.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
