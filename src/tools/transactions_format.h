#pragma once
// kafka-transactions.sh's tables (Kafka's TransactionsCommand over ToolsUtils.prettyPrintTable):
// a header row, then one row per item; every cell is left-aligned and padded with spaces to its
// column's widest cell, and followed by a tab (the last one too).

#include <cstdint>
#include <string>
#include <vector>

namespace gregor::tools {

std::string format_table(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

// The columns of each subcommand.
std::vector<std::string> list_transactions_headers();        // TransactionalId Coordinator ProducerId TransactionState
std::vector<std::string> describe_transaction_headers();     // CoordinatorId ... TopicPartitions
std::vector<std::string> describe_producers_headers();       // ProducerId ... CurrentTransactionStartOffset

// "None" for a missing (negative) value, else the number.
std::string or_none(int64_t value);

} // namespace gregor::tools
