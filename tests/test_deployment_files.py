"""The three documented ways of running the clinic (scripts/serve.sh, deploy/Procfile,
deploy/systemd) run the same processes, and each restarts what dies (docs/deployment.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = "manage.py db_worker --queue-name default --sweep-every"
MAIL = "manage.py db_worker --queue-name mail --no-reload"


def _flat(text: str) -> str:
    return re.sub(r"\s*\\\n\s*", " ", text)


def test_every_way_runs_the_web_server_the_worker_with_the_scheduler_and_the_mail_worker():
    serve = _flat((ROOT / "scripts" / "serve.sh").read_text())
    procfile = (ROOT / "deploy" / "Procfile").read_text()
    units = {path.name: _flat(path.read_text()) for path in (ROOT / "deploy" / "systemd").glob("*")}
    for text in (serve, procfile, "\n".join(units.values())):
        assert "gunicorn ashiatsu_clinic.wsgi" in text
        assert WORKER in text
        assert MAIL in text
    processes = set(re.findall(r"^(\w+):", procfile, flags=re.MULTILINE))
    assert processes == {"release", "web", "worker", "mail"}


def test_systemd_restarts_every_long_running_process_and_the_target_wants_them_all():
    folder = ROOT / "deploy" / "systemd"
    services = sorted(p.name for p in folder.glob("*.service"))
    wanted = (folder / "ashiatsu.target").read_text()
    for name in services:
        timer = name.replace(".service", ".timer")
        assert name in wanted or ((folder / timer).exists() and timer in wanted), name
        text = (folder / name).read_text()
        if "Type=oneshot" not in text:
            assert "Restart=always" in text, name
    assert {"ashiatsu-web.service", "ashiatsu-worker.service", "ashiatsu-mail.service"} <= set(
        services
    )


def test_the_nightly_backup_runs_the_backup_command_from_its_timer():
    folder = ROOT / "deploy" / "systemd"
    assert "manage.py backup" in (folder / "ashiatsu-backup.service").read_text()
    timer = (folder / "ashiatsu-backup.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer
