#include "transactions_format.h"

#include <algorithm>

namespace gregor::tools {

std::string format_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  };
  measure(headers);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto print = [&out, &widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i < widths.size() && row[i].size() < widths[i]) out.append(widths[i] - row[i].size(), ' ');
      out += '\t';
    }
    out += '\n';
  };
  print(headers);
  for (const auto& r : rows) print(r);
  return out;
}

std::vector<std::string> list_transactions_headers() {
  return {"TransactionalId", "Coordinator", "ProducerId", "TransactionState"};
}

std::vector<std::string> describe_transaction_headers() {
  return {"CoordinatorId",          "TransactionalId",
          "ProducerId",             "ProducerEpoch",
          "TransactionState",       "TransactionTimeoutMs",
          "CurrentTransactionStartTimeMs", "TransactionDurationMs",
          "TopicPartitions"};
}

std::vector<std::string> describe_producers_headers() {
  return {"ProducerId",   "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence",
          "LastTimestamp", "CurrentTransactionStartOffset"};
}

std::string or_none(int64_t value) { return value < 0 ? "None" : std::to_string(value); }

} // namespace gregor::tools
