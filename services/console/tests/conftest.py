from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_browser import Console, chromium, console_server
from orderhub_devstack.system import SystemUnderTest
from selenium import webdriver


def _e2e_fixtures() -> object:
    """The end-to-end suite's own harness (all five services as processes), imported, not copied."""
    path = Path(__file__).resolve().parents[3] / "tests" / "e2e" / "conftest.py"
    spec = importlib.util.spec_from_file_location("orderhub_e2e_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


system = _e2e_fixtures().system  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def console_url(system: SystemUnderTest) -> Iterator[str]:
    with console_server(system) as url:
        yield url


@pytest.fixture(scope="module")
def driver(console_url: str) -> Iterator[webdriver.Chrome]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def console(driver: webdriver.Chrome, console_url: str) -> Console:
    return Console(driver, console_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """A failed browser test leaves the page it saw (HTML and screenshot) beside its logs."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    browser = getattr(item, "funcargs", {}).get("console")
    if report.when == "call" and report.failed and isinstance(browser, Console):
        folder = Path(item.config.rootpath) / ".pytest_cache" / "console-failures"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item.name}.html").write_text(browser.driver.page_source)
        browser.driver.save_screenshot(str(folder / f"{item.name}.png"))
