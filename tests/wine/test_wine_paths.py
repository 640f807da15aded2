"""Non-ASCII names with the Windows helper under Wine: a cache folder and repo file names outside ASCII are created
under exactly those names (UTF-8 text reaches Windows' wide APIs as the same characters), where huggingface_hub
and the tests look for them. Run by scripts/test-wine.sh from tests/e2e (PYTHONPATH has this folder)."""
import os

from support import HubTestCase


class NonAsciiNames(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/accents")
        cls.hub.commit("acme/accents", {"données/été.txt": "accent\n", "config.json": "{}\n"})

    def test_a_cache_folder_and_file_names_outside_ascii_keep_their_names(self):
        self.cache = os.path.join(self.work, "cache é ü 日本")
        result = self.fetch("acme/accents")
        self.assertExit(result, 0)
        snapshot = result.json()["snapshot_dir"]
        self.assertTrue(snapshot.startswith(self.cache), snapshot)
        with open(os.path.join(snapshot, "données", "été.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "accent\n")
        self.assertEqual(sorted(os.listdir(self.work)), ["cache é ü 日本"])
