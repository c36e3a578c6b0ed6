// kafka-transactions.sh tables: padded cells, a tab after every cell, "None" for missing values.

#include "transactions_format.h"

#include <gtest/gtest.h>

namespace gregor::tools {
namespace {

TEST(transactions_format, cells_are_padded_to_the_widest_and_each_followed_by_a_tab) {
  auto out = format_table({"TransactionalId", "Coordinator", "ProducerId", "TransactionState"},
                          {{"a-very-long-transactional-id", "0", "4000", "Ongoing"}, {"t", "12", "7", "CompleteCommit"}});
  EXPECT_EQ(out,
            "TransactionalId             \tCoordinator\tProducerId\tTransactionState\t\n"
            "a-very-long-transactional-id\t0          \t4000      \tOngoing         \t\n"
            "t                           \t12         \t7         \tCompleteCommit  \t\n");
}

TEST(transactions_format, headers_alone_and_none_for_missing_values) {
  EXPECT_EQ(format_table(list_transactions_headers(), {}),
            "TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n");
  EXPECT_EQ(describe_producers_headers().back(), "CurrentTransactionStartOffset");
  EXPECT_EQ(describe_transaction_headers().size(), 9u);
  EXPECT_EQ(or_none(-1), "None");
  EXPECT_EQ(or_none(0), "0");
}

} // namespace
} // namespace gregor::tools
