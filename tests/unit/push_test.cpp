// The upload side's pieces that need no server: which local files a push
// takes, the JSON the Hub is sent and how its answers are read, and the
// generated model card. The end-to-end tests (tests/e2e/test_push.py) run
// them against the local Hub.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "hash.hpp"
#include "model_card.hpp"
#include "push.hpp"
#include "temp_dir.hpp"
#include "upload_api.hpp"
#include "upload_commit.hpp"
#include "upload_lfs.hpp"

using namespace hubdeps;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const HubContext kContext{RepoType::model, RepoId::parse("acme/model"), "main", "", true};

// An independent base64 decoder, so the encoder is checked against the
// alphabet, not against itself.
std::string base64_decode(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const auto value = alphabet.find(c);
    if (value == std::string::npos) ADD_FAILURE() << "not base64: " << c;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::vector<json> ndjson_lines(const std::string& text) {
  std::vector<json> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(json::parse(text.substr(start, end - start)));
  }
  EXPECT_EQ(start, text.size()) << "the last line must end with a newline";
  return lines;
}

ExitCode code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no hubdeps::Error was thrown";
  return ExitCode::ok;
}

// A test's folder (temp_dir.hpp) and the files a push takes from it.
class PushFolder : public hubdeps::testing::TempDir {
 public:
  PushFolder() : TempDir("hubdeps-push-test") {}
  fs::path write(const std::string& relative, const std::string& content) const {
    const fs::path file = path() / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
};

std::vector<std::string> repo_paths(const std::vector<PushFile>& files) {
  std::vector<std::string> paths;
  for (const auto& file : files) paths.push_back(file.repo_path);
  return paths;
}

// The YAML metadata block of a card: the lines between the two '---'.
std::vector<std::string> front_matter(const std::string& card) {
  EXPECT_EQ(card.rfind("---\n", 0), 0u) << card;
  const auto end = card.find("\n---\n", 3);
  EXPECT_NE(end, std::string::npos) << card;
  std::vector<std::string> lines;
  std::string block = card.substr(4, end - 3);
  for (std::size_t start = 0, next; (next = block.find('\n', start)) != std::string::npos;
       start = next + 1) {
    lines.push_back(block.substr(start, next - start));
  }
  return lines;
}

}  // namespace

TEST(Base64, MatchesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, LargeInputsRoundTripAcrossTheEncodersSlices) {
  std::mt19937 random(7);
  std::string data((3u << 20) * 2 + 5, '\0');  // more than two internal slices, not a multiple of 3
  for (auto& c : data) c = static_cast<char>(random() & 0xff);
  const std::string encoded = base64_encode(data);
  EXPECT_EQ(encoded.size(), (data.size() + 2) / 3 * 4);
  EXPECT_EQ(base64_decode(encoded), data);
}

TEST(CommitPayload, IsNdjsonWithTheHeaderFirstAndOneLinePerFile) {
  const std::string parent(40, 'a');
  CommitPayload payload("Upload weights", "from CI", parent);
  const std::string binary("\x00\x01\xff text\n", 8);
  payload.add_regular_file("config.json", binary);
  payload.add_lfs_file("model.safetensors", std::string(64, 'b'), 123456789012ull);
  EXPECT_EQ(payload.file_count(), 2u);
  // What recognises the commit on the Hub when its answer is lost.
  EXPECT_EQ(payload.summary(), "Upload weights");
  EXPECT_EQ(payload.parent_commit(), parent);
  ASSERT_EQ(payload.files().size(), 2u);
  EXPECT_EQ(payload.files()[0].path, "config.json");
  EXPECT_FALSE(payload.files()[0].lfs);
  EXPECT_EQ(payload.files()[0].oid, git_blob_sha1_hex(binary));
  EXPECT_TRUE(payload.files()[1].lfs);
  EXPECT_EQ(payload.files()[1].oid, std::string(64, 'b'));

  const auto lines = ndjson_lines(payload.ndjson());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["key"], "header");
  EXPECT_EQ(lines[0]["value"]["summary"], "Upload weights");
  EXPECT_EQ(lines[0]["value"]["description"], "from CI");
  EXPECT_EQ(lines[0]["value"]["parentCommit"], parent);
  EXPECT_EQ(lines[1]["key"], "file");
  EXPECT_EQ(lines[1]["value"]["path"], "config.json");
  EXPECT_EQ(lines[1]["value"]["encoding"], "base64");
  EXPECT_EQ(base64_decode(lines[1]["value"]["content"].get<std::string>()), binary);
  EXPECT_EQ(lines[2]["key"], "lfsFile");
  EXPECT_EQ(lines[2]["value"]["path"], "model.safetensors");
  EXPECT_EQ(lines[2]["value"]["algo"], "sha256");
  EXPECT_EQ(lines[2]["value"]["oid"], std::string(64, 'b'));
  EXPECT_EQ(lines[2]["value"]["size"].get<std::uint64_t>(), 123456789012ull);
}

