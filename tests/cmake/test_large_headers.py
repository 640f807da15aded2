"""hf_fetch_model(... HEADERS tokenizer.json) at a real tokenizer's size, end to end: real CMake, Ninja and compiler
against the local test Hub.

A repo shaped like a Llama 3 model (tests/codegen/make_tokenizer.py: a 9 MB tokenizer.json of 128,000 vocabulary
entries and 280,000 merges, a tokenizer_config.json with its long chat template, a config.json) is published on
the test Hub; a project declares it with HEADERS for all three and builds a program of two translation units with
-Wall -Wextra -Wpedantic -Werror. The program's values, digests of the whole vocabulary and merge list and lookups
of chosen keys, are compared with what Python reads from the files in the cache. hf::<name> is a static library
holding the data source, compiled once; a re-configure that changes nothing rewrites nothing and leaves Ninja no
work; dropping tokenizer.json from HEADERS turns the target back into a header-only one.

Run by hand: python3 -m unittest -v test_large_headers (HUBDEPS_BIN etc. as for test_hubdeps_cmake.py).
"""

from __future__ import annotations

import json
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_hubdeps_cmake import HELPER, SOURCE_DIR, STRICT_FLAGS, CMakeTestCase, mtimes  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "codegen"))
from make_tokenizer import write_tokenizer  # noqa: E402

REPO = "hubdeps-test/llama-like"

CMAKELISTS = """cmake_minimum_required(VERSION 3.19)
project(large_headers LANGUAGES CXX)
include("{module}")
set(HEADERS tokenizer.json tokenizer_config.json config.json CACHE STRING "the configs in the header")
hf_fetch_model(llama REPO {repo} HEADERS ${{HEADERS}})
if(HEADERS MATCHES "tokenizer")
  add_executable(tokenize main.cpp other.cpp)
else()
  add_executable(tokenize small.cpp)
endif()
target_link_libraries(tokenize PRIVATE hf::llama)
set_target_properties(tokenize PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
file(GENERATE OUTPUT "${{CMAKE_BINARY_DIR}}/llama_type.txt" CONTENT "$<TARGET_PROPERTY:hubdeps_model_llama,TYPE>")
"""

MAIN_CPP = r"""// Prints what the header holds, for the test to compare with the files: sizes, digests of every vocabulary
// entry and merge, and lookups of the keys given (hex, one per line, in the file argv[1]).
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "hf/llama.hpp"

namespace tok = hf::llama::tokenizer;

// Sizes and element types are known at compile time.
static_assert(decltype(tok::model::vocab)::size() == VOCAB_SIZE, "vocabulary size");
static_assert(tok::model::merges.size() == MERGE_COUNT, "merge count");
static_assert(std::is_same_v<decltype(tok::model::vocab.find("")), std::optional<std::int64_t>>, "ids");
static_assert(hf::llama::config::hidden_size > 0, "small values stay constexpr");

const void* vocab_in_other_translation_unit();
std::int64_t id_in_other_translation_unit(std::string_view key);

namespace {

// FNV-1a, 64 bits: the test computes the same over the files.
struct Digest {
  std::uint64_t value = 14695981039346656037ull;
  void add(std::string_view bytes) {
    for (const unsigned char c : bytes) value = (value ^ c) * 1099511628211ull;
  }
};

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  Digest vocab;
  for (std::size_t i = 0; i < tok::model::vocab.size(); ++i) {
    vocab.add(tok::model::vocab.keys()[i]);
    vocab.add(" " + std::to_string(tok::model::vocab.values()[i]) + "\n");
  }
  Digest merges;
  for (const std::string_view merge : tok::model::merges) {
    merges.add(merge);
    merges.add("\n");
  }
  std::cout << "vocab_digest=" << vocab.value << "\nmerges_digest=" << merges.value << "\n";
  std::cout << "json_size=" << tok::json.size() << "\n";
  std::cout << "type=" << tok::model::type << "\n";
  std::cout << "added=" << tok::added_tokens::size << " " << tok::added_tokens::item_0::content << "\n";
  std::cout << "template_size=" << hf::llama::tokenizer_config::chat_template.size() << "\n";
  std::cout << "hidden_size=" << hf::llama::config::hidden_size << "\n";
  std::cout << "same_object=" << (vocab_in_other_translation_unit() == &tok::model::vocab) << "\n";
  std::ifstream keys(argv[1]);
  for (std::string line; std::getline(keys, line);) {
    const std::string key = from_hex(line);
    const auto id = tok::model::vocab.find(key);
    std::cout << "id=" << (id ? std::to_string(*id) : "absent") << " " << id_in_other_translation_unit(key) << "\n";
  }
  return argc == 2 ? 0 : 1;
}
"""

OTHER_CPP = r"""// A second translation unit: the same header, the same objects.
#include <cstdint>
#include <string_view>

#include "hf/llama.hpp"

const void* vocab_in_other_translation_unit() { return &hf::llama::tokenizer::model::vocab; }

std::int64_t id_in_other_translation_unit(std::string_view key) {
  return hf::llama::tokenizer::model::vocab.find(key).value_or(-1);
}
"""

SMALL_CPP = r"""#include <iostream>

#include "hf/llama.hpp"

int main() { std::cout << "hidden_size=" << hf::llama::config::hidden_size << "\n"; }
"""


def fnv1a(chunks) -> int:
    value = 14695981039346656037
    for chunk in chunks:
        for byte in chunk:
            value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value


def parse_output(text: str) -> dict:
    values: dict = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        values.setdefault(key, []).append(value)
    return {key: found[0] if len(found) == 1 else found for key, found in values.items()}


