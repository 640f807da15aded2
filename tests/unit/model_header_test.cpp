#include "model_header.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "temp_dir.hpp"

using namespace hubdeps;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kSnapshot = "/cache/models--org--tiny/snapshots/" + kCommit;

nlohmann::json fetch_json() {
  return {{"repo_id", "org/tiny"},
          {"repo_type", "model"},
          {"revision", "v1.0"},
          {"commit", kCommit},
          {"snapshot_dir", kSnapshot},
          {"files",
           {{{"path", "tokenizer.json"}, {"size", 526}, {"lfs", false}, {"git_sha1", std::string(40, 'a')}},
            {{"path", "onnx/model.onnx"}, {"size", 3145872}, {"lfs", true}, {"sha256", std::string(64, 'b')}},
            {{"path", "config.json"}, {"size", 489}, {"lfs", false}, {"git_sha1", std::string(40, 'c')}}}}};
}

std::string error_for(const nlohmann::json& document) {
  try {
    parse_fetch_json(document.dump(), "tiny.fetch.json");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    return error.what();
  }
  ADD_FAILURE() << "no error for: " << document.dump();
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(ModelHeader, ParsesWhatFetchPrintsWithFilesSortedByPath) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(2), "tiny.fetch.json");
  EXPECT_EQ(snapshot.repo_id, "org/tiny");
  EXPECT_EQ(snapshot.repo_type, "model");
  EXPECT_EQ(snapshot.revision, "v1.0");
  EXPECT_EQ(snapshot.commit, kCommit);
  EXPECT_EQ(snapshot.snapshot_dir, kSnapshot);
  ASSERT_EQ(snapshot.files.size(), 3u);
  EXPECT_EQ(snapshot.files[0].path, "config.json");
  EXPECT_EQ(snapshot.files[0].size, 489u);
  EXPECT_EQ(snapshot.files[1].path, "onnx/model.onnx");
  EXPECT_EQ(snapshot.files[1].size, 3145872u);
  EXPECT_EQ(snapshot.files[2].path, "tokenizer.json");
}

TEST(ModelHeader, RejectsInputThatIsNotFetchOutputNamingTheField) {
  EXPECT_TRUE(contains(error_for(nlohmann::json::array()), "tiny.fetch.json: the top level is not an object"));
  auto document = fetch_json();
  document.erase("commit");
  EXPECT_TRUE(contains(error_for(document), "missing 'commit'"));
  document = fetch_json();
  document["commit"] = "main";
  EXPECT_TRUE(contains(error_for(document), "'commit' is not a 40-hex commit id"));
  document = fetch_json();
  document["snapshot_dir"] = "relative/dir";
  EXPECT_TRUE(contains(error_for(document), "'snapshot_dir' is not an absolute path"));
  document = fetch_json();
  document["files"][0]["path"] = "../../etc/passwd";
  EXPECT_TRUE(contains(error_for(document), "'../../etc/passwd' is not a safe repo-relative path"));
  document = fetch_json();
  document["files"][0]["size"] = -1;
  EXPECT_TRUE(contains(error_for(document), "the size of 'tokenizer.json' is not a non-negative integer"));
  document = fetch_json();
  document["files"][1]["path"] = "tokenizer.json";
  EXPECT_TRUE(contains(error_for(document), "'tokenizer.json' is listed twice"));
  document = fetch_json();
  document["repo_id"] = "not a repo";
  EXPECT_THROW(parse_fetch_json(document.dump(), "x"), Error);
  EXPECT_TRUE(contains(error_for(nlohmann::json::object()), "pass the output of `hubdeps fetch --json`"));
}

TEST(ModelHeader, DeclaresTheSnapshotTheFileListAndALookup) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const std::string header = generate_model_header(snapshot, "hf::tiny", {});
  EXPECT_TRUE(contains(header, "#pragma once"));
  EXPECT_TRUE(contains(header, "namespace hf::tiny {"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view repo_id = \"org/tiny\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view repo_type = \"model\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view revision = \"v1.0\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view commit = \"" + kCommit + "\";"));
  EXPECT_TRUE(contains(header, "inline constexpr ::std::array<file_entry, 3> files = {{"));
  EXPECT_TRUE(contains(header, "constexpr ::std::string_view path(::std::string_view repo_path) noexcept"));
  // Each entry: the repo path, the absolute path (split into adjacent literals), the size.
  const auto config_entry = header.find("{\"config.json\",");
  const auto onnx_entry = header.find("{\"onnx/model.onnx\",");
  const auto tokenizer_entry = header.find("{\"tokenizer.json\",");
  ASSERT_NE(config_entry, std::string::npos);
  ASSERT_NE(onnx_entry, std::string::npos);
  ASSERT_NE(tokenizer_entry, std::string::npos);
  EXPECT_LT(config_entry, onnx_entry);
  EXPECT_LT(onnx_entry, tokenizer_entry);
  EXPECT_TRUE(contains(header, "3145872u}"));
  EXPECT_TRUE(contains(header, "model.onnx\",\n     3145872u}"));
  EXPECT_EQ(header, generate_model_header(snapshot, "hf::tiny", {}));
}

