#include "viz/html.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>

#include "util/status.h"

namespace charnn::html {

std::string escape(const std::string& s) {
  // Through nlohmann first only for its UTF-8 repair: dump() of a string with
  // error_handler_t::replace gives valid UTF-8; the quotes it adds are cut.
  const std::string valid = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string text = nlohmann::json::parse(valid).get<std::string>();
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_json(const nlohmann::json& data) {
  // ensure_ascii: every non-ASCII character becomes \uXXXX, so U+2028/U+2029
  // (line terminators to old JS parsers) cannot appear raw; then '<' as \u003c
  // keeps "</script>" and "<!--" out of the element.
  const std::string j = data.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(j.size());
  for (char c : j) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

std::string base64(const void* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i < n) {  // one or two bytes left: pad to four characters
    const uint32_t v = (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_script(const std::string& id, const void* data, size_t n) {
  return "<script type=\"application/octet-stream\" id=\"" + escape(id) + "\">" + base64(data, n) + "</script>\n";
}

namespace {
std::string generator_meta(const std::string& generator) {
  return "<meta name=\"generator\" content=\"" + escape(generator) + "\">\n";
}

// Shared look: system fonts only (nothing to fetch), readable widths.
const char* kBaseCss =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:20px 0 8px}"
    "table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}"
    "th{background:#f4f4f4}code,pre,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace}";
}  // namespace

std::string render(const Page& page) {
  std::string out;
  out.reserve(page.body.size() + page.script.size() + page.css.size() + 1024);
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  if (!page.generator.empty()) out += generator_meta(page.generator);
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape(page.title) + "</title>\n<style>";
  out += kBaseCss;
  out += page.css;
  out += "</style></head>\n<body>\n";
  out += page.body;
  out += "\n<script>\n";
  out += page.script;
  out += "\n</script>\n</body></html>\n";
  return out;
}

bool written_by(const std::string& path, const std::string& generator) {
  std::ifstream in(path, std::ios::binary);
  std::string head(1024, '\0');
  in.read(&head[0], static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.rfind("<!doctype html>", 0) == 0 && head.find(generator_meta(generator)) != std::string::npos;
}

}  // namespace charnn::html
