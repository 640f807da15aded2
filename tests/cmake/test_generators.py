"""hf_fetch_model on a multi-config generator ("Ninja Multi-Config", the one this machine has of the kind Visual
Studio and Xcode are) and in build folders whose paths have spaces: examples/quickstart configured, built for Debug
and Release, and run, with a prebuilt helper and with the helper the module builds itself (nested, into
tool/Release/), in folders whose names have spaces and a non-ASCII letter. NestedHelperMultiConfig is also the
suite's one test of the nested helper build as such (built once, reused, rebuilt after an upgrade): that build is
the whole helper, minutes of the suite, so one test makes it and asserts all of it.

CTest passes HUBDEPS_BIN etc. as for test_hubdeps_cmake.py. Run one class by hand:
python3 -m unittest -v test_generators.MultiConfig
"""

from __future__ import annotations

import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_hubdeps_cmake import (CMAKE, HELPER, SOURCE_DIR, STRICT_FLAGS, TINY_BERT, CMakeTestCase,  # noqa: E402
                                mtimes, parse_key_values)


class GeneratorTestCase(CMakeTestCase):
    def configure_multi(self, project: str, build: str, *args: str) -> str:
        return self.run_command([CMAKE, "-S", project, "-B", build, "-G", "Ninja Multi-Config", *args])

    def build_config(self, build: str, config: str) -> str:
        return self.run_command([CMAKE, "--build", build, "--config", config])

    def run_config(self, build: str, config: str) -> dict:
        program = os.path.join(build, config, "quickstart")
        self.assertTrue(os.path.isfile(program), f"no {program}")
        return parse_key_values(self.run_command([program]), ":")

    def assert_every_config_runs(self, build: str):
        main = self.refs(TINY_BERT)["branches"]["main"]
        for config in ("Debug", "Release"):
            self.build_config(build, config)
            self.assert_quickstart_output(self.run_config(build, config), main)
            self.assertIn("ninja: no work to do", self.build_config(build, config))


class MultiConfig(GeneratorTestCase):
    """A prebuilt helper (-DHUBDEPS_EXECUTABLE), the project in a folder with spaces."""

    def test_quickstart_builds_and_runs_for_debug_and_release_in_a_path_with_spaces(self):
        project = self.copy_example("quickstart")
        spaced = self.path("my projects", "quick start")
        os.makedirs(os.path.dirname(spaced))
        os.rename(project, spaced)
        build = os.path.join(spaced, "build dir")
        output = self.configure_multi(spaced, build, f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}",
                                      f"-DHUBDEPS_EXECUTABLE={HELPER}", STRICT_FLAGS,
                                      "-DCMAKE_CONFIGURATION_TYPES=Debug;Release")
        self.assertIn("HubDeps: using hubdeps", output)
        self.assertTrue(os.path.isfile(os.path.join(spaced, "hubdeps.lock")))
        self.assert_every_config_runs(build)
        # A configuration type of the project's own naming builds as well.
        self.reconfigure(build, "-DCMAKE_CONFIGURATION_TYPES=Debug;Release;Profile")
        self.build_config(build, "Profile")
        self.assert_quickstart_output(self.run_config(build, "Profile"), self.refs(TINY_BERT)["branches"]["main"])


