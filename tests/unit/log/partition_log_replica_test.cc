// Follower operations of partition_log (issue 6): append_as_follower, truncate_to and
// truncate_fully_and_start_at, on real files, including reopen after a clean close and after a
// crash (the log destroyed without close()).

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/leader_epoch_cache.h"
#include "gregor/log/offset_index.h"
#include "gregor/log/partition_log.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

const topic_partition tp{"replica", 0};

// One batch as a leader stored it: offsets [base, base + count), stamped epoch.
struct stored_batch {
  int64_t base;
  int64_t last;
  int32_t epoch;
  bytes data;
};

struct replica_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path leader_dir = tmp.path() / "leader" / "replica-0";
  std::filesystem::path dir = tmp.path() / "follower" / "replica-0";
  log_config cfg;

  replica_fixture() {
    cfg.segment_bytes = 1000;
    cfg.index_interval_bytes = 150;
  }

  std::unique_ptr<partition_log> open_at(const std::filesystem::path& d, recovery_hint hint = {}) {
    auto log = partition_log::open(d, tp, cfg, clk, hint);
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }
  std::unique_ptr<partition_log> open(recovery_hint hint = {}) { return open_at(dir, hint); }

  // `count` records at offset `base` in `epoch`, as a leader would hand them out.
  static bytes leader_batch(int64_t base, int32_t count, int32_t epoch, size_t value_size = 16) {
    return test::stamped(test::make_batch(count, 1000 + base, value_size), base, epoch);
  }

  // Appends `n` batches of 5 records each with follower appends (one per call), epochs from
  // `epoch_of(i)`; returns them as stored.
  std::vector<stored_batch> fill(partition_log& log, int n, int32_t (*epoch_of)(int) = [](int) { return 3; }) {
    std::vector<stored_batch> out;
    for (int i = 0; i < n; ++i) {
      int64_t base = log.log_end_offset();
      bytes b = leader_batch(base, 5, epoch_of(i));
      auto r = log.append_as_follower(shared_bytes(b));
      EXPECT_TRUE(r) << r.error().message();
      out.push_back({base, base + 4, epoch_of(i), std::move(b)});
    }
    return out;
  }

  static bytes concat(const std::vector<stored_batch>& batches, size_t n) {
    bytes out;
    for (size_t i = 0; i < n && i < batches.size(); ++i) out.insert(out.end(), batches[i].data.begin(), batches[i].data.end());
    return out;
  }

  static bytes read_all(partition_log& log) {
    auto r = log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX, false);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->records.linearize() : bytes{};
  }

  static std::map<std::string, bytes> log_files(const std::filesystem::path& d) {
    std::map<std::string, bytes> out;
    for (const auto& de : std::filesystem::directory_iterator(d)) {
      auto name = de.path().filename().string();
      if (name.ends_with(".log")) out[name] = test::read_file(de.path());
    }
    return out;
  }

  static std::set<int64_t> segment_bases(const std::filesystem::path& d) {
    std::set<int64_t> out;
    for (const auto& [name, data] : log_files(d)) out.insert(std::stoll(name.substr(0, 20)));
    return out;
  }

  static std::vector<epoch_entry> epoch_file(const std::filesystem::path& d) {
    auto c = leader_epoch_cache::load(d / std::string(filenames::leader_epoch_checkpoint_file));
    EXPECT_TRUE(c);
    return c ? c->entries() : std::vector<epoch_entry>{};
  }

  // Every .index entry (O, P) is valid for lookups: P starts a batch of the .log whose base is
  // <= O, and O is the last offset of a batch (an append's last batch: entries map the largest
  // offset of an append to where the append started). Every .timeindex entry names an offset of
  // the segment below `end`.
  static void check_indexes(const std::filesystem::path& d, int64_t end) {
    for (int64_t base : segment_bases(d)) {
      bytes log = test::read_file(filenames::log_file(d, base));
      std::map<uint32_t, int64_t> base_at;  // batch start position -> base offset
      std::set<int64_t> lasts;
      for (size_t pos = 0; pos + 61 <= log.size();) {
        int64_t b = load_be<int64_t>(log.data() + pos);
        base_at[static_cast<uint32_t>(pos)] = b;
        lasts.insert(b + load_be<int32_t>(log.data() + pos + 23));
        pos += 12 + static_cast<size_t>(load_be<int32_t>(log.data() + pos + 8));
      }
      bytes idx = test::read_file(filenames::offset_index_file(d, base));
      for (size_t i = 0; i + 8 <= idx.size(); i += 8) {
        int64_t off = base + load_be<int32_t>(idx.data() + i);
        uint32_t pos = load_be<uint32_t>(idx.data() + i + 4);
        if (pos == 0 && off == base) continue;  // zero-filled preallocated slot
        ASSERT_TRUE(base_at.contains(pos)) << "segment " << base << " entry " << i / 8 << " position " << pos;
        EXPECT_LE(base_at[pos], off) << "segment " << base << " entry " << i / 8;
        EXPECT_TRUE(lasts.contains(off)) << "segment " << base << " entry " << i / 8;
        EXPECT_LT(off, end);
      }
      bytes tidx = test::read_file(filenames::time_index_file(d, base));
      for (size_t i = 0; i + 12 <= tidx.size(); i += 12) {
        int64_t ts = load_be<int64_t>(tidx.data() + i);
        if (ts == 0) continue;  // zero-filled slot
        EXPECT_LT(base + load_be<int32_t>(tidx.data() + i + 8), end) << "segment " << base;
      }
    }
  }
};

