"""deploy/docker-compose.yml and deploy/k8s/ checked without Docker or a cluster: parsed with PyYAML and compared
with the code, the endpoints file, scripts/env.sh and scripts/up.sh, so they cannot drift apart unnoticed."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from rasa.core.lock_store import LockStore
from rasa.shared.utils.common import class_from_module_path

from tests.e2e.stack import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PRODUCTION_ENDPOINTS = ROOT / "config" / "endpoints.production.yml"
IMAGE = "onevisit"
ROLES = {"rasa", "actions", "backend", "edge"}
HEALTH = {"rasa": "/", "actions": "/health", "backend": "/v1/health", "edge": "/"}
PORTS = {"rasa": 5005, "actions": 5055, "backend": 8090, "edge": 8080}
# only used to build a URL from a secret inside the manifest, never read by the code
URL_PARTS = {"POSTGRES_PASSWORD"}
SECRET_WORDS = ("PASSWORD", "TOKEN", "SALT", "_KEY")


# --- what the project knows ---------------------------------------------------------------------------

@cache
def env_sh_names() -> frozenset[str]:
    return frozenset(re.findall(r"^export ([A-Z][A-Z0-9_]+)=", (ROOT / "scripts" / "env.sh").read_text(), re.M))


@cache
def code_names() -> frozenset[str]:
    """Upper-case names quoted in the project's Python code (environment variables it reads, among others)."""
    names: set[str] = set()
    for package in ("bot", "actions", "backend"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r"[\"']([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})[\"']", path.read_text("utf-8")))
    return frozenset(names)


def endpoint_names() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", PRODUCTION_ENDPOINTS.read_text()))


def known_names() -> set[str]:
    return set(env_sh_names()) | set(code_names()) | endpoint_names()


# --- the descriptions -----------------------------------------------------------------------------------

@cache
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


@cache
def k8s_documents() -> tuple[dict, ...]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return tuple(documents)


def k8s(kind: str, name: str | None = None) -> list[dict]:
    return [doc for doc in k8s_documents() if doc["kind"] == kind and name in (None, doc["metadata"]["name"])]


def pod_spec(workload: dict) -> dict:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def project_containers() -> list[tuple[str, dict]]:
    """(workload name, container) of every container running the project's image."""
    found = []
    for doc in k8s_documents():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob"):
            found += [(doc["metadata"]["name"], c) for c in pod_spec(doc)["containers"] if c["image"] == IMAGE]
    return found


def container(role: str) -> dict:
    (deployment,) = k8s("Deployment", role)
    (result,) = pod_spec(deployment)["containers"]
    return result


def config_map() -> dict[str, str]:
    (found,) = k8s("ConfigMap", "onevisit-config")
    return found["data"]


def container_env(spec: dict) -> dict[str, object]:
    """Every variable a container gets: its envFrom ConfigMap keys and its env entries."""
    names: dict[str, object] = {}
    for source in spec.get("envFrom", []):
        assert source["configMapRef"]["name"] == "onevisit-config"
        names.update(config_map())
    for entry in spec.get("env", []):
        names[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return names


def app_services() -> dict[str, dict]:
    return {name: service for name, service in compose()["services"].items() if "onevisit" in service["image"]}


# --- docker-compose -----------------------------------------------------------------------------------

def test_compose_has_every_process_of_the_topology() -> None:
    assert set(compose()["services"]) >= {"postgres", "redis", "knowledge", "backend", "actions", "rasa", "haproxy",
                                          "edge"}
    for role in ("rasa", "actions"):
        assert compose()["services"][role]["deploy"]["replicas"] >= 2


def test_compose_exposes_only_the_edge() -> None:
    services = compose()["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["edge"]
    assert compose()["networks"]["internal"]["internal"] is True
    on_public = [name for name, service in services.items() if "public" in service.get("networks", [])]
    assert on_public == ["edge"]
    assert all(service.get("networks") for service in services.values())  # nothing on the default network


def test_compose_rasa_uses_the_production_endpoints_and_gets_all_their_variables() -> None:
    rasa = compose()["services"]["rasa"]
    assert rasa["command"][:4] == ["python", "-m", "bot.rasa_runtime", "run"]
    assert rasa["command"][rasa["command"].index("--endpoints") + 1] == "config/endpoints.production.yml"
    assert "--enable-api" not in rasa["command"]
    assert endpoint_names() <= set(rasa["environment"])
    assert rasa["environment"]["ACTION_ENDPOINT_URL"] == "http://haproxy:5055/webhook"
    assert compose()["services"]["edge"]["environment"]["RASA_URL"] == "http://haproxy:5005"


def test_compose_app_containers_get_only_variables_the_project_reads() -> None:
    known = known_names()
    for name, service in app_services().items():
        unknown = set(service.get("environment", {})) - known
        assert not unknown, f"{name}: {sorted(unknown)} are read by nothing in the project"


def test_compose_secrets_are_references_to_documented_variables() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M))
    lines = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    referenced = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text))
    assert referenced <= documented, sorted(referenced - documented)
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in SECRET_WORDS):
                assert "${" in str(value), f"{name}.{key} holds a literal secret"


