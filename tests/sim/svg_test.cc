// The SVG pieces the layout drawing and the bench plots share.
#include "sim/svg.h"

#include "gtest/gtest.h"

namespace mmap_opt::svg {
namespace {

TEST(SvgTest, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(Escape(R"(w<1> & "q" 'k')"), "w&lt;1&gt; &amp; &quot;q&quot; &apos;k&apos;");
  EXPECT_EQ(Escape("plain_name.0"), "plain_name.0");
  EXPECT_EQ(Escape(""), "");
}

TEST(SvgTest, OpensWithTheViewBoxAndAWhiteBackground) {
  EXPECT_EQ(Open(640, 480, R"(font-size="12")"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"480\" "
            "viewBox=\"0 0 640 480\" font-size=\"12\">\n"
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
}

}  // namespace
}  // namespace mmap_opt::svg
