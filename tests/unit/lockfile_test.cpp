#include "lockfile.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "lockfile_io.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;
namespace fs = std::filesystem;

namespace {

std::string hex(char digit, std::size_t length) { return std::string(length, digit); }

RepoFile regular_file(std::string path, std::uint64_t size, char digit) {
  return RepoFile{std::move(path), size, hex(digit, 40), std::nullopt};
}

RepoFile lfs_file(std::string path, std::uint64_t size, char digit) {
  // The pointer's git SHA-1 is deliberately different from the content hash.
  return RepoFile{std::move(path), size, hex('9', 40), hex(digit, 64)};
}

Declaration declaration(const std::string& repo_id, std::string revision = "main") {
  return Declaration{RepoId::parse(repo_id), RepoType::model, std::move(revision), {}, {}};
}

LockEntry bert_entry() {
  Declaration declared = declaration("org/model");
  declared.include = {"*.json", "*.safetensors"};
  return LockEntry::make(
      declared, hex('1', 40),
      {lfs_file("model.safetensors", 440449768, 'a'), regular_file("config.json", 570, 'b')});
}

// Pinned to a commit, a dataset, with an exclude: every field differs from bert's.
LockEntry tokenizer_entry() {
  Declaration declared{RepoId::parse("other/data"), RepoType::dataset, hex('2', 40), {}, {"*.bin"}};
  return LockEntry::make(
      declared, hex('2', 40),
      {regular_file("tokenizer_config.json", 99, 'c'), regular_file("tokenizer.json", 1234, 'd')});
}

Lockfile sample() {
  Lockfile lockfile;
  lockfile.entries.insert_or_assign("bert", bert_entry());
  lockfile.entries.insert_or_assign("tokenizer", tokenizer_entry());
  return lockfile;
}

std::string location_of(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, offset);
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const auto newline = before.rfind('\n');
  const auto column = newline == std::string_view::npos ? offset + 1 : offset - newline;
  return std::to_string(line) + ":" + std::to_string(column);
}

std::string line_of(std::string_view text, std::size_t offset) {
  const auto location = location_of(text, offset);
  return location.substr(0, location.find(':'));
}

// The error parse() throws for `text`, or a failure if it accepts it.
Error parse_error(const std::string& text) {
  try {
    Lockfile::parse(text, "hubdeps.lock");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return Error(ExitCode::ok, "");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// ---------------------------------------------------------------------------

TEST(Lockfile, RoundTripKeepsEveryFieldAndTheBytes) {
  const Lockfile original = sample();
  const std::string text = original.serialize();
  const Lockfile parsed = Lockfile::parse(text, "hubdeps.lock");
  EXPECT_EQ(parsed, original);
  EXPECT_EQ(parsed.serialize(), text);

  const LockEntry& tokenizer = parsed.entries.at("tokenizer");
  EXPECT_EQ(tokenizer.declared.repo_id.str(), "other/data");
  EXPECT_EQ(tokenizer.declared.repo_type, RepoType::dataset);
  EXPECT_EQ(tokenizer.declared.revision, hex('2', 40));
  EXPECT_EQ(tokenizer.declared.exclude, std::vector<std::string>{"*.bin"});
  ASSERT_EQ(parsed.entries.at("bert").files.size(), 2u);
  EXPECT_EQ(parsed.entries.at("bert").files[1].size, 440449768u);
}

TEST(Lockfile, WritesSortedKeysTwoSpaceIndentAndAFinalNewline) {
  Lockfile lockfile;
  lockfile.entries.insert_or_assign(
      "m", LockEntry::make(declaration("a/b"), hex('1', 40), {regular_file("c.json", 2, 'f')}));
  const std::string expected = R"({
  "entries": {
    "m": {
      "commit": "1111111111111111111111111111111111111111",
      "exclude": [],
      "files": [
        {
          "git_sha1": "ffffffffffffffffffffffffffffffffffffffff",
          "path": "c.json",
          "size": 2
        }
      ],
      "include": [],
      "repo_id": "a/b",
      "repo_type": "model",
      "revision": "main"
    }
  },
  "version": 1
}
)";
  EXPECT_EQ(lockfile.serialize(), expected);
}