def test_compose_commands_match_kubernetes() -> None:
    services = compose()["services"]
    for role in ROLES:
        assert services[role]["command"] == container(role)["command"], role
    (job,) = k8s("Job", "knowledge-load")
    assert services["knowledge"]["command"] == pod_spec(job)["containers"][0]["command"]


def test_compose_health_checks_use_the_services_own_health_urls() -> None:
    for role, path in HEALTH.items():
        check = " ".join(compose()["services"][role]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{PORTS[role]}{path}'" in check, role


def test_compose_haproxy_balances_with_the_same_checks_as_make_up() -> None:
    compose_cfg = (DEPLOY / "haproxy.cfg").read_text()
    template = (ROOT / "config" / "haproxy.cfg.template").read_text()
    for config in (compose_cfg, template):
        backends = dict(re.findall(r"^backend (\w+)\n((?:    .*\n)+)", config, re.M))
        assert "balance leastconn" in backends["rasa"] and "option httpchk GET /\n" in backends["rasa"]
        assert "balance roundrobin" in backends["actions"] and "option httpchk GET /health\n" in backends["actions"]
    timeouts = re.compile(r"^    (timeout \S+ \S+|retries \d+)$", re.M)
    assert timeouts.findall(compose_cfg) == timeouts.findall(template)
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in compose()["services"]["haproxy"]["volumes"]


@pytest.mark.skipif(not shutil.which("haproxy"), reason="haproxy is not installed (`make services`)")
def test_compose_haproxy_config_is_valid() -> None:
    checked = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True,
                             timeout=30)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_postgres_creates_the_databases_the_urls_name() -> None:
    init = (DEPLOY / "postgres-init.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+)", init)) | {compose()["services"]["postgres"]["environment"]
                                                                   ["POSTGRES_DB"]}
    named = set(re.findall(r"@postgres:5432/(\w+)", (DEPLOY / "docker-compose.yml").read_text()))
    assert named == created == {"onevisit", "tracker", "backend"}


# --- Kubernetes ---------------------------------------------------------------------------------------

def test_k8s_has_every_workload_with_replicas_for_the_stateless_ones() -> None:
    deployments = {doc["metadata"]["name"]: doc for doc in k8s("Deployment")}
    assert set(deployments) >= ROLES | {"redis"}
    assert k8s("StatefulSet", "postgres")
    for role in ("rasa", "actions"):
        assert deployments[role]["spec"]["replicas"] >= 2
        (budget,) = k8s("PodDisruptionBudget", role)
        assert budget["spec"]["minAvailable"] >= 1
    services = {doc["metadata"]["name"]: doc for doc in k8s("Service")}
    assert set(services) >= ROLES | {"redis", "postgres"}


