"""TLS with the Windows helper under Wine. WinHTTP trusts only the Windows certificate store: CURL_CA_BUNDLE and
SSL_CERT_FILE (libcurl's and OpenSSL's) change nothing on Windows, and the error for an untrusted certificate says
what to do there. scripts/test-wine.sh builds tests/wine/add_root_cert.c, which puts a certificate into the current
user's Root store of the stage's Wine prefix (`certutil -user -addstore Root` on Windows) and takes it out again;
HUBDEPS_WINE_ADD_ROOT_CERT names it. Wine's check of the server's name reads only the DNS names of a certificate
(CERT_E_CN_NO_MATCH for one that names 127.0.0.1 as an IP address alone, as test_security's does), so the
certificates here name 127.0.0.1 both ways."""
import os
import shutil
import subprocess
import tempfile

from support import HubTestCase, TestHub
from hubtest import make_certificate  # noqa: E402  (tests/hub: on the path support sets)



def root_store(certificate, *options):
    """Adds `certificate` to the Wine prefix's Root store (or, with "--remove", takes it out)."""
    wine = os.environ.get("HUBDEPS_WINE") or shutil.which("wine64") or "/usr/lib/wine/wine64"
    # Files, not pipes (tests/wine/hubdeps-under-wine says why).
    with tempfile.TemporaryFile() as err:
        completed = subprocess.run([wine, os.environ["HUBDEPS_WINE_ADD_ROOT_CERT"], *options, certificate],
                                   stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, timeout=120)
        err.seek(0)
        if completed.returncode != 0:
            raise RuntimeError(err.read().decode(errors="replace"))


class TlsOnWindows(HubTestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="hubdeps-tls-")
        cls.certificate, key = make_certificate(cls.certs)
        cls.hub = TestHub(tls=(cls.certificate, key)).start()
        cls.hub.create_repo("acme/tls")
        cls.hub.commit("acme/tls", {"config.json": "{}\n", "w.bin": {"generate": {"size": 1 << 20}, "lfs": True}})

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.certs, True)

    def test_a_certificate_in_the_windows_root_store_is_trusted(self):
        root_store(self.certificate)
        self.addCleanup(root_store, self.certificate, "--remove")
        result = self.fetch("acme/tls")
        self.assertExit(result, 0)
        with open(os.path.join(result.json()["snapshot_dir"], "w.bin"), "rb") as f:
            self.assertEqual(len(f.read()), 1 << 20)

    def test_an_untrusted_certificate_is_refused_with_what_to_do_on_windows(self):
        # A CA bundle variable changes nothing on Windows: only the store counts.
        result = self.fetch("acme/tls", env={"HF_HUB_ETAG_TIMEOUT": "2", "CURL_CA_BUNDLE": self.certificate})
        self.assertExit(result, 5)
        self.assertIn("not trusted by Windows", result.stderr)
        self.assertIn("certutil -addstore Root", result.stderr)
        self.assertNotIn("CURL_CA_BUNDLE", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/tls"), "blobs")))
