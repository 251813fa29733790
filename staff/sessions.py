"""(being built for issue 4)"""

from staff import bp  # noqa: F401
