#include "gregor/coordinator/producer_id_manager.h"

#include <chrono>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gregor::txn {

namespace asio = boost::asio;

// Everything below is touched on `strand` only.
struct producer_id_manager::state {
  state(asio::any_io_executor ex, producer_id_block_source& s) : strand(asio::make_strand(ex)), source(s) {}

  asio::strand<asio::any_io_executor> strand;
  producer_id_block_source& source;
  int64_t next_id = 0;
  int64_t last_id = -1;  // next_id > last_id: no block, or used up
  bool claiming = false;
  // Callers waiting for the claim in flight; each is woken by cancelling its timer.
  std::vector<asio::steady_timer*> waiting;
};

producer_id_manager::producer_id_manager(asio::any_io_executor executor, producer_id_block_source& source)
  : _state(std::make_shared<state>(std::move(executor), source)) {}

producer_id_manager::~producer_id_manager() = default;

namespace {

// The id taken, or the claim's error. Runs as a coroutine of the strand: every resumption after
// a co_await is on the strand, so the state needs no lock.
asio::awaitable<std::pair<int64_t, std::error_code>> take_id(std::shared_ptr<producer_id_manager::state> st) {
  for (;;) {
    if (st->next_id <= st->last_id) co_return std::pair{st->next_id++, std::error_code{}};
    if (!st->claiming) {
      st->claiming = true;
      auto claim = st->source.claim_block();
      auto block = co_await std::move(claim);
      st->claiming = false;
      for (auto* t : st->waiting) t->cancel();
      st->waiting.clear();
      if (!block) co_return std::pair{int64_t{-1}, block.error()};
      st->next_id = block->first;
      st->last_id = block->second;
      continue;
    }
    // Another caller is claiming: wait for it, then look again.
    asio::steady_timer wake(st->strand, std::chrono::steady_clock::time_point::max());
    st->waiting.push_back(&wake);
    boost::system::error_code ignored;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

} // namespace

asio::awaitable<result<int64_t>> producer_id_manager::next() {
  auto taken = co_await asio::co_spawn(_state->strand, take_id(_state), asio::use_awaitable);
  if (taken.second) co_return unexpected(taken.second);
  co_return taken.first;
}

} // namespace gregor::txn
