"""The Spanish catalogue in the repo is complete and compiled (issue 15).

The app reads `locale/es/LC_MESSAGES/django.mo` at run time and never compiles it, so the
committed .mo must be exactly what the committed .po compiles to, and the .po must leave no
client-facing string untranslated or fuzzy (Django would show the English text in the middle
of a Spanish page). Both checks use GNU gettext's `msgfmt`, as `compilemessages` does.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def msgfmt() -> str:
    path = shutil.which("msgfmt")
    assert path, "msgfmt (GNU gettext, Debian package `gettext`) is needed; .ci/run installs it"
    return path


def test_every_spanish_entry_is_translated_and_none_is_fuzzy(msgfmt):
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )
    stats = result.stderr.strip()
    assert re.match(r"^\d+ translated messages\.$", stats), (
        f"locale/es has untranslated or fuzzy entries ({stats}); translate them, then "
        "`make messages`"
    )
    assert int(stats.split()[0]) > 300  # the client pages, intake and e-mails


def test_the_committed_mo_is_the_compiled_po(msgfmt, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(compiled), str(PO)], check=True)
    assert MO.read_bytes() == compiled.read_bytes(), (
        "locale/es/LC_MESSAGES/django.mo is stale: run `make messages` (compilemessages) "
        "and commit the .mo"
    )


def test_the_po_has_every_string_the_code_marks(tmp_path, settings, monkeypatch):
    """A string wrapped in a template or in Python but never collected (someone forgot
    `makemessages`) would stay English on Spanish pages: collect again, in a copy of the
    source tree (makemessages writes beside the sources), and compare the message ids."""
    from django.core.management import call_command

    base = Path(settings.BASE_DIR)
    tree = tmp_path / "tree"
    shutil.copytree(
        base,
        tree,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".*", "var", "staticfiles", "test-artifacts", "node_modules", "__pycache__"
        ),
    )
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=["es"],
        no_obsolete=True,
        no_wrap=True,
        ignore_patterns=["tests", "bench", "loadtest", "staticfiles", "var", "static"],
        verbosity=0,
    )

    def ids(path: Path) -> set[str]:
        text = path.read_text(encoding="utf-8")
        return set(re.findall(r'^msgid "(.+)"$', text, flags=re.MULTILINE))

    missing = ids(tree / "locale" / "es" / "LC_MESSAGES" / "django.po") - ids(PO)
    assert not missing, f"strings not in locale/es (run `make messages`): {sorted(missing)[:5]}"
