"""End-to-end tests of cmake/HubDeps.cmake: real CMake configures, Ninja builds and runs of the examples and
of small test projects, against the local test Hub, for each way of getting HubDeps (installed package,
add_subdirectory / FetchContent, HUBDEPS_EXECUTABLE).

Each test gets its own temporary folder and Hugging Face cache; each test class starts its own Hub, so CTest
runs the classes side by side. CTest passes:
  HUBDEPS_BIN         the built helper (tool/hubdeps), given to most projects as HUBDEPS_EXECUTABLE
  HUBDEPS_BUILD_DIR   HubDeps' build folder, installed into a temporary prefix for find_package()
  HUBDEPS_SOURCE_DIR  HubDeps' sources (the examples, the module, FetchContent / add_subdirectory)
  HUBDEPS_SHARED_DIR  real Hub config files (fixtures/hub-configs), for look-alikes of real repos
Standard library only. Run one class by hand: python3 -m unittest -v test_hubdeps_cmake.Errors
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

SOURCE_DIR = os.path.abspath(os.environ.get("HUBDEPS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "hub"))
from hubtest import READ_TOKEN, TestHub  # noqa: E402  (found through the line above)

HELPER = os.environ.get("HUBDEPS_BIN", "")
BUILD_DIR = os.environ.get("HUBDEPS_BUILD_DIR", "")
SHARED_DIR = os.environ.get("HUBDEPS_SHARED_DIR", os.path.join(SOURCE_DIR, "..", "shared"))
CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
# The ctest of the same CMake, beside it.
CTEST = os.path.join(os.path.dirname(CMAKE), "ctest") if os.path.dirname(CMAKE) else "ctest"
PROJECTS = os.path.join(SOURCE_DIR, "tests", "cmake", "projects")
EXAMPLES = os.path.join(SOURCE_DIR, "examples")
# The examples must compile warning-free with the generated headers in them.
STRICT_FLAGS = "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"
TINY_BERT = "hubdeps-demo/tiny-bert"


def squash(text: str) -> str:
    """CMake re-wraps message text; compare words, not line breaks."""
    return " ".join(text.split())


def cmake_error_block(output: str) -> str:
    start = output.find("CMake Error")
    return output[start:] if start >= 0 else ""


def parse_key_values(text: str, separator: str = "=") -> dict:
    values = {}
    for line in text.splitlines():
        if separator in line:
            key, value = line.split(separator, 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return {key: found[0] if len(found) == 1 else found for key, found in values.items()}


def mtimes(*paths: str) -> dict:
    return {path: os.stat(path).st_mtime_ns for path in paths}


class CMakeTestCase(unittest.TestCase):
    """A Hub per class, a folder and a cache per test, and helpers to drive CMake."""

    seed = True
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not HELPER or not os.path.isfile(HELPER):
            raise unittest.SkipTest("HUBDEPS_BIN must name the built hubdeps helper (CTest sets it)")
        cls.hub = TestHub(seed=cls.seed).start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hubdeps-cmake-")
        if os.environ.get("HUBDEPS_KEEP_TEST_DIRS"):
            print(f"\n{self.id()}: {self.tmp}", file=sys.stderr)
        else:
            self.addCleanup(shutil.rmtree, self.tmp, True)
        self.cache = self.path("hf-cache")
        self.env = self.hub.env(cache_dir=self.cache)

    def path(self, *parts: str) -> str:
        return os.path.join(self.tmp, *parts)

    def run_command(self, command: list, *, env: dict | None = None, cwd: str | None = None,
                    expect_ok: bool = True, timeout: float = 600) -> str:
        """Runs a command and returns stdout + stderr; a failure shows both."""
        done = subprocess.run(command, env=env or self.env, cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout)
        if expect_ok and done.returncode != 0:
            self.fail(f"{' '.join(command)} failed with {done.returncode}:\n{done.stdout}")
        if not expect_ok and done.returncode == 0:
            self.fail(f"{' '.join(command)} succeeded, but should have failed:\n{done.stdout}")
        return done.stdout

    def configure(self, source: str, build: str, *args: str, env: dict | None = None, expect_ok: bool = True,
                  cwd: str | None = None) -> str:
        return self.run_command([CMAKE, "-S", source, "-B", build, "-G", "Ninja", *args], env=env,
                                expect_ok=expect_ok, cwd=cwd)

    def reconfigure(self, build: str, *args: str, env: dict | None = None) -> str:
        return self.run_command([CMAKE, *args, build], env=env)

    def build(self, build: str, env: dict | None = None) -> str:
        return self.run_command([CMAKE, "--build", build], env=env)

    def copy_example(self, name: str) -> str:
        """A copy, so the lockfile the configure writes lands in the test's folder, not in the sources."""
        target = self.path(name)
        shutil.copytree(os.path.join(EXAMPLES, name), target,
                        ignore=shutil.ignore_patterns("build*", "hubdeps.lock") if name != "pinned-offline" else None)
        return target

    def install_prefix(self) -> str:
        """HubDeps as a user gets it from `cmake --install`, in a prefix of this test."""
        if not BUILD_DIR:
            self.skipTest("HUBDEPS_BUILD_DIR must name HubDeps' build folder (CTest sets it)")
        prefix = self.path("prefix")
        self.run_command([CMAKE, "--install", BUILD_DIR, "--prefix", prefix])
        self.assertTrue(os.path.isfile(os.path.join(prefix, "bin", "hubdeps")))
        return prefix

    def snapshot_dir(self, repo_id: str, commit: str, repo_type: str = "model") -> str:
        return os.path.join(self.cache, f"{repo_type}s--{repo_id.replace('/', '--')}", "snapshots", commit)

    def refs(self, repo_id: str, repo_type: str = "model") -> dict:
        return self.hub.refs(repo_id, type=repo_type)

    def listing(self, repo_id: str, revision: str, repo_type: str = "model") -> list:
        """The repo's file names at a revision, as the Hub API lists them."""
        url = f"{self.hub.endpoint}/api/{repo_type}s/{repo_id}/revision/{revision}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=30) as answer:
            return sorted(sibling["rfilename"] for sibling in json.load(answer)["siblings"])

    def requested_paths(self) -> list:
        return [entry["path"] for entry in self.hub.log()]

    def assert_no_hubdeps_targets(self, build: str):
        """As a subproject, HubDeps adds nothing to the parent's build: no helper, no engine, no tests."""
        targets = [line.split(":")[0] for line in
                   self.run_command(["ninja", "-C", build, "-t", "targets", "all"]).splitlines() if ":" in line]
        self.assertTrue(any(target.endswith("/edit_cache") for target in targets), targets)  # it has the subproject
        self.assertEqual([t for t in targets if re.search(r"(^|/)(hubdeps|hubdeps_engine|hubdeps_unit_tests)$|"
                                                          r"hubdeps(_engine|_unit_tests)?\.dir/", t)], [])
        self.assertIn("Total Tests: 0", self.run_command([CTEST, "--test-dir", build, "-N"]))

    def run_quickstart(self, build: str) -> dict:
        return parse_key_values(self.run_command([os.path.join(build, "quickstart")]), ":")

    def assert_quickstart_output(self, values: dict, commit: str):
        """The program's values against the files in the cache, not against numbers written here."""
        snapshot = self.snapshot_dir(TINY_BERT, commit)
        with open(os.path.join(snapshot, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.assertEqual(values["commit"], commit)
        self.assertEqual(values["model"], f"{TINY_BERT} (main)")
        self.assertEqual(int(values["hidden_size"]), config["hidden_size"])
        self.assertEqual(int(values["layers"]), config["num_hidden_layers"])
        self.assertEqual(int(values["heads"]), config["num_attention_heads"])
        tokenizer = os.path.join(snapshot, "tokenizer.json")
        self.assertEqual(values["tokenizer"], f"{tokenizer} ({os.path.getsize(tokenizer)} bytes)")

    def commit_new_config(self, **changes) -> str:
        """A new commit on tiny-bert's main with config.json changed: what a model author pushes."""
        url = f"{self.hub.endpoint}/{TINY_BERT}/resolve/main/config.json"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=30) as answer:
            config = json.load(answer)
        config.update(changes)
        return self.hub.commit(TINY_BERT, {"config.json": json.dumps(config, indent=2) + "\n"},
                               message="Change the config")


class QuickstartInstalled(CMakeTestCase):
    """find_package(HubDeps) from a `cmake --install` prefix: the README demo, then what a re-configure does."""

    def configure_quickstart(self) -> tuple[str, str, str]:
        prefix = self.install_prefix()
        project = self.copy_example("quickstart")
        build = self.path("build")
        output = self.configure(project, build, f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_CXX_STANDARD=17",
                                "-DCMAKE_CXX_EXTENSIONS=OFF", STRICT_FLAGS, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON")
        self.assertRegex(output, r"HubDeps: using hubdeps \S+ at .*/prefix/bin/hubdeps \(installed\)")
        self.build(build)
        return prefix, project, build

    def test_quickstart_builds_and_prints_the_models_real_values(self):
        prefix, project, build = self.configure_quickstart()
        with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
            self.assertIn(f"HubDeps_DIR:PATH={prefix}/lib/cmake/HubDeps", f.read())
        main = self.refs(TINY_BERT)["branches"]["main"]
        self.assert_quickstart_output(self.run_quickstart(build), main)
        # INCLUDE "*.json" keeps the weights on the Hub.
        self.assertNotIn(f"/{TINY_BERT}/resolve/{main}/model.safetensors", self.requested_paths())
        self.assertFalse(os.path.exists(os.path.join(self.snapshot_dir(TINY_BERT, main), "model.safetensors")))
        with open(os.path.join(project, "hubdeps.lock"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["entries"]["bert"]["commit"], main)
        # The generated header is compiled as C++17, the oldest standard it promises.
        with open(os.path.join(build, "compile_commands.json"), encoding="utf-8") as f:
            commands = [entry["command"] for entry in json.load(f) if entry["file"].endswith("main.cpp")]
        self.assertEqual(len(commands), 1)
        self.assertIn("-std=c++17", commands[0])

    def test_a_reconfigure_with_nothing_changed_rewrites_nothing_and_ninja_has_no_work(self):
        _, project, build = self.configure_quickstart()
        watched = [os.path.join(project, "hubdeps.lock"), os.path.join(build, "hubdeps", "include", "hf", "bert.hpp"),
                   os.path.join(build, "hubdeps", "bert.fetch.json")]
        before = mtimes(*watched)
        self.hub.clear_log()
        self.reconfigure(build)
        self.assertEqual(mtimes(*watched), before)
        # The lock pins the commit and the cache has the files: no reason to ask the Hub anything.
        self.assertEqual(self.requested_paths(), [])
        self.assertIn("ninja: no work to do", self.build(build))
        # The same when the re-configure is forced by an edited CMakeLists.txt.
        os.utime(os.path.join(project, "CMakeLists.txt"))
        output = self.build(build)
        self.assertIn("Re-running CMake", output)
        self.assertNotIn("Building CXX", output)
        self.assertEqual(mtimes(*watched), before)
        self.assertIn("ninja: no work to do", self.build(build))

    def test_a_reconfigure_with_nothing_changed_runs_no_helper_unless_the_cache_lost_a_file(self):
        _, project, build = self.configure_quickstart()
        quiet = self.reconfigure(build)
        # The helper prints a summary line whenever it runs; a reused result prints none.
        self.assertNotIn("already cached", quiet)
        self.assertIn("HubDeps: bert:", quiet)
        # A file gone from the cache is noticed: the helper runs and puts it back.
        commit = self.refs(TINY_BERT)["branches"]["main"]
        config = os.path.join(self.snapshot_dir(TINY_BERT, commit), "config.json")
        os.remove(os.path.realpath(config))
        self.hub.clear_log()
        repaired = self.reconfigure(build)
        self.assertIn("1 file(s) downloaded", repaired)
        self.assertTrue(os.path.isfile(config))
        self.assertEqual([p for p in self.requested_paths() if "/resolve/" in p], [f"/{TINY_BERT}/resolve/{commit}/config.json"])
        # Another cache, chosen for this build folder, is not mistaken for the same state either. (Another
        # cache in the environment is only noted: the build folder keeps the cache it recorded.)
        other_cache = self.path("other-cache")
        moved = self.reconfigure(build, f"-DHUBDEPS_CACHE_DIR={other_cache}")
        self.assertIn("file(s) downloaded", moved)
        self.assertTrue(os.path.isdir(other_cache))

    def test_a_moved_pin_in_the_lockfile_reconfigures_and_rebuilds(self):
        _, project, build = self.configure_quickstart()
        old = self.refs(TINY_BERT)["branches"]["main"]
        heads = random.choice([4, 8, 16])
        new_config = {"hidden_size": heads * random.randint(20, 90), "num_attention_heads": heads,
                      "num_hidden_layers": random.randint(3, 40)}
        new = self.commit_new_config(**new_config)
        # Not picked up by itself: the lock keeps the build where it was.
        self.reconfigure(build)
        self.assertEqual(self.run_quickstart(build)["commit"], old)
        # A teammate moves the pin and the lockfile arrives with a pull: the next build re-configures.
        lockfile = os.path.join(project, "hubdeps.lock")
        self.run_command([HELPER, "lock", "--update", "--lock", lockfile, "bert"])
        output = self.build(build)
        self.assertIn("Re-running CMake", output)
        self.assertIn("Building CXX", output)
        values = self.run_quickstart(build)
        self.assert_quickstart_output(values, new)
        self.assertEqual(int(values["hidden_size"]), new_config["hidden_size"])

    def test_hubdeps_update_moves_the_pins_once(self):
        _, project, build = self.configure_quickstart()
        new = self.commit_new_config(num_hidden_layers=random.randint(50, 99))
        output = self.reconfigure(build, "-DHUBDEPS_UPDATE=ON")
        self.assertIn("HubDeps: pins updated; HUBDEPS_UPDATE is OFF again", output)
        with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
            self.assertIn("HUBDEPS_UPDATE:BOOL=OFF", f.read())
        with open(os.path.join(project, "hubdeps.lock"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["entries"]["bert"]["commit"], new)
        self.build(build)
        self.assert_quickstart_output(self.run_quickstart(build), new)


# FetchContent of HubDeps' sources with no helper anywhere, the module building one once per build tree:
# test_generators.NestedHelperMultiConfig, the one test that pays for that nested build of the whole helper.


class QuickstartFetchContentWithExecutable(CMakeTestCase):
    """FetchContent of HubDeps' sources, running an existing helper given as HUBDEPS_EXECUTABLE."""

    def test_the_given_helper_is_used_and_nothing_is_built_for_hubdeps(self):
        project = self.copy_example("quickstart")
        build = self.path("build")
        output = self.configure(project, build, f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}",
                                f"-DHUBDEPS_EXECUTABLE={HELPER}", STRICT_FLAGS)
        self.assertIn(f"at {HELPER} (HUBDEPS_EXECUTABLE)", output)
        self.assertFalse(os.path.exists(os.path.join(build, "_hubdeps")))
        self.build(build)
        self.assert_quickstart_output(self.run_quickstart(build), self.refs(TINY_BERT)["branches"]["main"])


class ConcurrentConfigures(CMakeTestCase):
    """Two build folders of one source tree configure at the same moment: one lockfile, one cache."""

    def test_two_configures_sharing_a_source_tree_and_lockfile_both_succeed(self):
        project = self.copy_example("quickstart")
        with open(os.path.join(project, "CMakeLists.txt"), "a", encoding="utf-8") as f:
            # A second model, so each configure has an entry of its own to write.
            f.write('\nhf_fetch_model(bert_v1 REPO "${QUICKSTART_REPO}" REVISION v1.0 INCLUDE "*.json")\n')
        for round_number in range(3):
            lock = os.path.join(project, "hubdeps.lock")
            if os.path.exists(lock):
                os.remove(lock)
            shutil.rmtree(self.cache, ignore_errors=True)
            self.hub.clear_log()
            builds = [self.path(f"build-{round_number}-{side}") for side in ("a", "b")]
            command = lambda build: [CMAKE, "-S", project, "-B", build, "-G", "Ninja",  # noqa: E731
                                     f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}", f"-DHUBDEPS_EXECUTABLE={HELPER}"]
            processes = [subprocess.Popen(command(build), env=self.env, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True) for build in builds]
            outputs = [process.communicate(timeout=600)[0] for process in processes]
            for process, output in zip(processes, outputs):
                self.assertEqual(process.returncode, 0, output)
            with open(lock, encoding="utf-8") as f:
                entries = json.load(f)["entries"]
            refs = self.refs(TINY_BERT)
            self.assertEqual({name: entry["commit"] for name, entry in entries.items()},
                             {"bert": refs["branches"]["main"], "bert_v1": refs["tags"]["v1.0"]})
            downloads = [e["path"] for e in self.hub.log() if "/resolve/" in e["path"] and e["method"] == "GET"]
            self.assertEqual(len(downloads), len(set(downloads)), "a file was downloaded twice")
            for build in builds:
                self.build(build)
                self.assert_quickstart_output(self.run_quickstart(build), refs["branches"]["main"])


class ErrorsForEveryWayIn(CMakeTestCase):
    """The error cases fail the same way whichever way the project gets HubDeps."""

    def ways(self) -> dict:
        """The top of a project's CMakeLists.txt, and extra configure arguments, for each way in."""
        prefix = self.install_prefix()
        return {
            "installed": ("find_package(HubDeps 0.1 REQUIRED)", [f"-DCMAKE_PREFIX_PATH={prefix}"]),
            "fetchcontent": (f'include(FetchContent)\nFetchContent_Declare(hubdeps SOURCE_DIR "{SOURCE_DIR}")\n'
                             "FetchContent_MakeAvailable(hubdeps)", [f"-DHUBDEPS_EXECUTABLE={HELPER}"]),
            "add_subdirectory": (f'add_subdirectory("{SOURCE_DIR}" hubdeps)', [f"-DHUBDEPS_EXECUTABLE={HELPER}"]),
            "executable": (f'include("{SOURCE_DIR}/cmake/HubDeps.cmake")', [f"-DHUBDEPS_EXECUTABLE={HELPER}"]),
        }

    def configure_with(self, head: str, args: list, body: str, name: str, *extra: str, expect_ok: bool) -> str:
        project = self.path(name)
        os.makedirs(project, exist_ok=True)
        with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write(f"cmake_minimum_required(VERSION 3.19)\nproject(errors LANGUAGES NONE)\n{head}\n{body}\n")
        return self.configure(project, os.path.join(project, "build"), *args, *extra, expect_ok=expect_ok)

    def test_bad_repo_missing_file_stale_lock_and_offline_miss_for_every_way_in(self):
        for way, (head, args) in self.ways().items():
            with self.subTest(way=way):
                output = self.configure_with(head, args, "hf_fetch_model(bert REPO acme/../x)", f"{way}-bad-repo",
                                             expect_ok=False)
                self.assertIn("is not a Hub repository id", squash(cmake_error_block(output)))
                output = self.configure_with(head, args, f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE nope.json)",
                                             f"{way}-missing-file", expect_ok=False)
                self.assertIn("nope.json", squash(cmake_error_block(output)))
                self.assertIn("exit code 3", squash(cmake_error_block(output)))
                # Locked and stale: a lock from one declaration, then another one under HUBDEPS_LOCKED.
                self.configure_with(head, args, f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)",
                                    f"{way}-stale", expect_ok=True)
                output = self.configure_with(head, args, f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0 "
                                             "INCLUDE config.json)", f"{way}-stale", "-DHUBDEPS_LOCKED=ON",
                                             expect_ok=False)
                self.assertIn("exit code 7", squash(cmake_error_block(output)))
                output = self.configure_with(head, args, f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0)",
                                             f"{way}-offline", "-DHUBDEPS_OFFLINE=ON",
                                             "-DHUBDEPS_CACHE_DIR=" + self.path(f"{way}-empty-cache"), expect_ok=False)
                self.assertIn("exit code 8", squash(cmake_error_block(output)))