int32_t rising_epoch(int i) { return i < 4 ? 1 : i < 9 ? 2 : 5; }

} // namespace

// ---------------------------------------------------------------------------------------------
// append_as_follower

TEST_F(replica_fixture, copies_a_leader_log_byte_for_byte_across_segments_and_epochs) {
  auto leader = open_at(leader_dir);
  ASSERT_TRUE(leader);
  for (int i = 0; i < 14; ++i) {
    ASSERT_TRUE(leader->append(shared_bytes(test::make_batch(1 + i % 4, 5000 + i, 40 + 7 * i)), rising_epoch(i)));
  }
  ASSERT_GE(leader->segment_count(), 3u);

  auto follower = open();
  ASSERT_TRUE(follower);
  // Fetch-sized pieces of several batches at a time, as a replica fetcher hands them over.
  while (follower->log_end_offset() < leader->log_end_offset()) {
    auto r = leader->read(follower->log_end_offset(), 700, INT64_MAX, true);
    ASSERT_TRUE(r);
    auto a = follower->append_as_follower(shared_bytes(r->records.linearize()));
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(a->first_offset, r->first_offset);
    EXPECT_EQ(follower->log_end_offset(), a->last_offset + 1);
  }
  EXPECT_EQ(follower->log_end_offset(), leader->log_end_offset());
  EXPECT_EQ(log_files(dir), log_files(leader_dir));  // same segment boundaries, same bytes
  EXPECT_EQ(follower->epoch_cache().entries(), leader->epoch_cache().entries());
  EXPECT_EQ(follower->epoch_cache().entries(),
            (std::vector<epoch_entry>{{1, 0}, {2, 1 + 2 + 3 + 4}, {5, 10 + 1 + 2 + 3 + 4 + 1}}));
  EXPECT_EQ(epoch_file(dir), follower->epoch_cache().entries());
  for (int64_t o = 0; o < leader->log_end_offset(); ++o) {
    EXPECT_EQ(follower->read(o, 1, INT64_MAX, true)->records.linearize(),
              leader->read(o, 1, INT64_MAX, true)->records.linearize());
  }
  EXPECT_EQ(follower->offset_for_timestamp(5007), leader->offset_for_timestamp(5007));
  follower->close();
  check_indexes(dir, leader->log_end_offset());
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->log_end_offset(), leader->log_end_offset());
}

