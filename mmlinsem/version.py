"""The one version of mmlinsem (read by ``mmlinsem/__init__.py`` and ``setup.py``)."""
__version__ = '0.1.0'


def parse_version_info(version: str) -> tuple:
    """'0.1.0' -> (0, 1, 0); a pre-release part such as 'rc1' stays a string."""
    parts = []
    for piece in version.split('.'):
        parts.append(int(piece) if piece.isdigit() else piece)
    return tuple(parts)


version_info = parse_version_info(__version__)
