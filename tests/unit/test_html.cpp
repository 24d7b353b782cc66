// src/viz/html.h: the escaping, embedding and marker every HTML page relies on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.h"
#include "util/status.h"
#include "viz/html.h"

namespace charnn {

TEST(Html, EscapeMakesTextSafeAsElementTextAndQuotedAttribute) {
  EXPECT_EQ(html::escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html::escape("plain text, é"), "plain text, é");
  EXPECT_EQ(html::escape(std::string("x\xff y")), "x\xEF\xBF\xBD y");  // invalid byte -> U+FFFD
}

TEST(Html, ScriptJsonCannotCloseTheScriptElementAndReadsBack) {
  nlohmann::json data = {{"text", "</script><!-- \xE2\x80\xA8 done"}, {"p", 0.25}};
  const std::string s = html::script_json(data);
  EXPECT_EQ(s.find('<'), std::string::npos);
  EXPECT_EQ(s.find("\xE2\x80\xA8"), std::string::npos);  // U+2028 escaped
  EXPECT_EQ(nlohmann::json::parse(s), data);
}

TEST(Html, PageForbidsNetworkFetchesAndEscapesItsTitle) {
  const std::string page = html::render({"a <title>", "", "<p>x</p>", "let a = 1;"});
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.find("<title>a &lt;title&gt;</title>"), std::string::npos);
  EXPECT_NE(page.find("<p>x</p>"), std::string::npos);
  EXPECT_NE(page.find("let a = 1;"), std::string::npos);
}

TEST(Html, AGeneratorTagMarksThePageAsWrittenByThatCommand) {
  test::TempDir t;
  html::Page page{"t", "", "<p>x</p>", ""};
  page.generator = "charnn report";
  const std::string text = html::render(page);
  EXPECT_NE(text.find("<meta name=\"generator\" content=\"charnn report\">"), std::string::npos);
  EXPECT_TRUE(html::written_by(t.file("a.html", text), "charnn report"));
  EXPECT_FALSE(html::written_by(t.file("b.html", text), "charnn neurons"));
  EXPECT_FALSE(html::written_by(t.file("c.html", html::render({"t", "", "", ""})), "charnn report"));
  EXPECT_FALSE(html::written_by(t.file("d.txt", "charnn report"), "charnn report"));
}

TEST(Html, Base64AsRfc4648) {
  EXPECT_EQ(html::base64("", 0), "");
  EXPECT_EQ(html::base64("f", 1), "Zg==");
  EXPECT_EQ(html::base64("fo", 2), "Zm8=");
  EXPECT_EQ(html::base64("foo", 3), "Zm9v");
  EXPECT_EQ(html::base64("foobar", 6), "Zm9vYmFy");
  const unsigned char high[] = {0xFF, 0xFE, 0x00, 0x80};
  EXPECT_EQ(html::base64(high, 4), "//4AgA==");
  EXPECT_EQ(html::base64_script("s-1", "fo", 2), "<script type=\"application/octet-stream\" id=\"s-1\">Zm8=</script>\n");
}

}  // namespace charnn
