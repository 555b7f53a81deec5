"""Deployment files: the image builds where Docker runs; the files agree with the settings."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot.config import SETTINGS
from tests.conftest import ROOT


def _docker_runs() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30)
    return probe.returncode == 0


def test_the_dockerfile_runs_unprivileged_with_data_in_a_volume_and_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER bot" in dockerfile and 'VOLUME ["/data"]' in dockerfile
    assert 'CMD ["python", "-m", "bot", "health"]' in dockerfile
    assert "BOT_DB_PATH=/data/index.sqlite" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "data" in ignored  # no secret and no local index in the image


def test_every_setting_is_in_the_readmes_deploy_table():
    readme = (ROOT / "README.md").read_text()
    deploy = readme[readme.index("## Deploy"):]
    for setting in SETTINGS:
        assert f"`{setting.name}`" in deploy, setting.name


@pytest.mark.skipif(not _docker_runs(), reason="no Docker daemon on this machine")
def test_the_image_builds_and_its_health_check_passes():
    tag = "minusma-bot:test"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    built = subprocess.run(["docker", "run", "--rm", tag, "sh", "-c",
                            "python -m bot build && python -m bot health"],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "healthy" in built.stdout
