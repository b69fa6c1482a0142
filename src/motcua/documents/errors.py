"""Why a file is refused, in words a citizen understands."""

from django.core.exceptions import ValidationError


class DocumentRejected(ValidationError):
    """A file was refused (type, size, content) or may not be used by this person.

    A ``ValidationError`` so forms and the API show its Vietnamese message as is.
    """
