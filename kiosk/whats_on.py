"""(being built for issue 4)"""

from kiosk.views import bp  # noqa: F401
