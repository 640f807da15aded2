"""End-to-end tests of hf_fetch_model(... DEFER) (issue 18): the configure pins every file but downloads only the
HEADERS configs, and a build step downloads the rest beside the compiler, for what links hf::<name> only. Real
CMake configures and builds (Ninja, Makefiles, Ninja Multi-Config) with the real helper against the local test
Hub, as in test_hubdeps_cmake.py (which has the shared machinery and says what CTest passes). The weights here are
a few MiB: the 2 GiB case is bench/deferred.py's.

Run one class by hand: python3 -m unittest -v test_deferred.DeferredBuild
"""

from __future__ import annotations

import json
import os
import re
import subprocess

from test_hubdeps_cmake import CMAKE, HELPER, SOURCE_DIR, ProjectTestCase, parse_key_values, squash

from hubtest import READ_TOKEN  # noqa: E402  (tests/hub, on the path test_hubdeps_cmake set)

WEIGHTS = "model.safetensors"
# The weights' body: the Hub redirects to its CDN, which serves /objects/<sha256>?...&path=model.safetensors.
WEIGHTS_ON_THE_CDN = r"path=model\.safetensors$"
STEP_COMMENT = "HubDeps: downloading the files of hf::"

APP = r"""// Every file of hf::{name}, as the program sees it at run time.
#include <filesystem>
#include <iostream>
#include <string>

#include "hf/{name}.hpp"

int main() {{
  std::cout << "hidden_size=" << hf::{name}::config::hidden_size << "\n";
  for (const auto& file : hf::{name}::files) {{
    const std::filesystem::path path{{std::string(file.path)}};
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    std::cout << "file=" << file.repo_path << "|" << file.size << "|" << (error ? -1 : static_cast<long long>(size))
              << "\n";
  }}
  std::cout << "weights=" << hf::{name}::path("{weights}") << "\n";
}}
"""
OTHER = "int main() { return 0; }\n"


def ninja_log(build: str) -> dict:
    """The newest start and end (ms) of each output Ninja built, from .ninja_log (format v5)."""
    spans = {}
    for root, _, names in os.walk(build):
        if ".ninja_log" in names:
            with open(os.path.join(root, ".ninja_log"), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("#"):
                        continue
                    start, end, _, output, _ = line.rstrip("\n").split("\t")
                    if not os.path.isabs(output):  # CMake names custom outputs twice, relative and absolute
                        spans[output] = (int(start), int(end))
    return spans


def span_of(spans: dict, suffix: str) -> tuple:
    found = [span for output, span in spans.items() if output.endswith(suffix)]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} outputs end with {suffix}: {sorted(spans)}")
    return found[0]


