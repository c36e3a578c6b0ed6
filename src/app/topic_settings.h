#pragma once
// A topic's effective settings: the broker's log.* defaults with the topic's /config/topics/<t>
// overrides on top (SERVER-PROPERTIES §1 precedence).

#include <map>
#include <string>

#include "gregor/config/broker_config.h"
#include "gregor/replication/partition.h"

namespace gregor::app {

replication::topic_config effective_topic_config(const config::broker_config& broker,
                                                 const std::map<std::string, std::string>& overrides);

} // namespace gregor::app