TEST(ModelHeader, NamesEachModelsRunTimeVariableAfterItsNamespace) {
  EXPECT_EQ(model_variable_stem("hf::tiny"), "TINY");
  EXPECT_EQ(model_variable_stem("hf::tiny_main"), "TINY_MAIN");
  EXPECT_EQ(model_variable_stem("models::bert"), "MODELS_BERT");
  EXPECT_EQ(model_variable_stem("hf::Bert::v2"), "BERT_V2");
}

TEST(ModelHeader, AddsARunTimeLookupBesideTheConstexprPath) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const std::string header = generate_model_header(snapshot, "hf::tiny", {});
  EXPECT_TRUE(contains(header, "inline constexpr ::std::string_view dir_variable = \"HUBDEPS_MODEL_TINY_DIR\";"));
  // The installed folder comes from the compile definition hf_install_model() sets, if any.
  EXPECT_TRUE(contains(header, "#if defined(HUBDEPS_MODEL_TINY_INSTALLED)\n"
                               "inline constexpr ::std::string_view installed_dir = HUBDEPS_MODEL_TINY_INSTALLED;\n"
                               "#else\n"
                               "inline constexpr ::std::string_view installed_dir = {};\n"));
  // This machine's cache is looked in under the repo's folder name at the pinned commit.
  EXPECT_TRUE(contains(header, "files, \"HUBDEPS_MODEL_TINY_DIR\", installed_dir, snapshot_dir,\n"
                               "      \"models--org--tiny\", commit);"));
  EXPECT_TRUE(contains(header, "inline ::std::string_view resolve(::std::string_view repo_path) {"));
  EXPECT_TRUE(contains(header, "inline ::std::string_view location(::std::string_view repo_path) {"));
  // The shared part is guarded, so several model headers define it once; each OS's part is too.
  EXPECT_EQ(header.find("#ifndef HUBDEPS_RUNTIME_V1"), header.rfind("#ifndef HUBDEPS_RUNTIME_V1"));
  EXPECT_TRUE(contains(header, "readlink(\"/proc/self/exe\""));
  EXPECT_TRUE(contains(header, "_NSGetExecutablePath"));
  EXPECT_TRUE(contains(header, "GetModuleFileNameW"));
  EXPECT_FALSE(contains(header, "#include <filesystem>"));
}

TEST(ModelHeader, AddsConfigAccessorsFromTheHeaderGeneratorWithTheSameConstants) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const std::vector<ConfigInput> configs = {
      {"config", R"({"hidden_size": 768, "model_type": "bert"})", kSnapshot + "/config.json"}};
  const std::string with_config = generate_model_header(snapshot, "hf::tiny", configs);
  const std::string without_config = generate_model_header(snapshot, "hf::tiny", {});
  EXPECT_TRUE(contains(with_config, "namespace config {"));
  EXPECT_TRUE(contains(with_config, "inline constexpr ::std::int64_t hidden_size = 768;"));
  EXPECT_TRUE(contains(with_config, "inline constexpr ::std::string_view model_type = \"bert\";"));
  EXPECT_FALSE(contains(without_config, "namespace config {"));
  for (const char* name : {"repo_id", "repo_type", "revision", "commit", "snapshot_dir"}) {
    const std::string declaration = std::string("inline constexpr ::std::string_view ") + name + " = ";
    EXPECT_TRUE(contains(with_config, declaration)) << name;
    EXPECT_TRUE(contains(without_config, declaration)) << name;
  }
  // The file list follows either way.
  const std::string file_list = without_config.substr(without_config.find("struct file_entry"));
  EXPECT_TRUE(contains(with_config, file_list));
}

TEST(ModelHeader, RejectsAConfigWhoseNamespaceWouldHideASnapshotName) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  for (const std::string& stem : model_header_names()) {
    try {
      generate_model_header(snapshot, "hf::tiny", {{stem, "{}", "/x/" + stem + ".json"}});
      ADD_FAILURE() << "no error for a config named " << stem;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ExitCode::usage);
      EXPECT_TRUE(contains(error.what(), "/x/" + stem + ".json would become hf::tiny::" + stem)) << error.what();
    }
  }
}