def test_k8s_exposes_only_the_edge() -> None:
    for service in k8s("Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]["name"]
    ingresses = k8s("Ingress")
    assert len(ingresses) == 1
    backends = {path["backend"]["service"]["name"] for rule in ingresses[0]["spec"]["rules"]
                for path in rule["http"]["paths"]}
    assert backends == {"edge"}
    for _, spec in project_containers():
        assert all("hostPort" not in port for port in spec.get("ports", []))


def test_k8s_network_policies_close_everything_but_the_call_chain() -> None:
    policies = {doc["metadata"]["name"]: doc["spec"] for doc in k8s("NetworkPolicy")}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}

    def callers(target: str) -> set[str]:
        found: set[str] = set()
        for spec in policies.values():
            if spec["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") != target:
                continue
            for rule in spec["ingress"]:
                for source in rule["from"]:
                    selector = source.get("podSelector", {})
                    found.update(selector.get("matchLabels", {}).values())
                    for expression in selector.get("matchExpressions", []):
                        found.update(expression["values"])
                    if "namespaceSelector" in source:
                        found.add("ingress controller")
        return found

    assert callers("edge") == {"ingress controller"}
    assert callers("rasa") == {"edge"}
    assert callers("actions") == {"rasa"}
    assert callers("backend") == {"actions"}
    assert callers("redis") == {"rasa", "edge"}


def test_k8s_lock_store_is_the_atomic_one() -> None:
    endpoints = yaml.safe_load(PRODUCTION_ENDPOINTS.read_text())
    assert endpoints["lock_store"]["type"] == "bot.lockstore.AtomicRedisLockStore"
    assert issubclass(class_from_module_path(endpoints["lock_store"]["type"]), LockStore)
    assert endpoints["tracker_store"]["type"] == "SQL"
    rasa = container("rasa")
    assert rasa["command"][rasa["command"].index("--endpoints") + 1] == "config/endpoints.production.yml"
    assert "--enable-api" not in rasa["command"]
    env = container_env(rasa)
    assert endpoint_names() <= set(env)
    assert str(env["TRACKER_STORE_URL"]).startswith("postgresql://")


def test_k8s_containers_get_only_variables_the_project_reads() -> None:
    known = known_names() | URL_PARTS
    for workload, spec in project_containers():
        unknown = set(container_env(spec)) - known
        assert not unknown, f"{workload}: {sorted(unknown)} are read by nothing in the project"
        env = container_env(spec)
        for name in re.findall(r"\$\(([A-Z_]+)\)", str(env)):
            assert name in env, f"{workload}: $({name}) is used before it is defined"


def test_k8s_secrets_come_from_the_documented_secret_by_reference() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"--from-literal=([a-z-]+)=", readme))
    for workload in k8s_documents():
        if workload["kind"] not in ("Deployment", "StatefulSet", "Job", "CronJob"):
            continue
        for spec in pod_spec(workload)["containers"]:
            for entry in spec.get("env", []):
                reference = entry.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    assert reference["name"] == "onevisit-secrets"
                    assert reference["key"] in documented, reference["key"]
                elif any(word in entry["name"] for word in SECRET_WORDS):
                    pytest.fail(f"{workload['metadata']['name']}: {entry['name']} is a literal value")
    assert not k8s("Secret"), "secrets are created outside the repository"
    for key, value in config_map().items():
        assert not any(word in key for word in SECRET_WORDS), key
        assert "@" not in value, key


def test_k8s_every_project_container_has_probes_resources_and_a_locked_down_context() -> None:
    for workload, spec in project_containers():
        if workload in ROLES:
            assert spec["readinessProbe"] and spec["livenessProbe"], workload
            path = spec["readinessProbe"]["httpGet"]["path"]
            assert path == spec["livenessProbe"]["httpGet"]["path"] == HEALTH[workload], workload
        requests = spec["resources"]["requests"]
        assert requests.get("cpu") and requests.get("memory") and spec["resources"]["limits"].get("memory"), workload
        context = spec["securityContext"]
        assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"], workload
    for role in ("rasa", "actions"):
        assert container(role)["startupProbe"]["httpGet"]["path"] == HEALTH[role]


