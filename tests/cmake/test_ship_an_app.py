"""Shipping an app with its model, end to end: hf_install_model(), the generated header's run-time lookup
(resolve() and location()), install(EXPORT) of a library that links hf::<name>, examples/ship-an-app installed,
moved and packaged with CPack, and `hubdeps fetch --lock <installed lock> --name <name>` for weights left out of
an install.

"Another machine" is simulated by deleting the Hugging Face cache the build used and running the installed app
with an empty cache, HF_HUB_OFFLINE=1 and an endpoint nothing listens on, after moving the install prefix.

ShipAnApp and ExportedLibrary use the local test Hub (CTest passes HUBDEPS_BIN etc. as for test_hubdeps_cmake.py);
RuntimeResolution needs no Hub: it generates a model header with `hubdeps model-header`, compiles a probe with
GCC and Clang as C++17 and C++20 (-Wall -Wextra -Wpedantic -Werror) and runs it in every situation the lookup
distinguishes. Run one class by hand: python3 -m unittest -v test_ship_an_app.RuntimeResolution
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_hubdeps_cmake import (CMAKE, HELPER, SOURCE_DIR, STRICT_FLAGS, TINY_BERT,  # noqa: E402
                                CMakeTestCase)

CPACK = os.path.join(os.path.dirname(CMAKE), "cpack") if os.path.dirname(CMAKE) else "cpack"
MODULE = os.path.join(SOURCE_DIR, "cmake", "HubDeps.cmake")
APP = "ship-an-app"


def parse_app(output: str) -> dict:
    """The example's `file: <repo path> | <location> | <resolved path> | <size> bytes` lines, by repo path."""
    files = {}
    for line in output.splitlines():
        if line.startswith("file: "):
            repo_path, where, resolved, size = (part.strip() for part in line[len("file: "):].split(" | "))
            files[repo_path] = (where, resolved, int(size.split()[0]))
    return files


def tree(folder: str, follow_links: bool = False) -> dict:
    """Every entry under `folder` (relative path -> 'link', unless followed, or the file's bytes)."""
    found = {}
    for root, dirs, names in os.walk(folder):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder)
            if os.path.islink(path) and not follow_links:
                found[relative] = "link"
            else:
                with open(path, "rb") as stream:
                    found[relative] = stream.read()
    return found


