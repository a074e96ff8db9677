"""Smoke: the app starts on a fresh server and renders without an exception, in English and in Chinese."""

from __future__ import annotations


def _open_home(start_server, page, page_errors, wait_idle, query: str = "") -> None:
    base = start_server()  # a fresh server: "/" is its first request
    page.goto(base + "/" + query)
    wait_idle(page)
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert page_errors == [], page_errors


def test_home_en(start_server, page, page_errors, wait_idle, screenshot):
    _open_home(start_server, page, page_errors, wait_idle)
    assert screenshot(page, "home-en.png").stat().st_size > 0


def test_home_zh(start_server, page, page_errors, wait_idle, screenshot):
    _open_home(start_server, page, page_errors, wait_idle, "?lang=zh")
    assert screenshot(page, "home-zh.png").stat().st_size > 0
