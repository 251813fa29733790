"""Security headers on every response, cookie flags that follow HTTPS, session timeouts, and
Clear-Site-Data when a person signs out or a kiosk resets (issue 7, OWASP ASVS 5.0 level 2).

One after-request hook sets the headers on everything the app sends: pages, htmx fragments,
PDFs, CSV files, static files and error pages. Nothing here depends on a view remembering to
ask for it.
"""

from flask import request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

import auth

# Pages: our own script and style files only. No inline script or style, no eval, nothing
# from another site, nothing may frame us, no <base> or plugin tricks, forms post only here.
CSP = "; ".join([
    "default-src 'none'",  # anything not named below (frames, workers, media, fonts) is off
    "script-src 'self'",  # htmx, doorstep.js, scan.js, signature.js, jsQR: all in static/js
    "style-src 'self'",  # static/css/doorstep.css; charts are SVG with attributes, not style
    "img-src 'self'",  # the pages draw pictures as inline SVG; no data: or blob: images
    "connect-src 'self'",  # htmx requests back to this app only
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",  # a form (and where it redirects to) stays on this site
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",  # no page embeds another of ours, not even our PDFs
])
# A PDF opens in the browser's own viewer. Chromium's viewer is an <embed> of the PDF in a
# page it makes up, so older Chromium checks the PDF against object-src: allow our own origin
# for that response only. No script, no style of ours, and still nobody may frame it.
PDF_CSP = "; ".join([
    "default-src 'none'",
    "object-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
# A year, as ASVS level 2 asks. includeSubDomains covers names *under* Doorstep's own host
# (x.doorstep.council.gov.uk), never the council's other sites beside it.
HSTS = "max-age=31536000; includeSubDomains"
# Device features nobody uses here are switched off for every page. The camera is allowed
# (for this origin only) on the pages that load the QR camera reader, and nowhere else.
OFF = ("accelerometer", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer",
       "microphone", "midi", "payment", "serial", "usb", "xr-spatial-tracking")
CAMERA_SCRIPT = "js/scan.js"
# What a browser is told to forget. Not "cookies": browsers apply it to the whole registrable
# domain (every *.council.gov.uk service would be signed out), and it would also wipe the
# kiosk's registration and the tablet's venue and recent names. Our own session cookie is
# replaced by the sign-out itself, and the server-side session is already deleted.
FORGET = '"cache", "storage"'
FORGET_AFTER = {"auth.signout", "kiosk.reset", "staff.register_kiosk"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, marked Secure whenever the request came over HTTPS
    (also behind nginx, see PROXY_HOPS) rather than by a fixed setting someone must flip."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _uses_camera(response) -> bool:
    """Whether this page loads the camera QR reader. Pages are rendered strings already held
    in memory, so looking for the script's address costs little and needs no template flag."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return False
    return CAMERA_SCRIPT.encode() in response.get_data()


def permissions_policy(camera: bool) -> str:
    features = [f"{name}=()" for name in OFF]
    features.append("camera=(self)" if camera else "camera=()")
    return ", ".join(sorted(features))


def set_headers(response):
    headers = response.headers
    is_pdf = response.mimetype == "application/pdf"
    headers.setdefault("Content-Security-Policy", PDF_CSP if is_pdf else CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of every HTTPS form post.
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = permissions_policy(_uses_camera(response))
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint in FORGET_AFTER and response.status_code in (302, 303):
        headers["Clear-Site-Data"] = FORGET
    return response


def volunteer_idle_minutes(value) -> int:
    """DOORSTEP_VOLUNTEER_IDLE_MINUTES: a whole number of minutes up to the absolute limit."""
    limit = auth.ABSOLUTE_SESSION_HOURS * 60
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise ValueError(f"DOORSTEP_VOLUNTEER_IDLE_MINUTES must be a whole number of minutes "
                         f"from 1 to {limit}, not {value!r}.")
    return value


def init_app(app) -> None:
    """Register the header hook, the session cookie rule, the proxy setting and timeouts."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Trust X-Forwarded-For/-Proto from exactly this many proxies (nginx sets them), so
        # request.is_secure is true behind HTTPS and cookies get the Secure flag. Only for an
        # app that listens on localhost behind the proxy: anyone else could send the headers.
        # The Host header is not taken from X-Forwarded-Host: nginx passes Host itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0,
                                x_prefix=0)
    app.session_interface = SessionInterface()
    idle = dict(app.config["SESSION_IDLE_MINUTES"])  # a copy: never change the DEFAULTS dict
    if app.config.get("VOLUNTEER_IDLE_MINUTES") is not None:
        idle["volunteer"] = volunteer_idle_minutes(app.config["VOLUNTEER_IDLE_MINUTES"])
    app.config["SESSION_IDLE_MINUTES"] = idle
    app.after_request(set_headers)
