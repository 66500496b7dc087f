// crioctl: a CRI client for tests and operators, with crictl's verbs and flags.
#include <iostream>

#include "cmd/crioctl/cli.h"

int main(int argc, char** argv) {
  return crio::crioctl::RunCommandLine(argc, argv, {std::cout, std::cerr});
}
