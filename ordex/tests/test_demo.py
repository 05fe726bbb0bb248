"""`make demo` is how a newcomer meets Ordex: `ordex migrate` then `ordex demo` on a fresh data directory print
the workbench, one login per role and a customer's self-service link, all on the port the server will use."""

import os
import re
import subprocess
import sys


def ordex(*arguments: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-m", "ordex.cli", *arguments], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_demo_prints_where_to_log_in_and_links_on_the_port_it_was_given(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "ORDEX_PUBLIC_URL", "ORDEX_PORT", "DJANGO_SETTINGS_MODULE"}}
    env["ORDEX_DATA_DIR"] = str(tmp_path)
    ordex("migrate", "--quiet", env=env)
    printed = ordex("demo", "--orders", "60", "--port", "8123", env=env)
    assert "http://127.0.0.1:8123/login/" in printed
    for role in ("admin", "supervisor", "agent", "warehouse", "logistics", "finance"):
        assert re.search(rf"^\s+\w+\s+{role}$", printed, re.MULTILINE), role
    link = re.search(r"self-service link.*?: (\S+)", printed)
    assert link and link.group(1).startswith("http://127.0.0.1:8123/c/"), printed[-800:]
