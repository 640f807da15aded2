"""Security guarantees end to end: TLS is always verified; the token never leaks."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
import unittest

from support import HUBDEPS, WRITE_TOKEN, HubTestCase, TestHub
from hubtest import make_certificate  # noqa: E402  (tests/hub: on the path support sets)



class TlsIsAlwaysVerified(HubTestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="hubdeps-tls-")
        cls.certificate, key = make_certificate(cls.certs)
        cls.hub = TestHub(tls=(cls.certificate, key)).start()
        cls.hub.create_repo("acme/tls")
        cls.hub.commit("acme/tls", {"config.json": "{}\n", "w.bin": {"generate": {"size": 1 << 20}, "lfs": True}})

    def test_the_local_hub_is_https(self):
        self.assertTrue(self.hub.endpoint.startswith("https://127.0.0.1:"))

    def test_a_self_signed_certificate_is_rejected(self):
        result = self.fetch("acme/tls", env={"HF_HUB_ETAG_TIMEOUT": "2"})
        self.assertExit(result, 5)
        self.assertIn("certificate", result.stderr.lower())
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/tls"), "blobs")))

    def test_it_is_trusted_when_a_ca_bundle_variable_names_it(self):
        for variable in ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            with self.subTest(variable=variable):
                result = self.fetch("acme/tls", env={variable: self.certificate})
                self.assertExit(result, 0)


class ProcessWatcher:
    """Reads every process's command line on this machine, every 20 ms, while a test runs something."""

    def __init__(self, needle: bytes):
        self.needle, self.found, self.samples = needle, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self):
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmdline = f.read()
                except OSError:
                    continue
                self.samples += 1
                if self.needle in cmdline:
                    self.found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def files_containing(folder: str, needle: bytes) -> list:
    hits = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                if needle in f.read():
                    hits.append(path)
    return hits


class TheTokenNeverLeaks(HubTestCase):
    TOKEN = "hf_SECRET_canary_7f3a9c1e"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.set_tokens({cls.TOKEN: {"user": "tester", "role": "write", "orgs": ["acme"]}})
        cls.hub.create_repo("acme/private", private=True)
        cls.hub.commit("acme/private", {"config.json": "{}\n",
                                        "w.bin": {"generate": {"size": 2 << 20}, "lfs": True}})

    def test_not_in_output_files_or_the_command_line(self):
        seen_cmdlines = []
        environment = self.hub.env(token=self.TOKEN, cache_dir=self.cache)
        self.hub.fault("stall", origin="cdn", seconds=1, after_headers=True, count=1)  # time to look at /proc
        process = subprocess.Popen([HUBDEPS, "fetch", "acme/private", "--json", "--lock", "hubdeps.lock",
                                    "--name", "secret"], env=environment, cwd=self.work,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def watch():
            while process.poll() is None:
                try:
                    with open(f"/proc/{process.pid}/cmdline", "rb") as f:
                        seen_cmdlines.append(f.read())
                except OSError:
                    pass
                time.sleep(0.05)
        watcher = threading.Thread(target=watch)
        watcher.start()
        stdout, stderr = process.communicate(timeout=120)
        watcher.join()
        self.assertEqual(process.returncode, 0, stderr)
        self.assertTrue(seen_cmdlines)
        self.assertFalse(any(self.TOKEN.encode() in c for c in seen_cmdlines))
        self.assertNotIn(self.TOKEN, stdout + stderr)
        for root, _, names in os.walk(self.work):
            for name in names:
                path = os.path.join(root, name)
                if os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    self.assertNotIn(self.TOKEN.encode(), f.read(), path)
        with open(os.path.join(self.hub.data_dir, "requests.log"), "rb") as f:
            self.assertNotIn(self.TOKEN.encode(), f.read())
        self.assertTrue(all(e["authorization"] for e in self.hub.log(origin="hub")))

    def test_not_in_cmake_fetch_push_builds_their_files_or_any_command_line(self):
        source_dir = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        project, build = os.path.join(self.work, "project"), os.path.join(self.work, "build")
        os.makedirs(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write(f"""cmake_minimum_required(VERSION 3.19)
project(secret LANGUAGES CXX)
include("{source_dir}/cmake/HubDeps.cmake")
hf_fetch_model(model REPO acme/private HEADERS config.json INCLUDE config.json)
add_executable(app main.cpp)
target_link_libraries(app PRIVATE hf::model)
file(WRITE "${{CMAKE_BINARY_DIR}}/artifact/weights.txt" "trained\\n")
hf_push_artifact(result REPO acme/pushed DIRECTORY "${{CMAKE_BINARY_DIR}}/artifact" PRIVATE)
""")
        with open(os.path.join(project, "main.cpp"), "w", encoding="utf-8") as f:
            f.write('#include "hf/model.hpp"\nint main() { return hf::model::commit.size() == 40 ? 0 : 1; }\n')
        environment = self.hub.env(token=self.TOKEN, cache_dir=self.cache)
        outputs = []
        with ProcessWatcher(self.TOKEN.encode()) as watcher:
            for command in (["cmake", "-S", project, "-B", build, "-G", "Ninja", f"-DHUBDEPS_EXECUTABLE={HUBDEPS}"],
                            ["cmake", "--build", build],
                            ["cmake", "--build", build, "--target", "hf_push_result"]):
                done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                outputs.append(done.stdout + done.stderr)
        self.assertEqual(subprocess.run([os.path.join(build, "app")]).returncode, 0)
        self.assertIn("main", self.hub.refs("acme/pushed")["branches"])  # the push landed
        self.assertGreater(watcher.samples, 0)
        self.assertEqual(watcher.found, [])
        self.assertNotIn(self.TOKEN, "".join(outputs))
        self.assertEqual(files_containing(self.work, self.TOKEN.encode()), [])  # CMakeCache, lock, headers, logs
        with open(os.path.join(self.hub.data_dir, "requests.log"), "rb") as f:
            self.assertNotIn(self.TOKEN.encode(), f.read())
        self.assertTrue(os.path.isfile(os.path.join(build, "CMakeCache.txt")))
        self.assertTrue(os.path.isfile(os.path.join(project, "hubdeps.lock")))
        self.assertTrue(os.path.isfile(os.path.join(build, "hubdeps", "include", "hf", "model.hpp")))

    def test_not_in_error_messages(self):
        result = self.fetch("acme/nope", token=self.TOKEN)
        self.assertExit(result, 3)
        bad = self.fetch("acme/private", token=self.TOKEN + "x")
        self.assertExit(bad, 4)
        self.assertNotIn(self.TOKEN, result.stderr + bad.stderr)


if __name__ == "__main__":
    unittest.main()
