#include "gregor/log/log_manager.h"

#include <gtest/gtest.h>

#include "gregor/log/checkpoint_file.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/meta_properties.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

struct manager_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path d1 = tmp.path() / "logs1";
  std::filesystem::path d2 = tmp.path() / "logs2";
};

} // namespace

TEST_F(manager_fixture, startup_writes_meta_properties_and_takes_the_lock) {
  log_manager mgr({d1, d2}, {}, clk);
  ASSERT_TRUE(mgr.startup(1, "MkU3OEVBNTcwNTJENDM2Qg")) << mgr.last_error();
  for (const auto& d : {d1, d2}) {
    EXPECT_TRUE(std::filesystem::exists(d / ".lock"));
    std::string text = test::read_text(d / "meta.properties");
    EXPECT_TRUE(text.starts_with("#\n#")) << text;
    EXPECT_NE(text.find("\nversion=0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nbroker.id=1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n"), std::string::npos) << text;
    EXPECT_TRUE(mgr.had_clean_shutdown(d));  // nothing in a new dir could have been lost
  }

  log_manager second({d2}, {}, clk);
  auto r = second.startup(1, "MkU3OEVBNTcwNTJENDM2Qg");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::log_dir_locked));
  EXPECT_NE(second.last_error().find(d2.string()), std::string::npos) << second.last_error();

  mgr.shutdown();
  EXPECT_TRUE(second.startup(1, "MkU3OEVBNTcwNTJENDM2Qg")) << second.last_error();
}

TEST_F(manager_fixture, meta_properties_mismatch_fails_naming_the_dir) {
  {
    log_manager mgr({d1}, {}, clk);
    ASSERT_TRUE(mgr.startup(1, "cluster-a"));
  }
  {
    log_manager mgr({d1}, {}, clk);
    auto r = mgr.startup(2, "cluster-a");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::meta_properties_mismatch));
    EXPECT_NE(mgr.last_error().find(d1.string()), std::string::npos) << mgr.last_error();
    EXPECT_NE(mgr.last_error().find("broker.id"), std::string::npos) << mgr.last_error();
  }
  {
    log_manager mgr({d1}, {}, clk);
    auto r = mgr.startup(1, "cluster-b");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::meta_properties_mismatch));
    EXPECT_NE(mgr.last_error().find("cluster.id"), std::string::npos) << mgr.last_error();
  }
  // A failed startup released its lock.
  log_manager mgr({d1}, {}, clk);
  EXPECT_TRUE(mgr.startup(1, "cluster-a")) << mgr.last_error();
}

TEST_F(manager_fixture, new_partitions_go_to_the_emptiest_dir) {
  log_manager mgr({d1, d2}, {}, clk);
  ASSERT_TRUE(mgr.startup(1, "c"));
  for (int p = 0; p < 5; ++p) {
    auto log = mgr.get_or_create({"orders", p}, {});
    ASSERT_TRUE(log) << mgr.last_error();
  }
  EXPECT_EQ(mgr.dir_of({"orders", 0}), d1);
  EXPECT_EQ(mgr.dir_of({"orders", 1}), d2);
  EXPECT_EQ(mgr.dir_of({"orders", 2}), d1);
  EXPECT_EQ(mgr.dir_of({"orders", 3}), d2);
  EXPECT_TRUE(std::filesystem::is_directory(d2 / "orders-3"));
  EXPECT_EQ(mgr.partitions().size(), 5u);
  auto again = mgr.get_or_create({"orders", 1}, {});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, mgr.get({"orders", 1}));
  EXPECT_EQ(mgr.get({"orders", 9}), nullptr);
  EXPECT_EQ(mgr.get_or_create({"bad topic", 0}, {}).error(), make_error_code(errc::invalid_topic_name));

  ASSERT_TRUE(mgr.remove({"orders", 1}));
  EXPECT_FALSE(std::filesystem::exists(d2 / "orders-1"));
  EXPECT_EQ(mgr.get({"orders", 1}), nullptr);
  EXPECT_EQ(mgr.remove({"orders", 1}).error(), make_error_code(errc::unknown_partition));
}

