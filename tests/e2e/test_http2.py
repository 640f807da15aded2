"""Small files multiplexed over HTTP/2 (issue #15, item 7). The real Hub speaks HTTP/2 over HTTPS; here Debian's
nghttpx (tests/hub/h2proxy.py) puts it in front of the test Hub. Through it, a fetch of a few hundred small files
must come over one or two client connections (nghttpx's access log: the client's TCP ports, ALPN h2) while the
test Hub behind it serves many of them at once (its request log: with every answer held back, requests that start
within one delay of each other were in flight together). Against the test Hub directly (HTTP/1.1) the same fetch
still opens several connections. Faults mid-run are retried, or fail the fetch cleanly; the token still goes only
to the endpoint's origin."""

from __future__ import annotations

import os
import sys
import time
import unittest

from support import READ_TOKEN, HubTestCase, git_blob_sha1

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hub"))
from h2proxy import Http2Proxy, nghttpx_path  # noqa: E402

FILES = 300
DELAY_MS = 50  # every answer waits this long: requests in flight together are then visible in the log


def small_files(prefix: str, count: int) -> dict:
    return {f"data/{prefix}-{i:04d}.jsonl": f'{{"row": {i}, "text": "{prefix} {"x" * (i % 97)}"}}\n' * (1 + i % 40)
            for i in range(count)}


def most_in_flight(entries: list, delay_s: float) -> int:
    """The most requests that started within one answer delay of each other: each was still waiting for its
    answer when the last of them started, so they were all in flight at once."""
    starts = sorted(e["time"] for e in entries)
    best, first = 0, 0
    for last, start in enumerate(starts):
        while start - starts[first] >= delay_s:
            first += 1
        best = max(best, last - first + 1)
    return best


@unittest.skipIf(nghttpx_path() is None, "nghttpx is not installed (scripts/install-deps.sh installs nghttp2-proxy): "
                                         "the HTTP/2 tests need it to put HTTP/2 in front of the test Hub")
