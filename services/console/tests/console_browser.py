"""The console in a real browser: Debian's Chromium driven through its own chromedriver
(never a downloaded browser or driver), and the console served in-process on a free port."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from console.main import create_app
from console.settings import ConsoleSettings
from orderhub_devstack.ports import free_port
from orderhub_devstack.system import SystemUnderTest
from orderhub_runtime.settings import RuntimeSettings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CONSOLE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CONSOLE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
# Set to a folder (docs/images) to refresh the README's screenshots while the tests run.
SCREENSHOT_DIR = os.environ.get("CONSOLE_SCREENSHOT_DIR", "")
WAIT_S = 30.0


def require_chromium() -> None:
    """Skip where the browser is missing, except in CI, where `make install` must have put it."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        message = f"missing {', '.join(missing)}: run `make install` (installs chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=True)


@contextmanager
def console_server(system: SystemUnderTest) -> Iterator[str]:
    """The console app on a free port in a thread of its own (the tests' Selenium calls block)."""
    settings = ConsoleSettings(
        http_port=free_port(),
        ingest_url=system.url("ingest"),
        rules_url=system.url("rules"),
        fulfillment_url=system.url("fulfillment"),
        aftersales_url=system.url("aftersales"),
        notify_url=system.url("notify"),
        insights_url=system.url("insights"),
    )
    app = create_app(settings, RuntimeSettings(env="test"))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=settings.http_port, log_config=None, access_log=False, timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.http_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(width: int = 1366, height: int = 900) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
        "--autoplay-policy=no-user-gesture-required",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class Console:
    """A person at the console: log in, open pages, click, wait for what the page shows."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def login(self, token: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/login")
        self.find("#token").send_keys(token)
        self.find("#login-button").click()
        self.wait_for("#who")

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_for(self, css: str, timeout_s: float = WAIT_S) -> WebElement:
        found: WebElement = WebDriverWait(self.driver, timeout_s).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, css))
        )
        return found

    def wait_for_text(self, css: str, text: str, timeout_s: float = WAIT_S) -> WebElement:
        WebDriverWait(self.driver, timeout_s).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        return self.find(css)

    def wait_until_live(self) -> None:
        """The page's EventSource to the console's anomaly feed is open."""
        WebDriverWait(self.driver, WAIT_S).until(
            lambda d: str(d.find_element(By.TAG_NAME, "body").get_attribute("data-live") or "").startswith("connected")
        )

    def text(self) -> str:
        return self.find("body").text

    def screenshot(self, name: str) -> None:
        if not SCREENSHOT_DIR:
            return
        folder = Path(SCREENSHOT_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(folder / f"console-{name}.png"))
