// A JSON string literal (RFC 8259, section 7), the one writer every JSON output
// of the project uses: quotation mark and reverse solidus escaped, the control
// characters below 0x20 as \b \f \n \r \t or \u00XX, valid UTF-8 passed through
// as it is. A byte that is not part of valid UTF-8 (a stray continuation byte, an
// overlong form, a surrogate, beyond U+10FFFF, a sequence cut short) becomes
// \ufffd, so that the output is always valid JSON in valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace json {

// Appends `s` to `out`, quoted.
void append_string(std::string& out, std::string_view s);

// `s` quoted.
std::string quote(std::string_view s);

}  // namespace json