TEST(ModelHeader, RejectsABadNamespaceAndBadConfigJson) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  EXPECT_THROW(generate_model_header(snapshot, "hf::class", {}), Error);
  EXPECT_THROW(generate_model_header(snapshot, "std::tiny", {}), Error);
  EXPECT_THROW(generate_model_header(snapshot, "hf::tiny", {{"config", "{not json", "config.json"}}), Error);
}

// A tokenizer-like config whose vocabulary is past the 1024-member limit.
ConfigInput large_tokenizer() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int i = 0; i < 1100; ++i) vocab["t" + std::to_string(i)] = i;
  return {"tokenizer", nlohmann::json{{"model", {{"type", "BPE"}, {"vocab", vocab}}}}.dump(),
          kSnapshot + "/tokenizer.json"};
}

TEST(ModelHeader, LargeConfigValuesGoToADataSourceThatIncludesTheHeader) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const GeneratedHeader generated =
      generate_model_header_and_source(snapshot, "hf::tiny", {large_tokenizer()}, "../include/hf/tiny.hpp");
  ASSERT_TRUE(generated.has_data());
  // The file itself is small enough to stay inline.
  EXPECT_EQ(generated.large_values, std::vector<std::string>{"hf::tiny::tokenizer::model::vocab"});
  EXPECT_TRUE(contains(generated.header, "extern const ::hubdeps::data::map<::std::int64_t, 1100> vocab;"));
  EXPECT_TRUE(contains(generated.header, "inline constexpr ::std::string_view type = \"BPE\";"));
  EXPECT_TRUE(contains(generated.header, "struct file_entry {"));
  EXPECT_TRUE(contains(generated.data_source, "#include \"../include/hf/tiny.hpp\"\n"));
  EXPECT_TRUE(contains(generated.data_source, "hf::tiny::tokenizer::model::vocab{"));
  // The header alone is the same text.
  EXPECT_EQ(generate_model_header(snapshot, "hf::tiny", {large_tokenizer()}), generated.header);
}

TEST(ModelHeader, WithoutConfigsTheDataSourceDefinesNothing) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const GeneratedHeader generated = generate_model_header_and_source(snapshot, "hf::tiny", {}, "tiny.hpp");
  EXPECT_FALSE(generated.has_data());
  EXPECT_TRUE(contains(generated.data_source, "nothing to define"));
  EXPECT_TRUE(contains(generated.data_source, "#include \"tiny.hpp\"\n"));
}

TEST(ModelHeader, LargeValuesWithoutASourceAreAnErrorNamingTheOption) {
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  try {
    generate_model_header_files(snapshot, "hf::tiny", {large_tokenizer()}, "/out/tiny.hpp", "", "--header-source");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ExitCode::usage);
    EXPECT_TRUE(contains(error.what(), "hf::tiny::tokenizer::model::vocab")) << error.what();
    EXPECT_TRUE(contains(error.what(), "pass --header-source FILE.cpp")) << error.what();
  }
  const GeneratedHeader generated = generate_model_header_files(
      snapshot, "hf::tiny", {large_tokenizer()}, "/out/include/hf/tiny.hpp", "/out/src/tiny.cpp", "--header-source");
  EXPECT_TRUE(contains(generated.data_source, "#include \"../include/hf/tiny.hpp\"\n"));
}

TEST(ModelHeader, WritesTheSourceOnlyWhenItDefinesSomethingIfAskedToRemoveAnEmptyOne) {
  const hubdeps::testing::TempDir temp("hubdeps-model-header-test");
  const std::filesystem::path& folder = temp.path();
  const std::string header = (folder / "include/hf/tiny.hpp").string();
  const std::string source = (folder / "src/tiny.cpp").string();
  const FetchedSnapshot snapshot = parse_fetch_json(fetch_json().dump(), "tiny.fetch.json");
  const auto files_for = [&](const std::vector<ConfigInput>& configs) {
    return generate_model_header_files(snapshot, "hf::tiny", configs, header, source, "--header-source");
  };
  write_model_header_files(files_for({large_tokenizer()}), header, source, true);
  EXPECT_TRUE(std::filesystem::is_regular_file(header));
  EXPECT_TRUE(std::filesystem::is_regular_file(source));
  // Nothing large any more: CMake's hf_fetch_model must see no source.
  write_model_header_files(files_for({}), header, source, true);
  EXPECT_TRUE(std::filesystem::is_regular_file(header));
  EXPECT_FALSE(std::filesystem::exists(source));
  // The command line keeps writing one, even with nothing to define.
  write_model_header_files(files_for({}), header, source, false);
  EXPECT_TRUE(std::filesystem::is_regular_file(source));
}
