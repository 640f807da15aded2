"""End-to-end tests of what the CMake module does so that hubdeps.lock stays a proof (issue 21): declarations
checked before the helper starts, no lockfile change from a failed configure, paths that stay put whatever folder
CMake runs in, the Hub and cache remembered per build folder, unused lock entries, one-shot knobs and the hints of
the helper's exit codes. Real CMake configures with the real helper against the local test Hub, as in
test_hubdeps_cmake.py (which has the shared machinery and says what CTest passes).

Run one class by hand: python3 -m unittest -v test_lock_trust_cmake.UnusedEntries
"""

from __future__ import annotations

import json
import os
import re
import shutil

from test_hubdeps_cmake import HELPER, TINY_BERT, ProjectTestCase, cmake_error_block, squash


def cache_entries(build: str) -> dict:
    """CMakeCache.txt as {name: (type, value)}."""
    entries = {}
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith(("#", "//")) and ":" in line and "=" in line:
                name, rest = line.split(":", 1)
                kind, value = rest.split("=", 1)
                entries[name] = (kind, value)
    return entries


def read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


class LockTrustTestCase(ProjectTestCase):
    """Projects whose helper is a wrapper that logs each start, so a test can prove a check came first."""

    def setUp(self):
        super().setUp()
        self.starts_log = self.path("helper-starts.log")
        self.wrapper = self.path("hubdeps-wrapper")
        with open(self.wrapper, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\nprintf \'%s\\n\' "$*" >> "{self.starts_log}"\nexec "{HELPER}" "$@"\n')
        os.chmod(self.wrapper, 0o755)

    def configure_project(self, *args: str, helper: str | None = None, **kwargs) -> str:
        return super().configure_project(*args, helper=helper or self.wrapper, **kwargs)

    def helper_starts(self) -> list:
        """The argument lines of every helper start so far, `--version` included."""
        data = read_bytes(self.starts_log)
        return data.decode().splitlines() if data else []

    def lock_entries(self, lockfile: str | None = None) -> dict:
        with open(lockfile or self.lockfile, encoding="utf-8") as f:
            return json.load(f)["entries"]

    def requests(self) -> list:
        return [f"{entry['method']} {entry['path']}" for entry in self.hub.log()]

    def touch_and_build(self, build: str, env: dict | None = None) -> str:
        """What Ninja does when CMakeLists.txt changed: re-runs the configure from the build folder."""
        os.utime(os.path.join(self.project, "CMakeLists.txt"))
        output = self.build(build, env=env)
        self.assertIn("Re-running CMake", output)
        return output