class AddSubdirectory(CMakeTestCase):
    """add_subdirectory() of HubDeps' sources; a dataset selected by folder; the variables it sets."""

    def configure_project(self, *args: str) -> tuple[str, str]:
        build = self.path("build")
        output = self.configure(os.path.join(PROJECTS, "add-subdirectory"), build,
                                f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}", f"-DHUBDEPS_EXECUTABLE={HELPER}",
                                f"-DHUBDEPS_LOCKFILE={self.path('hubdeps.lock')}", STRICT_FLAGS, *args)
        return build, output

    def test_a_dataset_folder_is_fetched_and_described_by_variables_and_header(self):
        build, _ = self.configure_project()
        commit = self.refs("hubdeps-demo/tiny-dataset", "dataset")["branches"]["main"]
        expected = [p for p in self.listing("hubdeps-demo/tiny-dataset", commit, "dataset")
                    if p.startswith("data/train/") and not p.endswith(".parquet")]
        self.assertGreater(len(expected), 1)
        snapshot = self.snapshot_dir("hubdeps-demo/tiny-dataset", commit, "dataset")
        with open(os.path.join(build, "vars.txt"), encoding="utf-8") as f:
            variables = parse_key_values(f.read())
        self.assertEqual(variables["DIR"], snapshot)
        self.assertEqual(variables["COMMIT"], commit)
        self.assertEqual(variables["FILES"].split(";"), expected)

        self.build(build)
        listed = [line.split("\t") for line in self.run_command([os.path.join(build, "list_files")]).splitlines()]
        self.assertEqual([repo_path for repo_path, _, _ in listed], expected)
        for repo_path, path, size in listed:
            self.assertEqual(path, os.path.join(snapshot, repo_path))
            self.assertEqual(int(size), os.path.getsize(path))
        self.assertFalse(any(p.endswith(".parquet") for p in self.requested_paths()))

    def test_hubdeps_own_targets_and_tests_stay_out_of_the_parent(self):
        build, _ = self.configure_project()
        self.assert_no_hubdeps_targets(build)

    def test_with_module_only_off_the_helper_is_a_target_but_the_tests_stay_off(self):
        build, _ = self.configure_project("-DHUBDEPS_MODULE_ONLY=OFF")
        targets = self.run_command(["ninja", "-C", build, "-t", "targets", "all"])
        self.assertRegex(targets, r"(?m)^hubdeps/tool/hubdeps:")
        self.assertNotIn("hubdeps_unit_tests", targets)
        self.assertIn("Total Tests: 0", self.run_command([CTEST, "--test-dir", build, "-N"]))


