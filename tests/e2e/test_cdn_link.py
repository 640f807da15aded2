"""A link shaped like the Hub's CDN (the test Hub's link_rate and link_delay_ms, tests/hub/README.md): each
connection is capped and every answer waits, as over the internet. A large file must then be fetched over more
connections than one, added while they still raise the total, and finish well before one connection could carry
it. The proof is the Hub's request log (which TCP connection served each piece), not a tight timing."""

from __future__ import annotations

import os
import time
import unittest

from support import HubTestCase, blob_etag

MiB = 1 << 20


class CdnShapedLink(HubTestCase):
    RATE = 8 * MiB  # bytes per second per connection
    SIZE = 128 * MiB  # 8 pieces of 16 MiB: one connection alone needs 16 s

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/behind-cdn")
        cls.files = cls.hub.commit_details("acme/behind-cdn", {
            "config.json": "{}\n",
            "model.safetensors": {"generate": {"size": cls.SIZE, "seed": "cdn-link"}, "lfs": True}})["files"]

    def setUp(self):
        super().setUp()
        self.hub.set_config(link_rate=self.RATE, link_delay_ms=20)
        self.addCleanup(self.hub.set_config, link_rate=0, link_delay_ms=0)
        self.hub.clear_log()

    def settled_log(self):
        entries = self.hub.log()
        for _ in range(40):  # the Hub logs a request once it has answered it
            time.sleep(0.05)
            again = self.hub.log()
            if len(again) == len(entries):
                break
            entries = again
        return entries

    def test_a_large_file_uses_more_connections_than_one_and_beats_what_one_could_carry(self):
        began = time.monotonic()
        result = self.fetch("acme/behind-cdn")
        took = time.monotonic() - began
        self.assertExit(result, 0)
        sha = self.files["model.safetensors"]["sha256"]
        blob = os.path.join(self.repo_dir("acme/behind-cdn"), "blobs", sha)
        self.assertEqual(blob_etag(blob, True), sha)
        self.assert_cache_clean("acme/behind-cdn")

        pieces = [e for e in self.settled_log() if e["origin"] == "cdn" and e["method"] == "GET"]
        connections = {e["connection"] for e in pieces}
        self.assertTrue(all(e["range"] for e in pieces), pieces)
        self.assertEqual(len(pieces), 8, [e["range"] for e in pieces])  # each piece asked for once
        self.assertEqual(sum(e["bytes_sent"] for e in pieces), self.SIZE)
        # 2 connections to start, doubled while each stays slow and the total grows: 8, one per piece (a fixed
        # number of connections, as before, was 4).
        self.assertGreaterEqual(len(connections), 6, [(e["connection"], e["range"]) for e in pieces])
        one_connection = self.SIZE / self.RATE
        self.assertLess(took, one_connection / 2, f"{took:.1f} s with {len(connections)} connections")
        print(f"\n{took:.1f} s with {len(connections)} connections (one connection: {one_connection:.0f} s)")


if __name__ == "__main__":
    unittest.main()
