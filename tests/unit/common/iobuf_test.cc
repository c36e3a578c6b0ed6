#include "gregor/common/iobuf.h"

#include <cstdio>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace gregor;

TEST(iobuf, mixes_owned_shared_and_file_chunks) {
  char path[] = "/tmp/gregor_iobuf_XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "0123456789", 10), 10);
  auto file = std::make_shared<file_descriptor>(fd);
  ::unlink(path);

  iobuf buf;
  buf.append(as_bytes("ab"));
  bytes big(300, 'x');
  buf.append(shared_bytes(big));
  buf.append(file_slice{file, 2, 5});
  uint8_t* p = buf.append_uninitialized(2);
  p[0] = 'y';
  p[1] = 'z';
  buf.write_at(0, as_bytes("AB"));
  EXPECT_EQ(buf.size(), 2u + 300u + 5u + 2u);
  bytes flat = buf.linearize();
  std::string s(flat.begin(), flat.end());
  EXPECT_EQ(s, "AB" + std::string(300, 'x') + "23456yz");

  iobuf copy = buf.share();
  EXPECT_EQ(copy, buf);
}
