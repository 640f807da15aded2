// Git LFS uploads through the Hub: the batch call says, per object, whether
// the storage already has it or where to send it; then each object goes to
// that storage as one PUT (basic) or as parts PUT in parallel and a
// completion call (multipart), and is verified when the Hub asks for it.
// Content is streamed from the local file, so memory stays bounded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http.hpp"
#include "hub_api.hpp"
#include "progress.hpp"
#include "repo.hpp"

namespace hubdeps {

// One file to store as an LFS object.
struct LfsObject {
  std::string path;             // in the repo: for messages and progress
  std::filesystem::path local;  // the content
  std::string sha256;
  std::uint64_t size = 0;
};

// Where the batch answer says to send one object.
struct LfsAction {
  std::string href;
  std::map<std::string, std::string> header;  // multipart: chunk_size and the numbered part URLs
  std::optional<std::string> verify_href;
};

// The parts of a multipart upload, in order.
struct MultipartPlan {
  std::uint64_t chunk_size = 0;
  std::vector<std::string> part_urls;
};

// The Hub accepts this many objects per batch call (huggingface_hub's chunk).
inline constexpr std::size_t kLfsBatchChunk = 256;

std::string lfs_batch_url(const std::string& endpoint, RepoType type, const RepoId& repo);
std::string lfs_batch_payload(const std::vector<LfsObject>& objects, const std::string& revision);

// One entry per object, in order: nullopt when the storage already has it.
// An object the Hub refuses is an Error naming the file.
std::vector<std::optional<LfsAction>> parse_lfs_batch_answer(const std::string& body,
                                                             const std::vector<LfsObject>& objects,
                                                             const HubContext& context);

// nullopt for a basic upload. A multipart header must give a chunk size and
// exactly ceil(size / chunk_size) part URLs under the keys "1", "2", ...
std::optional<MultipartPlan> multipart_plan(const LfsAction& action, const LfsObject& object,
                                            const HubContext& context);

// The completion call's body: {"oid", "parts": [{"partNumber", "etag"}]}.
std::string multipart_completion_payload(const std::string& sha256,
                                         const std::vector<std::string>& etags);

struct LfsUploadReport {
  std::size_t uploaded = 0;        // objects sent
  std::size_t already_stored = 0;  // objects the storage had: nothing sent
};

// Batch + transfers for `objects` (duplicates by content are sent once),
// `jobs` transfers at a time, with one connection per worker.
LfsUploadReport upload_lfs_objects(const HttpSettings& settings, const HubContext& context,
                                   const RepoId& repo, const std::vector<LfsObject>& objects,
                                   int jobs, Progress& progress);

}  // namespace hubdeps
