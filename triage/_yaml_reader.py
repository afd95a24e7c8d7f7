"""Reading YAML files: plain YAML 1.2 data only, with every refusal named with its file and line.

PyYAML is imported on the first read, not with the package: a command that finds its pack in the
cache (see _pack_cache) never reads YAML, and importing PyYAML is a few milliseconds of its start.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from triage._bounded_read import read_bounded
from triage._errors import PackError, describe_key

MAX_STRING_CHARS = 10_000  # the longest text in the Moray pack is 337 characters


@cache
def _loader() -> Any:
    """The YAML loader class (built on first use, once)."""
    import yaml

    class Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
        """Plain YAML 1.2 data only: text, whole and decimal numbers, true/false, null, lists and
        mappings. yes/no/on/off stay words, 1:0 and 1_0 stay text (YAML 1.1 made them numbers),
        and anything that could blow up or mislead is refused where it is read, with its line: an
        alias of any kind (alias bombs), a key given twice (YAML would keep the last one
        silently), a text longer than MAX_STRING_CHARS, and the tags that build other kinds
        (!!binary, !!timestamp, !!set, ...; tags that would run code are unknown to a safe
        loader)."""

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            if node in self.constructed_objects:  # a node built before is an alias's second use
                raise yaml.constructor.ConstructorError(
                    None, None, "YAML aliases (*name) are not allowed", node.start_mark
                )
            return super().construct_object(node, deep)

        def construct_scalar(self, node: yaml.ScalarNode) -> Any:
            if len(node.value) > MAX_STRING_CHARS:
                raise yaml.constructor.ConstructorError(
                    None, None, f"a text longer than {MAX_STRING_CHARS:,} characters", node.start_mark
                )
            return super().construct_scalar(node)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[tuple[str, str]] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if (key.tag, key.value) in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"key {describe_key(key.value)} is given twice", key.start_mark
                        )
                    seen.add((key.tag, key.value))
            return super().construct_mapping(node, deep)  # type: ignore[no-any-return]

        def refuse_tag(self, node: yaml.Node) -> NoReturn:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")[:64]
            raise yaml.constructor.ConstructorError(
                None, None, f"the YAML tag {tag} is not allowed", node.start_mark
            )

        def construct_decimal(self, node: yaml.ScalarNode) -> int:
            return int(self.construct_scalar(node), 10)

        def construct_real(self, node: yaml.ScalarNode) -> float:
            return float(self.construct_scalar(node))

    Loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in (
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("int", r"^[-+]?[0-9]+$", list("-+0123456789")),
        ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", list("-+.0123456789")),
    ):
        Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", re.compile(pattern), first)
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_decimal)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_real)
    for tag in ("binary", "timestamp", "set", "omap", "pairs", "merge", "value"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", Loader.refuse_tag)
    Loader.add_multi_constructor(None, lambda loader, _suffix, node: loader.refuse_tag(node))
    return Loader


def read_yaml(path: Path, *, limit: int, raw: bytes | None = None) -> Any:
    """Plain YAML data from a file of at most `limit` bytes (or from `raw`, the bytes already read
    from it), or a PackError naming the file (and line). Refuses oversized files and everything
    the loader refuses."""
    import yaml

    name = str(path)
    text = read_bounded(
        path if raw is None else io.BytesIO(raw), limit, lambda problem: PackError(problem, file=name)
    )
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as error:  # a control character: say which, and where
        line = text.count("\n", 0, error.position) + 1
        raise PackError(
            f"line {line}: control character U+{error.character:04X} is not allowed", file=name
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = " ".join(str(error.problem or error).split())
        if not isinstance(error, yaml.constructor.ConstructorError):  # refused, not malformed
            problem = f"malformed YAML: {problem}"
        raise PackError(
            f"{where}{problem}", file=name, line=None if mark is None else mark.line + 1
        ) from None
    except yaml.YAMLError as error:
        raise PackError(f"malformed YAML: {' '.join(str(error).split())}", file=name) from None
