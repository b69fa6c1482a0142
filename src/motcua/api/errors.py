"""Errors as JSON with a Vietnamese ``message`` (issue 3 §7); ``detail`` carries the same text
for clients of the first API version."""


def error_body(message: str) -> dict[str, str]:
    return {"message": message, "detail": message}