TEST(Lockfile, SameContentBuiltInAnyOrderGivesIdenticalBytes) {
  Lockfile forward;
  forward.entries.insert_or_assign("bert", bert_entry());
  forward.entries.insert_or_assign("tokenizer", tokenizer_entry());

  Lockfile backward;
  LockEntry tokenizer = tokenizer_entry();
  std::reverse(tokenizer.files.begin(), tokenizer.files.end());
  LockEntry bert = bert_entry();
  std::reverse(bert.files.begin(), bert.files.end());
  bert.declared.include = {"*.safetensors", "*.json", "*.safetensors"};  // order and repeats do not matter
  backward.entries.insert_or_assign("tokenizer", tokenizer);
  backward.entries.insert_or_assign("bert", bert);

  EXPECT_EQ(forward.serialize(), backward.serialize());
}

TEST(Lockfile, HoldsOnlyRelativePathsHashesAndNoTimesOrSecrets) {
  const std::string text = sample().serialize();
  const std::set<std::string> allowed_keys = {"entries",  "version", "bert",    "tokenizer", "commit",
                                              "exclude",  "files",   "include", "repo_id",   "repo_type",
                                              "revision", "path",    "size",    "sha256",    "git_sha1"};
  std::vector<const nlohmann::json*> pending = {};
  const nlohmann::json document = nlohmann::json::parse(text);
  pending.push_back(&document);
  while (!pending.empty()) {
    const nlohmann::json& value = *pending.back();
    pending.pop_back();
    if (value.is_object()) {
      for (const auto& [key, member] : value.items()) {
        EXPECT_TRUE(allowed_keys.count(key)) << "unexpected key " << key;
        pending.push_back(&member);
      }
    } else if (value.is_array()) {
      for (const auto& member : value) pending.push_back(&member);
    } else if (value.is_string()) {
      EXPECT_NE(value.get<std::string>().front(), '/') << value;
    }
  }
  EXPECT_EQ(text.find(fs::current_path().string()), std::string::npos);
}

TEST(Lockfile, LfsFilesKeepTheContentSha256AndOthersTheGitSha1) {
  const LockedFile lfs = LockedFile::from(lfs_file("w.bin", 5, 'a'));
  EXPECT_TRUE(lfs.is_lfs());
  EXPECT_EQ(lfs.sha256, hex('a', 64));
  EXPECT_TRUE(lfs.git_sha1.empty());
  EXPECT_EQ(lfs.etag(), hex('a', 64));

  const LockedFile regular = LockedFile::from(regular_file("c.json", 5, 'b'));
  EXPECT_FALSE(regular.is_lfs());
  EXPECT_EQ(regular.etag(), hex('b', 40));

  const std::string text = sample().serialize();
  EXPECT_EQ(text.find(hex('9', 40)), std::string::npos) << "an LFS pointer's SHA-1 was written";
}

TEST(Lockfile, SerializeRefusesWhatParseWouldReject) {
  const auto refused = [](LockEntry entry, const std::string& name = "bert") {
    Lockfile lockfile;
    lockfile.entries.insert_or_assign(name, std::move(entry));
    try {
      (void)lockfile.serialize();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("entry '" + name + "'"), std::string::npos) << e.what();
      return true;
    }
    return false;
  };
  LockEntry bad_commit = bert_entry();
  bad_commit.commit = "main";
  EXPECT_TRUE(refused(bad_commit));

  LockEntry both_hashes = bert_entry();
  both_hashes.files[0].git_sha1 = hex('9', 40);
  both_hashes.files[0].sha256 = hex('8', 64);
  EXPECT_TRUE(refused(both_hashes));

  LockEntry twice = bert_entry();
  twice.files.push_back(twice.files[0]);
  EXPECT_TRUE(refused(twice));

  LockEntry escaping = bert_entry();
  escaping.files[0].path = "../outside";
  EXPECT_TRUE(refused(escaping));

  LockEntry moved_commit = tokenizer_entry();
  moved_commit.commit = hex('3', 40);
  EXPECT_TRUE(refused(moved_commit));

  EXPECT_TRUE(refused(bert_entry(), "../name"));
  EXPECT_FALSE(refused(bert_entry()));
}

