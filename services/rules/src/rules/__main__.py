from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from rules.main import create_app
from rules.settings import RulesSettings

run_service_cli("rules", RulesSettings(), RuntimeSettings(), create_app)
