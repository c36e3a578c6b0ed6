#pragma once
// How Kafka's Java tools render a broker's error: the exception class Kafka maps the error code to
// and its default message, e.g. "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException:
// The preferred leader was not available." Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <system_error>

namespace gregor::tools {

// The exception's getMessage(): the broker's message when it sent one, else Kafka's default text
// for the code; a client-side error (not the kafka category) gives its own message.
std::string kafka_exception_message(const std::error_code& ec, const std::string& broker_message);

// The exception's toString(): "<fully qualified class>: <message>".
std::string kafka_exception_text(const std::error_code& ec, const std::string& broker_message);

} // namespace gregor::tools
