// Stands for the code of a project that does not need the model (tests of
// its own logic): building it downloads nothing.
#include <iostream>

int main() {
  std::cout << "checks: ok\n";
  return 0;
}