class DeferredTestCase(ProjectTestCase):
    """A repo of its own per test (configs, a tokenizer and LFS weights) and a C++ project that declares it."""

    def setUp(self):
        super().setUp()
        self.repo = f"deferred/{self._testMethodName.replace('test_', '')[:60]}"
        self.hub.create_repo(self.repo)
        self.weights_size = 3 << 20
        self.commit1 = self.publish(seed="v1")
        self.hub.clear_log()  # the class shares one Hub: a test sees only its own requests

    def publish(self, *, seed: str, repo: str | None = None) -> str:
        return self.hub.commit(repo or self.repo, {
            "config.json": json.dumps({"hidden_size": 96, "seed": seed}, indent=2) + "\n",
            "tokenizer.json": json.dumps({"version": "1.0", "seed": seed}) + "\n",
            WEIGHTS: {"generate": {"size": self.weights_size, "seed": f"{repo or self.repo}-{seed}"}, "lfs": True}})

    def declaration(self, name: str = "bert", repo: str | None = None, defer: bool = True) -> str:
        return (f'hf_fetch_model({name} REPO {repo or self.repo} INCLUDE "*.json" "*.safetensors" '
                f'HEADERS config.json{" DEFER" if defer else ""})\n')

    def write_cxx_project(self, body: str, *, folder: str | None = None, names=("bert",), extra: str = ""):
        """`body` declares the models; `app` links each of `names`, `other` links nothing."""
        folder = folder or self.project
        os.makedirs(folder, exist_ok=True)
        links = " ".join(f"hf::{name}" for name in names)
        with open(os.path.join(folder, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("cmake_minimum_required(VERSION 3.19)\nproject(deferred LANGUAGES CXX)\n"
                    f'include("{SOURCE_DIR}/cmake/HubDeps.cmake")\n{body}'
                    'file(WRITE "${CMAKE_BINARY_DIR}/vars.txt" '
                    '"dir=${bert_DIR}\\ncommit=${bert_COMMIT}\\nfiles=${bert_FILES}\\n")\n'
                    f"add_executable(app app.cpp)\ntarget_link_libraries(app PRIVATE {links})\n"
                    f"add_executable(other other.cpp)\n{extra}")
        with open(os.path.join(folder, "app.cpp"), "w", encoding="utf-8") as f:
            f.write(APP.format(name=names[0], weights=WEIGHTS))
        with open(os.path.join(folder, "other.cpp"), "w", encoding="utf-8") as f:
            f.write(OTHER)

    def configure_cxx(self, *args: str, build: str = "build", generator: str = "Ninja", env: dict | None = None,
                      source: str | None = None) -> str:
        return self.run_command([CMAKE, "-S", source or self.project, "-B", self.path(build), "-G", generator,
                                 f"-DHUBDEPS_EXECUTABLE={HELPER}", *args], env=env)

    def build_target(self, build: str = "build", *args: str, env: dict | None = None,
                     expect_ok: bool = True) -> str:
        return self.run_command([CMAKE, "--build", self.path(build), *args], env=env, expect_ok=expect_ok)

    def weight_gets(self, repo: str | None = None) -> list:
        """The weights' downloads the Hub saw: `GET /<repo>/resolve/<commit>/model.safetensors`."""
        prefix = f"/{repo or self.repo}/resolve/"
        return [e["path"] for e in self.hub.log() if e["method"] == "GET" and e["path"].startswith(prefix)
                and e["path"].endswith("/" + WEIGHTS)]

    def resolves(self) -> list:
        return sorted(e["path"].rsplit("/", 1)[1] for e in self.hub.log()
                      if e["method"] == "GET" and "/resolve/" in e["path"])

    def run_app(self, build: str = "build", program: str = "app") -> dict:
        return parse_key_values(self.run_command([os.path.join(self.path(build), program)]))

    def assert_every_file_in_place(self, values: dict, expected_files: int = 3):
        files = values["file"] if isinstance(values["file"], list) else [values["file"]]
        self.assertEqual(len(files), expected_files, values)
        for line in files:
            repo_path, pinned, actual = line.split("|")
            self.assertEqual(actual, pinned, f"{repo_path}: the program found {actual} bytes, the pin says {pinned}")

    def stamp(self, name: str = "bert", build: str = "build") -> str:
        return os.path.join(self.path(build), "hubdeps", f"{name}.downloaded")


class DeferredBuild(DeferredTestCase):
    """Ninja, the default generator: what the configure pins and downloads, what a build downloads and when, what
    a second build and a re-configure leave to do, offline, locked, and the failures' messages."""

    def test_the_configure_pins_every_file_as_without_defer_but_downloads_only_the_headers_configs(self):
        self.write_cxx_project(self.declaration())
        output = self.configure_cxx()
        self.assertEqual(self.resolves(), ["config.json"])
        self.assertIn("hubdeps: deferred 2 file(s)", output)
        self.assertIn("DEFER: the build downloads what the cache lacks (target hubdeps_download_bert)", squash(output))
        snapshot = self.snapshot_dir(self.repo, self.commit1)
        self.assertFalse(os.path.lexists(os.path.join(snapshot, WEIGHTS)))
        with open(self.lockfile, encoding="utf-8") as f:
            deferred_lock = json.load(f)["entries"]["bert"]

        # The same declaration without DEFER, in another project, into the same cache.
        plain = self.path("plain")
        self.write_cxx_project(self.declaration(defer=False), folder=plain)
        self.configure_cxx(build="build-plain", source=plain)
        with open(os.path.join(plain, "hubdeps.lock"), encoding="utf-8") as f:
            self.assertEqual(json.load(f)["entries"]["bert"], deferred_lock)
        self.assertEqual([f["path"] for f in deferred_lock["files"]], ["config.json", WEIGHTS, "tokenizer.json"])
        for file_name in ("vars.txt", os.path.join("hubdeps", "include", "hf", "bert.hpp")):
            with open(os.path.join(self.path("build"), file_name), encoding="utf-8") as deferred, \
                    open(os.path.join(self.path("build-plain"), file_name), encoding="utf-8") as without:
                self.assertEqual(deferred.read(), without.read(), file_name)
        with open(os.path.join(self.path("build"), "vars.txt"), encoding="utf-8") as f:
            self.assertEqual(parse_key_values(f.read())["dir"], snapshot)

    def test_the_helpers_defer_pins_every_file_and_a_locked_fetch_of_the_same_declaration_gets_the_rest(self):
        lock = self.path("helper.lock")
        fetch = [HELPER, "fetch", self.repo, "--include", "*.json", "--include", "*.safetensors", "--lock", lock,
                 "--name", "m", "--json"]
        header = ["--header", self.path("m.hpp"), "--namespace", "hf::m", "--header-config", "config.json"]
        done = subprocess.run(fetch + ["--defer"] + header, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, check=True)
        out = json.loads(done.stdout)
        self.assertEqual([f["path"] for f in out["files"]], ["config.json", WEIGHTS, "tokenizer.json"])
        self.assertEqual(self.resolves(), ["config.json"])
        with open(lock, encoding="utf-8") as f:
            self.assertEqual([f["path"] for f in json.load(f)["entries"]["m"]["files"]],
                             ["config.json", WEIGHTS, "tokenizer.json"])
        with open(self.path("m.hpp"), encoding="utf-8") as f:
            self.assertIn(f'"{WEIGHTS}"', f.read())
        # Without a header config, --defer downloads nothing at all.
        self.hub.clear_log()
        self.run_command([HELPER, "fetch", self.repo, "--defer", "--cache-dir", self.path("other-cache")])
        self.assertEqual(self.resolves(), [])
        # The locked fetch of the same declaration downloads the rest, from the listing the first one cached.
        self.hub.clear_log()
        self.run_command(fetch + ["--locked"])
        self.assertEqual(self.resolves(), [WEIGHTS, "tokenizer.json"])
        self.assertEqual([e["path"] for e in self.hub.log() if "/api/" in e["path"]], [])

    def test_the_build_downloads_beside_the_compiler_and_a_second_build_has_no_work(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx()
        self.hub.clear_log()
        # A target that does not link hf::bert downloads nothing.
        self.build_target("build", "--target", "other")
        self.assertEqual(self.resolves(), [])
        self.assertFalse(os.path.exists(self.stamp()))

        # A slow link: the app's sources compile while the weights download; only its link waits.
        self.hub.fault("throttle", path=WEIGHTS_ON_THE_CDN, rate=1 << 20)
        output = self.build_target()
        self.assertIn(f"{STEP_COMMENT}bert (model {self.repo}, commit {self.commit1})", output)
        self.assertIn(f"hubdeps: downloaded {WEIGHTS} (3.0 MiB)", output)
        self.assertIn("hubdeps: downloaded tokenizer.json", output)
        self.assertEqual(self.weight_gets(), [f"/{self.repo}/resolve/{self.commit1}/{WEIGHTS}"])
        self.assertEqual([e["fault"] for e in self.hub.log() if e.get("fault")], ["throttle"])
        # The step yields the CPU to the compiler (e2e test_fetch.FetchAtLowPriority proves what the flag does).
        with open(os.path.join(self.path("build"), "hubdeps", "bert.defer.cmake")) as f:
            self.assertIn("--low-priority", f.read())
        spans = ninja_log(self.path("build"))
        download = span_of(spans, "hubdeps/bert.downloaded")
        compile_app = span_of(spans, "app.cpp.o")
        link_app = span_of(spans, "app")
        self.assertLess(compile_app[0], download[1], f"the compile waited for the download: {spans}")
        # Ninja starts ready jobs in the order of the build file, where CMake writes the download after the compile.
        self.assertLessEqual(download[0], compile_app[0], f"the download started after the compile: {spans}")
        self.assertGreaterEqual(link_app[0], download[1], f"the link did not wait for the download: {spans}")
        self.assert_every_file_in_place(self.run_app())

        self.hub.clear_log()
        self.assertIn("ninja: no work to do", self.build_target())
        output = self.reconfigure(self.path("build"))
        self.assertNotIn("DEFER: the build downloads", output)
        self.assertIn("ninja: no work to do", self.build_target())
        # Ninja re-running the configure itself (CMakeLists.txt touched) leaves nothing to build either.
        os.utime(os.path.join(self.project, "CMakeLists.txt"))
        output = self.build_target()
        self.assertIn("Re-running CMake", output)
        self.assertNotIn(STEP_COMMENT, output)
        self.assertNotIn("Linking", output)
        self.assertEqual(self.hub.log(), [])

    def test_a_moved_pin_downloads_the_new_files_and_a_file_the_cache_lost_comes_back_after_a_configure(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx()
        self.build_target()
        commit2 = self.publish(seed="v2")
        self.hub.clear_log()
        self.reconfigure(self.path("build"), "-DHUBDEPS_UPDATE=ON")
        self.assertEqual(self.resolves(), ["config.json"])
        output = self.build_target()
        self.assertIn(f"commit {commit2}", output)
        self.assertEqual(self.weight_gets(), [f"/{self.repo}/resolve/{commit2}/{WEIGHTS}"])
        values = self.run_app()
        self.assertEqual(values["weights"], os.path.join(self.snapshot_dir(self.repo, commit2), WEIGHTS))
        self.assert_every_file_in_place(values)

        # A cache prune took the weights: the build does not look into the cache (documented) ...
        weights = os.path.join(self.snapshot_dir(self.repo, commit2), WEIGHTS)
        os.remove(os.path.realpath(weights))
        self.hub.clear_log()
        self.assertIn("ninja: no work to do", self.build_target())
        # ... the next configure does, and the build after it downloads them again.
        output = self.reconfigure(self.path("build"))
        self.assertIn("DEFER: the build downloads what the cache lacks", squash(output))
        self.assertEqual(self.weight_gets(), [])
        self.build_target()
        self.assertEqual(self.weight_gets(), [f"/{self.repo}/resolve/{commit2}/{WEIGHTS}"])
        self.assert_every_file_in_place(self.run_app())

    def test_offline_the_build_step_fails_naming_the_model_the_file_and_the_switch(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx()
        self.hub.clear_log()
        output = self.build_target(env=dict(self.env, HF_HUB_OFFLINE="1"), expect_ok=False)
        error = squash(output[output.find("CMake Error"):])
        self.assertIn(f"HubDeps: hf_fetch_model(bert) DEFER: could not download the files of model '{self.repo}' "
                      "at revision 'main' (hubdeps exit code 8: offline and not in the cache)", error)
        # The helper's message whole (it has a ';'), then the fix.
        self.assertIn(f"not in the cache: {WEIGHTS}, tokenizer.json; run once online (without HF_HUB_OFFLINE)", error)
        self.assertIn("unset HF_HUB_OFFLINE in the build's environment", error)
        self.assertNotIn("-DHUBDEPS_OFFLINE=OFF", error)
        self.assertIn("FAILED:", output)
        self.assertEqual(self.hub.log(), [])

        # HUBDEPS_OFFLINE: the configure needs only the cached configs and the pin; the build names the switch.
        self.reconfigure(self.path("build"), "-DHUBDEPS_OFFLINE=ON")
        output = self.build_target(expect_ok=False)
        self.assertIn("configure with -DHUBDEPS_OFFLINE=OFF", squash(output))
        self.assertEqual(self.hub.log(), [])
        self.assertFalse(os.path.exists(self.stamp()))

        # Online again, the same build folder builds.
        self.reconfigure(self.path("build"), "-DHUBDEPS_OFFLINE=OFF")
        self.build_target()
        self.assert_every_file_in_place(self.run_app())

    def test_a_locked_build_works_and_a_lock_the_hub_contradicts_fails_the_build_step_with_the_fix(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx()
        with open(self.lockfile, "rb") as f:
            pinned = f.read()
        self.configure_cxx("-DHUBDEPS_LOCKED=ON", build="build-locked")
        self.build_target("build-locked")
        self.assert_every_file_in_place(self.run_app("build-locked"))
        with open(self.lockfile, "rb") as f:
            self.assertEqual(f.read(), pinned)

        # A hand edit of the weights' hash: the configure proves only config.json, which the lock pins right and
        # the cache holds, so it passes without a request; the build step asks the Hub, which contradicts it.
        lock = json.loads(pinned)
        for entry in lock["entries"]["bert"]["files"]:
            if entry["path"] == WEIGHTS:
                entry["sha256"] = "0" * 64
        with open(self.lockfile, "w", encoding="utf-8") as f:
            json.dump(lock, f, indent=2)
        self.hub.clear_log()
        self.configure_cxx("-DHUBDEPS_LOCKED=ON", build="build-edited")
        self.assertEqual(self.hub.log(), [])
        output = self.build_target("build-edited", expect_ok=False)
        error = squash(output[output.find("CMake Error"):])
        self.assertIn("hf_fetch_model(bert) DEFER: could not download the files", error)
        self.assertIn("exit code 7: the lockfile does not match", error)
        self.assertIn(f"hubdeps lock --update bert --lock {self.lockfile}", error)
        self.assertFalse(os.path.exists(os.path.join(self.cache, f"models--{self.repo.replace('/', '--')}", "blobs",
                                                     "0" * 64)))

    def test_the_build_step_reads_the_token_from_the_builds_environment_and_never_records_it(self):
        private = f"hubdeps-test/deferred-private-{os.getpid()}"  # a namespace READ_TOKEN can read
        self.hub.create_repo(private, private=True)
        self.publish(seed="v1", repo=private)
        self.write_cxx_project(self.declaration(repo=private))
        with_token = dict(self.env, HF_TOKEN=READ_TOKEN)
        self.configure_cxx(env=with_token)
        output = self.build_target(expect_ok=False)  # a shell without the token
        error = squash(output[output.find("CMake Error"):])
        self.assertIn("(hubdeps exit code 4: access denied)", error)
        self.assertIn("export HF_TOKEN (a token that can read the repository) where the build runs", error)
        self.build_target(env=with_token)
        self.assert_every_file_in_place(self.run_app())
        leaks = []
        for folder in (self.path("build"), self.project):
            for root, _, files in os.walk(folder):
                for name in files:
                    with open(os.path.join(root, name), "rb") as f:
                        if READ_TOKEN.encode() in f.read():
                            leaks.append(os.path.join(root, name))
        self.assertEqual(leaks, [])

    def test_force_download_fetches_every_file_at_configure_time_deferred_or_not(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx()
        self.build_target()
        self.hub.clear_log()
        output = self.reconfigure(self.path("build"), "-DHUBDEPS_FORCE_DOWNLOAD=ON")
        self.assertEqual(self.resolves(), ["config.json", WEIGHTS, "tokenizer.json"])
        self.assertNotIn("hubdeps: deferred", output)
        self.hub.clear_log()
        self.assertIn("ninja: no work to do", self.build_target())
        self.reconfigure(self.path("build"))
        self.assertEqual(self.hub.log(), [])

    def test_without_a_lockfile_the_build_downloads_the_commit_the_configure_resolved(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx("-DHUBDEPS_LOCKFILE=")
        self.assertFalse(os.path.exists(self.lockfile))
        self.publish(seed="v2")  # main moves between the configure and the build
        self.hub.clear_log()
        self.build_target()
        self.assertEqual(self.weight_gets(), [f"/{self.repo}/resolve/{self.commit1}/{WEIGHTS}"])
        values = self.run_app()
        self.assertEqual(values["weights"], os.path.join(self.snapshot_dir(self.repo, self.commit1), WEIGHTS))
        self.assert_every_file_in_place(values)


class DeferredGenerators(DeferredTestCase):
    """The same promises with Makefiles and Ninja Multi-Config, and through a static library."""

    def test_makefiles_download_once_and_not_for_a_target_without_the_model(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx(generator="Unix Makefiles")
        self.hub.clear_log()
        self.build_target("build", "--target", "other")
        self.assertEqual(self.resolves(), [])
        output = self.build_target()
        self.assertIn(f"hubdeps: downloaded {WEIGHTS}", output)
        self.assertEqual(len(self.weight_gets()), 1)
        self.assert_every_file_in_place(self.run_app())
        self.reconfigure(self.path("build"))
        output = self.build_target()
        self.assertNotIn(STEP_COMMENT, output)
        self.assertNotIn("Linking", output)
        self.assertEqual(len(self.weight_gets()), 1)

    def test_ninja_multi_config_downloads_once_for_every_configuration(self):
        self.write_cxx_project(self.declaration())
        self.configure_cxx(generator="Ninja Multi-Config")
        self.hub.clear_log()
        self.build_target("build", "--config", "Debug", "--target", "other")
        self.assertEqual(self.resolves(), [])
        self.assertIn(STEP_COMMENT, self.build_target("build", "--config", "Debug"))
        output = self.build_target("build", "--config", "Release")
        self.assertNotIn(STEP_COMMENT, output)
        self.assertEqual(len(self.weight_gets()), 1)
        for config in ("Debug", "Release"):
            self.assert_every_file_in_place(self.run_app(os.path.join("build", config)))
            self.assertIn("ninja: no work to do", self.build_target("build", "--config", config))

    def test_a_program_linking_a_static_library_that_links_the_model_waits_for_the_download(self):
        extra = ("add_library(uses_model STATIC uses_model.cpp)\n"
                 "target_link_libraries(uses_model PRIVATE hf::bert)\n"
                 "add_executable(indirect indirect.cpp)\ntarget_link_libraries(indirect PRIVATE uses_model)\n")
        self.write_cxx_project(self.declaration(), extra=extra)
        with open(os.path.join(self.project, "uses_model.cpp"), "w", encoding="utf-8") as f:
            f.write('#include "hf/bert.hpp"\n#include <string>\n'
                    f'std::string weights() {{ return std::string(hf::bert::path("{WEIGHTS}")); }}\n')
        with open(os.path.join(self.project, "indirect.cpp"), "w", encoding="utf-8") as f:
            f.write("#include <filesystem>\n#include <iostream>\n#include <string>\nstd::string weights();\n"
                    "int main() { std::cout << std::filesystem::file_size(weights()) << '\\n'; }\n")
        self.configure_cxx()
        self.hub.clear_log()
        output = self.build_target("build", "--target", "indirect")
        self.assertIn(STEP_COMMENT, output)
        spans = ninja_log(self.path("build"))
        self.assertGreaterEqual(span_of(spans, "indirect")[0], span_of(spans, "bert.downloaded")[1])
        self.assertEqual(self.run_command([os.path.join(self.path("build"), "indirect")]).strip(),
                         str(self.weights_size))


    def test_an_exported_library_linking_a_deferred_model_installs_without_the_download_step(self):
        extra = ("add_library(uses_model STATIC uses_model.cpp)\n"
                 "target_link_libraries(uses_model PUBLIC hf::bert)\n"
                 "install(TARGETS uses_model EXPORT usesTargets ARCHIVE DESTINATION lib)\n"
                 "hf_install_model(bert DESTINATION share/uses/bert EXPORT usesTargets)\n"
                 "install(EXPORT usesTargets NAMESPACE uses:: DESTINATION lib/cmake/uses FILE usesConfig.cmake)\n")
        self.write_cxx_project(self.declaration(), extra=extra)
        with open(os.path.join(self.project, "uses_model.cpp"), "w", encoding="utf-8") as f:
            f.write('#include "hf/bert.hpp"\nlong long hidden() { return hf::bert::config::hidden_size; }\n')
        self.configure_cxx()
        self.build_target()
        prefix = self.path("prefix")
        self.run_command([CMAKE, "--install", self.path("build"), "--prefix", prefix])
        exported = ""
        for root, _, files in os.walk(os.path.join(prefix, "lib", "cmake", "uses")):
            for name in files:
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    exported += f.read()
        self.assertIn("hubdeps_model_bert", exported)
        self.assertNotIn(".downloaded", exported)
        self.assertNotIn(self.path("build"), exported)
        # A consumer of the installed package builds with no download step and no build tree of the model.
        consumer = self.path("consumer")
        os.makedirs(consumer)
        with open(os.path.join(consumer, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write("cmake_minimum_required(VERSION 3.19)\nproject(consumer LANGUAGES CXX)\n"
                    "find_package(uses CONFIG REQUIRED)\nadd_executable(consumer main.cpp)\n"
                    "target_link_libraries(consumer PRIVATE uses::uses_model)\n")
        with open(os.path.join(consumer, "main.cpp"), "w", encoding="utf-8") as f:
            f.write("#include <iostream>\nlong long hidden();\nint main() { std::cout << hidden() << '\\n'; }\n")
        self.run_command([CMAKE, "-S", consumer, "-B", self.path("consumer-build"), "-G", "Ninja",
                          f"-DCMAKE_PREFIX_PATH={prefix}"])
        self.run_command([CMAKE, "--build", self.path("consumer-build")])
        self.assertEqual(self.run_command([os.path.join(self.path("consumer-build"), "consumer")]).strip(), "96")


class DeferredParallel(DeferredTestCase):
    """Several deferred models: the job pool bounds how many download at once, and two that need one blob share
    it through the cache's lock."""

    def test_two_models_of_one_blob_download_side_by_side_and_the_blob_once(self):
        body = (f'hf_fetch_model(first REPO {self.repo} INCLUDE "*.json" "*.safetensors" HEADERS config.json DEFER)\n'
                f'hf_fetch_model(second REPO {self.repo} INCLUDE config.json "*.safetensors" HEADERS config.json '
                "DEFER)\n")
        self.write_cxx_project(body, names=("first", "second"))
        self.configure_cxx("-DHUBDEPS_DOWNLOAD_JOBS=2")
        self.hub.clear_log()
        self.hub.fault("throttle", path=WEIGHTS_ON_THE_CDN, rate=1 << 20, count=-1)
        self.build_target("build", "-j", "4")
        self.hub.clear_faults()
        first = span_of(ninja_log(self.path("build")), "first.downloaded")
        second = span_of(ninja_log(self.path("build")), "second.downloaded")
        self.assertLess(max(first[0], second[0]), min(first[1], second[1]), "the two downloads did not overlap")
        for span in (first, second):  # 3 MiB at 1 MiB/s: each step downloaded, or waited for the other's download
            self.assertGreater(span[1] - span[0], 2000)
        self.assertEqual(len(self.weight_gets()), 1, "both models downloaded the one blob")
        self.assertTrue(os.path.exists(self.stamp("first")) and os.path.exists(self.stamp("second")))

    def test_the_pool_runs_one_download_at_a_time_by_default(self):
        other = f"{self.repo}-b"
        self.hub.create_repo(other)
        self.publish(seed="v1", repo=other)
        self.write_cxx_project(self.declaration("first") + self.declaration("second", repo=other),
                               names=("first", "second"))
        self.configure_cxx()
        self.hub.fault("throttle", path=WEIGHTS_ON_THE_CDN, rate=2 << 20, count=-1)
        self.build_target("build", "-j", "4")
        self.hub.clear_faults()
        spans = ninja_log(self.path("build"))
        first, second = span_of(spans, "first.downloaded"), span_of(spans, "second.downloaded")
        self.assertGreaterEqual(max(first[0], second[0]), min(first[1], second[1]), f"they overlapped: {spans}")
        self.assertRegex(self.read_build_file("build.ninja", "rules.ninja"), r"pool hubdeps_download\n\s+depth = 1\n")

    def read_build_file(self, *names: str) -> str:
        text = ""
        for root, _, files in os.walk(self.path("build")):
            for name in files:
                if name in names:
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        text += f.read()
        return text

    def test_a_bad_pool_size_is_named(self):
        self.write_cxx_project(self.declaration())
        output = self.run_command([CMAKE, "-S", self.project, "-B", self.path("build"), "-G", "Ninja",
                                   f"-DHUBDEPS_EXECUTABLE={HELPER}", "-DHUBDEPS_DOWNLOAD_JOBS=two"],
                                  expect_ok=False)
        self.assertIn("HUBDEPS_DOWNLOAD_JOBS is 'two'", squash(output))


class DeferredExample(DeferredTestCase):
    """examples/deferred-weights, with the installed package."""

    def test_the_example_builds_its_checks_without_the_weights_and_its_program_with_them(self):
        prefix = self.install_prefix()
        self.assertTrue(os.path.isfile(os.path.join(prefix, "lib", "cmake", "HubDeps", "HubDepsDefer.cmake")))
        project = self.copy_example("deferred-weights")
        build = self.path("example-build")
        output = self.configure(project, build, f"-DCMAKE_PREFIX_PATH={prefix}",
                                "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror")
        self.assertIn("deferred 1 file(s)", output)
        self.hub.clear_log()
        self.run_command([CMAKE, "--build", build, "--target", "checks"])
        self.assertEqual(self.hub.log(), [])
        self.assertEqual(self.run_command([os.path.join(build, "checks")]), "checks: ok\n")
        self.build(build)
        commit = self.refs("hubdeps-demo/tiny-bert")["branches"]["main"]
        self.assertEqual([e["path"] for e in self.hub.log() if "/resolve/" in e["path"]],
                         [f"/hubdeps-demo/tiny-bert/resolve/{commit}/{WEIGHTS}"])
        output = self.run_command([os.path.join(build, "infer")])
        weights = os.path.join(self.snapshot_dir("hubdeps-demo/tiny-bert", commit), WEIGHTS)
        self.assertIn(f"weights:     {weights} ({os.path.getsize(weights)} bytes, a ", output)
        self.assertTrue(re.search(r"a \d+-byte safetensors header", output), output)
        self.assertIn("ninja: no work to do", self.run_command([CMAKE, "--build", build]))