TEST(CommitPayload, WithoutAParentTheHeaderHasNoParentCommit) {
  const CommitPayload payload("t", "", std::nullopt);
  const auto lines = ndjson_lines(payload.ndjson());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0]["value"].contains("parentCommit"));
}

TEST(CommitAnswer, GivesTheCommitAndThePullRequest) {
  const std::string oid(40, 'c');
  const auto outcome =
      parse_commit_answer(json{{"commitOid", oid},
                               {"commitUrl", "https://hub/acme/model/commit/" + oid},
                               {"pullRequestUrl", "https://hub/acme/model/discussions/3"}}
                              .dump(),
                          kContext);
  EXPECT_EQ(outcome.oid, oid);
  EXPECT_EQ(outcome.url, "https://hub/acme/model/commit/" + oid);
  EXPECT_EQ(outcome.pull_request_url, "https://hub/acme/model/discussions/3");
  EXPECT_FALSE(parse_commit_answer(json{{"commitOid", oid}}.dump(), kContext).pull_request_url);
  EXPECT_EQ(code_of([&] { parse_commit_answer(R"({"commitOid": "nothex"})", kContext); }),
            ExitCode::network);
  EXPECT_EQ(code_of([&] { parse_commit_answer("<html>", kContext); }), ExitCode::network);
}

TEST(Preupload, SendsPathSizeAndTheSampleAsBase64) {
  const std::string sample("\x89PNG\r\n\x1a\n", 8);
  const json sent = json::parse(preupload_payload({{"a/b.bin", 1000, sample}, {"c.txt", 0, ""}}));
  ASSERT_EQ(sent["files"].size(), 2u);
  EXPECT_EQ(sent["files"][0]["path"], "a/b.bin");
  EXPECT_EQ(sent["files"][0]["size"], 1000);
  EXPECT_EQ(base64_decode(sent["files"][0]["sample"].get<std::string>()), sample);
  EXPECT_EQ(sent["files"][1]["sample"], "");
}

TEST(Preupload, AnswersAreReturnedInTheOrderAskedWhateverTheHubsOrder) {
  const std::vector<PreuploadFile> asked{{"z.bin", 5, "x"}, {"a.txt", 3, "y"}};
  const auto decisions = parse_preupload_answer(
      R"({"files": [{"path": "a.txt", "uploadMode": "regular", "shouldIgnore": true, "oid": "1234"},
                    {"path": "z.bin", "uploadMode": "lfs", "shouldIgnore": false, "oid": null}]})",
      asked, kContext);
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0].path, "z.bin");
  EXPECT_TRUE(decisions[0].lfs);
  EXPECT_FALSE(decisions[0].remote_oid);
  EXPECT_FALSE(decisions[0].should_ignore);
  EXPECT_EQ(decisions[1].path, "a.txt");
  EXPECT_FALSE(decisions[1].lfs);
  EXPECT_EQ(decisions[1].remote_oid, "1234");
  EXPECT_TRUE(decisions[1].should_ignore);
}

TEST(Preupload, AMissingOrUnknownDecisionIsAServerError) {
  const std::vector<PreuploadFile> asked{{"a.txt", 3, "y"}};
  EXPECT_EQ(code_of([&] { parse_preupload_answer(R"({"files": []})", asked, kContext); }),
            ExitCode::network);
  EXPECT_EQ(code_of([&] {
              parse_preupload_answer(R"({"files": [{"path": "a.txt", "uploadMode": "xet"}]})",
                                     asked, kContext);
            }),
            ExitCode::network);
  EXPECT_EQ(code_of([&] { parse_preupload_answer("[]", asked, kContext); }), ExitCode::network);
}