class DirectInclude(CMakeTestCase):
    """include() of the module file with HUBDEPS_EXECUTABLE; the generated header's contract in C++17 and C++20,
    compiled with Clang when it is installed (the examples use the default compiler)."""

    def test_the_header_declares_the_snapshot_and_compiles_in_several_translation_units(self):
        build = self.path("build")
        compiler = [f"-DCMAKE_CXX_COMPILER={shutil.which('clang++')}"] if shutil.which("clang++") else []
        self.configure(os.path.join(PROJECTS, "direct-include"), build, f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}",
                       f"-DHUBDEPS_EXECUTABLE={HELPER}", f"-DHUBDEPS_LOCKFILE={self.path('hubdeps.lock')}",
                       STRICT_FLAGS, *compiler)
        refs = self.refs(TINY_BERT)
        v1, main = refs["tags"]["v1.0"], refs["branches"]["main"]
        self.assertNotEqual(v1, main)
        with open(os.path.join(build, "vars.txt"), encoding="utf-8") as f:
            variables = parse_key_values(f.read())
        self.assertEqual(variables["V1_COMMIT"], v1)
        self.assertEqual(variables["V1_DIR"], self.snapshot_dir(TINY_BERT, v1))
        self.assertEqual(variables["V1_FILES"].split(";"), self.listing(TINY_BERT, v1))
        self.assertEqual(variables["MAIN_COMMIT"], main)
        self.assertEqual(variables["MAIN_FILES"].split(";"),
                         [p for p in self.listing(TINY_BERT, main) if not p.endswith(".safetensors")])

        self.build(build)
        for standard in ("17", "20"):
            output = self.run_command([os.path.join(build, f"contract{standard}")])
            values = parse_key_values(output)
            v1_dir = self.snapshot_dir(TINY_BERT, v1)
            with open(os.path.join(v1_dir, "tokenizer_config.json"), encoding="utf-8") as f:
                tokenizer_config = json.load(f)
            with open(os.path.join(v1_dir, "config.json"), encoding="utf-8") as f:
                config = json.load(f)
            self.assertEqual(values["v1.repo_id"], TINY_BERT)
            self.assertEqual(values["v1.repo_type"], "model")
            self.assertEqual(values["v1.revision"], "v1.0")
            self.assertEqual(values["v1.commit"], v1)
            self.assertEqual(values["v1.snapshot_dir"], v1_dir)
            self.assertEqual(int(values["v1.model_max_length"]), tokenizer_config["model_max_length"])
            self.assertEqual(int(values["v1.hidden_size"]), config["hidden_size"])
            self.assertEqual(values["v1.weights"], os.path.join(v1_dir, "model.safetensors"))
            self.assertEqual(values["main.revision"], "main")
            self.assertEqual(values["main.commit"], main)
            self.assertEqual(values["main.readme"], os.path.join(self.snapshot_dir(TINY_BERT, main), "README.md"))
            files = [entry.split("|") for entry in values["v1.file"]]
            self.assertEqual([repo_path for repo_path, _, _ in files], self.listing(TINY_BERT, v1))
            for repo_path, path, size in files:
                self.assertEqual(path, os.path.join(v1_dir, repo_path))
                self.assertEqual(int(size), os.path.getsize(path))


