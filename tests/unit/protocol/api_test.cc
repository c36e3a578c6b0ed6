// The api table and header-version rules.
#include <gtest/gtest.h>

#include <set>

#include "gregor/protocol/api.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/protocol/reader.h"

namespace gregor::protocol {
namespace {

TEST(api, table_is_sorted_and_complete) {
  auto apis = all_apis();
  EXPECT_EQ(apis.size(), 62u);  // every request schema listing the zkBroker listener
  std::set<int16_t> keys;
  for (size_t i = 0; i < apis.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(apis[i - 1].key, apis[i].key);
    }
    keys.insert(apis[i].key);
    EXPECT_EQ(find_api(apis[i].key), &apis[i]);
    EXPECT_LE(apis[i].min_version, apis[i].max_version);
  }
  for (int16_t k : {52, 53, 54, 55, 59, 62, 63, 64, 70, 1000, -1}) {
    EXPECT_EQ(find_api(k), nullptr) << k;
  }
}

TEST(api, enum_matches_table) {
  const std::pair<api_key, std::string_view> expected[] = {
      {api_key::produce, "Produce"},
      {api_key::fetch, "Fetch"},
      {api_key::list_offsets, "ListOffsets"},
      {api_key::metadata, "Metadata"},
      {api_key::leader_and_isr, "LeaderAndIsr"},
      {api_key::stop_replica, "StopReplica"},
      {api_key::update_metadata, "UpdateMetadata"},
      {api_key::controlled_shutdown, "ControlledShutdown"},
      {api_key::offset_commit, "OffsetCommit"},
      {api_key::api_versions, "ApiVersions"},
      {api_key::create_topics, "CreateTopics"},
      {api_key::delete_topics, "DeleteTopics"},
      {api_key::sasl_handshake, "SaslHandshake"},
      {api_key::describe_cluster, "DescribeCluster"},
      {api_key::consumer_group_describe, "ConsumerGroupDescribe"},
      {api_key::allocate_producer_ids, "AllocateProducerIds"},
  };
  for (const auto& [key, name] : expected) {
    const api_descriptor* api = find_api(static_cast<int16_t>(key));
    ASSERT_NE(api, nullptr) << name;
    EXPECT_EQ(api->name, name);
  }
  EXPECT_EQ(static_cast<int16_t>(api_key::api_versions), 18);
  EXPECT_EQ(static_cast<int16_t>(api_key::offset_commit), 8);
  const api_descriptor* fetch = find_api(1);
  EXPECT_EQ(fetch->min_version, 0);
  EXPECT_EQ(fetch->max_version, 17);
  EXPECT_EQ(fetch->first_flexible_version, 12);
  EXPECT_EQ(fetch->max_version, fetch_request::max_version);
  EXPECT_EQ(find_api(47)->first_flexible_version, -1);  // OffsetDelete is never flexible
}

TEST(api, request_header_versions) {
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(0, 9), 2);
  EXPECT_EQ(request_header_version(7, 0), 0);  // ControlledShutdown v0
  EXPECT_EQ(request_header_version(7, 1), 1);
  EXPECT_EQ(request_header_version(7, 3), 2);
  EXPECT_EQ(request_header_version(18, 2), 1);
  EXPECT_EQ(request_header_version(18, 3), 2);
  EXPECT_EQ(request_header_version(18, 77), 2);  // unknown newer ApiVersions
  EXPECT_EQ(request_header_version(17, 1), 1);   // SaslHandshake is never flexible
  EXPECT_EQ(request_header_version(999, 5), 1);  // unknown key
}

TEST(api, response_header_versions) {
  EXPECT_EQ(response_header_version(0, 8), 0);
  EXPECT_EQ(response_header_version(0, 9), 1);
  EXPECT_EQ(response_header_version(18, 0), 0);
  EXPECT_EQ(response_header_version(18, 3), 0);  // ApiVersions: always 0
  EXPECT_EQ(response_header_version(18, 4), 0);
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(3, 8), 0);
}

TEST(api, decode_request_body_rejects_unknown_and_malformed) {
  reader empty{shared_bytes(bytes{})};
  EXPECT_FALSE(decode_request_body(999, 0, empty));
  reader r2{shared_bytes(bytes{})};
  EXPECT_TRUE(decode_request_body(18, 0, r2));  // ApiVersions v0 has an empty body
  reader r3{shared_bytes(bytes{})};
  EXPECT_FALSE(decode_request_body(18, 99, r3));  // version we do not know
  reader r4{shared_bytes(bytes{0, 1})};
  EXPECT_FALSE(decode_request_body(0, 0, r4));  // truncated produce
}

} // namespace
} // namespace gregor::protocol
