"""The cluster side of the deployment files: 3 KRaft brokers with replication factor 3 and
min.insync.replicas 2 everywhere, topics created up front (never auto-created) with the
partitions every replica count divides, every OrderHub topic in the topics script, and the
Kubernetes services with probes, resources, replica counts and non-root pods."""

from __future__ import annotations

import re
from typing import Any

from orderhub_contracts.topics import all_topic_names

TOPIC_SETTINGS = {
    "ORDERHUB_TOPIC_PARTITIONS": "12",
    "ORDERHUB_TOPIC_REPLICATION_FACTOR": "3",
    "ORDERHUB_TOPIC_MIN_INSYNC_REPLICAS": "2",
}


def test_three_kraft_brokers(deploy_files: Any) -> None:
    services = deploy_files.compose["services"]
    brokers = {name: s for name, s in services.items() if name.startswith("kafka-")}
    assert sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"]
    cluster_ids = set()
    for index, (name, broker) in enumerate(sorted(brokers.items()), start=1):
        env = broker["environment"]
        assert broker["image"].startswith("apache/kafka:")
        assert env["KAFKA_NODE_ID"] == str(index)
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert any(v.endswith(":/var/lib/kafka/data") for v in broker["volumes"]), "a broker keeps its data"
        assert "healthcheck" in broker
        cluster_ids.add(env["CLUSTER_ID"])
    assert len(cluster_ids) == 1


def test_topics_script_names_every_topic(deploy_files: Any) -> None:
    script = (deploy_files.root / "deploy" / "kafka" / "create-topics.sh").read_text()
    (listed,) = re.findall(r'^TOPICS="([^"]*)"', script, flags=re.MULTILINE)
    assert listed.split() == list(all_topic_names())
    assert "--replication-factor" in script and "min.insync.replicas=" in script and "--if-not-exists" in script


def test_topics_use_the_services_settings(deploy_files: Any) -> None:
    compose = deploy_files.compose
    topics_env = compose["services"]["topics"]["environment"]
    common = deploy_files.config_map("orderhub-common")
    for name, value in TOPIC_SETTINGS.items():
        assert topics_env[name] == common[name] == value
        for service in deploy_files.services:
            assert compose["services"][service]["environment"][name] == value, f"{service}: {name}"
    assert compose["services"]["topics"]["command"] == ["sh", "/scripts/create-topics.sh"]
    assert "./kafka/create-topics.sh:/scripts/create-topics.sh:ro" in compose["services"]["topics"]["volumes"]


def test_partitions_split_evenly_over_every_replica_count(deploy_files: Any) -> None:
    partitions = int(TOPIC_SETTINGS["ORDERHUB_TOPIC_PARTITIONS"])
    for deployment in deploy_files.k8s_kind("Deployment"):
        replicas = deployment["spec"]["replicas"]
        assert 1 <= replicas <= partitions and partitions % replicas == 0, deployment["metadata"]["name"]


def test_scripts_in_config_maps_are_the_files(deploy_files: Any) -> None:
    root = deploy_files.root / "deploy"
    assert deploy_files.config_map("orderhub-topics") == {
        "create-topics.sh": (root / "kafka" / "create-topics.sh").read_text()
    }
    assert deploy_files.config_map("orderhub-db-bootstrap") == {
        "bootstrap.sh": (root / "postgres" / "bootstrap.sh").read_text()
    }
    compose = deploy_files.compose["services"]
    assert "./postgres/bootstrap.sh:/scripts/bootstrap.sh:ro" in compose["db-bootstrap"]["volumes"]


def test_bootstrap_script_covers_every_service_with_a_database(deploy_files: Any) -> None:
    script = (deploy_files.root / "deploy" / "postgres" / "bootstrap.sh").read_text()
    (listed,) = re.findall(r'^SERVICES="([^"]*)"', script, flags=re.MULTILINE)
    assert listed.split() == deploy_files.db_services
    db_bootstrap = deploy_files.compose["services"]["db-bootstrap"]["environment"]
    (job,) = [j for j in deploy_files.k8s_kind("Job") if j["metadata"]["name"] == "orderhub-db-bootstrap"]
    job_env = {e["name"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    for service in deploy_files.db_services:
        assert f"{service.upper()}_DB_PASSWORD" in db_bootstrap
        assert f"{service.upper()}_DB_PASSWORD" in job_env


def test_kubernetes_services(deploy_files: Any) -> None:
    deployments = {d["metadata"]["name"]: d for d in deploy_files.k8s_kind("Deployment")}
    assert set(deployments) == set(deploy_files.services)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
        (container,) = pod["containers"]
        assert container["command"] == ["python", "-m", name, "serve"]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        requests = container["resources"]["requests"]
        assert requests["cpu"] and requests["memory"] and container["resources"]["limits"]["memory"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels(deployment).items()
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
    for service in deploy_files.k8s_kind("Service"):
        assert service["spec"]["selector"].items() <= pod_labels(deployments[service["metadata"]["name"]]).items()
    jobs = {j["metadata"]["name"] for j in deploy_files.k8s_kind("Job")}
    assert jobs == {"orderhub-db-bootstrap", "orderhub-topics"} | {f"{s}-migrate" for s in deploy_files.db_services}


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def test_every_object_is_namespaced_in_orderhub(deploy_files: Any) -> None:
    for _, document in deploy_files.k8s:
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "orderhub", document["metadata"]["name"]
