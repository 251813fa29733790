"""What every rule raises for input a person can fix, so views can show it beside the field."""


class InvalidInput(ValueError):
    """Input a person can fix: `errors` maps each form field to a plain-words message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