TEST(Lockfile, EntryNamesAreShortPlainWords) {
  for (const char* good : {"bert", "Bert_2", "_x", "a.b-c+d", "0"})
    EXPECT_TRUE(is_valid_entry_name(good)) << good;
  for (const char* bad : {"", "-x", ".x", "a/b", "a b", "a\nb", "ä"})
    EXPECT_FALSE(is_valid_entry_name(bad)) << bad;
  EXPECT_TRUE(is_valid_entry_name(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_entry_name(std::string(129, 'a')));
}

// ---------------------------------------------------------------------------
// A damaged file is an error at the right line (and column), never accepted.

struct Damage {
  const char* what;
  std::string find;  // in the canonical sample text
  std::string replace;
  std::string message;  // must appear in the error
  std::string at;       // the error points at the last occurrence of this in the damaged text
};

TEST(LockfileParse, EachDamageIsAnErrorAtItsLineAndColumn) {
  const std::string canonical = sample().serialize();
  const std::string lfs_sha = "\"" + hex('a', 64) + "\"";
  const std::vector<Damage> damages = {
      {"uppercase sha256", lfs_sha, "\"" + hex('A', 64) + "\"", "'sha256' must be 64 lowercase hex",
       "\"" + hex('A', 64)},
      {"short git_sha1", hex('b', 40), hex('b', 39), "'git_sha1' must be 40 lowercase hex",
       "\"" + hex('b', 39)},
      {"commit is not a hash", "\"commit\": \"" + hex('1', 40), "\"commit\": \"nothex", "'commit' must be 40",
       "\"nothex\""},
      {"repo id escapes", "\"org/model\"", "\"../etc\"", "invalid repo id", "\"../etc\""},
      {"repo id with a quote", "\"org/model\"", R"("o\"rg/model")", "invalid repo id", R"("o\"rg)"},
      {"revision escapes", "\"revision\": \"main\"", "\"revision\": \"../../x\"", "invalid revision",
       "\"../../x\""},
      {"absolute path", "\"config.json\"", "\"/etc/passwd\"", "not a safe repo-relative path",
       "\"/etc/passwd\""},
      {"path climbs out", "\"config.json\"", "\"a/../../.bashrc\"", "not a safe repo-relative path",
       "\"a/../../.bashrc\""},
      {"negative size", "\"size\": 570", "\"size\": -1", "'size' must be a whole number", "-1"},
      {"fractional size", "\"size\": 570", "\"size\": 570.5", "'size' must be a whole number", "570.5"},
      {"size beyond 64 bits", "\"size\": 570", "\"size\": 99999999999999999999999",
       "'size' must be a whole number", "99999999999999999999999"},
      {"size as text", "\"size\": 570", "\"size\": \"570\"", "'size' must be a whole number", "\"570\""},
      {"size overflows a double", "\"size\": 570", "\"size\": 1e400", "number overflow", "1e400"},
      {"newer version", "\"version\": 1", "\"version\": 2", "upgrade hubdeps", "2\n"},
      {"version as text", "\"version\": 1", "\"version\": \"1\"", "'version' must be 1", "\"1\""},
      {"misspelt field", "\"revision\": \"main\"", "\"revison\": \"main\"", "unknown field 'revison'",
       "\"revison\""},
      {"time stamp added", "\"version\": 1", "\"version\": 1, \"generated\": \"2024-05-01\"",
       "unknown field 'generated'", "\"generated\""},
      {"duplicate key", "\"size\": 570", "\"size\": 570, \"size\": 571", "duplicate key 'size'",
       "\"size\": 571"},
      {"both hashes", "\"path\": \"model.safetensors\"",
       "\"git_sha1\": \"" + hex('9', 40) + "\", \"path\": \"model.safetensors\"",
       "has both 'sha256' and 'git_sha1'", "\"git_sha1\": \"9"},
      {"no hash", "\"git_sha1\": \"" + hex('b', 40) + "\",", "", "has neither", "\"path\": \"config.json\""},
      {"missing commit", "\"commit\": \"" + hex('1', 40) + "\",", "", "entry 'bert' has no 'commit'",
       "\"bert\""},
      {"duplicate entry", "\"entries\": {", "\"entries\": {\"bert\": {},", "duplicate key 'bert'",
       "\"bert\": {\n"},
      {"file listed twice", "\"model.safetensors\"", "\"config.json\"", "listed twice", "\"config.json\""},
      {"bad entry name", "\"bert\":", "\"../bert\":", "entry name '../bert' is not valid", "\"../bert\""},
      {"unknown repo type", "\"repo_type\": \"model\"", "\"repo_type\": \"models\"", "unknown repo type",
       "\"models\""},
      {"pinned commit edited", "\"commit\": \"" + hex('2', 40), "\"commit\": \"" + hex('3', 40),
       "the declared revision is the commit", "\"" + hex('3', 40)},
      {"empty pattern", "\"*.json\"", "\"\"", "pattern must be a non-empty string", "\"\","},
      {"patterns not a list", "\"exclude\": [],", "\"exclude\": \"*.bin\",",
       "'exclude' must be a list of patterns", "\"*.bin\","},
      {"stray token", "\"size\": 570", "\"size\": 57 0", "not valid JSON", "57 0"},
      {"truncated", "\"version\": 1\n}\n", "\"version\": 1\n", "unexpected end of input", "1\n"},
  };
  for (const auto& damage : damages) {
    SCOPED_TRACE(damage.what);
    const auto found = canonical.find(damage.find);
    ASSERT_NE(found, std::string::npos) << damage.find;
    std::string damaged = canonical;
    damaged.replace(found, damage.find.size(), damage.replace);
    const auto at = damaged.rfind(damage.at);
    ASSERT_NE(at, std::string::npos) << damage.at;

    const Error error = parse_error(damaged);
    const std::string message = error.what();
    EXPECT_EQ(error.code(), ExitCode::usage);
    // "unexpected end of input" points just past the last byte written.
    const std::string expected_location =
        damage.message == "unexpected end of input"
            ? location_of(damaged, damaged.find_last_not_of('\n') + 1) + ":"
        : damage.message == "not valid JSON" || damage.message == "number overflow"
            ? line_of(damaged, at) + ":"
            : location_of(damaged, at) + ":";
    EXPECT_EQ(message.rfind("hubdeps.lock:" + expected_location, 0), 0u) << message << "\n" << damaged;
    EXPECT_NE(message.find(damage.message), std::string::npos) << message;
  }
}

TEST(LockfileParse, RejectsWhatIsNotALockfileAtAll) {
  EXPECT_NE(std::string(parse_error("hello").what()).find("hubdeps.lock:1:"), std::string::npos);
  EXPECT_NE(std::string(parse_error("").what()).find("not valid JSON"), std::string::npos);
  EXPECT_NE(std::string(parse_error("[]").what()).find("a JSON object"), std::string::npos);
  EXPECT_NE(std::string(parse_error("{\"entries\": {}}").what()).find("no 'version'"), std::string::npos);
  EXPECT_NE(std::string(parse_error("{\n\"version\": 1\n}").what())
                .find("hubdeps.lock:1:1: the lockfile has no 'entries'"),
            std::string::npos);
  EXPECT_NE(std::string(parse_error("{\"version\": 1, \"entries\": []}").what())
                .find("'entries' must be an object"),
            std::string::npos);
}

TEST(LockfileParse, AcceptsHandFormattedFilesAndPointsIntoOneLineFiles) {
  std::string one_line = nlohmann::json::parse(sample().serialize()).dump();
  EXPECT_EQ(Lockfile::parse(one_line, "l"), sample());

  const auto bad = one_line.find(hex('d', 40));
  one_line[bad + 5] = 'x';
  EXPECT_EQ(
      std::string(parse_error(one_line).what()).rfind("hubdeps.lock:" + location_of(one_line, bad - 1), 0),
      0u);
}

// ---------------------------------------------------------------------------

TEST(LockfileCompare, MatchingDeclarationHasNoDifferences) {
  const LockEntry locked = bert_entry();
  Declaration declared = locked.declared;
  EXPECT_TRUE(compare(declared, locked).empty());
  declared.include = {"*.safetensors", "*.json", "*.json"};  // patterns are a set
  EXPECT_TRUE(compare(declared, locked).empty());
}

TEST(LockfileCompare, NamesEachKindOfDifference) {
  const LockEntry locked = bert_entry();
  const auto only_difference = [&](const Declaration& declared) {
    const auto differences = compare(declared, locked);
    EXPECT_EQ(differences.size(), 1u);
    return differences.empty() ? std::string() : differences.front();
  };
  Declaration declared = locked.declared;
  declared.repo_id = RepoId::parse("org/other");
  EXPECT_EQ(only_difference(declared), "repo_id: declared 'org/other', locked 'org/model'");

  declared = locked.declared;
  declared.repo_type = RepoType::space;
  EXPECT_EQ(only_difference(declared), "repo_type: declared space, locked model");

  declared = locked.declared;
  declared.revision = "v2";
  EXPECT_EQ(only_difference(declared), "revision: declared 'v2', locked 'main'");

  declared = locked.declared;
  declared.include = {"*.json"};
  EXPECT_EQ(only_difference(declared), "include: declared ['*.json'], locked ['*.json', '*.safetensors']");

  declared = locked.declared;
  declared.exclude = {"*.onnx"};
  EXPECT_EQ(only_difference(declared), "exclude: declared ['*.onnx'], locked none");

  declared = locked.declared;
  declared.revision = "v2";
  declared.exclude = {"*.onnx"};
  EXPECT_EQ(compare(declared, locked).size(), 2u);
}

TEST(LockfileCompare, LockedModeFailsWithExitSevenNamingTheEntryAndTheDifference) {
  const Lockfile lockfile = sample();
  EXPECT_EQ(&require_matching_entry(lockfile, "hubdeps.lock", "bert", bert_entry().declared),
            &lockfile.entries.at("bert"));

  try {
    require_matching_entry(lockfile, "hubdeps.lock", "gpt", declaration("org/gpt"));
    ADD_FAILURE() << "a missing entry was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::lock_outdated);
    EXPECT_NE(std::string(e.what()).find("no entry 'gpt'"), std::string::npos) << e.what();
  }

  Declaration moved = bert_entry().declared;
  moved.revision = "v2";
  try {
    require_matching_entry(lockfile, "hubdeps.lock", "bert", moved);
    ADD_FAILURE() << "a changed declaration was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::lock_outdated);
    EXPECT_NE(std::string(e.what()).find("entry 'bert'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("revision: declared 'v2', locked 'main'"), std::string::npos)
        << e.what();
  }
}

TEST(LockfileDiff, ListsAddedRemovedAndChangedFilesAndBothCommits) {
  const LockEntry before = bert_entry();
  LockEntry after =
      LockEntry::make(before.declared, hex('4', 40),
                      {regular_file("config.json", 571, 'e'), lfs_file("model.safetensors", 440449768, 'a'),
                       regular_file("README.md", 10, 'f')});
  after.files.push_back(LockedFile::from(regular_file("generation_config.json", 3, '5')));
  LockEntry trimmed = before;
  trimmed.files.erase(trimmed.files.begin());  // config.json

  const EntryChange change = diff_entries(before, after);
  EXPECT_EQ(change.old_commit, hex('1', 40));
  EXPECT_EQ(change.new_commit, hex('4', 40));
  ASSERT_EQ(change.added.size(), 2u);
  EXPECT_EQ(change.added[0].path, "README.md");
  EXPECT_EQ(change.added[1].path, "generation_config.json");
  EXPECT_TRUE(change.removed.empty());
  ASSERT_EQ(change.changed.size(), 1u);
  EXPECT_EQ(change.changed[0].before.size, 570u);
  EXPECT_EQ(change.changed[0].after.size, 571u);
  EXPECT_FALSE(change.empty());

  const EntryChange removal = diff_entries(before, trimmed);
  ASSERT_EQ(removal.removed.size(), 1u);
  EXPECT_EQ(removal.removed[0].path, "config.json");
  EXPECT_TRUE(removal.added.empty() && removal.changed.empty());

  EXPECT_TRUE(diff_entries(before, before).empty());
}

// ---------------------------------------------------------------------------

class LockfileFiles : public hubdeps::testing::TempDirTest {
 protected:
  LockfileFiles() : TempDirTest("hubdeps-lockfile") {}
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TempDirTest::SetUp());
    path_ = dir_ / "hubdeps.lock";
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    TempDirTest::TearDown();
  }

  static std::function<void(Lockfile&)> put(std::string name, LockEntry entry) {
    return [name = std::move(name), entry = std::move(entry)](Lockfile& lockfile) {
      lockfile.entries.insert_or_assign(name, entry);
    };
  }

  std::vector<std::string> folder_listing() const {
    std::vector<std::string> names;
    for (const auto& item : fs::directory_iterator(dir_)) names.push_back(item.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path path_;
};

TEST_F(LockfileFiles, MissingOrEmptyFileReadsAsNoEntries) {
  EXPECT_TRUE(read_lockfile(path_).entries.empty());
  write_text(path_, "");
  EXPECT_TRUE(read_lockfile(path_).entries.empty());
}

TEST_F(LockfileFiles, UnreadableOrDamagedFileIsAnErrorNamingIt) {
  fs::create_directory(path_);  // a folder where the file should be
  try {
    read_lockfile(path_);
    ADD_FAILURE() << "read a folder as a lockfile";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path_.string()), std::string::npos) << e.what();
  }
  fs::remove(path_);
  write_text(path_, "{\n  \"version\": 1,\n  \"entries\": 7\n}\n");
  try {
    read_lockfile(path_);
    ADD_FAILURE() << "read a damaged lockfile";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path_.string() + ":3:14: ", 0), 0u) << e.what();
  }
}

