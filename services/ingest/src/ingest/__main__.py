from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from ingest.main import create_app
from ingest.settings import IngestSettings

run_service_cli("ingest", IngestSettings(), RuntimeSettings(), create_app)
