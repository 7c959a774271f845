"""The Helm chart, rendered by Helm itself (helm-python-sdk binds Helm's Go SDK) and each
manifest validated against the Kubernetes schemas (kubernetes-validate)."""

from pathlib import Path

import helm_python
import kubernetes_validate
import pytest
import yaml

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "postmortems"
KUBERNETES = "1.31.0"


def render(values: dict | None = None) -> dict[tuple[str, str], dict]:
    """Return the rendered objects by (kind, name)."""
    with helm_python.Chart.load(CHART) as chart:
        files = chart.render(values or {}, name="pm", namespace="ops", is_install=True)
    objects = {}
    for text in files.values():
        for document in yaml.safe_load_all(text):
            if document:
                objects[(document["kind"], document["metadata"]["name"])] = document
    return objects


def container(objects, kind: str, name: str) -> dict:
    return objects[(kind, name)]["spec"]["template"]["spec"]["containers"][0]


def env_of(spec: dict) -> dict[str, str]:
    return {item["name"]: item["value"] for item in spec["env"]}


def test_helm_lints_the_chart_without_errors():
    result = helm_python.lint(CHART, strict=True)
    assert result["errors"] == []


@pytest.mark.parametrize("values", [{}, {"s3": {"bucket": ""}, "web": {"replicas": 4}}])
def test_every_rendered_manifest_is_valid_for_kubernetes(values):
    objects = render(values)
    assert objects
    for (kind, name), manifest in objects.items():
        try:
            kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{kind} {name}: {error}")


def test_web_and_workers_scale_and_beat_stays_single():
    objects = render({"web": {"replicas": 3}, "worker": {"replicas": 4}})
    assert objects[("Deployment", "pm-postmortems-web")]["spec"]["replicas"] == 3
    assert objects[("Deployment", "pm-postmortems-worker")]["spec"]["replicas"] == 4
    beat = objects[("Deployment", "pm-postmortems-beat")]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"]["type"] == "Recreate"
    beat_container = container(objects, "Deployment", "pm-postmortems-beat")
    assert beat_container["command"][:4] == ["celery", "-A", "config", "beat"]
    assert env_of(beat_container)["BEAT_LOCK_WAIT"] == "true"  # a second one waits
    assert {("PodDisruptionBudget", "pm-postmortems-web"),
            ("PodDisruptionBudget", "pm-postmortems-worker")} <= objects.keys()  # fmt: skip


def test_web_is_probed_on_health_and_every_process_reads_the_existing_secret():
    objects = render({"existingSecret": "payments-postmortems"})
    web = container(objects, "Deployment", "pm-postmortems-web")
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/"
    assert "livenessProbe" in web
    assert env_of(web)["WEB_CONCURRENCY"] == "3" and env_of(web)["PORT"] == "8000"
    for kind, name in [("Deployment", "pm-postmortems-web"),
                       ("Deployment", "pm-postmortems-worker"),
                       ("Deployment", "pm-postmortems-beat"),
                       ("Job", "pm-postmortems-migrate-1")]:  # fmt: skip
        spec = container(objects, kind, name)
        assert spec["envFrom"] == [{"secretRef": {"name": "payments-postmortems"}}]
        assert spec["resources"]["requests"] and spec["resources"]["limits"]
        assert "SECRET_KEY" not in env_of(spec)  # secrets only from the Secret


def test_migrations_run_as_a_hook_before_install_and_upgrade():
    job = render()[("Job", "pm-postmortems-migrate-1")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python", "manage.py", "migrate", "--no-input",
    ]  # fmt: skip


def test_external_s3_is_configured_from_values_and_left_out_when_no_bucket():
    with_bucket = render({"s3": {"bucket": "pm-media", "endpointUrl": "https://minio.internal"}})
    env = env_of(container(with_bucket, "Deployment", "pm-postmortems-web"))
    assert env["AWS_STORAGE_BUCKET_NAME"] == "pm-media"
    assert env["AWS_S3_ENDPOINT_URL"] == "https://minio.internal"
    without = render({"s3": {"bucket": ""}})
    assert "AWS_STORAGE_BUCKET_NAME" not in env_of(
        container(without, "Deployment", "pm-postmortems-web")
    )
