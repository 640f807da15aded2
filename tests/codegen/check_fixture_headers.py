#!/usr/bin/env python3
"""Proof that a generated header holds exactly what its configs hold, on real Hub configs.

For every fixture folder of shared/fixtures/hub-configs (see its MANIFEST.md), of the hand-made shapes real
configs lack (shapes/: collisions, keywords, mixed and nested arrays, 64-bit limits, nesting at the limit, a byte
order mark) and of a generated file with a string over 65536 bytes, runs the real
`hubdeps header <files> --namespace hf::<folder> --constant fixture=<folder>`, then writes a checker program
from the JSON itself: for every scalar and every array in the file it derives the C++ name and type from the
documented mapping (header_mapping.py, not the generator), asserts the type at compile time, and at run time
compares the constant with the value nlohmann/json reads from the original file (checks.hpp). A second
translation unit includes every header too, and must see the same objects. Everything is compiled with the
given compiler and standard and -Wall -Wextra -Wpedantic -Werror.

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
    cpp_type_for_kinds,
    identifier_for_key,
    identifiers_for_keys,
    rectangular_shape,
    scalar_kind,
    std_array_type,
)

SKIPPED = 77


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


class CheckerWriter:
    """Turns one parsed config into checks: static_asserts at namespace scope, run-time checks in a function."""

    def __init__(self) -> None:
        self.static_asserts: list[str] = []
        self.declarations = 0  # `inline constexpr` declarations the header must have for what was walked

    def constant(self, name: str, cpp_type: str) -> None:
        self.declarations += 1
        self.static_asserts.append(
            f"static_assert(std::is_same_v<decltype({name}), const {cpp_type}>, \"{name} is {cpp_type}\");"
        )
        self.static_asserts.append(
            f"static_assert(hubdeps_test::usable_in_constant_expressions({name}), \"{name} is constexpr\");"
        )

    def value(self, body: list[str], name: str, json_access: str, where: str, value: Any) -> None:
        if isinstance(value, dict):
            self.object_members(body, name, json_access, where, value, reserved_here=())
            return
        if isinstance(value, list):
            shape = rectangular_shape(value)
            if shape is None:
                # Element by element: a namespace with `size` and item_<index>.
                self.constant(f"{name}::size", "::std::size_t")
                body.append(f"  c.check_size({name}::size, {json_access}, {where_literal(where)});")
                for index, element in enumerate(value):
                    self.value(body, f"{name}::item_{index}", f"{json_access}.at(std::size_t{{{index}}})",
                               f"{where}/{index}", element)
                return
            extents, kinds = shape
            self.constant(name, std_array_type(extents, cpp_type_for_kinds(kinds)))
        else:
            self.constant(name, cpp_type_for_kinds({scalar_kind(value)}))
        body.append(f"  c.check({name}, {json_access}, {where_literal(where)});")

    def object_members(self, body: list[str], name: str, json_access: str, where: str, obj: dict,
                       reserved_here: tuple[str, ...]) -> None:
        names = identifiers_for_keys([key.encode("utf-8") for key in obj], reserved_here)
        for key, member in obj.items():
            self.value(body, f"{name}::{names[key.encode('utf-8')]}",
                       f"{json_access}.at({cpp_string_literal(key.encode('utf-8'))})", f"{where}/{key}", member)


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


def generate_headers(hubdeps: str, folders: dict[str, list[str]], headers_dir: str) -> list[Fixture]:
    fixtures = []
    for folder, paths in sorted(folders.items()):
        identifier = identifier_for_key(folder.encode())
        fixture = Fixture(folder, f"hf::{identifier}", os.path.join(headers_dir, f"{identifier}.hpp"))
        paths = sorted(paths)
        run([hubdeps, "header", *paths, "--namespace", fixture.cpp_namespace, "--constant", f"fixture={folder}",
             "--out", fixture.header], f"hubdeps header for {folder}")
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
        body = [f"void {function}(hubdeps_test::Checker& c) {{",
                f"  const hubdeps_test::Json doc = hubdeps_test::load_json({where_literal(config.path)});"]
        writer.object_members(body, config.cpp_namespace, "doc", f"{config.label}: ", document,
                              reserved_here=("json",))
        writer.constant(f"{config.cpp_namespace}::json", "::std::string_view")
        body.append(f"  c.check_file_bytes({config.cpp_namespace}::json, {where_literal(config.path)});")
        body.append(f"  c.check_same_object(&{config.cpp_namespace}::json, address_in_second_translation_unit"
                    f"({index}), {where_literal(config.label)});")
        body.append("}")
        functions.append("\n".join(body))
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
            declared += len(re.findall(r"^\s*inline constexpr ", stream.read(), flags=re.MULTILINE))
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
    for source in (main_cpp, second_cpp):
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