class SeveralModels(CMakeTestCase):
    """examples/several-models: two models and a dataset, served under their real ids by the test Hub."""

    seed = False

    def publish_look_alikes(self) -> dict:
        """The real repos' small files (configs copied from real repos, with random values where the program
        prints them), plus big files the example must leave on the Hub."""
        fixtures = os.path.join(SHARED_DIR, "fixtures", "hub-configs")
        if not os.path.isdir(fixtures):
            self.fail(f"the real Hub configs are missing: {fixtures} (HUBDEPS_SHARED_DIR)")
        with open(os.path.join(fixtures, "gpt2", "config.json"), encoding="utf-8") as f:
            gpt2_config = json.load(f)
        with open(os.path.join(fixtures, "gpt2", "generation_config.json"), encoding="utf-8") as f:
            generation_config = json.load(f)
        with open(os.path.join(fixtures, "bert-base-uncased", "config.json"), encoding="utf-8") as f:
            bert_config = json.load(f)
        gpt2_config.update(n_embd=64 * random.randint(2, 30), n_layer=random.randint(1, 48))
        generation_config["bos_token_id"] = random.randint(1, 60000)
        bert_config["hidden_size"] = 64 * random.randint(2, 30)
        vocab_lines = random.randint(10, 500)
        rows = random.randint(5, 300)

        self.hub.create_repo("openai-community/gpt2")
        self.hub.commit("openai-community/gpt2", {
            "config.json": json.dumps(gpt2_config, indent=2) + "\n",
            "generation_config.json": json.dumps(generation_config, indent=2) + "\n",
            "model.safetensors": {"generate": {"size": 2 << 20, "seed": "gpt2"}, "lfs": True}})
        self.hub.create_repo("google-bert/bert-base-uncased")
        self.hub.commit("google-bert/bert-base-uncased", {
            "config.json": json.dumps(bert_config, indent=2) + "\n",
            "tokenizer_config.json": json.dumps({"do_lower_case": random.choice([True, False])}) + "\n",
            "tokenizer.json": json.dumps({"version": "1.0"}) + "\n",
            "vocab.txt": "".join(f"token{i}\n" for i in range(vocab_lines)),
            "model.safetensors": {"generate": {"size": 2 << 20, "seed": "bert"}, "lfs": True}})
        self.hub.create_repo("fka/awesome-chatgpt-prompts", type="dataset")
        self.hub.commit("fka/awesome-chatgpt-prompts", {
            "prompts.csv": '"act","prompt"\n' + "".join(f'"role {i}","prompt {i}"\n' for i in range(rows)),
            "README.md": "---\nlicense: cc0-1.0\n---\n"}, type="dataset")
        return {"gpt2": gpt2_config, "generation": generation_config, "bert": bert_config,
                "vocab_lines": vocab_lines, "rows": rows}

    def test_two_models_and_a_dataset_build_into_one_program(self):
        published = self.publish_look_alikes()
        prefix = self.install_prefix()
        project = self.copy_example("several-models")
        build = self.path("build")
        self.configure(project, build, f"-DCMAKE_PREFIX_PATH={prefix}", STRICT_FLAGS)
        self.build(build)
        output = self.run_command([os.path.join(build, "several_models")])

        gpt2 = self.refs("openai-community/gpt2")["branches"]["main"]
        bert = self.refs("google-bert/bert-base-uncased")["branches"]["main"]
        prompts = self.refs("fka/awesome-chatgpt-prompts", "dataset")["branches"]["main"]
        self.assertIn(f"gpt2:    openai-community/gpt2 @ {gpt2}\n", output)
        self.assertIn(f"  n_embd {published['gpt2']['n_embd']}, n_layer {published['gpt2']['n_layer']}, "
                      f"bos_token_id {published['generation']['bos_token_id']}\n", output)
        self.assertIn(f"bert:    google-bert/bert-base-uncased @ {bert}\n", output)
        with open(os.path.join(self.snapshot_dir("google-bert/bert-base-uncased", bert), "tokenizer_config.json"),
                  encoding="utf-8") as f:
            lower = "true" if json.load(f)["do_lower_case"] else "false"
        self.assertIn(f"  hidden_size {published['bert']['hidden_size']}, do_lower_case {lower}, "
                      f"vocab.txt {published['vocab_lines']} lines\n", output)
        csv = os.path.join(self.snapshot_dir("fka/awesome-chatgpt-prompts", prompts, "dataset"), "prompts.csv")
        self.assertIn(f"prompts: fka/awesome-chatgpt-prompts (dataset) @ {prompts}\n", output)
        self.assertIn(f"  prompts.csv: {published['rows'] + 1} lines, {os.path.getsize(csv)} bytes\n", output)

        # INCLUDE and EXCLUDE kept the weights and tokenizer.json on the Hub.
        self.assertFalse([p for p in self.requested_paths() if p.endswith(("model.safetensors", "tokenizer.json"))])
        with open(os.path.join(project, "hubdeps.lock"), encoding="utf-8") as f:
            entries = json.load(f)["entries"]
        self.assertEqual({name: entry["commit"] for name, entry in entries.items()},
                         {"gpt2": gpt2, "bert": bert, "prompts": prompts})
        self.assertEqual(entries["prompts"]["repo_type"], "dataset")