class ShipAnApp(CMakeTestCase):
    """examples/ship-an-app: built, installed, moved, packaged, and run where the build's cache is gone."""

    def build_example(self) -> tuple[str, str, str]:
        project = self.copy_example(APP)
        build = self.path("build")
        self.configure(project, build, f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}", f"-DHUBDEPS_EXECUTABLE={HELPER}",
                       STRICT_FLAGS)
        self.build(build)
        with open(os.path.join(project, "hubdeps.lock"), encoding="utf-8") as stream:
            commit = json.load(stream)["entries"]["bert"]["commit"]
        return project, build, commit

    def another_machine(self, cache: str | None = None, **extra) -> dict:
        """No Hugging Face cache (an empty one), no network: offline, and an endpoint nothing listens on."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("HF_", "HUGGINGFACE_", "HUBDEPS_MODEL_")) and k != "XDG_CACHE_HOME"}
        env["HF_HUB_CACHE"] = cache or self.path("empty-cache")
        os.makedirs(env["HF_HUB_CACHE"], exist_ok=True)
        env["HF_HUB_OFFLINE"] = "1"
        env["HF_ENDPOINT"] = "http://127.0.0.1:9"
        env.update(extra)
        return env

    def run_app(self, executable: str, env: dict, expect_code: int = 0) -> tuple[dict, str]:
        done = subprocess.run([executable], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60)
        self.assertEqual(done.returncode, expect_code, done.stdout)
        return parse_app(done.stdout), done.stdout

    def snapshot_files(self, commit: str) -> dict:
        return tree(self.snapshot_dir(TINY_BERT, commit), follow_links=True)

    def assert_read_from(self, files: dict, expected: dict, where: str, folder: str):
        self.assertEqual(sorted(files), sorted(expected))
        for repo_path, content in expected.items():
            self.assertEqual(files[repo_path], (where, os.path.join(folder, repo_path), len(content)), repo_path)

    def test_installed_app_moved_elsewhere_reads_its_model_without_cache_or_network(self):
        project, build, commit = self.build_example()
        expected = self.snapshot_files(commit)
        snapshot = self.snapshot_dir(TINY_BERT, commit)

        # In the build tree: path() as today, nothing looked up elsewhere.
        files, _ = self.run_app(os.path.join(build, APP), self.env)
        self.assert_read_from(files, expected, "build tree", snapshot)

        # Installed: real files (no link into a cache) at their repo paths, and the lock beside them.
        first = self.path("first-prefix")
        self.run_command([CMAKE, "--install", build, "--prefix", first])
        model = os.path.join("share", APP, "bert")
        installed = tree(os.path.join(first, model))
        self.assertEqual(installed, expected)
        self.assertNotIn("link", tree(first).values())
        with open(os.path.join(project, "hubdeps.lock"), "rb") as source, \
                open(os.path.join(first, "share", APP, "hubdeps.lock"), "rb") as copy:
            self.assertEqual(copy.read(), source.read())

        # Moved to another prefix, on "another machine": no cache, no Hub.
        moved = self.path("elsewhere", "opt", APP)
        shutil.move(first, moved)
        shutil.rmtree(self.cache)
        files, output = self.run_app(os.path.join(moved, "bin", APP), self.another_machine())
        self.assert_read_from(files, expected, "installed", os.path.join(moved, model))
        self.assertIn("config.json as compiled: yes", output)

        # The model's variable wins over everything.
        override = self.path("override")
        shutil.copytree(os.path.join(moved, model), override)
        files, _ = self.run_app(os.path.join(moved, "bin", APP),
                                self.another_machine(HUBDEPS_MODEL_BERT_DIR=override))
        self.assert_read_from(files, expected, "env", override)

    def test_a_cpack_archive_unpacked_anywhere_runs_and_reads_its_model(self):
        _, build, commit = self.build_example()
        expected = self.snapshot_files(commit)
        self.run_command([CPACK, "-G", "TGZ"], cwd=build)
        archives = glob.glob(os.path.join(build, f"{APP}-*.tar.gz"))
        self.assertEqual(len(archives), 1, os.listdir(build))
        unpacked = self.path("unpacked")
        with tarfile.open(archives[0]) as archive:
            self.assertEqual([m.name for m in archive.getmembers() if m.issym() or m.islnk()], [])
            archive.extractall(unpacked)
        shutil.rmtree(self.cache)
        (top,) = os.listdir(unpacked)
        root = os.path.join(unpacked, top)
        files, output = self.run_app(os.path.join(root, "bin", APP), self.another_machine())
        self.assert_read_from(files, expected, "installed", os.path.join(root, "share", APP, "bert"))
        self.assertIn("config.json as compiled: yes", output)

    def test_a_component_without_weights_installed_with_destdir_fetches_them_from_its_installed_lock(self):
        _, build, commit = self.build_example()
        expected = self.snapshot_files(commit)
        staged_root = self.path("stage")
        self.run_command([CMAKE, "--install", build, "--prefix", "/opt/ship", "--component", "app"],
                         env=dict(self.env, DESTDIR=staged_root))
        staged = os.path.join(staged_root, "opt", "ship")
        model = os.path.join(staged, "share", APP, "bert")
        configs = {name: content for name, content in expected.items() if not name.endswith(".safetensors")}
        self.assertEqual(tree(model), configs)
        lock = os.path.join(staged, "share", APP, "hubdeps.lock")
        self.assertTrue(os.path.isfile(os.path.join(staged, "bin", APP)))

        # The other component holds the weights and nothing else.
        weights_root = self.path("stage-weights")
        self.run_command([CMAKE, "--install", build, "--prefix", "/opt/ship", "--component", "weights"],
                         env=dict(self.env, DESTDIR=weights_root))
        self.assertEqual(tree(weights_root), {os.path.join("opt", "ship", "share", APP, "bert", "model.safetensors"):
                                              expected["model.safetensors"]})

        # On another machine the app says what is missing and how to get it.
        shutil.rmtree(self.cache)
        user_cache = self.path("user-cache")
        user_snapshot = os.path.join(user_cache, f"models--{TINY_BERT.replace('/', '--')}", "snapshots", commit)
        files, output = self.run_app(os.path.join(staged, "bin", APP), self.another_machine(user_cache), 3)
        self.assertEqual(files["model.safetensors"][:2], ("missing", os.path.join(user_snapshot, "model.safetensors")))
        self.assertEqual(files["config.json"][0], "installed")
        self.assertIn("hubdeps fetch --lock <install prefix>/share/ship-an-app/hubdeps.lock --name bert", output)
        self.assertIn("HUBDEPS_MODEL_BERT_DIR", output)

        # The first run's step: the pinned commit, nothing resolved, the installed lock left as it was.
        with open(lock, "rb") as stream:
            lock_bytes = stream.read()
        self.hub.clear_log()
        printed = self.run_command([HELPER, "fetch", "--lock", lock, "--name", "bert", "--quiet"],
                                   env=self.hub.env(cache_dir=user_cache))
        self.assertEqual(printed.strip(), user_snapshot)
        requested = self.requested_paths()
        self.assertTrue(requested)
        by_revision = [path for path in requested if any(part in path for part in ("/resolve/", "/revision/", "/tree/"))]
        self.assertTrue(by_revision, requested)
        self.assertEqual([path for path in by_revision if commit not in path], [], requested)
        with open(lock, "rb") as stream:
            self.assertEqual(stream.read(), lock_bytes)

        files, output = self.run_app(os.path.join(staged, "bin", APP), self.another_machine(user_cache))
        self.assertEqual(files["model.safetensors"],
                         ("cache", os.path.join(user_snapshot, "model.safetensors"), len(expected["model.safetensors"])))
        for name, content in configs.items():
            self.assertEqual(files[name], ("installed", os.path.join(model, name), len(content)))

    def test_fetch_by_lock_entry_says_what_is_wrong(self):
        lock = self.path("hubdeps.lock")
        self.run_command([HELPER, "fetch", TINY_BERT, "--include", "*.json", "--lock", lock, "--name", "bert",
                          "--quiet"])
        cases = [
            ([], "fetch needs a REPO_ID"),
            (["--lock", self.path("none.lock"), "--name", "bert"], "no lockfile at " + self.path("none.lock")),
            (["--lock", lock, "--name", "other"], f"no entry 'other' in {lock} (its entries: bert)"),
            (["--lock", lock, "--name", "bert", "--revision", "v1.0"], "need a REPO_ID"),
        ]
        for arguments, message in cases:
            done = subprocess.run([HELPER, "fetch", *arguments], env=self.env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(done.returncode, 2, (arguments, done.stderr))
            self.assertIn(message, done.stderr, arguments)


ERRORS_CMAKELISTS = """cmake_minimum_required(VERSION 3.19)
project(install_errors LANGUAGES CXX)
include("{module}")
hf_fetch_model(bert REPO {repo} INCLUDE "*.json")
set(CASE "" CACHE STRING "which wrong call to make")
if(CASE STREQUAL "undeclared")
  hf_install_model(other DESTINATION share/x)