TEST(Identity, ReadsTheUserTheOrgsAndTheTokensRole) {
  const auto identity = parse_identity(
      R"({"name": "tester", "orgs": [{"name": "acme"}, {"name": "demo"}],
          "auth": {"type": "access_token", "accessToken": {"role": "read"}}})");
  EXPECT_EQ(identity.name, "tester");
  EXPECT_EQ(identity.orgs, (std::vector<std::string>{"acme", "demo"}));
  EXPECT_EQ(identity.token_role, "read");
  EXPECT_EQ(parse_identity(R"({"name": "x", "auth": "odd"})").token_role, "");
  EXPECT_EQ(code_of([] { parse_identity(R"({"orgs": []})"); }), ExitCode::network);
}

TEST(LfsBatch, AsksToUploadEveryObjectBySha256WithBasicAndMultipart) {
  const json sent =
      json::parse(lfs_batch_payload({{"m.bin", "/x", std::string(64, 'a'), 42}}, "dev"));
  EXPECT_EQ(sent["operation"], "upload");
  EXPECT_EQ(sent["transfers"], json({"basic", "multipart"}));
  EXPECT_EQ(sent["hash_algo"], "sha256");
  EXPECT_EQ(sent["ref"]["name"], "dev");
  EXPECT_EQ(sent["objects"],
            json::parse(R"([{"oid": ")" + std::string(64, 'a') + R"(", "size": 42}])"));
  EXPECT_EQ(lfs_batch_url("http://hub/prefix", RepoType::dataset, RepoId::parse("acme/data")),
            "http://hub/prefix/datasets/acme/data.git/info/lfs/objects/batch");
}

TEST(LfsBatch, AnObjectWithoutActionsIsAlreadyStored) {
  const std::string stored(64, '1'), fresh(64, '2');
  const std::vector<LfsObject> objects{{"a.bin", "/a", stored, 10}, {"b.bin", "/b", fresh, 20}};
  const json answer{{"objects",
                     {{{"oid", fresh},
                       {"size", 20},
                       {"actions",
                        {{"upload", {{"href", "http://cdn/upload/1"}, {"header", json::object()}}},
                         {"verify", {{"href", "http://hub/verify"}}}}}},
                      {{"oid", stored}, {"size", 10}}}}};
  const auto actions = parse_lfs_batch_answer(answer.dump(), objects, kContext);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_FALSE(actions[0]);
  ASSERT_TRUE(actions[1]);
  EXPECT_EQ(actions[1]->href, "http://cdn/upload/1");
  EXPECT_EQ(actions[1]->verify_href, "http://hub/verify");
}

TEST(LfsBatch, AnObjectErrorNamesTheFileWithAMatchingExitCode) {
  const std::string oid(64, '3');
  const std::vector<LfsObject> objects{{"weights/big.bin", "/b", oid, 20}};
  const auto answer = [&](int code) {
    return json{{"objects", {{{"oid", oid}, {"error", {{"code", code}, {"message", "nope"}}}}}}}
        .dump();
  };
  try {
    parse_lfs_batch_answer(answer(403), objects, kContext);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::access_denied);
    EXPECT_NE(std::string(e.what()).find("weights/big.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of([&] { parse_lfs_batch_answer(answer(422), objects, kContext); }),
            ExitCode::network);
  EXPECT_EQ(code_of([&] { parse_lfs_batch_answer(R"({"objects": []})", objects, kContext); }),
            ExitCode::network);
}

TEST(Multipart, PartUrlsAreOrderedByNumberNotByText) {
  const LfsObject object{"big.bin", "/big", std::string(64, 'f'), 10 * 100 + 1};  // 11 parts of 100
  LfsAction action;
  action.href = "http://cdn/upload/9";
  action.header["chunk_size"] = "100";
  for (int part = 1; part <= 11; ++part) {
    action.header[std::to_string(part)] = "http://cdn/p/" + std::to_string(part);
  }
  const auto plan = multipart_plan(action, object, kContext);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->chunk_size, 100u);
  ASSERT_EQ(plan->part_urls.size(), 11u);
  for (std::size_t i = 0; i < 11; ++i) {
    EXPECT_EQ(plan->part_urls[i], "http://cdn/p/" + std::to_string(i + 1));
  }
}

