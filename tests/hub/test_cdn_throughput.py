"""The CDN origin serves big LFS blobs with sendfile fast enough for benchmarks to measure the client.

A separate module (CTest `hub_cdn_throughput`, RUN_SERIAL) because a rate measured while other tests
compete for the machine's two cores says little.
"""

from __future__ import annotations

import subprocess
import unittest

from hubtest import TestHub
from test_hubserver import call


class CdnThroughputTest(unittest.TestCase):
    def test_curl_reads_a_1_gib_lfs_blob_from_the_cdn_at_over_1_gb_per_second(self):
        size = 1 << 30
        with TestHub() as hub:
            hub.create_repo("tester/huge")
            hub.commit("tester/huge", {"huge.safetensors": {"generate": {"size": size, "seed": "throughput"}}})
            location = call("HEAD", hub.endpoint + "/tester/huge/resolve/main/huge.safetensors").header("Location")
            rates = []
            for _ in range(3):  # best of three: the machine is shared, one slow run says little
                result = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download} %{speed_download}",
                                         location], capture_output=True, text=True, timeout=60, env=hub.env())
                downloaded, rate = result.stdout.split()
                self.assertEqual(int(float(downloaded)), size, result.stderr)
                rates.append(float(rate))
                if rates[-1] > 1e9:
                    break
            print(f"\ncurl read 1 GiB from the CDN origin at {max(rates) / 1e9:.2f} GB/s (runs: "
                  + ", ".join(f"{r / 1e9:.2f}" for r in rates) + ")")
            self.assertGreater(max(rates), 1e9)


if __name__ == "__main__":
    unittest.main()
