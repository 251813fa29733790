"""The security headers as Chromium applies them: the CSP watch really catches a violation,
the camera is allowed only where the scanner is, and signing out or resetting a kiosk clears
the browser without losing the kiosk's registration or the tablet's names."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import register_kiosk, staff_sign_in, volunteer_sign_in

pytestmark = pytest.mark.browser


def test_the_csp_watch_catches_inline_script_style_and_eval(browser, live_server, people,
                                                           no_policy_violations):
    page = browser.new_page()
    page.goto(live_server.url + "/signin/staff")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.append(script);
        document.body.setAttribute("style", "background: red");
    }""")
    assert page.evaluate("window.injected === undefined")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    page.evaluate("setTimeout('window.evaluated = true', 0)")  # a string run as code
    # htmx is told not to evaluate either: an hx-on attribute does nothing.
    page.evaluate("""() => {
        const button = document.createElement("button");
        button.id = "sneaky";
        button.setAttribute("hx-on:click", "window.evaluated = true");
        document.querySelector("main").append(button);
        htmx.process(button);
    }""")
    page.click("#sneaky")
    assert page.evaluate("window.evaluated === undefined")
    page.title()  # a round trip, so the console messages have arrived
    text = "\n".join(no_policy_violations)
    assert "script-src 'self'" in text and "style-src 'self'" in text
    assert "'unsafe-eval' is not an allowed source" in text
    no_policy_violations.clear()  # caught as intended: the test itself passes


def allows_camera(page) -> bool:
    return page.evaluate("document.featurePolicy.allowsFeature('camera')")


def test_the_camera_is_allowed_only_on_scanner_pages(browser, live_server, people):
    kiosk = browser.new_context(has_touch=True).new_page()
    register_kiosk(kiosk, live_server.url)
    assert not allows_camera(kiosk)
    kiosk.get_by_role("link", name="Give back a borrowed device").tap()
    expect(kiosk.get_by_role("button", name="Use the camera")).to_be_visible()
    assert allows_camera(kiosk)
    assert not kiosk.evaluate("document.featurePolicy.allowsFeature('microphone')")
    assert not kiosk.evaluate("document.featurePolicy.allowsFeature('geolocation')")


def cleared(page) -> list[str]:
    """Chromium says on the console what a Clear-Site-Data header made it forget."""
    found = []
    page.on("console", lambda message: found.append(message.text)
            if "Clear-Site-Data" in message.text else None)
    return found


def test_kiosk_reset_clears_the_browser_but_keeps_it_a_kiosk(browser, live_server, people):
    context = browser.new_context(has_touch=True)
    page = context.new_page()
    messages = cleared(page)
    register_kiosk(page, live_server.url)
    page.get_by_role("link", name="Email").tap()
    page.get_by_label("First name or nickname").fill("Rita")
    page.get_by_role("link", name="Start again").tap()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    assert any("/kiosk/reset" in m and '"cache", "storage"' in m for m in messages), messages
    assert "doorstep_kiosk" in {c["name"] for c in context.cookies()}
    page.go_back()
    expect(page.get_by_text("Rita")).to_have_count(0)


def test_staff_sign_out_clears_the_browser_and_back_shows_nothing(browser, live_server, people):
    page = browser.new_page()
    messages = cleared(page)
    staff_sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/people")
    expect(page.get_by_role("heading", name=re.compile("People"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert any("/signout" in m for m in messages), messages
    page.go_back()
    expect(page.get_by_label("Password")).to_be_visible()  # the sign-in page, not People


def test_volunteer_switch_keeps_the_tablet_names(browser, live_server, people):
    page = browser.new_context(has_touch=True).new_page()
    messages = cleared(page)
    volunteer_sign_in(page, live_server.url, "Asha", "1234")
    page.get_by_role("button", name="Switch volunteer").tap()
    expect(page.get_by_text("Next volunteer, please sign in.")).to_be_visible()
    assert any("/signout" in m for m in messages), messages
    expect(page.get_by_role("link", name="Asha")).to_be_visible()  # the tablet remembers
