#include "download_pieces.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace hubdeps;

namespace {

constexpr std::uint64_t MiB = 1u << 20;

std::vector<std::uint64_t> done_of(const std::vector<Segment>& pieces) {
  std::vector<std::uint64_t> done;
  for (const auto& piece : pieces) done.push_back(piece.done);
  return done;
}

}  // namespace

TEST(DownloadPieces, AFileIsCutIntoPiecesOfAtLeast16MiB) {
  const auto pieces = pieces_from_prefix(100 * MiB, 0);
  ASSERT_EQ(pieces.size(), 7u);  // 6 of 16 MiB and the last 4 MiB
  EXPECT_EQ(pieces[0].size(), 16 * MiB);
  EXPECT_EQ(pieces.back().start, 96 * MiB);
  EXPECT_EQ(pieces.back().end, 100 * MiB);
  for (std::size_t i = 1; i < pieces.size(); ++i) EXPECT_EQ(pieces[i].start, pieces[i - 1].end);
}

TEST(DownloadPieces, LargeFilesGetAbout32PiecesOfAtMost64MiB) {
  EXPECT_EQ(pieces_from_prefix(1024 * MiB, 0).size(), 32u);
  EXPECT_EQ(pieces_from_prefix(1024 * MiB, 0)[0].size(), 32 * MiB);
  EXPECT_EQ(pieces_from_prefix(4096 * MiB, 0)[0].size(), 64 * MiB);
}

TEST(DownloadPieces, AValidPrefixCompletesTheFirstPiecesAndStartsTheNext) {
  EXPECT_EQ(done_of(pieces_from_prefix(64 * MiB, 20 * MiB)),
            (std::vector<std::uint64_t>{16 * MiB, 4 * MiB, 0, 0}));
}

TEST(DownloadPieces, TheRecordMergesRunsSoItStaysSmall) {
  auto pieces = pieces_from_prefix(64 * MiB, 0);
  pieces[0].done = 16 * MiB;  // complete, then part of the next: one run
  pieces[1].done = 3 * MiB;
  pieces[2].done = 5 * MiB;  // partial, then an untouched piece: one run
  EXPECT_EQ(encode_segments(pieces),
            std::to_string(0) + "-" + std::to_string(32 * MiB) + ":" + std::to_string(19 * MiB) + "," +
                std::to_string(32 * MiB) + "-" + std::to_string(64 * MiB) + ":" + std::to_string(5 * MiB) + ",");
}

TEST(DownloadPieces, ARecordReadBackGivesEveryPieceItsBytes) {
  std::mt19937_64 random(20261129);
  for (int round = 0; round < 200; ++round) {
    const std::uint64_t size = 16 * MiB + random() % (600 * MiB);
    auto pieces = pieces_from_prefix(size, 0);
    for (auto& piece : pieces) {
      const auto choice = random() % 3;
      piece.done = choice == 0 ? 0 : choice == 1 ? piece.size() : random() % piece.size();
    }
    const auto runs = parse_segments(encode_segments(pieces), size);
    ASSERT_TRUE(runs.has_value());
    EXPECT_EQ(done_of(pieces_from_runs(size, *runs)), done_of(pieces)) << encode_segments(pieces);
  }
}

TEST(DownloadPieces, RunsCutDifferentlyStillGiveTheValidBytesOfEachPiece) {
  // A previous run recorded [0, 50 MiB) complete and 10 MiB of [50, 100 MiB).
  const std::string record = "0-" + std::to_string(50 * MiB) + ":" + std::to_string(50 * MiB) + "," +
                             std::to_string(50 * MiB) + "-" + std::to_string(100 * MiB) + ":" +
                             std::to_string(10 * MiB) + ",";
  const auto runs = parse_segments(record, 100 * MiB);
  ASSERT_TRUE(runs.has_value());
  EXPECT_EQ(done_of(pieces_from_runs(100 * MiB, *runs)),
            (std::vector<std::uint64_t>{16 * MiB, 16 * MiB, 16 * MiB, 12 * MiB, 0, 0, 0}));
}

TEST(DownloadPieces, ARecordThatDoesNotDescribeTheFileIsIgnored) {
  for (const std::string bad : {"", "garbage", "0-10:5", "0-10:5,10-20:0,", "0-10:11,", "5-10:0,",
                                "0-10:5;", "0-5:5,6-10:0,", "10-0:0,"}) {
    EXPECT_FALSE(parse_segments(bad, 10).has_value()) << bad;
  }
  EXPECT_TRUE(parse_segments("0-4:4,4-10:0,", 10).has_value());
}

// Connections capped at 100 MB/s each (a CDN's per-flow limit): the total
// grows with them until the machine is full at about 1 GB/s.
TEST(ConnectionRamp, DoublesWhileEachConnectionIsSlowAndTheTotalGrowsThenStopsForGood) {
  constexpr double kLink = 100e6;
  ConnectionRamp ramp(16);
  EXPECT_EQ(ramp.more(2 * kLink, 2, 30), 2u);
  EXPECT_EQ(ramp.more(4 * kLink, 4, 28), 4u);
  EXPECT_EQ(ramp.more(8 * kLink, 8, 24), 8u);       // capped at 16
  EXPECT_EQ(ramp.more(10 * kLink, 16, 16), 0u);     // 8 more brought 25%, not half their share: full
  EXPECT_EQ(ramp.more(2 * kLink, 16, 16), 0u);      // and it stays so
}

TEST(ConnectionRamp, NeverMoreThanTheCapOrThePiecesLeft) {
  ConnectionRamp ramp(5);
  EXPECT_EQ(ramp.more(10e6, 2, 1), 1u);
  EXPECT_EQ(ramp.more(15e6, 3, 10), 2u);
  EXPECT_EQ(ramp.more(30e6, 5, 10), 0u);
}

// On loopback one connection is bound by the CPU: more would only compete for it.
TEST(ConnectionRamp, AddsNoneWhileEachConnectionIsFast) {
  ConnectionRamp ramp(16);
  EXPECT_EQ(ramp.more(2 * 500e6, 2, 30), 0u);
  EXPECT_EQ(ramp.more(2 * 400e6, 2, 30), 0u);
  EXPECT_EQ(ramp.more(2 * 50e6, 2, 30), 2u);  // a slow spell, e.g. a busy machine: tried once more
  EXPECT_EQ(ramp.more(2 * 50e6, 4, 28), 0u);  // it brought nothing: stop
}
