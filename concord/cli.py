"""`concord`: Django's management commands with Concord's settings preset.

Messages are in the language of the environment: Russian when `CONCORD_LANGUAGE`, or else
`LC_ALL`, `LC_MESSAGES` or `LANG`, names a Russian locale; English otherwise (a script's "C" or
"POSIX" locale included), so that scripts get stable English text unless asked otherwise.
"""

from __future__ import annotations

import os
import sys

SUPPORTED = ("ru", "en")


def cli_language(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    for name in ("CONCORD_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip().lower()
        if value:
            code = value.split("_")[0].split(".")[0].split("-")[0]
            return code if code in SUPPORTED else "en"
    return "en"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    translation.activate(cli_language())
    execute_from_command_line(["concord", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