TEST_F(LockfileFiles, UpdateWritesTheCanonicalFileAndLeavesNothingElse) {
  EXPECT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  Lockfile expected;
  expected.entries.insert_or_assign("bert", bert_entry());
  EXPECT_EQ(read_text(path_), expected.serialize());
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"});
}

TEST_F(LockfileFiles, NoOpUpdateRewritesNothing) {
  ASSERT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  struct stat before {};
  ASSERT_EQ(::stat(path_.c_str(), &before), 0);

  int calls = 0;
  EXPECT_FALSE(update_lockfile(path_, [&](Lockfile& lockfile) {
    ++calls;
    LockEntry same = bert_entry();
    std::reverse(same.files.begin(), same.files.end());  // same content, other order
    lockfile.entries.insert_or_assign("bert", same);
  }));
  EXPECT_EQ(calls, 1);

  struct stat after {};
  ASSERT_EQ(::stat(path_.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

TEST_F(LockfileFiles, NoOpUpdateKeepsAHandFormattedFileAsItIs) {
  const std::string one_line = nlohmann::json::parse(sample().serialize()).dump();
  write_text(path_, one_line);
  EXPECT_FALSE(update_lockfile(path_, put("bert", bert_entry())));
  EXPECT_EQ(read_text(path_), one_line);
  EXPECT_TRUE(update_lockfile(path_, put("third", bert_entry())));
  EXPECT_EQ(read_lockfile(path_).entries.size(), 3u);
}

TEST_F(LockfileFiles, NoOpUpdateOfAMissingFileCreatesNothing) {
  EXPECT_FALSE(update_lockfile(path_, [](Lockfile&) {}));
  EXPECT_TRUE(folder_listing().empty());
}

TEST_F(LockfileFiles, FailedMutationChangesNothing) {
  EXPECT_THROW(update_lockfile(path_, [](Lockfile&) { throw std::runtime_error("resolution failed"); }),
               std::runtime_error);
  EXPECT_TRUE(folder_listing().empty());

  ASSERT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  const std::string written = read_text(path_);
  EXPECT_THROW(update_lockfile(path_,
                               [](Lockfile& lockfile) {
                                 lockfile.entries.clear();
                                 throw std::runtime_error("resolution failed");
                               }),
               std::runtime_error);
  EXPECT_EQ(read_text(path_), written);
}

TEST_F(LockfileFiles, DamagedFileIsNeverRewritten) {
  std::string damaged = sample().serialize();
  damaged.replace(damaged.find(hex('b', 40)), 1, "Z");
  write_text(path_, damaged);
  bool called = false;
  try {
    update_lockfile(path_, [&](Lockfile&) { called = true; });
    ADD_FAILURE() << "updated a damaged lockfile";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    EXPECT_EQ(std::string(e.what()).rfind(path_.string() + ":", 0), 0u) << e.what();
  }
  EXPECT_FALSE(called);
  EXPECT_EQ(read_text(path_), damaged);
}

// Runs `check` in a child process that cannot write the folder: as another
// user when the tests run as root (root ignores permissions), else after
// taking the write permissions away. The child's exit status is the result.
int run_without_write_access(const fs::path& dir, const fs::path& file, const std::function<int()>& check) {
  const bool root = ::geteuid() == 0;
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  if (fs::exists(file)) {
    fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  const pid_t child = ::fork();
  if (child == 0) {
    if (root && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    int status = 99;
    try {
      status = check();
    } catch (...) {
    }
    ::_exit(status);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(LockfileFiles, ReadOnlyCheckoutWorksUntilSomethingMustBeWritten) {
  ASSERT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  const std::string written = read_text(path_);
  const fs::path path = path_;
  const int result = run_without_write_access(dir_, path_, [&] {
    if (update_lockfile(path, put("bert", bert_entry()))) return 1;  // nothing to write: fine
    try {
      update_lockfile(path, put("other", bert_entry()));
      return 2;
    } catch (const Error& e) {
      return std::string(e.what()).find("cannot write lockfile " + path.string()) == 0 ? 0 : 3;
    }
  });
  EXPECT_EQ(result, 0);
  EXPECT_EQ(read_text(path_), written);
}

// `hubdeps fetch --lock hubdeps.lock` names a file in the current folder. The
// child process changes folder so the rest of the tests keep theirs.
TEST_F(LockfileFiles, BareFileNameMeansTheCurrentFolder) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int status = 1;
    try {
      if (::chdir(dir_.c_str()) == 0 && update_lockfile("hubdeps.lock", put("bert", bert_entry())) &&
          !update_lockfile("hubdeps.lock", put("bert", bert_entry()))) {
        status = 0;
      }
    } catch (...) {
    }
    ::_exit(status);
  }
  int status = -1;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(read_lockfile(path_).entries.size(), 1u);
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"});
}

// Parallel configures of several build folders share one source tree: each
// writer must see the others' entries, and a reader must never see a torn file.
TEST_F(LockfileFiles, ParallelWritersKeepEveryEntryAndReadersAlwaysSeeAWholeFile) {
  constexpr int kWriters = 6;
  constexpr int kEntriesEach = 8;
  std::vector<pid_t> children;
  for (int writer = 0; writer < kWriters; ++writer) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      int status = 0;
      try {
        for (int i = 0; i < kEntriesEach; ++i) {
          const std::string name = "w" + std::to_string(writer) + "_" + std::to_string(i);
          if (!update_lockfile(path_, put(name, bert_entry()))) status = 2;
        }
      } catch (...) {
        status = 1;
      }
      ::_exit(status);
    }
    children.push_back(child);
  }

  int reads = 0;
  std::vector<pid_t> running = children;
  while (!running.empty()) {
    try {
      const Lockfile seen = read_lockfile(path_);
      ++reads;
      EXPECT_LE(seen.entries.size(), static_cast<std::size_t>(kWriters * kEntriesEach));
    } catch (const Error& e) {
      ADD_FAILURE() << "a reader saw a broken file: " << e.what();
      break;
    }
    std::erase_if(running, [](pid_t child) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) != child) return false;
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed, status " << status;
      return true;
    });
  }
  for (const pid_t child : running) ::waitpid(child, nullptr, 0);
  EXPECT_GT(reads, 0);

  const Lockfile final_state = read_lockfile(path_);
  EXPECT_EQ(final_state.entries.size(), static_cast<std::size_t>(kWriters * kEntriesEach));
  for (int writer = 0; writer < kWriters; ++writer) {
    for (int i = 0; i < kEntriesEach; ++i) {
      EXPECT_NE(final_state.find("w" + std::to_string(writer) + "_" + std::to_string(i)), nullptr);
    }
  }
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"});
}

