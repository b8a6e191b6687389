"""The import section of knowledge/README.md: its commands parse and name files that exist."""

from __future__ import annotations

import re
import shlex

from bot.cli import build_parser
from bot.config import PROJECT_ROOT

README = PROJECT_ROOT / "knowledge" / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## 导入官方事项清单")
    return text[start:]


def test_the_section_is_the_last_one():
    assert "\n## " not in _section()[3:]


def test_every_import_command_of_the_section_parses_and_its_file_exists():
    commands = re.findall(r"^\.venv/bin/python -m bot (knowledge .+)$", _section(), re.MULTILINE)
    imports = [c for c in commands if c.startswith("knowledge import")]
    assert len(imports) >= 2 and any("--dry-run" in c for c in imports)
    for command in commands:
        args = build_parser().parse_args(shlex.split(command))
        if args.action == "import":
            assert (PROJECT_ROOT / args.file).exists(), command
            assert args.dir is not None, "practice commands must name a copy, never the real knowledge"
