from orderhub_runtime.cli import run_service_cli
from orderhub_runtime.settings import RuntimeSettings

from fulfillment.main import create_app
from fulfillment.settings import FulfillmentSettings

run_service_cli("fulfillment", FulfillmentSettings(), RuntimeSettings(), create_app)
