from datetime import date


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(value) from None

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)


class HandleConverter:
    """A participant's handle as accounts.models.validate_handle allows it (lower case, digits, - and _).

    Anything else (a NUL, a slash-free 10,000-character string, invalid UTF-8) cannot be a
    handle, so the resolver answers 404 before a view or a query sees it.
    """

    regex = r"[a-z0-9_-]{1,30}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)