TEST_F(replica_fixture, batch_by_batch_copy_has_the_leaders_indexes) {
  auto leader = open_at(leader_dir);
  ASSERT_TRUE(leader);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(leader->append(shared_bytes(test::make_batch(2, 100 + 3 * i, 60)), 4));
  auto follower = open();
  while (follower->log_end_offset() < leader->log_end_offset()) {
    auto r = leader->read(follower->log_end_offset(), 1, INT64_MAX, true);  // one batch each time
    ASSERT_TRUE(follower->append_as_follower(shared_bytes(r->records.linearize())));
  }
  leader->close();
  follower->close();
  for (int64_t base : segment_bases(leader_dir)) {
    EXPECT_EQ(test::read_file(filenames::offset_index_file(dir, base)),
              test::read_file(filenames::offset_index_file(leader_dir, base)));
    EXPECT_EQ(test::read_file(filenames::time_index_file(dir, base)),
              test::read_file(filenames::time_index_file(leader_dir, base)));
  }
  EXPECT_EQ(log_files(dir), log_files(leader_dir));
}

TEST_F(replica_fixture, rejects_bad_input_with_nothing_written) {
  auto log = open();
  ASSERT_TRUE(log);
  auto batches = fill(*log, 2);  // offsets 0-9
  const auto files_before = log_files(dir);
  const auto epochs_before = epoch_file(dir);
  auto expect_rejected = [&](const bytes& input, errc want) {
    auto r = log->append_as_follower(shared_bytes(input));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(want));
    EXPECT_EQ(log->log_end_offset(), 10);
    EXPECT_EQ(log_files(dir), files_before);
    EXPECT_EQ(epoch_file(dir), epochs_before);
  };

  bytes good = leader_batch(10, 3, 7);
  bytes corrupt = leader_batch(13, 3, 7);
  corrupt.back() ^= 0x01;  // a record byte: the CRC no longer matches
  bytes both = good;
  both.insert(both.end(), corrupt.begin(), corrupt.end());
  expect_rejected(both, errc::invalid_batch);
  bytes bad_crc_field = leader_batch(10, 3, 7);
  bad_crc_field[17] ^= 0xff;
  expect_rejected(bad_crc_field, errc::invalid_batch);

  expect_rejected(leader_batch(9, 3, 7), errc::offset_out_of_order);  // base below LEO
  expect_rejected(leader_batch(0, 1, 7), errc::offset_out_of_order);
  bytes overlapping = leader_batch(10, 3, 7);  // 10-12, then 12-13
  bytes second = leader_batch(12, 2, 7);
  overlapping.insert(overlapping.end(), second.begin(), second.end());
  expect_rejected(overlapping, errc::offset_out_of_order);
  bytes backwards = leader_batch(20, 3, 7);  // 20-22, then 11-12
  bytes earlier = leader_batch(11, 2, 7);
  backwards.insert(backwards.end(), earlier.begin(), earlier.end());
  expect_rejected(backwards, errc::offset_out_of_order);

  bytes torn = leader_batch(10, 3, 7);
  torn.resize(torn.size() - 1);
  expect_rejected(torn, errc::invalid_batch);
  expect_rejected(bytes(40, 0), errc::invalid_batch);
  expect_rejected(bytes{}, errc::invalid_batch);
  bytes wrong_magic = leader_batch(10, 3, 7);
  wrong_magic[16] = 1;
  expect_rejected(wrong_magic, errc::invalid_batch);

  EXPECT_EQ(read_all(*log), concat(batches, 2));
  auto ok = log->append_as_follower(shared_bytes(good));
  ASSERT_TRUE(ok);
  EXPECT_EQ(log->log_end_offset(), 13);
}

