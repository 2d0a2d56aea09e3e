"""The one exception type users see for bad input.

Tools catch it and print its message as a single line (``error: ...``) instead of a
traceback. Messages say what was expected and what was found.
"""


class MMLinsemError(ValueError):
    """Bad configuration, checkpoint or input, explained in one line."""