def test_k8s_service_ports_and_urls_agree() -> None:
    services = {doc["metadata"]["name"]: doc["spec"] for doc in k8s("Service")}
    for role, port in PORTS.items():
        (service_port,) = services[role]["ports"]
        assert service_port["port"] == port
        assert any(p["containerPort"] == port for p in container(role)["ports"])
    config = config_map()
    assert config["RASA_URL"] == f"http://rasa:{PORTS['rasa']}"
    assert config["ACTION_ENDPOINT_URL"] == f"http://actions:{PORTS['actions']}/webhook"
    assert config["CASE_API_URL"] == f"http://backend:{PORTS['backend']}"
    assert int(config["REDIS_PORT"]) == services["redis"]["ports"][0]["port"]


def test_k8s_postgres_init_is_the_same_as_compose() -> None:
    (init,) = k8s("ConfigMap", "postgres-init")
    assert init["data"]["10-onevisit.sql"].strip() == (DEPLOY / "postgres-init.sql").read_text().strip()


def test_kustomization_lists_every_manifest_and_sets_the_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert [image["name"] for image in kustomization["images"]] == [IMAGE]
    assert {spec["image"] for _, spec in project_containers()} == {IMAGE}


# --- consistency with the code, scripts/up.sh and the image -------------------------------------------------

def test_every_command_runs_something_that_exists() -> None:
    modules = {"actions.server": "actions/server.py", "backend": "backend/__main__.py",
               "bot.edge": "bot/edge/__main__.py", "bot": "bot/__main__.py",
               "bot.rasa_runtime": "bot/rasa_runtime/__main__.py"}
    for workload, spec in project_containers():
        command = spec["command"]
        assert command[:2] == ["python", "-m"] and (ROOT / modules[command[2]]).exists(), workload
        if command[:4] == ["python", "-m", "bot.rasa_runtime", "run"]:
            for flag in ("--credentials", "--endpoints", "--logging-config-file"):
                assert (ROOT / command[command.index(flag) + 1]).exists(), (workload, flag)


def test_make_up_starts_the_same_commands() -> None:
    script = (ROOT / "scripts" / "up.sh").read_text()
    for module in ("backend serve", "actions.server", "bot.edge", "bot knowledge load", "bot privacy purge"):
        assert f"-m {module}" in script, module
    rasa = container("rasa")["command"]
    for flag in ("--credentials", "--endpoints", "--logging-config-file"):
        assert f"{flag} {rasa[rasa.index(flag) + 1]}" in script, flag
    assert "--enable-api" not in script
    # every process but the edge binds loopback
    assert re.search(r"-m bot\.rasa_runtime run -i 127\.0\.0\.1", script)
    assert "ACTION_HOST=127.0.0.1" in script and "BACKEND_HOST=127.0.0.1" in script
    assert "bind 127.0.0.1" in script  # redis


def test_the_image_contains_what_the_commands_need() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = " ".join(shlex.split(" ".join(re.findall(r"^COPY (.+)$", dockerfile, re.M))))
    for needed in ("actions/", "backend/", "bot/", "config/", "knowledge/", "web/", "data/", "credentials.yml",
                   "domain.yml", "models/onevisit.tar.gz", "requirements.txt"):
        assert needed in copied, needed
    exposed = {int(port) for port in re.findall(r"^EXPOSE (.+)$", dockerfile, re.M)[0].split()}
    assert exposed == set(PORTS.values())
    assert re.search(r"^USER 10001$", dockerfile, re.M)


def test_endpoint_variables_are_given_by_make_up() -> None:
    script = (ROOT / "scripts" / "up.sh").read_text()
    given = set(re.findall(r"export ([A-Z][A-Z0-9_]+)=", script)) | set(env_sh_names())
    assert endpoint_names() <= given, sorted(endpoint_names() - given)
    assert Path(ROOT / "endpoints.yml").read_text().count("in_memory") == 1  # make run keeps its embedded default
