// Frames and headers, including the worked bytes of WIRE-PROTOCOL-NOTES §4.
#include <gtest/gtest.h>

#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/controlled_shutdown.h"
#include "gregor/protocol/messages/metadata.h"

namespace gregor::protocol {
namespace {

bytes from_hex(std::string_view hex) {
  bytes out;
  int hi = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) ADD_FAILURE() << "bad hex";
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

TEST(framing, api_versions_v0_request_worked_bytes) {
  const bytes expected = from_hex("0000000b 0012 0000 00000001 0001 61");
  request_header h{18, 0, 1, "a"};
  iobuf frame = encode_request_frame(h, api_versions_request{});
  EXPECT_EQ(frame.linearize(), expected);

  reader r(shared_bytes(expected).slice(4, expected.size() - 4));
  request_header parsed;
  ASSERT_TRUE(decode_request_header(r, parsed)) << r.error();
  EXPECT_EQ(parsed, h);
  api_versions_request body;
  EXPECT_TRUE(body.decode(r, 0));
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(framing, unsupported_version_reply_worked_bytes) {
  const bytes expected = from_hex("00000010 00000001 0023 00000001 0012 0000 0003");
  api_versions_response resp;
  resp.error_code = 35;
  resp.api_keys.push_back({18, 0, 3});
  // Reply in v0 format whatever version the client asked for.
  iobuf frame = encode_response_frame(1, 18, 0, resp);
  EXPECT_EQ(frame.linearize(), expected);

  reader r(shared_bytes(expected).slice(4, expected.size() - 4));
  int32_t correlation = 0;
  ASSERT_TRUE(decode_response_header(r, 18, 0, correlation));
  EXPECT_EQ(correlation, 1);
  api_versions_response back;
  ASSERT_TRUE(back.decode(r, 0));
  EXPECT_EQ(back, resp);
}

TEST(framing, header_of_an_unknown_api_versions_version_parses) {
  // ApiVersions v9 (beyond anything we know): header v2 with a classic client_id and a tagged
  // section holding one unknown field, then a body we must not need to parse.
  const bytes wire = from_hex("0012 0009 0000002a 0003 616263 01 05 02 ffff ee");
  reader r{shared_bytes(wire)};
  request_header h;
  ASSERT_TRUE(decode_request_header(r, h)) << r.error();
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.api_version, 9);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(h.client_id, "abc");
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(framing, null_client_id_and_header_v0) {
  const bytes v1 = from_hex("0003 0001 00000007 ffff");
  reader r1{shared_bytes(v1)};
  request_header h1;
  ASSERT_TRUE(decode_request_header(r1, h1));
  EXPECT_FALSE(h1.client_id.has_value());

  // ControlledShutdown v0 has no client_id at all.
  const bytes v0 = from_hex("0007 0000 00000007 00000005");
  reader r0{shared_bytes(v0)};
  request_header h0;
  ASSERT_TRUE(decode_request_header(r0, h0));
  EXPECT_FALSE(h0.client_id.has_value());
  controlled_shutdown_request body;
  ASSERT_TRUE(body.decode(r0, 0));
  EXPECT_EQ(body.broker_id, 5);
}

TEST(framing, truncated_header_fails) {
  const bytes wire = from_hex("0012 0003 000000");
  reader r{shared_bytes(wire)};
  request_header h;
  EXPECT_FALSE(decode_request_header(r, h));
  const bytes wire2 = from_hex("0012 0003 00000001 0005 61");  // client_id claims 5 bytes
  reader r2{shared_bytes(wire2)};
  EXPECT_FALSE(decode_request_header(r2, h));
}

bytes body_bytes(const auto& msg, int16_t version) {
  iobuf out;
  writer w(out);
  msg.encode(w, version);
  return out.linearize();
}

TEST(framing, flexible_response_header_has_tagged_section) {
  metadata_response resp;
  resp.cluster_id = "c";
  const bytes flex = encode_response_frame(9, 3, 9, resp).linearize();
  const bytes body9 = body_bytes(resp, 9);
  ASSERT_EQ(flex.size(), 4u + 4u + 1u + body9.size());
  EXPECT_EQ(flex[3], flex.size() - 4);
  EXPECT_EQ(flex[7], 9);
  EXPECT_EQ(flex[8], 0x00);  // empty tagged section of response header v1
  EXPECT_EQ(bytes(flex.begin() + 9, flex.end()), body9);

  const bytes classic = encode_response_frame(9, 3, 8, resp).linearize();
  EXPECT_EQ(classic.size(), 4u + 4u + body_bytes(resp, 8).size());

  // ApiVersions v3 is flexible but its response header stays v0.
  api_versions_response av;
  const bytes av3 = encode_response_frame(9, 18, 3, av).linearize();
  EXPECT_EQ(av3.size(), 4u + 4u + body_bytes(av, 3).size());
}

} // namespace
} // namespace gregor::protocol