TEST_F(replica_fixture, accepts_gaps_and_writes_the_leaders_bytes_unchanged) {
  auto log = open();
  ASSERT_TRUE(log);
  bytes a = leader_batch(0, 5, 2);
  bytes b = leader_batch(10, 5, 2);  // 5-9 compacted away on the leader
  bytes c = leader_batch(40, 2, 6);
  bytes ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  auto r = log->append_as_follower(shared_bytes(ab));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->first_offset, 0);
  EXPECT_EQ(r->last_offset, 14);
  EXPECT_EQ(log->log_end_offset(), 15);
  ASSERT_TRUE(log->append_as_follower(shared_bytes(c)));
  EXPECT_EQ(log->log_end_offset(), 42);
  bytes all = ab;
  all.insert(all.end(), c.begin(), c.end());
  EXPECT_EQ(read_all(*log), all);
  EXPECT_EQ(log->read(7, SIZE_MAX, INT64_MAX, false)->first_offset, 10);
  EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{2, 0}, {6, 40}}));
  // A batch stamped with an older epoch than the latest adds no entry.
  ASSERT_TRUE(log->append_as_follower(shared_bytes(leader_batch(42, 1, 3))));
  EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{2, 0}, {6, 40}}));
  log.reset();  // crash
  auto again = open(recovery_hint{false, 0, -1});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->log_end_offset(), 43);
  EXPECT_EQ(again->epoch_cache().entries(), (std::vector<epoch_entry>{{2, 0}, {6, 40}}));
}

TEST_F(replica_fixture, a_fetch_larger_than_a_segment_is_spread_over_segments) {
  auto log = open();
  ASSERT_TRUE(log);
  bytes fetched;
  int64_t base = 0;
  for (int i = 0; i < 12; ++i) {
    bytes b = leader_batch(base, 3, 1, 80);
    fetched.insert(fetched.end(), b.begin(), b.end());
    base += 3;
  }
  ASSERT_GT(fetched.size(), static_cast<size_t>(2 * cfg.segment_bytes));
  auto r = log->append_as_follower(shared_bytes(fetched));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(log->log_end_offset(), 36);
  EXPECT_GE(log->segment_count(), 3u);
  for (const auto& [name, data] : log_files(dir)) EXPECT_LE(data.size(), static_cast<size_t>(cfg.segment_bytes));
  EXPECT_EQ(read_all(*log), fetched);
}

// ---------------------------------------------------------------------------------------------
// truncate_to

TEST_F(replica_fixture, truncate_inside_the_active_segment) {
  auto log = open();
  ASSERT_TRUE(log);
  auto batches = fill(*log, 12, rising_epoch);  // 60 offsets, several segments
  ASSERT_GE(log->segment_count(), 2u);
  const int64_t active_base = *segment_bases(dir).rbegin();
  // The last batch of the log, cut at its base.
  ASSERT_TRUE(log->truncate_to(55));
  EXPECT_EQ(log->log_end_offset(), 55);
  EXPECT_EQ(read_all(*log), concat(batches, 11));
  EXPECT_EQ(*segment_bases(dir).rbegin(), active_base);
  // Inside a batch: the whole batch goes.
  ASSERT_TRUE(log->truncate_to(52));
  EXPECT_EQ(log->log_end_offset(), 50);
  EXPECT_EQ(read_all(*log), concat(batches, 10));
  EXPECT_EQ(log->read(50, SIZE_MAX, INT64_MAX, false)->size, 0u);
  EXPECT_EQ(log->read(51, SIZE_MAX, INT64_MAX, false).error(), make_error_code(errc::offset_out_of_range));
  EXPECT_LE(log->recovery_point(), 50);
  EXPECT_FALSE(log->offset_for_timestamp(1000 + 55));  // the removed batches' timestamps
  ASSERT_TRUE(log->offset_for_timestamp(1000 + 45));
}

