"""hf_fetch_model on a multi-config generator ("Ninja Multi-Config", the one this machine has of the kind Visual
Studio and Xcode are) and in build folders whose paths have spaces: examples/quickstart configured, built for Debug
and Release, and run. Not yet tested: the module building its own helper with that generator (into tool/Release/).

CTest passes HUBDEPS_BIN etc. as for test_hubdeps_cmake.py. Run one class by hand:
python3 -m unittest -v test_generators.MultiConfig
"""

from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_hubdeps_cmake import (CMAKE, HELPER, SOURCE_DIR, STRICT_FLAGS, TINY_BERT, CMakeTestCase,  # noqa: E402
                                parse_key_values)


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


if __name__ == "__main__":
    unittest.main()
