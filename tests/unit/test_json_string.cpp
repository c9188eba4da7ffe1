// The one JSON string writer against RFC 8259 (section 7): every control
// character, the quotation mark and the reverse solidus escaped, valid UTF-8
// passed through, and (checked by python3's parser, not ours) every output
// decodes back to its input.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "json/json_string.hpp"
#include "process.hpp"

namespace {

std::string hex(const std::string& bytes) {
  std::string out;
  char b[3];
  for (const char c : bytes) {
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(c));
    out += b;
  }
  return out;
}

}  // namespace

TEST_CASE("JSON strings: every control character escaped, short forms where RFC 8259 has them",
          "[json]") {
  // RFC 8259 section 7: the two-character escapes, and \u00XX for the rest below 0x20.
  const char* short_forms[0x20] = {};
  short_forms[0x08] = "\\b";
  short_forms[0x0c] = "\\f";
  short_forms[0x0a] = "\\n";
  short_forms[0x0d] = "\\r";
  short_forms[0x09] = "\\t";
  for (int c = 0; c < 0x20; ++c) {
    char expected[8];
    std::snprintf(expected, sizeof expected, "\\u%04x", c);
    const std::string in(1, static_cast<char>(c));
    INFO("character " << c);
    CHECK(json::quote(in) == "\"" + std::string(short_forms[c] ? short_forms[c] : expected) + "\"");
  }
  CHECK(json::quote("a\"b") == "\"a\\\"b\"");
  CHECK(json::quote("a\\b") == "\"a\\\\b\"");
  CHECK(json::quote("/ \x7f ~") == "\"/ \x7f ~\"");  // solidus and DEL need no escape
  CHECK(json::quote("") == "\"\"");
  std::string appended = "x=";
  json::append_string(appended, "1\n");
  CHECK(appended == "x=\"1\\n\"");
}

TEST_CASE("JSON strings: valid UTF-8 passes through, invalid bytes become U+FFFD", "[json]") {
  const std::string valid =
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
  CHECK(json::quote(valid) == "\"" + valid + "\"");
  const std::string r = "\\ufffd";
  CHECK(json::quote("\x80") == "\"" + r + "\"");                          // a lone continuation
  CHECK(json::quote("\xc0\xaf") == "\"" + r + r + "\"");                  // overlong '/'
  CHECK(json::quote("\xe0\x80\xaf") == "\"" + r + r + r + "\"");          // overlong, 3 bytes
  CHECK(json::quote("\xed\xa0\x80") == "\"" + r + r + r + "\"");          // a surrogate
  CHECK(json::quote("\xf4\x90\x80\x80") == "\"" + r + r + r + r + "\"");  // past U+10FFFF
  CHECK(json::quote("\xf5\x80") == "\"" + r + r + "\"");
  CHECK(json::quote("a\xe2\x82") == "\"a" + r + r + "\"");  // cut short at the end
  CHECK(json::quote("\xe2\x82"
                    "b") == "\"" + r + r + "b\"");
}

TEST_CASE("JSON strings: python3's parser reads back every byte string that is UTF-8", "[json]") {
  std::vector<std::string> inputs;
  for (int c = 0; c < 0x80; ++c)
    inputs.push_back(std::string("<") + static_cast<char>(c) + ">");
  inputs.push_back("\"quoted\" \\back\\slash\\ \t\r\n tab \x01\x1f end");
  inputs.push_back("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
  inputs.push_back(std::string("nul \0 inside", 12));
  const std::string base = "/tmp/plant-json-" + std::to_string(getpid());
  {
    std::ofstream json(base + ".json"), hexes(base + ".hex");
    json << "[";
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      json << (i ? "," : "") << json::quote(inputs[i]);
      hexes << hex(inputs[i]) << "\n";
    }
    json << "]";
  }
  int status = -1;
  const std::string out = proc::run_command(
      "/usr/bin/python3 -c \"import json\n"
      "got=json.load(open('" +
          base +
          ".json',encoding='utf-8'))\n"
          "want=[bytes.fromhex(l.strip()).decode('utf-8') for l in open('" +
          base +
          ".hex')]\n"
          "print(len(got), sum(a==b for a,b in zip(got,want)))\" 2>&1",
      &status);
  std::remove((base + ".json").c_str());
  std::remove((base + ".hex").c_str());
  CHECK(status == 0);
  CHECK(out == std::to_string(inputs.size()) + " " + std::to_string(inputs.size()) + "\n");
}
