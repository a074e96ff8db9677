"""A class in real browsers: one server, a teacher and two students in isolated browser
contexts (their own cookies and sessions).  The students follow the teacher's page and
preset, cannot drive the teacher or each other, answer a poll that the teacher's screen
counts, and see the reveal; a wrong code is named.  Screenshots of the three screens go to
test-results/screenshots/class-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ui.common import quiz
from ui.text import t

CP = quiz.for_page("critical-points")[0]
FOLLOW_MS = 60_000  # a poll every second; the follow time itself is measured by `make load-class`, not here


def _on(page, section: str) -> None:
    try:
        expect(page.locator("h1").first).to_contain_text(section, timeout=FOLLOW_MS)
    except AssertionError as exc:  # say what the student's screen shows instead (CI keeps only the log)
        raise AssertionError(f"{exc}\n--- the student's screen ---\n{_screen(page)}") from None


def _shows(page, locator) -> None:
    """`locator` becomes visible on a student's page within FOLLOW_MS; else what the screen shows."""
    try:
        expect(locator).to_be_visible(timeout=FOLLOW_MS)
    except AssertionError as exc:
        raise AssertionError(f"{str(exc)[:400]}\n--- the student's screen ---\n{_screen(page)}") from None


def _record_errors(page) -> None:
    """The browser's own errors on a student's page, for `_screen`."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    page._optlab_errors = errors  # noqa: SLF001


def _screen(page) -> str:
    from tests.browser.conftest import SCREENSHOT_DIR, screenshot, server_log_tail

    name = "class-failed-" + re.sub(r"\W+", "-", page.url)[-80:]
    screenshot(page, f"{name}.png")
    (SCREENSHOT_DIR / f"{name}.html").write_text(page.content())
    state = page.evaluate("""() => {
        const app = document.querySelector('[data-testid=stApp]');
        const conn = document.querySelector('[data-testid=stStatusWidget]');
        return {app: app && app.getAttribute('data-test-script-state'),
                connection: app && app.getAttribute('data-test-connection-state'),
                status: conn && conn.innerText,
                text: document.body.innerText.slice(0, 1500)};
    }""")
    state["server log"] = server_log_tail(page.url)
    errors = list(dict.fromkeys(getattr(page, "_optlab_errors", [])))  # each once, the first first
    state["errors"] = "\n".join(e[:600] for e in errors[:12]) or "none"
    return "\n".join(f"{k}: {v}" for k, v in state.items())


def _url_has(page, *items: str) -> None:
    for item in items:
        expect(page).to_have_url(re.compile(re.escape(item)), timeout=FOLLOW_MS)


def _button(page, name: str):
    """A Streamlit button by its label (not the help icon beside it, which names it too)."""
    return page.locator("button[data-testid^=stBaseButton]", has_text=name).first


def _open_expander(page, label: str) -> None:
    """Open the expander titled `label` and wait until it has stopped growing.  Streamlit animates
    the opening (the details' height): a click on a button inside while it grows can press on the
    button and release on the box around it, which is no click at all (seen: the teacher's "Ask
    the class" sent nothing in 3 of 14 runs)."""
    box = page.locator("[data-testid=stExpander]", has_text=label).first
    box.locator("summary").click()
    page.wait_for_function("d => d.open && d.style.height === '' && !d.getAnimations().length",
                           arg=box.locator("details").element_handle(), timeout=10_000)


def _fold_sidebar(page) -> None:
    if page.locator("[data-testid=stSidebar][data-collapsed=false]").count():
        page.locator("[data-testid=stSidebar]").hover()  # the collapse button shows on hover
        page.locator("[data-testid=stSidebarCollapseButton] button").click(force=True)


@pytest.fixture
def teacher(streamlit_server, new_page, wait_idle):
    page = new_page()
    page.goto(f"{streamlit_server}/critical-points?lang=en&teach=1")
    wait_idle(page)
    return page


def test_students_follow_answer_a_poll_and_cannot_drive(streamlit_server, teacher, new_page, wait_idle, wait_rerun,
                                                        screenshot):
    code = teacher.locator(".st-key-class-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code), code
    assert "teach" not in teacher.url and "class" not in teacher.url
    expect(teacher.locator(".st-key-class-join img")).to_be_visible()  # the QR code

    students = []
    for locale, size in (("en-US", (1200, 900)), ("zh-CN", (390, 844))):
        page = new_page(locale=locale, viewport=size)
        _record_errors(page)
        page.goto(f"{streamlit_server}/?class={code}")
        _on(page, "3.1")  # from the home page's link to the teacher's page
        wait_idle(page)
        students.append(page)
    en, zh = students
    expect(en.locator("[data-testid=stMain] [data-testid=stAlertContentInfo]").first).to_contain_text(
        f"You follow the teacher (class {code})")  # the banner
    side = en.locator("[data-testid=stSidebar]")  # the teacher holds the page: no menu, no control
    expect(side).to_contain_text(t("class_held", "en"))
    assert side.locator("a[href*='adaptive-lr']").count() == 0 and side.locator("[data-testid=stSlider]").count() == 0
    _fold_sidebar(zh)

    # the teacher's preset reaches both students (its values in their URL)
    wait_rerun(teacher, lambda: _button(teacher, t("preset_cp_escape", "en")).click())
    _url_has(teacher, "esc=1")
    for page in students:
        _url_has(page, "esc=1")

    # the teacher walks the run step by step: every student's page follows (its step fragment alone)
    for _ in range(2):
        wait_rerun(teacher, lambda: _button(teacher, t("step_prev", "en")).click())
    step = re.search(r"[?&]k=(\d+)", teacher.url)
    assert step, teacher.url
    for page in students:
        _url_has(page, f"k={step.group(1)}", "esc=1")

    # following, a student has no preset to press (the teacher holds the page); exploring on their own,
    # their click changes only their page, and back with the teacher they see the teacher's view again
    assert _button(en, t("preset_cp_monkey", "en")).count() == 0
    wait_rerun(en, lambda: _button(en, t("class_detach", "en")).click())
    wait_rerun(en, lambda: _button(en, t("preset_cp_monkey", "en")).click())
    _url_has(en, "monkey-saddle")
    assert "monkey" not in teacher.url and "monkey" not in zh.url
    wait_rerun(en, lambda: _button(en, t("class_attach", "en")).click())
    _url_has(en, "esc=1")
    assert "monkey" not in en.url

    # the teacher changes page: everyone who follows goes along
    teacher.locator("[data-testid=stSidebar] a[href*='adaptive-lr']").first.click()
    wait_idle(teacher)
    for page in students:
        _on(page, "3.3")
    teacher.locator("[data-testid=stSidebar] a[href*='critical-points']").first.click()
    wait_idle(teacher)
    for page in students:
        _on(page, "3.1")
        wait_idle(page)

    # a poll: ask, one answer each, the teacher's screen counts them, reveal
    _open_expander(teacher, t("quiz_title", "en"))
    wait_rerun(teacher, lambda: _button(teacher, t("quiz_ask", "en")).click())
    wrong = (CP.answer + 1) % len(CP.choices)
    for page, choice in ((en, CP.answer), (zh, wrong)):
        box = page.locator(f".st-key-class-answer-{CP.page}-{CP.id}")
        _shows(page, box)
        _fold_sidebar(page)
        wait_rerun(page, lambda box=box, choice=choice: box.locator("[data-testid=stRadioOption]").nth(choice).click())
        wait_rerun(page, lambda box=box: box.get_by_role("button").first.click())
        expect(box.locator("[data-testid=stAlertContentSuccess]")).to_be_visible()
    counts = teacher.locator(f".st-key-class-poll-{CP.page}-{CP.id}")
    expect(counts).to_contain_text(t("class_poll_answered", "en", n=2), timeout=FOLLOW_MS)
    screenshot(teacher, "class-teacher-poll.png")
    screenshot(en, "class-student-en-poll.png")
    screenshot(zh, "class-student-zh-poll.png")
    wait_rerun(teacher, lambda: _button(teacher, t("class_poll_reveal", "en")).click())
    expect(counts).to_contain_text("✅")
    expect(en.get_by_text(t(CP.why, "en"))).to_be_visible(timeout=FOLLOW_MS)
    expect(zh.get_by_text(t(CP.why, "zh"))).to_be_visible(timeout=FOLLOW_MS)
    for page in (teacher, *students):
        assert page.locator("[data-testid=stException]").count() == 0
    screenshot(teacher, "class-teacher-reveal.png")
    screenshot(en, "class-student-en-reveal.png")
    screenshot(zh, "class-student-zh-reveal.png")


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh")])
def test_a_wrong_code_is_named_and_the_page_stays_usable(streamlit_server, new_page, wait_idle, wait_rerun, locale, lang):
    page = new_page(locale=locale)
    page.goto(f"{streamlit_server}/critical-points?class=hj4kmn")
    wait_idle(page)
    expect(page.get_by_text(t("class_err_unknown", lang, code="HJ4KMN"))).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    expect(page.locator("h1").first).to_contain_text("3.1")
    wait_rerun(page, lambda: _button(page, t("preset_cp_escape", lang)).click())  # still usable
    _url_has(page, "esc=1")