TEST_F(replica_fixture, truncate_at_a_segment_boundary_and_across_segments) {
  auto log = open();
  ASSERT_TRUE(log);
  auto batches = fill(*log, 14, rising_epoch);  // 70 offsets
  auto bases = segment_bases(dir);
  ASSERT_GE(bases.size(), 3u);
  const int64_t second = *std::next(bases.begin());
  const int64_t third = *std::next(bases.begin(), 2);

  // At the base of the third segment: that segment stays, empty; everything after it goes.
  ASSERT_TRUE(log->truncate_to(third));
  EXPECT_EQ(log->log_end_offset(), third);
  EXPECT_EQ(*segment_bases(dir).rbegin(), third);
  EXPECT_EQ(std::filesystem::file_size(filenames::log_file(dir, third)), 0u);
  EXPECT_EQ(read_all(*log), concat(batches, static_cast<size_t>(third / 5)));
  for (int64_t gone : bases) {
    if (gone <= third) continue;
    EXPECT_FALSE(std::filesystem::exists(filenames::log_file(dir, gone)));
    EXPECT_FALSE(std::filesystem::exists(filenames::offset_index_file(dir, gone)));
    EXPECT_FALSE(std::filesystem::exists(filenames::time_index_file(dir, gone)));
  }

  // Into the first segment: the sealed first segment becomes the active one again.
  ASSERT_TRUE(log->truncate_to(second - 5));
  EXPECT_EQ(log->log_end_offset(), second - 5);
  EXPECT_EQ(segment_bases(dir), (std::set<int64_t>{0}));
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(read_all(*log), concat(batches, static_cast<size_t>((second - 5) / 5)));
  for (const auto& e : epoch_file(dir)) EXPECT_LT(e.start_offset, log->log_end_offset());
  EXPECT_EQ(epoch_file(dir), log->epoch_cache().entries());

  // The log takes appends again at its new end, from a leader and as a leader.
  bytes next = leader_batch(log->log_end_offset(), 4, 9);
  ASSERT_TRUE(log->append_as_follower(shared_bytes(next)));
  auto own = log->append(shared_bytes(test::make_batch(3, 7000)), 10);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->first_offset, second - 5 + 4);
  EXPECT_EQ(log->log_end_offset(), second - 5 + 7);
  bytes expected = concat(batches, static_cast<size_t>((second - 5) / 5));
  expected.insert(expected.end(), next.begin(), next.end());
  bytes mine = test::stamped(test::make_batch(3, 7000), second - 5 + 4, 10);
  expected.insert(expected.end(), mine.begin(), mine.end());
  EXPECT_EQ(read_all(*log), expected);
  log->close();
  check_indexes(dir, second + 2);
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->log_end_offset(), second + 2);
  EXPECT_EQ(read_all(*again), expected);
}

TEST_F(replica_fixture, truncate_at_or_above_the_end_is_a_no_op) {
  auto log = open();
  auto batches = fill(*log, 3);
  const auto files = log_files(dir);
  ASSERT_TRUE(log->truncate_to(15));
  ASSERT_TRUE(log->truncate_to(100));
  EXPECT_EQ(log->log_end_offset(), 15);
  EXPECT_EQ(log_files(dir), files);
  EXPECT_EQ(read_all(*log), concat(batches, 3));
}

TEST_F(replica_fixture, truncate_at_the_end_drops_an_epoch_begun_there_without_records) {
  // This replica led epoch 9 briefly and wrote nothing; the new leader's answer (diverging at the
  // log end) must leave its latest epoch at the one its records carry.
  auto log = open();
  fill(*log, 3);
  const auto before = log->latest_epoch();
  ASSERT_TRUE(log->assign_epoch_at_end(9));
  ASSERT_EQ(log->latest_epoch(), 9);
  ASSERT_TRUE(log->truncate_to(log->log_end_offset()));
  EXPECT_EQ(log->latest_epoch(), before);
  EXPECT_EQ(log->log_end_offset(), 15);
  log.reset();
  EXPECT_EQ(open()->latest_epoch(), before);  // the checkpoint was rewritten
}

TEST_F(replica_fixture, truncate_below_the_log_start_starts_over) {
  auto log = open();
  fill(*log, 14, rising_epoch);
  EXPECT_EQ(log->maybe_increment_log_start_offset(30), 30);
  ASSERT_TRUE(log->truncate_to(20));
  EXPECT_EQ(log->log_start_offset(), 20);
  EXPECT_EQ(log->log_end_offset(), 20);
  EXPECT_EQ(log->recovery_point(), 20);
  EXPECT_EQ(segment_bases(dir), (std::set<int64_t>{20}));
  EXPECT_TRUE(log->epoch_cache().entries().empty());
  EXPECT_TRUE(epoch_file(dir).empty());
  bytes next = leader_batch(20, 2, 6);
  ASSERT_TRUE(log->append_as_follower(shared_bytes(next)));
  EXPECT_EQ(read_all(*log), next);
}

