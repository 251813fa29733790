"""(being built for issue 4)"""

from volunteer.views import bp  # noqa: F401