class DeclarationChecks(LockTrustTestCase):
    """Every check of a declaration runs before the helper starts; a configure that fails writes no lock change."""

    def test_no_arguments_get_a_hubdeps_message(self):
        output = self.assert_fails_with("hf_fetch_model()", "HubDeps: hf_fetch_model() needs the dependency's name "
                                        "and its REPO; write hf_fetch_model(<name> REPO <namespace/repo>")
        self.assertNotIn("incorrect arguments", output)
        self.assertEqual(self.helper_starts(), [])

    def test_two_names_of_one_cpp_namespace_are_refused_at_the_second_naming_the_first(self):
        cases = {
            "spelled apart": ("hf_fetch_model(my-model REPO {repo} INCLUDE config.json)\n"
                              "hf_fetch_model(my_model REPO {repo} REVISION v1.0 INCLUDE config.json)",
                              "hf_fetch_model(my_model): its header's C++ namespace hf::my_model is already the "
                              "one of hf_fetch_model(my-model) in {cmakelists}", "my-model"),
            "explicit equal to a default": ("hf_fetch_model(bert REPO {repo} INCLUDE config.json)\n"
                                            "hf_fetch_model(other REPO {repo} REVISION v1.0 INCLUDE config.json "
                                            "NAMESPACE hf::bert)",
                                            "hf_fetch_model(other): its header's C++ namespace hf::bert is already "
                                            "the one of hf_fetch_model(bert)", "bert"),
            "two explicit": ("hf_fetch_model(a REPO {repo} INCLUDE config.json NAMESPACE models::tiny)\n"
                             "hf_fetch_model(b REPO {repo} REVISION v1.0 INCLUDE config.json NAMESPACE models::tiny)",
                             "hf_fetch_model(b): its header's C++ namespace models::tiny is already the one of "
                             "hf_fetch_model(a)", "a"),
        }
        for case, (body, expected, first) in cases.items():
            with self.subTest(case=case):
                if os.path.exists(self.lockfile):
                    os.remove(self.lockfile)
                shutil.rmtree(self.path("build"), ignore_errors=True)
                self.hub.clear_log()
                cmakelists = os.path.join(self.project, "CMakeLists.txt")
                self.assert_fails_with(body.format(repo=TINY_BERT),
                                       expected.format(cmakelists=cmakelists), "Give this one another name")
                # The second declaration (at v1.0) never reached the Hub; the first was fetched and pinned.
                self.assertFalse([r for r in self.requests() if "v1.0" in r], self.requests())
                self.assertEqual(list(self.lock_entries()), [first])

    def test_keywords_reserved_names_and_bad_headers_are_refused_before_the_helper_starts(self):
        cases = {
            f"hf_fetch_model(class REPO {TINY_BERT})": "'class' is a C++ keyword",
            f"hf_fetch_model(int REPO {TINY_BERT})": "'int' is a C++ keyword",
            f"hf_fetch_model(namespace REPO {TINY_BERT})": "'namespace' is a C++ keyword",
            f"hf_fetch_model(bert REPO {TINY_BERT} NAMESPACE models::class)": "'class' is a C++ keyword",
            f"hf_fetch_model(bert REPO {TINY_BERT} NAMESPACE my__models)": "'my__models' is reserved",
            f"hf_fetch_model(bert REPO {TINY_BERT} NAMESPACE _Models::bert)": "'_Models' is reserved",
            f"hf_fetch_model(bert REPO {TINY_BERT} NAMESPACE std::bert)": "may not add names to namespace std",
            f"hf_fetch_model(bert REPO {TINY_BERT} HEADERS ../config.json)": "HEADERS '../config.json' is not a JSON "
                                                                            "file of the repository",
            f"hf_fetch_model(bert REPO {TINY_BERT} HEADERS config.json sub/config.json)":
                "two files called config.json",
            f"hf_fetch_model(bert REPO {TINY_BERT} HEADERS files.json)": "a name the model header already declares",
        }
        self.hub.clear_log()
        for body, expected in cases.items():
            with self.subTest(body=body):
                output = self.assert_fails_with(body, expected)
                self.assertIn("HubDeps: hf_fetch_model(", cmake_error_block(output))
                self.assertEqual(self.helper_starts(), [], "the helper started")
        self.assertEqual(self.requests(), [])
        self.assertFalse(os.path.exists(self.lockfile))

    def test_a_headers_file_that_is_not_fetched_fails_before_any_download_and_changes_no_lock(self):
        self.hub.clear_log()
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json "
                                        "HEADERS tokenizer_config.json)", "exit code 3", "tokenizer_config.json")
        self.assert_helper_message_surfaces(output)
        self.assertEqual([r for r in self.requests() if "/resolve/" in r], [])
        self.assertFalse(os.path.exists(self.lockfile))
        # With a lock already there: the changed declaration fails and the lock keeps its bytes.
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        self.configure_project()
        pinned = read_bytes(self.lockfile)
        self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} REVISION v1.0 INCLUDE config.json "
                               "HEADERS tokenizer_config.json)", "exit code 3", "tokenizer_config.json")
        self.assertEqual(read_bytes(self.lockfile), pinned)

    def test_a_header_that_cannot_be_generated_changes_no_lock(self):
        repo = "hubdeps-test/broken-config"
        self.hub.create_repo(repo)
        self.hub.commit(repo, {"config.json": '{"hidden_size": 32,,}\n'})
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        self.configure_project()
        pinned = read_bytes(self.lockfile)
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)\n"
                                        f"hf_fetch_model(broken REPO {repo} HEADERS config.json)",
                                        "could not generate hf/broken.hpp")
        self.assert_helper_message_surfaces(output)
        self.assertEqual(read_bytes(self.lockfile), pinned)
        self.assertNotIn("broken", self.lock_entries())


