from orderhub_runtime.settings import RuntimeSettings

from console.main import create_app
from console.serve import run_console_cli
from console.settings import ConsoleSettings

run_console_cli(ConsoleSettings(), RuntimeSettings(), create_app)