TEST_F(manager_fixture, clean_shutdown_writes_checkpoints_and_marker_and_restart_reloads) {
  bytes stored;
  {
    log_manager mgr({d1, d2}, {}, clk);
    ASSERT_TRUE(mgr.startup(7, "c"));
    auto a = mgr.get_or_create({"orders", 0}, {});
    auto b = mgr.get_or_create({"orders", 1}, {});
    ASSERT_TRUE(a && b);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(2, i)), 0));
    ASSERT_TRUE((*b)->append(shared_bytes(test::make_batch(4, 9)), 0));
    (*a)->maybe_increment_log_start_offset(2);
    stored = (*a)->read(2, SIZE_MAX, INT64_MAX, false)->records.linearize();
    mgr.shutdown();
    mgr.shutdown();  // idempotent
  }
  EXPECT_TRUE(std::filesystem::exists(d1 / ".kafka_cleanshutdown"));
  EXPECT_EQ(std::filesystem::file_size(d1 / ".kafka_cleanshutdown"), 0u);
  EXPECT_EQ(test::read_text(d1 / "recovery-point-offset-checkpoint"), "0\n1\norders 0 6\n");
  EXPECT_EQ(test::read_text(d2 / "recovery-point-offset-checkpoint"), "0\n1\norders 1 4\n");
  EXPECT_EQ(test::read_text(d1 / "log-start-offset-checkpoint"), "0\n1\norders 0 2\n");
  EXPECT_EQ(test::read_text(d2 / "log-start-offset-checkpoint"), "0\n0\n");
  EXPECT_EQ(std::filesystem::file_size(d1 / "orders-0" / "00000000000000000000.index"), 0u);  // trimmed

  log_manager mgr({d1, d2}, {}, clk);
  ASSERT_TRUE(mgr.startup(7, "c")) << mgr.last_error();
  EXPECT_TRUE(mgr.had_clean_shutdown(d1));
  EXPECT_FALSE(std::filesystem::exists(d1 / ".kafka_cleanshutdown"));
  auto* a = mgr.get({"orders", 0});
  auto* b = mgr.get({"orders", 1});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->log_end_offset(), 6);
  EXPECT_EQ(a->log_start_offset(), 2);
  EXPECT_EQ(b->log_end_offset(), 4);
  EXPECT_EQ(mgr.dir_of({"orders", 1}), d2);
  EXPECT_EQ(a->read(2, SIZE_MAX, INT64_MAX, false)->records.linearize(), stored);
}

TEST_F(manager_fixture, startup_removes_delete_dirs_and_rejects_foreign_dirs) {
  std::filesystem::create_directories(d1 / "orders-1.3c1f0e9b6ad24d5b8f3e1a2b3c4d5e6f-delete");
  test::append_to_file(d1 / "orders-1.3c1f0e9b6ad24d5b8f3e1a2b3c4d5e6f-delete" / "00000000000000000000.log", bytes(5, 0));
  {
    log_manager mgr({d1}, {}, clk);
    ASSERT_TRUE(mgr.startup(1, "c")) << mgr.last_error();
    EXPECT_FALSE(std::filesystem::exists(d1 / "orders-1.3c1f0e9b6ad24d5b8f3e1a2b3c4d5e6f-delete"));
    EXPECT_TRUE(mgr.partitions().empty());
  }
  std::filesystem::create_directories(d1 / "lost+found");
  log_manager mgr({d1}, {}, clk);
  auto r = mgr.startup(1, "c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::invalid_partition_dir));
  EXPECT_NE(mgr.last_error().find("lost+found"), std::string::npos) << mgr.last_error();
}

TEST_F(manager_fixture, same_partition_in_two_dirs_is_an_error) {
  std::filesystem::create_directories(d1 / "orders-0");
  std::filesystem::create_directories(d2 / "orders-0");
  log_manager mgr({d1, d2}, {}, clk);
  auto r = mgr.startup(1, "c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::duplicate_partition));
}

TEST_F(manager_fixture, calls_before_startup_fail) {
  log_manager mgr({d1}, {}, clk);
  EXPECT_EQ(mgr.get_or_create({"t", 0}, {}).error(), make_error_code(errc::not_started));
  EXPECT_EQ(mgr.get({"t", 0}), nullptr);
}

TEST_F(manager_fixture, periodic_checkpoints_and_unclean_restart_recover_from_the_recovery_point) {
  log_config small;
  small.segment_bytes = 300;
  bytes kept;
  {
    log_manager mgr({d1}, small, clk);
    ASSERT_TRUE(mgr.startup(7, "c"));
    auto a = mgr.get_or_create({"orders", 0}, small);
    ASSERT_TRUE(a);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(1, i, 150)), 2));
    ASSERT_TRUE((*a)->flush());
    (*a)->maybe_increment_log_start_offset(1);
    mgr.note_offsets({"orders", 0}, (*a)->recovery_point(), (*a)->log_start_offset(), (*a)->first_segment_base_offset());
    mgr.note_high_watermark({"orders", 0}, 5);
    mgr.note_high_watermark({"unknown", 0}, 5);  // ignored
    ASSERT_TRUE(mgr.write_checkpoints());
    EXPECT_EQ(test::read_text(d1 / "recovery-point-offset-checkpoint"), "0\n1\norders 0 6\n");
    EXPECT_EQ(test::read_text(d1 / "log-start-offset-checkpoint"), "0\n1\norders 0 1\n");
    EXPECT_EQ(test::read_text(d1 / "replication-offset-checkpoint"), "0\n1\norders 0 5\n");
    EXPECT_EQ(test::read_text(d1 / "orders-0" / "leader-epoch-checkpoint"), "0\n1\n2 1\n");
    ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(1, 7, 150)), 3));
    ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(1, 8, 150)), 3));
    kept = (*a)->read(1, SIZE_MAX, INT64_MAX, false)->records.linearize();
    mgr.shutdown();
  }
  // Make it look like a crash after the periodic checkpoint: no marker, the checkpointed recovery
  // point and epochs as they were then, and a torn batch at the end of the active segment.
  std::filesystem::remove(d1 / ".kafka_cleanshutdown");
  ASSERT_TRUE(write_offset_checkpoint(d1 / "recovery-point-offset-checkpoint", {{{"orders", 0}, 6}}));
  ASSERT_TRUE(write_offset_checkpoint(d1 / "replication-offset-checkpoint", {{{"orders", 0}, 50}}));
  ASSERT_TRUE(checkpoint_file(d1 / "orders-0" / "leader-epoch-checkpoint", 0).write_lines({"2 1"}));
  bytes torn = test::stamped(test::make_batch(3, 9, 40), 8, 3);
  torn.resize(torn.size() - 5);
  test::append_to_file(d1 / "orders-0" / "00000000000000000007.log", torn);

  log_manager mgr({d1}, small, clk);
  ASSERT_TRUE(mgr.startup(7, "c")) << mgr.last_error();
  EXPECT_FALSE(mgr.had_clean_shutdown(d1));
  auto* a = mgr.get({"orders", 0});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->log_end_offset(), 8);
  EXPECT_EQ(a->log_start_offset(), 1);
  EXPECT_EQ(a->recovery_point(), 6);  // recovered data is not known to be on disk
  EXPECT_EQ(a->read(1, SIZE_MAX, INT64_MAX, false)->records.linearize(), kept);
  EXPECT_EQ(a->epoch_cache().entries(), (std::vector<epoch_entry>{{2, 1}, {3, 6}}));
  EXPECT_EQ(mgr.checkpointed_high_watermark({"orders", 0}), 8);  // clamped to the log end
  EXPECT_FALSE(mgr.checkpointed_high_watermark({"orders", 1}));
  // Until a partition notes new values, the loaded ones are what the checkpoints say.
  ASSERT_TRUE(mgr.write_checkpoints());
  EXPECT_EQ(test::read_text(d1 / "recovery-point-offset-checkpoint"), "0\n1\norders 0 6\n");
  EXPECT_EQ(test::read_text(d1 / "replication-offset-checkpoint"), "0\n1\norders 0 8\n");
}