TEST_F(replica_fixture, truncate_inside_a_batch_that_begins_below_the_log_start) {
  auto log = open();
  fill(*log, 6);  // batches at 0, 5, 10, ...
  EXPECT_EQ(log->maybe_increment_log_start_offset(12), 12);
  ASSERT_TRUE(log->truncate_to(13));  // the batch 10-14 holds 13 and starts below 12
  EXPECT_EQ(log->log_start_offset(), 12);
  EXPECT_EQ(log->log_end_offset(), 12);
  EXPECT_EQ(read_all(*log), bytes{});
}

TEST_F(replica_fixture, truncate_inside_a_gap_keeps_the_requested_end) {
  auto log = open();
  bytes a = leader_batch(0, 5, 2);
  bytes b = leader_batch(10, 5, 2);
  bytes c = leader_batch(20, 5, 3);
  for (const bytes* x : {&a, &b, &c}) ASSERT_TRUE(log->append_as_follower(shared_bytes(*x)));
  ASSERT_TRUE(log->truncate_to(7));
  EXPECT_EQ(log->log_end_offset(), 7);
  EXPECT_EQ(read_all(*log), a);
  EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{2, 0}}));
  bytes d = leader_batch(7, 2, 4);
  ASSERT_TRUE(log->append_as_follower(shared_bytes(d)));
  bytes ad = a;
  ad.insert(ad.end(), d.begin(), d.end());
  EXPECT_EQ(read_all(*log), ad);
}

TEST_F(replica_fixture, reopen_after_truncation_clean_and_after_a_crash) {
  for (bool crash : {false, true}) {
    for (int64_t checkpoint : {int64_t{0}, int64_t{70}}) {
      SCOPED_TRACE(std::string(crash ? "crash" : "clean") + " recovery point " + std::to_string(checkpoint));
      std::filesystem::remove_all(dir);
      std::vector<stored_batch> batches;
      int64_t cut = 0;
      {
        auto log = open();
        ASSERT_TRUE(log);
        batches = fill(*log, 14, rising_epoch);
        auto bases = segment_bases(dir);
        ASSERT_GE(bases.size(), 3u);
        cut = *std::next(bases.begin()) + 5;  // inside the second segment, a batch base
        ASSERT_TRUE(log->truncate_to(cut + 2));
        ASSERT_EQ(log->log_end_offset(), cut);
        for (const auto& e : epoch_file(dir)) EXPECT_LT(e.start_offset, cut);  // before any reopen trims it
        if (!crash) log->close();
      }
      recovery_hint hint;
      hint.clean_shutdown = !crash;
      hint.recovery_point = crash ? checkpoint : cut;
      auto log = open(hint);
      ASSERT_TRUE(log);
      EXPECT_EQ(log->log_end_offset(), cut);
      EXPECT_EQ(read_all(*log), concat(batches, static_cast<size_t>(cut / 5)));
      std::vector<epoch_entry> want;
      for (const auto& e : std::vector<epoch_entry>{{1, 0}, {2, 20}, {5, 45}}) {
        if (e.start_offset < cut) want.push_back(e);
      }
      EXPECT_EQ(log->epoch_cache().entries(), want);
      EXPECT_EQ(epoch_file(dir), want);
      // ... and continues from there.
      ASSERT_TRUE(log->append_as_follower(shared_bytes(leader_batch(cut, 5, 8))));
      EXPECT_EQ(log->log_end_offset(), cut + 5);
      log->close();
      check_indexes(dir, cut + 5);
    }
  }
}