class Http2Multiplexing(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = Http2Proxy(cls.hub).start()
        cls.contents = small_files("part", FILES)
        cls.hub.create_repo("acme/many-small", type="dataset")
        cls.hub.commit("acme/many-small", cls.contents, type="dataset")

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.hub.set_config(link_delay_ms=DELAY_MS)
        self.addCleanup(self.hub.set_config, link_delay_ms=0)
        self.hub.clear_log()
        self.proxy.clear_log()

    def fetch_through_proxy(self, repo, *args, **kwargs):
        env = dict(kwargs.pop("env", {}))
        env.update(self.proxy.env())
        return self.fetch(repo, *args, env=env, **kwargs)

    def settled(self, read):
        """A log once it stops growing (both logs are written when an answer is done)."""
        entries = read()
        for _ in range(40):
            time.sleep(0.05)
            again = read()
            if len(again) == len(entries):
                break
            entries = again
        return entries

    def assert_snapshot(self, repo, contents, commit):
        snapshot = os.path.join(self.repo_dir(repo, "dataset"), "snapshots", commit)
        for path, text in contents.items():
            with open(os.path.join(snapshot, path), "rb") as f:
                data = f.read()
            self.assertEqual(git_blob_sha1(data), git_blob_sha1(text.encode()), path)
        self.assert_cache_clean(repo, "dataset")

    def resolves(self, entries):
        return [e for e in entries if "/resolve/" in e["path"] and e["method"] == "GET"]

    def test_small_files_share_one_http2_connection_and_are_in_flight_together(self):
        result = self.fetch_through_proxy("acme/many-small", "--repo-type", "dataset")
        self.assertExit(result, 0)
        self.assert_snapshot("acme/many-small", self.contents, result.json()["commit"])

        front = self.settled(self.proxy.log)
        downloads = self.resolves(front)
        self.assertEqual(len(downloads), FILES + 1, "one request per file (.gitattributes too)")
        self.assertEqual({e["alpn"] for e in front}, {"h2"})
        ports = {e["remote_port"] for e in front}
        # The listing's connection, and one that carried every file.
        self.assertLessEqual(len(ports), 2, sorted(ports))
        self.assertEqual(len({e["remote_port"] for e in downloads}), 1)

        behind = self.resolves(self.settled(self.hub.log))
        self.assertEqual(len(behind), FILES + 1)
        in_flight = most_in_flight(behind, DELAY_MS / 1000)
        # More than the 16 workers, each with a connection of its own, ever had in flight.
        self.assertGreater(in_flight, 16, "requests in flight at once behind the proxy")
        print(f"\n{len(downloads)} files over {len(ports)} client connections (h2), up to {in_flight} in flight")

    def test_without_multiplexing_each_worker_opens_its_own_connection(self):
        # HUBDEPS_HTTP_MULTIPLEX=0: what the switch documents, and the contrast that gives the test above meaning.
        result = self.fetch_through_proxy("acme/many-small", "--repo-type", "dataset",
                                          env={"HUBDEPS_HTTP_MULTIPLEX": "0"})
        self.assertExit(result, 0)
        self.assert_snapshot("acme/many-small", self.contents, result.json()["commit"])
        self.assertGreater(len({e["remote_port"] for e in self.resolves(self.settled(self.proxy.log))}), 8)

    def test_http1_server_still_gets_several_connections(self):
        result = self.fetch("acme/many-small", "--repo-type", "dataset")  # the test Hub directly: HTTP/1.1
        self.assertExit(result, 0)
        self.assert_snapshot("acme/many-small", self.contents, result.json()["commit"])
        behind = self.resolves(self.settled(self.hub.log))
        self.assertEqual(len(behind), FILES + 1)
        connections = {e["connection"] for e in behind}
        self.assertGreaterEqual(len(connections), 8, "an HTTP/1.1 connection carries one request at a time")
        self.assertLessEqual(len(connections), 16, "no more connections than the workers had before")
        self.assertGreaterEqual(most_in_flight(behind, DELAY_MS / 1000), 8)

    def test_failed_streams_mid_run_are_retried_and_the_cache_ends_complete(self):
        # Three files are answered 503, two are cut off mid-body (nghttpx resets their streams), one stalls past
        # the read timeout; the other streams of the connection go on.
        self.hub.fault("status", origin="hub", path=r"part-000[0-2]\.jsonl", status=503, count=3)
        self.hub.fault("drop_after_bytes", origin="hub", path=r"part-01[0-9]0\.jsonl", bytes=10, count=2)
        self.hub.fault("stall", origin="hub", path=r"part-0200\.jsonl", seconds=8, after_headers=True)
        result = self.fetch_through_proxy("acme/many-small", "--repo-type", "dataset",
                                          env={"HF_HUB_DOWNLOAD_TIMEOUT": "2"})
        self.assertExit(result, 0)
        self.assert_snapshot("acme/many-small", self.contents, result.json()["commit"])
        behind = self.settled(self.hub.log)
        faulted = [e for e in behind if e["fault"]]
        self.assertGreaterEqual(len(faulted), 6, [(e["path"], e["fault"]) for e in faulted])
        for entry in faulted:  # each faulted file was asked for again, and served
            again = [e for e in behind if e["path"].split("?")[0] == entry["path"].split("?")[0]
                     and not e["fault"] and e["status"] in (200, 206)]
            self.assertTrue(again, entry["path"])
        self.assertLessEqual(len({e["remote_port"] for e in self.resolves(self.settled(self.proxy.log))}), 3)

    def test_a_file_that_keeps_failing_fails_the_fetch_cleanly(self):
        self.hub.fault("status", origin="hub", path=r"part-0123\.jsonl", status=500, count=-1)
        result = self.fetch_through_proxy("acme/many-small", "--repo-type", "dataset",
                                          env={"HF_HUB_ETAG_TIMEOUT": "2"})
        self.assertExit(result, 5)
        self.assertIn("part-0123.jsonl", result.stderr)
        self.assert_cache_clean("acme/many-small", "dataset")
        snapshots = os.path.join(self.repo_dir("acme/many-small", "dataset"), "snapshots")
        for root, _, names in os.walk(snapshots):
            self.assertNotIn("part-0123.jsonl", names, root)

    def test_the_token_goes_to_the_endpoint_only(self):
        self.hub.create_repo("hubdeps-test/private-small", private=True)
        files = {**small_files("secret", 40), "weights.bin": {"generate": {"size": 200_000, "seed": 7}, "lfs": True}}
        self.hub.commit("hubdeps-test/private-small", files)
        self.hub.clear_log()
        result = self.fetch_through_proxy("hubdeps-test/private-small", token=READ_TOKEN)
        self.assertExit(result, 0)
        entries = self.settled(self.hub.log)
        hub = [e for e in entries if e["origin"] == "hub"]
        self.assertEqual(len(self.resolves(hub)), 42, "40 small files, .gitattributes, the LFS file's redirect")
        self.assertTrue(all(e["authorization"] for e in hub), [e["path"] for e in hub if not e["authorization"]])
        cdn = [e for e in entries if e["origin"] != "hub"]
        self.assertEqual({e["origin"] for e in cdn}, {"cdn"})
        self.assertFalse(any(e["authorization"] for e in cdn), cdn)
        self.assertExit(self.fetch_through_proxy("hubdeps-test/private-small"), 4)

    def test_a_small_file_redirected_elsewhere_does_not_carry_the_token(self):
        self.hub.fault("redirect_foreign", origin="hub", path=r"part-0007\.jsonl")
        result = self.fetch_through_proxy("acme/many-small", "--repo-type", "dataset", token=READ_TOKEN)
        self.assertExit(result, 0)
        self.assert_snapshot("acme/many-small", self.contents, result.json()["commit"])
        entries = self.settled(self.hub.log)
        foreign = [e for e in entries if e["origin"] == "foreign"]
        self.assertEqual([e["path"].split("?")[0].rsplit("/", 1)[1] for e in foreign], ["part-0007.jsonl"])
        self.assertFalse(foreign[0]["authorization"])
        self.assertTrue(all(e["authorization"] for e in entries if e["origin"] == "hub"))


if __name__ == "__main__":
    unittest.main()