class LargeHeaders(CMakeTestCase):
    seed = False

    def publish(self) -> str:
        files = self.path("files")
        write_tokenizer(files)
        config = {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "vocab_size": 128256}
        contents = {}
        for name in ("tokenizer.json", "tokenizer_config.json"):
            with open(os.path.join(files, name), encoding="utf-8") as stream:
                contents[name] = stream.read()
        self.hub.create_repo(REPO)
        return self.hub.commit(REPO, {"tokenizer.json": {"text": contents["tokenizer.json"], "lfs": True},
                                      "tokenizer_config.json": contents["tokenizer_config.json"],
                                      "config.json": json.dumps(config, indent=2) + "\n"})

    def write_project(self, vocab_size: int, merge_count: int) -> str:
        project = self.path("project")
        os.makedirs(project)
        sources = {"CMakeLists.txt": CMAKELISTS.format(module=os.path.join(SOURCE_DIR, "cmake", "HubDeps.cmake"),
                                                       repo=REPO),
                   "main.cpp": f"#define VOCAB_SIZE {vocab_size}\n#define MERGE_COUNT {merge_count}\n"
                               "#include <optional>\n#include <type_traits>\n" + MAIN_CPP,
                   "other.cpp": OTHER_CPP, "small.cpp": SMALL_CPP}
        for name, text in sources.items():
            with open(os.path.join(project, name), "w", encoding="utf-8") as stream:
                stream.write(text)
        return project

    def read_type(self, build: str) -> str:
        with open(os.path.join(build, "llama_type.txt"), encoding="utf-8") as stream:
            return stream.read()

    def test_a_real_sized_tokenizer_json_builds_once_runs_and_a_no_op_reconfigure_leaves_no_work(self):
        commit = self.publish()
        snapshot = self.snapshot_dir(REPO, commit)
        with open(os.path.join(self.path("files"), "tokenizer.json"), encoding="utf-8") as stream:
            tokenizer = json.load(stream)
        vocab, merges = tokenizer["model"]["vocab"], tokenizer["model"]["merges"]
        project = self.write_project(len(vocab), len(merges))
        build = self.path("build")
        self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}", STRICT_FLAGS)
        self.build(build)

        # Compared with the files in the cache, read here.
        with open(os.path.join(snapshot, "tokenizer.json"), encoding="utf-8") as stream:
            self.assertEqual(json.load(stream), tokenizer)
        with open(os.path.join(snapshot, "tokenizer_config.json"), encoding="utf-8") as stream:
            tokenizer_config = json.load(stream)
        rng = random.Random(22)
        keys = [key.encode() for key in rng.sample(sorted(vocab), 300)]
        keys += [b"", b"\xc4\xa0absent key", keys[0] + b"\x00", keys[1][:-1] + b"\x7f"]
        with open(self.path("keys.txt"), "w", encoding="ascii") as stream:
            stream.write("".join(key.hex() + "\n" for key in keys))
        values = parse_output(self.run_command([os.path.join(build, "tokenize"), self.path("keys.txt")]))

        ordered = sorted(vocab.items(), key=lambda item: item[0].encode())
        self.assertEqual(int(values["vocab_digest"]),
                         fnv1a(chunk for key, index in ordered for chunk in (key.encode(), f" {index}\n".encode())))
        self.assertEqual(int(values["merges_digest"]), fnv1a(chunk for m in merges for chunk in (m.encode(), b"\n")))
        self.assertEqual(int(values["json_size"]), os.path.getsize(os.path.join(snapshot, "tokenizer.json")))
        self.assertEqual(values["type"], tokenizer["model"]["type"])
        self.assertEqual(values["added"], f"{len(tokenizer['added_tokens'])} {tokenizer['added_tokens'][0]['content']}")
        self.assertEqual(int(values["template_size"]), len(tokenizer_config["chat_template"].encode()))
        self.assertEqual(values["hidden_size"], "4096")
        self.assertEqual(values["same_object"], "1")
        expected_ids = []
        for key in keys:
            index = vocab.get(key.decode("utf-8", errors="surrogateescape"))
            expected_ids.append(f"{index} {index}" if index is not None else "absent -1")
        self.assertEqual(values["id"], expected_ids)

        # hf::llama is a static library of the data source, compiled once (not in each translation unit).
        data_source = os.path.join(build, "hubdeps", "src", "llama_data.cpp")
        header = os.path.join(build, "hubdeps", "include", "hf", "llama.hpp")
        self.assertEqual(self.read_type(build), "STATIC_LIBRARY")
        with open(os.path.join(build, ".ninja_log"), encoding="utf-8") as stream:
            # Lines of "start end mtime target hash".
            compiled = [fields[3] for fields in (line.split("\t") for line in stream) if len(fields) == 5]
        self.assertEqual(len([target for target in compiled if "llama_data.cpp" in target]), 1, compiled)
        self.assertLess(os.path.getsize(header), 1 << 20, "the header holds declarations, not the data")

        # A re-configure that changes nothing rewrites nothing, and Ninja has no work to do.
        before = mtimes(header, data_source)
        self.reconfigure(build)
        self.assertEqual(mtimes(header, data_source), before)
        self.assertIn("ninja: no work to do", self.build(build))

        # Without tokenizer.json nothing is large: the data source goes, and hf::llama is header-only again.
        self.reconfigure(build, "-DHEADERS=config.json")
        self.assertFalse(os.path.exists(data_source))
        self.assertEqual(self.read_type(build), "INTERFACE_LIBRARY")
        self.build(build)
        self.assertEqual(parse_output(self.run_command([os.path.join(build, "tokenize")])), {"hidden_size": "4096"})


if __name__ == "__main__":
    unittest.main()
