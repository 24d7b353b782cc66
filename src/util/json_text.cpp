#include "util/json_text.h"

#include <nlohmann/json.hpp>

namespace charnn {

std::string json_shown(const nlohmann::json& v) {
  std::string t = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return t.size() > 40 ? t.substr(0, 37) + "..." : t;
}

}  // namespace charnn