elseif(CASE STREQUAL "no_destination")
  hf_install_model(bert COMPONENT app)
elseif(CASE STREQUAL "absolute")
  hf_install_model(bert DESTINATION /opt/x)
elseif(CASE STREQUAL "nothing_selected")
  hf_install_model(bert DESTINATION share/x INCLUDE "*.bin")
elseif(CASE STREQUAL "missing_file")
  hf_install_model(bert DESTINATION share/x INCLUDE vocab.txt)
elseif(CASE STREQUAL "two_destinations")
  hf_install_model(bert DESTINATION share/x INCLUDE config.json)
  hf_install_model(bert DESTINATION share/y INCLUDE tokenizer.json)
elseif(CASE STREQUAL "unknown")
  hf_install_model(bert DESTINATION share/x RENAME y)
elseif(CASE STREQUAL "fine")
  hf_install_model(bert DESTINATION share/x INCLUDE "token*" EXCLUDE "*_config.json")
endif()
"""


class InstallErrors(CMakeTestCase):
    def test_each_wrong_call_fails_the_configure_saying_what_to_write(self):
        project = self.path("project")
        os.makedirs(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as stream:
            stream.write(ERRORS_CMAKELISTS.format(module=MODULE, repo=TINY_BERT))
        build = self.path("build")
        self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}")
        cases = {
            "undeclared": "hf_install_model(other): no hf_fetch_model(other ...) comes before it",
            "no_destination": "DESTINATION is missing",
            "absolute": "DESTINATION '/opt/x' is absolute; give a folder relative to the install prefix",
            "nothing_selected": "INCLUDE/EXCLUDE select none of the fetched files (config.json, tokenizer.json, "
                                "tokenizer_config.json)",
            "missing_file": "INCLUDE 'vocab.txt' is not among the fetched files",
            "two_destinations": "an earlier hf_install_model(bert) gave DESTINATION 'share/x'",
            "unknown": "unknown argument 'RENAME', 'y'",
        }
        for case, message in cases.items():
            output = self.configure(project, build, f"-DCASE={case}", expect_ok=False)
            self.assertIn(message, " ".join(output.split()), case)
        # The globs select as hf_fetch_model's do: '*' across '/', EXCLUDE after INCLUDE.
        self.configure(project, build, "-DCASE=fine")
        self.run_command([CMAKE, "--install", build, "--prefix", self.path("prefix")])
        self.assertEqual(sorted(tree(self.path("prefix"))), [os.path.join("share", "x", "tokenizer.json")])
        # An install whose files are not in the cache (gone, or a DEFER model not built yet) says what to do.
        shutil.rmtree(self.cache)
        output = self.run_command([CMAKE, "--install", build, "--prefix", self.path("again")], expect_ok=False)
        self.assertIn("lacks tokenizer.json, which the install copies: build the project first", " ".join(output.split()))


LIBRARY_CMAKELISTS = """cmake_minimum_required(VERSION 3.19)
project(textlib LANGUAGES CXX)
include(GNUInstallDirs)
include("{module}")
hf_fetch_model(bert REPO {bert} INCLUDE "*.json" HEADERS config.json)
hf_fetch_model(big REPO {big} HEADERS table.json)
add_library(textlib STATIC textlib.cpp)
target_include_directories(textlib PUBLIC "$<BUILD_INTERFACE:${{CMAKE_CURRENT_SOURCE_DIR}}/include>"
                                          "$<INSTALL_INTERFACE:include>")