class PathsWhereverCMakeRuns(LockTrustTestCase):
    """A relative lockfile is the source folder's, typed or not; a relative cache ends up absolute and recorded,
    so Ninja's re-configure from the build folder does not fill a second cache there."""

    def test_a_relative_lockfile_is_relative_to_the_source_folder_typed_or_not(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        elsewhere = self.path("elsewhere")
        for folder in (os.path.join(self.project, "locks"), os.path.join(elsewhere, "locks")):
            os.makedirs(folder)
        for form, file_name in (("-DHUBDEPS_LOCKFILE=locks/untyped.lock", "untyped.lock"),
                                ("-DHUBDEPS_LOCKFILE:FILEPATH=locks/typed.lock", "typed.lock")):
            with self.subTest(form=form):
                build = f"build-{file_name}"
                self.configure_project(form, build=build, cwd=elsewhere)
                lockfile = os.path.join(self.project, "locks", file_name)
                self.assertEqual(list(self.lock_entries(lockfile)), ["bert"])
                self.assertFalse(os.path.exists(os.path.join(elsewhere, "locks", file_name)))
                self.assertEqual(cache_entries(self.path(build))["HUBDEPS_LOCKFILE"],
                                 ("FILEPATH", f"locks/{file_name}"))
                # Ninja re-runs the configure from the build folder: still the same lockfile.
                pinned = read_bytes(lockfile)
                self.touch_and_build(self.path(build))
                self.assertEqual(read_bytes(lockfile), pinned)
                self.assertFalse(os.path.exists(os.path.join(self.path(build), "locks")))

    def test_a_relative_cache_ends_up_absolute_and_a_ninja_reconfigure_keeps_it(self):
        body = ('hf_fetch_model(bert REPO {repo} INCLUDE {include})\n'
                'file(WRITE "${{CMAKE_BINARY_DIR}}/vars.txt" "${{bert_DIR}}")\n')
        self.write_project(body.format(repo=TINY_BERT, include="config.json"))
        env = dict(self.env, HF_HUB_CACHE="rel-cache")
        build = self.path("build")
        self.configure_project(env=env, cwd=self.tmp)
        cache = self.path("rel-cache")
        commit = self.refs(TINY_BERT)["branches"]["main"]
        snapshot = os.path.join(cache, f"models--{TINY_BERT.replace('/', '--')}", "snapshots", commit)
        with open(os.path.join(build, "vars.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), snapshot)
        with open(os.path.join(build, "hubdeps", "include", "hf", "bert.hpp"), encoding="utf-8") as f:
            header = re.sub(r'"\s*\n\s*"', "", f.read())  # long literals are split over lines
        self.assertIn(f'snapshot_dir = "{snapshot}";', header)
        self.assertEqual(cache_entries(build)["HUBDEPS_CACHE_DIR"], ("PATH", cache))

        # A changed declaration makes Ninja's re-configure run the helper, from the build folder, with the same
        # relative HF_HUB_CACHE: the recorded cache is used, no second one appears under the build folder.
        self.write_project(body.format(repo=TINY_BERT, include="config.json README.md"))
        self.hub.clear_log()
        self.touch_and_build(build, env=env)
        self.assertFalse(os.path.exists(os.path.join(build, "rel-cache")))
        self.assertTrue(os.path.isfile(os.path.join(snapshot, "README.md")))
        self.assertEqual([r for r in self.requests() if "/resolve/" in r],
                         [f"GET /{TINY_BERT}/resolve/{commit}/README.md"])

    def test_a_relative_cache_dir_variable_ends_up_absolute(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        env = {k: v for k, v in self.env.items() if k != "HF_HUB_CACHE"}
        self.configure_project("-DHUBDEPS_CACHE_DIR:PATH=typed-cache", env=env, cwd=self.tmp)
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_CACHE_DIR"], ("PATH", self.path("typed-cache")))
        self.assertTrue(os.path.isdir(self.path("typed-cache", f"models--{TINY_BERT.replace('/', '--')}")))


class RememberedHub(LockTrustTestCase):
    """The first fetch records the Hub and the cache; every later configure uses them, whatever its environment."""

    def ide_env(self) -> dict:
        """A configure started by an IDE: no HF_ENDPOINT, no HF_HUB_CACHE, and a home of its own."""
        env = {k: v for k, v in self.env.items() if k not in ("HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME")}
        env["HOME"] = self.path("ide-home")
        os.makedirs(env["HOME"], exist_ok=True)
        return env

    def test_a_configure_without_the_environment_uses_the_recorded_hub_and_cache(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        output = self.configure_project()
        build = self.path("build")
        self.assertEqual(cache_entries(build)["HUBDEPS_ENDPOINT"], ("STRING", self.hub.endpoint.rstrip("/")))
        self.assertEqual(cache_entries(build)["HUBDEPS_CACHE_DIR"], ("PATH", self.cache))
        self.assertIn("this build folder uses the Hub", output)

        # From an IDE, with a changed declaration so that the helper must ask the Hub.
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json README.md)")
        self.hub.clear_log()
        self.reconfigure(build, env=self.ide_env())
        commit = self.refs(TINY_BERT)["branches"]["main"]
        self.assertTrue(os.path.isfile(os.path.join(self.snapshot_dir(TINY_BERT, commit), "README.md")))
        self.assertFalse(os.path.exists(self.path("ide-home", ".cache")))
        self.assertIn(f"GET /{TINY_BERT}/resolve/{commit}/README.md", self.requests())
        fetch = [line for line in self.helper_starts() if line.startswith("fetch ")][-1]
        self.assertIn(f"--endpoint {self.hub.endpoint.rstrip('/')} --cache-dir {self.cache}", fetch)

        # Nothing changed: neither the IDE's configure nor the shell's runs the helper (the fast path compares the
        # recorded Hub and cache, not the environment), and nobody asks the Hub.
        starts = len(self.helper_starts())
        self.hub.clear_log()
        self.reconfigure(build, env=self.ide_env())
        self.reconfigure(build)
        self.assertEqual([line for line in self.helper_starts()[starts:] if line.startswith("fetch ")], [])
        self.assertEqual(self.requests(), [])

    def test_an_environment_naming_another_hub_or_cache_is_noted_and_switching_is_explicit(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        self.configure_project()
        build = self.path("build")
        other_cache = self.path("other-cache")
        other_hub = "http://127.0.0.1:9/mirror"
        output = self.reconfigure(build, env=dict(self.env, HF_ENDPOINT=other_hub + "/", HF_HUB_CACHE=other_cache))
        recorded = self.hub.endpoint.rstrip("/")
        self.assertIn(f"-- HubDeps: HF_ENDPOINT is {other_hub} here, but this build folder uses the Hub it recorded, "
                      f"HUBDEPS_ENDPOINT={recorded}; to switch, configure with -DHUBDEPS_ENDPOINT={other_hub}\n",
                      output)
        self.assertIn(f"-- HubDeps: the environment names the cache {other_cache} here, but this build folder uses "
                      f"the one it recorded, HUBDEPS_CACHE_DIR={self.cache}; to switch, configure with "
                      f"-DHUBDEPS_CACHE_DIR={other_cache}\n", output)
        self.assertFalse(os.path.exists(other_cache))
        # Switching is one -D away, and then remembered.
        self.hub.clear_log()
        self.reconfigure(build, f"-DHUBDEPS_CACHE_DIR={other_cache}")
        commit = self.refs(TINY_BERT)["branches"]["main"]
        config = os.path.join(other_cache, f"models--{TINY_BERT.replace('/', '--')}", "snapshots", commit,
                              "config.json")
        self.assertTrue(os.path.isfile(config))
        self.assertEqual(cache_entries(build)["HUBDEPS_CACHE_DIR"], ("PATH", other_cache))
        self.assertNotIn("names the cache", self.reconfigure(build, env=dict(self.env, HF_HUB_CACHE=other_cache)))

    def test_a_hub_given_as_a_cache_variable_is_used_and_recorded_without_trailing_slash(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        env = self.ide_env()
        self.configure_project(f"-DHUBDEPS_ENDPOINT={self.hub.endpoint}/", f"-DHUBDEPS_CACHE_DIR={self.cache}", env=env)
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_ENDPOINT"],
                         ("STRING", self.hub.endpoint.rstrip("/")))
        self.assertTrue([r for r in self.requests() if "/resolve/" in r])


class UnusedEntries(LockTrustTestCase):
    """Lock entries no hf_fetch_model() declares: a warning; HUBDEPS_UPDATE removes them; HUBDEPS_LOCKED fails."""

    TWO = (f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)\n"
           f"hf_fetch_model(old REPO {TINY_BERT} REVISION v1.0 INCLUDE config.json)")
    ONE = f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)"

    def state_files(self, name: str) -> list:
        state = self.path("build", "hubdeps")
        return [os.path.join(state, "include", "hf", f"{name}.hpp"), os.path.join(state, f"{name}.fetch.json"),
                os.path.join(state, f"{name}.stamp")]

    def pin_two_then_drop_one(self) -> bytes:
        self.write_project(self.TWO)
        self.configure_project()
        self.assertEqual(sorted(self.lock_entries()), ["bert", "old"])
        self.assertTrue(all(os.path.isfile(f) for f in self.state_files("old")))
        self.write_project(self.ONE)
        return read_bytes(self.lockfile)

    def test_an_unused_entry_is_named_in_a_warning_and_its_header_disappears(self):
        pinned = self.pin_two_then_drop_one()
        # Where the data source of a header with large values would be (docs/header-mapping.md).
        data_source = self.path("build", "hubdeps", "src", "old_data.cpp")
        os.makedirs(os.path.dirname(data_source))
        with open(data_source, "w", encoding="utf-8") as f:
            f.write("// large values of hf::old\n")
        output = self.configure_project()
        self.assertIn(squash(f"HubDeps: the lockfile {self.lockfile} has entries no hf_fetch_model() of the project "
                             "declares: old. Remove them with"), squash(output))
        self.assertIn(f"lock --prune old --lock {self.lockfile}`", squash(output))
        self.assertIn("CMake Warning", output)
        self.assertEqual(read_bytes(self.lockfile), pinned)
        self.assertEqual([f for f in self.state_files("old") + [data_source] if os.path.exists(f)], [])
        self.assertTrue(all(os.path.isfile(f) for f in self.state_files("bert")))
        # The warning stays until the entry goes; a lock without unused entries gives none.
        self.assertIn("declares: old", squash(self.configure_project()))
        self.write_project(self.TWO)
        self.assertNotIn("no hf_fetch_model() of the project declares", self.configure_project())

    def test_update_removes_unused_entries_and_turns_itself_off(self):
        self.pin_two_then_drop_one()
        output = self.configure_project("-DHUBDEPS_UPDATE=ON")
        self.assertIn("HubDeps: removed the lockfile entries no hf_fetch_model() declares: old", output)
        self.assertEqual(list(self.lock_entries()), ["bert"])
        self.assertIn(f"lock --prune old --lock {self.lockfile}", self.helper_starts())
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_UPDATE"], ("BOOL", "OFF"))
        self.assertNotIn("declares", self.configure_project())

    def test_locked_fails_naming_unused_entries_and_changes_nothing(self):
        pinned = self.pin_two_then_drop_one()
        self.assert_fails_with(self.ONE, f"HubDeps: the lockfile {self.lockfile} has entries no hf_fetch_model() of "
                               "the project declares: old. HUBDEPS_LOCKED is ON",
                               f"lock --prune old --lock {self.lockfile}",
                               args=["-DHUBDEPS_LOCKED=ON"])
        self.assertEqual(read_bytes(self.lockfile), pinned)
        # Also when the project declares no model at all any more.
        self.assert_fails_with("", "has entries no hf_fetch_model() of the project declares: bert, old",
                               args=["-DHUBDEPS_LOCKED=ON"])
        self.assertEqual(read_bytes(self.lockfile), pinned)

    def test_locked_and_update_together_fail_once_then_the_build_is_locked(self):
        self.write_project(self.ONE)
        self.configure_project()
        pinned = read_bytes(self.lockfile)
        self.assert_fails_with(self.ONE, "HUBDEPS_LOCKED and HUBDEPS_UPDATE are both ON",
                               "HUBDEPS_UPDATE is a one-shot request and is OFF again",
                               args=["-DHUBDEPS_LOCKED=ON", "-DHUBDEPS_UPDATE=ON"])
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_UPDATE"], ("BOOL", "OFF"))
        # The next configure, with nothing cleared by hand, builds locked.
        output = self.reconfigure(self.path("build"))
        self.assertIn("HubDeps: bert:", output)
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_LOCKED"], ("BOOL", "ON"))
        self.assertEqual(read_bytes(self.lockfile), pinned)


class ForceAndHints(LockTrustTestCase):
    """A damaged cache and a lock the Hub contradicts: what a re-configure proves without the helper,
    HUBDEPS_FORCE_DOWNLOAD, and the hints that follow the helper's exit codes 6, 7 and 8."""

    def test_force_download_fetches_every_file_again_once(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json tokenizer_config.json)")
        self.configure_project()
        commit = self.refs(TINY_BERT)["branches"]["main"]
        config = os.path.join(self.snapshot_dir(TINY_BERT, commit), "config.json")
        good = read_bytes(config)
        # A cached blob damaged in place, same size: a pinned fetch does not re-hash it, a forced one replaces it.
        with open(os.path.realpath(config), "r+b") as f:
            f.write(b"X" * len(good))
        self.hub.clear_log()
        output = self.reconfigure(self.path("build"), "-DHUBDEPS_FORCE_DOWNLOAD=ON")
        self.assertEqual(sorted(r for r in self.requests() if "/resolve/" in r and r.startswith("GET")),
                         [f"GET /{TINY_BERT}/resolve/{commit}/config.json",
                          f"GET /{TINY_BERT}/resolve/{commit}/tokenizer_config.json"])
        self.assertEqual(read_bytes(config), good)
        self.assertIn("HubDeps: files downloaded again and verified; HUBDEPS_FORCE_DOWNLOAD is OFF again", output)
        self.assertEqual(cache_entries(self.path("build"))["HUBDEPS_FORCE_DOWNLOAD"], ("BOOL", "OFF"))
        self.hub.clear_log()
        self.reconfigure(self.path("build"))
        self.assertEqual(self.requests(), [])

    def test_the_offline_hint_names_the_switch_that_is_on(self):
        body = f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)"
        output = self.assert_fails_with(body, "exit code 8: offline and not in the cache",
                                        "configure with -DHUBDEPS_OFFLINE=OFF", args=["-DHUBDEPS_OFFLINE=ON"])
        self.assertNotIn("HF_HUB_OFFLINE", cmake_error_block(output))
        shutil.rmtree(self.path("build"))
        output = self.assert_fails_with(body, "exit code 8: offline and not in the cache",
                                        "unset HF_HUB_OFFLINE in the environment",
                                        env=dict(self.env, HF_HUB_OFFLINE="1"))
        self.assertNotIn("HUBDEPS_OFFLINE", cmake_error_block(output))
        self.assertEqual(self.requests(), [])

    def test_a_reconfigure_that_starts_no_helper_still_proves_each_entry_by_its_blob_and_size(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json tokenizer_config.json)")
        self.configure_project()
        commit = self.refs(TINY_BERT)["branches"]["main"]
        snapshot = self.snapshot_dir(TINY_BERT, commit)
        config, tokenizer_config = (os.path.join(snapshot, name) for name in ("config.json", "tokenizer_config.json"))
        good = read_bytes(config)

        def fetches() -> int:
            return len([line for line in self.helper_starts() if line.startswith("fetch ")])

        before = fetches()
        self.reconfigure(self.path("build"))
        self.assertEqual(fetches(), before, "nothing changed, yet the helper ran")
        # A truncated blob: the entry's size is not the pinned one.
        with open(os.path.realpath(config), "r+b") as f:
            f.truncate(19)
        self.reconfigure(self.path("build"))
        self.assertEqual(fetches(), before + 1)
        self.assertEqual(read_bytes(config), good)
        # An entry linked to another blob (a file of the same snapshot): its name is not the pinned hash.
        os.remove(config)
        os.symlink(os.readlink(tokenizer_config), config)
        self.reconfigure(self.path("build"))
        self.assertEqual(fetches(), before + 2)
        self.assertEqual(read_bytes(config), good)

    def test_a_damaged_cache_offline_fails_with_how_to_repair_it_and_online_it_is_repaired(self):
        self.write_project(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)")
        self.configure_project()
        commit = self.refs(TINY_BERT)["branches"]["main"]
        config = os.path.join(self.snapshot_dir(TINY_BERT, commit), "config.json")
        good = read_bytes(config)
        with open(os.path.realpath(config), "r+b") as f:
            f.truncate(19)
        output = self.assert_fails_with(f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)",
                                        "exit code 6: integrity failure", "Offline, the cache does not hold the bytes "
                                        "the lockfile pins: configure with -DHUBDEPS_OFFLINE=OFF, and configure once",
                                        f"verify --lock {self.lockfile}`", args=["-DHUBDEPS_OFFLINE=ON"])
        self.assert_helper_message_surfaces(output)
        self.assertIn("config.json", squash(cmake_error_block(output)))
        self.reconfigure(self.path("build"), "-DHUBDEPS_OFFLINE=OFF")
        self.assertEqual(read_bytes(config), good)

    def test_a_hand_edited_commit_fails_as_a_lock_that_disagrees_with_the_hub(self):
        body = f"hf_fetch_model(bert REPO {TINY_BERT} INCLUDE config.json)"
        self.write_project(body)
        self.configure_project()
        with open(self.lockfile, encoding="utf-8") as f:
            lock = json.load(f)
        real = lock["entries"]["bert"]["commit"]
        fake = real[::-1]
        lock["entries"]["bert"]["commit"] = fake
        with open(self.lockfile, "w", encoding="utf-8") as f:
            f.write(json.dumps(lock, indent=2, sort_keys=True) + "\n")
        edited = read_bytes(self.lockfile)
        for args in ([], ["-DHUBDEPS_LOCKED=ON"]):
            with self.subTest(args=args):
                output = self.assert_fails_with(body, "exit code 7: the lockfile does not match",
                                                "does not confirm (was it edited by hand or badly merged?)",
                                                f"lock --update bert --lock {self.lockfile}`", args=args)
                self.assert_helper_message_surfaces(output)
                self.assertEqual(read_bytes(self.lockfile), edited)
                self.assertFalse(os.path.exists(self.snapshot_dir(TINY_BERT, fake)))
        # Re-pinning from the Hub is the way out the hint names.
        self.configure_project("-DHUBDEPS_LOCKED=OFF", "-DHUBDEPS_UPDATE=ON")
        self.assertEqual(self.lock_entries()["bert"]["commit"], real)


if __name__ == "__main__":
    import unittest
    unittest.main()
