"""End-to-end tests of hf_push_artifact() (cmake/HubDepsPush.cmake): real CMake configures and Ninja builds that
publish to the local test Hub, including the examples/push-from-ci project.

Uses the harness of test_hubdeps_cmake.py (same environment: HUBDEPS_BIN, HUBDEPS_SOURCE_DIR, CMAKE_COMMAND).
Run by hand: python3 -m unittest -v test_push_artifact
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import urllib.error
import urllib.request

import yaml

from test_hubdeps_cmake import HELPER, SOURCE_DIR, STRICT_FLAGS, TINY_BERT, CMakeTestCase, cmake_error_block, squash
from hubtest import WRITE_TOKEN  # noqa: E402  (test_hubdeps_cmake puts tests/hub on the path)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


class PushTargets(CMakeTestCase):
    def hub_file(self, repo: str, path: str, revision: str = "main") -> bytes:
        request = urllib.request.Request(f"{self.hub.endpoint}/{repo}/resolve/{revision}/{path}",
                                         headers={"Authorization": f"Bearer {WRITE_TOKEN}"})
        with _OPENER.open(request, timeout=30) as answer:
            return answer.read()

    def pushes(self) -> list:
        return [e for e in self.hub.log() if e["method"] == "POST" and "/commit/" in e["path"]]

    def with_token(self) -> dict:
        return {**self.env, "HF_TOKEN": WRITE_TOKEN}

    def assert_token_nowhere(self, *paths: str):
        """Not in any file the configure or the build wrote (CMakeCache.txt, build.ninja, lockfile, ...)."""
        for top in paths:
            files = [top] if os.path.isfile(top) else [os.path.join(root, name) for root, _, names in os.walk(top)
                                                       for name in names]
            for path in files:
                if os.path.isfile(path) and not os.path.islink(path):
                    self.assertNotIn(WRITE_TOKEN.encode(), read(path), path)

    def test_the_push_from_ci_example_exports_and_publishes_one_commit(self):
        project = self.copy_example("push-from-ci")
        # A git work tree, so the card can name the commit the artifact was built from.
        git = ["git", "-C", project, "-c", "user.name=ci", "-c", "user.email=ci@example.invalid"]
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "source"]):
            self.run_command(git + command)
        source_commit = self.run_command(["git", "-C", project, "rev-parse", "HEAD"]).strip()
        build = self.path("build")
        repo = "hubdeps-demo/ci-head"
        self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}", f"-DHUBDEPS_SOURCE_DIR={SOURCE_DIR}",
                       f"-DPUSH_REPO={repo}", STRICT_FLAGS)
        self.hub.clear_log()
        self.build(build)
        # A normal build exports but publishes nothing.
        artifact = os.path.join(build, "artifact")
        self.assertEqual(sorted(os.listdir(artifact)), ["config.json", "model.safetensors"])
        self.assertEqual(self.hub.log(), [])

        output = self.run_command([self.cmake, "--build", build, "--target", "hf_push_tiny_head"], env=self.with_token())
        head = self.refs(repo)["branches"]["main"]
        self.assertIn(f"{self.hub.endpoint}/{repo}/commit/{head}", output)
        self.assertEqual(len(self.pushes()), 1)
        for name in ("config.json", "model.safetensors"):
            self.assertEqual(self.hub_file(repo, name), read(os.path.join(artifact, name)), name)

        # The export is shaped by the base model's config, and is a valid safetensors file.
        base_commit = self.refs(TINY_BERT)["branches"]["main"]
        with open(os.path.join(self.snapshot_dir(TINY_BERT, base_commit), "config.json"), encoding="utf-8") as f:
            hidden_size = json.load(f)["hidden_size"]
        weights = self.hub_file(repo, "model.safetensors")
        (header_length,) = struct.unpack("<Q", weights[:8])
        header = json.loads(weights[8:8 + header_length])
        self.assertEqual(header["classifier.weight"]["shape"], [3, hidden_size])
        self.assertEqual(len(weights), 8 + header_length + header["classifier.bias"]["data_offsets"][1])

        card = self.hub_file(repo, "README.md").decode()
        metadata = yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", card, re.S).group(1))
        self.assertEqual(metadata["base_model"], TINY_BERT)
        self.assertEqual(metadata["license"], "apache-2.0")
        self.assertIn("hubdeps", metadata["tags"])
        self.assertIn("`push_from_ci`", card)
        self.assertIn(f"commit `{source_commit}`", card)

        # The token was only ever in the environment of the push.
        self.assert_token_nowhere(build, os.path.join(project, "hubdeps.lock"))

        # Pushing the same export again changes nothing on the Hub.
        self.hub.clear_log()
        self.run_command([self.cmake, "--build", build, "--target", "hf_push_tiny_head"], env=self.with_token())
        self.assertEqual(self.refs(repo)["branches"]["main"], head)
        self.assertEqual(self.pushes(), [])
        self.assertEqual(self.hub.log(origin="cdn"), [])

    @property
    def cmake(self) -> str:
        return os.environ.get("CMAKE_COMMAND", "cmake")

    def write_project(self, body: str, files: dict | None = None, languages: str = "CXX") -> str:
        project = self.path("project")
        os.makedirs(project, exist_ok=True)
        with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write(f"cmake_minimum_required(VERSION 3.19)\nproject(pusher LANGUAGES {languages})\n"
                    f'include("{SOURCE_DIR}/cmake/HubDeps.cmake")\n{body}\n')
        for name, content in (files or {}).items():
            with open(os.path.join(project, name), "w", encoding="utf-8") as f:
                f.write(content)
        return project

    def test_files_may_be_generator_expressions_and_their_targets_are_built_first(self):
        project = self.write_project(
            "add_executable(tool main.cpp)\n"
            "hf_push_artifact(tool REPO hubdeps-demo/tools\n"
            "  FILES $<TARGET_FILE:tool> notes/NOTES.md\n"
            "  PATH_IN_REPO bin BRANCH nightly PRIVATE COMMIT_MESSAGE \"Nightly tool\" MODEL_CARD CARD.md)\n"
            'file(WRITE "${CMAKE_BINARY_DIR}/notes/NOTES.md" "built by CMake\\n")\n',
            {"main.cpp": "int main() { return 0; }\n", "CARD.md": "---\nlicense: mit\n---\n# Tools\n"})
        build = self.path("build")
        self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}")
        # Only the push target is asked for: the tool it names must be built for it.
        output = self.run_command([self.cmake, "--build", build, "--target", "hf_push_tool"], env=self.with_token())
        self.assertIn("Linking CXX executable tool", output)
        refs = self.refs("hubdeps-demo/tools")
        self.assertIn("nightly", refs["branches"])
        self.assertEqual(self.hub_file("hubdeps-demo/tools", "bin/tool", "nightly"), read(os.path.join(build, "tool")))
        self.assertEqual(self.hub_file("hubdeps-demo/tools", "bin/NOTES.md", "nightly"), b"built by CMake\n")
        self.assertEqual(self.hub_file("hubdeps-demo/tools", "README.md", "nightly"),
                         read(os.path.join(project, "CARD.md")))
        with self.assertRaises(urllib.error.HTTPError) as anonymous:
            _OPENER.open(f"{self.hub.endpoint}/api/models/hubdeps-demo/tools", timeout=30)
        self.assertEqual(anonymous.exception.code, 401, "PRIVATE made a public repo")
        self.assert_token_nowhere(build)

    def test_a_push_without_a_token_fails_the_build_target_with_the_helpers_message(self):
        project = self.write_project('hf_push_artifact(notes REPO hubdeps-demo/notes FILES "${CMAKE_CURRENT_LIST_FILE}")',
                                     languages="NONE")
        build = self.path("build")
        self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}")
        self.hub.clear_log()
        done = subprocess.run([self.cmake, "--build", build, "--target", "hf_push_notes"], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        self.assertNotEqual(done.returncode, 0, done.stdout)
        self.assertIn("needs a write token", done.stdout)
        self.assertEqual(self.hub.log(), [])

    def test_a_link_out_of_the_directory_fails_the_push_unless_follow_external_links(self):
        outside = self.path("outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "weights.bin"), "wb") as f:
            f.write(b"linked weights")
        for option in ("", "FOLLOW_EXTERNAL_LINKS"):
            with self.subTest(option=option or "(default)"):
                repo = "hubdeps-demo/linked-" + (option.lower().replace("_", "-") or "default")
                project = self.write_project(
                    'file(WRITE "${CMAKE_BINARY_DIR}/artifact/config.json" "{}")\n'
                    f'file(CREATE_LINK "{outside}/weights.bin" "${{CMAKE_BINARY_DIR}}/artifact/weights.bin" SYMBOLIC)\n'
                    f"hf_push_artifact(linked REPO {repo} DIRECTORY artifact {option})", languages="NONE")
                build = self.path("build-" + (option or "default"))
                self.configure(project, build, f"-DHUBDEPS_EXECUTABLE={HELPER}")
                self.hub.clear_log()
                done = subprocess.run([self.cmake, "--build", build, "--target", "hf_push_linked"],
                                      env=self.with_token(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, timeout=120)
                if option:
                    self.assertEqual(done.returncode, 0, done.stdout)
                    self.assertEqual(self.hub_file(repo, "weights.bin"), b"linked weights")
                else:
                    self.assertNotEqual(done.returncode, 0, done.stdout)
                    self.assertIn("outside the pushed folder", done.stdout)
                    self.assertIn("FOLLOW_EXTERNAL_LINKS", done.stdout)
                    self.assertEqual(self.hub.log(), [])

    def test_wrong_declarations_stop_the_configure_naming_the_argument(self):
        cases = {
            "hf_push_artifact(x FILES a.bin)": "hf_push_artifact(x): REPO is missing",
            "hf_push_artifact(x REPO not-an-id FILES a.bin)": "REPO 'not-an-id' is not a Hub repository id",
            "hf_push_artifact(x REPO org/m)": "nothing to push: give FILES",
            "hf_push_artifact(x REPO org/m FILES a DIRECTORY d)": "give either FILES or DIRECTORY, not both",
            "hf_push_artifact(x FOO REPO org/m FILES a)": "unknown argument 'FOO'",
            "hf_push_artifact(x REPO org/m FILES a REPO_TYPE weights)": "REPO_TYPE 'weights' is not a Hub repository type",
            "hf_push_artifact(REPO org/m FILES a)": "needs the artifact's name first",
            "hf_push_artifact(x REPO org/m FILES a)\nhf_push_artifact(x REPO org/n FILES b)": "hf_push_x already exists",
        }
        for body, expected in cases.items():
            with self.subTest(body=body):
                project = self.write_project(body, languages="NONE")
                output = self.configure(project, self.path("build-errors"), f"-DHUBDEPS_EXECUTABLE={HELPER}",
                                        expect_ok=False)
                self.assertIn(squash(expected), squash(cmake_error_block(output)))