TEST_F(replica_fixture, truncate_a_lazily_opened_sealed_segment_then_crash) {
  std::vector<stored_batch> batches;
  {
    auto log = open();
    batches = fill(*log, 14, rising_epoch);
    log->close();
  }
  auto bases = segment_bases(dir);
  ASSERT_GE(bases.size(), 3u);
  const int64_t cut = *std::next(bases.begin()) + 5;
  {
    auto log = open();  // clean: the sealed segments are opened lazily
    ASSERT_TRUE(log);
    ASSERT_TRUE(log->truncate_to(cut));
    bytes more;
    for (int i = 0; i < 6; ++i) {
      bytes b = leader_batch(cut + 5 * i, 5, 9);
      ASSERT_TRUE(log->append_as_follower(shared_bytes(b)));
      more.insert(more.end(), b.begin(), b.end());
    }
    bytes want = concat(batches, static_cast<size_t>(cut / 5));
    want.insert(want.end(), more.begin(), more.end());
    EXPECT_EQ(read_all(*log), want);
    for (int64_t o = 0; o < log->log_end_offset(); ++o) {
      auto r = log->read(o, 1, INT64_MAX, true);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->first_offset, o / 5 * 5);
    }
    // crash: no close()
  }
  auto log = open(recovery_hint{false, 0, -1});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), cut + 30);
  EXPECT_EQ(log->epoch_cache().entries().back(), (epoch_entry{9, cut}));
  log->close();
  check_indexes(dir, cut + 30);
}

TEST_F(replica_fixture, truncate_a_preallocated_active_segment_then_crash) {
  cfg.preallocate = true;
  std::vector<stored_batch> batches;
  {
    auto log = open();
    batches = fill(*log, 3);
    ASSERT_TRUE(log->truncate_to(5));
    EXPECT_EQ(log->log_end_offset(), 5);
  }
  auto log = open(recovery_hint{false, 15, -1});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 5);
  EXPECT_EQ(read_all(*log), concat(batches, 1));
}

// ---------------------------------------------------------------------------------------------
// truncate_fully_and_start_at

TEST_F(replica_fixture, truncate_fully_and_start_at_then_append) {
  auto log = open();
  fill(*log, 14, rising_epoch);
  ASSERT_TRUE(log->truncate_fully_and_start_at(500));
  EXPECT_EQ(log->log_start_offset(), 500);
  EXPECT_EQ(log->log_end_offset(), 500);
  EXPECT_EQ(log->recovery_point(), 500);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(segment_bases(dir), (std::set<int64_t>{500}));
  EXPECT_TRUE(epoch_file(dir).empty());
  EXPECT_EQ(log->read(499, 100, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));

  bytes b = leader_batch(500, 4, 7);
  ASSERT_TRUE(log->append_as_follower(shared_bytes(b)));
  auto own = log->append(shared_bytes(test::make_batch(2, 9000)), 8);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->first_offset, 504);
  EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{7, 500}, {8, 504}}));
  bytes want = b;
  bytes mine = test::stamped(test::make_batch(2, 9000), 504, 8);
  want.insert(want.end(), mine.begin(), mine.end());
  EXPECT_EQ(read_all(*log), want);
  log.reset();  // crash
  auto again = open(recovery_hint{false, 500, 500});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->log_start_offset(), 500);
  EXPECT_EQ(again->log_end_offset(), 506);
  EXPECT_EQ(read_all(*again), want);
  EXPECT_EQ(again->truncate_fully_and_start_at(-1).error(), std::make_error_code(std::errc::invalid_argument));
}

TEST_F(replica_fixture, closed_log_refuses_follower_operations) {
  auto log = open();
  fill(*log, 1);
  log->close();
  EXPECT_EQ(log->append_as_follower(shared_bytes(leader_batch(5, 1, 1))).error(), make_error_code(errc::log_closed));
  EXPECT_EQ(log->truncate_to(0).error(), make_error_code(errc::log_closed));
  EXPECT_EQ(log->truncate_fully_and_start_at(0).error(), make_error_code(errc::log_closed));
}
