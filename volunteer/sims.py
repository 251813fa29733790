"""(being built for issue 5)"""

from volunteer.views import bp  # noqa: F401
