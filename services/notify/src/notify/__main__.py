from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from notify.main import create_app
from notify.settings import NotifySettings

run_service_cli("notify", NotifySettings(), RuntimeSettings(), create_app)
