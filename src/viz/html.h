// src/viz/: the HTML pages charnn writes (`charnn neurons`, `charnn report`).
// Every page is ONE self-contained file: inline CSS, JS and SVG, no fonts,
// scripts or images fetched from anywhere, so it opens from disk on a cluster
// login node with no network. The data a page shows is embedded once as JSON
// and drawn by the page's own script; this header is the one way to escape
// text and embed data, so no page hand-rolls either.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace charnn::html {

// `s` with & < > " ' replaced by entities: safe as element text and as a
// quoted attribute value. Bytes that are not UTF-8 become U+FFFD.
std::string escape(const std::string& s);

// `data` as JSON that is safe inside <script type="application/json">:
// "</" and "<!--" cannot end or confuse the script element, U+2028/U+2029
// are escaped, and invalid UTF-8 becomes U+FFFD instead of throwing.
std::string script_json(const nlohmann::json& data);

// `n` bytes as base64 (RFC 4648, with padding): binary data embedded in a
// page (inside script_json or an attribute), decoded there by atob().
std::string base64(const void* data, size_t n);

// A <script type="application/octet-stream" id="ID"> element holding `n`
// bytes as base64: a large binary block a page reads (textContent, atob) only
// when it needs it. Nothing in base64 can end the element.
std::string base64_script(const std::string& id, const void* data, size_t n);

struct Page {
  std::string title;  // plain text; escaped here
  std::string css;    // the page's own rules, after the shared ones
  std::string body;   // HTML, already escaped by the caller
  std::string script; // JS run at the end of <body>
  // Which charnn command wrote the page ("charnn report"): when set, a
  // <meta name="generator"> in the head's first lines, which written_by() finds,
  // so a command replaces only a page it wrote (util/fsutil.h, check_output_path).
  std::string generator = "";
};

// The whole document: <!doctype html>, charset, the generator tag when set, a
// Content-Security-Policy that
// forbids every network fetch (default-src 'none'; inline style and script
// only), the shared base style, then the page's parts.
std::string render(const Page& page);

// Whether the file at `path` is a page render() wrote with this `generator`
// (looked for in its first 1 KiB). False for anything else, or unreadable.
bool written_by(const std::string& path, const std::string& generator);

}  // namespace charnn::html
