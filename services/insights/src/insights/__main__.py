from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from insights.main import create_app
from insights.settings import InsightsSettings

run_service_cli("insights", InsightsSettings(), RuntimeSettings(), create_app)
