"""Security guarantees end to end: TLS is always verified; the token never leaks."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
import unittest

from support import HUBDEPS, WRITE_TOKEN, HubTestCase, TestHub


def make_certificate(folder):
    certificate, key = os.path.join(folder, "hub.pem"), os.path.join(folder, "hub.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return certificate, key


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

    def test_not_in_error_messages(self):
        result = self.fetch("acme/nope", token=self.TOKEN)
        self.assertExit(result, 3)
        bad = self.fetch("acme/private", token=self.TOKEN + "x")
        self.assertExit(bad, 4)
        self.assertNotIn(self.TOKEN, result.stderr + bad.stderr)


if __name__ == "__main__":
    unittest.main()
