"""TLS with the Windows helper under Wine: WinHTTP trusts only the Windows certificate store, so CURL_CA_BUNDLE and
SSL_CERT_FILE (libcurl's and OpenSSL's) change nothing there, and the error for an untrusted certificate says what
to do on Windows. Trusting the test Hub through the store was tried and does not hold under Wine 8: a certificate
added to the prefix's Root store (CertAddEncodedCertificateToStore) makes the chain trusted, but Wine's SSL policy
check then refuses the name (CERT_E_CN_NO_MATCH) of a certificate for the address 127.0.0.1, the only name the test
Hub has; so test_security's and test_proxy's trusted-TLS cases still do not run under Wine (selection.txt)."""
import os
import shutil
import tempfile

from support import HubTestCase, TestHub
from test_security import make_certificate


class UntrustedTlsOnWindows(HubTestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="hubdeps-tls-")
        cls.certificate, key = make_certificate(cls.certs)
        cls.hub = TestHub(tls=(cls.certificate, key)).start()
        cls.hub.create_repo("acme/tls")
        cls.hub.commit("acme/tls", {"config.json": "{}\n"})

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.certs, True)

    def test_an_untrusted_certificate_is_refused_with_what_to_do_on_windows(self):
        # A CA bundle variable changes nothing on Windows: only the store counts.
        result = self.fetch("acme/tls", env={"HF_HUB_ETAG_TIMEOUT": "2", "CURL_CA_BUNDLE": self.certificate})
        self.assertExit(result, 5)
        self.assertIn("not trusted by Windows", result.stderr)
        self.assertIn("certutil -addstore Root", result.stderr)
        self.assertNotIn("CURL_CA_BUNDLE", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.repo_dir("acme/tls"), "blobs")))