class PinnedOffline(CMakeTestCase):
    """examples/pinned-offline: its committed lock matches the seeded Hub, and a warm cache builds offline."""

    def test_the_committed_lock_builds_offline_from_a_warm_cache(self):
        prefix = self.install_prefix()
        project = self.copy_example("pinned-offline")
        lockfile = os.path.join(project, "hubdeps.lock")
        with open(lockfile, "rb") as f:
            committed = f.read()
        locked_commit = json.loads(committed)["entries"]["bert"]["commit"]
        # The seeded Hub is deterministic: the committed pin is its tag v1.0.
        self.assertEqual(locked_commit, self.refs(TINY_BERT)["tags"]["v1.0"])

        # Warm the cache the way a developer machine or a CI cache step does: one online configure.
        self.configure(project, self.path("build-online"), f"-DCMAKE_PREFIX_PATH={prefix}")
        with open(lockfile, "rb") as f:
            self.assertEqual(f.read(), committed, "a matching, locked configure must not rewrite the lock")

        # Offline, from a fresh build folder: HF_HUB_OFFLINE=1 and a Hub nobody may ask.
        self.hub.clear_log()
        offline = dict(self.env, HF_HUB_OFFLINE="1")
        build = self.path("build")
        output = self.configure(project, build, f"-DCMAKE_PREFIX_PATH={prefix}", STRICT_FLAGS, env=offline)
        self.assertIn(f"is commit {locked_commit}", output)
        self.build(build, env=offline)
        output = self.run_command([os.path.join(build, "pinned_offline")], env=offline)
        self.assertIn(f"commit:         {locked_commit}\n", output)
        pinned = json.loads(committed)["entries"]["bert"]["files"]
        self.assertIn(f"pinned files:   {len(pinned)}, 0 missing\n", output)
        self.assertEqual(self.requested_paths(), [])
        with open(lockfile, "rb") as f:
            self.assertEqual(f.read(), committed)