TEST(Multipart, APartCountThatDoesNotFitTheSizeIsRefused) {
  const LfsObject object{"big.bin", "/big", std::string(64, 'f'), 250};  // needs 3 parts of 100
  LfsAction action;
  action.header = {{"chunk_size", "100"}, {"1", "http://cdn/1"}, {"2", "http://cdn/2"}};
  EXPECT_EQ(code_of([&] { multipart_plan(action, object, kContext); }), ExitCode::network);
  action.header["3"] = "http://cdn/3";
  EXPECT_TRUE(multipart_plan(action, object, kContext));
  action.header["chunk_size"] = "0";
  EXPECT_EQ(code_of([&] { multipart_plan(action, object, kContext); }), ExitCode::network);
  action.header.erase("chunk_size");
  EXPECT_FALSE(multipart_plan(action, object, kContext)) << "no chunk size: a basic upload";
}

TEST(Multipart, TheCompletionListsEveryPartsEtagByNumber) {
  const json sent =
      json::parse(multipart_completion_payload(std::string(64, 'e'), {"\"x1\"", "\"x2\""}));
  EXPECT_EQ(sent["oid"], std::string(64, 'e'));
  EXPECT_EQ(
      sent["parts"],
      json::parse(R"([{"partNumber": 1, "etag": "\"x1\""}, {"partNumber": 2, "etag": "\"x2\""}])"));
}

TEST(PathInRepo, IsNormalizedAndMayNotEscapeTheRepo) {
  EXPECT_EQ(normalize_path_in_repo(""), "");
  EXPECT_EQ(normalize_path_in_repo("."), "");
  EXPECT_EQ(normalize_path_in_repo("./weights/v2/"), "weights/v2");
  EXPECT_EQ(normalize_path_in_repo("/onnx"), "onnx");
  for (const char* bad :
       {"../up", "a/../../b", "a//b", "a\\b", ".git", "x/.git/y", ".cache/huggingface"}) {
    EXPECT_EQ(code_of([&] { normalize_path_in_repo(bad); }), ExitCode::usage) << bad;
  }
}

TEST(CollectPushFiles, FoldersKeepTheirLayoutBelowThePrefixAndFilesGoByName) {
  PushFolder dir;
  dir.write("out/config.json", "{}");
  dir.write("out/onnx/model.onnx", "onnx");
  dir.write("out/.git/HEAD", "ref: x");
  dir.write("out/.cache/huggingface/download/x.lock", "");
  const fs::path single = dir.write("notes/CHANGES.md", "changes");
  const auto files = collect_push_files({dir.path() / "out", single}, "v2/", {}, {}).files;
  EXPECT_EQ(repo_paths(files),
            (std::vector<std::string>{"v2/CHANGES.md", "v2/config.json", "v2/onnx/model.onnx"}));
  EXPECT_EQ(files[2].size, 4u);
  EXPECT_EQ(files[2].local, dir.path() / "out" / "onnx" / "model.onnx");
}

TEST(CollectPushFiles, PatternsSelectFilesInFoldersRelativeToTheFolder) {
  PushFolder dir;
  dir.write("out/config.json", "{}");
  dir.write("out/model.safetensors", "w");
  dir.write("out/logs/train.log", "l");
  dir.write("out/logs/keep.json", "k");
  const auto included = collect_push_files({dir.path() / "out"}, "", {"*.json"}, {}).files;
  EXPECT_EQ(repo_paths(included), (std::vector<std::string>{"config.json", "logs/keep.json"}));
  const auto excluded = collect_push_files({dir.path() / "out"}, "", {}, {"logs/"}).files;
  EXPECT_EQ(repo_paths(excluded), (std::vector<std::string>{"config.json", "model.safetensors"}));
}

