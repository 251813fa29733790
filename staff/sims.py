"""(being built for issue 5)"""

from staff import bp  # noqa: F401
