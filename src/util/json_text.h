// JSON values in messages: the one way a value read from a JSON file
// (status.json, metrics.jsonl) is shown in "KEY: got X, expected Y".
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace charnn {

// `v` as one short line of JSON (at most 40 bytes, "..." when cut); bytes that
// are not UTF-8 become U+FFFD instead of throwing.
std::string json_shown(const nlohmann::json& v);

}  // namespace charnn
