"""Errors a user can fix. The CLI prints their message (one line per problem) and exits 2."""


class HandoutsError(Exception):
    """A problem with the user's input, explained in words the user can act on."""

    exit_code = 2

    def __init__(self, *lines: str):
        self.lines = [line for line in lines if line]
        super().__init__("\n".join(self.lines))

    def __reduce__(self):
        # Keeps every line when the error comes back from a worker process.
        return (type(self), tuple(self.lines))
