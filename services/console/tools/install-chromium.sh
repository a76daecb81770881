#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium through its chromedriver (never a
# downloaded browser). Installs both, with CJK fonts for the Chinese pages, when they are
# missing and we are root on Debian; otherwise says what to install. Never fails the install.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
	&& [ -n "$(fc-list :lang=zh 2>/dev/null | head -n 1)" ]; then
	exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
	echo "console: installing chromium, chromium-driver and fonts-noto-cjk (browser tests)"
	export DEBIAN_FRONTEND=noninteractive
	if apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		chromium chromium-driver fonts-noto-cjk >/dev/null; then
		exit 0
	fi
	echo "console: apt-get could not install them; the browser tests will be skipped" >&2
	exit 0
fi
echo "console: browser tests need Chromium and its driver; install them with:" >&2
echo "  sudo apt-get install chromium chromium-driver fonts-noto-cjk" >&2