target_link_libraries(textlib PUBLIC hf::bert hf::big)
install(TARGETS textlib EXPORT textlibTargets ARCHIVE DESTINATION lib)
install(FILES include/textlib.hpp DESTINATION include)
hf_install_model(bert DESTINATION share/textlib/bert EXPORT textlibTargets)
hf_install_model(big DESTINATION share/textlib/big EXPORT textlibTargets)
install(EXPORT textlibTargets NAMESPACE textlib:: DESTINATION lib/cmake/textlib FILE textlibConfig.cmake)
file(GENERATE OUTPUT "${{CMAKE_BINARY_DIR}}/types.txt"
     CONTENT "$<TARGET_PROPERTY:hubdeps_model_bert,TYPE> $<TARGET_PROPERTY:hubdeps_model_big,TYPE>")
"""

LIBRARY_HEADER = """#pragma once
#include <cstdint>
#include <string_view>

#include "hf/bert.hpp"
#include "hf/big.hpp"

std::int64_t table_sum();
inline std::string_view config_path() { return hf::bert::resolve("config.json"); }
"""

LIBRARY_SOURCE = """#include "textlib.hpp"

std::int64_t table_sum() {
  std::int64_t sum = 0;
  for (const std::int64_t value : hf::big::table::values) sum += value;
  return sum;
}
"""

CONSUMER_CMAKELISTS = """cmake_minimum_required(VERSION 3.19)
project(consumer LANGUAGES CXX)
find_package(textlib CONFIG REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE textlib::textlib)
set_target_properties(consumer PROPERTIES CXX_EXTENSIONS OFF)
install(TARGETS consumer RUNTIME DESTINATION bin)
"""

CONSUMER_MAIN = """#include <iostream>

#include "textlib.hpp"

