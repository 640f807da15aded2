#!/usr/bin/env python3
"""Proof that a generated header holds exactly what its configs hold, on real Hub configs.

For every fixture folder of shared/fixtures/hub-configs (see its MANIFEST.md), of the hand-made shapes real
configs lack (shapes/: collisions, keywords, mixed and nested arrays, 64-bit limits, nesting at the limit, a byte
order mark) and of generated ones too large to keep in the repository (a string over 65536 bytes; every kind of
large value; a tokenizer of a real model's shape and size, 128,000 vocabulary entries and 280,000 merges, and a
smaller one with merges as pairs), runs the real
`hubdeps header <files> --namespace hf::<folder> --constant fixture=<folder> --out-source ...`, then writes a
checker program from the JSON itself: for every scalar and every array in the file it derives the C++ name and
type from the documented mapping (header_mapping.py, not the generator), asserts the type at compile time, and at
run time compares the constant with the value nlohmann/json reads from the original file (checks.hpp); a large
value (docs/header-mapping.md, "Large values") is compared element by element, and a large object also through
its lookup, key by key. A second translation unit includes every header too, and must see the same objects.
Everything, the data sources included, is compiled with the given compiler and standard and
-Wall -Wextra -Wpedantic -Werror.

Exit status: 0 when every value matches; 1 on any failure; 77 (CTest's "skipped") when this machine cannot run
it: no fixtures beside the repository, or no such compiler.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from header_mapping import (  # noqa: E402
    MAX_INLINE_STRING_BYTES,
    cpp_type_for_kinds,
    identifier_for_key,
    identifiers_for_keys,
    large_cpp_type,
    large_kind,
    rectangular_shape,
    scalar_kind,
    std_array_type,
)
from make_tokenizer import write_tokenizer  # noqa: E402

SKIPPED = 77
CHECKS_PER_FUNCTION = 100


def cpp_string_literal(data: bytes) -> str:
    """`std::string("...", N)`: any bytes, NUL included, as printable ASCII."""
    body = ""
    for byte in data:
        char = chr(byte)
        if char in '"\\?':
            body += "\\" + char
        elif 0x20 <= byte < 0x7F:
            body += char
        else:
            body += "\\%03o" % byte
    return f'std::string("{body}", {len(data)})'


def where_literal(text: str) -> str:
    return cpp_string_literal(text.encode("utf-8"))


def pointer_literal(pointer: bytes) -> str:
    """A JSON pointer (RFC 6901) to a value in the file, as a std::string_view: one cheap argument per check,
    where nlohmann/json finds the value at run time."""
    return cpp_string_literal(pointer).replace("std::string(", "std::string_view(", 1)


@dataclass
class ConfigFile:
    path: str  # absolute
    label: str  # <folder>/<file>, for messages
    cpp_namespace: str  # e.g. hf::gpt2::config


@dataclass
class Fixture:
    folder: str
    cpp_namespace: str  # e.g. hf::gpt2
    header: str
    files: list[ConfigFile] = field(default_factory=list)

    @property
    def data_source(self) -> str:
        return self.header[: -len(".hpp")] + "_data.cpp"


class CheckerWriter:
    """Turns one parsed config into checks: static_asserts at namespace scope, run-time checks in a function."""

    def __init__(self) -> None:
        self.static_asserts: list[str] = []
        self.declarations = 0  # `inline constexpr` declarations the header must have for what was walked

    def constant(self, name: str, cpp_type: str, constexpr: bool = True) -> None:
        """A declaration: `inline constexpr` (usable at compile time), or for a large value `extern const`."""
        self.declarations += 1
        self.static_asserts.append(
            f"static_assert(std::is_same_v<decltype({name}), const {cpp_type}>, \"{name} is {cpp_type}\");"
        )
        if constexpr:
            self.static_asserts.append(
                f"static_assert(hubdeps_test::usable_in_constant_expressions({name}), \"{name} is constexpr\");"
            )

    def large_value(self, body: list[str], name: str, pointer: bytes, value: Any, kind: str) -> None:
        """"Large values": declared in the header, contents from the data source, checked at run time."""
        if kind == "json_text":
            self.constant(f"{name}::size", "::std::size_t")
            self.constant(f"{name}::json", "::std::string_view", constexpr=False)
            body.append(f"  c.size_of({name}::size, {pointer_literal(pointer)});")
            body.append(f"  c.json_text({name}::json, {pointer_literal(pointer)});")
            return
        cpp_type = large_cpp_type(value, kind)
        self.constant(name, cpp_type, constexpr=False)
        # The sizes are known at compile time.
        if kind != "string":
            self.static_asserts.append(f"static_assert({name}.size() == {len(value)}, \"{name} has {len(value)}\");")
        check = {"string": "value", "array": "each", "map": "map"}[kind]
        body.append(f"  c.{check}({name}, {pointer_literal(pointer)});")

    def value(self, body: list[str], name: str, pointer: bytes, value: Any) -> None:
        kind = large_kind(value)
        if kind is not None:
            self.large_value(body, name, pointer, value, kind)
            return
        if isinstance(value, dict):
            self.object_members(body, name, pointer, value, reserved_here=())
            return
        if isinstance(value, list):
            shape = rectangular_shape(value)
            if shape is None:
                # Element by element: a namespace with `size` and item_<index>.
                self.constant(f"{name}::size", "::std::size_t")
                body.append(f"  c.size_of({name}::size, {pointer_literal(pointer)});")
                for index, element in enumerate(value):
                    self.value(body, f"{name}::item_{index}", pointer + b"/%d" % index, element)
                return
            extents, kinds = shape
            self.constant(name, std_array_type(extents, cpp_type_for_kinds(kinds)))
        else:
            self.constant(name, cpp_type_for_kinds({scalar_kind(value)}))
        body.append(f"  c.value({name}, {pointer_literal(pointer)});")

    def object_members(self, body: list[str], name: str, pointer: bytes, obj: dict,
                       reserved_here: tuple[str, ...]) -> None:
        names = identifiers_for_keys([key.encode("utf-8") for key in obj], reserved_here)
        for key, member in obj.items():
            token = key.encode("utf-8").replace(b"~", b"~0").replace(b"/", b"~1")
            self.value(body, f"{name}::{names[key.encode('utf-8')]}", pointer + b"/" + token, member)


def read_manifest(fixtures_dir: str) -> list[str]:
    """The `file here` column of MANIFEST.md, checked against the folders: a fixture nobody documented, or a
    documented one that is missing, would make the proof cover something other than it claims."""
    manifest = os.path.join(fixtures_dir, "MANIFEST.md")
    listed = []
    with open(manifest, encoding="utf-8") as stream:
        for line in stream:
            match = re.match(r"^\|\s*([^|\s]+\.json)\s*\|", line)
            if match:
                listed.append(match.group(1))
    present = sorted(
        f"{folder}/{name}"
        for folder in os.listdir(fixtures_dir) if os.path.isdir(os.path.join(fixtures_dir, folder))
        for name in os.listdir(os.path.join(fixtures_dir, folder)) if name.endswith(".json")
    )
    if sorted(listed) != present:
        raise SystemExit(f"{manifest} does not list exactly the fixture files: listed only "
                         f"{sorted(set(listed) - set(present))}, present only {sorted(set(present) - set(listed))}")
    return present


def run(command: list[str], what: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if completed.returncode != 0:
        print(f"FAILED: {what} (exit {completed.returncode})\n$ {' '.join(command)}\n"
              f"{completed.stdout}{completed.stderr}")
        raise SystemExit(1)
    return completed


def fixture_folders(fixtures_dir: str, shapes_dirs: list[str]) -> dict[str, list[str]]:
    """Folder name -> its config files: the real configs (as the manifest lists them), then hand-made shapes."""
    folders: dict[str, list[str]] = {}
    for relative in read_manifest(fixtures_dir):
        folder, name = relative.split("/")
        folders.setdefault(folder, []).append(os.path.join(fixtures_dir, relative))
    for shapes_dir in shapes_dirs:
        for folder in sorted(os.listdir(shapes_dir)):
            if folder in folders:
                raise SystemExit(f"two fixture folders are named {folder}")
            folders[folder] = [os.path.join(shapes_dir, folder, name)
                               for name in os.listdir(os.path.join(shapes_dir, folder)) if name.endswith(".json")]
    return folders


def write_long_strings_fixture(shapes_dir: str) -> None:
    """A file over the 65536 characters C++ promises for a literal, with every kind of byte in its strings:
    made here rather than kept in the repository, where 100 KiB of noise would help nobody."""
    pieces = ["plain text ", "caf\u00e9 \u2581 \U0001F600 ", '"quoted" ', "back\\slash ", "tab\t", "line\n",
              "nul\u0000", "??= ", "\u0001\u001f\u007f "]
    long_value = "".join(pieces[i % len(pieces)] for i in range(7000))
    text = json.dumps({"chat_template": long_value, "short": "x"}, ensure_ascii=False, indent=2) + "\n"
    os.makedirs(os.path.join(shapes_dir, "long-strings"))
    with open(os.path.join(shapes_dir, "long-strings", "tokenizer_config.json"), "w", encoding="utf-8") as stream:
        stream.write(text)
    assert len(text.encode()) > 65536


def write_large_shapes_fixture(shapes_dir: str) -> None:
    """Every kind of large value, and values just inside the limits."""
    labels = {str(i): f"LABEL_{i}" for i in range(1500)}
    labels.update({"caf\u00e9": "\u2581x", "\u0000nul": "a\u0000b", "a\"b": "back\\slash", "": "empty key"})
    config = {
        "id2label": labels,
        "ints": list(range(-1000, 1000)),
        "uint64s": [2**64 - 1 - i for i in range(1100)],
        "doubles": [i * 0.5 for i in range(1100)] + [1e-300, -0.0],
        "flags": [i % 3 == 0 for i in range(1100)],
        "nulls": [None] * 1100,
        "pairs": [[i, -i] for i in range(600)],
        "empties": [[] for _ in range(1100)],
        "two-long-strings": ["x" * 40000, "caf\u00e9 " * 5000],
        "unigram_vocab": [["\u2581tok%d" % i, -1.5 - i] for i in range(1100)],
        "records": {str(i): {"content": f"<{i}>", "special": True} for i in range(1100)},
        "vectors": {f"k{i}": [i, i + 1] for i in range(1100)},
        "empty_values": {f"e{i}": None for i in range(1100)},
        "class": "z" * 70000,
        "items": [1, "a", "w" * 70000],
        "outer": {"inner": {f"m{i}": i for i in range(1100)}, "small": 1},
        "just_inside": {"elements": list(range(1024)), "string": "s" * 65536, "members": {f"m{i}": i for i in range(1024)},
                        "scalars": [[i, i] for i in range(512)]},
    }
    os.makedirs(os.path.join(shapes_dir, "large-shapes"))
    with open(os.path.join(shapes_dir, "large-shapes", "config.json"), "w", encoding="utf-8") as stream:
        json.dump(config, stream, ensure_ascii=False)


def write_tokenizer_fixtures(shapes_dir: str) -> None:
    """A tokenizer of a real model's shape and size (make_tokenizer.py), and a smaller one whose merges are pairs
    (tokenizers >= 0.20) and whose chat template is over the string limit."""
    write_tokenizer(os.path.join(shapes_dir, "llama3-tokenizer"))
    write_tokenizer(os.path.join(shapes_dir, "pairs-tokenizer"), vocab_size=20_000, merge_count=30_000,
                    added_count=20, template_bytes=70_000, merges_format="pairs", seed=7)


def generate_headers(hubdeps: str, folders: dict[str, list[str]], headers_dir: str) -> list[Fixture]:
    fixtures = []
    for folder, paths in sorted(folders.items()):
        identifier = identifier_for_key(folder.encode())
        fixture = Fixture(folder, f"hf::{identifier}", os.path.join(headers_dir, f"{identifier}.hpp"))
        paths = sorted(paths)
        run([hubdeps, "header", *paths, "--namespace", fixture.cpp_namespace, "--constant", f"fixture={folder}",
             "--out", fixture.header, "--out-source", fixture.data_source], f"hubdeps header for {folder}")
        for path in paths:
            stem = identifier_for_key(os.path.basename(path)[: -len(".json")].encode())
            fixture.files.append(ConfigFile(path, f"{folder}/{os.path.basename(path)}",
                                            f"{fixture.cpp_namespace}::{stem}"))
        fixtures.append(fixture)
    return fixtures


def write_checker(fixtures: list[Fixture], main_cpp: str, second_cpp: str) -> int:
    """Writes both translation units; returns how many values the checker will compare."""
    includes = "".join(f'#include "{os.path.basename(f.header)}"\n' for f in fixtures)
    all_files = [config for fixture in fixtures for config in fixture.files]

    second = ["// Generated by check_fixture_headers.py: the second translation unit.", includes,
              "const void* address_in_second_translation_unit(int index) {",
              "  static const void* const addresses[] = {"]
    second += [f"      &{config.cpp_namespace}::json," for config in all_files]
    second += ["  };", "  return addresses[index];", "}", ""]
    with open(second_cpp, "w", encoding="utf-8") as stream:
        stream.write("\n".join(second))

    writer = CheckerWriter()
    functions: list[str] = []
    calls: list[str] = []
    for index, config in enumerate(all_files):
        with open(config.path, encoding="utf-8-sig") as stream:  # a byte order mark is allowed
            document = json.load(stream)
        function = f"check_file_{index}"
        checks: list[str] = []
        writer.object_members(checks, config.cpp_namespace, b"", document, reserved_here=("json",))
        writer.constant(f"{config.cpp_namespace}::json", "::std::string_view",
                        constexpr=os.path.getsize(config.path) <= MAX_INLINE_STRING_BYTES)
        checks.append(f"  c.check_file_bytes({config.cpp_namespace}::json, {where_literal(config.path)});")
        checks.append(f"  c.check_same_object(&{config.cpp_namespace}::json, address_in_second_translation_unit"
                      f"({index}), {where_literal(config.label)});")
        # Functions of a bounded size: compilers take superlinear time and memory on one huge function.
        parts = [checks[start:start + CHECKS_PER_FUNCTION] for start in range(0, len(checks), CHECKS_PER_FUNCTION)]
        for number, part in enumerate(parts):
            functions.append("\n".join([f"void {function}_{number}(hubdeps_test::Checker& c) {{", *part, "}"]))
        functions.append("\n".join(
            [f"void {function}(hubdeps_test::Checker& c) {{",
             f"  c.open({where_literal(config.path)}, {where_literal(config.label)});",
             *(f"  {function}_{number}(c);" for number in range(len(parts))), "}"]))
        calls.append(f"  {function}(c);")
    for fixture in fixtures:
        writer.constant(f"{fixture.cpp_namespace}::fixture", "::std::string_view")
        calls.append(f"  c.check_string({fixture.cpp_namespace}::fixture, {where_literal(fixture.folder)}, "
                     f"{where_literal(fixture.cpp_namespace + '::fixture')});")

    main = ["// Generated by check_fixture_headers.py: every constant against nlohmann/json at run time.",
            "#include <cstddef>", "#include <string>", "#include <type_traits>", "", includes,
            '#include "checks.hpp"', "",
            "const void* address_in_second_translation_unit(int index);", ""]
    main += writer.static_asserts
    main += ["", "namespace {", ""] + functions + ["", "}  // namespace", "", "int main() {",
                                                  "  hubdeps_test::Checker c;"]
    main += calls + ["  return c.finish();", "}", ""]
    with open(main_cpp, "w", encoding="utf-8") as stream:
        stream.write("\n".join(main))

    # The header must declare nothing the walk did not expect either.
    declared = 0
    for fixture in fixtures:
        with open(fixture.header, encoding="utf-8") as stream:
            declared += len(re.findall(r"^\s*(?:inline constexpr|extern const) ", stream.read(), flags=re.MULTILINE))
    if declared != writer.declarations:
        print(f"FAILED: the headers declare {declared} constants, the documented mapping gives "
              f"{writer.declarations}")
        raise SystemExit(1)
    return writer.declarations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hubdeps", required=True, help="the built hubdeps binary")
    parser.add_argument("--fixtures", required=True, help="shared/fixtures/hub-configs")
    parser.add_argument("--shapes", action="append", default=[],
                        help="a folder of hand-made fixture folders, for shapes real configs lack")
    parser.add_argument("--work", required=True, help="a folder of its own, emptied first")
    parser.add_argument("--cxx", default="", help="the C++ compiler (empty: not found at configure time)")
    parser.add_argument("--std", required=True, choices=["c++17", "c++20"])
    parser.add_argument("--include", action="append", default=[], help="where nlohmann/json.hpp is")
    args = parser.parse_args()

    if not os.path.isfile(os.path.join(args.fixtures, "MANIFEST.md")):
        print(f"SKIPPED: no real Hub configs at {args.fixtures}: put the shared/ folder beside the repository, "
              "or configure with -DHUBDEPS_SHARED_DIR=<its path>")
        return SKIPPED
    compiler = shutil.which(args.cxx) if args.cxx else None
    if compiler is None:
        print(f"SKIPPED: C++ compiler '{args.cxx or '(not found at configure time)'}' is not installed; "
              "scripts/install-deps.sh installs g++ and clang (then configure again)")
        return SKIPPED

    shutil.rmtree(args.work, ignore_errors=True)
    headers_dir = os.path.join(args.work, "headers")
    os.makedirs(headers_dir)
    generated_shapes = os.path.join(args.work, "shapes")
    write_long_strings_fixture(generated_shapes)
    write_large_shapes_fixture(generated_shapes)
    write_tokenizer_fixtures(generated_shapes)
    folders = fixture_folders(args.fixtures, [*args.shapes, generated_shapes])
    fixtures = generate_headers(args.hubdeps, folders, headers_dir)
    main_cpp = os.path.join(args.work, "checker_main.cpp")
    second_cpp = os.path.join(args.work, "checker_second.cpp")
    expected = write_checker(fixtures, main_cpp, second_cpp)

    flags = [f"-std={args.std}", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-I", headers_dir, "-I", HERE]
    # -I of a default system folder would reorder the compiler's own include chain.
    # CMake passes a target's include folders as one `;`-separated list.
    flags += [f"-I{folder}" for entry in args.include for folder in entry.split(";")
              if folder and os.path.realpath(folder) not in ("/usr/include", "/usr/local/include")]
    objects = []
    for source in (main_cpp, second_cpp, *(fixture.data_source for fixture in fixtures)):
        objects.append(source[: -len(".cpp")] + ".o")
        run([compiler, *flags, "-c", source, "-o", objects[-1]], f"compiling {os.path.basename(source)}")
    checker = os.path.join(args.work, "checker")
    run([compiler, *objects, "-o", checker], "linking the checker")
    result = run([checker], "the checker found wrong values")
    print(f"{len(fixtures)} fixtures, {sum(len(f.files) for f in fixtures)} files, {expected} constants; "
          f"{os.path.basename(compiler)} -std={args.std}: {result.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
