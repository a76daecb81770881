"""The printer queue against a local IPP printer (the simulator): a printer that is off or
refuses keeps the job queued with its error, and the job prints once the printer is back."""

from __future__ import annotations

import asyncio
import socket
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fulfillment.main import create_app
from fulfillment.printing import repository, service
from fulfillment.printing.model import JobStatus, SubmitPrint
from fulfillment.printing.printers import IppPrinter, SpoolPrinter
from fulfillment.settings import FulfillmentSettings
from orderhub_devstack.bootstrap import delete_topics, topic_names
from orderhub_devstack.stack import StackInfo
from orderhub_devstack.testing import eventually, running_app
from orderhub_runtime.settings import RuntimeSettings
from orderhub_simulators.providers.ipp_printer import IppPrinterState
from orderhub_simulators.providers.ipp_printer import create_app as create_printer
from orderhub_simulators.testing import serve

pytestmark = pytest.mark.asyncio(loop_scope="session")
WAREHOUSE = {"Authorization": "Bearer local-warehouse"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _queue(env: Any, body: bytes, name: str) -> int:
    command = SubmitPrint(document=name, body=body, source="test")
    async with env.db.transaction() as tx:
        job_id: int = await service.submit(tx, command, SpoolPrinter(Path("/nonexistent")))
    return job_id


async def test_a_printer_that_is_off_or_refuses_keeps_the_job_until_it_prints(fulfillment: Any) -> None:
    port = _free_port()
    printer = IppPrinter(f"ipp://127.0.0.1:{port}/ipp/print", timeout_s=2)
    body = f"%PDF-1.7 拣货单 {uuid.uuid4()}".encode()
    job_id = await _queue(fulfillment, body, "拣货单-TEST.pdf")
    now = datetime.now(UTC) + timedelta(seconds=1)
    try:
        # Off: nothing listens on the port.
        await service.send_due(fulfillment.db, printer, now, retry_max_s=60)
        job = await service.get_job(fulfillment.db, job_id)
        assert job.status is JobStatus.RETRYING and job.attempts == 1 and "unreachable" in job.error
        listed = await fulfillment.client.get("/v1/print-jobs", params={"status": "retrying"}, headers=WAREHOUSE)
        mine = [j for j in listed.json()["items"] if j["job_id"] == job_id]
        assert mine and mine[0]["error"] and mine[0]["attempts"] == 1 and mine[0]["document"] == "拣货单-TEST.pdf"

        state = IppPrinterState(mode="refusing")
        async with serve(create_printer(state), port=port):
            # Not yet due again: the retry waits its back-off.
            await service.send_due(fulfillment.db, printer, now, retry_max_s=60)
            assert (await service.get_job(fulfillment.db, job_id)).attempts == 1
            # On, but paused: refuses with server-error-not-accepting-jobs.
            await service.send_due(fulfillment.db, printer, now + timedelta(seconds=30), retry_max_s=60)
            job = await service.get_job(fulfillment.db, job_id)
            assert job.status is JobStatus.RETRYING and job.attempts == 2 and "0x0506" in job.error
            # Back: the job prints, byte for byte.
            state.mode = "accepting"
            await service.send_due(fulfillment.db, printer, now + timedelta(minutes=5), retry_max_s=60)
            job = await service.get_job(fulfillment.db, job_id)
            assert job.status is JobStatus.PRINTED and job.attempts == 3 and job.error == ""
            received = [j for j in state.jobs if j["job_name"] == "拣货单-TEST.pdf"]
            assert received and state.documents[received[-1]["job_id"]] == body
            assert job.printer_job_id == str(received[-1]["job_id"])
    finally:
        await printer.close()


async def test_the_spool_folder_holds_the_printed_documents(fulfillment: Any, tmp_path: Path) -> None:
    body = f"%PDF-1.7 {uuid.uuid4()}".encode()
    job_id = await _queue(fulfillment, body, "带备注发货单.pdf")
    await service.send_due(
        fulfillment.db, SpoolPrinter(tmp_path), datetime.now(UTC) + timedelta(seconds=1), retry_max_s=60
    )
    job = await service.get_job(fulfillment.db, job_id)
    assert job.status is JobStatus.PRINTED
    assert (tmp_path / f"{job_id:06d}-带备注发货单.pdf").read_bytes() == body
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob(".*")))  # no partial file left behind


async def test_the_service_worker_prints_when_the_printer_comes_back(
    orderhub_stack: StackInfo, fulfillment_database: str, fulfillment: Any
) -> None:
    port = _free_port()
    prefix = f"{orderhub_stack.topic_prefix}pr{uuid.uuid4().hex[:6]}."
    runtime = RuntimeSettings(
        env="test", kafka_bootstrap_servers=orderhub_stack.kafka_bootstrap_servers, topic_prefix=prefix
    )
    settings = FulfillmentSettings(
        database_url=fulfillment_database,
        state_dir=Path(tempfile.mkdtemp(prefix="orderhub-print-")),
        printer_url=f"http://127.0.0.1:{port}/ipp/print",
        print_poll_s=0.1,
        print_retry_max_s=0.5,
        wms_poll_s=3600,
    )
    body = f"%PDF-1.7 {uuid.uuid4()}".encode()
    try:
        async with running_app(create_app(settings, runtime)) as client:
            job_id = await _queue(fulfillment, body, "worker.pdf")

            async def refused() -> bool:  # tried, and the answer (nobody there) recorded
                return (await service.get_job(fulfillment.db, job_id)).status is JobStatus.RETRYING

            await eventually(refused, timeout_s=10)
            assert (await service.get_job(fulfillment.db, job_id)).attempts >= 1
            state = IppPrinterState()
            async with serve(create_printer(state), port=port):

                async def printed() -> bool:
                    return (await service.get_job(fulfillment.db, job_id)).status is JobStatus.PRINTED

                await eventually(printed, timeout_s=10)
            assert body in state.documents.values()
            shown = (await client.get(f"/v1/print-jobs/{job_id}", headers=WAREHOUSE)).json()
            assert shown["status"] == "printed" and shown["attempts"] >= 2 and shown["printer"].endswith("/ipp/print")
    finally:
        await delete_topics(orderhub_stack.kafka_bootstrap_servers, topic_names(prefix))


async def test_a_job_whose_sender_died_is_sent_again_after_its_lease(fulfillment: Any, tmp_path: Path) -> None:
    body = f"%PDF-1.7 {uuid.uuid4()}".encode()
    job_id = await _queue(fulfillment, body, "lease.pdf")
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with fulfillment.db.transaction() as tx:  # a worker takes it, then dies before the printer answers
        while (taken := await repository.claim_due(tx.conn, now, now + timedelta(seconds=60))) is not None:
            if taken.job_id == job_id:
                break
    assert (await service.get_job(fulfillment.db, job_id)).status is JobStatus.SENDING
    spool = SpoolPrinter(tmp_path)
    await service.send_due(fulfillment.db, spool, now + timedelta(seconds=30), retry_max_s=60)
    assert (await service.get_job(fulfillment.db, job_id)).status is JobStatus.SENDING  # still leased
    await service.send_due(fulfillment.db, spool, now + timedelta(seconds=61), retry_max_s=60, limit=100)
    job = await service.get_job(fulfillment.db, job_id)
    assert job.status is JobStatus.PRINTED and job.attempts == 2
