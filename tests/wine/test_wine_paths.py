"""Non-ASCII names and the home folder with the Windows helper under Wine. Run by scripts/test-wine.sh from tests/e2e
(PYTHONPATH has this folder).

The helper reads its command line and environment in UTF-16 (src/os/environment_win.cpp: main's argv and getenv
are in the ANSI code page, which is UTF-8 only where the manifest's code page is honoured; Wine in a UTF-8 locale
gives UTF-8 either way) and makes paths from that UTF-8 text with os::utf8_path (MinGW's std::filesystem::path reads
a std::string byte by byte: an older helper turned 'é' into 'Ã©', and failed all but the first test here). Each test names something outside every ANSI code page (Japanese beside accented Latin)
through one of the ways a path gets in: a cache folder from the environment, from --cache-dir, a token file from
HF_TOKEN_PATH, a header written with --out, a folder pushed; and a repo's own file names. HomeFolderOnWindows
proves the home folder is Python's on Windows: USERPROFILE, never HOME."""
import json
import os
import shutil
import subprocess
import tempfile

from support import WRITE_TOKEN, HubTestCase
from test_push import PushTestCase

NAME = "é ü 日本"


class NonAsciiNames(HubTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/accents")
        cls.hub.commit("acme/accents", {"données/été.txt": "accent\n", "config.json": "{}\n"})
        cls.hub.create_repo("tester/secret", private=True)
        cls.hub.commit("tester/secret", {"config.json": "{}\n"})

    def assert_fetched_into(self, result, cache):
        self.assertExit(result, 0)
        snapshot = result.json()["snapshot_dir"]
        self.assertTrue(snapshot.startswith(cache + os.sep), snapshot)
        return snapshot

    def test_a_cache_folder_and_file_names_outside_ascii_keep_their_names(self):
        self.cache = os.path.join(self.work, "cache " + NAME)
        snapshot = self.assert_fetched_into(self.fetch("acme/accents"), self.cache)
        with open(os.path.join(snapshot, "données", "été.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "accent\n")
        self.assertEqual(sorted(os.listdir(self.work)), ["cache " + NAME])

    def test_a_cache_dir_argument_outside_ascii_is_the_folder_used(self):
        cache = os.path.join(self.work, "argument " + NAME)
        snapshot = self.assert_fetched_into(self.fetch("acme/accents", "--cache-dir", cache), cache)
        self.assertTrue(os.path.isfile(os.path.join(snapshot, "données", "été.txt")))
        self.assertEqual(sorted(os.listdir(self.work)), ["argument " + NAME])  # not the environment's cache

    def test_a_token_file_named_outside_ascii_is_read(self):
        folder = os.path.join(self.work, "tokens " + NAME)
        os.mkdir(folder)
        token_file = os.path.join(folder, "token " + NAME)
        with open(token_file, "w", encoding="utf-8") as f:
            f.write(WRITE_TOKEN + "\n")
        self.assertExit(self.fetch("tester/secret"), 4)  # private: proves the file's token is what opens it
        self.assert_fetched_into(self.fetch("tester/secret", env={"HF_TOKEN_PATH": token_file}), self.cache)

    def test_a_header_written_to_a_path_outside_ascii_is_there(self):
        config = os.path.join(self.work, "config.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"hidden_size": 768}, f)
        folder = os.path.join(self.work, "include " + NAME)
        os.mkdir(folder)
        header = os.path.join(folder, "modèle 日本.hpp")
        result = self.run_hubdeps("header", config, "--namespace", "hf::demo", "--out", header)
        self.assertExit(result, 0)
        self.assertEqual(os.listdir(folder), ["modèle 日本.hpp"])
        with open(header, encoding="utf-8") as f:
            self.assertIn("hidden_size", f.read())

    def test_a_project_folder_outside_ascii_holds_its_lockfile_and_the_fetched_header(self):
        # What hf_fetch_model passes for a project in C:\Users\José\...: --lock and --header in the project's folders.
        project = os.path.join(self.work, "projet " + NAME)
        os.makedirs(os.path.join(project, "include"))
        lock = os.path.join(project, "hubdeps.lock")
        header = os.path.join(project, "include", "modèle.hpp")
        result = self.fetch("acme/accents", "--lock", lock, "--name", "accents", "--header", header,
                            "--header-config", "config.json", "--namespace", "hf::accents")
        self.assert_fetched_into(result, self.cache)
        self.assertEqual(sorted(os.listdir(project)), ["hubdeps.lock", "include"])
        self.assertEqual(os.listdir(os.path.join(project, "include")), ["modèle.hpp"])
        with open(lock, encoding="utf-8") as f:
            self.assertIn("accents", json.load(f)["entries"])
        self.assertExit(self.run_hubdeps("verify", "--lock", lock), 0)
        self.assertExit(self.fetch("acme/accents", "--lock", lock, "--name", "accents", "--locked"), 0)


class HomeFolderOnWindows(HubTestCase):
    """Python's os.path.expanduser on Windows reads USERPROFILE and ignores HOME (since 3.8), and huggingface_hub's
    default cache is ~/.cache/huggingface/hub: the helper must pick the same folder, not $HOME's (which MSYS, Git
    Bash and Cygwin set). Wine keeps HOME from its programs and sets USERPROFILE itself, whatever the Linux
    environment says, so both are set the Windows way, by cmd.exe before it starts the helper."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.create_repo("acme/home")
        cls.hub.commit("acme/home", {"config.json": "{}\n"})

    def fetch_through_cmd(self, variables: dict, *args):
        wine = os.environ.get("HUBDEPS_WINE") or shutil.which("wine64") or "/usr/lib/wine/wine64"
        command = "".join(f"set {name}={value}&& " for name, value in variables.items())
        # Unquoted: Wine would escape the quotes for the C runtime, which cmd.exe does not read.
        command += os.environ["HUBDEPS_WINE_EXE"] + " fetch " + " ".join(args)
        # No HF_HUB_CACHE; an empty variable counts as unset, so the caller's cannot leak in.
        env = self.hub.env(HF_HOME="", XDG_CACHE_HOME="", HUGGINGFACE_HUB_CACHE="")
        # Files, not pipes (tests/wine/hubdeps-under-wine says why).
        with tempfile.TemporaryFile() as out:
            completed = subprocess.run([wine, "cmd", "/c", command], env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd=self.work, timeout=120)
            out.seek(0)
            return completed.returncode, out.read().decode("utf-8", "replace")

    def test_the_default_cache_is_below_userprofile_not_home(self):
        profile = os.path.join(self.work, "profile " + NAME)
        home = os.path.join(self.work, "home")
        os.mkdir(profile)
        os.mkdir(home)
        code, output = self.fetch_through_cmd({"HOME": home, "USERPROFILE": profile}, "acme/home", "--quiet")
        self.assertEqual(code, 0, output)
        snapshot = output.strip().replace("\\", "/")
        self.assertTrue(snapshot.startswith(os.path.join(profile, ".cache", "huggingface", "hub") + "/"), snapshot)
        self.assertTrue(os.path.isfile(os.path.join(snapshot, "config.json")))
        self.assertEqual(os.listdir(home), [])

    def test_without_userprofile_homedrive_and_homepath_name_the_home_folder(self):
        profile = os.path.join(self.work, "drive path")
        os.mkdir(profile)
        code, output = self.fetch_through_cmd({"HOME": self.work, "USERPROFILE": "", "HOMEDRIVE": "Z:",
                                               "HOMEPATH": profile.replace("/", "\\")}, "acme/home", "--quiet")
        self.assertEqual(code, 0, output)
        self.assertEqual(os.listdir(profile), [".cache"])


class NonAsciiPushedFolder(PushTestCase):
    def test_a_folder_named_outside_ascii_is_pushed_with_its_file_names(self):
        folder = self.artifact({"données/été 日本.txt": "accent\n", "config.json": "{}"}, "artefact " + NAME)
        result = self.push("tester/accents", folder, "--no-model-card")
        self.assertExit(result, 0)
        tree = self.tree("tester/accents", self.head("tester/accents"))
        self.assertEqual(set(tree), {".gitattributes", "données/été 日本.txt", "config.json"})
