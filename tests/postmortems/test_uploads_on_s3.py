"""Images from the editor on an S3 API (moto's server on loopback), as several web nodes use it.

The bucket is private: the images are read back through the login-protected view, never by a
link to the bucket.
"""

import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.integration.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """Point default storage at a fresh private bucket; MEDIA_ROOT is an empty folder."""
    name = f"pm-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=name)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "location": "uploads",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    client.name = name
    return client


def _upload(client: Client) -> str:
    upload = SimpleUploadedFile("shot.png", _png(), content_type="image/png")
    response = client.post("/markdownx/upload/", {"image": upload})
    assert response.status_code == 200
    return response.json()["image_code"].removeprefix("![](").removesuffix(")")


def test_an_upload_lands_in_the_bucket_and_not_on_the_local_disk(
    logged_in_client, bucket, tmp_path
):
    url = _upload(logged_in_client)

    assert url.startswith("/media/markdownx/") and url.endswith(".png")
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=bucket.name)["Contents"]]
    assert keys == [f"uploads/{url.removeprefix('/media/')}"]
    assert bucket.get_object(Bucket=bucket.name, Key=keys[0])["Body"].read() == _png()
    assert not any(tmp_path.rglob("*"))


def test_a_signed_in_user_sees_the_image_from_the_bucket_and_a_stranger_does_not(
    logged_in_client, user_factory, bucket, s3_endpoint
):
    url = _upload(logged_in_client)

    other = Client()  # another session, as on another web node
    other.force_login(user_factory())
    response = other.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == _png()

    assert Client().get(url).status_code == 302  # anonymous: off to the login page
    # The object itself grants nothing to everyone: the bucket stays private.
    key = f"uploads/{url.removeprefix('/media/')}"
    grants = bucket.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]
    assert "://" not in url  # the page links to us, never to the bucket


def test_a_missing_or_escaping_path_is_not_found_in_the_bucket(logged_in_client, bucket):
    _upload(logged_in_client)
    assert logged_in_client.get("/media/markdownx/nothing-here.png").status_code == 404
    for url in ("/media/../uploads/x.png", "/media/%2e%2e/%2e%2e/secret.png"):
        assert logged_in_client.get(url).status_code in (400, 404)


def test_a_bucket_name_in_the_environment_switches_uploads_to_s3():
    script = (
        "from django.conf import settings; o = settings.STORAGES['default'];"
        "print(o['BACKEND'], o['OPTIONS']['bucket_name'], o['OPTIONS']['endpoint_url'],"
        " o['OPTIONS']['addressing_style'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "AWS_STORAGE_BUCKET_NAME": "incident-images",
        "AWS_S3_ENDPOINT_URL": "http://minio:9000",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage", "incident-images", "http://minio:9000", "path"
    ]  # fmt: skip


def test_without_a_bucket_uploads_stay_on_the_local_disk():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         " print(settings.STORAGES['default']['BACKEND'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_anonymous_reads_of_the_bucket_are_refused_by_the_s3_server(bucket, s3_endpoint):
    bucket.put_object(Bucket=bucket.name, Key="uploads/markdownx/a.png", Body=_png())
    response = requests.get(f"{s3_endpoint}/{bucket.name}/uploads/markdownx/a.png", timeout=10)
    assert response.status_code == 403
