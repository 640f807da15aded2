"""`hubdeps header` end to end: the real binary on real files.

Deterministic output, an unchanged header left alone (same inode, same time stamp), and for every kind of bad
input: exit code 2, a message naming file, line and column, and no header written (nor any temporary file).
HUBDEPS_BIN names the binary; HUBDEPS_FIXTURES (optional) the real configs to start from.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unittest

HUBDEPS = os.environ.get("HUBDEPS_BIN", "hubdeps")
USAGE = 2
LIMIT = 16 * 1024 * 1024

# A config with a bit of every shape; the real fixtures are used as well when they are there.
SAMPLE = (
    '{\n  "hidden_size": 768,\n  "layer_norm_eps": 1e-12,\n  "architectures": ["BertModel"],\n'
    '  "task_specific_params": {"text-generation": {"do_sample": true}},\n  "pad": null\n}\n'
)


class HeaderCommandTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="hubdeps_header_cli_")
        self.addCleanup(shutil.rmtree, self.folder)

    def write(self, name: str, content: str | bytes) -> str:
        path = os.path.join(self.folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(content.encode() if isinstance(content, str) else content)
        return path

    def hubdeps(self, *args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([HUBDEPS, "header", *args], capture_output=True, text=True, cwd=cwd)

    def read(self, path: str) -> bytes:
        with open(path, "rb") as stream:
            return stream.read()

    # --- Output -------------------------------------------------------------------------------------------

    def test_writes_the_same_bytes_every_time_and_leaves_an_unchanged_header_alone(self):
        config = self.write("config.json", SAMPLE)
        out = os.path.join(self.folder, "out", "model.hpp")
        first = self.hubdeps(config, "--namespace", "hf::bert", "--out", out)
        self.assertEqual(first.returncode, 0, first.stderr)
        content = self.read(out)
        self.assertIn(b"inline constexpr ::std::int64_t hidden_size = 768;", content)

        # An old time stamp shows any rewrite, even within the file system's time resolution.
        os.utime(out, ns=(946684800_000000000, 946684800_000000000))
        before = os.stat(out)
        second = self.hubdeps(config, "--namespace", "hf::bert", "--out", out)
        self.assertEqual(second.returncode, 0, second.stderr)
        after = os.stat(out)
        self.assertEqual((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns),
                         "an unchanged header was rewritten")
        self.assertEqual(self.read(out), content)
        self.assertEqual(sorted(os.listdir(os.path.dirname(out))), ["model.hpp"])

        printed = self.hubdeps(config, "--namespace", "hf::bert")
        self.assertEqual(printed.returncode, 0, printed.stderr)
        self.assertEqual(printed.stdout.encode(), content)

    def test_output_does_not_depend_on_where_the_files_are_or_how_they_are_named_on_the_command_line(self):
        fixtures = os.environ.get("HUBDEPS_FIXTURES", "")
        sources = sorted(os.path.join(fixtures, "t5-small", name) for name in
                         ("config.json", "generation_config.json", "special_tokens_map.json", "tokenizer_config.json"))
        if not all(os.path.isfile(path) for path in sources):
            sources = [self.write("src/config.json", SAMPLE), self.write("src/generation_config.json", '{"a": 1}')]
        copies = []
        for path in sources:
            copies.append(self.write(os.path.join("deeper", "copy", os.path.basename(path)), self.read(path)))
        absolute = self.hubdeps(*sources, "--namespace", "hf::t5")
        relative = self.hubdeps(*(os.path.relpath(p, self.folder) for p in copies), "--namespace", "hf::t5",
                                cwd=self.folder)
        self.assertEqual(absolute.returncode, 0, absolute.stderr)
        self.assertEqual(relative.returncode, 0, relative.stderr)
        self.assertEqual(absolute.stdout, relative.stdout)
        self.assertNotIn(self.folder, absolute.stdout)
        self.assertNotIn(fixtures or self.folder, absolute.stdout)

    def test_rewrites_the_header_when_a_config_changes(self):
        config = self.write("config.json", SAMPLE)
        out = os.path.join(self.folder, "model.hpp")
        self.assertEqual(self.hubdeps(config, "--namespace", "hf::bert", "--out", out).returncode, 0)
        before = os.stat(out)
        self.write("config.json", SAMPLE.replace("768", "1024"))
        result = self.hubdeps(config, "--namespace", "hf::bert", "--out", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"hidden_size = 1024;", self.read(out))
        self.assertNotEqual(os.stat(out).st_ino, before.st_ino, "not replaced through a new file + rename")
        self.assertEqual(sorted(os.listdir(self.folder)), ["config.json", "model.hpp"])

    def test_extra_constants_go_at_the_top_of_the_namespace(self):
        config = self.write("config.json", SAMPLE)
        result = self.hubdeps(config, "--namespace", "hf::bert", "--constant", "repo_id=google-bert/bert",
                              "--constant", "commit=abc")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('namespace hf::bert {\n\ninline constexpr ::std::string_view repo_id = "google-bert/bert";\n'
                      'inline constexpr ::std::string_view commit = "abc";\n', result.stdout)

    # --- Large values: the data source -----------------------------------------------------------------------

    def large_config(self) -> str:
        vocab = ",".join(f'"t{i}": {i}' for i in range(2000))
        return self.write("tokenizer.json", '{"model": {"type": "BPE", "vocab": {' + vocab + '}}}\n')

    def test_large_values_need_a_data_source_and_without_one_nothing_is_written(self):
        config = self.large_config()
        out = os.path.join(self.folder, "include", "hf", "tok.hpp")
        result = self.hubdeps(config, "--namespace", "hf::tok", "--out", out)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertIn("hf::tok::tokenizer::model::vocab", result.stderr)
        self.assertIn("pass --out-source FILE.cpp", result.stderr)
        self.assertIn("no header was written", result.stderr)
        self.assertFalse(os.path.exists(os.path.dirname(out)))
        printed = self.hubdeps(config, "--namespace", "hf::tok")
        self.assertEqual(printed.returncode, USAGE, printed.stderr)
        self.assertEqual(printed.stdout, "")

    def test_the_data_source_includes_the_header_and_both_are_left_alone_when_unchanged(self):
        config = self.large_config()
        out = os.path.join(self.folder, "include", "hf", "tok.hpp")
        source = os.path.join(self.folder, "src", "tok_data.cpp")
        first = self.hubdeps(config, "--namespace", "hf::tok", "--out", out, "--out-source", source)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(b"extern const ::hubdeps::data::map<::std::int64_t, 2000> vocab;", self.read(out))
        self.assertIn(b'#include "../include/hf/tok.hpp"\n', self.read(source))
        self.assertIn(b"const ::hubdeps::data::map<::std::int64_t, 2000> hf::tok::tokenizer::model::vocab{",
                      self.read(source))
        for path in (out, source):
            os.utime(path, ns=(946684800_000000000, 946684800_000000000))
        before = [os.stat(path) for path in (out, source)]
        second = self.hubdeps(config, "--namespace", "hf::tok", "--out", out, "--out-source", source)
        self.assertEqual(second.returncode, 0, second.stderr)
        after = [os.stat(path) for path in (out, source)]
        self.assertEqual([(s.st_ino, s.st_mtime_ns) for s in after], [(s.st_ino, s.st_mtime_ns) for s in before])

    def test_a_data_source_is_written_even_with_nothing_to_define_and_needs_the_header_path(self):
        config = self.write("config.json", SAMPLE)
        out = os.path.join(self.folder, "model.hpp")
        source = os.path.join(self.folder, "model_data.cpp")
        result = self.hubdeps(config, "--namespace", "hf::bert", "--out", out, "--out-source", source)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(b"hubdeps::data", self.read(out))
        self.assertIn(b'#include "model.hpp"\n', self.read(source))
        self.assertIn(b"nothing to define", self.read(source))
        alone = self.hubdeps(config, "--namespace", "hf::bert", "--out-source", source)
        self.assertEqual(alone.returncode, USAGE, alone.stderr)
        self.assertIn("--out-source needs --out", alone.stderr)

    # --- Bad input: exit 2, file:line:column, nothing written ------------------------------------------------

    def assert_rejected(self, files: list[str], message: str, existing: bytes | None = None):
        out_folder = os.path.join(self.folder, "include")
        out = os.path.join(out_folder, "model.hpp")
        if existing is not None:
            os.makedirs(out_folder, exist_ok=True)
            with open(out, "wb") as stream:
                stream.write(existing)
        result = self.hubdeps(*files, "--namespace", "hf::bad", "--out", out)
        self.assertEqual(result.returncode, USAGE, result.stderr)
        self.assertRegex(result.stderr, message)
        self.assertIn("no header was written", result.stderr)
        self.assertLess(len(result.stderr), 2000, "the message quotes too much of the input")
        if existing is None:
            self.assertFalse(os.path.exists(out), "a header was written for bad input")
            self.assertFalse(os.path.exists(out_folder) and os.listdir(out_folder), os.listdir(out_folder)
                             if os.path.exists(out_folder) else None)
        else:
            self.assertEqual(self.read(out), existing, "the previous header was touched")
            self.assertEqual(os.listdir(out_folder), ["model.hpp"])

    def test_malformed_json_names_file_line_and_column(self):
        bad = self.write("config.json", '{\n  "a": 1,\n  "b": x\n}\n')
        self.assert_rejected([bad], re.escape(bad) + r":3:8: invalid JSON: ")

    def test_invalid_utf8_names_its_position_and_is_shown_escaped(self):
        bad = self.write("config.json", b'{"name": "caf\xe9"}')
        self.assert_rejected([bad], re.escape(bad) + r":1:14: invalid JSON: .*\\xe9")

    def test_a_top_level_that_is_not_an_object_is_rejected_where_it_starts(self):
        for name, content, found in (("list.json", "\n  [1, 2]\n", "an array"), ("text.json", '"gpt2"', "a string"),
                                     ("number.json", "42", "a number"), ("null.json", "null", "null")):
            with self.subTest(name):
                bad = self.write(name, content)
                line_column = "2:3" if name == "list.json" else "1:1"
                self.assert_rejected([bad], re.escape(bad) + f":{line_column}: the top level is {found}, but a "
                                     "config file must hold a JSON object")

    def test_absurd_nesting_is_rejected_at_the_level_past_the_limit(self):
        bad = self.write("config.json", '{"k":' * 100 + "1" + "}" * 100)
        # The 65th '{' is the 321st byte.
        self.assert_rejected([bad], re.escape(bad) + r":1:321: objects and arrays nested more than 64 levels")
        deep_arrays = self.write("arrays.json", '{"k":\n' + "[" * 200 + "]" * 200 + "}")
        self.assert_rejected([deep_arrays], re.escape(deep_arrays) + r":2:64: objects and arrays nested")

    def test_a_huge_file_is_rejected_at_the_position_past_the_limit(self):
        prefix = '{\n"weights": "'
        bad = self.write("model.json", prefix + "x" * LIMIT + '"}\n')
        size = os.path.getsize(bad)
        column = LIMIT - len("{\n") + 1
        self.assert_rejected([bad], re.escape(bad) + f":2:{column}: the file is {size} bytes, over the 16 MiB limit")

    def test_one_bad_file_among_good_ones_writes_nothing_and_keeps_the_old_header(self):
        good = self.write("config.json", SAMPLE)
        bad = self.write("generation_config.json", '{"a": 1,}')
        self.assert_rejected([good, bad], re.escape(bad) + r":1:9: invalid JSON")
        self.assert_rejected([good, bad], re.escape(bad) + r":1:9: invalid JSON", existing=b"// old header\n")

    def test_wrong_arguments_are_usage_errors_that_say_what_to_do(self):
        config = self.write("config.json", SAMPLE)
        cases = (
            ([config, "--namespace", "hf::bert-base"], r"'bert-base' is not a usable identifier.*hf::bert"),
            ([config, "--namespace", "std::models"], r"namespace std"),
            ([os.path.join(self.folder, "missing.json"), "--namespace", "hf::x"], r"missing\.json"),
            ([config, self.write("sub/config.json", "{}"), "--namespace", "hf::x"],
             r"both map to hf::x::config; generate them into separate headers"),
            ([config, "--namespace", "hf::x", "--constant", "no-equals"], r"--constant 'no-equals' is not NAME=VALUE"),
            ([config, "--namespace", "hf::x", "--constant", "config=1"], r"both map to hf::x::config|config"),
        )
        for args, message in cases:
            with self.subTest(args=args[1:]):
                result = self.hubdeps(*args, "--out", os.path.join(self.folder, "never.hpp"))
                self.assertEqual(result.returncode, USAGE, result.stderr)
                self.assertRegex(result.stderr, message)
                self.assertFalse(os.path.exists(os.path.join(self.folder, "never.hpp")))


if __name__ == "__main__":
    unittest.main()