TEST(CollectPushFiles, LinksInsideTheFolderArePushedAsTheirContentAndOthersAreNamed) {
  PushFolder dir;
  dir.write("out/weights/v1.bin", "weights");
  fs::create_directories(dir.path() / "out" / "data");
  fs::create_symlink("weights/v1.bin", dir.path() / "out" / "model.bin");
  // An absolute link through another path that ends inside the folder is inside.
  fs::create_symlink(dir.path() / "out" / "weights" / "v1.bin", dir.path() / "out" / "abs.bin");
  fs::create_symlink(dir.path() / "missing", dir.path() / "out" / "dangling.bin");
  fs::create_symlink("weights", dir.path() / "out" / "folder-link");
  fs::create_symlink("/dev/null", dir.path() / "out" / "device");
  const auto collected = collect_push_files({dir.path() / "out"}, "", {}, {});
  ASSERT_EQ(repo_paths(collected.files),
            (std::vector<std::string>{"abs.bin", "model.bin", "weights/v1.bin"}));
  EXPECT_EQ(collected.files[1].size, 7u);
  ASSERT_EQ(collected.skipped.size(), 3u);
  const std::string notes = collected.skipped[0] + collected.skipped[1] + collected.skipped[2];
  EXPECT_NE(notes.find("dangling.bin': a dangling link"), std::string::npos) << notes;
  EXPECT_NE(notes.find("folder-link': a link to the folder"), std::string::npos) << notes;
  EXPECT_NE(notes.find("device': a link to '/dev/null', which is not a file"), std::string::npos)
      << notes;
  // Excluded links are neither pushed nor named.
  EXPECT_TRUE(collect_push_files({dir.path() / "out"}, "", {"*.bin"}, {"dangling.bin"})
                  .skipped.empty());
}

TEST(CollectPushFiles, ALinkLeavingTheFolderIsRefusedUnlessFollowed) {
  PushFolder dir;
  const fs::path target = dir.write("elsewhere/secret.bin", "secret");
  dir.write("out/config.json", "{}");
  fs::create_symlink(target, dir.path() / "out" / "model.bin");
  fs::create_symlink("../elsewhere/secret.bin", dir.path() / "out" / "relative.bin");
  try {
    collect_push_files({dir.path() / "out"}, "", {}, {"relative.bin"});
    ADD_FAILURE() << "a link leaving the folder was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    const std::string message = e.what();
    EXPECT_NE(message.find("model.bin' is a symbolic link to '" + fs::canonical(target).string()),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("--follow-external-links"), std::string::npos) << message;
  }
  EXPECT_EQ(code_of([&] { collect_push_files({dir.path() / "out"}, "", {}, {"model.bin"}); }),
            ExitCode::usage)
      << "a relative link out of the folder";
  const auto followed =
      collect_push_files({dir.path() / "out"}, "", {}, {}, ExternalLinks::follow).files;
  EXPECT_EQ(repo_paths(followed),
            (std::vector<std::string>{"config.json", "model.bin", "relative.bin"}));
  // A file named on its own is pushed, link or not: the user chose it.
  EXPECT_EQ(repo_paths(collect_push_files({dir.path() / "out" / "model.bin"}, "", {}, {}).files),
            (std::vector<std::string>{"model.bin"}));
}

TEST(CollectPushFiles, MistakesAreUsageErrorsFoundBeforeAnyRequest) {
  PushFolder dir;
  const fs::path a = dir.write("a/config.json", "1");
  const fs::path b = dir.write("b/config.json", "2");
  dir.write("empty/.git/HEAD", "x");
  EXPECT_EQ(code_of([&] {
              collect_push_files({a, b}, "", {}, {});
            }),
            ExitCode::usage)
      << "two files, one path";
  EXPECT_EQ(code_of([&] { collect_push_files({dir.path() / "nope"}, "", {}, {}); }),
            ExitCode::usage);
  EXPECT_EQ(code_of([&] { collect_push_files({dir.path() / "empty"}, "", {}, {}); }),
            ExitCode::usage);
  EXPECT_EQ(code_of([&] { collect_push_files({dir.path() / "a"}, "", {"*.bin"}, {}); }),
            ExitCode::usage);
  const fs::path odd = dir.write("odd/back\\slash.txt", "x");
  EXPECT_EQ(code_of([&] { collect_push_files({odd}, "", {}, {}); }), ExitCode::usage);
}