class ProjectTestCase(CMakeTestCase):
    """A small project written by the test (include() of the module, HUBDEPS_EXECUTABLE), configured against the
    test's Hub and cache."""

    def setUp(self):
        super().setUp()
        self.project = self.path("project")
        self.lockfile = self.path("project", "hubdeps.lock")

    def write_project(self, body: str):
        os.makedirs(self.project, exist_ok=True)
        with open(os.path.join(self.project, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("cmake_minimum_required(VERSION 3.19)\nproject(errors LANGUAGES NONE)\n"
                    f'include("{SOURCE_DIR}/cmake/HubDeps.cmake")\n{body}\n')

    def configure_project(self, *args: str, env: dict | None = None, expect_ok: bool = True,
                          build: str = "build", helper: str = HELPER, cwd: str | None = None) -> str:
        return self.configure(self.project, self.path(build), f"-DHUBDEPS_EXECUTABLE={helper}", *args,
                              env=env, expect_ok=expect_ok, cwd=cwd)

    def assert_fails_with(self, body: str, *expected: str, args=(), env=None) -> str:
        self.write_project(body)
        output = self.configure_project(*args, env=env, expect_ok=False)
        error = squash(cmake_error_block(output))
        self.assertTrue(error, f"no CMake Error in:\n{output}")
        for text in expected:
            self.assertIn(squash(text), error)
        return output

    def assert_helper_message_surfaces(self, output: str):
        """The helper's own `hubdeps: error:` text is quoted in the CMake error, not just an exit code."""
        messages = re.findall(r"^hubdeps: error: (.*)$", output, re.M)
        self.assertTrue(messages, output)
        self.assertIn(squash(messages[-1]), squash(cmake_error_block(output)))


class Errors(ProjectTestCase):
    """Wrong declarations and helper failures: each stops the configure with a message that says what to do."""

    def test_a_missing_repo_argument_is_named(self):
        self.assert_fails_with("hf_fetch_model(bert REVISION main)",
                               "hf_fetch_model(bert): REPO is missing: give the Hub repository id")

    def test_a_missing_name_is_reported(self):
        self.assert_fails_with("hf_fetch_model(REPO org/model)", "needs the dependency's name first")

    def test_an_unknown_argument_is_named(self):
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} REVISON v1.0)",
                               "unknown argument 'REVISON', 'v1.0'", "REVISION <rev>")

    def test_a_keyword_without_value_is_named(self):
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE)", "INCLUDE is given without a value")

    def test_a_malformed_repo_id_is_rejected_before_any_request(self):
        self.hub.clear_log()
        self.assert_fails_with("hf_fetch_model(bert REPO org--x/model)", "REPO 'org--x/model' is not a Hub repository id")
        self.assert_fails_with("hf_fetch_model(bert REPO https://huggingface.co/org/model)", "is not a Hub repository id")
        self.assertEqual(self.requested_paths(), [])

    def test_a_wrong_repo_type_is_named(self):
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} REPO_TYPE models)",
                               "REPO_TYPE 'models' is not a Hub repository type; expected model, dataset or space")

    def test_a_bad_name_or_namespace_is_named(self):
        self.assert_fails_with(f"hf_fetch_model(my/bert REPO {TINY_BERT})", "the name 'my/bert' is not usable")
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} NAMESPACE hf.bert)",
                               "NAMESPACE 'hf.bert' is not a C++ namespace")

    def test_a_keyword_namespace_is_rejected_before_any_request(self):
        self.hub.clear_log()
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json NAMESPACE hf::class)",
                               "the header's C++ namespace would be hf::class, but 'class' is a C++ keyword")
        self.assertEqual(self.requested_paths(), [])
        self.assertFalse(os.path.exists(self.lockfile))

    def test_the_same_name_twice_is_rejected(self):
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)\n"
                               f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0 INCLUDE config.json)",
                               "hf::bert is already declared")

    def test_a_repo_that_does_not_exist_surfaces_the_helpers_message(self):
        # Without a token the Hub cannot tell "missing" from "private": the helper says access denied.
        output = self.assert_fails_with("hf_fetch_model(bert REPO hubdeps-test/no-such-model)",
                                        "could not fetch model 'hubdeps-test/no-such-model' at revision 'main' "
                                        "(hubdeps exit code 4: access denied)", "If REPO is right",
                                        "export a token that can read it as HF_TOKEN in the environment")
        self.assert_helper_message_surfaces(output)
        # With a token it can: not found.
        output = self.assert_fails_with("hf_fetch_model(bert REPO hubdeps-test/no-such-model)",
                                        "(hubdeps exit code 3: not found)",
                                        "Check REPO, REPO_TYPE, REVISION, INCLUDE/EXCLUDE and HEADERS",
                                        env=dict(self.env, HF_TOKEN=READ_TOKEN))
        self.assert_helper_message_surfaces(output)

    def test_a_revision_that_does_not_exist_surfaces_the_helpers_message(self):
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v9.9)", "exit code 3: not found")
        self.assert_helper_message_surfaces(output)
        self.assertIn("v9.9", squash(cmake_error_block(output)))

    def test_an_included_file_that_does_not_exist_surfaces_the_helpers_message(self):
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json missing.json)",
                                        "exit code 3: not found")
        self.assert_helper_message_surfaces(output)
        self.assertIn("missing.json", squash(cmake_error_block(output)))

    def test_a_headers_file_that_was_not_fetched_is_named(self):
        # The helper checks it right after the listing, before downloading: its message names the file.
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json HEADERS config.json "
                                        "tokenizer_config.json)", "exit code 3: not found", "tokenizer_config.json",
                                        "config.json", "HEADERS")
        self.assert_helper_message_surfaces(output)
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} HEADERS nope.json)",
                                        "exit code 3: not found", "nope.json")
        self.assert_helper_message_surfaces(output)
        self.assertFalse(os.path.exists(self.lockfile))
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} HEADERS README.md)",
                               "HEADERS 'README.md' is not a JSON file of the repository")

    def test_a_locked_build_fails_on_a_stale_or_missing_entry_and_keeps_the_lock(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        self.configure_project()
        with open(self.lockfile, "rb") as f:
            written = f.read()
        # The declaration moves to another revision, but CI demands the committed lock.
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0 INCLUDE config.json)",
                                        "exit code 7: the lockfile does not match",
                                        "configure once without -DHUBDEPS_LOCKED=ON", args=["-DHUBDEPS_LOCKED=ON"])
        self.assert_helper_message_surfaces(output)
        self.assertIn("v1.0", squash(cmake_error_block(output)))
        # A declaration the lock has never seen.
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)\n"
                                         f"hf_fetch_model(other REPO {TINY_BERT} INCLUDE README.md)",
                                         "exit code 7: the lockfile does not match", args=["-DHUBDEPS_LOCKED=ON"])
        self.assert_helper_message_surfaces(output)
        with open(self.lockfile, "rb") as f:
            self.assertEqual(f.read(), written)
        # Without HUBDEPS_LOCKED, the changed declaration is resolved again and recorded.
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0 INCLUDE config.json)")
        self.configure_project("-DHUBDEPS_LOCKED=OFF")
        with open(self.lockfile, encoding="utf-8") as f:
            self.assertEqual(json.load(f)["entries"]["bert"]["commit"], self.refs(TINY_BERT)["tags"]["v1.0"])

    def test_locked_and_update_together_are_a_contradiction(self):
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT})", "HUBDEPS_LOCKED and HUBDEPS_UPDATE are both ON",
                               args=["-DHUBDEPS_LOCKED=ON", "-DHUBDEPS_UPDATE=ON"])

    def test_offline_with_an_empty_cache_fails_with_what_to_do(self):
        self.hub.clear_log()
        body = f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)"
        output = self.assert_fails_with(body, "exit code 8: offline and not in the cache",
                                        "configure once to fill the cache", env=dict(self.env, HF_HUB_OFFLINE="1"))
        self.assert_helper_message_surfaces(output)
        output = self.assert_fails_with(body, "exit code 8: offline and not in the cache", args=["-DHUBDEPS_OFFLINE=ON"])
        self.assert_helper_message_surfaces(output)
        self.assertEqual(self.requested_paths(), [])

    def test_a_helper_that_does_not_exist_is_named(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT})")
        output = self.configure(self.project, self.path("build"), f"-DHUBDEPS_EXECUTABLE={self.path('no-hubdeps')}",
                                expect_ok=False)
        self.assertIn(squash(f"HUBDEPS_EXECUTABLE is '{self.path('no-hubdeps')}', which is not an existing file"),
                      squash(cmake_error_block(output)))

    def test_a_private_repo_needs_the_token_from_the_environment_and_it_is_never_recorded(self):
        repo = f"hubdeps-test/private-{random.randint(0, 1 << 30)}"
        self.hub.create_repo(repo, private=True)
        self.hub.commit(repo, {"config.json": json.dumps({"hidden_size": 32}) + "\n"})
        body = f"hf_fetch_model(secret REPO {repo} HEADERS config.json)"
        self.assert_fails_with(body, "exit code 4: access denied", "HF_TOKEN in the environment (never pass it to CMake)")

        self.write_project(body)
        self.configure_project(env=dict(self.env, HF_TOKEN=READ_TOKEN), build="build-with-token")
        self.assertTrue(any(entry["authorization"] for entry in self.hub.log()))
        leaks = []
        for folder in (self.path("build-with-token"), self.project):
            for root, _, files in os.walk(folder):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        if READ_TOKEN.encode() in f.read():
                            leaks.append(os.path.join(root, name))
        self.assertEqual(leaks, [])


