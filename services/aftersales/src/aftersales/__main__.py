from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from aftersales.main import create_app
from aftersales.settings import AftersalesSettings

run_service_cli("aftersales", AftersalesSettings(), RuntimeSettings(), create_app)
