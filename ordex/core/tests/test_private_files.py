"""A fresh data dir is the owner's alone: the dir 0700, the SQLite databases and the secret key 0600."""

import os
import stat
import subprocess
import sys


def test_a_fresh_data_dir_and_its_database_files_are_private(tmp_path):
    data_dir = tmp_path / "fresh" / "data"
    env = {**os.environ, "ORDEX_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "ordex.settings"}
    env.pop("DATABASE_URL", None)
    code = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path)

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(data_dir) == 0o700
    for name in ("ordex.sqlite3", "huey.sqlite3", "secret_key"):
        assert mode(data_dir / name) == 0o600, name