// The write lock is a file of its own beside the lockfile (issue #16: a
// rename over a file held open fails on Windows off NTFS and under Wine), so
// the lockfile is replaced with no handle open on it.
TEST_F(LockfileFiles, WritersWaitOnALockFileBesideTheLockfileThatGoesWithTheLock) {
  const fs::path lock_file = lockfile_write_lock_path(path_);
  EXPECT_EQ(lock_file, dir_ / "hubdeps.lock.lock");
  std::atomic<bool> second_done{false};
  std::thread second;
  {
    const LockfileWriteLock first(path_);
    EXPECT_TRUE(fs::exists(lock_file));
    EXPECT_FALSE(fs::exists(path_)) << "taking the lock creates no lockfile";
    second = std::thread([&] {
      update_lockfile(path_, put("second", bert_entry()));
      second_done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(second_done.load()) << "the second writer waits for the first";
    EXPECT_TRUE(read_lockfile(path_).entries.empty()) << "a reader neither waits nor removes a held lock";
    EXPECT_TRUE(fs::exists(lock_file));
    Lockfile mine;
    mine.entries.insert_or_assign("first", bert_entry());
    first.replace(mine.serialize());
    EXPECT_EQ(read_lockfile(path_).entries.size(), 1u) << "replaced while its writer still holds the lock";
  }
  second.join();
  EXPECT_TRUE(second_done.load());
  const Lockfile both = read_lockfile(path_);
  EXPECT_NE(both.find("first"), nullptr);
  EXPECT_NE(both.find("second"), nullptr);
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"});
}

// kill -9 of a writer on POSIX leaves its (empty, unlocked) lock file: the
// next run, reading or writing, removes it.
TEST_F(LockfileFiles, AKilledWritersLockFileIsRemovedByTheNextRun) {
  const fs::path lock_file = lockfile_write_lock_path(path_);
  ASSERT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  write_text(lock_file, "");
  EXPECT_EQ(read_lockfile(path_).entries.size(), 1u);
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"}) << "a read removed it";
  write_text(lock_file, "");
  EXPECT_TRUE(update_lockfile(path_, put("other", bert_entry())));
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"}) << "a write removed it";
}

// A lockfile this user may not write, in a folder they may write (a file a
// version control system keeps read-only): left alone, as when the lock was
// taken on the lockfile itself, although a rename could replace it.
TEST_F(LockfileFiles, AReadOnlyLockfileInAWritableFolderIsLeftAsItIs) {
  ASSERT_TRUE(update_lockfile(path_, put("bert", bert_entry())));
  const std::string written = read_text(path_);
  fs::permissions(path_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir_, fs::perms::all);
  const fs::path path = path_;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Root ignores permissions: write as nobody.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    int status = 99;
    try {
      if (update_lockfile(path, put("bert", bert_entry()))) ::_exit(1);  // nothing to write: fine
      update_lockfile(path, put("other", bert_entry()));
      status = 2;
    } catch (const Error& e) {
      status = std::string(e.what()).rfind("cannot write lockfile " + path.string() + ": ", 0) == 0 &&
                       std::string(e.what()).find("make the file and its folder writable") != std::string::npos
                   ? 0
                   : 3;
    } catch (...) {
    }
    ::_exit(status);
  }
  int status = -1;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(read_text(path_), written);
  EXPECT_EQ(folder_listing(), std::vector<std::string>{"hubdeps.lock"});
}

}  // namespace