class NestedHelperMultiConfig(GeneratorTestCase):
    """FetchContent of HubDeps' sources with no helper anywhere: the module builds one, once per build tree, with
    "Ninja Multi-Config" (its Release configuration only) while the project builds Debug and Release; sources,
    project, build folder and cache under names with spaces and é. A re-configure reuses the helper, new helper
    sources (an upgrade of HubDeps) rebuild it, and HubDeps adds no targets or tests to the project."""

    def copy_sources(self) -> str:
        """A snapshot of HubDeps' sources, as FetchContent would download: teammates editing the working tree
        meanwhile must not look like a change of the helper's sources."""
        target = self.path("hubdeps-src")
        shutil.copytree(SOURCE_DIR, target, ignore=shutil.ignore_patterns(
            "build*", ".git", "node_modules", "__pycache__", "examples", "tests", "fuzz", "docs"))
        return target

    def spaced_folder(self, *parts: str) -> str:
        """A folder whose name has a space and, where the file system takes it, a non-ASCII letter."""
        for accent in ("é", "e"):
            folder = self.path(*(part.replace("e", accent) for part in parts))
            try:
                os.makedirs(folder)
                return folder
            except (OSError, UnicodeEncodeError):
                continue
        self.fail(f"cannot create {parts}")

    def test_the_nested_helper_and_both_configurations_build_in_paths_with_spaces(self):
        sources = os.path.join(self.spaced_folder("hub deps"), "source tree")
        os.rename(self.copy_sources(), sources)
        project = os.path.join(self.spaced_folder("my projects"), "quick start")
        os.rename(self.copy_example("quickstart"), project)
        build = os.path.join(project, "build dir")
        self.cache = os.path.join(self.spaced_folder("hf cache"), "hub")
        self.env = self.hub.env(cache_dir=self.cache)
        # A developer's default configurations (read by CMake 3.22+) that lack Release, the one the helper is
        # built in: the nested build must not inherit them.
        env = dict(self.env, CMAKE_CONFIGURATION_TYPES="Debug;RelWithDebInfo")
        # HUBDEPS_FETCH_MISSING_DEPENDENCIES is passed on to the nested build (nothing is fetched: Debian's copies
        # are installed; tests/cmake/test_helper_dependencies.py proves the fetch itself).
        output = self.run_command([CMAKE, "-S", project, "-B", build, "-G", "Ninja Multi-Config",
                                   f"-DHUBDEPS_SOURCE_DIR={sources}", STRICT_FLAGS,
                                   "-DCMAKE_CONFIGURATION_TYPES=Debug;Release",
                                   "-DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON"], env=env,
                                  timeout=1500)  # a whole helper build: minutes, more on a busy machine
        self.assertIn("HubDeps: building the hubdeps helper", output)
        nested = os.path.join(build, "_hubdeps", "helper")
        helper = os.path.join(nested, "tool", "Release", "hubdeps")
        self.assertIn(f"at {helper} (built for this build tree)", output)
        with open(os.path.join(nested, "CMakeCache.txt"), encoding="utf-8") as f:
            nested_cache = f.read()
        self.assertRegex(nested_cache, r"\nCMAKE_CONFIGURATION_TYPES:\w+=Release\n")
        self.assertRegex(nested_cache, r"\nHUBDEPS_FETCH_MISSING_DEPENDENCIES:BOOL=ON\n")
        self.assertTrue(os.path.isfile(os.path.join(build, "hubdeps", "include", "hf", "bert.hpp")))
        # The generated header names the cache's snapshot (spaces, é) and each configuration compiles and runs it.
        self.assert_every_config_runs(build)

        # A re-configure (with the project's own configurations only) reuses the helper and rebuilds nothing.
        before = mtimes(helper)
        output = self.reconfigure(build)
        self.assertNotIn("building the hubdeps helper", output)
        self.assertIn(f"at {helper} (built for this build tree)", output)
        self.assertEqual(mtimes(helper), before)
        for config in ("Debug", "Release"):
            self.assertIn("ninja: no work to do", self.build_config(build, config))
        self.assert_no_hubdeps_targets(build)

        # New helper sources (an upgrade of HubDeps): the next configure rebuilds the helper, and the project,
        # whose pins and headers did not change, has no work.
        with open(os.path.join(sources, "tool", "main.cpp"), "a", encoding="utf-8") as f:
            f.write("// A change of the helper's sources.\n")
        output = self.reconfigure(build)
        self.assertIn("HubDeps: building the hubdeps helper", output)
        self.assertIn(f"at {helper} (built for this build tree)", output)
        self.assertNotEqual(mtimes(helper), before)
        for config in ("Debug", "Release"):
            self.assertIn("ninja: no work to do", self.build_config(build, config))


if __name__ == "__main__":
    unittest.main()