class ANewHelper(ProjectTestCase):
    """The re-configure that runs no helper keys on the helper too: another version of it, or the same file
    replaced, proves the cache again."""

    def write_helper(self, version: str) -> str:
        """A helper that says it is `version` and is the built one otherwise."""
        helper = self.path("bin", "hubdeps")
        os.makedirs(os.path.dirname(helper), exist_ok=True)
        with open(helper, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "hubdeps {version}"; exit 0; fi\n'
                    f'exec "{HELPER}" "$@"\n')
        os.chmod(helper, 0o755)
        return helper

    def test_a_new_helper_version_or_file_runs_the_helper_once_on_the_next_reconfigure(self):
        helper = self.write_helper("0.1.0")
        self.write_project(f'hf_fetch_model(bert REPO {TINY_BERT} INCLUDE "*.json")')
        self.assertIn("file(s) downloaded", self.configure_project(helper=helper))
        build = self.path("build")
        # The helper prints a summary line whenever it runs; the reused result prints none.
        self.assertNotIn("already cached", self.reconfigure(build))
        # The same path and file time, another version: the helper runs, and finds everything cached.
        before = os.stat(helper)
        self.write_helper("0.2.0")
        os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns))
        rechecked = self.reconfigure(build)
        self.assertIn("HubDeps: using hubdeps 0.2.0", rechecked)
        self.assertIn("0 file(s) downloaded", rechecked)
        self.assertNotIn("already cached", self.reconfigure(build))
        # The same version, the file replaced (a rebuilt helper): proved again too.
        os.utime(helper, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))
        self.assertIn("0 file(s) downloaded", self.reconfigure(build))
        self.assertNotIn("already cached", self.reconfigure(build))


if __name__ == "__main__":
    unittest.main()