TEST(ModelCard, MetadataHasTheLibraryTheTagsTheBaseModelAndTheLicense) {
  ModelCardInfo info;
  info.tags = {"onnx", "hubdeps"};
  info.base_models = {"google-bert/bert-base-uncased"};
  info.datasets = {"acme/reviews"};
  info.license = "apache-2.0";
  info.project = "trainer";
  info.source = SourceRevision{std::string(40, 'd'), true};
  const std::string card =
      generate_model_card(info, RepoId::parse("acme/head"), "https://hub.example",
                          {{"model.safetensors", 3u << 20}, {"config.json", 12}});
  const auto metadata = front_matter(card);
  EXPECT_EQ(metadata, (std::vector<std::string>{
                          "library_name: \"hubdeps\"", "tags:", "- \"hubdeps\"", "- \"onnx\"",
                          "base_model: \"google-bert/bert-base-uncased\"",
                          "datasets:", "- \"acme/reviews\"", "license: \"apache-2.0\""}));
  EXPECT_NE(card.find("# head\n"), std::string::npos) << card;
  EXPECT_NE(card.find("`trainer`"), std::string::npos) << card;
  EXPECT_NE(card.find("commit `" + std::string(40, 'd') + "` with uncommitted changes"),
            std::string::npos)
      << card;
  EXPECT_NE(
      card.find(
          "[google-bert/bert-base-uncased](https://hub.example/google-bert/bert-base-uncased)"),
      std::string::npos)
      << card;
  EXPECT_NE(card.find("[acme/reviews](https://hub.example/datasets/acme/reviews)"),
            std::string::npos)
      << card;
  EXPECT_NE(card.find("| `model.safetensors` | 3.0 MiB |"), std::string::npos) << card;
}

TEST(ModelCard, SeveralBaseModelsAreAListAndNothingOptionalIsMadeUp) {
  ModelCardInfo info;
  info.base_models = {"a/one", "b/two", "a/one"};
  const auto metadata =
      front_matter(generate_model_card(info, RepoId::parse("acme/x"), "http://h", {}));
  EXPECT_EQ(metadata,
            (std::vector<std::string>{"library_name: \"hubdeps\"", "tags:", "- \"hubdeps\"",
                                      "base_model:", "- \"a/one\"", "- \"b/two\""}));
  const std::string card =
      generate_model_card(ModelCardInfo{}, RepoId::parse("acme/x"), "http://h", {});
  EXPECT_EQ(card.find("license"), std::string::npos);
  EXPECT_NE(card.find("no commit is recorded"), std::string::npos) << card;
}

TEST(ModelCard, ValuesThatLookLikeYamlStayStrings) {
  ModelCardInfo info;
  info.library_name = "x: y # not a comment";
  info.tags = {"- dash", "\"quoted\"\nnext line"};
  info.project = "evil`project";
  const std::string card = generate_model_card(info, RepoId::parse("acme/x"), "http://h", {});
  const auto metadata = front_matter(card);
  EXPECT_EQ(metadata[0], R"(library_name: "x: y # not a comment")");
  EXPECT_EQ(metadata[3], R"(- "- dash")");
  EXPECT_EQ(metadata[4], R"(- "\"quoted\"\nnext line")");
  EXPECT_EQ(metadata.size(), 5u) << card;
  EXPECT_NE(card.find("`evil'project`"), std::string::npos) << card;
}

TEST(SourceRevision, IsTheCheckedOutCommitAndSeesUncommittedChanges) {
  PushFolder dir;
  const std::string git =
      "git -C '" + dir.path().string() + "' -c user.name=t -c user.email=t@example.invalid ";
  dir.write("src/main.cpp", "int main() {}\n");
  ASSERT_EQ(
      std::system((git + "init -q && " + git + "add -A && " + git + "commit -q -m init").c_str()),
      0);
  const std::string head_file = (dir.path() / "head.txt").string();
  ASSERT_EQ(std::system((git + "rev-parse HEAD > '" + head_file + "'").c_str()), 0);
  std::string head;
  std::ifstream(head_file) >> head;
  fs::remove(head_file);

  const auto clean = read_source_revision(dir.path() / "src");  // any folder of the work tree
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->commit, head);
  EXPECT_FALSE(clean->modified);
  dir.write("src/main.cpp", "int main() { return 1; }\n");
  const auto modified = read_source_revision(dir.path());
  ASSERT_TRUE(modified);
  EXPECT_EQ(modified->commit, head);
  EXPECT_TRUE(modified->modified);
}

TEST(SourceRevision, AFolderOutsideGitHasNone) {
  PushFolder dir;
  EXPECT_FALSE(read_source_revision(dir.path()));
  EXPECT_FALSE(read_source_revision(dir.path() / "missing"));
}