int main() {
  std::cout << "sum=" << table_sum() << "\\n"
            << "count=" << hf::big::table::values.size() << "\\n"
            << "hidden_size=" << hf::bert::config::hidden_size << "\\n"
            << "config=" << hf::bert::location("config.json") << " " << config_path() << "\\n";
}
"""


class ExportedLibrary(CMakeTestCase):
    """A library linking hf::<name> (one header-only, one static with large values) exported and consumed."""

    def write(self, folder: str, files: dict) -> str:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
            with open(os.path.join(folder, name), "w", encoding="utf-8") as stream:
                stream.write(text)
        return folder

    def test_install_export_of_a_library_linking_models_gives_consumers_what_they_need(self):
        values = list(range(3000))  # over the 1024 elements that make a value large
        self.hub.create_repo("hubdeps-test/big-config")
        self.hub.commit("hubdeps-test/big-config", {"table.json": json.dumps({"values": values})})
        library = self.write(self.path("textlib"), {
            "CMakeLists.txt": LIBRARY_CMAKELISTS.format(module=MODULE, bert=TINY_BERT, big="hubdeps-test/big-config"),
            "include/textlib.hpp": LIBRARY_HEADER, "textlib.cpp": LIBRARY_SOURCE})
        build = self.path("textlib-build")
        self.configure(library, build, f"-DHUBDEPS_EXECUTABLE={HELPER}", STRICT_FLAGS)
        with open(os.path.join(build, "types.txt"), encoding="utf-8") as stream:
            self.assertEqual(stream.read(), "INTERFACE_LIBRARY STATIC_LIBRARY")
        self.build(build)
        prefix = self.path("prefix")
        self.run_command([CMAKE, "--install", build, "--prefix", prefix])
        for header in ("bert.hpp", "big.hpp"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, "include", "hf", header)), header)
        with open(os.path.join(prefix, "lib", "cmake", "textlib", "textlibConfig.cmake"), encoding="utf-8") as stream:
            exported = stream.read()
        self.assertIn('HUBDEPS_MODEL_BERT_INSTALLED=\\"../share/textlib/bert\\"', exported)

        # A consumer that knows nothing of HubDeps: the header, C++17 and the static data come with the package.
        consumer = self.write(self.path("consumer"), {"CMakeLists.txt": CONSUMER_CMAKELISTS,
                                                      "main.cpp": CONSUMER_MAIN})
        consumer_build = self.path("consumer-build")
        clean = {k: v for k, v in self.env.items() if not k.startswith(("HF_", "HUBDEPS"))}
        self.configure(consumer, consumer_build, f"-DCMAKE_PREFIX_PATH={prefix}", STRICT_FLAGS, env=clean)
        self.build(consumer_build, env=clean)
        self.run_command([CMAKE, "--install", consumer_build, "--prefix", prefix], env=clean)
        shutil.rmtree(self.cache)
        output = self.run_command([os.path.join(prefix, "bin", "consumer")], env=clean)
        config = os.path.join(prefix, "share", "textlib", "bert", "config.json")
        self.assertEqual(output.splitlines(), [f"sum={sum(values)}", f"count={len(values)}", "hidden_size=768",
                                               f"config=installed {config}"])


PROBE = r"""// Prints where the header's run-time lookup finds each file named on the command line.
#include <iostream>

#include "hf/other.hpp"
#include "hf/tiny.hpp"

