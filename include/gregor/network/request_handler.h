#pragma once
// The seam between the Kafka-agnostic socket layer and the server module that understands Kafka.

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/network/asio_fwd.h"
#include "gregor/network/connection_info.h"

namespace gregor::network {

struct handler_result {
  enum class action {
    respond,     // write `response` (after the responses of earlier requests), then go on
    no_response, // write nothing for this request (acks=0 produce), then go on
    close,       // write nothing for this request; close once earlier responses are written
  };
  action what = action::respond;
  iobuf response; // the complete frame to send, size prefix included (for respond)
};

// Implemented by the server module. One instance serves every connection of a server; it must
// outlive the io_context's run (connections call it until they are closed).
//
// Thread-safety: handle() and on_connection_closed() of one connection run on that connection's
// strand, one at a time; different connections call in concurrently from the worker threads.
class request_handler {
public:
  virtual ~request_handler() = default;

  // Called once per complete frame (`frame` = the bytes after the 4-byte size). Runs on the
  // connection's strand and may hop to other executors (co_await co_spawn(other, ..., use_awaitable))
  // as long as it comes back before returning. Requests of one connection are handled one at a
  // time, in arrival order. `conn` stays valid until the returned awaitable completes. An
  // exception escaping handle() closes the connection (it is logged, never propagated).
  virtual asio::awaitable<handler_result> handle(const connection_info& conn, shared_bytes frame) = 0;

  // Called exactly once per accepted connection, after its last handle() has returned and the
  // socket is closed. Must not block.
  virtual void on_connection_closed(const connection_info&) {}
};

} // namespace gregor::network
