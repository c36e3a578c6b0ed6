#include "gregor/log/errc.h"

#include <string>

namespace gregor::log {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gregor.log"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
    case errc::offset_out_of_range: return "offset out of range";
    case errc::invalid_batch: return "not a sequence of complete magic-2 record batches";
    case errc::batch_too_large: return "append larger than segment.bytes";
    case errc::message_too_large: return "batch larger than max.message.bytes";
    case errc::offset_overflow: return "offsets do not fit a segment's relative offsets";
    case errc::corrupt_log: return "corrupt log segment";
    case errc::corrupt_index: return "corrupt index file";
    case errc::index_full: return "index full";
    case errc::log_closed: return "log closed";
    case errc::log_dir_locked: return "log dir locked by another process";
    case errc::meta_properties_mismatch: return "meta.properties does not match this broker";
    case errc::meta_properties_invalid: return "meta.properties invalid";
    case errc::invalid_partition_dir: return "directory name is not <topic>-<partition>";
    case errc::duplicate_partition: return "partition found in more than one log dir";
    case errc::invalid_checkpoint: return "invalid checkpoint file";
    case errc::invalid_topic_name: return "invalid topic name";
    case errc::unknown_partition: return "unknown partition";
    case errc::not_started: return "log manager not started";
    case errc::offset_out_of_order: return "follower append offsets do not continue the log";
    case errc::out_of_order_sequence: return "producer sequence out of order";
    case errc::invalid_producer_epoch: return "producer epoch older than the partition's";
    case errc::invalid_txn_state: return "non-transactional write during the producer's transaction";
    case errc::coordinator_fenced: return "transaction marker from an older coordinator";
    case errc::corrupt_producer_state: return "corrupt producer snapshot or transaction index";
    }
    return "unknown log error " + std::to_string(value);
  }
};

} // namespace

const std::error_category& log_category() {
  static const category instance;
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), log_category()}; }

} // namespace gregor::log