TEST_F(manager_fixture, malformed_checkpoints_mean_full_recovery_not_failure) {
  {
    log_manager mgr({d1}, {}, clk);
    ASSERT_TRUE(mgr.startup(7, "c"));
    auto a = mgr.get_or_create({"orders", 0}, {});
    ASSERT_TRUE(a);
    ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(2, 1)), 0));
    mgr.shutdown();
  }
  std::filesystem::remove(d1 / ".kafka_cleanshutdown");
  test::append_to_file(d1 / "recovery-point-offset-checkpoint", as_bytes("junk\n"));
  test::append_to_file(d1 / "replication-offset-checkpoint", as_bytes("junk\n"));
  log_manager mgr({d1}, {}, clk);
  ASSERT_TRUE(mgr.startup(7, "c")) << mgr.last_error();
  EXPECT_EQ(mgr.get({"orders", 0})->log_end_offset(), 2);
  EXPECT_EQ(mgr.get({"orders", 0})->recovery_point(), 0);
}

TEST_F(manager_fixture, unreadable_segment_fails_startup_naming_dir_and_file) {
  {
    log_manager mgr({d1}, {}, clk);
    ASSERT_TRUE(mgr.startup(7, "c"));
    auto a = mgr.get_or_create({"orders", 0}, {});
    ASSERT_TRUE(a);
    ASSERT_TRUE((*a)->append(shared_bytes(test::make_batch(2, 1)), 0));
    mgr.shutdown();
  }
  // An index that cannot be opened (a directory in its place; permissions do not stop root).
  auto idx = d1 / "orders-0" / "00000000000000000000.index";
  std::filesystem::remove(idx);
  std::filesystem::create_directory(idx);
  log_manager mgr({d1}, {}, clk);
  EXPECT_FALSE(mgr.startup(7, "c"));
  auto why = mgr.last_error();
  EXPECT_NE(why.find("log dir " + d1.string()), std::string::npos) << why;
  EXPECT_NE(why.find("orders-0/00000000000000000000.{log,index,timeindex}"), std::string::npos) << why;
  EXPECT_EQ(mgr.get({"orders", 0}), nullptr);
}
