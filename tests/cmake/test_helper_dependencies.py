"""The helper's header-only dependencies, nlohmann/json and CLI11, on a machine that lacks them (a fresh Windows or
macOS): cmake/HubDepsHelperDependencies.cmake says how to install them, or, with HUBDEPS_FETCH_MISSING_DEPENDENCIES=ON,
gets them with FetchContent from pinned archives. Real configures of HubDeps itself, with Debian's installed packages
hidden (CMAKE_IGNORE_PATH on their CMake package folders); there is no internet here, so the fetched copies are
Debian's headers laid out as the release archives are (FETCHCONTENT_SOURCE_DIR_<NAME>, or a file:// archive, which
the pinned SHA-256 must refuse). Only two objects are compiled, not the whole helper.

CTest passes HUBDEPS_BIN etc. as for test_hubdeps_cmake.py. Run by hand:
python3 -m unittest -v test_helper_dependencies.HelperDependencies
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_hubdeps_cmake import SOURCE_DIR, CMakeTestCase, squash  # noqa: E402

DEBIAN_HEADERS = {"nlohmann_json": "/usr/include/nlohmann", "CLI11": "/usr/include/CLI"}
# Where Debian's packages put their CMake package files: hidden, the packages are "not installed".
DEBIAN_PACKAGES = {"nlohmann_json": "/usr/share/cmake/nlohmann_json", "CLI11": "/usr/share/cmake/CLI11"}
PINNED_JSON_SHA256 = "d69f9deb6a75e2580465c6c4c5111b89c4dc2fa94e3a85fcd2ffcd9a143d9273"


class HelperDependencies(CMakeTestCase):
    seed = False  # no Hub content needed: these configures fetch no model

    @classmethod
    def setUpClass(cls):
        for path in [*DEBIAN_HEADERS.values(), *DEBIAN_PACKAGES.values()]:
            if not os.path.isdir(path):
                raise unittest.SkipTest(f"needs Debian's nlohmann-json3-dev and libcli11-dev ({path})")
        super().setUpClass()

    def configure_hubdeps(self, *hidden: str, args: tuple = (), expect_ok: bool = True) -> tuple[str, str]:
        build = self.path("build")
        ignore = ";".join(DEBIAN_PACKAGES[name] for name in hidden)
        output = self.configure(SOURCE_DIR, build, "-DHUBDEPS_BUILD_TESTS=OFF", f"-DCMAKE_IGNORE_PATH={ignore}",
                                *args, expect_ok=expect_ok)
        return build, output

    def release_layout(self, name: str) -> str:
        """Debian's headers of `name` laid out as its release archive unpacks: <top>/include/<folder>."""
        top = self.path("copies", name)
        headers = DEBIAN_HEADERS[name]
        shutil.copytree(headers, os.path.join(top, "include", os.path.basename(headers)))
        return top

    def test_missing_libraries_fail_the_configure_with_how_to_install_them(self):
        _, output = self.configure_hubdeps("nlohmann_json", "CLI11", expect_ok=False)
        text = squash(output)
        self.assertIn("did not find nlohmann_json and CLI11", text)
        for advice in ("sudo apt-get install nlohmann-json3-dev libcli11-dev", "brew install nlohmann-json cli11",
                       "vcpkg install nlohmann-json cli11", "scripts/buildsystems/vcpkg.cmake",
                       "-DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON", "FETCHCONTENT_SOURCE_DIR_NLOHMANN_JSON"):
            self.assertIn(advice, text)
        self.assertNotIn("Generating done", output)
        # One missing library is named alone.
        shutil.rmtree(self.path("build"))
        _, output = self.configure_hubdeps("CLI11", expect_ok=False)
        self.assertIn("did not find CLI11 (no CLI11 CMake package)", squash(output))

    def test_the_fallback_builds_with_the_fetched_headers(self):
        copies = {name: self.release_layout(name) for name in DEBIAN_HEADERS}
        build, output = self.configure_hubdeps("nlohmann_json", "CLI11", args=(
            "-DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON",
            f"-DFETCHCONTENT_SOURCE_DIR_NLOHMANN_JSON={copies['nlohmann_json']}",
            f"-DFETCHCONTENT_SOURCE_DIR_CLI11={copies['CLI11']}"))
        for name, top in copies.items():
            self.assertIn(f"HubDeps: {name} is not installed; using its headers in {top}/include", output)
        self.assertNotIn("CMake Warning", output)
        # One file of the command line (CLI11) and one of the engine (nlohmann/json) compile, with the copies'
        # headers, not the system's (/usr/include is still on the compiler's own search path).
        objects = ["tool/CMakeFiles/hubdeps.dir/main.cpp.o", "src/CMakeFiles/hubdeps_engine.dir/listing.cpp.o"]
        self.run_command(["ninja", "-C", build, *objects])
        deps = self.run_command(["ninja", "-C", build, "-t", "deps", *objects])
        self.assertIn(os.path.join(copies["CLI11"], "include", "CLI", "CLI.hpp"), deps)
        self.assertIn(os.path.join(copies["nlohmann_json"], "include", "nlohmann", "json.hpp"), deps)
        self.assertNotIn("/usr/include/CLI/", deps)
        self.assertNotIn("/usr/include/nlohmann/", deps)

    def test_a_downloaded_archive_must_have_the_pinned_sha256(self):
        """The download path with a mirror's URL (a file:// archive here): bytes other than the pinned release's are
        refused, and nothing is built from them."""
        top = self.release_layout("nlohmann_json")
        archive = self.path("json-3.11.2.tar.gz")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(top, arcname="json-3.11.2")
        build, output = self.configure_hubdeps("nlohmann_json", args=(
            "-DHUBDEPS_FETCH_MISSING_DEPENDENCIES=ON", f"-DHUBDEPS_NLOHMANN_JSON_URL=file://{archive}"),
            expect_ok=False)
        text = squash(output)
        self.assertIn(f"file='{archive}'", text)  # it was downloaded from the given URL
        self.assertIn("does not match expected value", text)
        self.assertIn(f"expected: '{PINNED_JSON_SHA256}'", text)
        self.assertFalse(os.path.exists(os.path.join(build, "_deps", "nlohmann_json-src", "include")))
        self.assertNotIn("Generating done", output)


if __name__ == "__main__":
    unittest.main()