static_assert(hf::tiny::path("config.json").size() > 0, "path() is still a constant expression");
static_assert(hf::tiny::dir_variable == "HUBDEPS_MODEL_TINY_DIR", "one variable per model");

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::cout << argv[i] << "|" << hf::tiny::location(argv[i]) << "|" << hf::tiny::resolve(argv[i]) << "\n";
  }
  std::cout << "other|" << models::other::location("a.txt") << "|" << models::other::resolve("a.txt") << "\n";
}
"""

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class RuntimeResolution(unittest.TestCase):
    """The generated lookup, compiled by GCC and Clang as C++17 and C++20, in each situation it tells apart."""

    @classmethod
    def setUpClass(cls):
        if not HELPER or not os.path.isfile(HELPER):
            raise unittest.SkipTest("HUBDEPS_BIN must name the built hubdeps helper (CTest sets it)")
        cls.compilers = [c for c in ("g++", "clang++") if shutil.which(c)]
        if not cls.compilers:
            raise unittest.SkipTest("neither g++ nor clang++ is installed (apt-get install g++ clang)")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hubdeps-runtime-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.snapshot = self.path("build-cache", "models--org--tiny", "snapshots", COMMIT)
        self.write(os.path.join(self.snapshot, "config.json"), "{}")
        self.write(os.path.join(self.snapshot, "weights", "w.bin"), "weights")
        include = self.path("include", "hf")
        for name, namespace, files in (("tiny", "hf::tiny", ["config.json", "weights/w.bin"]),
                                       ("other", "models::other", ["a.txt"])):
            fetch_json = self.path(f"{name}.fetch.json")
            self.write(fetch_json, json.dumps({
                "repo_id": f"org/{name}", "repo_type": "model", "revision": "main", "commit": COMMIT,
                "snapshot_dir": self.snapshot if name == "tiny" else self.path("gone"),
                "files": [{"path": path, "size": 1} for path in files]}))
            subprocess.run([HELPER, "model-header", "--fetch-json", fetch_json, "--namespace", namespace,
                            "--out", os.path.join(include, f"{name}.hpp")], check=True)
        self.write(self.path("probe.cpp"), PROBE)

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)

    @staticmethod
    def write(path: str, text: str):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(text)

    def compile(self, compiler: str, standard: str, output: str, *defines: str) -> str:
        os.makedirs(os.path.dirname(output), exist_ok=True)
        done = subprocess.run([compiler, f"-std={standard}", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                               "-I", self.path("include"), *defines, self.path("probe.cpp"), "-o", output],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout)
        return output

    def probe(self, executable: str, **env) -> dict:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("HF_", "HUGGINGFACE_", "HUBDEPS_MODEL_")) and k != "XDG_CACHE_HOME"}
        environment["HF_HUB_CACHE"] = self.path("user-cache")
        environment.update(env)
        output = subprocess.run([executable, "config.json", "weights/w.bin", "not/fetched.json"], env=environment,
                                stdout=subprocess.PIPE, text=True, check=True, timeout=60).stdout
        return {name: (where, path) for name, where, path in (line.split("|") for line in output.splitlines())}

    def test_every_compiler_and_standard_finds_files_in_the_documented_order(self):
        for compiler in self.compilers:
            for standard in ("c++17", "c++20"):
                with self.subTest(compiler=compiler, standard=standard):
                    self.check(compiler, standard)

    def check(self, compiler: str, standard: str):
        label = f"{compiler}-{standard}"
        user_cache = self.path("user-cache", "models--org--tiny", "snapshots", COMMIT)
        other_missing = ("missing", self.path("user-cache", "models--org--other", "snapshots", COMMIT, "a.txt"))

        # Built without an installed location: the build tree's snapshot, exactly path().
        plain = self.compile(compiler, standard, self.path(label, "plain", "probe"))
        self.assertEqual(self.probe(plain), {
            "config.json": ("build tree", os.path.join(self.snapshot, "config.json")),
            "weights/w.bin": ("build tree", os.path.join(self.snapshot, "weights", "w.bin")),
            "not/fetched.json": ("", ""), "other": other_missing})
        # The model's variable first, unchecked.
        self.assertEqual(self.probe(plain, HUBDEPS_MODEL_TINY_DIR="/models/tiny/")["weights/w.bin"],
                         ("env", "/models/tiny/weights/w.bin"))
        self.assertEqual(self.probe(plain, HUBDEPS_MODEL_OTHER_DIR="/x")["other"], other_missing)
        self.assertEqual(self.probe(plain, HUBDEPS_MODEL_MODELS_OTHER_DIR="/x")["other"], ("env", "/x/a.txt"))

        # Installed (as hf_install_model() defines it): config.json beside the executable, the weights not.
        prefix = self.path(label, "prefix")
        installed = self.compile(compiler, standard, os.path.join(prefix, "bin", "probe"),
                                 '-DHUBDEPS_MODEL_TINY_INSTALLED="../share/tiny"')
        self.write(os.path.join(prefix, "share", "tiny", "config.json"), "{}")
        moved = self.path(label, "moved", "prefix")
        shutil.move(prefix, moved)
        config = ("installed", os.path.join(moved, "share", "tiny", "config.json"))
        self.assertEqual(self.probe(os.path.join(moved, "bin", "probe")), {
            "config.json": config, "weights/w.bin": ("build tree", os.path.join(self.snapshot, "weights", "w.bin")),
            "not/fetched.json": ("", ""), "other": other_missing})

        # On a machine without the build's cache: this machine's cache at the pinned commit, else "missing".
        hidden = self.snapshot + ".hidden"
        os.rename(self.snapshot, hidden)
        try:
            run = os.path.join(moved, "bin", "probe")
            self.assertEqual(self.probe(run)["weights/w.bin"],
                             ("missing", os.path.join(user_cache, "weights", "w.bin")))
            self.write(os.path.join(user_cache, "weights", "w.bin"), "weights")
            self.assertEqual(self.probe(run)["weights/w.bin"], ("cache", os.path.join(user_cache, "weights", "w.bin")))
            self.assertEqual(self.probe(run)["config.json"], config)
            # Found as the Hub clients find the cache: HF_HOME/hub without HF_HUB_CACHE.
            home = self.path(label, "hf-home")
            self.write(os.path.join(home, "hub", "models--org--tiny", "snapshots", COMMIT, "weights", "w.bin"), "w")
            environment = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUBDEPS_MODEL_"))}
            environment["HF_HOME"] = home
            output = subprocess.run([run, "weights/w.bin"], env=environment, stdout=subprocess.PIPE, text=True,
                                    check=True).stdout
            self.assertEqual(output.splitlines()[0], "weights/w.bin|cache|" + os.path.join(
                home, "hub", "models--org--tiny", "snapshots", COMMIT, "weights", "w.bin"))
            shutil.rmtree(self.path("user-cache"))
        finally:
            os.rename(hidden, self.snapshot)


if __name__ == "__main__":
    unittest.main()
