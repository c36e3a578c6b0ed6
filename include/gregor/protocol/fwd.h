#pragma once
// Forward declarations for the protocol module, so generated message headers stay light.

namespace gregor::protocol {

class reader;
class writer;
struct request_header;
struct api_descriptor;

} // namespace gregor::protocol
