#pragma once
// Per-API version negotiation (CLIENT-API-VERSIONS §2, WIRE-PROTOCOL-NOTES §4): a request goes out
// at min(our max, broker max), provided the two ranges overlap. One table per connection, filled
// from that broker's ApiVersions response. Value type; not thread-safe to mutate.

#include <cstdint>
#include <map>
#include <optional>

#include "gregor/protocol/messages/api_versions.h"

namespace gregor::client {

struct version_range {
  int16_t min = 0;
  int16_t max = 0;
  friend bool operator==(const version_range&, const version_range&) = default;
};

// The versions this client builds and reads, per API key; nullopt for APIs it never sends.
// Some are capped below what the codecs could do, for semantic reasons:
//  Metadata >= 1 (null topic list = all topics, controller_id), Produce >= 3 (RecordBatch v2 only),
//  ListOffsets >= 1 (one offset per partition), Fetch <= 12 (v13+ names topics by id),
//  OffsetCommit/OffsetFetch <= 8 (v9 carries the member epoch of KIP-848 consumer groups).
std::optional<version_range> client_range(int16_t api_key);

class api_version_table {
public:
  api_version_table() = default;
  // The broker's advertised ranges (entries with min > max are ignored).
  static api_version_table from_response(const protocol::api_versions_response& r);

  void set(int16_t api_key, version_range broker);
  // What the broker advertised for the key; nullopt if it did not list it.
  std::optional<version_range> broker_range(int16_t api_key) const;
  // Highest version both sides support; nullopt if the broker lacks the API or the ranges do not
  // overlap.
  std::optional<int16_t> negotiate(int16_t api_key, version_range ours) const;
  // negotiate() with client_range(api_key).
  std::optional<int16_t> negotiate(int16_t api_key) const;

  bool empty() const { return _ranges.empty(); }

private:
  std::map<int16_t, version_range> _ranges;
};

// The version to retry ApiVersions with after the broker answered version `sent` with
// UNSUPPORTED_VERSION: min(sent - 1, the ApiVersions max listed in the reply) when the reply lists
// key 18, else 0. nullopt when `sent` was already 0 (nothing left to try).
std::optional<int16_t> api_versions_retry_version(int16_t sent, const protocol::api_versions_response& reply);

} // namespace gregor::client
