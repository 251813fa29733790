"""What's on: the coming tea parties and drop-ins here and nearby, in big plain words,
with a QR code that takes the same list away on a resident's phone."""

import functools
from xml.etree import ElementTree

import qrcode
from flask import g, render_template
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

import tea_parties
from auth import kiosk_required
from db import get_db
from i18n import _
from kiosk.views import bp
from public import public_url

QR_PIXELS = "240"


def whats_on_url(venue_id: int) -> str:
    """The phone page's address, on the public host when PUBLIC_BASE_URL is set."""
    return public_url("public.whats_on", venue_id=venue_id)


def qr_code(url: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def draw_qr_svg(url: str, name: str | None = None) -> Markup:
    """The QR code as inline SVG drawn on the server (no script, no image request),
    named for screen readers by the address it opens (`name`: in the screen's language)."""
    svg = qr_code(url).make_image(image_factory=SvgPathFillImage).get_image()
    svg.attrib.update(width=QR_PIXELS, height=QR_PIXELS, role="img",
                      **{"aria-label": name or f"QR code that opens {url}"})
    return Markup(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S704 (ElementTree escapes)


# A kiosk shows the same what's-on code all day; a one-off code (a reference) is drawn
# with draw_qr_svg instead, so it neither pushes these out nor stays in memory.
qr_svg = functools.lru_cache(maxsize=64)(draw_qr_svg)


@bp.get("/whats-on")
@kiosk_required
def whats_on():
    groups = tea_parties.upcoming(get_db(), g.kiosk["venue_id"])
    url = whats_on_url(g.kiosk["venue_id"]) if groups[0]["venue"]["active"] else None
    return render_template("kiosk/whats_on.html", groups=groups, phone_url=url,
                           short_url=url and url.split("://", 1)[-1],
                           qr=url and qr_svg(url, _("QR code that opens %(url)s", url=url)),
                           days=tea_parties.WHATS_ON_DAYS)
